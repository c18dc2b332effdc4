/** Trace context carried in headers: W3C traceparent (DeepFlow's default trace header). */

export interface TraceIds { traceId: string; spanId: string }

/**
 * Reads `version-traceid-parentid-flags`. DeepFlow stores the header's parent-id as span_id
 * (the caller's span, which is what the request carries on the wire).
 */
export function parseTraceparent(value: string): TraceIds | undefined {
  const parts = value.trim().split('-');
  if (parts.length < 4 || parts[1]!.length !== 32 || parts[2]!.length !== 16) return undefined;
  if (/^0+$/.test(parts[1]!)) return undefined;
  return { traceId: parts[1]!, spanId: parts[2]! };
}
