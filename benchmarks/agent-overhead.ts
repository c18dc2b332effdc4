/**
 * The agent's cost to the application it watches, side by side in one run (issue 6 (a), (b)):
 *   (a) wrk against nginx alternately without the agent and with it tracing nginx (eBPF),
 *       `--rounds` traced runs each between two untraced ones: the throughput ratio, median over
 *       the rounds (DeepFlow's paper saw 0.61 on nginx; the target is ≥ 0.9);
 *   (b) wrk held near a fixed rate (~10k requests/s, wrk's per-request `delay()`), the agent's
 *       CPU (utime + stime over wall time), its RSS once capturing and idle, and its peak RSS
 *       (VmHWM; target ≤ 150 MB).
 * The agent runs as `metaflow agent` (the bundled agent, scripts/agent-bundle.mjs), its own
 * process, shipping to a `metaflow server` process; `--compare-tsx` repeats (b) with the agent
 * run through tsx (METAFLOW_AGENT_BUNDLE=0). Everything shares this machine's cores, so the
 * server's work shows up in (a) as well; numbers from one run only compare with each other.
 * Needs root, nginx and wrk.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { METAFLOW, machine, median, peakRssMiB, progress, startServerProcess, table, writeResultsSection } from './util.ts';
import { freePort } from '../lib/testing/ports.ts';

const USAGE = `node --import tsx benchmarks/agent-overhead.ts [--seconds S] [--connections C] [--rounds N] [--compare-tsx] [--write]
  [--agent-node-options '--max-semi-space-size=4']
  --seconds S             length of each wrk run [10]
  --connections C         wrk connections; the paced run gives at most C×1000 requests/s [20]
  --rounds N              (a): traced runs, each between two untraced ones; the median ratio is reported [2]
  --compare-tsx           also measure (b) with the agent run through tsx instead of the bundle
  --write                 replace the agent-overhead section of benchmarks/RESULTS.md
  --agent-node-options O  extra Node flags for the agent process only`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' }, 'agent-node-options': { type: 'string', default: '' },
    rounds: { type: 'string', default: '2' }, 'compare-tsx': { type: 'boolean', default: false }, write: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) { process.stdout.write(USAGE + '\n'); process.exit(0); }
/** Extra Node flags for the agent process only (e.g. `--max-semi-space-size=4` to trade GC work for RSS). */
const AGENT_NODE_OPTIONS = String(values['agent-node-options']);
const SECONDS = Math.min(Math.max(Number(values.seconds), 2), 60);
const CONNECTIONS = Math.min(Math.max(Number(values.connections), 1), 200);
const ROUNDS = Math.min(Math.max(Math.trunc(Number(values.rounds)) || 1, 1), 5);
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

type Loader = 'bundle' | 'tsx';

