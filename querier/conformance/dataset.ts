/**
 * Deterministic request-log rows for the SQL conformance suite, as names (the ingest wire
 * form and what a plain PostgreSQL table holds). Same seed, same rows, on every run.
 */
import { mulberry32 } from '../../lib/testing/l7-data.ts';

export interface L7Row {
  time: number; // µs
  pod_0: string | null; pod_ns_0: string | null;
  pod_1: string | null; pod_ns_1: string | null;
  l7_protocol: string; request_type: string | null; endpoint: string | null;
  response_code: number | null; response_status: string;
  response_duration: number; request_length: number; server_port: number;
}

export interface PodRecord { name: string; namespace: string; app: string | null }


export const BASE_TIME_US = Date.UTC(2024, 0, 15, 10, 0, 0) * 1000;

export const PODS: PodRecord[] = [
  { name: 'web-0', namespace: 'shop', app: 'web' },
  { name: 'web-1', namespace: 'shop', app: 'web' },
  { name: 'cart-0', namespace: 'shop', app: 'cart' },
  { name: 'db-0', namespace: 'data', app: 'postgres' },
  { name: 'cache-0', namespace: 'data', app: 'redis' },
  { name: 'batch-7', namespace: 'jobs', app: null },
];

export function generateL7Rows(count = 400, seed = 42): L7Row[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const rows: L7Row[] = [];
  for (let i = 0; i < count; i++) {
    const client = r() < 0.1 ? null : pick(PODS);
    const server = r() < 0.05 ? null : pick(PODS);
    const protocol = pick(['HTTP', 'HTTP', 'HTTP', 'gRPC', 'MySQL', 'Redis']);
    const status = r() < 0.8 ? 'ok' : pick(['client_error', 'server_error', 'timeout']);
    rows.push({
      time: BASE_TIME_US + Math.floor(i * 9_000 + r() * 8_000) * 1000,
      pod_0: client?.name ?? null, pod_ns_0: client?.namespace ?? null,
      pod_1: server?.name ?? null, pod_ns_1: server?.namespace ?? null,
      l7_protocol: protocol,
      request_type: protocol === 'HTTP' ? pick(['GET', 'GET', 'POST', 'PUT']) : protocol === 'MySQL' ? pick(['SELECT', 'UPDATE']) : r() < 0.2 ? null : pick(['GET', 'SET']),
      endpoint: r() < 0.05 ? null : pick(['/api/cart', '/api/items', '/health', '/api/checkout', '/Api/Login']),
      response_code: status === 'timeout' ? null : status === 'ok' ? 200 : status === 'client_error' ? pick([400, 404]) : 500,
      response_status: status,
      response_duration: r() < 0.1 ? 0 : Math.floor(r() * r() * 500_000),
      request_length: Math.floor(r() * 4000),
      server_port: pick([80, 443, 3306, 6379, 8080]),
    });
  }
  return rows;
}
