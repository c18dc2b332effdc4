/**
 * InfluxDB answer chunks → ResultBatches: values converted to the catalog's JS types, times
 * rounded down from ns to µs, and the predicates InfluxQL could not run applied here with SQL
 * semantics (a comparison with NULL is never true).
 */
import type { ColumnType, TableDef } from '../../schema/index.ts';
import type { ColumnPredicate, ResultBatch } from '../adapter.ts';
import type { CompiledQuery } from './influxdb-compiler.ts';
import type { Series } from './influxdb-http.ts';
import { fromInflux, isTag, nsToUs, tableColumns } from './influxdb-types.ts';

type Scalar = number | bigint | string | boolean;

/** Three-way comparison across number/bigint (exact for integers) and strings/booleans. */
function compare(a: Scalar, b: Scalar): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (typeof a !== 'string' && typeof b !== 'string' && Number.isInteger(Number(a)) && Number.isInteger(Number(b))) {
      const x = BigInt(a), y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
  const x = typeof a === 'bigint' ? Number(a) : a;
  const y = typeof b === 'bigint' ? Number(b) : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function matches(v: unknown, p: ColumnPredicate): boolean {
  if (p.op === 'is null') return v === null;
  if (p.op === 'is not null') return v !== null;
  if (v === null) return false;
  const x = v as Scalar;
  switch (p.op) {
    case 'in': return p.values.some((w) => compare(x, w) === 0);
    case 'not in': return !p.values.some((w) => compare(x, w) === 0);
    case '=': return compare(x, p.value) === 0;
    case '!=': return compare(x, p.value) !== 0;
    case '<': return compare(x, p.value) < 0;
    case '<=': return compare(x, p.value) <= 0;
    case '>': return compare(x, p.value) > 0;
    case '>=': return compare(x, p.value) >= 0;
  }
}

export async function* readSeries(chunks: AsyncIterable<Series>, table: TableDef, columns: string[], q: CompiledQuery): AsyncIterable<ResultBatch> {
  const defs = tableColumns(table);
  const outColumns = columns.map((name) => ({ name, type: (defs.get(name)?.type ?? 'string') as ColumnType }));
  // Residual predicates may name columns not selected: they were added to the query's list.
  const names = [...columns, ...q.residual.map((p) => p.column).filter((c) => !columns.includes(c))];
  const residualAt = q.residual.map((p) => names.indexOf(p.column));
  const convert = names.map((name) => {
    const def = defs.get(name);
    if (name === 'time') return nsToUs;
    return (v: unknown) => fromInflux(def?.type ?? 'string', def ? isTag(def) : false, v);
  });
  let left = q.limit ?? Infinity;
  let sent = false;
  for await (const s of chunks) {
    if (left <= 0) break;
    const at = names.map((n) => s.columns.indexOf(n));
    const rows: unknown[][] = [];
    for (const raw of s.values) {
      const full = at.map((i, k) => (i < 0 ? null : convert[k]!(raw[i])));
      if (!q.residual.every((p, k) => matches(full[residualAt[k]!], p))) continue;
      rows.push(full.slice(0, columns.length));
      if (--left <= 0) break;
    }
    sent = true;
    yield { columns: outColumns, rows };
  }
  if (!sent) yield { columns: outColumns, rows: [] };
}
