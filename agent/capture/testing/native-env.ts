/**
 * Test helpers for the native capture sources: decide whether this host can run them (root,
 * toolchain, addon built on demand), run traffic in child processes, wait for events.
 * Outside CI a missing prerequisite skips with the reason; with CI=true it fails.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingToolchain } from '../native-addon.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
export const TRAFFIC_SCRIPT = join(here, 'traffic.mjs');

let verdict: string | null | undefined;

/** Why native capture cannot be tested here, or null; builds the addon when it is stale. */
export function nativeUnavailableReason(): string | null {
  if (verdict !== undefined) return verdict;
  if (process.geteuid?.() !== 0) return (verdict = 'native capture tests need root');
  const missing = missingToolchain();
  if (missing.length > 0) return (verdict = `eBPF toolchain missing: ${missing.join(', ')}`);
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) return (verdict = `building the native addon failed: ${r.stderr}${r.stdout}`);
  return (verdict = null);
}

/** True when the test may go on; otherwise skips (or fails under CI=true) with the reason. */
export function requireNative(t: TestContext): boolean {
  const reason = nativeUnavailableReason();
  if (reason === null) return true;
  if (process.env.CI === 'true') assert.fail(reason);
  t.skip(reason);
  return false;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Next JSON line printed by the child. */
  next(): Promise<Record<string, unknown>>;
  /** Resolves once the child has exited (also when it already has). */
  exited(): Promise<void>;
  kill(): void;
}

/** Runs testing/traffic.mjs in `mode`; its pid is known before it makes any traffic. */
export function runTraffic(...args: string[]): Child {
  return runPeer(TRAFFIC_SCRIPT, ...args);
}

/** Runs a peer script (plain node, JSON lines on stdout, "go" on stdin where it waits). */
export function runPeer(script: string, ...args: string[]): Child {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return {
    proc,
    pid: proc.pid!,
    async next() {
      const r = await lines.next();
      if (r.done) throw new Error(`${script} (${args.join(' ')}) exited without output`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
    exited: () => (proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, 'exit').then(() => undefined)),
    kill() { if (proc.exitCode === null) proc.kill(); },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
