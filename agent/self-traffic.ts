/**
 * The agent's own shipping traffic must not become rows: the server's side of those
 * connections is another process that eBPF sees, and every batch shipped would make more rows
 * to ship. Events on the server's address and port are dropped before parsing.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CaptureEvent } from './capture/source.ts';

export interface Endpoint { ips: Set<string>; port: number }

/** The server URL's addresses (every one its name resolves to) and port. */
export async function serverEndpoint(url: string): Promise<Endpoint> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let ips: string[];
  if (isIP(host)) ips = [host];
  else {
    try { ips = (await lookup(host, { all: true })).map((a) => a.address); } catch { ips = []; }
    if (host === 'localhost') ips.push('127.0.0.1', '::1');
  }
  const all = new Set<string>();
  for (const ip of ips) { all.add(ip); if (isIP(ip) === 4) all.add(`::ffff:${ip}`); }
  // A server bound to every address is reached on loopback by local clients.
  if (all.has('0.0.0.0') || all.has('::')) { all.add('127.0.0.1'); all.add('::1'); }
  return { ips: all, port };
}

/** Keeps the events that are not to or from the endpoint (in place, returns the array). */
export function dropEndpoint(events: CaptureEvent[], ep: Endpoint): CaptureEvent[] {
  let n = 0;
  for (const e of events) {
    const t = e.tuple;
    const hit = (t.dstPort === ep.port && ep.ips.has(t.dstIp)) || (t.srcPort === ep.port && ep.ips.has(t.srcIp));
    if (!hit) events[n++] = e;
  }
  events.length = n;
  return events;
}
