// Differential test against the real Prometheus 2.42 parser: `promtool check rules` parses every
// rule's expression and prints Prometheus' own error. Thousands of near-miss queries (mutations
// of the corpus) and grammar-generated ones must succeed or fail exactly as there, with the same
// message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from './index.ts';
import { promqlLexer } from './tokens.ts';
import { generatedQueries, nearMissQueries } from './corpus.ts';

const promtool = process.env.PROMTOOL ?? 'promtool';
const version = spawnSync(promtool, ['--version'], { encoding: 'utf8' });
const available = version.status === 0;
const skip = !available && process.env.CI !== 'true' ? `${promtool} not found (Debian package "prometheus")` : false;

/** Prometheus' parse error for each query (null when it parses), via one rules file. */
function prometheusErrors(queries: string[]): Array<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'promql-oracle-'));
  try {
    const file = join(dir, 'rules.yml');
    // JSON strings are valid YAML double-quoted scalars.
    writeFileSync(file, 'groups:\n  - name: oracle\n    rules:\n' +
      queries.map((q, i) => `      - record: r${i}\n        expr: ${JSON.stringify(q)}\n`).join(''));
    const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    const out = `${r.stdout}\n${r.stderr}`;
    const errors: Array<string | null> = queries.map(() => null);
    let reported = 0;
    for (const m of out.matchAll(/rule (\d+), "r\d+": (.*)/g)) {
      const msg = m[2]!;
      assert.match(msg, /^could not parse expression: /, `promtool reported a non-parse problem: ${msg}`);
      errors[Number(m[1]) - 1] = msg.replace(/^could not parse expression: /, '');
      reported++;
    }
    assert.ok(reported > 0 || r.status === 0, `promtool failed without rule errors: ${out.slice(0, 500)}`);
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('near-miss queries parse or fail exactly as in Prometheus 2.42, with its messages', { skip }, () => {
  assert.ok(available, `${promtool} not found: install the Debian package "prometheus"`);
  assert.match(version.stdout, /version 2\.42\./, 'the oracle must be Prometheus 2.42');
  const tokenize = (q: string) => promqlLexer.tokenize(q).tokens.map((t) => t.image);
  const queries = [...new Set([
    ...nearMissQueries(7, 4, tokenize, 1), ...nearMissQueries(13, 4, tokenize, 2), ...generatedQueries(5, 3000),
  ])];
  assert.ok(queries.length > 7000, `${queries.length} queries`);
  const theirs = prometheusErrors(queries);
  const differences: string[] = [];
  let failing = 0;
  queries.forEach((q, i) => {
    let ours: string | null = null;
    try {
      parse(q);
    } catch (e) {
      ours = (e as Error).message;
    }
    if (theirs[i] !== null) failing++;
    if (ours !== theirs[i]) differences.push(`${JSON.stringify(q)}\n  ours:       ${ours}\n  Prometheus: ${theirs[i]}`);
  });
  console.log(`promtool oracle: ${queries.length - differences.length}/${queries.length} agree (${failing} rejected by Prometheus)`);
  assert.deepEqual(differences, []);
});
