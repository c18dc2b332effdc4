// The eBPF source against real traffic between real processes: node net/http/https servers,
// node clients and curl. Needs root and the eBPF toolchain (see testing/native-env.ts).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { CaptureEvent, ConnectionEvent, PayloadEvent } from './source.ts';
import { EbpfSource } from './ebpf.ts';
import { nativeUnavailableReason, requireNative, runTraffic, waitFor } from './testing/native-env.ts';

const text = (e: PayloadEvent) => Buffer.from(e.data).toString('latin1');
const sum = (es: PayloadEvent[]) => es.reduce((n, e) => n + e.byteCount, 0);

/** Keeps the events of the processes a test watches (the host has other traffic too). */
class Recorder {
  readonly watched = new Set<number>();
  readonly events: CaptureEvent[] = [];
  readonly onBatch = (batch: CaptureEvent[]) => {
    for (const e of batch) if (this.watched.has(e.pid)) this.events.push(e);
  };
  payloads(pid: number, f: (e: PayloadEvent) => boolean = () => true): PayloadEvent[] {
    return this.events.filter((e): e is PayloadEvent => e.kind === 'payload' && e.pid === pid && f(e));
  }
  conns(pid: number, kind: 'open' | 'close'): ConnectionEvent[] {
    return this.events.filter((e): e is ConnectionEvent => e.kind === kind && e.pid === pid);
  }
}

function curl(...args: string[]): { pid: number; done: Promise<string> } {
  let resolve!: (s: string) => void, reject!: (e: Error) => void;
  const done = new Promise<string>((res, rej) => { resolve = res; reject = rej; });
  const p = execFile('curl', ['-s', '--max-time', '5', ...args], (err, stdout) => (err ? reject(err) : resolve(stdout)));
  return { pid: p.pid!, done };
}

