// Series descriptions of the test scripts' `load` blocks and expected results:
// `name{label="value", ...} 0+10x100 _ _x3 stale 1x3 -2-1x4`, as Prometheus's
// parser.ParseSeriesDesc reads them. `A+BxN` expands to N+1 values A, A+B, …, A+N·B.

/** One value slot of a series description: a number, a missing sample, or a staleness marker. */
export type SeriesSlot = { kind: 'value'; value: number } | { kind: 'missing' } | { kind: 'stale' };

export interface SeriesDesc {
  labels: Record<string, string>;
  slots: SeriesSlot[];
}

export class SeriesDescError extends Error {
  constructor(message: string, readonly input: string) {
    super(`${message} in series description "${input}"`);
    this.name = 'SeriesDescError';
  }
}

/** A float as PromQL writes it: decimal, exponent, hex, Inf/NaN in any case, optional sign. */
export function parsePromFloat(text: string): number {
  const t = text.toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  if (body === 'inf') return sign * Infinity;
  if (body === 'nan') return NaN;
  if (/^0x[0-9a-f]+$/.test(body)) return sign * parseInt(body.slice(2), 16);
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) throw new Error(`invalid number "${text}"`);
  return sign * Number(body);
}

const NUM = '[+-]?(?:[iI][nN][fF]|[nN][aA][nN]|0x[0-9a-fA-F]+|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
const EXPANDING = new RegExp(`^(${NUM})(?:([+-])((?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[iI][nN][fF]))?x(\\d+)$`);

/** Splits `name{...} rest` into the metric text and the remainder, respecting quotes. */
export function splitMetric(line: string): { metric: string; rest: string } {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i])) i++;
  if (line[i] === '{') {
    let inQuote: string | null = null;
    for (; i < line.length; i++) {
      const c = line[i];
      if (inQuote) {
        if (c === '\\') i++;
        else if (c === inQuote) inQuote = null;
      } else if (c === '"' || c === "'" || c === '`') inQuote = c;
      else if (c === '}') { i++; break; }
    }
  }
  return { metric: line.slice(0, i), rest: line.slice(i).trim() };
}

/** Labels of `name{a="b", c!="..."}` text (only `=` matchers are meaningful in descriptions). */
export function parseMetric(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{.*\})?$/s.exec(text.trim());
  if (!m) throw new SeriesDescError('malformed metric', text);
  if (m[1]) labels.__name__ = m[1];
  if (m[2]) {
    const body = m[2].slice(1, -1);
    const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*(,|$)/y;
    let pos = 0;
    while (pos < body.length && body.slice(pos).trim() !== '') {
      re.lastIndex = pos;
      const lm = re.exec(body);
      if (!lm) throw new SeriesDescError('malformed label matcher', text);
      labels[lm[1]] = unquote(lm[2]);
      pos = re.lastIndex;
    }
  }
  return labels;
}

function unquote(q: string): string {
  if (q.startsWith('`')) return q.slice(1, -1);
  const inner = q.slice(1, -1);
  return inner.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      case 'x': case 'u': case 'U': return String.fromCodePoint(parseInt(e.slice(1), 16));
      default: return /^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

/** Expands the value part of a description into slots. */
export function parseSlots(text: string, input = text): SeriesSlot[] {
  const slots: SeriesSlot[] = [];
  for (const tok of text.split(/\s+/).filter(Boolean)) {
    if (tok === '_') { slots.push({ kind: 'missing' }); continue; }
    if (tok === 'stale') { slots.push({ kind: 'stale' }); continue; }
    const miss = /^_x(\d+)$/.exec(tok);
    if (miss) { for (let i = 0; i < Number(miss[1]); i++) slots.push({ kind: 'missing' }); continue; }
    const ex = EXPANDING.exec(tok);
    if (ex) {
      const start = parsePromFloat(ex[1]);
      const delta = ex[2] ? (ex[2] === '-' ? -1 : 1) * parsePromFloat(ex[3]) : 0;
      const times = Number(ex[4]);
      // Repeated addition, as Prometheus does, so float rounding matches its values.
      let v = start;
      for (let i = 0; i <= times; i++) { slots.push({ kind: 'value', value: v }); v += delta; }
      continue;
    }
    try {
      slots.push({ kind: 'value', value: parsePromFloat(tok) });
    } catch {
      throw new SeriesDescError(`unexpected "${tok}"`, input);
    }
  }
  return slots;
}

/** Parses a whole `metric values…` line. */
export function parseSeriesDesc(line: string): SeriesDesc {
  const { metric, rest } = splitMetric(line.trim());
  if (!metric) throw new SeriesDescError('missing metric', line);
  return { labels: parseMetric(metric), slots: parseSlots(rest, line) };
}