async function startAgent(server: string, pids: number[], metricsPort: number, loader: Loader): Promise<ChildProcess> {
  const proc = spawn(METAFLOW, ['agent', '--server', server, '--pid', pids.join(','), '--metrics-port', String(metricsPort), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${AGENT_NODE_OPTIONS}`.trim(), METAFLOW_AGENT_BUNDLE: loader === 'bundle' ? '1' : '0' },
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

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface PacedRun { loader: Loader; idleMiB: number; rps: number; cpu: number; peakMiB: number; metrics: Record<string, number> }

/** (b): a fresh agent, its RSS once capturing, then a paced wrk run: CPU share and peak RSS. */
async function pacedRun(server: string, pids: number[], url: string, paced: string, loader: Loader): Promise<{ run: PacedRun; agent: ChildProcess; metricsPort: number }> {
  const metricsPort = await freePort();
  const agent = await startAgent(server, pids, metricsPort, loader);
  await new Promise((r) => setTimeout(r, 1000));
  const idleMiB = rssMiB(agent.pid!);
  await wrk(url, 2, paced); // the agent's first batches and JIT warm-up
  const t0 = cpuTicks(agent.pid!);
  const w0 = Date.now();
  const run = await wrk(url, SECONDS, paced);
  const cpu = (cpuTicks(agent.pid!) - t0) / TICK / ((Date.now() - w0) / 1000);
  return { run: { loader, idleMiB, rps: run.rps, cpu, peakMiB: peakRssMiB(agent.pid!), metrics: await agentMetrics(metricsPort) }, agent, metricsPort };
}

async function stopAgent(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null) return;
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
}

async function main(): Promise<void> {
  need('wrk', 'wrk');
  need('nginx', 'nginx');
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-bench-agent-'));
  const started = new Date().toISOString();
  const env = machine();
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
    // (a) alternates runs without and with the agent; each traced run is compared with the
    // untraced runs on either side of it, so load from other processes that drifts over the
    // minutes of a run shows as spread between rounds rather than as a biased ratio.
    const untraced = [await wrk(url, SECONDS)];
    const traced: WrkResult[] = [];
    // (b) first, so the peak RSS is the paced run's and not the saturated one's.
    const b = await pacedRun(server.base, nginx.pids, url, paced, 'bundle');
    agent = b.agent;
    let full: Record<string, number> = {};
    let peakSaturated = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) agent = await startAgent(server.base, nginx.pids, await freePort(), 'bundle');
      else agent = b.agent;
      traced.push(await wrk(url, SECONDS)); // nginx as fast as wrk can drive it, traced
      if (round === 0) { full = await agentMetrics(b.metricsPort); peakSaturated = peakRssMiB(agent.pid!); }
      await stopAgent(agent);
      agent = undefined;
      untraced.push(await wrk(url, SECONDS));
    }
    const runs = [b.run];
    if (values['compare-tsx']) {
      const t = await pacedRun(server.base, nginx.pids, url, paced, 'tsx');
      agent = t.agent;
      runs.push(t.run);
      await stopAgent(agent);
      agent = undefined;
    }
    const ratios = traced.map((t, i) => t.rps / ((untraced[i]!.rps + untraced[i + 1]!.rps) / 2));
    const ratio = median(ratios);
    const status = await (await fetch(`${server.base}/v1/status`)).json() as { tables: Record<string, { rows: number }> };
    const l7 = status.tables['flow_log.l7_flow_log']!.rows;
    const m = b.run.metrics;
    const md = [
      table(['run', 'requests/s', 'ratio to the untraced runs around it'], [
        ...traced.flatMap((t, i): Array<Array<string | number>> => [[`nginx, no agent`, untraced[i]!.rps, ''], [`nginx, agent tracing nginx (eBPF), round ${i + 1}`, t.rps, ratios[i]!]]),
        ['nginx, no agent', untraced[untraced.length - 1]!.rps, ''],
      ]), '',
      table(['agent run as', 'RSS capturing, idle (MiB)', 'paced requests/s', 'agent CPU (% of a core)', 'peak RSS (MiB)'],
        runs.map((r) => [r.loader === 'bundle' ? 'bundle (`metaflow agent`)' : 'tsx (METAFLOW_AGENT_BUNDLE=0)', r.idleMiB, r.rps, (r.cpu * 100).toFixed(1), r.peakMiB])), '',
      `**(a) ratio ${ratio.toFixed(2)}** saturated, median of ${ratios.length} (target ≥ 0.9) · **(b) peak RSS ${b.run.peakMiB.toFixed(0)} MiB** (${(b.run.peakMiB * 1.048576).toFixed(0)} MB; target ≤ 150 MB)`
        + ` at ${b.run.rps.toFixed(0)} requests/s, agent CPU ${(b.run.cpu * 100).toFixed(1)}% of one core.`, '',
      `\`node --import tsx benchmarks/agent-overhead.ts ${process.argv.slice(2).join(' ')}\`: the agent and the server it ships to share the cores with nginx and wrk.`,
      `Agent Node options: ${AGENT_NODE_OPTIONS || '(none beyond bin/metaflow\'s)'}. Load average at the end ${loadAverage()}.`,
      `After the paced run the agent had ${m.metaflow_agent_events_total} events, ${m.metaflow_agent_l7_rows_total} l7 rows, ${m.metaflow_agent_capture_drops_total} capture drops,`,
      `${m.metaflow_agent_dropped_rows_total} rows dropped; after the saturated run ${full.metaflow_agent_capture_drops_total} capture drops, ${full.metaflow_agent_dropped_rows_total} rows dropped`,
      `from the send queue, peak RSS ${peakSaturated.toFixed(0)} MiB; ${l7} l7_flow_log rows in the store.`,
    ].join('\n');
    const body = `## Agent overhead: wrk against nginx with and without the eBPF agent\n\n_Run ${started} on ${env}._\n\n${md}\n`;
    process.stdout.write(body);
    if (values.write) writeResultsSection('agent-overhead', body);
  } finally {
    if (agent) await stopAgent(agent);
    nginx.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
