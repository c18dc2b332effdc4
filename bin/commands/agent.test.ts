// `metaflow agent` as a user runs it: replaying a capture into a real server, exact reasons
// for a source that cannot run, usage errors, and the health endpoint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, storeRows, type TestServer } from '../../lib/testing/server.ts';
import { effectiveCapabilities, hasCapability } from '../../agent/capture/capabilities.ts';

const METAFLOW = fileURLToPath(new URL('../metaflow', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../agent/protocols/fixtures/redis.pcap', import.meta.url));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(METAFLOW, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

let server: TestServer | undefined;
after(async () => { await server?.stop(); });

test('agent --source pcap replays a capture into the server and exits 0', async () => {
  server = await startTestServer();
  const r = await cli(['agent', '--server', server.base, '--source', 'pcap', '--pcap', FIXTURE, '--log-level', 'warn']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /14 l7 rows, \d+ rows sent, 0 dropped, 0 rejected/);
  const [[n]] = await storeRows(server, `SELECT count(*) FROM flow_log.l7_flow_log WHERE l7_protocol = 80`);
  assert.equal(Number(n), 14);
  const [[app]] = await storeRows(server, `SELECT sum(request) FROM flow_metrics."application.1m"`);
  assert.equal(Number(app), 14);
});

test('a source that cannot run says exactly why and exits 1', async () => {
  const r = await cli(['agent', '--source', 'pcap', '--pcap', '/no/such.pcap']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'metaflow agent: pcap capture unavailable: no such file: /no/such.pcap');
  if (!hasCapability(effectiveCapabilities(), 'NET_RAW')) {
    const a = await cli(['agent', '--source', 'afpacket']);
    assert.equal(a.status, 1);
    assert.match(a.stderr, /afpacket capture unavailable: missing CAP_NET_RAW/);
  } else {
    const a = await cli(['agent', '--source', 'afpacket', '--interface', 'nosuch0', '--server', 'http://127.0.0.1:1']);
    assert.equal(a.status, 1);
    assert.match(a.stderr, /^metaflow agent: afpacket capture unavailable: (nosuch0: .+|.*addon.*)$/m);
  }
});

test('usage errors: bad source, --pid without ebpf, bad pid, bad server URL', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--source', 'tap'], /--source must be one of ebpf, afpacket, pcap, got 'tap'/],
    [['--source', 'pcap', '--pcap', FIXTURE, '--pid', '12'], /--pid needs the ebpf source/],
    [['--pid', '12,x'], /--pid takes positive integers/],
    [['--server', 'localhost:20416'], /--server must be an http\(s\) URL/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(['agent', ...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re);
  }
});
