// Reader for Prometheus's PromQL test scripts (promql/test.go format): `load <interval>`
// blocks of series descriptions, `eval[_fail|_ordered] instant at <time> <expr>` followed by
// expected results, and `clear`. Blocks end at a blank line; `#` lines count as blank.
import { parseDurationMs } from './duration.ts';
import { parsePromFloat, parseSeriesDesc, splitMetric, parseMetric, type SeriesDesc } from './series-desc.ts';

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
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    const lineNo = i + 1;
    const fail = (msg: string): never => { throw new ScriptSyntaxError(file, lineNo, msg); };
    if (l === 'clear') { cmds.push({ kind: 'clear', line: lineNo }); continue; }
    const load = LOAD_RE.exec(l);
    if (load) {
      const series: SeriesDesc[] = [];
      let intervalMs = 0;
      try { intervalMs = parseDurationMs(load[1]); } catch (e) { fail((e as Error).message); }
      while (i + 1 < lines.length && lines[i + 1] !== '') {
        i++;
        try { series.push(parseSeriesDesc(lines[i])); } catch (e) { throw new ScriptSyntaxError(file, i + 1, (e as Error).message); }
      }
      cmds.push({ kind: 'load', line: lineNo, intervalMs, series });
      continue;
    }
    const ev = EVAL_RE.exec(l);
    if (ev) {
      let atMs = 0;
      try { atMs = ev[2] ? parseDurationMs(ev[2]) : 0; } catch (e) { fail((e as Error).message); }
      const expected: ExpectedSample[] = [];
      while (i + 1 < lines.length && lines[i + 1] !== '') {
        i++;
        try { expected.push(parseExpectedLine(lines[i])); } catch (e) { throw new ScriptSyntaxError(file, i + 1, (e as Error).message); }
      }
      cmds.push({ kind: 'eval', line: lineNo, expr: ev[3], atMs, fail: ev[1] === 'fail', ordered: ev[1] === 'ordered', expected });
      continue;
    }
    fail(`unknown command "${l}"`);
  }
  return cmds;
}

function parseExpectedLine(line: string): ExpectedSample {
  // A bare number is a scalar result.
  try { return { labels: null, value: parsePromFloat(line) }; } catch { /* a series line */ }
  const { metric, rest } = splitMetric(line);
  const values = rest.split(/\s+/).filter(Boolean);
  if (values.length !== 1) throw new Error(`expected one value in "${line}"`);
  return { labels: parseMetric(metric), value: parsePromFloat(values[0]) };
}