describe('ebpf source', { skip: nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false }, () => {
  const rec = new Recorder();
  let source: EbpfSource;

  before(async (t) => {
    if (!requireNative(t as never)) return;
    source = new EbpfSource({ captureBytes: 1024 });
    await source.start(rec.onBatch);
  });
  after(async () => { await source?.stop(); });

  test('reports what the kernel allows', () => {
    const k = source.kernel!;
    assert.equal(k.tracepoint, 'ok');
    assert.equal(k.ringbuf, 'ok');
    for (const kind of ['kprobe', 'fentry', 'raw_tracepoint', 'tp_btf', 'uprobe'] as const) {
      assert.ok(k[kind] === 'ok' || /failed: /.test(k[kind]), `${kind}: ${k[kind]}`);
    }
    assert.ok(source.attached.includes('tracepoint/syscalls/sys_exit_recvmmsg'));
  });

  test('node net exchange: pid, tuple, direction, byte counts, payload prefix, truncation', async () => {
    const child = runTraffic('tcp', '3000', '700');
    rec.watched.add(child.pid);
    const t0 = BigInt(Date.now()) * 1_000_000n;
    child.proc.stdin!.write('go\n');
    const { serverPort, clientPort, received } = await child.next() as { serverPort: number; clientPort: number; received: number };
    assert.equal(received, 700);
    const pid = child.pid;
    const fromClient = (e: { tuple: { srcPort: number } }) => e.tuple.srcPort === clientPort;
    const fromServer = (e: { tuple: { srcPort: number; dstPort: number } }) => e.tuple.srcPort === serverPort && e.tuple.dstPort === clientPort;
    await waitFor('all bytes on both sockets', () =>
      sum(rec.payloads(pid, (e) => fromServer(e) && e.direction === 'ingress')) === 3000 &&
      sum(rec.payloads(pid, (e) => fromClient(e) && e.direction === 'ingress')) === 700 &&
      rec.conns(pid, 'close').length >= 2 ? true : undefined);

    const clientOut = rec.payloads(pid, (e) => fromClient(e) && e.direction === 'egress');
    assert.equal(sum(clientOut), 3000);
    const first = clientOut[0]!;
    assert.deepEqual(first.tuple, { srcIp: '127.0.0.1', srcPort: clientPort, dstIp: '127.0.0.1', dstPort: serverPort, ipProtocol: 6 });
    assert.equal(text(first).slice(0, 8), 'PINGaaaa');
    assert.equal(first.comm, 'node');
    assert.ok(first.timestampNs >= t0 - 1_000_000_000n && first.timestampNs <= BigInt(Date.now()) * 1_000_000n + 1_000_000_000n,
      `timestamp ${first.timestampNs} is Unix time`);
    for (const e of rec.payloads(pid)) assert.equal(e.data.length, Math.min(e.byteCount, 1024), `capture of ${e.byteCount} bytes`);
    assert.ok(clientOut.some((e) => e.byteCount > 1024), 'a write larger than the capture length');

    const serverIn = rec.payloads(pid, (e) => fromServer(e) && e.direction === 'ingress');
    assert.equal(text(serverIn[0]!).slice(0, 4), 'PING');
    const serverOut = rec.payloads(pid, (e) => fromServer(e) && e.direction === 'egress');
    assert.equal(sum(serverOut), 700);
    assert.equal(text(serverOut[0]!).slice(0, 6), 'PONGbb');

    const opens = rec.conns(pid, 'open');
    const clientOpen = opens.find(fromClient);
    const serverOpen = opens.find(fromServer);
    assert.equal(clientOpen?.initiator, true);
    assert.equal(serverOpen?.initiator, false);
    assert.equal(clientOpen!.connectionId, first.connectionId);
    assert.equal(serverOpen!.connectionId, serverIn[0]!.connectionId);
    assert.notEqual(clientOpen!.connectionId, serverOpen!.connectionId);
    assert.ok(rec.conns(pid, 'close').some((e) => e.connectionId === clientOpen!.connectionId));
  });

  test('curl to a node http server: both processes, request and response', async () => {
    const server = runTraffic('http-server');
    rec.watched.add(server.pid);
    try {
      const { port } = await server.next() as { port: number };
      const c = curl(`http://127.0.0.1:${port}/metaflow/ebpf?x=1`);
      rec.watched.add(c.pid);
      assert.equal(await c.done, 'hello /metaflow/ebpf?x=1');
      const request = 'GET /metaflow/ebpf?x=1 HTTP/1.1\r\n';
      const curlOut = await waitFor('curl request', () => {
        const es = rec.payloads(c.pid, (e) => e.direction === 'egress' && text(e).startsWith(request));
        return es.length ? es : undefined;
      });
      assert.equal(curlOut[0]!.comm, 'curl');
      assert.equal(curlOut[0]!.tuple.dstPort, port);
      const clientPort = curlOut[0]!.tuple.srcPort;
      const serverIn = await waitFor('server read of the request', () => {
        const es = rec.payloads(server.pid, (e) => e.direction === 'ingress' && e.tuple.dstPort === clientPort);
        return sum(es) === sum(curlOut) ? es : undefined;
      });
      assert.ok(text(serverIn[0]!).startsWith(request));
      assert.equal(serverIn[0]!.tuple.srcPort, port);
      const serverOut = rec.payloads(server.pid, (e) => e.direction === 'egress' && e.tuple.dstPort === clientPort);
      assert.ok(text(serverOut[0]!).startsWith('HTTP/1.1 200 OK\r\n'));
      const curlIn = await waitFor('curl read of the response', () => {
        const es = rec.payloads(c.pid, (e) => e.direction === 'ingress' && e.tuple.srcPort === clientPort);
        return sum(es) === sum(serverOut) ? es : undefined;
      });
      assert.ok(text(curlIn[0]!).startsWith('HTTP/1.1 200 OK\r\n'));
    } finally {
      server.kill();
    }
  });

  test('the agent never traces itself', async () => {
    const marker = 'SELF-TRAFFIC-MARKER';
    rec.watched.add(process.pid);
    const server = net.createServer((s) => s.on('data', () => s.end(marker)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.end(marker);
    for await (const _ of client) { /* drain */ }
    server.close();
    // A child's exchange after ours proves the capture was live meanwhile.
    const child = runTraffic('tcp', '100', '100');
    rec.watched.add(child.pid);
    child.proc.stdin!.write('go\n');
    await child.next();
    await waitFor('child traffic', () => (rec.payloads(child.pid).length >= 4 ? true : undefined));
    assert.equal(rec.events.filter((e) => e.pid === process.pid).length, 0);
  });

  test('TLS: plaintext from curl (libssl.so.3) and node (embedded OpenSSL), tagged tls', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'metaflow-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
    const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
      '-keyout', key, '-out', cert], { encoding: 'utf8' });
    if (ssl.status !== 0) {
      if (process.env.CI === 'true') assert.fail(`openssl req failed: ${ssl.stderr}`);
      t.skip(`openssl CLI unavailable: ${ssl.stderr || ssl.error}`);
      return;
    }
    const libsslHooked = source.attached.some((a) => a.includes('libssl.so.3:SSL_write'));
    assert.ok(source.attached.includes(`${process.execPath}:SSL_read`), JSON.stringify(source.attachFailures));
    const server = runTraffic('https-server', cert, key);
    rec.watched.add(server.pid);
    try {
      const { port } = await server.next() as { port: number };
      const c = curl('-k', `https://127.0.0.1:${port}/secret/curl`);
      rec.watched.add(c.pid);
      assert.equal(await c.done, 'hello /secret/curl');
      const nodeClient = runTraffic('https-get', String(port), '/secret/node');
      rec.watched.add(nodeClient.pid);
      assert.deepEqual(await nodeClient.next(), { body: 'hello /secret/node' });

      const isGet = (path: string) => (e: PayloadEvent) => e.tls === true && text(e).startsWith(`GET ${path} HTTP/1.1\r\n`);
      const serverIn = await waitFor('server plaintext requests', () => {
        const a = rec.payloads(server.pid, (e) => e.direction === 'ingress' && isGet('/secret/curl')(e));
        const b = rec.payloads(server.pid, (e) => e.direction === 'ingress' && isGet('/secret/node')(e));
        return a.length && b.length ? [...a, ...b] : undefined;
      });
      for (const e of serverIn) {
        // node's TLS runs over memory BIOs: the socket is found from the read that fed SSL_read
        assert.equal(e.tuple.srcPort, port);
        assert.equal(e.connectionId, `${rec.payloads(server.pid, (r) => !r.tls && r.tuple.dstPort === e.tuple.dstPort)[0]!.connectionId}/tls`);
      }
      const serverOut = await waitFor('server plaintext responses', () => {
        const es = rec.payloads(server.pid, (e) => e.tls === true && e.direction === 'egress' && text(e).startsWith('HTTP/1.1 200 OK'));
        return es.length >= 2 ? es : undefined;
      });
      assert.ok(serverOut.some((e) => text(e).endsWith('hello /secret/curl')));
      const nodeOut = await waitFor('node client plaintext request', () => {
        const es = rec.payloads(nodeClient.pid, (e) => e.direction === 'egress' && isGet('/secret/node')(e));
        return es.length ? es : undefined;
      });
      assert.equal(nodeOut[0]!.comm, 'node');
      assert.equal(nodeOut[0]!.tuple.dstPort, port);
      if (libsslHooked) {
        const curlOut = await waitFor('curl plaintext request', () => {
          const es = rec.payloads(c.pid, (e) => e.direction === 'egress' && isGet('/secret/curl')(e));
          return es.length ? es : undefined;
        });
        // curl's SSL_write writes to the socket itself, so the socket (and tuple) is known.
        assert.equal(curlOut[0]!.tuple.dstPort, port);
        assert.equal(curlOut[0]!.connectionId, `${rec.payloads(c.pid, (e) => !e.tls)[0]!.connectionId}/tls`);
        // The syscall stream of the same connection carries only ciphertext.
        assert.ok(!rec.payloads(c.pid, (e) => !e.tls).some((e) => text(e).includes('/secret/curl')));
      }
    } finally {
      server.kill();
    }
  });
});

