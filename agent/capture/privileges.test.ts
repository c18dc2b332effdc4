// Capture sources under reduced privileges (real processes run through setpriv): a clear
// reason without them, and eBPF capture as a non-root user holding only CAP_BPF, CAP_PERFMON
// and CAP_DAC_READ_SEARCH.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeUnavailableReason, requireNative } from './testing/native-env.ts';
import { loadNativeAddon } from './native-addon.ts';

const script = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'start-source.ts');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function startAs(setpriv: string[], source: string): Record<string, unknown> {
  const out = execFileSync('setpriv', [...setpriv, process.execPath, '--import', 'tsx', script, source],
    { encoding: 'utf8', timeout: 60_000, cwd: join(dirname(script), '..', '..', '..') });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('capture privileges', { skip: nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false }, () => {
  test('without capabilities each source says which one is missing', (t) => {
    if (!requireNative(t)) return;
    const none = [...NOBODY, '--inh-caps=-all'];
    assert.deepEqual(startAs(none, 'ebpf'), {
      error: 'CaptureUnavailableError',
      message: 'ebpf capture unavailable: missing CAP_BPF and CAP_PERFMON (run as root, or grant CAP_BPF,CAP_PERFMON,CAP_DAC_READ_SEARCH, e.g. setcap or a container securityContext)',
    });
    assert.deepEqual(startAs(none, 'afpacket'), {
      error: 'CaptureUnavailableError',
      message: 'afpacket capture unavailable: missing CAP_NET_RAW (run as root or grant CAP_NET_RAW)',
    });
  });

  test('a non-root user with CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH can trace', (t) => {
    if (!requireNative(t)) return;
    // Mounting tracefs needs CAP_SYS_ADMIN: done here, as root, as an installer would.
    assert.match(loadNativeAddon('ebpf').probeKernel().tracefs, /^tracefs (present|was not mounted; mounted)/);
    const caps = '+bpf,+perfmon,+dac_read_search';
    const r = startAs([...NOBODY, `--inh-caps=${caps}`, `--ambient-caps=${caps}`], 'ebpf');
    assert.equal(r.started, true, JSON.stringify(r));
    assert.equal(r.attached, 29, '27 syscall tracepoints and the 2 raw ones of fork following');
  });
});
