/**
 * Running real PostgreSQL clients (psql, pgbench, python3 with psycopg, java) from tests.
 * A missing client fails the test when CI=true and skips it with the reason otherwise.
 * Clients run asynchronously: the server under test lives in the same process.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`). */
export function runTool(cmd: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string; cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(opts.input ?? '');
  });
}

/** Whether a probe command exits 0 (checked synchronously, before any server runs). */
export function probe(cmd: string, args: string[]): boolean {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  } catch {
    return false;
  }
}

/**
 * Returns true when the tool is there. Otherwise fails the test under CI and skips it
 * elsewhere, naming the Debian package that provides the tool.
 */
export function requireTool(t: TestContext, available: boolean, what: string, debianPackage: string): boolean {
  if (available) return true;
  const reason = `${what} is not installed (Debian package: ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return false;
}

/** The Debian python3, which has the apt-installed psycopg modules (PATH may hold a pyenv shim). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const JDBC_JAR = '/usr/share/java/postgresql.jar';
