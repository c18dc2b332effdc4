// Child for privileges.test.ts: starts the named capture source under whatever privileges it
// was given and prints {started, attached} or {error, message} as one JSON line.
import { EbpfSource } from '../ebpf.ts';
import { AfPacketSource } from '../afpacket.ts';
import type { CaptureSource } from '../source.ts';

const name = process.argv[2];
const source: CaptureSource = name === 'ebpf' ? new EbpfSource({ sslBinaries: [] }) : new AfPacketSource({ assembler: { push() {} } });
try {
  await source.start(() => {});
  const attached = source instanceof EbpfSource ? source.attached.length : 0;
  await source.stop();
  console.log(JSON.stringify({ started: true, attached }));
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).name, message: (e as Error).message }));
}
