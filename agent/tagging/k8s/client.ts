/**
 * A read-only Kubernetes API client for what AutoTagging needs: list pods, services, nodes
 * and namespaces with the in-cluster service account (the token and CA the kubelet mounts at
 * /var/run/secrets/kubernetes.io/serviceaccount, the API server from
 * KUBERNETES_SERVICE_HOST/PORT). Lists, not watches: a refresh every few seconds is enough for
 * tagging and keeps no long-lived stream to recover.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import http from 'node:http';
import type { K8sNamespace, K8sNode, K8sPod, K8sService } from './types.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfig {
  /** https://10.96.0.1:443, or http://127.0.0.1:P for a test double. */
  baseUrl: string;
  token: string;
  /** PEM of the cluster CA; undefined trusts the system store. */
  ca?: string;
}

export class KubeApiError extends Error {
  constructor(readonly path: string, readonly status: number, detail: string) {
    super(`Kubernetes API ${path}: ${status ? `HTTP ${status} ` : ''}${detail}`);
    this.name = 'KubeApiError';
  }
}

/**
 * The in-cluster configuration, or a sentence saying why there is none (not in a cluster,
 * or a service account that is not mounted).
 */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeConfig | string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) return 'not in a Kubernetes cluster (KUBERNETES_SERVICE_HOST is not set)';
  const tokenFile = join(dir, 'token');
  if (!existsSync(tokenFile)) return `no service account token at ${tokenFile} (automountServiceAccountToken off?)`;
  const caFile = join(dir, 'ca.crt');
  const h = host.includes(':') ? `[${host}]` : host;
  return { baseUrl: `https://${h}:${port}`, token: readFileSync(tokenFile, 'utf8').trim(), ca: existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined };
}

interface List<T> { kind: string; items: T[] | null }

export class KubeClient {
  constructor(private readonly config: KubeConfig, private readonly timeoutMs = 10_000) {}

  pods(): Promise<K8sPod[]> { return this.list('/api/v1/pods'); }
  services(): Promise<K8sService[]> { return this.list('/api/v1/services'); }
  nodes(): Promise<K8sNode[]> { return this.list('/api/v1/nodes'); }
  namespaces(): Promise<K8sNamespace[]> { return this.list('/api/v1/namespaces'); }

  private async list<T>(path: string): Promise<T[]> {
    const body = await this.get(path);
    let parsed: List<T>;
    try { parsed = JSON.parse(body) as List<T>; } catch { throw new KubeApiError(path, 200, 'answer is not JSON'); }
    if (!parsed || typeof parsed !== 'object' || !('items' in parsed)) throw new KubeApiError(path, 200, `expected a list, got kind '${(parsed as { kind?: string })?.kind}'`);
    return parsed.items ?? [];
  }

  private get(path: string): Promise<string> {
    const url = new URL(path, this.config.baseUrl);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.get(url, {
        headers: { authorization: `Bearer ${this.config.token}`, accept: 'application/json' },
        ...(url.protocol === 'https:' && this.config.ca ? { ca: this.config.ca } : {}),
        timeout: this.timeoutMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else {
            let detail = text.slice(0, 200);
            try { detail = (JSON.parse(text) as { message?: string }).message ?? detail; } catch { /* not a Status object */ }
            reject(new KubeApiError(path, res.statusCode ?? 0, detail));
          }
        });
        res.on('error', (e) => reject(new KubeApiError(path, 0, e.message)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new KubeApiError(path, 0, e.message)));
    });
  }
}
