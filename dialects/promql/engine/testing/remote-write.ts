// A minimal Prometheus remote-write client for tests, enough to load samples — staleness
// markers included — into a real Prometheus or into MetaFlow. The encoding is the product's
// own codec (ingester/prometheus/remote-write-codec.ts), so there is one encoder to trust.
import snappy from 'snappyjs';
import { encodeWriteRequest } from '../../../../ingester/prometheus/remote-write-codec.ts';

export interface RemoteWriteSeries { labels: Record<string, string>; samples: { value: number; timestamp: number }[] }

/** Sends one WriteRequest; throws on a non-2xx answer. */
export async function remoteWrite(url: string, series: RemoteWriteSeries[]): Promise<void> {
  const body = encodeWriteRequest(series.map((s) => ({
    labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
    samples: s.samples.map((x) => ({ value: x.value, timestampMs: x.timestamp })),
  })));
  const res = await fetch(url, {
    method: 'POST',
    body: snappy.compress(body),
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
  });
  if (!res.ok) throw new Error(`remote write: ${res.status} ${await res.text()}`);
}
