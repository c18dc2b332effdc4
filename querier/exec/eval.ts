/**
 * Expressions compiled to closures over positional rows, once per operator, so the per-row
 * cost is a few calls. Dispatch by kind through one table.
 */
import type { Expr, ExprKind, TagDecoder, Value } from '../../storage-adapters/fragment.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import { lookupFunction } from '../sql/functions.ts';
import { castValue } from '../sql/values.ts';

export type RowFn = (row: Value[]) => Value;

/** Code → display name for tags; the engine fills it from the dictionaries before running. */
export interface TagLookup {
  /** The code → name function of one decoder, looked up once per operator, not per row. */
  decoder(tag: TagDecoder): (code: Value) => Value;
}

export interface CompileEnv {
  /** Input column name → position. */
  columns: Map<string, number>;
  tags: TagLookup;
  /** Outer-row values of the correlated subquery being run (empty at top level). */
  params: readonly Value[];
  /** Runs a subquery plan with the given outer values, synchronously (its leaves are fetched). */
  runSubquery(plan: unknown, params: Value[]): Value[][];
}

const COMPILERS: { [K in ExprKind]: (e: Extract<Expr, { kind: K }>, env: CompileEnv) => RowFn } = {
  column(e, env) {
    const i = env.columns.get(e.name);
    if (i === undefined) throw new QueryError(SQLSTATE.internalError, `plan refers to unknown column ${e.name}`);
    return (row) => row[i]!;
  },
  literal(e) {
    const v = e.value;
    return () => v;
  },
  call(e, env) {
    const def = lookupFunction(e.fn);
    if (!def) throw new QueryError(SQLSTATE.undefinedFunction, `function ${e.fn} does not exist`);
    const args = e.args.map((a) => compileExpr(a, env));
    const types = e.args.map((a) => a.type);
    if (e.fn === 'and' || e.fn === 'or') {
      // Short-circuit like PostgreSQL may: a decided AND/OR does not evaluate the rest.
      const decided = e.fn === 'and' ? false : true;
      return (row) => {
        let sawNull = false;
        for (const a of args) {
          const v = a(row);
          if (v === decided) return decided;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : !decided;
      };
    }
    if (def.nullAware) return (row) => def.eval(args.map((a) => a(row)), types);
    if (args.length === 1) {
      const [a] = args;
      return (row) => { const v = a!(row); return v === null ? null : def.eval([v], types); };
    }
    if (args.length === 2) {
      const [a, b] = args;
      return (row) => {
        const x = a!(row); if (x === null) return null;
        const y = b!(row); if (y === null) return null;
        return def.eval([x, y], types);
      };
    }
    return (row) => {
      const vs = args.map((a) => a(row));
      return vs.includes(null) ? null : def.eval(vs, types);
    };
  },
  case(e, env) {
    const whens = e.whens.map((w) => [compileExpr(w.when, env), compileExpr(w.then, env)] as const);
    const otherwise = e.else ? compileExpr(e.else, env) : () => null;
    return (row) => {
      for (const [w, t] of whens) if (w(row) === true) return t(row);
      return otherwise(row);
    };
  },
  cast(e, env) {
    const arg = compileExpr(e.arg, env);
    const from = e.arg.type;
    return (row) => castValue(arg(row), from, e.type);
  },
  param(e, env) {
    const v = env.params[e.index] ?? null;
    return () => v;
  },
  subquery(e, env) {
    if (e.list) throw new QueryError(SQLSTATE.internalError, 'IN (subquery) must be materialized before execution');
    const args = e.args.map((a) => compileExpr(a, env));
    // Uncorrelated: one run serves every row.
    let cached: Value | undefined;
    return (row) => {
      if (args.length === 0 && cached !== undefined) return cached;
      const rows = env.runSubquery(e.plan, args.map((a) => a(row)));
      if (e.exists) {
        if (args.length === 0) cached = rows.length > 0;
        return rows.length > 0;
      }
      if (rows.length > 1) throw new QueryError(SQLSTATE.cardinalityViolation, 'more than one row returned by a subquery used as an expression');
      const v = rows[0]?.[0] ?? null;
      if (args.length === 0) cached = v;
      return v;
    };
  },
  tag(e, env) {
    const arg = compileExpr(e.arg, env);
    const decode = env.tags.decoder(e.tag);
    return (row) => decode(arg(row));
  },
};

export function compileExpr(e: Expr, env: CompileEnv): RowFn {
  return (COMPILERS[e.kind] as (e: Expr, env: CompileEnv) => RowFn)(e, env);
}

export function columnIndex(names: string[]): Map<string, number> {
  return new Map(names.map((n, i) => [n, i]));
}
