// Series descriptions of Prometheus' test scripts and rule unit tests (parser.ParseSeriesDesc):
//   metric{a="b"} 0+10x100 _ _x3 stale 1x3 -2
// `A+BxN` expands to N+1 values A, A+B, …; `AxN` to N+1 copies; `_xN` to N missing samples.
import { PromQLParseError } from './errors.ts';
import { parseNumber, unquoteString } from './literals.ts';
import { scanNumber } from './tokens.ts';

/** One sample slot: a value, no sample, or a staleness marker. */
export type SeriesValue = number | 'missing' | 'stale';

/** A parsed series description: its label set (metric name as `__name__`) and values. */
export interface SeriesDesc {
  labels: Record<string, string>;
  values: SeriesValue[];
}

const METRIC_RE = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_RE = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const STRING_RE = /"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*'|`[^`]*`/y;
const SPACE_RE = /[ \t\r\n]*/y;
// An expansion count after `x`: decimal digits only (Go ParseUint base 10).
const UINT_RE = /^\d+$/;

/** Parses a series description; throws PromQLParseError on malformed text. */
export function parseSeriesDesc(text: string): SeriesDesc {
  let pos = 0;
  const fail = (at: number, msg: string): never => {
    throw new PromQLParseError(text, { start: at, end: Math.max(at + 1, pos) }, msg);
  };
  const sticky = (re: RegExp): string | null => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null || m[0] === '') return null;
    pos += m[0].length;
    return m[0];
  };
  const skipSpace = () => { SPACE_RE.lastIndex = pos; SPACE_RE.exec(text); pos = SPACE_RE.lastIndex; };

  const labels: Record<string, string> = {};
  skipSpace();
  const name = sticky(METRIC_RE);
  if (name !== null) labels.__name__ = name;
  if (text[pos] === '{') {
    pos++;
    for (;;) {
      skipSpace();
      if (text[pos] === '}') break;
      const label = sticky(LABEL_RE) ?? fail(pos, `unexpected character in label set: ${JSON.stringify(text[pos] ?? 'end of input')}`);
      skipSpace();
      if (text[pos] !== '=') fail(pos, 'expected "=" in label set');
      pos++;
      skipSpace();
      const start = pos;
      const quoted = sticky(STRING_RE) ?? fail(pos, 'expected string in label set');
      try {
        labels[label] = unquoteString(quoted);
      } catch (e) {
        fail(start, (e as Error).message);
      }
      skipSpace();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] !== '}') fail(pos, 'expected "," or "}" in label set');
    }
    pos++;
  } else if (name === null) {
    fail(pos, 'expected metric name or label set');
  }

  const values: SeriesValue[] = [];
  for (;;) {
    const before = pos;
    skipSpace();
    if (pos >= text.length) break;
    if (pos === before) fail(pos, `unexpected ${JSON.stringify(text[pos])} in series values`);
    const start = pos;
    while (pos < text.length && !/[ \t\r\n]/.test(text[pos]!)) pos++;
    expandItem(text.slice(start, pos), start, values, fail);
  }
  return { labels, values };
}

/** Reads `[+-]?number` at `i`; returns the value and the index after it, or null. */
function signedNumber(item: string, i: number): { value: number; end: number } | null {
  let p = i;
  if (item[p] === '+' || item[p] === '-') p++;
  const word = /^(inf|nan)/i.exec(item.slice(p));
  let end: number;
  if (word !== null) end = p + word[0].length;
  else {
    const c = item[p];
    if (c === undefined || !(/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(item[p + 1] ?? '')))) return null;
    const r = scanNumber(item, p, true);
    if (!r.ok) return null;
    end = r.end;
  }
  try {
    const v = parseNumber(item.slice(p, end));
    return { value: item[i] === '-' ? -v : v, end };
  } catch {
    return null;
  }
}

function expandItem(item: string, at: number, out: SeriesValue[], fail: (at: number, msg: string) => never): void {
  const times = (rest: string): number => {
    if (!rest.startsWith('x') || !UINT_RE.test(rest.slice(1))) fail(at, `unexpected ${JSON.stringify(item)} in series values`);
    return Number(rest.slice(1));
  };
  if (item === '_' || item === 'stale') {
    out.push(item === '_' ? 'missing' : 'stale');
    return;
  }
  if (item.startsWith('_')) {
    const n = times(item.slice(1));
    for (let i = 0; i < n; i++) out.push('missing');
    return;
  }
  const first = signedNumber(item, 0) ?? fail(at, `unexpected ${JSON.stringify(item)} in series values, expected number or 'stale'`);
  if (first.end === item.length) {
    out.push(first.value);
    return;
  }
  let delta = 0;
  let rest = item.slice(first.end);
  if (rest[0] === '+' || rest[0] === '-') {
    const d = signedNumber(rest, 0) ?? fail(at, `unexpected ${JSON.stringify(item)} in series values`);
    delta = d.value;
    rest = rest.slice(d.end);
  }
  const n = times(rest);
  // N expansions give N+1 values: the first one is the start value itself.
  let v = first.value;
  for (let i = 0; i <= n; i++) {
    out.push(v);
    v += delta;
  }
}
