/**
 * node-sql-parser expression AST → typed Expr, resolving names through the scopes, typing
 * literals against what they are compared with (ISO text or epoch seconds against timestamps,
 * interval text), and handing aggregate calls to the collector of the enclosing SELECT.
 */
import type { AggregateCall, Expr, SqlType, Value } from '../../storage-adapters/fragment.ts';
import { QueryError, SQLSTATE, didYouMean } from '../errors.ts';
import { type Ast, identName, positionOf } from './parse.ts';
import type { Scope } from './scope.ts';
import { lookupFunction } from './functions.ts';
import { AGGREGATES } from './aggregates.ts';
import { castValue } from './values.ts';
import { lit, sameExpr } from './plan.ts';
import { parseInterval, US_PER_SECOND } from './time.ts';
import { bindDeepFlowCall, isDeepFlowFunction } from './deepflow.ts';
import { regclassOid } from '../catalog/functions.ts';

/** Where aggregates go while a SELECT with grouping is bound. */
export interface AggregateCollector {
  add(call: AggregateCall): Expr;
  /** Time facts DeepFlow's PerSecond needs (bucket width, WHERE range), in µs. */
  timeWindowUs(): number | undefined;
}

export interface ExprContext {
  sql: string;
  /** The statement's timestamp (µs) for now() and friends. */
  now(): number;
  scopes: Scope[];
  /** Absent where aggregates are not allowed (WHERE, GROUP BY, aggregate arguments). */
  aggregates?: AggregateCollector;
  clause: string;
  params: Value[];
  /** Metric semantics of a stored column (DeepFlow's zero-skipping for delay metrics). */
  metricAggregation(column: string): string | undefined;
  /** The enclosing query's names, for a correlated subquery. */
  outer?: OuterScope;
  /** Ranking window functions of the SELECT list (absent elsewhere). */
  windows?: { add(fn: string, ast: Ast, ctx: ExprContext): Expr };
  /** Binds a subquery used as a value (set by the SELECT binder, which owns statements). */
  bindSubquery?(ast: Ast, outer: OuterScope, exists?: boolean): Expr;
}

/** Names of the enclosing query and the outer values a subquery captured from them. */
export interface OuterScope { scopes: Scope[]; captures: Expr[] }

export function bindExpr(ast: Ast, ctx: ExprContext): Expr {
  const f = AST_BINDERS[ast?.type as string];
  if (!f) {
    if (ast?.ast && ctx.bindSubquery) return ctx.bindSubquery(ast.ast, { scopes: ctx.scopes, captures: [] });
    if (ast?.type === undefined && ast?.expr) return bindExpr(ast.expr, ctx);
    throw new QueryError(SQLSTATE.featureNotSupported, `unsupported expression${ast?.type ? ` (${ast.type})` : ''} in ${ctx.clause}`);
  }
  return f(ast, ctx);
}

const call = (fn: string, args: Expr[], type?: SqlType): Expr => {
  const def = lookupFunction(fn);
  return { kind: 'call', fn, args, type: type ?? def!.returns(args.map((a) => a.type)) };
};

function bindColumn(ast: Ast, ctx: ExprContext): Expr {
  if (ast.column === '*') throw new QueryError(SQLSTATE.syntaxError, '"*" is only allowed in the SELECT list and count(*)');
  const name = identName(ast.column);
  const qualifier = ast.table ? identName(ast.table) : null;
  const candidates = qualifier ? ctx.scopes.filter((s) => s.qualifiers.includes(qualifier)) : ctx.scopes;
  if (qualifier && candidates.length === 0 && !ctx.outer?.scopes.some((s) => s.qualifiers.includes(qualifier))) {
    throw new QueryError(SQLSTATE.undefinedTable, `missing FROM-clause entry for table "${qualifier}"`, { position: positionOf(ctx.sql, qualifier) });
  }
  const found = candidates.map((s) => s.resolve(name)).filter((e): e is Expr => e !== undefined);
  if (found.length > 1) throw new QueryError(SQLSTATE.ambiguousColumn, `column reference "${name}" is ambiguous`, { position: positionOf(ctx.sql, name) });
  if (found.length === 1) return found[0]!;
  if (ctx.outer && !qualifier || ctx.outer?.scopes.some((s) => qualifier && s.qualifiers.includes(qualifier))) {
    const outer = ctx.outer!;
    const from = qualifier ? outer.scopes.filter((s) => s.qualifiers.includes(qualifier)) : outer.scopes;
    const e = from.map((s) => s.resolve(name)).find((x) => x !== undefined);
    if (e) {
      let index = outer.captures.findIndex((c) => sameExpr(c, e));
      if (index < 0) index = outer.captures.push(e) - 1;
      return { kind: 'param', index, type: e.type };
    }
  }
  throw new QueryError(SQLSTATE.undefinedColumn, `column "${name}" does not exist`, {
    position: positionOf(ctx.sql, name),
    hint: didYouMean(name, candidates.flatMap((s) => s.names())),
  });
}

