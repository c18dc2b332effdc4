/**
 * Deterministic, realistic l7_flow_log traffic in ingest form (tags as strings), for tests and
 * benchmarks: 1k pods in 20 namespaces on 50 nodes, 200 services (5 pods each), 50k endpoints
 * (250 per service), 40 columns. Strings are built straight into Arrow buffers from pools, so
 * generating 10M rows costs little next to what is being measured.
 */
import { utf8FromCodes } from '../arrow-read.ts';
import { Dictionary, Field, Int32, makeData, makeVector, RecordBatch, Schema, Struct, TimestampMicrosecond, Uint16, Uint32, Uint64, Utf8, type Data, type DataType } from 'apache-arrow';

export interface Topology {
  pods: string[]; podNs: string[]; podNode: string[]; podService: string[]; podGroup: string[]; podProcess: string[];
  endpoints: string[];
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function topology(pods = 1000, services = 200, endpointsPerService = 250): Topology {
  const t: Topology = { pods: [], podNs: [], podNode: [], podService: [], podGroup: [], podProcess: [], endpoints: [] };
  for (let p = 0; p < pods; p++) {
    const svc = p % services;
    t.pods.push(`svc-${svc}-${(p / services) | 0}-7f9c${(p * 2654435761 >>> 0).toString(16).slice(0, 5)}`);
    t.podNs.push(`ns-${svc % 20}`);
    t.podNode.push(`node-${p % 50}`);
    t.podService.push(`svc-${svc}`);
    t.podGroup.push(`svc-${svc}-deploy`);
    t.podProcess.push(svc % 3 === 0 ? 'java' : svc % 3 === 1 ? 'node' : 'python3');
  }
  for (let s = 0; s < services; s++) for (let e = 0; e < endpointsPerService; e++) t.endpoints.push(`/api/v1/svc-${s}/resource-${e}`);
  return t;
}

const enc = new TextEncoder();

/** A Utf8 column from pool indices. */
function utf8(pool: Uint8Array[], idx: Int32Array, n: number): Data {
  return utf8FromCodes(pool, idx, n);
}

/** A dictionary-encoded column: the pool travels once per batch, rows carry indices. */
function dict(poolData: Data, idx: Int32Array, n: number, id: number): Data {
  const type = new Dictionary(new Utf8(), new Int32(), id);
  return makeData({ type, length: n, data: idx, dictionary: makeVector(poolData) } as never);
}

export interface GenerateOptions {
  rows: number;
  /** First row's time, µs. */
  startUs?: bigint;
  seed?: number;
  /** true: tags as dictionary-encoded strings (what the agent sends); false: plain Utf8. */
  dictionaries?: boolean;
  topo?: Topology;
}

const L7 = ['HTTP', 'HTTP', 'HTTP', 'gRPC', 'MySQL', 'Redis'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const STATUS = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'client_error', 'server_error'];
const CODES = [200, 200, 200, 200, 200, 200, 200, 200, 404, 503];

/** Generates `rows` rows as one RecordBatch in ingest form. Row i is a function of (seed, i). */
export function generateL7Batch(opts: GenerateOptions): RecordBatch {
  const n = opts.rows;
  const topo = opts.topo ?? topology();
  const rnd = mulberry32(opts.seed ?? 1);
  const start = opts.startUs ?? 1_700_000_000_000_000n;
  const server = new Int32Array(n), client = new Int32Array(n), ep = new Int32Array(n), l7 = new Int32Array(n), st = new Int32Array(n), method = new Int32Array(n);
  const time = new BigInt64Array(n), startT = new BigInt64Array(n), endT = new BigInt64Array(n);
  const dur = new Uint32Array(n), reqLen = new Uint32Array(n), respLen = new Uint32Array(n), cport = new Uint16Array(n), sport = new Uint16Array(n);
  const code = new Int32Array(n), reqId = new BigUint64Array(n), pid0 = new Uint32Array(n);
  const traceIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = (rnd() * topo.pods.length) | 0;
    server[i] = s;
    client[i] = (rnd() * topo.pods.length) | 0;
    const svc = s % (topo.endpoints.length / 250);
    ep[i] = svc * 250 + ((rnd() * 250) | 0);
    l7[i] = (rnd() * L7.length) | 0;
    st[i] = (rnd() * STATUS.length) | 0;
    method[i] = (rnd() * METHODS.length) | 0;
    time[i] = start + BigInt(i) * 1000n;
    const d = 50 + ((rnd() * rnd() * 200_000) | 0);
    dur[i] = d;
    startT[i] = time[i]!;
    endT[i] = time[i]! + BigInt(d);
    reqLen[i] = 100 + ((rnd() * 2000) | 0);
    respLen[i] = 200 + ((rnd() * 20000) | 0);
    cport[i] = 30000 + ((rnd() * 30000) | 0);
    sport[i] = l7[i] === 4 ? 3306 : l7[i] === 5 ? 6379 : 8080;
    code[i] = CODES[st[i]!]!;
    reqId[i] = BigInt(i);
    pid0[i] = 1000 + client[i]!;
    traceIdx[i] = i;
  }
  const useDict = opts.dictionaries ?? true;
  let dictId = 0;
  const tag = (pool: string[], of: Int32Array): Data => {
    const bytes = pool.map((x) => enc.encode(x));
    if (!useDict) return utf8(bytes, of, n);
    return dict(utf8(bytes, Int32Array.from(pool.keys()), pool.length), of, n, dictId++);
  };
  const map = (src: Int32Array, f: (i: number) => number) => { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = f(src[i]!); return o; };
  const uniq = (arr: string[]) => { const pool = [...new Set(arr)]; const at = new Map(pool.map((x, k) => [x, k])); return { pool, at: (p: number) => at.get(arr[p]!)! }; };
  const ns = uniq(topo.podNs), node = uniq(topo.podNode), svc = uniq(topo.podService), grp = uniq(topo.podGroup), proc = uniq(topo.podProcess);
  const ipPool = topo.pods.map((_, p) => `10.${(p >> 8) & 255}.${p & 255}.${(p * 7) & 255}`);
  const cols: Array<[string, Data]> = [
    ['time', makeData({ type: new TimestampMicrosecond(), length: n, data: time })],
    ['start_time', makeData({ type: new TimestampMicrosecond(), length: n, data: startT })],
    ['end_time', makeData({ type: new TimestampMicrosecond(), length: n, data: endT })],
    ['pod_0', tag(topo.pods, client)], ['pod_1', tag(topo.pods, server)],
    ['pod_ns_0', tag(ns.pool, map(client, ns.at))], ['pod_ns_1', tag(ns.pool, map(server, ns.at))],
    ['pod_node_0', tag(node.pool, map(client, node.at))], ['pod_node_1', tag(node.pool, map(server, node.at))],
    ['host_0', tag(node.pool, map(client, node.at))], ['host_1', tag(node.pool, map(server, node.at))],
    ['pod_service_1', tag(svc.pool, map(server, svc.at))], ['pod_group_1', tag(grp.pool, map(server, grp.at))],
    ['gprocess_0', tag(proc.pool, map(client, proc.at))], ['gprocess_1', tag(proc.pool, map(server, proc.at))],
    ['az_1', tag(['az-a', 'az-b', 'az-c'], map(server, (p) => p % 3))], ['region_1', tag(['region-1'], new Int32Array(n))],
    ['ip_0', utf8(ipPool.map((x) => enc.encode(x)), client, n)], ['ip_1', utf8(ipPool.map((x) => enc.encode(x)), server, n)],
    ['client_port', makeData({ type: new Uint16(), length: n, data: cport })],
    ['server_port', makeData({ type: new Uint16(), length: n, data: sport })],
    ['protocol', tag(['TCP'], new Int32Array(n))],
    ['l7_protocol', tag(L7, l7)],
    ['version', tag(['1.1'], new Int32Array(n))],
    ['type', tag(['session'], new Int32Array(n))],
    ['observation_point', tag(['s-p'], new Int32Array(n))],
    ['signal_source', tag(['eBPF'], new Int32Array(n))],
    ['request_type', tag(METHODS, method)],
    ['request_domain', tag(topo.podService, map(server, (p) => p))],
    ['request_resource', utf8(topo.endpoints.map((x) => enc.encode(x)), ep, n)],
    ['endpoint', utf8(topo.endpoints.map((x) => enc.encode(x)), ep, n)],
    ['request_id', makeData({ type: new Uint64(), length: n, data: reqId })],
    ['response_status', tag(STATUS, st)],
    ['response_code', makeData({ type: new Int32(), length: n, data: code })],
    ['response_exception', tag(['', '', '', '', '', '', '', '', 'Not Found', 'Service Unavailable'], st)],
    ['trace_id', utf8(Array.from({ length: 64 }, (_, k) => enc.encode(`4bf92f3577b34da6a3ce929d0e0e${(4736 + k).toString(16)}`)), map(traceIdx, (k) => k & 63), n)],
    ['process_id_0', makeData({ type: new Uint32(), length: n, data: pid0 })],
    ['response_duration', makeData({ type: new Uint32(), length: n, data: dur })],
    ['request_length', makeData({ type: new Uint32(), length: n, data: reqLen })],
    ['response_length', makeData({ type: new Uint32(), length: n, data: respLen })],
  ];
  const fields = cols.map(([name, d]) => new Field(name, d.type as DataType, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: cols.map(([, d]) => d) }));
}
