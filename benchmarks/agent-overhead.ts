/**
 * The agent's cost to the application it watches, side by side in one run (issue 6 (a), (b)):
 *   (a) wrk against nginx without the agent, with the agent tracing nginx (eBPF), and without
 *       again: the throughput ratio (DeepFlow's paper saw 0.61 on nginx; the target is ≥ 0.9);
 *   (b) wrk held near a fixed rate (~10k requests/s, wrk's per-request `delay()`), the agent's
 *       CPU (utime + stime over wall time) and peak RSS (VmHWM; target ≤ 150 MB).
 * The agent runs as `metaflow agent`, its own process, shipping to a `metaflow server` process.
 * Everything shares this machine's cores, so the server's work shows up in (a) as well;
 * numbers from one run only compare with each other. Needs root, nginx and wrk.
 *   node --import tsx benchmarks/agent-overhead.ts [--seconds S] [--connections C] [--agent-node-options '--max-semi-space-size=4']
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { METAFLOW, machine, peakRssMiB, progress, startServerProcess, table } from './util.ts';
import { freePort } from '../lib/testing/ports.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' }, 'agent-node-options': { type: 'string', default: '' } } });
/** Extra Node flags for the agent process only (e.g. `--max-semi-space-size=4` to trade GC work for RSS). */
const AGENT_NODE_OPTIONS = String(values['agent-node-options']);
const SECONDS = Math.min(Math.max(Number(values.seconds), 2), 60);
const CONNECTIONS = Math.min(Math.max(Number(values.connections), 1), 200);
const TICK = 100; // clock ticks per second (_SC_CLK_TCK on Linux)


function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0) throw new Error(`${cmd} not found (Debian package ${pkg})`);
}

/** nginx with one worker answering a small static body, all paths under a temp dir. */
async function startNginx(dir: string, port: number): Promise<{ pids: number[]; stop(): void }> {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location / { return 200 "hello from nginx\\n"; } location /missing { return 404; } } }
`);
  const proc = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const children = spawnSync('pgrep', ['-P', String(proc.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    if (children.length > 0) return { pids: [proc.pid!, ...children], stop: () => proc.kill('SIGQUIT') };
  }
  proc.kill();
  throw new Error(`nginx did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
}

interface WrkResult { rps: number; requests: number }

function wrk(url: string, seconds: number, script?: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const args = ['-t', '2', '-c', String(CONNECTIONS), '-d', `${seconds}s`, ...(script ? ['-s', script] : []), url];
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const req = /(\d+) requests in/.exec(out);
      if (code !== 0 || !rps || !req) reject(new Error(`wrk failed (${code}): ${out}`));
      else resolve({ rps: Number(rps[1]), requests: Number(req[1]) });
    });
  });
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
}

async function startAgent(server: string, pids: number[], metricsPort: number): Promise<ChildProcess> {
  const proc = spawn(METAFLOW, ['agent', '--server', server, '--pid', pids.join(','), '--metrics-port', String(metricsPort), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${AGENT_NODE_OPTIONS}`.trim() },
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (d) => { err += d; if (err.includes('capturing with')) resolve(); });
    proc.on('exit', (code) => reject(new Error(`agent exited ${code}: ${err}`)));
  });
  return proc;
}

async function agentMetrics(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => { const [k, v] = l.split(' '); return [k!, Number(v)]; }));
}

async function main(): Promise<void> {
  need('wrk', 'wrk');
  need('nginx', 'nginx');
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-bench-agent-'));
  const server = await startServerProcess(['--data-dir', join(dir, 'data')]);
  const nginxPort = await freePort();
  const nginx = await startNginx(dir, nginxPort);
  const url = `http://127.0.0.1:${nginxPort}/`;
  const paced = join(dir, 'paced.lua');
  // Each connection waits 1 ms between requests: C connections give at most C×1000 req/s.
  writeFileSync(paced, 'function delay() return 1 end\n');
  let agent: ChildProcess | undefined;
  try {
    progress(`agent-overhead: nginx on ${nginxPort} (pids ${nginx.pids.join(',')}), wrk -c ${CONNECTIONS}, ${SECONDS} s per run`);
    await wrk(url, 2); // warm-up
    const before = await wrk(url, SECONDS);
    const metricsPort = await freePort();
    agent = await startAgent(server.base, nginx.pids, metricsPort);
    await wrk(url, 2, paced); // the agent's first batches and JIT warm-up
    // (b) first, so the peak RSS is the paced run's and not the saturated one's.
    const t0 = cpuTicks(agent.pid!);
    const w0 = Date.now();
    const pacedRun = await wrk(url, SECONDS, paced);
    const cpu = (cpuTicks(agent.pid!) - t0) / TICK / ((Date.now() - w0) / 1000);
    const peak = peakRssMiB(agent.pid!);
    const paced1 = await agentMetrics(metricsPort);
    // (a) nginx as fast as wrk can drive it, traced.
    const withAgent = await wrk(url, SECONDS);
    const full = await agentMetrics(metricsPort);
    const peakSaturated = peakRssMiB(agent.pid!);
    agent.kill('SIGTERM');
    await new Promise((r) => agent!.once('exit', r));
    agent = undefined;
    const after = await wrk(url, SECONDS);
    const baseline = (before.rps + after.rps) / 2;
    const [[rows]] = [[await (await fetch(`${server.base}/v1/status`)).json() as { tables: Record<string, { rows: number }> }]];
    const l7 = rows.tables['flow_log.l7_flow_log']!.rows;
    const md = [
      `_Run ${new Date().toISOString()} on ${machine()}._`, '',
      table(['run', 'requests/s', 'ratio to baseline'], [
        ['nginx, no agent (before)', before.rps, before.rps / baseline],
        ['nginx, agent tracing nginx (eBPF)', withAgent.rps, withAgent.rps / baseline],
        ['nginx, no agent (after)', after.rps, after.rps / baseline],
      ]), '',
      `Agent Node options: ${AGENT_NODE_OPTIONS || '(none)'}.`,
      `(b) paced run: ${pacedRun.rps.toFixed(0)} requests/s; agent CPU ${(cpu * 100).toFixed(1)}% of one core; agent peak RSS ${peak.toFixed(0)} MiB`,
      `(${peakSaturated.toFixed(0)} MiB after the saturated run). After the paced run the agent had ${paced1.metaflow_agent_events_total} events, ${paced1.metaflow_agent_l7_rows_total} l7 rows,`,
      `${paced1.metaflow_agent_capture_drops_total} capture drops, ${paced1.metaflow_agent_dropped_rows_total} rows dropped; after the saturated run ${full.metaflow_agent_capture_drops_total} capture drops,`,
      `${full.metaflow_agent_dropped_rows_total} rows dropped from the send queue; ${l7} l7_flow_log rows in the store.`,
    ].join('\n');
    process.stdout.write(`## Agent overhead: wrk against nginx with and without the eBPF agent\n\n${md}\n`);
  } finally {
    if (agent) agent.kill('SIGTERM');
    nginx.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