describe('ebpf source options', { skip: nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false }, () => {
  test('pid allowlist and capture length', async (t) => {
    if (!requireNative(t)) return;
    const rec = new Recorder();
    const source = new EbpfSource({ captureBytes: 100, pids: [process.pid], sslBinaries: [] });
    await source.start((b) => rec.onBatch(b));
    t.after(() => source.stop());
    const ignored = runTraffic('tcp', '500', '300');
    const traced = runTraffic('tcp', '500', '300');
    rec.watched.add(ignored.pid).add(traced.pid);
    source.setPids([process.pid, traced.pid]);
    ignored.proc.stdin!.write('go\n');
    traced.proc.stdin!.write('go\n');
    await Promise.all([ignored.next(), traced.next()]);
    await waitFor('traced child bytes', () => (sum(rec.payloads(traced.pid, (e) => e.direction === 'egress')) === 800 ? true : undefined));
    assert.equal(rec.events.filter((e) => e.pid === ignored.pid).length, 0);
    for (const e of rec.payloads(traced.pid)) {
      assert.equal(e.data.length, Math.min(e.byteCount, 100));
      assert.ok(text(e).startsWith('PING') || text(e).startsWith('PONG'), text(e).slice(0, 10));
    }
    assert.ok(rec.payloads(traced.pid).some((e) => e.byteCount === 500 && e.data.length === 100));
    assert.equal(source.stats().drops, 0);
  });
});
