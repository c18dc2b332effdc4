/**
 * The SQL conformance suite on a real clickhouse-server: what the ClickHouse compiler runs
 * must give the reference PostgreSQL's answer, and what it cannot match stays in the querier.
 * The store records what it was handed, so the suite also proves the pushdown happened.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { clickhouseSkipReason, startClickHouse, type ClickHouseServer } from '../../lib/testing/clickhouse.ts';
import { sqlConformance } from '../../querier/conformance/sql-conformance.ts';
import type { PlanFragment, ResultBatch } from '../adapter.ts';
import { ClickHouseAdapter } from './clickhouse-adapter.ts';
import { clickhouseOptions } from './clickhouse-config.ts';

class RecordingAdapter extends ClickHouseAdapter {
  readonly fragments: PlanFragment[] = [];
  override execute(fragment: PlanFragment, options?: { signal?: AbortSignal }): AsyncIterable<ResultBatch> {
    this.fragments.push(fragment);
    return super.execute(fragment, options);
  }
}

const skip = clickhouseSkipReason();

if (skip) {
  test('clickhouse SQL conformance', { skip }, () => undefined);
} else {
  let server: ClickHouseServer | undefined;
  let adapter: RecordingAdapter | undefined;
  after(async () => { await server?.stop(); });
  sqlConformance('clickhouse', async () => {
    server = await startClickHouse();
    return (adapter = new RecordingAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${server.httpPort}/sqlconformance`))));
  });

  test('clickhouse: aggregates, percentiles, buckets, patterns and top-N ran in the store; ~* stayed up', () => {
    const pushed = adapter!.fragments;
    const calls = JSON.stringify(pushed.map((f) => [f.where, f.select, f.groupBy, f.aggregates, f.having]));
    assert.ok(pushed.some((f) => f.aggregates?.some((a) => a.call.fn === 'count_star' && a.call.filter)), 'count(*) FILTER');
    assert.ok(pushed.some((f) => f.aggregates?.some((a) => a.call.fn === 'percentile_cont')), 'percentile_cont');
    assert.ok(pushed.some((f) => f.aggregates?.some((a) => a.call.fn === 'percentile_disc')), 'percentile_disc');
    assert.ok(pushed.some((f) => f.sort?.length && f.limit !== undefined), 'ORDER BY + LIMIT');
    assert.match(calls, /"fn":"(date_bin|date_trunc)"/, 'time buckets');
    assert.match(calls, /"fn":"~"/, 'regular expressions');
    assert.match(calls, /"fn":"like"/, 'LIKE');
    assert.doesNotMatch(calls, /"fn":"~\*"/, 'case-insensitive regex is refused');
  });
}
