/**
 * Resource types and how their names are scoped. Two pods called `web-0` in different
 * namespaces are different resources, so a resource's dictionary key is its name inside its
 * scope (cluster, namespace, host), taken from the same row or from the resource record.
 */
import type { ResourceType } from './types.ts';

export interface ResourceDef {
  type: ResourceType;
  description: string;
  /** Resource types whose names scope this one, outermost first. */
  scope: ResourceType[];
  /** Custom tag prefixes that hang off this resource (k8s.label.<key> ...). */
  customTags: string[];
  /** Only in prometheus.samples; not a host/K8s resource. */
  internal?: boolean;
}

const K8S_CUSTOM = ['k8s.label', 'k8s.annotation', 'k8s.env'];

export const RESOURCES: Record<ResourceType, ResourceDef> = {
  region: { type: 'region', description: 'Cloud region', scope: [], customTags: ['cloud.tag'] },
  az: { type: 'az', description: 'Availability zone', scope: [], customTags: ['cloud.tag'] },
  host: { type: 'host', description: 'Host (VM or bare metal) running the process', scope: [], customTags: ['cloud.tag'] },
  gprocess: { type: 'gprocess', description: 'Process, unique across hosts', scope: ['host'], customTags: [] },
  pod_cluster: { type: 'pod_cluster', description: 'Kubernetes cluster', scope: [], customTags: [] },
  pod_node: { type: 'pod_node', description: 'Kubernetes node', scope: ['pod_cluster'], customTags: K8S_CUSTOM },
  pod_ns: { type: 'pod_ns', description: 'Kubernetes namespace', scope: ['pod_cluster'], customTags: K8S_CUSTOM },
  pod_group: { type: 'pod_group', description: 'Workload owning the pod (Deployment, StatefulSet, ...)', scope: ['pod_cluster', 'pod_ns'], customTags: K8S_CUSTOM },
  pod: { type: 'pod', description: 'Kubernetes pod', scope: ['pod_cluster', 'pod_ns'], customTags: K8S_CUSTOM },
  pod_service: { type: 'pod_service', description: 'Kubernetes service', scope: ['pod_cluster', 'pod_ns'], customTags: K8S_CUSTOM },
  prometheus_metric: { type: 'prometheus_metric', description: 'Prometheus metric name', scope: [], customTags: [], internal: true },
  prometheus_series: { type: 'prometheus_series', description: 'Prometheus label set; labels hang off the entry', scope: [], customTags: ['label'], internal: true },
};

/** The resource tags every flow table carries, in the order columns are laid out. */
export const FLOW_RESOURCES: ResourceType[] = [
  'region', 'az', 'host', 'gprocess', 'pod_cluster', 'pod_node', 'pod_ns', 'pod_group', 'pod', 'pod_service',
];

/** Custom tags resolve through the most specific resource that carries them. */
export const CUSTOM_TAG_OWNERS: ResourceType[] = ['pod', 'pod_service', 'pod_group', 'pod_ns', 'pod_node', 'host', 'az', 'region'];

/** Escapes one key part so `/` can separate parts unambiguously. */
function keyPart(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\//g, '\\/');
}

/**
 * The dictionary key of a name inside its scope: `cluster/ns/name`, each part escaped.
 * Readable in the store, and free of control characters that some stores reject.
 */
export function scopedKey(scopeNames: Array<string | null | undefined>, name: string): string {
  return scopeNames.length === 0 ? name : [...scopeNames.map((s) => s ?? ''), name].map(keyPart).join('/');
}

/**
 * A resource record as sent to `POST /v1/ingest/resources` (part of the ingest wire format):
 * labels/annotations/env become custom tags `k8s.label.<k>`, `k8s.annotation.<k>`, `k8s.env.<k>`
 * on the resource's dictionary entry, never on rows.
 */
export interface ResourceRecord {
  type: ResourceType;
  name: string;
  namespace?: string;
  cluster?: string;
  host?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  env?: Record<string, string>;
}