function numberLiteral(ast: Ast): Expr {
  const text = String(ast.value);
  const isInt = /^-?\d+$/.test(text);
  if (isInt) {
    const big = BigInt(text);
    const safe = big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER);
    return lit(safe ? Number(big) : big, 'int');
  }
  return lit(Number(text), 'float');
}

/**
 * Gives an untyped literal the type of what it meets: '2024-01-01' against a timestamp, a
 * number against a timestamp as epoch seconds (DeepFlow's habit), '5' against an integer.
 */
export function coerceTo(e: Expr, type: SqlType): Expr {
  if (e.kind !== 'literal' || e.type === type) return e;
  if (e.value === null) return lit(null, type);
  if (type === 'timestamp' && (e.type === 'int' || e.type === 'float')) return lit(Math.round(Number(e.value) * US_PER_SECOND), 'timestamp');
  if (e.type === 'text' && type !== 'text') return lit(castValue(e.value, 'text', type), type);
  if (e.type === 'int' && type === 'float') return lit(Number(e.value), 'float');
  return e;
}

/** Both sides of a comparison or arithmetic, with untyped literals coerced to the other side. */
function unify(l: Expr, r: Expr): [Expr, Expr] {
  if (l.kind === 'literal' && r.kind !== 'literal') return [coerceTo(l, r.type), r];
  if (r.kind === 'literal' && l.kind !== 'literal') return [l, coerceTo(r, l.type)];
  return [l, r];
}

const BINARY_OPS: Record<string, string> = {
  '=': '=', '!=': '<>', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
  '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '||': '||',
  LIKE: 'like', 'NOT LIKE': 'not_like', ILIKE: 'ilike', 'NOT ILIKE': 'not_ilike',
  '~': '~', '~*': '~*', '!~': '!~', '!~*': '!~*',
};

