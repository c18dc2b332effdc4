/**
 * Private instances of real Debian servers for the live agent tests: MariaDB, PostgreSQL 15 and
 * dnsmasq, each on a free 127.0.0.1 port with every file under a temp dir, never the machine's
 * own instances (other tests use the system PostgreSQL cluster). Every server is plain TCP, so
 * the agent sees statements, not TLS records. Needs root (PostgreSQL runs as user postgres).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from '../../../lib/testing/ports.ts';
import { tempDir } from '../../../lib/testing/server.ts';
import { eventually, hasCommand } from './live.ts';

export interface LiveServer {
  /** The process to trace: mariadbd, the postmaster, the dnsmasq parent. */
  pid: number;
  port: number;
  stop(): Promise<void>;
}

export interface ClientRun { status: number | null; stdout: string; stderr: string }

/**
 * Runs a client to completion, `input` on its stdin; a non-zero exit is an outcome to check,
 * not an exception.
 */
export function runClient(command: string, args: string[], input = '', timeoutMs = 20_000): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    if (input) p.stdin!.on('error', () => undefined).end(input); // EPIPE: the exit status tells
    let stdout = '', stderr = '';
    p.stdout!.on('data', (d) => { stdout += d; });
    p.stderr!.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function check(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}${r.stdout}`);
}

export const MARIADB_TOOLS = { available: () => hasCommand('mariadbd') && hasCommand('mariadb-install-db') && hasCommand('mariadb'), packages: 'mariadb-server mariadb-client' };
const PG_BIN = '/usr/lib/postgresql/15/bin';
export const POSTGRES_TOOLS = { available: () => hasCommand(join(PG_BIN, 'postgres')) && hasCommand('psql') && hasCommand('runuser', ['--help']), packages: 'postgresql-15 postgresql-client-15' };
export const DNSMASQ_TOOLS = { available: () => hasCommand('dnsmasq') && hasCommand('dig', ['-v']), packages: 'dnsmasq-base bind9-dnsutils' };

/** The `mariadb` CLI against a server: TCP, no option files, no TLS. */
export function mariadbArgs(port: number): string[] {
  return ['--no-defaults', '--protocol=TCP', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', '--skip-ssl', '--connect-timeout=5'];
}

/** mariadbd on a fresh datadir, no grant tables (any user logs in), no binary log. */
export async function startMariadb(): Promise<LiveServer> {
  const dir = tempDir('metaflow-mariadb-');
  const data = join(dir.path, 'data');
  check(spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--skip-test-db', '--auth-root-authentication-method=normal'], { encoding: 'utf8' }), 'mariadb-install-db');
  const port = await freePort();
  const proc = spawn('mariadbd', ['--no-defaults', `--datadir=${data}`, '--user=root', '--bind-address=127.0.0.1', `--port=${port}`,
    `--socket=${join(dir.path, 'mysqld.sock')}`, `--pid-file=${join(dir.path, 'mysqld.pid')}`, '--skip-grant-tables', '--skip-log-bin',
    '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--skip-ssl'], { stdio: 'ignore' });
  const stop = async () => { await stopChild(proc); dir.remove(); };
  try {
    await eventually('mariadbd accepting connections', async () => (await runClient('mariadb', [...mariadbArgs(port), '-e', 'SELECT 1'])).status === 0, 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid: proc.pid!, port, stop };
}

/** psql's connection string for a server: TCP, no TLS. */
export function psqlConninfo(port: number): string {
  return `host=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=disable connect_timeout=5`;
}

/** A PostgreSQL 15 cluster of its own (initdb + pg_ctl as user postgres), trust auth, ssl off. */
export async function startPostgres(): Promise<LiveServer> {
  const dir = tempDir('metaflow-pg-');
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  chownSync(dir.path, id('-u'), id('-g'));
  const data = join(dir.path, 'data');
  const asPostgres = (cmd: string, ...args: string[]) => spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], { encoding: 'utf8', timeout: 60_000 });
  check(asPostgres('initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'), 'initdb');
  const port = await freePort();
  const options = `-p ${port} -k ${dir.path} -c listen_addresses=127.0.0.1 -c ssl=off -c fsync=off`;
  const started = asPostgres('pg_ctl', '-D', data, '-l', join(dir.path, 'log'), '-w', '-t', '30', '-o', options, 'start');
  const stop = async () => {
    asPostgres('pg_ctl', '-D', data, '-m', 'fast', '-w', 'stop');
    dir.remove();
  };
  if (started.status !== 0) {
    const log = (() => { try { return readFileSync(join(dir.path, 'log'), 'utf8'); } catch { return ''; } })();
    await stop();
    throw new Error(`pg_ctl start failed: ${started.stderr}${log}`);
  }
  // postmaster.pid's first line is the postmaster's pid.
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { pid, port, stop };
}

/** dnsmasq in the foreground (it still forks a child per TCP connection), one zone of its own. */
export async function startDnsmasq(): Promise<LiveServer> {
  const dir = tempDir('metaflow-dnsmasq-');
  const port = await freePort();
  const proc = spawn('dnsmasq', ['-k', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--user=root',
    `--pid-file=${join(dir.path, 'dnsmasq.pid')}`, '--address=/www.example.test/10.1.2.3', '--local=/example.test/'], { stdio: 'ignore' });
  const stop = async () => { await stopChild(proc); dir.remove(); };
  try {
    await eventually('dnsmasq answering', async () =>
      (await runClient('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=1', 'www.example.test'])).stdout.includes('10.1.2.3'), 10_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid: proc.pid!, port, stop };
}
