/** Prints the l7_flow_log rows a capture file yields: `tsx agent/tools/pcap-to-rows.ts FILE [timeoutMs]`. */
import { readPcapEvents } from '../capture/pcap.ts';
import { L7Pipeline } from '../l7-pipeline.ts';

const [file, timeout] = process.argv.slice(2);
if (!file) { console.error('usage: pcap-to-rows FILE [timeoutMs]'); process.exit(2); }
const pipeline = new L7Pipeline({ signalSource: 'Packet', timeoutMs: timeout ? Number(timeout) : undefined });
const rows = [...pipeline.process(await readPcapEvents(file)), ...pipeline.flush()];
for (const r of rows) {
  console.log([r.l7_protocol, r.version, r.request_type, r.request_domain, r.request_resource.slice(0, 60), r.endpoint, r.request_id,
    r.response_status, r.response_code, r.response_exception.slice(0, 50), r.response_result.slice(0, 40), r.response_duration, r.request_length, r.response_length, r.trace_id && 'trace', r.x_request_id_0, r.x_request_id_1].join(' | '));
}
console.error(`${rows.length} rows`, pipeline.counters);
