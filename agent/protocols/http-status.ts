import type { ResponseStatus } from '../l7-record.ts';

/** DeepFlow's HTTP rule: 4xx client error, 5xx server error, anything else ok. */
export function httpStatusClass(code: number): ResponseStatus {
  if (code >= 400 && code < 500) return 'client_error';
  if (code >= 500 && code < 600) return 'server_error';
  return 'ok';
}
