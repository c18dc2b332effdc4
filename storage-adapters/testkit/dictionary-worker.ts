/**
 * Child process for the two-writer test: `dictionary-worker.ts SEED <store args>` encodes its
 * names in rounds through a ResourceEncoder over its own adapter and prints name → id JSON.
 * Store args: a storage URL (`duckdb:///dir`, `clickhouse://host:port/prefix`). Each round opens,
 * encodes and closes, because DuckDB's file lock lets one process in at a time. The store still
 * arbitrates every claim, and servers like ClickHouse see both processes at once.
 */
import { DICTIONARY_TABLES, TABLES } from '../../schema/index.ts';
import { ResourceEncoder } from '../../ingester/smart-encoding/encoder.ts';
import { createAdapter } from '../registry.ts';
import { names } from './two-writers.ts';
import type { StorageAdapter } from '../adapter.ts';

const [seedText, url] = process.argv.slice(2);
const seed = Number(seedText);
const mine = names(seed, 300);

async function openWithRetry(): Promise<StorageAdapter> {
  for (let attempt = 0; ; attempt++) {
    const adapter = createAdapter(url, { dataDir: '.' });
    try {
      await adapter.open(TABLES, DICTIONARY_TABLES);
      return adapter;
    } catch (e) {
      if (attempt > 400 || !/in use by another process/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
}

const result: Record<string, number> = {};
for (let i = 0; i < mine.length; i += 30) {
  const adapter = await openWithRetry();
  const encoder = new ResourceEncoder(adapter.dictionaries);
  const round = mine.slice(i, i + 30).map((n) => ({ key: n, name: n }));
  const ids = await encoder.encode('pod', round);
  for (const { key } of round) result[key] = ids.get(key)!;
  await adapter.close();
}
process.stdout.write(JSON.stringify(result));
