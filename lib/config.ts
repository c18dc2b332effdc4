/**
 * Configuration: one YAML file plus METAFLOW_* environment overrides plus command-line flags,
 * in rising priority. Every setting is one row of SETTINGS, so help text, env names and file
 * keys never drift apart.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

type Kind = 'string' | 'int' | 'size' | 'duration';

export interface Setting {
  /** Dotted path in the YAML file and the config object. */
  path: string;
  kind: Kind;
  default: string | number | undefined;
  help: string;
  /** Command-line flag, when there is one. */
  flag?: string;
}

export const SETTINGS: Setting[] = [
  { path: 'data_dir', kind: 'string', default: './data', flag: '--data-dir', help: 'directory of the embedded store' },
  { path: 'storage', kind: 'string', default: undefined, flag: '--storage', help: 'store URL (duckdb:///dir, clickhouse://, postgres://, influxdb://); default: DuckDB in data_dir' },
  { path: 'listen', kind: 'string', default: '127.0.0.1', flag: '--listen', help: 'address the HTTP and PostgreSQL servers bind' },
  { path: 'http_port', kind: 'int', default: 20416, flag: '--http-port', help: 'HTTP port (ingest, SQL, PromQL, health)' },
  { path: 'pg_port', kind: 'int', default: 20432, flag: '--pg-port', help: 'PostgreSQL wire protocol port' },
  { path: 'role', kind: 'string', default: 'all', flag: '--role', help: 'all | ingester | querier' },
  { path: 'ingest.body_limit', kind: 'size', default: 64 * 1024 * 1024, flag: '--body-limit', help: 'largest ingest request body (bytes; 64MiB, 512KiB accepted)' },
  { path: 'query.timeout', kind: 'duration', default: 60_000, flag: '--query-timeout', help: 'per-query time limit (ms; 30s, 2m accepted)' },
  { path: 'query.max_rows', kind: 'int', default: 1_000_000, flag: '--max-rows', help: 'largest result a query may return' },
  { path: 'query.default_limit', kind: 'int', default: 10_000, help: 'LIMIT applied when a query gives none' },
  { path: 'auth.method', kind: 'string', default: 'trust', help: 'PostgreSQL auth: trust | password | scram-sha-256' },
  { path: 'clickhouse.cluster', kind: 'string', default: undefined, help: 'ClickHouse cluster name (in remote_servers) for cluster mode' },
  { path: 'clickhouse.shards', kind: 'string', default: undefined, help: 'ClickHouse shard HTTP endpoints, comma-separated or a YAML list, in remote_servers order' },
  { path: 'log.level', kind: 'string', default: 'info', flag: '--log-level', help: 'trace | debug | info | warn | error' },
];

export type Config = Record<string, unknown> & {
  data_dir: string; storage?: string; listen: string; http_port: number; pg_port: number; role: string;
  ingest: { body_limit: number }; query: { timeout: number; max_rows: number; default_limit: number };
  auth: { method: string; users?: Record<string, string> }; log: { level: string };
  clickhouse?: { cluster?: string; shards?: string };
};

export function envName(path: string): string {
  return 'METAFLOW_' + path.replace(/\./g, '_').toUpperCase();
}

const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const DURATIONS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class ConfigError extends Error {}

function convert(s: Setting, raw: unknown, from: string): string | number {
  if (s.kind === 'string') return Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
  if (typeof raw === 'number') return raw;
  const text = String(raw).trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text);
  const table = s.kind === 'size' ? UNITS : s.kind === 'duration' ? DURATIONS : { '': 1 };
  const factor = m ? (m[2] === '' ? 1 : (table as Record<string, number>)[m[2]!]) : undefined;
  if (!m || factor === undefined) throw new ConfigError(`${from}: '${raw}' is not a valid ${s.kind} for ${s.path}`);
  return Math.round(Number(m[1]) * factor);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1)!] = value;
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined), obj);
}

/** Defaults ← file ← env ← flags. `flags` are keyed by setting path. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Record<string, unknown> } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.METAFLOW_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    let v: unknown = s.default;
    const f = getPath(fromFile, s.path);
    if (f !== undefined) v = convert(s, f, file!);
    const e = env[envName(s.path)];
    if (e !== undefined && e !== '') v = convert(s, e, envName(s.path));
    const fl = options.flags?.[s.path];
    if (fl !== undefined) v = convert(s, fl, s.flag ?? s.path);
    if (v !== undefined) setPath(out, s.path, v);
  }
  // Settings with structure (users, clusters) come from the file only.
  const users = getPath(fromFile, 'auth.users');
  if (users) setPath(out, 'auth.users', users);
  const cfg = out as Config;
  if (!['all', 'ingester', 'querier'].includes(cfg.role)) throw new ConfigError(`role must be all, ingester or querier, not '${cfg.role}'`);
  for (const p of ['http_port', 'pg_port'] as const) {
    if (!(cfg[p] >= 0 && cfg[p] < 65536)) throw new ConfigError(`${p} must be a port number, not ${cfg[p]}`);
  }
  return cfg;
}
