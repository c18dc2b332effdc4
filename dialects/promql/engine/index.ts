// Public surface of the PromQL engine.
export { instantQuery, rangeQuery, type EngineOptions } from './engine.ts';
export { PromQLEvalError, EVAL_ERROR_CODES, type EvalErrorCode } from './errors.ts';
export type {
  QueryResult, QueryValue, ScalarResult, StringResult, VectorResult, VectorSample, MatrixResult, MatrixSeries, Labels,
} from './values.ts';
export { FUNCTION_KERNELS } from './functions/index.ts';
