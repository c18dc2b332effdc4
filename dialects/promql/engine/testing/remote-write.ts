// A minimal Prometheus remote-write client for tests (protobuf WriteRequest, snappy block
// compression), enough to load samples — staleness markers included — into a real Prometheus.
import protobuf from 'protobufjs';
import snappy from 'snappyjs';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, samples: { rule: 'repeated', type: 'Sample', id: 2 } } },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export interface RemoteWriteSeries { labels: Record<string, string>; samples: { value: number; timestamp: number }[] }

/** Sends one WriteRequest; throws on a non-2xx answer. */
export async function remoteWrite(url: string, series: RemoteWriteSeries[]): Promise<void> {
  const body = WriteRequest.encode(WriteRequest.fromObject({
    timeseries: series.map((s) => ({ labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })), samples: s.samples })),
  })).finish();
  const res = await fetch(url, {
    method: 'POST',
    body: snappy.compress(body),
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
  });
  if (!res.ok) throw new Error(`remote write: ${res.status} ${await res.text()}`);
}
