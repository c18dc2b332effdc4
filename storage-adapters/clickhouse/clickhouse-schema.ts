/**
 * Creates what a node must hold and upgrades what an older version left there, reading the
 * node's catalog once instead of sending every CREATE: opening an up-to-date store costs two
 * queries per node. Safe when several processes open at once (IF NOT EXISTS, and a column
 * another process added first is not an error).
 */
import { quoteIdent, quoteLiteral, columnType } from './clickhouse-types.ts';
import { clickhouseCode } from './clickhouse-errors.ts';
import type { TableSpec } from './clickhouse-layout.ts';

export interface SchemaNode {
  command(sql: string): Promise<void>;
  /** Rows of a SELECT whose columns are all non-null strings. */
  strings(sql: string, columns: string[]): Promise<string[][]>;
}

/** ClickHouse codes for "column already exists" (DUPLICATE_COLUMN; ILLEGAL_COLUMN on some versions). */
const COLUMN_EXISTS = new Set([15, 44]);

export async function ensureSchema(node: SchemaNode, specs: TableSpec[]): Promise<void> {
  const databases = [...new Set(specs.map((s) => s.database))];
  if (databases.length === 0) return;
  const list = databases.map(quoteLiteral).join(', ');
  const haveDbs = new Set((await node.strings(`SELECT name FROM system.databases WHERE name IN (${list})`, ['name'])).map((r) => r[0]!));
  for (const db of databases) if (!haveDbs.has(db)) await node.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`);
  const columns = new Map<string, Set<string>>();
  for (const [db, table, name] of await node.strings(`SELECT database, table, name FROM system.columns WHERE database IN (${list})`, ['database', 'table', 'name'])) {
    const key = `${db}.${table}`;
    if (!columns.has(key)) columns.set(key, new Set());
    columns.get(key)!.add(name!);
  }
  for (const spec of specs) {
    const have = columns.get(`${spec.database}.${spec.name}`);
    if (!have) {
      await node.command(spec.create);
      continue;
    }
    for (const c of spec.columns) {
      if (have.has(c.name)) continue;
      try {
        await node.command(`ALTER TABLE ${quoteIdent(spec.database)}.${quoteIdent(spec.name)} ADD COLUMN ${quoteIdent(c.name)} ${columnType(c)}`);
      } catch (e) {
        // Another process added it first (18.16 has no ADD COLUMN IF NOT EXISTS).
        if (!COLUMN_EXISTS.has(clickhouseCode(e) ?? 0)) throw e;
      }
    }
  }
}
