/**
 * An l7_flow_log record with its resources → the ingest row the sender batches. Resource tags
 * go as names with their side (`pod_0`, `pod_1`); `time` is the response time in µs.
 */
import type { TaggedL7 } from '../aggregate/application.ts';
import { putTags } from '../tagging/resource-tags.ts';
import type { IngestRow } from './arrow-batch.ts';

export function l7IngestRow({ row, client, server }: TaggedL7): IngestRow {
  const out: IngestRow = { ...row, time: row.end_time, protocol: row.protocol === 6 ? 'TCP' : 'UDP' };
  return putTags(putTags(out, client, '_0'), server, '_1');
}
