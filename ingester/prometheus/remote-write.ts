/**
 * Prometheus remote write → `prometheus.samples`. Label sets and metric names are SmartEncoded
 * (series and metric IDs on rows); a series' labels hang off its dictionary entry as custom
 * tags `label.<name>`, written once per series. A staleness marker is stored as a NULL value:
 * its NaN bit pattern does not survive every store (or JS's own NaN handling).
 */
import snappy from 'snappyjs';
import { Field, makeData, RecordBatch, Schema, Struct, type Data } from 'apache-arrow';
import { arrowType, findTable } from '../../schema/index.ts';
import type { StorageAdapter } from '../../storage-adapters/adapter.ts';
import { IngestError } from '../errors.ts';
import type { ResourceEncoder } from '../smart-encoding/encoder.ts';
import { decodeWriteRequest, ProtobufError, type PromSeries } from './remote-write-codec.ts';
import { LABEL_PREFIX, seriesKey } from './series-key.ts';

const SAMPLES = findTable('prometheus.samples')!;

/** Prometheus's StaleNaN: a NaN whose low word is 2 (the quiet bit may be set on the way here). */
export function isStaleMarker(v: number): boolean {
  if (v === v) return false;
  const f = new Float64Array([v]);
  return new Uint32Array(f.buffer)[0] === 2;
}

export class RemoteWriteReceiver {
  /** Series whose labels this process has already written to the dictionary. */
  private readonly labelled = new Set<string>();

  constructor(private readonly adapter: StorageAdapter, private readonly encoder: ResourceEncoder) {}

  /** Body as sent by Prometheus: snappy-compressed protobuf. Returns the number of samples stored. */
  async receive(body: Uint8Array): Promise<{ series: number; samples: number }> {
    if (body.length === 0) throw new IngestError('EMPTY_BODY', 'send a snappy-compressed WriteRequest', { table: SAMPLES.fullName });
    let raw: Uint8Array;
    try {
      raw = snappy.uncompress(body);
    } catch (e) {
      throw new IngestError('BAD_PROTOBUF', `body is not snappy-compressed: ${(e as Error).message}`, { table: SAMPLES.fullName });
    }
    let series: PromSeries[];
    try {
      series = decodeWriteRequest(raw);
    } catch (e) {
      if (e instanceof ProtobufError) throw new IngestError('BAD_PROTOBUF', e.message, { table: SAMPLES.fullName });
      throw e;
    }
    return this.store(series);
  }

  async store(series: PromSeries[]): Promise<{ series: number; samples: number }> {
    const keyed = series.map((s, index) => {
      const labels: Record<string, string> = {};
      for (const l of s.labels) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l.name)) throw new IngestError('BAD_PROTOBUF', `series ${index}: invalid label name '${l.name}'`, { index });
        if (l.value !== '') labels[l.name] = l.value;
      }
      const metric = labels.__name__;
      if (!metric) throw new IngestError('BAD_PROTOBUF', `series ${index}: no __name__ label`, { index });
      return { s, labels, key: seriesKey(labels), metric };
    });
    const seriesIds = await this.encoder.encode('prometheus_series', keyed.map((k) => ({ key: k.key, name: k.key })));
    const metricIds = await this.encoder.encode('prometheus_metric', keyed.map((k) => ({ key: k.metric, name: k.metric })));
    const tags = keyed.filter((k) => !this.labelled.has(k.key)).flatMap((k) =>
      Object.entries(k.labels).map(([name, value]) => ({ type: 'prometheus_series', id: seriesIds.get(k.key)!, key: LABEL_PREFIX + name, value })));
    if (tags.length) await this.adapter.dictionaries.putCustomTags(tags);
    for (const k of keyed) this.labelled.add(k.key);

    const n = keyed.reduce((sum, k) => sum + k.s.samples.length, 0);
    if (n === 0) return { series: series.length, samples: 0 };
    const time = new BigInt64Array(n);
    const metric = new Uint32Array(n);
    const sid = new Uint32Array(n);
    const value = new Float64Array(n);
    const valid = new Uint8Array((n + 7) >> 3).fill(0xff);
    let nulls = 0;
    let i = 0;
    for (const k of keyed) {
      const m = metricIds.get(k.metric)!;
      const id = seriesIds.get(k.key)!;
      for (const x of k.s.samples) {
        time[i] = BigInt(x.timestampMs) * 1000n;
        metric[i] = m;
        sid[i] = id;
        if (isStaleMarker(x.value)) { valid[i >> 3]! &= ~(1 << (i & 7)); nulls++; } else value[i] = x.value;
        i++;
      }
    }
    const cols: Array<[string, Data]> = [
      ['time', makeData({ type: arrowType('timestamp'), length: n, data: time } as never)],
      ['metric_id', makeData({ type: arrowType('uint32'), length: n, data: metric } as never)],
      ['series_id', makeData({ type: arrowType('uint32'), length: n, data: sid } as never)],
      ['value', makeData({ type: arrowType('float64'), length: n, nullCount: nulls, nullBitmap: nulls ? valid : null, data: value } as never)],
    ];
    const fields = cols.map(([name, d]) => new Field(name, d.type, name !== 'time'));
    await this.adapter.write(SAMPLES, [new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: cols.map(([, d]) => d) }))]);
    return { series: series.length, samples: n };
  }
}
