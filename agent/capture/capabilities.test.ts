import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveCapabilities, missingBpfPrivileges, missingPacketPrivileges, CAP } from './capabilities.ts';
import { EbpfSource } from './ebpf.ts';
import type { KernelProbe, NativeAddon } from './native-addon.ts';

const bit = (n: number) => 1n << BigInt(n);

test('CapEff is parsed from /proc status text', () => {
  assert.equal(effectiveCapabilities('Name:\tnode\nCapEff:\t000001fffeffffff\n'), 0x1fffeffffffn);
  assert.equal(effectiveCapabilities('Name:\tnode\n'), 0n);
});

test('BPF needs CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON; AF_PACKET needs CAP_NET_RAW', () => {
  assert.equal(missingBpfPrivileges(bit(CAP.SYS_ADMIN)), undefined);
  assert.equal(missingBpfPrivileges(bit(CAP.BPF) | bit(CAP.PERFMON)), undefined);
  assert.match(missingBpfPrivileges(bit(CAP.BPF))!, /^missing CAP_PERFMON /);
  assert.match(missingBpfPrivileges(0n)!, /^missing CAP_BPF and CAP_PERFMON /);
  assert.equal(missingPacketPrivileges(bit(CAP.NET_RAW)), undefined);
  assert.match(missingPacketPrivileges(0n)!, /CAP_NET_RAW/);
});

test('a kernel refusing tracepoints is reported with its reason', async (t) => {
  if (missingBpfPrivileges()) {
    // CI runs as root: there the check must run.
    if (process.env.CI === 'true') assert.fail('CI must run with CAP_BPF (as root)');
    t.skip('privilege check comes first without CAP_BPF');
    return;
  }
  const refusing: KernelProbe = {
    tracefs: 'tracefs is not mounted and mounting it at /sys/kernel/tracing failed: Operation not permitted',
    tracepoint: 'unavailable: no tracefs', raw_tracepoint: 'ok', tp_btf: 'ok', kprobe: 'ok', fentry: 'ok', uprobe: 'ok', ringbuf: 'ok',
  };
  const addon = { probeKernel: () => refusing } as unknown as NativeAddon;
  await assert.rejects(new EbpfSource({ addon }).start(() => {}), {
    name: 'CaptureUnavailableError',
    message: 'ebpf capture unavailable: syscall tracepoints: unavailable: no tracefs; tracefs is not mounted and mounting it at /sys/kernel/tracing failed: Operation not permitted',
  });
});
