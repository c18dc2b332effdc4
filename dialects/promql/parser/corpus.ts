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

/** `eval…` expressions and `load` series lines of every promql-testdata/*.test script. */
export function loadTestScripts(): { exprs: Array<{ where: string; expr: string }>; series: Array<{ where: string; line: string }> } {
  const dir = join(shared, 'promql-testdata');
  const exprs: Array<{ where: string; expr: string }> = [];
  const series: Array<{ where: string; line: string }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
    let inLoad = false;
    readFileSync(join(dir, file), 'utf8').split('\n').forEach((raw, i) => {
      const line = raw.trim();
      const where = `${file}:${i + 1}`;
      if (line === '' || line.startsWith('#')) { inLoad = false; return; }
      const m = /^(?:eval|eval_ordered|eval_fail) instant at \S+ (.*)$/.exec(line);
      if (m !== null) { inLoad = false; exprs.push({ where, expr: m[1]! }); return; }
      if (line.startsWith('load ')) { inLoad = true; return; }
      if (line.startsWith('eval') || line === 'clear') { inLoad = false; return; }
      if (inLoad) series.push({ where, line });
    });
  }
  return { exprs, series };
}

/** A deep copy of an AST without position ranges, for comparing trees. */
export function withoutPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPositions);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'posRange') out[k] = withoutPositions(v);
  return out;
}
