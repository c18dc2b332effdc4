import { after } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { adapterConformance } from '../testkit/conformance.ts';
import { DuckDBAdapter } from './duckdb-adapter.ts';
import { tempDir } from '../../lib/testing/server.ts';
import { createTableSql, tableRef } from './duckdb-types.ts';

const dirs: Array<{ remove(): void }> = [];
after(() => dirs.forEach((d) => d.remove()));

function dirOf(a: unknown): string {
  return (a as DuckDBAdapter).path.replace(/\/metaflow\.duckdb$/, '');
}

adapterConformance('duckdb', {
  async create() {
    const d = tempDir('metaflow-duckdb-');
    dirs.push(d);
    return new DuckDBAdapter(d.path);
  },
  async reopen(a) {
    return new DuckDBAdapter(dirOf(a));
  },
  workerArgs(a) {
    return [`duckdb://${dirOf(a)}`];
  },
  async createOlderLayout(a, table, keep) {
    const inst = await DuckDBInstance.create((a as DuckDBAdapter).path);
    const c = await inst.connect();
    await c.run(`CREATE SCHEMA IF NOT EXISTS ${table.database}`);
    await c.run(createTableSql({ ...table, columns: table.columns.filter((x) => keep.includes(x.name)) }));
    await c.run(`INSERT INTO ${tableRef(table)} (time) VALUES (make_timestamp(1))`);
    await c.run(`DELETE FROM ${tableRef(table)}`);
    c.closeSync();
    inst.closeSync();
  },
});
