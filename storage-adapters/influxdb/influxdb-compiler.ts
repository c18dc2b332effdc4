/**
 * PlanFragment → InfluxQL plus what InfluxQL cannot do. InfluxQL compares tags only as strings
 * with = and != (a missing tag equals ''), so equality, IN and NULL tests on tag columns and
 * the time range are pushed down; every other predicate is returned for the reader to apply.
 * LIMIT is pushed only when nothing is left to filter afterwards.
 */
import { StoreError, type ColumnPredicate, type PlanFragment } from '../adapter.ts';
import { isTag, measurementOf, quoteIdent, quoteLiteral, ROW_FIELD, tableColumns } from './influxdb-types.ts';

export interface CompiledQuery {
  influxql: string;
  /** Selected names in order: `time`, then ROW_FIELD, then the fragment's columns. */
  selected: string[];
  /** Predicates the reader applies to each row. */
  residual: ColumnPredicate[];
  /** Limit still to apply after the residual filter. */
  limit?: number;
}

function tagValue(v: unknown): string | undefined {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'string' && v !== '' ? v : undefined;
}

/** InfluxQL for a predicate on a tag column, or undefined when it must be applied in JS. */
function tagPredicate(p: ColumnPredicate): string | undefined {
  const col = quoteIdent(p.column);
  switch (p.op) {
    case 'is null': return `${col} = ''`;
    case 'is not null': return `${col} != ''`;
    case '=': { const v = tagValue(p.value); return v === undefined ? undefined : `${col} = ${quoteLiteral(v)}`; }
    // SQL: NULL != x is not true, while InfluxQL counts a missing tag as different.
    case '!=': { const v = tagValue(p.value); return v === undefined ? undefined : `(${col} != ${quoteLiteral(v)} AND ${col} != '')`; }
    case 'in': {
      const vs = p.values.map(tagValue);
      if (vs.length === 0 || vs.some((v) => v === undefined)) return undefined;
      return `(${vs.map((v) => `${col} = ${quoteLiteral(v!)}`).join(' OR ')})`;
    }
    case 'not in': {
      const vs = p.values.map(tagValue);
      if (vs.some((v) => v === undefined)) return undefined;
      return `(${[...vs.map((v) => `${col} != ${quoteLiteral(v!)}`), `${col} != ''`].join(' AND ')})`;
    }
    default: return undefined;
  }
}

export function compileFragment(f: PlanFragment): CompiledQuery {
  const defs = tableColumns(f.table);
  const columns = f.columns.length ? f.columns : f.table.columns.map((c) => c.name);
  const where: string[] = [];
  // Points sit at µs × 1000 + slot ns, so [start, end) µs is exactly [start × 1000, end × 1000) ns.
  if (f.timeRange?.startUs !== undefined) where.push(`time >= ${f.timeRange.startUs * 1000n}`);
  if (f.timeRange?.endUs !== undefined) where.push(`time < ${f.timeRange.endUs * 1000n}`);
  const residual: ColumnPredicate[] = [];
  for (const p of f.filters) {
    const def = defs.get(p.column);
    const sql = def && isTag(def) ? tagPredicate(p) : undefined;
    if (sql) where.push(sql);
    else residual.push(p);
  }
  const wanted = [...columns, ...residual.map((p) => p.column)].filter((c) => c !== 'time');
  const selected = ['time', ROW_FIELD, ...new Set(wanted)];
  const list = selected.slice(1).map((c) => {
    if (c === ROW_FIELD) return quoteIdent(c);
    const def = defs.get(c);
    if (!def) throw new StoreError(`column "${c}" does not exist in ${f.table.fullName}`, 'influxdb', '42703');
    return `${quoteIdent(c)}::${isTag(def) ? 'tag' : 'field'}`;
  });
  const pushLimit = f.limit !== undefined && residual.length === 0;
  const influxql = `SELECT ${list.join(', ')} FROM ${quoteIdent(measurementOf(f.table))}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') + (pushLimit ? ` LIMIT ${f.limit}` : '');
  return { influxql, selected, residual, limit: f.limit };
}
