/** Prometheus HTTP API parameters: times (unix seconds or RFC 3339) and durations (`15s` or seconds). */
import { parseDurationMs } from '../parser/index.ts';

export class BadData extends Error {
  readonly errorType = 'bad_data';
}

/** Prometheus's min/max time, used when a client omits start/end on metadata endpoints. */
export const MIN_TIME_MS = -9223372036854; // ≈ math.MinInt64 / 1e6 as Prometheus clamps
export const MAX_TIME_MS = 9223372036854;

export function parseTime(value: string | undefined, name: string, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
    const ms = Math.round(Number(value) * 1000);
    if (Number.isFinite(ms)) return ms;
  }
  const t = Date.parse(value);
  // RFC 3339 only: a bare date or other formats Date.parse knows are not Prometheus times.
  if (!Number.isNaN(t) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) return t;
  throw new BadData(`invalid parameter "${name}": cannot parse "${value}" to a valid timestamp`);
}

export function parseDuration(value: string | undefined, name: string): number {
  if (value === undefined || value === '') throw new BadData(`invalid parameter "${name}": cannot parse "" to a valid duration`);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
    const ms = Number(value) * 1000;
    if (Number.isFinite(ms)) return Math.round(ms);
  }
  try {
    return parseDurationMs(value);
  } catch {
    throw new BadData(`invalid parameter "${name}": cannot parse "${value}" to a valid duration`);
  }
}

/** Query string and form body merged, repeated keys kept (`match[]`). */
export type Params = Record<string, string | string[] | undefined>;

export function one(p: Params, name: string): string | undefined {
  const v = p[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function many(p: Params, name: string): string[] {
  const v = p[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
