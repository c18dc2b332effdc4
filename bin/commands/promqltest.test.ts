import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const METAFLOW = fileURLToPath(new URL('../metaflow', import.meta.url));
const CORPUS = process.env.PROMQL_TESTDATA ?? fileURLToPath(new URL('../../../shared/promql-testdata', import.meta.url));

test('every Prometheus test-script case passes through remote write and the embedded store', { timeout: 600_000 }, async () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.test')).map((f) => join(CORPUS, f));
  assert.equal(files.length, 11);
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const p = spawn(METAFLOW, ['promqltest', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('exit', (code) => resolve({ code, text }));
  });
  assert.match(out.text, /^566 passed, 0 failed$/m, out.text.slice(-3000));
  assert.equal(out.code, 0);
});
