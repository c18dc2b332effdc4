// Typed evaluation errors with stable codes (one table), and the warnings that travel beside
// results. `errorType` is the Prometheus HTTP API error type the HTTP front will report.

/** Stable codes of evaluation errors. */
export const EVAL_ERROR_CODES = {
  DUPLICATE_LABELSET: 'vector cannot contain metrics with the same labelset',
  MANY_TO_MANY: 'many-to-many matching not allowed: matching labels must be unique on one side',
  MULTIPLE_MATCHES: 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
  NON_UNIQUE_GROUPING: 'multiple matches for matching labels grouping labels must ensure unique result',
  INVALID_ARGUMENT: 'invalid function argument',
  INVALID_EXPRESSION_TYPE: 'invalid expression type for this query',
  UNSUPPORTED: 'unsupported expression',
  STORAGE: 'error reading series from storage',
  TOO_MANY_SAMPLES: 'query processing would load too many samples into memory in query execution',
  CANCELED: 'query canceled',
} as const;

export type EvalErrorCode = keyof typeof EVAL_ERROR_CODES;

/** An error raised while evaluating a PromQL expression. */
export class PromQLEvalError extends Error {
  /** Prometheus HTTP API error type. */
  readonly errorType = 'execution';
  constructor(readonly code: EvalErrorCode, message: string, readonly position?: { start: number; end: number }) {
    super(message);
    this.name = 'PromQLEvalError';
  }
}

/** Non-fatal notes about a query (Prometheus util/annotations), returned beside the result. */
export class Warnings {
  private readonly items = new Set<string>();
  add(message: string): void { this.items.add(message); }
  list(): string[] { return [...this.items]; }
}
