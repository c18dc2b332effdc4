// Prometheus's own PromQL test scripts (v2.42.0 promql/testdata, 566 eval statements) must all
// pass, in instant mode, range mode and with `@` pinned, as Prometheus's test.go runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTestScript } from './testscript/run.ts';
import { parseTestScript } from './testscript/script.ts';

const shared = process.env.METAFLOW_SHARED_DIR ?? join(import.meta.dirname, '../../../shared');
const dir = join(shared, 'promql-testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.test')).sort();

test('the corpus holds the 566 eval statements of Prometheus 2.42', () => {
  const evals = files.flatMap((f) => parseTestScript(readFileSync(join(dir, f), 'utf8'), f)).filter((c) => c.kind === 'eval');
  assert.equal(files.length, 11);
  assert.equal(evals.length, 566);
});

for (const file of files) {
  test(`promql testdata ${file}`, async () => {
    const r = await runTestScript(readFileSync(join(dir, file), 'utf8'), file);
    const detail = r.failures.map((f) => `${f.file}:${f.line} ${f.expr}\n  ${f.message}`).join('\n');
    assert.equal(r.failed, 0, detail);
    assert.ok(r.passed > 0);
  });
}
