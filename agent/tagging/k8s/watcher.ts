/**
 * Keeps a K8sIndex fresh: lists everything every `refreshMs` and hands the resource records
 * on when they changed. A failed refresh keeps the last good index (tags go stale for a
 * while rather than vanish) and is logged once per distinct error.
 */
import type { Logger } from '../../../lib/log.ts';
import type { ResourceRecord } from '../../ship/sender.ts';
import { KubeClient, type KubeConfig } from './client.ts';
import { buildIndex, type K8sIndex } from './index.ts';

export interface K8sWatcherOptions {
  config: KubeConfig;
  cluster: string;
  refreshMs?: number;
  onResources?: (records: ResourceRecord[]) => void;
  log?: Logger;
}

export class K8sWatcher {
  index: K8sIndex | undefined;
  lastError = '';
  refreshes = 0;
  private readonly client: KubeClient;
  private timer: NodeJS.Timeout | undefined;
  private lastResources = '';

  constructor(private readonly options: K8sWatcherOptions) {
    this.client = new KubeClient(options.config);
  }

  /** Lists once; throws KubeApiError when the API server cannot be read. */
  async refresh(): Promise<K8sIndex> {
    const [pods, services, nodes, namespaces] = await Promise.all([this.client.pods(), this.client.services(), this.client.nodes(), this.client.namespaces()]);
    const index = buildIndex(this.options.cluster, { pods, services, nodes, namespaces });
    this.index = index;
    this.refreshes++;
    const text = JSON.stringify(index.resources);
    if (text !== this.lastResources) { this.lastResources = text; this.options.onResources?.(index.resources); }
    return index;
  }

  /**
   * Periodic refreshes in the background, and a first one whose error goes to the caller
   * (the timer keeps trying, so an API server that comes up later is picked up).
   */
  async start(): Promise<void> {
    this.timer = setInterval(() => {
      this.refresh().then(() => { this.lastError = ''; }, (e: Error) => {
        if (e.message !== this.lastError) this.options.log?.warn({ error: e.message }, 'Kubernetes refresh failed; keeping the last tags');
        this.lastError = e.message;
      });
    }, this.options.refreshMs ?? 10_000);
    this.timer.unref();
    await this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
