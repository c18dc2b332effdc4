// Prometheus v2.42's own parser cases (parse_test.go): every input must parse or fail exactly as
// it does in Prometheus; series descriptions go through parseSeriesDesc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, PromQLParseError } from './index.ts';
import { parseSeriesDesc } from './series.ts';
import { caseInput, loadParseCases } from './corpus.ts';

const cases = loadParseCases();

function outcome(c: ReturnType<typeof loadParseCases>[number]): PromQLParseError | null {
  try {
    if (c.kind === 'series') parseSeriesDesc(c.input);
    else parse(caseInput(c));
    return null;
  } catch (e) {
    if (e instanceof PromQLParseError) return e;
    throw e;
  }
}

test('the corpus holds the 290 cases of Prometheus v2.42', () => {
  assert.equal(cases.length, 290);
  assert.equal(cases.filter((c) => c.kind === 'series').length, 20);
});

test('every parse case agrees with Prometheus on success or failure', () => {
  const disagreements: string[] = [];
  for (const c of cases) {
    const err = outcome(c);
    if ((err !== null) !== c.fail) {
      disagreements.push(`line ${c.line} ${JSON.stringify(c.input.slice(0, 80))}: ${err?.message ?? 'parsed but must fail'}`);
    }
  }
  console.log(`parse cases: ${cases.length - disagreements.length}/${cases.length} agree with Prometheus`);
  assert.deepEqual(disagreements, []);
});

test('failures carry a Prometheus-shaped message and a position inside the query', () => {
  for (const c of cases.filter((x) => x.fail)) {
    const err = outcome(c)!;
    assert.match(err.message, /^\d+:\d+: parse error: .+/, c.input);
    assert.ok(err.posRange.start >= 0 && err.posRange.start <= err.query.length, c.input);
  }
});

// Prometheus' test checks that its error text contains the case's errMsg; so do we.
test('error messages contain the text Prometheus gives', () => {
  const withMsg = cases.filter((c) => c.errMsg !== undefined && c.kind === 'expr');
  const differing = withMsg
    .map((c) => ({ c, got: outcome(c)!.message }))
    .filter(({ c, got }) => !got.includes(c.errMsg!))
    .map(({ c, got }) => `${JSON.stringify(c.input.slice(0, 60))}: want ${JSON.stringify(c.errMsg)}, got ${JSON.stringify(got)}`);
  console.log(`error messages: ${withMsg.length - differing.length}/${withMsg.length} contain Prometheus' text`);
  assert.deepEqual(differing, []);
});
