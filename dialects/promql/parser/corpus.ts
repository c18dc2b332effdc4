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
  let state = seed;
  const rand = (n: number) => { state = (state * 1103515245 + 12345) % 2 ** 31; return state % n; };
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
