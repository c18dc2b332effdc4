/** Loads the conformance rows into MetaFlow through the ingest path (Arrow IPC → SmartEncoding). */
import { tableFromArrays, tableToIPC, vectorFromArray, Table, Utf8, Int32, Uint64, Uint16, TimestampMicrosecond } from 'apache-arrow';
import type { Ingester } from '../../ingester/ingester.ts';
import type { L7Row, PodRecord } from './dataset.ts';

export async function loadIntoMetaFlow(ingester: Ingester, rows: L7Row[], pods: PodRecord[]): Promise<void> {
  await ingester.ingestResources(pods.map((p) => ({ type: 'pod', name: p.name, namespace: p.namespace, labels: p.app ? { app: p.app } : {} })));
  const str = (k: keyof L7Row) => vectorFromArray(rows.map((r) => r[k] as string | null), new Utf8());
  const table = new Table({
    time: vectorFromArray(rows.map((r) => r.time / 1000), new TimestampMicrosecond()),
    pod_0: str('pod_0'), pod_ns_0: str('pod_ns_0'), pod_1: str('pod_1'), pod_ns_1: str('pod_ns_1'),
    l7_protocol: str('l7_protocol'), request_type: str('request_type'), endpoint: str('endpoint'),
    response_code: vectorFromArray(rows.map((r) => r.response_code), new Int32()),
    response_status: str('response_status'),
    response_duration: vectorFromArray(rows.map((r) => BigInt(r.response_duration)), new Uint64()),
    request_length: vectorFromArray(rows.map((r) => BigInt(r.request_length)), new Uint64()),
    server_port: vectorFromArray(rows.map((r) => r.server_port), new Uint16()),
  });
  void tableFromArrays;
  await ingester.ingestArrow('flow_log.l7_flow_log', tableToIPC(table, 'stream'));
}