function bindBinary(ast: Ast, ctx: ExprContext): Expr {
  const op = String(ast.operator).toUpperCase();
  if (op === 'AND' || op === 'OR') return call(op.toLowerCase(), [bindExpr(ast.left, ctx), bindExpr(ast.right, ctx)]);
  if (op === 'IS' || op === 'IS NOT') {
    const left = bindExpr(ast.left, ctx);
    if (ast.right?.type === 'null') return call(op === 'IS' ? 'is_null' : 'is_not_null', [left]);
    if (ast.right?.type === 'bool') {
      const test = call('=', [left, lit(Boolean(ast.right.value), 'bool')]);
      const known = call('and', [call('is_not_null', [left]), test]);
      return op === 'IS' ? known : call('not', [known]);
    }
    throw new QueryError(SQLSTATE.featureNotSupported, `IS ${ast.right?.type} is not supported`);
  }
  if (op === 'IN' || op === 'NOT IN') {
    const left = bindExpr(ast.left, ctx);
    const list = (ast.right?.value ?? []) as Ast[];
    if (list.length === 1 && list[0]?.ast && ctx.bindSubquery) {
      const sub = ctx.bindSubquery(list[0].ast, { scopes: ctx.scopes, captures: [] });
      if (sub.kind !== 'subquery' || sub.args.length) throw new QueryError(SQLSTATE.featureNotSupported, 'IN (subquery) must not refer to the outer query');
      return call(op === 'IN' ? 'in' : 'not_in', [left, { ...sub, list: true }]);
    }
    if (list.some((x) => x?.ast)) throw new QueryError(SQLSTATE.featureNotSupported, 'subqueries inside an IN list are not supported');
    return call(op === 'IN' ? 'in' : 'not_in', [left, ...list.map((x) => coerceTo(bindExpr(x, ctx), left.type))]);
  }
  if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
    const x = bindExpr(ast.left, ctx);
    const [lo, hi] = (ast.right.value as Ast[]).map((v) => coerceTo(bindExpr(v, ctx), x.type));
    const inside = call('and', [call('>=', [x, lo!]), call('<=', [x, hi!])]);
    return op === 'BETWEEN' ? inside : call('not', [inside]);
  }
  const anyArg = anyArgument(ast.right);
  if (anyArg !== undefined) {
    // x = ANY(ARRAY[...]) is an IN list; ANY over an array column reads as NULL (MetaFlow has
    // no array type; only catalog queries ask, about arrays MetaFlow never fills).
    const left = bindExpr(ast.left, ctx);
    if (anyArg?.type === 'array' && op === '=') return call('in', [left, ...((anyArg.expr_list?.value ?? []) as Ast[]).map((x) => coerceTo(bindExpr(x, ctx), left.type))]);
    return lit(null, 'bool');
  }
  const fn = BINARY_OPS[op];
  if (!fn) throw new QueryError(SQLSTATE.featureNotSupported, `operator ${ast.operator} is not supported`, { position: ast.loc ? ast.loc.start.offset + 1 : undefined });
  let [l, r] = unify(bindExpr(ast.left, ctx), bindExpr(ast.right, ctx));
  if (fn === '-' || fn === '+') {
    // now() - '1 hour': text meeting a timestamp in arithmetic is an interval.
    if (l.type === 'timestamp' && r.kind === 'literal' && r.type === 'timestamp') r = lit(Number(r.value), 'interval');
  }
  if (['like', 'not_like', 'ilike', 'not_ilike', '~', '~*', '!~', '!~*'].includes(fn) && l.type !== 'text') {
    throw new QueryError(SQLSTATE.undefinedFunction, `operator does not exist: ${l.type} ${ast.operator} ${r.type}`, {
      hint: 'Pattern matching needs text; cast the left side with ::text.',
    });
  }
  return call(fn, [l, r]);
}

/** The argument of `ANY(...)` on the right of an operator, or undefined when it is not one. */
function anyArgument(ast: Ast): Ast | null | undefined {
  if (ast?.type !== 'function') return undefined;
  const n = ast.name?.name?.[ast.name.name.length - 1];
  if (String(n?.value ?? n ?? '').toUpperCase() !== 'ANY') return undefined;
  return ast.args?.value?.[0] ?? null;
}

function bindExists(sub: Ast, ctx: ExprContext): Expr {
  if (!sub?.ast || !ctx.bindSubquery) throw new QueryError(SQLSTATE.syntaxError, 'EXISTS needs a subquery');
  return ctx.bindSubquery(sub.ast, { scopes: ctx.scopes, captures: [] }, true);
}

function bindUnary(ast: Ast, ctx: ExprContext): Expr {
  if (String(ast.operator).toUpperCase() === 'NOT EXISTS') return call('not', [bindExists(ast.expr, ctx)]);
  const arg = bindExpr(ast.expr, ctx);
  if (ast.operator === '-') return arg.kind === 'literal' && typeof arg.value === 'number' ? lit(-arg.value, arg.type) : call('neg', [arg]);
  if (ast.operator === '+') return arg;
  if (String(ast.operator).toUpperCase() === 'NOT') return call('not', [arg]);
  throw new QueryError(SQLSTATE.featureNotSupported, `unary operator ${ast.operator} is not supported`);
}

