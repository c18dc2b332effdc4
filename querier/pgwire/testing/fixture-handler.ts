/**
 * A tiny query handler for protocol tests: a few fixed in-memory tables and a handful of
 * statement shapes, recognised by regular expressions. It stands in for the querier so the
 * wire server can be tested with real clients; it is not a SQL engine.
 *
 *   SELECT <*|col, ...> FROM <table> [WHERE <col> = <literal|$n>] [LIMIT n]
 *   SELECT <*|col, ...> FROM series(<n|$n>)      n rows (i int8, label text), in batches of 100
 *   SELECT <item>, ...        items: $n[::type], integer/decimal/'string'/true/false literal,
 *                             optionally "AS alias" (echoes parameters with their types)
 *   SELECT sleep(<seconds>)   waits, honouring cancel
 *   SELECT notice()           one notice, then one row
 *   SHOW TABLES               table names (a SHOW the server leaves to the handler)
 *   INSERT/UPDATE/DELETE/CREATE/DROP/ALTER/TRUNCATE/COPY  refused: 25006
 *   unknown table → 42P01, unknown column → 42703, both with position and hint
 */
import { SqlError, SqlState } from '../../../lib/errors.ts';
import type { ColumnDescription, ExecuteEvent, ExecuteOptions, PgQueryHandler, StatementDescription } from '../handler.ts';
import { TypeOid, typeOidByName } from '../types/type-registry.ts';

interface Table {
  columns: ColumnDescription[];
  rows: unknown[][];
}

const col = (name: string, typeOid: number): ColumnDescription => ({ name, typeOid });

/** 2023-11-14 22:13:20.123456 UTC in µs. */
export const FIXTURE_TS_US = 1_700_000_000_123_456n;

export const FIXTURE_TABLES: Record<string, Table> = {
  services: {
    columns: [col('id', TypeOid.int4), col('name', TypeOid.text), col('port', TypeOid.int4), col('active', TypeOid.bool), col('rps', TypeOid.float8)],
    rows: [
      [1, 'frontend', 8080, true, 12.5],
      [2, 'cart', 7070, true, 0.1],
      [3, 'ledger, "main"', 5432, false, null],
    ],
  },
  typed: {
    columns: [
      col('b', TypeOid.bool), col('i2', TypeOid.int2), col('i4', TypeOid.int4), col('i8', TypeOid.int8), col('f4', TypeOid.float4),
      col('f8', TypeOid.float8), col('num', TypeOid.numeric), col('t', TypeOid.text), col('vc', TypeOid.varchar),
      col('ts', TypeOid.timestamptz), col('tsn', TypeOid.timestamp), col('d', TypeOid.date), col('iv', TypeOid.interval),
      col('j', TypeOid.json), col('jb', TypeOid.jsonb), col('ba', TypeOid.bytea), col('u', TypeOid.uuid), col('o', TypeOid.oid),
      col('ta', TypeOid.textArray), col('ia', TypeOid.int4Array),
    ],
    rows: [
      [
        true, -32768, 2147483647, 9007199254740993n, 1.5, 0.1, '12345678901234567890.000123', 'héllo', 'varchar',
        FIXTURE_TS_US, FIXTURE_TS_US, '2024-02-29', { months: 14, days: 3, microseconds: 14_706_500_000n },
        { a: [1, 2], b: 'x' }, { k: true }, Buffer.from([0, 1, 254, 255]), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 4294967295,
        ['a', 'b c', null, 'NULL', ''], [1, null, -3],
      ],
      new Array(20).fill(null),
    ],
  },
};

const WRITE_RE = /^\s*(insert|update|delete|create|drop|alter|truncate|copy|grant|revoke)\b/i;
const FROM_RE = /^\s*select\s+(?<list>.+?)\s+from\s+(?<table>[A-Za-z_]\w*)(?:\(\s*(?<arg>\d+|\$\d+)\s*\))?(?:\s+where\s+(?<wcol>\w+)\s*=\s*(?<wval>'[^']*'|\S+?))?(?:\s+limit\s+(?<limit>\d+))?\s*$/ids;
const ITEM_RE = /^\s*(?:\$(\d+)|(-?\d+)|(-?\d+\.\d+)|'((?:[^']|'')*)'|(true|false))\s*(?:::\s*([a-z][a-z0-9 ]*?(?:\[\])?))?\s*(?:as\s+("?)(\w+)\7)?\s*$/i;
const ROW_CAP = 100_000;

