/**
 * Test double of the Kubernetes API server: serves the recorded list responses in fixtures/
 * for /api/v1/{pods,services,nodes,namespaces}, checks the bearer token like the real one
 * (401 Status otherwise), and can be told to refuse pods with the recorded 403 Status.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

const LISTS: Record<string, string> = { '/api/v1/pods': 'pods.json', '/api/v1/services': 'services.json', '/api/v1/nodes': 'nodes.json', '/api/v1/namespaces': 'namespaces.json' };

export interface FakeKubeApi {
  base: string;
  token: string;
  /** `METHOD path authorization` of every request, in order. */
  requests: string[];
  forbidPods: boolean;
  close(): Promise<void>;
}

export async function startFakeKubeApi(token = 'sa-token-123'): Promise<FakeKubeApi> {
  const api: FakeKubeApi = { base: '', token, requests: [], forbidPods: false, close: async () => {} };
  const server = http.createServer((req, res) => {
    api.requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const send = (code: number, body: string) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(body); };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
    if (req.url === '/api/v1/pods' && api.forbidPods) return send(403, fixture('status-forbidden.json'));
    const f = LISTS[req.url ?? ''];
    if (!f) return send(404, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 }));
    send(200, fixture(f));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  api.close = () => new Promise((r) => server.close(() => r()));
  return api;
}