const CAST_TYPES: Record<string, SqlType> = {
  TEXT: 'text', VARCHAR: 'text', CHAR: 'text', 'CHARACTER VARYING': 'text', STRING: 'text', NAME: 'text',
  INT: 'int', INTEGER: 'int', BIGINT: 'int', SMALLINT: 'int', INT2: 'int', INT4: 'int', INT8: 'int',
  FLOAT: 'float', FLOAT4: 'float', FLOAT8: 'float', REAL: 'float', 'DOUBLE PRECISION': 'float', DOUBLE: 'float', NUMERIC: 'float', DECIMAL: 'float',
  BOOLEAN: 'bool', BOOL: 'bool',
  TIMESTAMP: 'timestamp', TIMESTAMPTZ: 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamp', 'TIMESTAMP WITHOUT TIME ZONE': 'timestamp',
  INTERVAL: 'interval', OID: 'int', '"CHAR"': 'text',
};

function bindCast(ast: Ast, ctx: ExprContext): Expr {
  const target = String(ast.target?.[ast.target.length - 1]?.dataType ?? '').toUpperCase();
  if (ast.target?.length > 1) {
    // x::regtype::text: apply the casts innermost first.
    return bindCast({ ...ast, target: ast.target.slice(-1), expr: { ...ast, target: ast.target.slice(0, -1) } }, ctx);
  }
  if (target === 'REGNAMESPACE' || target === 'REGPROC' || target === 'REGROLE') {
    return call(target === 'REGNAMESPACE' ? 'regnamespace_name' : target === 'REGROLE' ? 'pg_get_userbyid' : 'regproc_name', [bindExpr(ast.expr, ctx)]);
  }
  if (target === 'REGCLASS' || target === 'REGTYPE') {
    const arg = bindExpr(ast.expr, ctx);
    if (target === 'REGCLASS' && arg.kind === 'literal' && arg.type === 'text') return lit(regclassOid(String(arg.value)) ?? null, 'int');
    return call(target === 'REGCLASS' ? 'regclass_name' : 'regtype_name', [arg]);
  }
  const type = CAST_TYPES[target];
  if (!type) throw new QueryError(SQLSTATE.featureNotSupported, `cast to ${target.toLowerCase()} is not supported`);
  const arg = bindExpr(ast.expr, ctx);
  if (arg.kind === 'literal') return lit(castValue(arg.value, arg.type, type), type);
  return arg.type === type ? arg : { kind: 'cast', arg, type };
}

function bindCase(ast: Ast, ctx: ExprContext): Expr {
  const subject = ast.expr ? bindExpr(ast.expr, ctx) : null;
  const whens: Array<{ when: Expr; then: Expr }> = [];
  let otherwise: Expr | null = null;
  for (const a of ast.args as Ast[]) {
    if (a.type === 'when') {
      let cond = bindExpr(a.cond, ctx);
      if (subject) { const [l, r] = unify(subject, cond); cond = call('=', [l, r]); }
      whens.push({ when: cond, then: bindExpr(a.result, ctx) });
    } else otherwise = bindExpr(a.result, ctx);
  }
  const types = [...whens.map((w) => w.then.type), ...(otherwise ? [otherwise.type] : [])].filter((t) => t !== 'null');
  const type: SqlType = types.length === 0 ? 'text' : types.every((t) => t === types[0]) ? types[0]! : types.every((t) => t === 'int' || t === 'float') ? 'float' : types[0]!;
  return { kind: 'case', whens: whens.map((w) => ({ when: w.when, then: coerceTo(w.then, type) })), else: otherwise ? coerceTo(otherwise, type) : null, type };
}

/** Aggregates PostgreSQL spells as ordinary functions. */
const AGGREGATE_ALIASES: Record<string, string> = {
  count: 'count', sum: 'sum', avg: 'avg', min: 'min', max: 'max',
  stddev: 'stddev_samp', stddev_samp: 'stddev_samp', stddev_pop: 'stddev_pop',
  variance: 'var_samp', var_samp: 'var_samp', var_pop: 'var_pop',
  percentile_cont: 'percentile_cont', percentile_disc: 'percentile_disc',
  bool_and: 'bool_and', bool_or: 'bool_or', every: 'bool_and',
};

export function needAggregates(ctx: ExprContext, name: string): AggregateCollector {
  if (!ctx.aggregates) {
    throw new QueryError(SQLSTATE.groupingError, `aggregate functions are not allowed in ${ctx.clause}`, { position: positionOf(ctx.sql, name) });
  }
  return ctx.aggregates;
}

