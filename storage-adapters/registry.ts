/**
 * Store URL → adapter. A table of schemes, so adding a store is one row plus its folder.
 * `duckdb:///abs/dir` or `duckdb://./rel/dir`; no URL means DuckDB in the data directory.
 */
import type { StorageAdapter } from './adapter.ts';
import { DuckDBAdapter } from './duckdb/duckdb-adapter.ts';
import { PostgresAdapter } from './postgres/postgres-adapter.ts';
import { InfluxDBAdapter } from './influxdb/influxdb-adapter.ts';

export type AdapterFactory = (url: URL, options: { dataDir: string }) => StorageAdapter;

export const ADAPTERS: Record<string, AdapterFactory> = {
  duckdb: (url) => new DuckDBAdapter(decodeURIComponent(url.host ? `${url.host}${url.pathname}` : url.pathname)),
  postgres: (url) => new PostgresAdapter(url.toString()),
  postgresql: (url) => new PostgresAdapter(url.toString()),
  influxdb: (url) => new InfluxDBAdapter(url.toString()),
  influxdbs: (url) => new InfluxDBAdapter(url.toString()),
};

export class StorageUrlError extends Error {}

export function createAdapter(storage: string | undefined, options: { dataDir: string }): StorageAdapter {
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
