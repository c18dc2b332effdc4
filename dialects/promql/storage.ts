// The boundary the PromQL engine reads series through, shaped like Prometheus's
// storage/interface.go (Querier.Select(hints, matchers) → series). The engine never knows
// which store is behind it: the in-memory store serves units and the test-script runner, and
// the querier's adapter-backed store serves real data.

/** One label matcher of a selector, e.g. `job=~"api.*"`. */
export interface LabelMatcher {
  /** `=` equal, `!=` not equal, `=~` fully anchored RE2 match, `!~` its negation. */
  type: '=' | '!=' | '=~' | '!~';
  /** Label name; `__name__` is the metric name. */
  name: string;
  /** Literal value, or the regular expression for `=~` / `!~`. */
  value: string;
}

/**
 * Advisory hints for one selection, like Prometheus's SelectHints. A store may ignore every
 * hint and stay correct: the engine always trims windows itself. A store may use them to
 * trim the time range it reads or, later, to push down work.
 */
export interface SelectHints {
  /** Earliest timestamp (ms) the engine will look at, lookback and range included. */
  start: number;
  /** Latest timestamp (ms) the engine will look at. */
  end: number;
  /** Query step in ms (0 for an instant query). */
  step?: number;
  /** Name of the function wrapping the selector (`rate`, `series` for metadata-only). */
  func?: string;
  /** Range of the range selector in ms (0 for an instant vector selector). */
  range?: number;
  /** Labels of the enclosing aggregation, if any. */
  grouping?: string[];
  /** True for `by`, false for `without`. */
  by?: boolean;
}

/** One series: its labels and samples sorted by time. */
export interface Series {
  /** All labels, `__name__` included when the series has a name. */
  labels: Record<string, string>;
  /** Sample timestamps in ms since the epoch, ascending. */
  timestampsMs: Float64Array | number[];
  /** Sample values, same length; a staleness marker is the StaleNaN bit pattern. */
  values: Float64Array;
}

/** Anything the engine can read series from. */
export interface SeriesStore {
  /** Series matching every matcher (logical AND), with samples at least within hints.start..end. */
  select(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> | Series[] | AsyncIterable<Series>;
}

/** Where the test-script loader (and later the ingest path) appends samples. */
export interface SampleSink {
  /** Appends one sample; `value` may be the StaleNaN marker. Calls for one series come in time order. */
  append(labels: Record<string, string>, timestampMs: number, value: number): void;
  /** Makes appended samples visible to readers (a no-op for stores that need none). */
  commit(): Promise<void> | void;
  /** Removes every series (the scripts' `clear`). */
  clear(): Promise<void> | void;
}

// Prometheus marks a series as stale with one specific NaN (value.StaleNaN = 0x7ff0000000000002),
// distinct from an ordinary NaN sample. JS numbers may lose NaN payloads, so the marker is
// tested through the bits of the Float64Array that holds it.
const staleBuf = new ArrayBuffer(8);
const staleF64 = new Float64Array(staleBuf);
const staleU32 = new Uint32Array(staleBuf);
staleU32[0] = 0x00000002; // little-endian low word
staleU32[1] = 0x7ff00000;
/** The StaleNaN bit pattern as a number. Write it straight into a Float64Array: V8 keeps the
 * bits there, but a plain JS array of doubles canonicalises every NaN and loses the marker. */
export const STALE_NAN: number = staleF64[0];
/** Low and high 32-bit words of StaleNaN (little-endian order). */
export const STALE_NAN_LO = 0x00000002;
export const STALE_NAN_HI = 0x7ff00000;

/** True when values[i] holds the StaleNaN marker (bit-exact check). */
export function isStaleAt(values: Float64Array, i: number): boolean {
  const v = values[i];
  if (v === v) return false; // fast path: not NaN at all
  const words = new Uint32Array(values.buffer, values.byteOffset + i * 8, 2);
  return words[0] === STALE_NAN_LO && words[1] === STALE_NAN_HI;
}

/**
 * Per-sample staleness flags of a whole array (one view over its bits, not one per sample),
 * or null when it holds no marker — the usual case, found without allocating.
 */
export function staleFlags(values: Float64Array): Uint8Array | null {
  let words: Uint32Array | null = null;
  let flags: Uint8Array | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) continue;
    words ??= new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
    if (words[2 * i] === STALE_NAN_LO && words[2 * i + 1] === STALE_NAN_HI) {
      flags ??= new Uint8Array(values.length);
      flags[i] = 1;
    }
  }
  return flags;
}

/** Collects a select() answer of any of its allowed shapes into an array. */
export async function collectSeries(r: Promise<Series[]> | Series[] | AsyncIterable<Series>): Promise<Series[]> {
  const awaited = await r;
  if (Array.isArray(awaited)) return awaited;
  const out: Series[] = [];
  for await (const s of awaited as AsyncIterable<Series>) out.push(s);
  return out;
}
