/**
 * Test harness for the PostgreSQL store: uses the machine's PostgreSQL 15 cluster, starting it
 * when it is down, and gives each test file throwaway databases that it drops afterwards.
 * The cluster is left running: other test files (run in parallel) may be using it, and a
 * cluster this process did not start is never stopped. `METAFLOW_TEST_POSTGRES_URL` points
 * the tests at another server instead.
 * When no Postgres can be reached, tests skip with the reason, except under CI=true, where
 * they fail.
 */
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import pg from 'pg';

export const DEFAULT_URL = 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

export type PostgresServer = { ok: true; url: string } | { ok: false; reason: string };

async function canConnect(url: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return (e as Error).message || String((e as { code?: string }).code);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

/** Starts the Debian cluster if needed (idempotent: pg_ctlcluster start on a running cluster is a no-op here). */
function startLocalCluster(): string | undefined {
  try {
    const status = run('pg_lsclusters', ['--no-header']);
    const line = status.split('\n').find((l) => /^15\s+main\s/.test(l));
    if (!line) return 'no PostgreSQL 15 "main" cluster (pg_lsclusters)';
    if (!/\bonline\b/.test(line)) {
      try {
        run('pg_ctlcluster', ['15', 'main', 'start']);
      } catch (e) {
        // Another test process may have started it a moment ago.
        if (!/online/.test(run('pg_lsclusters', ['--no-header']).split('\n').find((l) => /^15\s+main\s/.test(l)) ?? '')) throw e;
      }
    }
    run('runuser', ['-u', 'postgres', '--', 'psql', '-qAtc', "ALTER USER postgres PASSWORD 'postgres'"]);
    return undefined;
  } catch (e) {
    return `cannot start the local PostgreSQL 15 cluster: ${(e as Error).message.split('\n')[0]}`;
  }
}

export async function findPostgres(): Promise<PostgresServer> {
  const url = process.env.METAFLOW_TEST_POSTGRES_URL ?? DEFAULT_URL;
  let problem = await canConnect(url);
  if (problem && !process.env.METAFLOW_TEST_POSTGRES_URL) {
    const started = startLocalCluster();
    problem = started ?? await canConnect(url);
  }
  return problem ? { ok: false, reason: `PostgreSQL unavailable at ${new URL(url).host}: ${problem}` } : { ok: true, url };
}

/**
 * Runs `define(server)` to declare the file's tests when Postgres is reachable; otherwise one
 * test that fails under CI=true and skips (with the reason) elsewhere.
 */
export async function withPostgres(name: string, define: (server: { url: string; database(): string }) => void): Promise<void> {
  const server = await findPostgres();
  if (!server.ok) {
    if (process.env.CI === 'true') test(`${name}: PostgreSQL is required in CI`, () => { throw new Error(server.reason); });
    else test(name, { skip: server.reason }, () => undefined);
    return;
  }
  const prefix = `metaflow_test_${process.pid}_${Date.now().toString(36)}`;
  const made: string[] = [];
  after(async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const db of made) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  });
  define({
    url: server.url,
    /** A fresh database URL on this server (created by whoever opens it first); dropped after the file. */
    database() {
      const db = `${prefix}_${made.length}`;
      made.push(db);
      const u = new URL(server.url);
      u.pathname = `/${db}`;
      return u.toString();
    },
  });
}
