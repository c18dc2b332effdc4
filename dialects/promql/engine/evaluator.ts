// The PromQL evaluator: each AST node kind has one handler (a Record keyed by kind, so a new
// kind does not compile until handled). Every node is evaluated over the whole step grid at
// once, as Prometheus's range evaluation does; instant queries are a grid of one step.
import type { AtModifier, Expr, ExprKind, NodeOf, VectorSelector } from '../ast.ts';
import type { SelectorHints } from './hints.ts';
import { collectSeries, type SelectHints, type SeriesStore } from '../storage.ts';
import { EVAL_ERROR_CODES, PromQLEvalError, type Warnings } from './errors.ts';
import type { EvalValue, ScalarValue, VectorValue } from './values.ts';
import { evalMatrixSelector, evalVectorSelector } from './selectors.ts';
import { evalSubquery } from './subquery.ts';
import { evalBinary } from './binary.ts';
import { evalAggregate } from './aggregate.ts';
import { FUNCTION_KERNELS } from './functions/index.ts';
import { mapVector } from './vector-ops.ts';

/** What stays the same for a whole query, subqueries included. */
export interface QueryContext {
  store: SeriesStore;
  /** How far back an instant selector looks for a sample (Prometheus default 5m). */
  lookbackMs: number;
  /** Subquery step when `[range:]` gives none (Prometheus: the global evaluation interval, 1m). */
  defaultSubqueryStepMs: number;
  /** The query's own start and end, which `@ start()` and `@ end()` refer to. */
  queryStartMs: number;
  queryEndMs: number;
  warnings: Warnings;
  /** Prometheus-style select hints per selector node (see hints.ts). */
  hints: Map<VectorSelector, SelectorHints>;
  /** Aborts evaluation (client gone, timeout). */
  signal?: AbortSignal;
  /** Most samples selectors may load for one query (Prometheus --query.max-samples). */
  maxSamples: number;
  /** Samples loaded so far. */
  samplesLoaded: number;
}

type Handlers = { [K in ExprKind]: (ev: Evaluator, node: NodeOf<K>) => Promise<EvalValue> };

const handlers: Handlers = {
  NumberLiteral: async (ev, n) => ev.scalar(n.value),
  StringLiteral: async (_ev, n) => ({ type: 'string', value: n.value }),
  VectorSelector: (ev, n) => evalVectorSelector(ev, n),
  MatrixSelector: (ev, n) => evalMatrixSelector(ev, n),
  SubqueryExpr: (ev, n) => evalSubquery(ev, n),
  ParenExpr: (ev, n) => ev.eval(n.expr),
  UnaryExpr: async (ev, n) => {
    const v = await ev.eval(n.expr);
    if (n.op === '+') return v;
    if (v.type === 'scalar') return { type: 'scalar', values: v.values.map((x) => -x) };
    if (v.type !== 'vector') throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `unary minus on ${v.type}`, n.posRange);
    return mapVector(ev, v, (x) => -x, true);
  },
  BinaryExpr: (ev, n) => evalBinary(ev, n),
  AggregateExpr: (ev, n) => evalAggregate(ev, n),
  Call: (ev, n) => {
    const kernel = FUNCTION_KERNELS[n.func];
    if (!kernel) throw new PromQLEvalError('UNSUPPORTED', `unknown function ${n.func}`, n.posRange);
    return kernel(ev, n);
  },
};

/** Evaluates expressions over one grid of step timestamps. */
export class Evaluator {
  /** Number of steps in the grid. */
  readonly steps: number;

  constructor(readonly ctx: QueryContext, readonly times: Float64Array, readonly stepMs: number) {
    this.steps = times.length;
  }

  eval(node: Expr): Promise<EvalValue> {
    if (this.ctx.signal?.aborted) throw new PromQLEvalError('CANCELED', `query canceled: ${String(this.ctx.signal.reason ?? 'aborted')}`);
    return (handlers[node.kind] as (ev: Evaluator, n: Expr) => Promise<EvalValue>)(this, node);
  }

  /** Evaluates a node that must produce an instant vector. */
  async evalVector(node: Expr): Promise<VectorValue> {
    const v = await this.eval(node);
    if (v.type !== 'vector') throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `expected instant vector, got ${v.type}`, node.posRange);
    return v;
  }

  /** Evaluates a node that must produce a scalar. */
  async evalScalar(node: Expr): Promise<ScalarValue> {
    const v = await this.eval(node);
    if (v.type !== 'scalar') throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `expected scalar, got ${v.type}`, node.posRange);
    return v;
  }

  /** A constant scalar over the grid. */
  scalar(x: number): ScalarValue {
    return { type: 'scalar', values: new Float64Array(this.steps).fill(x) };
  }

  /** The absolute time of an `@` modifier, or null without one. */
  atTime(at: AtModifier): number | null {
    if (at === null) return null;
    if (at === 'start') return this.ctx.queryStartMs;
    if (at === 'end') return this.ctx.queryEndMs;
    return at.ms;
  }

  /** Per-step reference times of a selector: the step time (or `@` time) minus the offset. */
  referenceTimes(at: AtModifier, offsetMs: number): Float64Array {
    const fixed = this.atTime(at);
    const out = new Float64Array(this.steps);
    for (let i = 0; i < this.steps; i++) out[i] = (fixed ?? this.times[i]) - offsetMs;
    return out;
  }

  /**
   * Reads series for a selector from the store, adding the tree-derived hints; a store failure
   * becomes a typed error, and loading more than maxSamples samples stops the query.
   */
  async select(node: VectorSelector, hints: SelectHints) {
    const extra = this.ctx.hints.get(node);
    const full: SelectHints = { ...hints, ...extra };
    let series;
    try {
      series = await collectSeries(this.ctx.store.select(full, node.matchers));
    } catch (e) {
      throw new PromQLEvalError('STORAGE', `reading series: ${(e as Error).message}`, node.posRange);
    }
    for (const s of series) this.ctx.samplesLoaded += s.values.length;
    if (this.ctx.samplesLoaded > this.ctx.maxSamples) {
      throw new PromQLEvalError('TOO_MANY_SAMPLES', EVAL_ERROR_CODES.TOO_MANY_SAMPLES, node.posRange);
    }
    if (this.ctx.signal?.aborted) throw new PromQLEvalError('CANCELED', `query canceled: ${String(this.ctx.signal.reason ?? 'aborted')}`);
    return series;
  }
}
