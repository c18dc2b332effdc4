// The agent's health metrics: rates from counters, peak RSS, and the Prometheus text served
// on /metrics (parsed back line by line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthReporter } from './health.ts';

test('health: events/s from the counter, RSS, and /metrics in Prometheus text format', async () => {
  let events = 0;
  const h = new HealthReporter(() => ({ events, captureDrops: 3, l7Rows: 7, queueDepth: 2, queueBytes: 512, sentRows: 5, droppedRows: 1, rejectedRows: 0 }));
  h.sample();
  events = 500;
  await new Promise((r) => setTimeout(r, 250));
  const s = h.sample();
  assert.ok(s.eventsPerSec > 500 && s.eventsPerSec <= 2000, String(s.eventsPerSec));
  assert.ok(s.rssBytes > 10 << 20 && s.peakRssBytes >= s.rssBytes);
  const port = await h.serve(0);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const values = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      const m = /^([a-z_][a-z0-9_]*) (\d+(?:\.\d+)?)$/.exec(line);
      assert.ok(m, `sample line: ${line}`);
      values.set(m[1]!, Number(m[2]));
    }
    assert.equal(values.get('metaflow_agent_events_total'), 500);
    assert.equal(values.get('metaflow_agent_capture_drops_total'), 3);
    assert.equal(values.get('metaflow_agent_queue_depth'), 2);
    assert.equal(values.get('metaflow_agent_dropped_rows_total'), 1);
    assert.ok(values.get('metaflow_agent_peak_rss_bytes')! > 0);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  } finally { await h.stop(); }
});
