/**
 * The part of a query plan a store runs: a tree of relational nodes over one table, with
 * typed expressions. The querier builds it (after binding names to `schema/` and translating
 * tag names to ID sets), each adapter's compiler turns it into the store's own language, and
 * the querier runs whatever the adapter's capabilities did not take (`Pushdown returns what it
 * could not do`). Every node and expression kind is a plain object discriminated on `kind`.
 *
 * Values: numbers for integers and floats (int64 beyond 2^53 as bigint), strings, booleans,
 * null; timestamps and intervals as microseconds (number), so arithmetic stays exact.
 */

/** The SQL types the planner reasons about (PostgreSQL's names in comments). */
export type SqlType =
  | 'bool'      // boolean
  | 'int'       // bigint
  | 'float'     // double precision
  | 'text'      // text
  | 'timestamp' // timestamptz, µs since the epoch
  | 'interval'  // interval, µs
  | 'null';     // an untyped NULL literal

export type Value = number | bigint | string | boolean | null;

/** A bare column of the node's input, by name. */
export interface ColumnExpr { kind: 'column'; name: string; type: SqlType }
export interface LiteralExpr { kind: 'literal'; value: Value; type: SqlType }
/**
 * A scalar function or operator. `fn` is a name from the function registry
 * (`querier/sql/functions.ts`): operators use their SQL spelling ('+', '=', 'and', 'like',
 * '~*', 'is_null', 'in', ...), functions their lower-case PostgreSQL name.
 */
export interface CallExpr { kind: 'call'; fn: string; args: Expr[]; type: SqlType }
export interface CaseExpr { kind: 'case'; whens: Array<{ when: Expr; then: Expr }>; else: Expr | null; type: SqlType }
export interface CastExpr { kind: 'cast'; arg: Expr; type: SqlType }
/**
 * A tag shown by name while rows hold a code: resource IDs through the dictionary, enum codes
 * through `schema/enums.ts`, custom tags (`k8s.label.app`) through the owning resource's
 * entry. Stores never see this kind: the querier decodes after the store answers.
 */
export interface TagExpr { kind: 'tag'; tag: TagDecoder; arg: Expr; type: 'text' }

export type TagDecoder =
  | { kind: 'resource'; resource: string }
  | { kind: 'enum'; enumName: string }
  | { kind: 'custom'; resource: string; key: string };

/**
 * A scalar subquery, run by the querier (stores never see it). `plan` is the querier's plan
 * (opaque here); `args` are outer-row values the plan reads as `param` expressions.
 */
export interface SubqueryExpr {
  kind: 'subquery'; plan: unknown; args: Expr[]; type: SqlType;
  /** The right side of IN (SELECT ...): all values of its column, not one. */
  list?: boolean;
  /** EXISTS (SELECT ...): whether it returns any row. */
  exists?: boolean;
}
/** The i-th outer value of the enclosing correlated subquery. */
export interface ParamExpr { kind: 'param'; index: number; type: SqlType }

export type Expr = ColumnExpr | LiteralExpr | CallExpr | CaseExpr | CastExpr | TagExpr | SubqueryExpr | ParamExpr;
export type ExprKind = Expr['kind'];

/** An aggregate call of an aggregate node. */
export interface AggregateCall {
  /** count, count_star, sum, avg, min, max, stddev_samp, stddev_pop, var_samp, var_pop,
   *  percentile_cont, percentile_disc, bool_and, bool_or. */
  fn: string;
  args: Expr[];
  distinct: boolean;
  /** Rows for which this is not true are skipped (SQL FILTER; DeepFlow's zero-skipping). */
  filter: Expr | null;
  /** percentile_*: the fraction and the WITHIN GROUP ordering direction. */
  fraction?: number;
  descending?: boolean;
  type: SqlType;
}

export interface NamedExpr { name: string; expr: Expr }
export interface SortKey { expr: Expr; descending: boolean; nullsFirst: boolean }

/**
 * What the querier adds to a store's filtered scan (`PlanFragment` in adapter.ts) as far as
 * the adapter's capabilities allow: one SELECT block, applied in this order:
 * scan → `where` (ANDed with `filters`/`timeRange`) → `groupBy`/`aggregates` → `having` →
 * `select` → `distinct` → `sort` → `offset`/`limit`. (`PlanFragment.orderBy`, by stored column,
 * orders a plain scan; `sort` orders by expressions over the block's output.)
 * Output columns: `select` when present, else `groupBy` then `aggregates` when aggregating,
 * else the scan's `columns`. Expressions name columns of the stage below them.
 */
export interface FragmentOps {
  where?: Expr;
  groupBy?: NamedExpr[];
  aggregates?: Array<{ name: string; call: AggregateCall }>;
  having?: Expr;
  select?: NamedExpr[];
  distinct?: boolean;
  sort?: SortKey[];
  offset?: number;
}
