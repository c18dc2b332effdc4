import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const METAFLOW = fileURLToPath(new URL('./metaflow', import.meta.url));
const cli = (...args: string[]) => spawnSync(METAFLOW, args, { encoding: 'utf8' });

test('every command has --help', () => {
  const top = cli('--help');
  assert.equal(top.status, 0);
  const commands = [...top.stdout.matchAll(/^  (\S+)\s{2,}/gm)].map((m) => m[1]!);
  assert.ok(commands.includes('server') && commands.includes('status') && commands.includes('start'), top.stdout);
  for (const c of commands) {
    const r = cli(c, '--help');
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: metaflow ${c}`), c);
  }
  assert.match(cli('server', '--help').stdout, /--data-dir V.*\n.*METAFLOW_DATA_DIR/);
});

test('unknown commands and flags are usage errors', () => {
  const r = cli('frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  const f = cli('status', '--nope');
  assert.equal(f.status, 2);
  assert.match(f.stderr, /Unknown option '--nope'/);
});

test('status says when the server is not reachable', () => {
  const r = cli('status', '--server', 'http://127.0.0.1:1');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
});
