// Test corpora shared by the parser tests: Prometheus v2.42's parser cases and the
// expressions and series lines of its PromQL test scripts (../shared, beside the worktrees).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const shared = process.env.METAFLOW_SHARED_DIR ?? join(fileURLToPath(new URL('.', import.meta.url)), '../../../../shared');

/** One case of promql-parse-cases.json. */
export interface ParseCase {
  input: string;
  inputBase64?: string;
  fail: boolean;
  kind: 'expr' | 'series';
  errMsg?: string;
  line: number;
}

export function loadParseCases(): ParseCase[] {
  return JSON.parse(readFileSync(join(shared, 'promql-parse-cases.json'), 'utf8')) as ParseCase[];
}

/** The query as Prometheus saw it: raw bytes when the case is not valid UTF-8. */
export const caseInput = (c: ParseCase): string | Uint8Array =>
  c.inputBase64 !== undefined ? Buffer.from(c.inputBase64, 'base64') : c.input;

type Located<K extends string> = Array<{ where: string } & Record<K, string>>;

/** `eval…` expressions, `load` series lines and expected-series lines (not bare scalars) of
 * every promql-testdata/*.test script. */
export function loadTestScripts(): { exprs: Located<'expr'>; series: Located<'line'>; expected: Located<'line'> } {
  const dir = join(shared, 'promql-testdata');
  const exprs: Located<'expr'> = [];
  const series: Located<'line'> = [];
  const expected: Located<'line'> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
    let block: 'load' | 'eval' | null = null;
    readFileSync(join(dir, file), 'utf8').split('\n').forEach((raw, i) => {
      const line = raw.trim();
      const where = `${file}:${i + 1}`;
      if (line === '' || line.startsWith('#')) { block = null; return; }
      const m = /^(?:eval|eval_ordered|eval_fail) instant at \S+ (.*)$/.exec(line);
      if (m !== null) { block = 'eval'; exprs.push({ where, expr: m[1]! }); return; }
      if (line.startsWith('load ')) { block = 'load'; return; }
      if (line === 'clear') { block = null; return; }
      if (block === 'load') series.push({ where, line });
      else if (block === 'eval' && !/^[-+]?(?:\d|\.\d|inf|nan)/i.test(line)) expected.push({ where, line });
    });
  }
  return { exprs, series, expected };
}

/** A deep copy of an AST without position ranges, for comparing trees. */
export function withoutPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPositions);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'posRange') out[k] = withoutPositions(v);
  return out;
}

// Tokens spliced into queries to make near-miss inputs, valid and invalid.
const MUTATION_VOCABULARY = ['(', ')', '{', '}', '[', ']', ',', ':', '@', '+', '-', '*', '/', '^', '==', '!=', '>', 'and',
  'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'sum', 'topk', 'rate',
  'foo', '5m', '1', '"x"', 'start()', 'end()', 'x[5m]', '[5m:]', 'a="b"', 'inf', '-1', '0x10', '1e3', '.5', '5m1s',
  'count_values', 'quantile', 'time()', 'label_replace', '#', '`r`', "'s'", '!~', '=~', '%', 'atan2', 'nan'];

/** Every corpus query (parse cases that are valid UTF-8, test-script expressions) plus
 * `perQuery` seeded mutations of each, every one `edits` token-level deletions, insertions,
 * replacements or swaps. */
