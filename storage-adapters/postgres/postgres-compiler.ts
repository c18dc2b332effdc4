/**
 * PlanFragment → PostgreSQL SQL: the shared PostgreSQL-family compiler (storage-adapters/sql)
 * with this store's few differences: exact µs timestamp literals (to_timestamp(double) can
 * round the last microsecond), and integer division through div() because sum(bigint) is numeric
 * in PostgreSQL (numeric / bigint would keep the fraction).
 */
import type { PlanFragment } from '../adapter.ts';
import { compileFragment as compileSql } from '../sql/sql-compiler.ts';
import { POSTGRES_DIALECT, type SqlDialect } from '../sql/sql-dialect.ts';
import { tableRef, timestampLiteral } from './postgres-types.ts';

/**
 * Buckets run through core date_bin (PostgreSQL 14+) even with TimescaleDB: it is the
 * reference the querier's own time_bucket follows, origin and all.
 */
const DIALECT: SqlDialect = {
  ...POSTGRES_DIALECT,
  tableRef,
  timestamp: (us) => timestampLiteral(BigInt(us)),
  functions: {
    ...POSTGRES_DIALECT.functions,
    '/': ([a, b], e) => (e.args.every((x) => x.type === 'int') ? `div(${a}, ${b})` : `(${a} / ${b})`),
  },
};

export function compileFragment(f: PlanFragment): string {
  return compileSql(f, DIALECT);
}
