// Operator precedence and associativity against a running Prometheus 2.42: random flat scalar
// expressions (no parentheses to help) are evaluated by Prometheus and, through our tree, by a
// small scalar evaluator here. Equal answers mean both grouped every operand the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Expr } from '../ast.ts';
import { parse } from './index.ts';

const binary = process.env.PROMETHEUS_BIN ?? 'prometheus';
const available = spawnSync(binary, ['--version'], { encoding: 'utf8' }).status === 0;
const skip = !available && process.env.CI !== 'true' ? `${binary} not found (Debian package "prometheus")` : false;

function evalScalar(e: Expr): number {
  switch (e.kind) {
    case 'NumberLiteral': return e.value;
    case 'ParenExpr': return evalScalar(e.expr);
    case 'UnaryExpr': return e.op === '-' ? -evalScalar(e.expr) : evalScalar(e.expr);
    case 'BinaryExpr': {
      const a = evalScalar(e.lhs);
      const b = evalScalar(e.rhs);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '%': return a % b;
        case '^': return a ** b;
        case 'atan2': return Math.atan2(a, b);
        case '==': return +(a === b);
        case '!=': return +(a !== b);
        case '<': return +(a < b);
        case '>': return +(a > b);
        case '<=': return +(a <= b);
        case '>=': return +(a >= b);
        default: throw new Error(`not a scalar operator: ${e.op}`);
      }
    }
    default: throw new Error(`not scalar arithmetic: ${e.kind}`);
  }
}

/** Flat expressions like `2 ^ -3 * 4 > bool 1 - 0.5 % 3 ^ 2`, seeded. */
function flatExpressions(count: number): string[] {
  let state = 1234;
  const rand = (n: number) => { state = (state * 1103515245 + 12345) % 2 ** 31; return state % n; };
  const ops = ['+', '-', '*', '/', '%', '^', 'atan2', '== bool', '!= bool', '< bool', '> bool', '<= bool', '>= bool'];
  const numbers = ['0', '1', '2', '3', '0.5', '1.5', '4', '7', '0x10', '1e1', '.25'];
  const term = () => `${['', '', '', '-', '+', '- -'][rand(6)]}${numbers[rand(numbers.length)]}`;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let q = term();
    for (let n = 1 + rand(5); n > 0; n--) q += ` ${ops[rand(ops.length)]} ${term()}`;
    out.push(q);
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const toNumber = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

test('flat scalar expressions evaluate the same in Prometheus 2.42 and through our trees', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-arith-'));
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const proc = spawn(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=error',
  ], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      assert.ok(i < 100, 'prometheus did not become ready in 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const queries = flatExpressions(400);
    const differences: string[] = [];
    for (const q of queries) {
      const res = await fetch(`${base}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: q, time: '0' }) });
      const body = await res.json() as { status: string; data?: { resultType: string; result: [number, string] }; error?: string };
      assert.equal(body.status, 'success', `${q}: ${body.error}`);
      assert.equal(body.data!.resultType, 'scalar', q);
      const theirs = toNumber(body.data!.result[1]);
      const ours = evalScalar(parse(q));
      if (!same(ours, theirs)) differences.push(`${q}: ours ${ours}, Prometheus ${theirs}`);
    }
    console.log(`arithmetic oracle: ${queries.length - differences.length}/${queries.length} agree`);
    assert.deepEqual(differences, []);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
