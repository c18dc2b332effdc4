/**
 * The SQL conformance suite on the PostgreSQL store: every corpus query, pushed down through
 * the shared compiler and run by the querier alone, must give the reference PostgreSQL's answer.
 * The store records what it was handed, so the suite also proves the pushdown happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPostgres } from '../../lib/testing/postgres.ts';
import { sqlConformance } from '../../querier/conformance/sql-conformance.ts';
import type { PlanFragment, ResultBatch } from '../adapter.ts';
import { PostgresAdapter } from './postgres-adapter.ts';

class RecordingAdapter extends PostgresAdapter {
  readonly fragments: PlanFragment[] = [];
  override execute(fragment: PlanFragment, options?: { signal?: AbortSignal }): AsyncIterable<ResultBatch> {
    this.fragments.push(fragment);
    return super.execute(fragment, options);
  }
}

await withPostgres('postgres SQL conformance', (server) => {
  let adapter: RecordingAdapter | undefined;
  sqlConformance('postgres', async () => (adapter = new RecordingAdapter(server.database())), { postgresUrl: server.url });

  test('postgres: aggregates, percentiles, buckets, patterns and top-N ran in the store', () => {
    const pushed = adapter!.fragments;
    const calls = JSON.stringify(pushed.map((f) => [f.where, f.select, f.groupBy, f.aggregates]));
    assert.ok(pushed.some((f) => f.aggregates?.some((a) => a.call.fn === 'count_star')), 'count(*)');
    assert.ok(pushed.some((f) => f.aggregates?.some((a) => a.call.fn.startsWith('percentile_'))), 'percentiles');
    assert.ok(pushed.some((f) => f.sort?.length && f.limit !== undefined), 'ORDER BY + LIMIT');
    assert.match(calls, /"fn":"(date_bin|time_bucket|date_trunc)"/, 'time buckets');
    assert.match(calls, /"fn":"(~|like|ilike)"/, 'pattern matches');
  });
});