/** Arguments of an aggregate bind without the collector: aggregates do not nest. */
export function argContext(ctx: ExprContext): ExprContext {
  return { ...ctx, aggregates: undefined, clause: 'aggregate function calls' };
}

function bindAggregate(name: string, ast: Ast, ctx: ExprContext): Expr {
  const fn = AGGREGATE_ALIASES[name];
  if (!fn) {
    throw new QueryError(SQLSTATE.undefinedFunction, `aggregate function ${name} is not supported`, {
      position: positionOf(ctx.sql, name),
      hint: `supported aggregates: ${[...new Set(Object.keys(AGGREGATE_ALIASES))].join(', ')}`,
    });
  }
  const collector = needAggregates(ctx, name);
  const inner = argContext(ctx);
  const filter = ast.filter?.where ? bindExpr(ast.filter.where, inner) : null;
  const distinct = String(ast.args?.distinct ?? '').toUpperCase() === 'DISTINCT';
  if (fn === 'percentile_cont' || fn === 'percentile_disc') {
    const fractionAst = ast.args?.expr ?? ast.args?.value?.[0];
    const fraction = Number(fractionAst?.value);
    if (!(fraction >= 0 && fraction <= 1)) throw new QueryError(SQLSTATE.invalidParameterValue, `percentile value ${fractionAst?.value} is not between 0 and 1`);
    const order = ast.within_group_orderby?.[0];
    if (!order) throw new QueryError(SQLSTATE.syntaxError, `${fn} requires WITHIN GROUP (ORDER BY ...)`);
    const arg = bindExpr(order.expr, inner);
    return collector.add({ fn, args: [arg], distinct: false, filter, fraction, descending: String(order.type).toUpperCase() === 'DESC', type: AGGREGATES[fn]!.returns([arg.type]) });
  }
  const argAst = ast.args?.expr ?? (ast.args?.value?.length ? ast.args.value[0] : undefined);
  // DeepFlow writes Count(row) for count(*).
  const isRow = argAst?.type === 'column_ref' && !argAst.table && identName(argAst.column) === 'row' && !ctx.scopes.some((s) => s.resolve('row'));
  if (fn === 'count' && (argAst === undefined || argAst.type === 'star' || isRow)) {
    return collector.add({ fn: 'count_star', args: [], distinct: false, filter, type: 'int' });
  }
  if (argAst === undefined) throw new QueryError(SQLSTATE.undefinedFunction, `function ${name}() does not exist`);
  const arg = bindExpr(argAst, inner);
  return collector.add({ fn, args: [arg], distinct, filter, type: AGGREGATES[fn]!.returns([arg.type]) });
}

function functionArgs(ast: Ast): Ast[] {
  return (ast.args?.value ?? []) as Ast[];
}

function bindFunction(ast: Ast, ctx: ExprContext): Expr {
  const nameNode = ast.name?.name?.[ast.name.name.length - 1] ?? ast.name;
  const rawName = typeof nameNode === 'string' ? nameNode : String(nameNode?.value ?? '');
  const quoted = nameNode?.type === 'double_quote_string';
  const name = rawName.toLowerCase();
  if (isDeepFlowFunction(rawName, quoted)) return bindDeepFlowCall(rawName, functionArgs(ast), ctx);
  if (name === 'not') return call('not', [bindExpr(functionArgs(ast)[0], ctx)]);
  if (name === 'exists') return bindExists(functionArgs(ast)[0], ctx);
  if (AGGREGATE_ALIASES[name]) return bindAggregate(name, ast, ctx);
  if (name === 'now' || name === 'current_timestamp' || name === 'localtimestamp' || name === 'transaction_timestamp' || name === 'statement_timestamp') return lit(ctx.now(), 'timestamp');
  if (name === 'time') return bindDeepFlowCall('time', functionArgs(ast), ctx);
  // DeepFlow's Enum(tag) shows an enum by name, which MetaFlow's enum tags already do.
  if (name === 'enum' && functionArgs(ast).length === 1) return bindExpr(functionArgs(ast)[0], ctx);
  // Arrays are not a MetaFlow type; catalog queries ask for them only about options MetaFlow
  // never sets (psql's \d reloptions), so ARRAY(...) reads as NULL.
  if (name === 'array') return lit(null, 'text');
  let args = functionArgs(ast).map((a) => bindExpr(a, ctx));
  const def = lookupFunction(name);
  if (!def || args.length < def.minArgs || args.length > def.maxArgs) {
    throw new QueryError(SQLSTATE.undefinedFunction, `function ${name}(${args.map((a) => typeName(a.type)).join(', ')}) does not exist`, {
      position: positionOf(ctx.sql, rawName),
      hint: def ? `${name} takes ${def.minArgs}${def.maxArgs !== def.minArgs ? `..${def.maxArgs}` : ''} arguments.` : 'No function matches the given name and argument types.',
    });
  }
  if (name === 'date_bin' || name === 'time_bucket') args = [coerceInterval(args[0]!), ...args.slice(1).map((a) => coerceTo(a, 'timestamp'))];
  if (name === 'date_trunc') args = [args[0]!, coerceTo(args[1]!, 'timestamp')];
  return call(name, args);
}

