/**
 * Prometheus remote write 1.0 wire format (prompb.WriteRequest), decoded and encoded by hand:
 * only the fields remote write carries, no reflection, and no .proto file to load.
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; ... }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }  (timestamp in ms)
 */
const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;
const FIELD = { WRITE_TIMESERIES: 1, SERIES_LABELS: 1, SERIES_SAMPLES: 2, LABEL_NAME: 1, LABEL_VALUE: 2, SAMPLE_VALUE: 1, SAMPLE_TIMESTAMP: 2 } as const;

export interface PromSample { value: number; timestampMs: number }
export interface PromSeries { labels: Array<{ name: string; value: string }>; samples: PromSample[] }

export class ProtobufError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)) {}
  get done(): boolean { return this.pos >= this.buf.length; }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new ProtobufError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new ProtobufError(`varint too long at byte ${this.pos}`);
  }
  /** Small varints (tags, lengths) without BigInt. */
  uint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.buf.length) throw new ProtobufError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new ProtobufError(`length too long at byte ${this.pos}`);
  }
  bytes(): Uint8Array {
    const len = this.uint();
    if (this.pos + len > this.buf.length) throw new ProtobufError(`field of ${len} bytes runs past the end at byte ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  double(): number {
    if (this.pos + 8 > this.buf.length) throw new ProtobufError(`truncated double at byte ${this.pos}`);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    if (wire === WIRE.VARINT) this.varint();
    else if (wire === WIRE.I64) this.pos += 8;
    else if (wire === WIRE.LEN) this.bytes();
    else if (wire === WIRE.I32) this.pos += 4;
    else throw new ProtobufError(`unsupported wire type ${wire} at byte ${this.pos}`);
  }
}

function fields(buf: Uint8Array, on: (field: number, wire: number, r: Reader) => void): void {
  const r = new Reader(buf);
  while (!r.done) {
    const tag = r.uint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    const before = r.pos;
    on(field, wire, r);
    if (r.pos === before) r.skip(wire);
  }
}

function text(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new ProtobufError('label is not valid UTF-8');
  }
}

export function decodeWriteRequest(buf: Uint8Array): PromSeries[] {
  const out: PromSeries[] = [];
  fields(buf, (f, wire, r) => {
    if (f !== FIELD.WRITE_TIMESERIES || wire !== WIRE.LEN) return;
    const series: PromSeries = { labels: [], samples: [] };
    fields(r.bytes(), (sf, sw, sr) => {
      if (sf === FIELD.SERIES_LABELS && sw === WIRE.LEN) {
        let name = '';
        let value = '';
        fields(sr.bytes(), (lf, lw, lr) => {
          if (lw !== WIRE.LEN) return;
          if (lf === FIELD.LABEL_NAME) name = text(lr.bytes());
          else if (lf === FIELD.LABEL_VALUE) value = text(lr.bytes());
        });
        series.labels.push({ name, value });
      } else if (sf === FIELD.SERIES_SAMPLES && sw === WIRE.LEN) {
        const s: PromSample = { value: 0, timestampMs: 0 };
        fields(sr.bytes(), (xf, xw, xr) => {
          if (xf === FIELD.SAMPLE_VALUE && xw === WIRE.I64) s.value = xr.double();
          else if (xf === FIELD.SAMPLE_TIMESTAMP && xw === WIRE.VARINT) s.timestampMs = Number(BigInt.asIntN(64, xr.varint()));
        });
        series.samples.push(s);
      }
    });
    out.push(series);
  });
  return out;
}

class Writer {
  private chunks: number[] = [];
  uint(v: number): this {
    while (v >= 0x80) { this.chunks.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    this.chunks.push(v);
    return this;
  }
  varint64(v: bigint): this {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) { this.chunks.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.chunks.push(Number(x));
    return this;
  }
  tag(field: number, wire: number): this { return this.uint(field * 8 + wire); }
  bytes(field: number, b: Uint8Array): this { this.tag(field, WIRE.LEN).uint(b.length); for (const x of b) this.chunks.push(x); return this; }
  double(field: number, v: number): this {
    const d = new DataView(new ArrayBuffer(8));
    d.setFloat64(0, v, true);
    this.tag(field, WIRE.I64);
    for (let i = 0; i < 8; i++) this.chunks.push(d.getUint8(i));
    return this;
  }
  finish(): Uint8Array { return Uint8Array.from(this.chunks); }
}

const enc = new TextEncoder();

/** Encodes a WriteRequest (for tests, benchmarks and tools that feed Prometheus and MetaFlow alike). */
export function encodeWriteRequest(series: PromSeries[]): Uint8Array {
  const w = new Writer();
  for (const s of series) {
    const ts = new Writer();
    for (const l of s.labels) ts.bytes(FIELD.SERIES_LABELS, new Writer().bytes(FIELD.LABEL_NAME, enc.encode(l.name)).bytes(FIELD.LABEL_VALUE, enc.encode(l.value)).finish());
    for (const x of s.samples) ts.bytes(FIELD.SERIES_SAMPLES, new Writer().double(FIELD.SAMPLE_VALUE, x.value).tag(FIELD.SAMPLE_TIMESTAMP, WIRE.VARINT).varint64(BigInt(x.timestampMs)).finish());
    w.bytes(FIELD.WRITE_TIMESERIES, ts.finish());
  }
  return w.finish();
}
