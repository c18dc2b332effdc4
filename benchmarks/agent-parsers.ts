/**
 * Parser throughput per protocol on one core: replays each recorded fixture's payload events
 * through (a) the protocol's parser alone and (b) the whole L7 pipeline (detection, parsing,
 * pairing, row building), repeatedly for a bounded time, and prints events per second.
 * Target from the design: ≥ 200k events/s for HTTP/1. Run: npx tsx benchmarks/agent-parsers.ts [ms-per-case]
 */
import { readPcapEvents } from '../agent/capture/pcap.ts';
import type { CaptureEvent, PayloadEvent } from '../agent/capture/source.ts';
import { L7Pipeline } from '../agent/l7-pipeline.ts';
import { PROTOCOLS } from '../agent/protocols/registry.ts';
import type { L7Message, L7Protocol } from '../agent/protocols/protocol.ts';
import { fixturePath } from '../agent/protocols/fixtures/replay.ts';

const budgetMs = Number(process.argv[2] ?? 700);
const CASES: [fixture: string, protocol: string][] = [
  ['http1', 'HTTP'], ['http2', 'HTTP2'], ['mysql', 'MySQL'], ['postgres', 'PostgreSQL'],
  ['redis', 'Redis'], ['kafka', 'Kafka'], ['dns', 'DNS'], ['dubbo', 'Dubbo'],
];

/** Runs `once` (which handles `n` events) repeatedly for the budget; returns events/s. */
function measure(n: number, once: () => void): number {
  // Warm up for a third of the budget so the JIT's optimised code is what gets measured.
  const warm = process.hrtime.bigint() + BigInt(Math.ceil(budgetMs / 3)) * 1_000_000n;
  while (process.hrtime.bigint() < warm) for (let i = 0; i < 20; i++) once();
  let rounds = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 20; i++) once();
    rounds += 20;
    now = process.hrtime.bigint();
  }
  return (rounds * n) / (Number(now - start) / 1e9);
}

function parserOnly(protocol: L7Protocol, payloads: PayloadEvent[]): () => void {
  const out: L7Message[] = [];
  return () => {
    const parsers = new Map<string, ReturnType<L7Protocol['createParser']>>();
    for (const e of payloads) {
      let p = parsers.get(e.connectionId);
      if (!p) { p = protocol.createParser(e.tuple.ipProtocol === 6 ? 'tcp' : 'udp'); parsers.set(e.connectionId, p); }
      out.length = 0;
      p.feed(e.data, { fromClient: e.direction === 'egress', timestampNs: e.timestampNs, tcpSeq: e.tcpSeq, byteCount: e.byteCount }, out);
    }
  };
}

function pipeline(events: CaptureEvent[]): () => void {
  return () => {
    const pl = new L7Pipeline({ signalSource: 'Packet' });
    pl.process(events);
    pl.flush();
  };
}

const fmt = (n: number): string => `${(n / 1000).toFixed(0)}k/s`.padStart(10);
console.log(`node ${process.version}, ${budgetMs} ms per case, one core`);
console.log(`${'protocol'.padEnd(12)}${'payloads'.padStart(9)}${'parser'.padStart(10)}${'pipeline'.padStart(10)}`);
for (const [fixture, name] of CASES) {
  const events = await readPcapEvents(fixturePath(fixture));
  const payloads = events.filter((e): e is PayloadEvent => e.kind === 'payload');
  const protocol = PROTOCOLS.find((p) => p.name === name)!;
  const parser = measure(payloads.length, parserOnly(protocol, payloads));
  const full = measure(payloads.length, pipeline(events));
  console.log(`${name.padEnd(12)}${String(payloads.length).padStart(9)}${fmt(parser)}${fmt(full)}`);
}
