/**
 * Linux capabilities of this process, read from /proc/self/status (CapEff), so a capture source
 * can say which privilege is missing instead of failing deep inside the kernel.
 */
import { readFileSync } from 'node:fs';

/** Capability numbers from linux/capability.h. */
export const CAP = {
  DAC_READ_SEARCH: 2,
  NET_RAW: 13,
  SYS_ADMIN: 21,
  PERFMON: 38,
  BPF: 39,
} as const;

export type CapabilityName = keyof typeof CAP;

/** The effective capability set as a bit mask; 0n when /proc is unreadable. */
export function effectiveCapabilities(status?: string): bigint {
  let text = status;
  if (text === undefined) {
    try { text = readFileSync('/proc/self/status', 'utf8'); } catch { return 0n; }
  }
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

export function hasCapability(mask: bigint, cap: CapabilityName): boolean {
  return (mask >> BigInt(CAP[cap])) & 1n ? true : false;
}

/**
 * Why this process may not load and attach tracing BPF programs, or undefined when it may.
 * CAP_SYS_ADMIN covers everything (and kernels before 5.8 know nothing else); otherwise
 * CAP_BPF + CAP_PERFMON are needed.
 */
export function missingBpfPrivileges(mask: bigint = effectiveCapabilities()): string | undefined {
  if (hasCapability(mask, 'SYS_ADMIN')) return undefined;
  const lacking = (['BPF', 'PERFMON'] as const).filter((c) => !hasCapability(mask, c));
  if (lacking.length === 0) return undefined;
  return `missing ${lacking.map((c) => `CAP_${c}`).join(' and ')} (run as root, or grant CAP_BPF,CAP_PERFMON` +
    `,CAP_DAC_READ_SEARCH, e.g. setcap or a container securityContext)`;
}

/** Why this process may not open an AF_PACKET socket, or undefined when it may. */
export function missingPacketPrivileges(mask: bigint = effectiveCapabilities()): string | undefined {
  return hasCapability(mask, 'NET_RAW') ? undefined : 'missing CAP_NET_RAW (run as root or grant CAP_NET_RAW)';
}
