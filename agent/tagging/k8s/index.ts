/**
 * Lists of pods, services, nodes and namespaces → lookups by pod IP, container id, service
 * cluster IP and node IP, and the resource records (with labels) for /v1/ingest/resources.
 * Rules as the kubelet and controllers define them:
 * - a pod belongs to a service when the service's selector matches its labels (same namespace);
 * - its workload (pod_group) is its controller: a ReplicaSet made by a Deployment is named
 *   `<deployment>-<pod-template-hash>`, so the Deployment's name is the ReplicaSet's minus the
 *   hash label's value; StatefulSets, DaemonSets, Jobs own their pods directly;
 * - hostNetwork pods share their node's IP, so an IP lookup never picks one of them.
 */
import type { ResourceRecord } from '../../ship/sender.ts';
import type { ResourceTags } from '../resource-tags.ts';
import type { K8sNamespace, K8sNode, K8sPod, K8sService } from './types.ts';

export interface K8sLists { pods: K8sPod[]; services: K8sService[]; nodes: K8sNode[]; namespaces: K8sNamespace[] }

export interface K8sIndex {
  byPodIp: Map<string, ResourceTags>;
  byContainerId: Map<string, ResourceTags>;
  byServiceIp: Map<string, ResourceTags>;
  byNodeIp: Map<string, ResourceTags>;
  resources: ResourceRecord[];
}

/** `containerd://<id>`, `docker://<id>`, `cri-o://<id>` → id. */
export function containerIdOf(containerID: string | undefined): string | undefined {
  if (!containerID) return undefined;
  const i = containerID.indexOf('://');
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

/** The workload owning a pod: [kind, name], or undefined for a bare pod. */
export function workloadOf(pod: K8sPod): string | undefined {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
  return owner.name;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function withCustom(rec: ResourceRecord, meta: { labels?: Record<string, string>; annotations?: Record<string, string> }): ResourceRecord {
  if (meta.labels && Object.keys(meta.labels).length) rec.labels = meta.labels;
  if (meta.annotations && Object.keys(meta.annotations).length) rec.annotations = meta.annotations;
  return rec;
}

export function buildIndex(cluster: string, lists: K8sLists): K8sIndex {
  const index: K8sIndex = { byPodIp: new Map(), byContainerId: new Map(), byServiceIp: new Map(), byNodeIp: new Map(), resources: [] };
  const res = index.resources;
  res.push({ type: 'pod_cluster', name: cluster });
  for (const ns of lists.namespaces) res.push(withCustom({ type: 'pod_ns', name: ns.metadata.name, cluster }, ns.metadata));
  for (const node of lists.nodes) {
    res.push(withCustom({ type: 'pod_node', name: node.metadata.name, cluster }, node.metadata));
    for (const a of node.status.addresses ?? []) {
      if (a.type === 'InternalIP' || a.type === 'ExternalIP') index.byNodeIp.set(a.address, { pod_cluster: cluster, pod_node: node.metadata.name, host: node.metadata.name });
    }
  }
  for (const svc of lists.services) {
    const ns = svc.metadata.namespace ?? 'default';
    res.push(withCustom({ type: 'pod_service', name: svc.metadata.name, namespace: ns, cluster }, svc.metadata));
    for (const ip of svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : [])) {
      if (ip && ip !== 'None') index.byServiceIp.set(ip, { pod_cluster: cluster, pod_ns: ns, pod_service: svc.metadata.name });
    }
  }
  const groups = new Set<string>();
  for (const pod of lists.pods) {
    const ns = pod.metadata.namespace ?? 'default';
    const service = lists.services.find((s) => (s.metadata.namespace ?? 'default') === ns && selects(s.spec.selector, pod.metadata.labels));
    const group = workloadOf(pod);
    const tags: ResourceTags = {
      pod_cluster: cluster, pod_ns: ns, pod: pod.metadata.name,
      ...(pod.spec.nodeName ? { pod_node: pod.spec.nodeName, host: pod.spec.nodeName } : {}),
      ...(group ? { pod_group: group } : {}),
      ...(service ? { pod_service: service.metadata.name } : {}),
    };
    res.push(withCustom({ type: 'pod', name: pod.metadata.name, namespace: ns, cluster }, pod.metadata));
    if (group && !groups.has(`${ns}/${group}`)) {
      groups.add(`${ns}/${group}`);
      res.push(withCustom({ type: 'pod_group', name: group, namespace: ns, cluster }, { labels: pod.metadata.labels && Object.fromEntries(Object.entries(pod.metadata.labels).filter(([k]) => k !== 'pod-template-hash' && k !== 'controller-revision-hash')) }));
    }
    for (const c of [...(pod.status.containerStatuses ?? []), ...(pod.status.initContainerStatuses ?? [])]) {
      const id = containerIdOf(c.containerID);
      if (id) index.byContainerId.set(id, tags);
    }
    if (pod.spec.hostNetwork) continue;
    for (const ip of pod.status.podIPs?.map((p) => p.ip) ?? (pod.status.podIP ? [pod.status.podIP] : [])) index.byPodIp.set(ip, tags);
  }
  return index;
}
