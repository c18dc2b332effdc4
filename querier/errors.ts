/**
 * Query errors with PostgreSQL's SQLSTATE codes, so every front (PG wire, HTTP) reports the
 * same code, message, position and hint. One table of codes; nothing else spells a SQLSTATE.
 */
import { nearest } from '../lib/nearest.ts';
import { SqlError } from '../lib/errors.ts';

export const SQLSTATE = {
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  groupingError: '42803',
  datatypeMismatch: '42804',
  ambiguousColumn: '42702',
  invalidParameterValue: '22023',
  divisionByZero: '22012',
  invalidDatetimeFormat: '22007',
  invalidTextRepresentation: '22P02',
  readOnlyTransaction: '25006',
  featureNotSupported: '0A000',
  queryCanceled: '57014',
  programLimitExceeded: '54000',
  cardinalityViolation: '21000',
  internalError: 'XX000',
} as const;
export type SqlState = (typeof SQLSTATE)[keyof typeof SQLSTATE];

/** A query error as the wire server and HTTP API report it (lib/errors.ts SqlError). */
export class QueryError extends SqlError {
  declare readonly sqlstate: SqlState;
  constructor(sqlstate: SqlState, message: string, opts: { position?: number; hint?: string } = {}) {
    super(sqlstate, message, opts);
  }
}

/** A warning that travels beside a result (PostgreSQL NoticeResponse). */
export interface QueryNotice { message: string; hint?: string }

/** A "did you mean" hint from the nearest valid names, or undefined when none is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = nearest(name, candidates);
  return near.length ? `Perhaps you meant ${near.map((n) => `"${n}"`).join(', ')}.` : undefined;
}
