/** Shared benchmark plumbing: timing, child servers, RSS, result tables. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const METAFLOW = fileURLToPath(new URL('../bin/metaflow', import.meta.url));

export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Peak resident set (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function fileMiB(path: string): number {
  let total = 0;
  for (const p of [path, `${path}.wal`]) if (existsSync(p)) total += statSync(p).size;
  return total / 1024 / 1024;
}

export interface ChildServer { base: string; pgPort?: number; pid: number; proc: ChildProcess; stop(): Promise<void> }

/** Starts `metaflow server` as its own process (so its memory is its own) and waits for health. */
export async function startServerProcess(args: string[]): Promise<ChildServer> {
  const proc = spawn(METAFLOW, ['server', '--http-port', '0', '--pg-port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, METAFLOW_LOG_LEVEL: 'info' } });
  let err = '';
  const base = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (d) => {
      err += d;
      const m = /"http":"([\d.]+:\d+)".*"metaflow server ready"/.exec(err);
      if (m) resolve(`http://${m[1]}`);
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  // bin/metaflow execs node, so the launched pid is the server itself.
  const pgPort = /"pg":"[\d.]+:(\d+)"/.exec(err)?.[1];
  return {
    base, pgPort: pgPort ? Number(pgPort) : undefined, pid: proc.pid!, proc,
    stop: () => new Promise((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); }),
  };
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const fmt = (v: string | number) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)) : v);
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(fmt).join(' | ')} |`)].join('\n');
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown cpu';
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${cpu}, Node ${process.version}, load average at start ${load}`;
}

/** POSTs one Arrow IPC body to a MetaFlow server's ingest endpoint; throws unless it answers 200. */
export async function postIngest(base: string, body: Uint8Array, table = 'flow_log.l7_flow_log'): Promise<void> {
  const r = await fetch(`${base}/v1/ingest/${table}`, { method: 'POST', headers: { 'content-type': 'application/vnd.apache.arrow.stream' }, body });
  if (r.status !== 200) throw new Error(`ingest failed: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
}

/**
 * Runs two paths batch by batch in turn, so load from elsewhere on the machine falls on both
 * alike; returns the seconds each spent.
 */
export async function alternate(batches: number, peer: (i: number) => Promise<void>, ours: (i: number) => Promise<void>): Promise<{ peerSec: number; oursSec: number }> {
  const time = async (f: () => Promise<void>) => { const t0 = performance.now(); await f(); return (performance.now() - t0) / 1000; };
  let peerSec = 0;
  let oursSec = 0;
  for (let i = 0; i < batches; i++) {
    peerSec += await time(() => peer(i));
    oursSec += await time(() => ours(i));
  }
  return { peerSec, oursSec };
}

const RESULTS = new URL('./RESULTS.md', import.meta.url);

/** Replaces (or appends) benchmark `name`'s section of benchmarks/RESULTS.md, keeping the others. */
export function writeResultsSection(name: string, body: string): void {
  const section = `<!-- bench:${name} -->\n${body}\n<!-- /bench:${name} -->`;
  // Read the file only now: a long run must not overwrite sections written meanwhile.
  let doc = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\nWritten by `npm run bench`; each section is replaced when its benchmark runs.\n';
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  doc = re.test(doc) ? doc.replace(re, () => section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, doc);
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
