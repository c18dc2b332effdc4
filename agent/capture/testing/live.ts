/**
 * Helpers for the live end-to-end tests: the agent watches real servers driven by real clients,
 * and the rows are read back as a user reads them, through SQL over the PostgreSQL wire
 * protocol of a real MetaFlow server (tag and enum names, not codes).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import type { TestServer } from '../../../lib/testing/server.ts';

/** Polls `check` until it is true or the time runs out (agents flush every few hundred ms). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** True when `command --version`-style probing (`args`) runs. */
export function hasCommand(command: string, args = ['--version']): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * True when the test may go on; otherwise fails under CI=true (the package must be installed
 * there) and skips elsewhere, naming the Debian package that provides what is missing.
 */
export function requireTool(t: TestContext, available: boolean, what: string, debianPackage: string): boolean {
  if (available) return true;
  const reason = `${what} is not installed (Debian package ${debianPackage})`;
  if (process.env.CI === 'true') assert.fail(reason);
  t.skip(reason);
  return false;
}

export interface PgWireSql {
  /** Rows as objects keyed by column name, values as node-postgres parses them. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** The first column of the first row as a number (counts, sums). */
  number(sql: string): Promise<number>;
  close(): Promise<void>;
}

/** A node-postgres client on the server's PostgreSQL wire port. */
export async function pgWireSql(server: TestServer): Promise<PgWireSql> {
  assert.ok(server.pgPort, 'the test server listens for the PostgreSQL wire protocol');
  const client = new pg.Client({ host: '127.0.0.1', port: server.pgPort, database: 'flow_log', user: 'metaflow' });
  await client.connect();
  return {
    rows: async (sql) => (await client.query(sql)).rows,
    number: async (sql) => Number(Object.values((await client.query(sql)).rows[0] ?? {})[0]),
    close: () => client.end(),
  };
}
