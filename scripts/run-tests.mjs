// Runs the type checker, then every *.test.ts file under the source folders with Node's own
// test runner (through tsx, so no build step). Extra arguments narrow the run:
//   npm test -- querier        only test files whose path contains "querier"
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folders = ['schema', 'ingester', 'querier', 'dialects', 'storage-adapters', 'agent', 'bin', 'lib', 'benchmarks', 'native'];
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = folders.flatMap((f) => { try { return walk(join(root, f), []); } catch { return []; } })
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (filters.length === 0 || process.argv.includes('--typecheck')) {
  process.stderr.write('metaflow: type-checking\n');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
if (files.length === 0) { console.error('no test files matched'); process.exit(1); }
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, METAFLOW_LOG_LEVEL: process.env.METAFLOW_LOG_LEVEL ?? 'warn' },
});
process.exit(r.status ?? 1);
