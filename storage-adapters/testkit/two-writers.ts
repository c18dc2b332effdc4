/**
 * Two processes encode overlapping name sets, in different orders and at the same time, into
 * one store; then every name must have exactly one ID and both processes must have seen it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./dictionary-worker.ts', import.meta.url));

export function names(seed: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`pod-${(i * 7919 + seed * 104729) % (count * 2)}`);
  return out;
}

function runWorker(args: string[], seed: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', WORKER, String(seed), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${seed} exited ${code}: ${err}`))));
  });
}

export async function twoWriterAgreement(args: string[]): Promise<void> {
  const [a, b] = await Promise.all([runWorker(args, 1), runWorker(args, 2)]);
  const shared = Object.keys(a).filter((k) => k in b);
  assert.ok(shared.length > 50, `the two workers' names overlap (${shared.length})`);
  for (const k of shared) assert.equal(a[k], b[k], `both processes agree on ${k}`);
  const all = { ...a, ...b };
  const ids = Object.values(all);
  assert.equal(new Set(ids).size, ids.length, 'no two names share an ID');
  assert.ok(Math.max(...ids) <= ids.length + 64, 'IDs stay dense');
}