export function nearMissQueries(seed: number, perQuery: number, tokenize: (q: string) => string[], edits = 1): string[] {
  const rand = seededRandom(seed);
  const base = [
    ...loadParseCases().filter((c) => c.kind === 'expr' && c.inputBase64 === undefined && c.input.length < 400).map((c) => c.input),
    ...loadTestScripts().exprs.map((e) => e.expr),
  ];
  const out = new Set<string>(base);
  for (const q of base) {
    const toks = tokenize(q);
    if (toks.length === 0) continue;
    for (let k = 0; k < perQuery; k++) {
      const t = [...toks];
      for (let e = 0; e < edits; e++) {
        const i = rand(t.length);
        const word = MUTATION_VOCABULARY[rand(MUTATION_VOCABULARY.length)]!;
        switch (rand(4)) {
          case 0: t.splice(i, 1); break;
          case 1: t.splice(i, 0, word); break;
          case 2: t[i] = word; break;
          default: if (i + 1 < t.length) [t[i], t[i + 1]] = [t[i + 1]!, t[i]!];
        }
      }
      out.add(t.join(rand(3) === 0 ? '' : ' '));
    }
  }
  // Prometheus' rule loader refuses an empty expression before parsing it.
  return [...out].filter((q) => q.trim() !== '' && !/^\s*(#.*)?$/.test(q));
}

/** A small deterministic generator (mulberry32): rand(n) is an integer in [0, n). */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed | 0;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** Random queries built from PromQL's grammar (selectors, modifiers, aggregations, operators
 * with modifiers, subqueries, functions), many valid, many type errors; deterministic per seed. */
export function generatedQueries(seed: number, count: number): string[] {
  const rand = seededRandom(seed);
  const pick = <T>(a: T[]): T => a[rand(a.length)]!;
  const dur = () => pick(['5m', '1h', '30s', '1d', '2w', '1y', '90s', '1h30m', '500ms', '10m']);
  const selector = (): string => {
    const name = pick(['foo', 'bar:baz', 'http_requests_total', 'sum', 'start', 'by', '']);
    const matchers = Array.from({ length: 1 + rand(2) }, () =>
      `${pick(['a', 'job', 'le', 'nan', 'on'])}${pick(['=', '!=', '=~', '!~'])}${pick(['"x"', "'y.*'", '"(?i)z"', '""', '`a|b`'])}`);
    const braces = rand(3) === 0 ? '' : `{${matchers.join(',')}${rand(4) === 0 ? ',' : ''}}`;
    return name + (name === '' && braces === '' ? '{a="b"}' : braces);
  };
  const mods = () => (rand(3) === 0 ? ` offset ${rand(4) === 0 ? '-' : ''}${dur()}` : '')
    + (rand(4) === 0 ? pick([' @ 100', ' @ start()', ' @ end()', ' @ -1.5']) : '');
  const expr = (depth: number): string => {
    switch (rand(depth <= 0 ? 4 : 12)) {
      case 0: return selector() + mods();
      case 1: return pick(['1', '0.5', '-2', '0x1f', '1e3', 'Inf', 'NaN', '.5', '1234567']);
      case 2: return `rate(${selector()}[${dur()}]${mods()})`;
      case 3: return '"str"';
      case 4: return `${pick(['sum', 'avg', 'max', 'count', 'group', 'stddev'])}${pick(['', ' by (a)', ' without (b, c)'])}(${expr(depth - 1)})`;
      case 5: return `${pick(['topk', 'bottomk', 'quantile'])}(${pick(['5', '0.9', 'scalar(x)'])}, ${expr(depth - 1)})${pick(['', ' by (job)'])}`;
      case 6: return `${expr(depth - 1)} ${pick(['+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<=', 'and', 'or', 'unless'])}`
        + `${pick(['', ' bool', ' on(a)', ' ignoring(b) group_left(c)', ' on() group_right'])} ${expr(depth - 1)}`;
      case 7: return `(${expr(depth - 1)})`;
      case 8: return `-${expr(depth - 1)}`;
      case 9: return `${pick(['max_over_time', 'avg_over_time', 'count_over_time'])}((${expr(depth - 1)})[${dur()}:${pick(['', '1m'])}]${mods()})`;
      case 10: return `${pick(['abs', 'ceil', 'sort', 'absent', 'timestamp'])}(${expr(depth - 1)})`;
      default: return `histogram_quantile(${pick(['0.9', 'scalar(x)'])}, ${expr(depth - 1)})`;
    }
  };
  return [...new Set(Array.from({ length: count }, () => expr(5)))];
}
