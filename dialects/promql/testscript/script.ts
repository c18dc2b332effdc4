// Reader for Prometheus's PromQL test scripts (promql/test.go format): `load <interval>`
// blocks of series descriptions, `eval[_fail|_ordered] instant at <time> <expr>` followed by
// expected results, and `clear`. Blocks end at a blank line; `#` lines count as blank.
// Series descriptions and durations are read by the parser's own helpers.
import { parseDurationMs, parseSeriesDesc, type SeriesDesc } from '../parser/index.ts';

export interface LoadCommand { kind: 'load'; line: number; intervalMs: number; series: SeriesDesc[] }
export interface ClearCommand { kind: 'clear'; line: number }
/** One expected sample: labels (null for a bare scalar) and value. */
export interface ExpectedSample { labels: Record<string, string> | null; value: number }
export interface EvalCommand {
  kind: 'eval';
  line: number;
  expr: string;
  atMs: number;
  /** Expect an error instead of a result. */
  fail: boolean;
  /** Result order matters. */
  ordered: boolean;
  expected: ExpectedSample[];
}
export type ScriptCommand = LoadCommand | ClearCommand | EvalCommand;

export class ScriptSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ScriptSyntaxError';
  }
}

const EVAL_RE = /^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(\S+?))?\s+(.+)$/;
const LOAD_RE = /^load\s+(\S+)$/;

/** Parses a script's text into commands. */
export function parseTestScript(text: string, file = '<script>'): ScriptCommand[] {
  const lines = text.split('\n').map((l) => l.trim()).map((l) => (l.startsWith('#') ? '' : l));
  const cmds: ScriptCommand[] = [];
  // Reads the block's following lines with `read`, reporting errors at their own line.
  const block = <T>(start: number, read: (l: string) => T): [T[], number] => {
    const out: T[] = [];
    let i = start;
    while (i + 1 < lines.length && lines[i + 1] !== '') {
      i++;
      try { out.push(read(lines[i])); } catch (e) { throw new ScriptSyntaxError(file, i + 1, (e as Error).message); }
    }
    return [out, i];
  };
  const duration = (text: string, line: number): number => {
    try { return parseDurationMs(text); } catch (e) { throw new ScriptSyntaxError(file, line, (e as Error).message); }
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    const lineNo = i + 1;
    if (l === 'clear') { cmds.push({ kind: 'clear', line: lineNo }); continue; }
    const load = LOAD_RE.exec(l);
    if (load) {
      const intervalMs = duration(load[1], lineNo);
      const [series, next] = block(i, parseSeriesDesc);
      i = next;
      cmds.push({ kind: 'load', line: lineNo, intervalMs, series });
      continue;
    }
    const ev = EVAL_RE.exec(l);
    if (ev) {
      const atMs = ev[2] ? duration(ev[2], lineNo) : 0;
      const [expected, next] = block(i, parseExpectedLine);
      i = next;
      cmds.push({ kind: 'eval', line: lineNo, expr: ev[3], atMs, fail: ev[1] === 'fail', ordered: ev[1] === 'ordered', expected });
      continue;
    }
    throw new ScriptSyntaxError(file, lineNo, `unknown command "${l}"`);
  }
  return cmds;
}

/** `labels value` is one expected series; a bare number (`12`, `+Inf`, `NaN`) is a scalar. */
function parseExpectedLine(line: string): ExpectedSample {
  let desc: SeriesDesc | null = null;
  try { desc = parseSeriesDesc(line); } catch { /* a bare number such as +Inf or 0.5 */ }
  if (desc && desc.values.length === 1 && typeof desc.values[0] === 'number') return { labels: desc.labels, value: desc.values[0] };
  if (desc && desc.values.length > 1) throw new Error(`expected one value in "${line}"`);
  const scalar = parseSeriesDesc(`{} ${line}`);
  if (scalar.values.length !== 1 || typeof scalar.values[0] !== 'number') throw new Error(`malformed expected value "${line}"`);
  return { labels: null, value: scalar.values[0] };
}
