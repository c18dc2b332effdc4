/** Prints a capture file's events, one line each: `tsx agent/tools/dump-events.ts FILE`. */
import { readPcapEvents } from '../capture/pcap.ts';
for (const e of await readPcapEvents(process.argv[2]!)) {
  if (e.kind === 'payload') console.log(e.connectionId, e.direction, e.byteCount, e.tcpSeq, JSON.stringify(Buffer.from(e.data.subarray(0, 40)).toString('latin1')));
  else console.log(e.connectionId, e.kind);
}
