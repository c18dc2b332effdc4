/**
 * The PostgreSQL wire protocol under load: `pgbench -M extended` running a trivial query
 * (`SELECT 1`) against MetaFlow and against PostgreSQL 15 on the same machine, same run,
 * same client count and duration. Prints both tps and the ratio (target ≥ 0.5).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgres } from '../lib/testing/postgres.ts';
import { tempDir } from '../lib/testing/server.ts';
import { progress, startServerProcess, table } from './util.ts';

interface Run { tps: number; latencyMs: number; failed: number }

function pgbench(args: string[], env: NodeJS.ProcessEnv, script: string, mode: string, seconds: number, clients: number): Run {
  const r = spawnSync('pgbench', ['-n', '-M', mode, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '-f', script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const out = r.stdout + r.stderr;
  const tps = /tps = ([\d.]+)/.exec(out);
  if (r.status !== 0 || !tps) throw new Error(`pgbench failed (${r.status}): ${out.slice(-1000)}`);
  return { tps: Number(tps[1]), latencyMs: Number(/latency average = ([\d.]+) ms/.exec(out)?.[1] ?? NaN), failed: Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0) };
}

export async function benchPgbench(opts: { seconds?: number; clients?: number } = {}): Promise<{ markdown: string; ratio: number }> {
  const seconds = opts.seconds ?? 10;
  const clients = opts.clients ?? 4;
  const pg = await findPostgres();
  if (!pg.ok) throw new Error(`PostgreSQL 15 is needed as the peer: ${pg.reason}`);
  const work = mkdtempSync(join(tmpdir(), 'metaflow-pgbench-'));
  const script = join(work, 'trivial.sql');
  writeFileSync(script, 'SELECT 1;\n');
  const dir = tempDir('metaflow-bench-pgbench-');
  const ours = await startServerProcess(['--data-dir', dir.path]);
  const pgPort = ours.pgPort!;
  const rows: Array<Array<string | number>> = [];
  let ratio = NaN;
  try {
    const url = new URL(pg.url);
    for (const mode of ['extended', 'prepared', 'simple']) {
      progress(`pgbench -M ${mode}: PostgreSQL 15, then MetaFlow`);
      const theirs = pgbench(['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), 'postgres'], { PGPASSWORD: decodeURIComponent(url.password) }, script, mode, seconds, clients);
      const mine = pgbench(['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'metaflow', 'flow_log'], {}, script, mode, seconds, clients);
      if (mode === 'extended') ratio = mine.tps / theirs.tps;
      rows.push([`-M ${mode}`, theirs.tps, mine.tps, (mine.tps / theirs.tps).toFixed(2), theirs.latencyMs, mine.latencyMs, mine.failed]);
    }
  } finally {
    await ours.stop();
    dir.remove();
    rmSync(work, { recursive: true, force: true });
  }
  const markdown = [
    `pgbench ${seconds} s per run, ${clients} clients, script \`SELECT 1;\`, against PostgreSQL 15 (Debian) and MetaFlow on the same machine.`, '',
    table(['mode', 'PostgreSQL tps', 'MetaFlow tps', 'ratio', 'PostgreSQL latency (ms)', 'MetaFlow latency (ms)', 'MetaFlow failed'], rows), '',
    `**-M extended ratio ${ratio.toFixed(2)}** (target ≥ 0.5).`,
  ].join('\n');
  return { markdown, ratio };
}
