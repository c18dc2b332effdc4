/** The parts of Kubernetes API objects (core/v1) that tagging reads; the rest is ignored. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }>;
}

export interface K8sPod {
  metadata: ObjectMeta;
  spec: { nodeName?: string; hostNetwork?: boolean; containers?: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> };
  status: {
    phase?: string;
    podIP?: string;
    podIPs?: Array<{ ip: string }>;
    containerStatuses?: Array<{ name: string; containerID?: string }>;
    initContainerStatuses?: Array<{ name: string; containerID?: string }>;
  };
}

export interface K8sService {
  metadata: ObjectMeta;
  spec: { selector?: Record<string, string>; clusterIP?: string; clusterIPs?: string[]; type?: string };
}

export interface K8sNode {
  metadata: ObjectMeta;
  status: { addresses?: Array<{ type: string; address: string }> };
}

export interface K8sNamespace {
  metadata: ObjectMeta;
}