function coerceInterval(e: Expr): Expr {
  if (e.kind === 'literal' && e.type === 'text') return lit(parseInterval(String(e.value)), 'interval');
  return e;
}

function typeName(t: SqlType): string {
  return { bool: 'boolean', int: 'bigint', float: 'double precision', text: 'text', timestamp: 'timestamp with time zone', interval: 'interval', null: 'unknown' }[t];
}

const AST_BINDERS: Record<string, (ast: Ast, ctx: ExprContext) => Expr> = {
  column_ref: bindColumn,
  number: numberLiteral,
  bigint: numberLiteral,
  single_quote_string: (ast) => lit(String(ast.value), 'text'),
  // The grammar keeps E'...' escape strings as raw text.
  default: (ast, ctx) => {
    const m = /^[eE]'([\s\S]*)'$/.exec(String(ast.value));
    if (!m) return bindColumn({ column: { expr: ast } }, ctx);
    return lit(m[1]!.replace(/''/g, "'").replace(/\\(.)/g, (_x, c: string) => ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' })[c] ?? c), 'text');
  },
  string: (ast) => lit(String(ast.value), 'text'),
  bool: (ast) => lit(Boolean(ast.value), 'bool'),
  null: () => lit(null, 'null'),
  interval: (ast) => lit(parseInterval(String(ast.expr?.value ?? '') + (ast.unit ? ` ${ast.unit}` : '')), 'interval'),
  timestamp: (ast) => lit(castValue(String(ast.value), 'text', 'timestamp'), 'timestamp'),
  binary_expr: bindBinary,
  unary_expr: bindUnary,
  cast: bindCast,
  case: bindCase,
  aggr_func: (ast, ctx) => bindAggregate(String(ast.name).toLowerCase(), ast, ctx),
  function: bindFunction,
  window_func: (ast, ctx) => {
    const name = String(ast.name).toLowerCase();
    if (!ctx.windows || !['row_number', 'rank', 'dense_rank'].includes(name)) {
      throw new QueryError(SQLSTATE.featureNotSupported, `window function ${name} is not supported${ctx.windows ? '; row_number, rank and dense_rank are' : ` in ${ctx.clause}`}`);
    }
    return ctx.windows.add(name, ast, ctx);
  },
  extract: (ast, ctx) => call('date_part', [lit(String(ast.args.field).toLowerCase(), 'text'), coerceTo(bindExpr(ast.args.source, ctx), 'timestamp')]),
  var: (ast, ctx) => {
    const i = Number(ast.name) - 1;
    if (!(i >= 0 && i < ctx.params.length)) throw new QueryError(SQLSTATE.undefinedColumn, `there is no parameter $${ast.name}`);
    const v = ctx.params[i]!;
    return lit(v, v === null ? 'null' : typeof v === 'string' ? 'text' : typeof v === 'boolean' ? 'bool' : Number.isInteger(v) || typeof v === 'bigint' ? 'int' : 'float');
  },
  expr_list: (ast, ctx) => {
    if (ast.value?.length === 1) return bindExpr(ast.value[0], ctx);
    throw new QueryError(SQLSTATE.featureNotSupported, 'row values are not supported');
  },
};
