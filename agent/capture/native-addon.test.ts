import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon, missingToolchain } from './native-addon.ts';

test('an unbuilt addon is reported with what the toolchain lacks', (t) => {
  const path = process.env.PATH;
  t.after(() => { process.env.PATH = path; });
  process.env.PATH = '/nonexistent';
  const missing = missingToolchain();
  assert.ok(missing.includes('clang (clang)'), missing.join(', '));
  assert.throws(() => loadNativeAddon('ebpf', '/nonexistent/metaflow_native.node'), {
    name: 'CaptureUnavailableError',
    message: `ebpf capture unavailable: native addon not built and the toolchain lacks: ${missing.join(', ')}`,
  });
});

test('a file that is not an addon is reported as such', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-addon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bogus = join(dir, 'metaflow_native.node');
  writeFileSync(bogus, 'not an ELF file');
  assert.throws(() => loadNativeAddon('afpacket', bogus), {
    name: 'CaptureUnavailableError',
    message: /^afpacket capture unavailable: native addon at .* failed to load: .+ \(rebuild with `node scripts\/build-native.mjs --force`\)$/,
  });
});
