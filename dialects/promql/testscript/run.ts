// Runs Prometheus PromQL test scripts against the engine: loads series through a SampleSink
// (the in-memory store by default; the product's ingest path can be plugged in), evaluates
// every `eval` as an instant query and, like Prometheus's test.go, again as a range query
// from t-1m to t+1m whose middle step must give the same answer.
import { readFile } from 'node:fs/promises';
import type { Expr } from '../ast.ts';
import { parse } from '../parser/index.ts';
import { MemoryStorage } from '../memory-storage.ts';
import { STALE_NAN, type SampleSink, type SeriesStore } from '../storage.ts';
import { instantQuery, rangeQuery, type EngineOptions } from '../engine/engine.ts';
import type { QueryValue } from '../engine/values.ts';
import { labelsKey } from '../labels.ts';
import { compareResult, type ComparableResult } from './compare.ts';
import { parseTestScript, type EvalCommand, type LoadCommand } from './script.ts';
import { atModifierVariants } from './at-variants.ts';

export interface TestFailure { file: string; line: number; expr: string; message: string }
export interface TestRunSummary { passed: number; failed: number; failures: TestFailure[] }

/** Where scripts load data and where queries read it; both may be the same object. */
export interface ScriptBackend { sink: SampleSink; store: SeriesStore }

export interface RunOptions {
  /** The PromQL parser (default: the project's parser). */
  parse?: (query: string) => Expr;
  /** Creates a fresh backend per file (default: a MemoryStorage). */
  backend?: () => ScriptBackend | Promise<ScriptBackend>;
  /** Also check each eval in range mode (default true, as Prometheus does). */
  rangeCheck?: boolean;
  /** Also re-run each eval with `@` pinned at other times (default true, as Prometheus does). */
  atModifierVariants?: boolean;
  engine?: EngineOptions;
  /** Receives the summary line and failure details (default console.log). */
  print?: (line: string) => void;
}

async function load(sink: SampleSink, cmd: LoadCommand): Promise<void> {
  // The same label set twice in one block: the last line wins.
  const byKey = new Map<string, LoadCommand['series'][number]>();
  for (const s of cmd.series) byKey.set(labelsKey(s.labels), s);
  for (const s of byKey.values()) {
    s.values.forEach((v, i) => {
      if (v === 'missing') return;
      sink.append(s.labels, i * cmd.intervalMs, v === 'stale' ? STALE_NAN : v);
    });
  }
  await sink.commit();
}

function comparable(v: QueryValue): ComparableResult {
  if (v.resultType === 'scalar') return { type: 'scalar', value: v.value };
  if (v.resultType === 'vector') return { type: 'vector', samples: v.samples.map((s) => ({ labels: s.labels, value: s.value })) };
  return { type: 'other', description: v.resultType === 'matrix' ? 'range result on instant evaluation' : 'string' };
}

/** The middle step of a t-1m..t+1m range result, shaped like the instant result. */
function middleStep(v: QueryValue, atMs: number, instant: QueryValue): ComparableResult {
  if (v.resultType !== 'matrix') return { type: 'other', description: v.resultType };
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const s of v.series) {
    const i = s.timestampsMs.indexOf(atMs);
    if (i >= 0) samples.push({ labels: s.labels, value: s.values[i] });
  }
  if (instant.resultType === 'scalar') return { type: 'scalar', value: samples[0]?.value ?? NaN };
  return { type: 'vector', samples };
}

/** Checks one (expression, time) query: instant result, then the middle step of t-1m..t+1m. */
async function checkQuery(store: SeriesStore, cmd: EvalCommand, expr: Expr, atMs: number, opts: RunOptions): Promise<string | null> {
  let instant: QueryValue;
  try {
    instant = (await instantQuery(store, expr, atMs, opts.engine)).value;
  } catch (e) {
    if (cmd.fail) return null;
    const err = e as Error;
    return `error: ${err.message}${err.name === 'PromQLEvalError' ? '' : `\n${err.stack}`}`;
  }
  if (cmd.fail) return 'expected an error, got a result';
  const msg = compareResult(cmd.expected, cmd.ordered, comparable(instant));
  if (msg) return msg;
  if (opts.rangeCheck === false || instant.resultType === 'string') return null;
  let range: QueryValue;
  try {
    range = (await rangeQuery(store, expr, atMs - 60_000, atMs + 60_000, 60_000, opts.engine)).value;
  } catch (e) {
    return `range mode: error: ${(e as Error).message}`;
  }
  if (cmd.ordered) return null; // ordering is not defined for range queries
  const rmsg = compareResult(cmd.expected, false, middleStep(range, atMs, instant));
  return rmsg ? `range mode: ${rmsg}` : null;
}

async function runEval(store: SeriesStore, cmd: EvalCommand, opts: RunOptions): Promise<string | null> {
  let expr: Expr;
  try {
    expr = (opts.parse ?? parse)(cmd.expr);
  } catch (e) {
    return `parse error: ${(e as Error).message}`;
  }
  const variants = [{ expr, timeMs: cmd.atMs }, ...(opts.atModifierVariants === false ? [] : atModifierVariants(expr, cmd.atMs))];
  for (const [k, v] of variants.entries()) {
    const msg = await checkQuery(store, cmd, v.expr, v.timeMs, opts);
    if (msg) return k === 0 ? msg : `with @ ${cmd.atMs / 1000} evaluated at ${v.timeMs / 1000}s: ${msg}`;
  }
  return null;
}

/** Runs one script's text. */
export async function runTestScript(text: string, file: string, opts: RunOptions = {}): Promise<TestRunSummary> {
  const cmds = parseTestScript(text, file);
  const backend = opts.backend ? await opts.backend() : (() => { const m = new MemoryStorage(); return { sink: m, store: m }; })();
  const summary: TestRunSummary = { passed: 0, failed: 0, failures: [] };
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') { await backend.sink.clear(); continue; }
    if (cmd.kind === 'load') { await load(backend.sink, cmd); continue; }
    const msg = await runEval(backend.store, cmd, opts);
    if (msg === null) summary.passed++;
    else { summary.failed++; summary.failures.push({ file, line: cmd.line, expr: cmd.expr, message: msg }); }
  }
  return summary;
}

/** CLI entry (`metaflow promqltest FILE…`): runs files, prints failures and `N passed, N failed`. */
export async function runPromqlTestFiles(files: string[], options: RunOptions = {}): Promise<TestRunSummary> {
  const print = options.print ?? ((l: string) => console.log(l));
  const total: TestRunSummary = { passed: 0, failed: 0, failures: [] };
  for (const file of files) {
    const r = await runTestScript(await readFile(file, 'utf8'), file, options);
    total.passed += r.passed;
    total.failed += r.failed;
    total.failures.push(...r.failures);
    for (const f of r.failures) print(`FAIL ${f.file}:${f.line}: ${f.expr}\n  ${f.message}`);
  }
  print(`${total.passed} passed, ${total.failed} failed`);
  return total;
}
