/**
 * Store URL → adapter. A table of schemes, so adding a store is one row plus its folder.
 * `duckdb:///abs/dir` or `duckdb://./rel/dir`; no URL means DuckDB in the data directory.
 * `clickhouse://[user:pass@]host:8123[/prefix]`: see storage-adapters/clickhouse/README.md.
 */
import type { StorageAdapter } from './adapter.ts';
import { DuckDBAdapter } from './duckdb/duckdb-adapter.ts';
import { PostgresAdapter } from './postgres/postgres-adapter.ts';
import { InfluxDBAdapter } from './influxdb/influxdb-adapter.ts';
import { ClickHouseAdapter } from './clickhouse/clickhouse-adapter.ts';
import { clickhouseOptions, type ClickHouseConfigBlock } from './clickhouse/clickhouse-config.ts';

export interface AdapterOptions {
  dataDir: string;
  /** The config file's `clickhouse:` block (cluster name and shards). */
  clickhouse?: ClickHouseConfigBlock;
}

export type AdapterFactory = (url: URL, options: AdapterOptions) => StorageAdapter;

export const ADAPTERS: Record<string, AdapterFactory> = {
  duckdb: (url) => new DuckDBAdapter(decodeURIComponent(url.host ? `${url.host}${url.pathname}` : url.pathname)),
  postgres: (url) => new PostgresAdapter(url.toString()),
  postgresql: (url) => new PostgresAdapter(url.toString()),
  influxdb: (url) => new InfluxDBAdapter(url.toString()),
  influxdbs: (url) => new InfluxDBAdapter(url.toString()),
  clickhouse: (url, options) => new ClickHouseAdapter(clickhouseOptions(url, options.clickhouse)),
};

export class StorageUrlError extends Error {}

export function createAdapter(storage: string | undefined, options: AdapterOptions): StorageAdapter {
  if (!storage) return new DuckDBAdapter(options.dataDir);
  let url: URL;
  try {
    url = new URL(storage);
  } catch {
    throw new StorageUrlError(`storage '${storage}' is not a URL; use e.g. duckdb:///var/lib/metaflow`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  const factory = ADAPTERS[scheme];
  if (!factory) throw new StorageUrlError(`unknown store '${scheme}'; known: ${Object.keys(ADAPTERS).join(', ')}`);
  return factory(url, options);
}
