/** The SQL conformance suite on the embedded DuckDB store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBAdapter } from '../../storage-adapters/duckdb/duckdb-adapter.ts';
import { sqlConformance } from './sql-conformance.ts';

const dirs = new Map<unknown, string>();
sqlConformance('duckdb', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-conformance-'));
  const adapter = new DuckDBAdapter(dir);
  dirs.set(adapter, dir);
  return adapter;
}, {
  dispose: async (adapter) => { await adapter.close(); rmSync(dirs.get(adapter)!, { recursive: true, force: true }); },
});
