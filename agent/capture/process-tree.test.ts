import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/testing/server.ts';
import { descendants, parseStatParent } from './process-tree.ts';

test('process tree: parent pid read after the last ")" of the comm', () => {
  assert.equal(parseStatParent('4242 (postgres) S 4200 4200 4200 0 -1 4194560 0'), 4200);
  assert.equal(parseStatParent('77 (a) b) (c) R 1 77 77 0 -1'), 1);
  assert.equal(parseStatParent('garbage'), undefined);
});

test('process tree: descendants of several roots, through every generation, nothing else', (t) => {
  const proc = tempDir('metaflow-proc-');
  t.after(() => proc.remove());
  // 1 ─ 10 (postmaster) ─ 11, 12 ─ 13;  1 ─ 20 (other) ─ 21;  1 ─ 30 (dnsmasq) ─ 31
  const parents: Record<number, number> = { 1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20, 30: 1, 31: 30 };
  for (const [pid, ppid] of Object.entries(parents)) {
    mkdirSync(join(proc.path, pid));
    writeFileSync(join(proc.path, pid, 'stat'), `${pid} (x y) S ${ppid} ${pid} ${pid} 0 -1 0`);
  }
  mkdirSync(join(proc.path, 'self')); // non-pid entries are skipped
  mkdirSync(join(proc.path, '99'));   // a process gone between readdir and read
  assert.deepEqual(descendants([10, 30], proc.path).sort((a, b) => a - b), [11, 12, 13, 31]);
  assert.deepEqual(descendants([13], proc.path), []);
  assert.deepEqual(descendants([], proc.path), []);
});
