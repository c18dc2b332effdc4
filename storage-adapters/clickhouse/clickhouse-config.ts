/**
 * Where the ClickHouse store is: `clickhouse://[user:pass@]host[:8123][/prefix][?options]`.
 * - `/prefix` (optional; letters, digits, `_`) is prepended to the catalog's database names
 *   (`prefix_flow_log`, ...), so several installs can share a server; without it the
 *   databases are named as in the catalog (`flow_log`, `flow_metrics`, `prometheus`,
 *   `flow_tag`), the names DeepFlow users know.
 * - `?secure=true` speaks HTTPS (default port 8443).
 * - `?cluster=NAME&shards=h1:8123,h2:8123` (or the `clickhouse:` block of the config file)
 *   turns on cluster mode: NAME is a cluster in every server's `remote_servers`, `shards` the
 *   HTTP endpoints of its shards in the same order. Credentials are the URL's.
 */
import { StoreError } from '../adapter.ts';

export interface ClickHouseCluster {
  /** Cluster name in the servers' `remote_servers`. */
  name: string;
  /** HTTP base URL of each shard (one replica per shard), in `remote_servers` order. */
  shards: string[];
}

export interface ClickHouseOptions {
  /** HTTP base URL of the server MetaFlow writes and queries through. */
  url: string;
  username: string;
  password: string;
  /** Prepended to every database name (`''` or `staging_`). */
  prefix: string;
  cluster?: ClickHouseCluster;
  /** Longest a single request may take (queries, inserts). */
  requestTimeoutMs: number;
}

/** The `clickhouse:` config block (lib/config.ts); URL options win over it. */
export interface ClickHouseConfigBlock {
  cluster?: string;
  /** Comma-separated `host:port` or URLs. */
  shards?: string;
}

function invalid(message: string): StoreError {
  return new StoreError(message, 'clickhouse', '22023');
}

function baseUrl(hostPort: string, secure: boolean): string {
  const withScheme = /^https?:\/\//.test(hostPort) ? hostPort : `${secure ? 'https' : 'http'}://${hostPort}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw invalid(`ClickHouse shard '${hostPort}' is not host:port or an http(s) URL`);
  }
  const port = u.port || (u.protocol === 'https:' ? '8443' : '8123');
  return `${u.protocol}//${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${port}`;
}

export function clickhouseOptions(url: URL, settings: ClickHouseConfigBlock = {}): ClickHouseOptions {
  if (!url.hostname) throw invalid(`ClickHouse URL '${url.href}' names no host; use clickhouse://host:8123`);
  const q = url.searchParams;
  const secure = ['1', 'true', 'yes'].includes(q.get('secure') ?? '');
  const path = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  if (path && !/^[A-Za-z0-9_]+$/.test(path)) throw invalid(`ClickHouse database prefix '${path}' may hold only letters, digits and _`);
  const clusterName = q.get('cluster') ?? settings.cluster;
  const shardText = q.get('shards') ?? settings.shards;
  const shards = (shardText ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => baseUrl(s, secure));
  if (clusterName && shards.length === 0) throw invalid(`ClickHouse cluster '${clusterName}' needs its shards (shards=host:port,host:port)`);
  if (!clusterName && shards.length > 0) throw invalid('ClickHouse shards are given without a cluster name (cluster=NAME)');
  const timeout = Number(q.get('timeout_ms') ?? 300_000);
  return {
    url: baseUrl(url.host, secure),
    username: decodeURIComponent(url.username) || 'default',
    password: decodeURIComponent(url.password),
    prefix: path ? `${path}_` : '',
    cluster: clusterName ? { name: clusterName, shards } : undefined,
    requestTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 300_000,
  };
}

/** The storage URL that opens the same store (for another process). */
export function clickhouseUrl(o: ClickHouseOptions): string {
  const u = new URL(o.url);
  const auth = `${encodeURIComponent(o.username)}${o.password ? `:${encodeURIComponent(o.password)}` : ''}@`;
  const q = new URLSearchParams();
  if (u.protocol === 'https:') q.set('secure', 'true');
  if (o.cluster) { q.set('cluster', o.cluster.name); q.set('shards', o.cluster.shards.map((s) => new URL(s).host).join(',')); }
  const query = q.toString();
  return `clickhouse://${auth}${u.host}/${o.prefix.replace(/_$/, '')}${query ? `?${query}` : ''}`;
}

/** `host:port` of a base URL, for messages. */
export function hostOf(base: string): string {
  return new URL(base).host;
}