/** 1-based character position of match group `name` in `sql`. */
function positionOf(m: RegExpExecArray, name: string): number | undefined {
  const at = m.indices?.groups?.[name];
  return at ? at[0] + 1 : undefined;
}

/** The candidate within edit distance 2, for "Perhaps you meant" hints. */
function closest(name: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length]!;
  };
  return candidates.find((c) => distance(name, c) <= 2);
}

type Plan = { columns: ColumnDescription[] | null; paramTypes: number[]; run: (params: readonly unknown[], o: ExecuteOptions) => AsyncIterable<ExecuteEvent> };

function planTableSelect(m: RegExpExecArray, declared: readonly number[]): Plan {
  const g = m.groups!;
  const tableName = g.table!.toLowerCase();
  const isSeries = tableName === 'series' && g.arg !== undefined;
  const table = isSeries ? { columns: [col('i', TypeOid.int8), col('label', TypeOid.text)], rows: [] } : FIXTURE_TABLES[tableName];
  if (!table) {
    const hint = closest(tableName, Object.keys(FIXTURE_TABLES));
    throw new SqlError(SqlState.undefinedTable, `relation "${tableName}" does not exist`, {
      position: positionOf(m, 'table'), hint: hint ? `Perhaps you meant to reference the table "${hint}".` : undefined,
    });
  }
  const names = table.columns.map((c) => c.name);
  const columnIndex = (name: string, group: string, offset = 0): number => {
    const i = names.indexOf(name.toLowerCase());
    if (i < 0) {
      const hint = closest(name.toLowerCase(), names);
      const at = positionOf(m, group);
      throw new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`, {
        position: at === undefined ? undefined : at + offset, hint: hint ? `Perhaps you meant to reference the column "${tableName}.${hint}".` : undefined,
      });
    }
    return i;
  };
  const list = g.list!.trim();
  let offset = 0;
  const picked = list === '*' ? names.map((_, i) => i) : list.split(',').map((part) => {
    const i = columnIndex(part.trim(), 'list', offset + part.indexOf(part.trim()));
    offset += part.length + 1;
    return i;
  });
  const paramTypes = [...declared];
  let filter: ((row: unknown[], params: readonly unknown[]) => boolean) | null = null;
  if (g.wcol) {
    const ci = columnIndex(g.wcol, 'wcol');
    const wval = g.wval!;
    const paramNo = /^\$(\d+)$/.exec(wval);
    if (paramNo) paramTypes[Number(paramNo[1]) - 1] ||= table.columns[ci]!.typeOid;
    filter = (row, params) => {
      const want = paramNo ? params[Number(paramNo[1]) - 1] : wval.replace(/^'|'$/g, '');
      return String(row[ci]) === String(want);
    };
  }
  const argParam = g.arg?.startsWith('$') ? Number(g.arg.slice(1)) : 0;
  if (argParam) paramTypes[argParam - 1] ||= TypeOid.int8;
  const columns = picked.map((i) => table.columns[i]!);
  return {
    columns,
    paramTypes: fillParams(paramTypes),
    async *run(params, o) {
      yield { kind: 'columns', columns };
      let rows = table.rows;
      if (isSeries) {
        const n = Number(argParam ? params[argParam - 1] : g.arg);
        if (n > ROW_CAP) throw new SqlError(SqlState.programLimitExceeded, `result exceeds the row cap of ${ROW_CAP} rows`, { hint: 'Add a LIMIT or narrow the time range.' });
        for (let start = 0; start < n; start += 100) {
          if (o.signal.aborted) throw o.signal.reason;
          const batch = [];
          for (let i = start; i < Math.min(n, start + 100); i++) batch.push([BigInt(i + 1), `row ${i + 1}`]);
          yield { kind: 'rows', rows: batch };
          await new Promise<void>((r) => setImmediate(r));
        }
        return;
      }
      if (filter) rows = rows.filter((r) => filter!(r, params));
      if (g.limit) rows = rows.slice(0, Number(g.limit));
      yield { kind: 'rows', rows: rows.map((r) => picked.map((i) => r[i])) };
      yield { kind: 'complete', command: 'SELECT' };
    },
  };
}

/** Parameters nobody typed are text, as PostgreSQL resolves `unknown` in a select list. */
function fillParams(types: number[]): number[] {
  return Array.from(types, (t) => t || TypeOid.text);
}

function planExpressionSelect(list: string, declared: readonly number[]): Plan | null {
  const paramTypes = [...declared];
  const items = splitTopLevel(list).map((text, index) => {
    const m = ITEM_RE.exec(text);
    if (!m) return null;
    const [, param, int, dec, str, bool, cast, , alias] = m;
    const castOid = cast ? typeOidByName(cast) : undefined;
    if (cast && castOid === undefined) throw new SqlError(SqlState.undefinedObject, `type "${cast}" does not exist`);
    let typeOid: number;
    let value: (params: readonly unknown[]) => unknown;
    if (param) {
      const n = Number(param) - 1;
      typeOid = castOid ?? (paramTypes[n] || TypeOid.text);
      paramTypes[n] ||= typeOid;
      value = (p) => p[n];
    } else {
      typeOid = castOid ?? (int ? TypeOid.int4 : dec ? TypeOid.numeric : bool ? TypeOid.bool : TypeOid.text);
      const literal = int ?? dec ?? (bool ? bool.toLowerCase() === 'true' : str!.replace(/''/g, "'"));
      value = () => literal;
    }
    return { column: col(alias ?? '?column?', typeOid), value, index };
  });
  if (items.some((i) => i === null)) return null;
  const columns = items.map((i) => i!.column);
  return {
    columns,
    paramTypes: fillParams(paramTypes),
    async *run(params) {
      yield { kind: 'columns', columns };
      yield { kind: 'rows', rows: [items.map((i) => i!.value(params))] };
    },
  };
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let quote = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === "'") quote = !quote;
    else if (list[i] === ',' && !quote) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

function plan(sql: string, declared: readonly number[]): Plan {
  // Only the end is trimmed, so match offsets stay positions in `sql`.
  const text = sql.replace(/--[^\n]*/g, '').replace(/[\s;]+$/, '');
  const write = WRITE_RE.exec(text);
  if (write) {
    const verb = write[1]!.toUpperCase();
    return { columns: null, paramTypes: [...declared], run: () => { throw new SqlError(SqlState.readOnlySqlTransaction, `cannot execute ${verb} in a read-only transaction`); } };
  }
  if (/^\s*show\s+tables$/i.test(text)) {
    const columns = [col('name', TypeOid.text)];
    return { columns, paramTypes: [...declared], async *run() { yield { kind: 'columns', columns }; yield { kind: 'rows', rows: Object.keys(FIXTURE_TABLES).map((t) => [t]) }; yield { kind: 'complete', command: 'SHOW' }; } };
  }
  const sleep = /^\s*select\s+sleep\(\s*([\d.]+)\s*\)$/i.exec(text);
  if (sleep) {
    const columns = [col('sleep', TypeOid.text)];
    return {
      columns, paramTypes: [...declared],
      async *run(_p, o) {
        yield { kind: 'columns', columns };
        // Deliberately ignores the signal: the server must still answer a cancel at once.
        await new Promise((r) => setTimeout(r, Number(sleep[1]) * 1000).unref());
        yield { kind: 'rows', rows: [['slept']] };
      },
    };
  }
  if (/^\s*select\s+notice\(\)$/i.test(text)) {
    const columns = [col('notice', TypeOid.text)];
    return {
      columns, paramTypes: [...declared],
      async *run() {
        yield { kind: 'columns', columns };
        yield { kind: 'notice', notice: { sqlstate: SqlState.warning, message: 'default LIMIT 10000 applied', severity: 'WARNING' } };
        yield { kind: 'rows', rows: [['done']] };
      },
    };
  }
  const from = FROM_RE.exec(text);
  if (from) return planTableSelect(from, declared);
  const select = /^\s*select\s+(.+)$/is.exec(text);
  const expr = select ? planExpressionSelect(select[1]!, declared) : null;
  if (expr) return expr;
  const word = /^\s*(\S+)/.exec(text)?.[1] ?? '';
  throw new SqlError(SqlState.syntaxError, `syntax error at or near "${word}"`, { position: sql.indexOf(word) + 1 });
}

export class FixtureHandler implements PgQueryHandler {
  /** Statements executed, for assertions. */
  readonly executed: string[] = [];

  async describe(sql: string, paramTypeOids: readonly number[]): Promise<StatementDescription> {
    const p = plan(sql, paramTypeOids);
    return { paramTypes: p.paramTypes, columns: p.columns };
  }

  execute(sql: string, params: readonly unknown[], options: ExecuteOptions): AsyncIterable<ExecuteEvent> {
    this.executed.push(sql);
    return plan(sql, options.paramTypes).run(params, options);
  }
}
