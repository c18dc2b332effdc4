import type { ResponseStatus } from '../l7-record.ts';

/**
 * gRPC status codes split by fault: codes that describe a bad or unauthorised call are the
 * client's; the rest (UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNIMPLEMENTED,
 * INTERNAL, UNAVAILABLE, DATA_LOSS) the server's.
 */
const CLIENT_CODES = new Set([1, 3, 5, 6, 7, 9, 11, 16]);

export const GRPC_CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

export function grpcStatusClass(code: number): ResponseStatus {
  if (code === 0) return 'ok';
  return CLIENT_CODES.has(code) ? 'client_error' : 'server_error';
}
