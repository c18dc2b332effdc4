// Prometheus duration literals (model.ParseDuration): units y w d h m s ms, combined in
// descending order, e.g. `1h30m`, `50m`, `10s`, `1ms`.
const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000, w: 7 * 24 * 3600_000, d: 24 * 3600_000, h: 3600_000, m: 60_000, s: 1000, ms: 1,
};
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Milliseconds of a duration literal; throws on malformed input. */
export function parseDurationMs(text: string): number {
  if (text === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) throw new Error(`invalid duration "${text}"`);
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = PART.lastIndex;
  }
  if (pos === 0) throw new Error(`invalid duration "${text}"`);
  return total;
}
