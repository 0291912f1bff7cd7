import { createHash } from 'node:crypto';
import { isLive, type Kubectl, type KubeObject, type Labels, type Pod, type Service } from './kube';
import type { RelabelConfig, ScrapeJob } from './prometheus-operator';

/**
 * Which live pods a generated scrape job would scrape. Prometheus' Kubernetes service discovery
 * is given the labels it documents for the pod, endpoints and endpointslice roles (the ones the
 * operator's relabelings read), taken from the live pods, Services and EndpointSlices; then the
 * job's relabel_configs run as Prometheus runs them. A relabel action this does not know fails
 * the check instead of being skipped.
 */

/** One discovered target that survived relabelling. */
export interface Target {
  readonly pod: string;
  readonly port: number;
  readonly portName: string;
}

interface EndpointSlice extends KubeObject {
  readonly ports?: readonly { readonly name?: string; readonly port?: number; readonly protocol?: string }[];
  readonly endpoints?: readonly { readonly conditions?: { readonly ready?: boolean }; readonly targetRef?: { readonly kind: string; readonly name: string } }[];
}

/** What the discovery reads, from one namespace. */
export interface Discovered {
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  readonly slices: readonly EndpointSlice[];
}

export async function discover(k: Kubectl, namespace: string): Promise<Discovered> {
  return {
    pods: (await k.list<Pod>('pods', namespace)).filter(isLive),
    services: await k.list<Service>('services', namespace),
    slices: await k.list<EndpointSlice>('endpointslices.discovery.k8s.io', namespace),
  };
}

const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

function objectLabels(prefix: string, labels: Labels | undefined): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    out[`${prefix}_label_${sanitize(k)}`] = v;
    out[`${prefix}_labelpresent_${sanitize(k)}`] = 'true';
  }
  return out;
}

function podLabels(pod: Pod): Labels {
  return {
    __meta_kubernetes_namespace: pod.metadata.namespace ?? '',
    __meta_kubernetes_pod_name: pod.metadata.name,
    __meta_kubernetes_pod_phase: pod.status.phase ?? '',
    __meta_kubernetes_pod_ready: pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'true' : 'false',
    __meta_kubernetes_pod_node_name: pod.spec.nodeName ?? '',
    ...objectLabels('__meta_kubernetes_pod', pod.metadata.labels),
  };
}

function containerPortLabels(container: Pod['spec']['containers'][number], port: { containerPort: number; name?: string; protocol?: string }): Labels {
  return {
    __meta_kubernetes_pod_container_name: container.name,
    __meta_kubernetes_pod_container_init: 'false',
    __meta_kubernetes_pod_container_port_name: port.name ?? '',
    __meta_kubernetes_pod_container_port_number: String(port.containerPort),
    __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
  };
}

interface Candidate {
  readonly labels: Labels;
  readonly target: Target;
}

/** Role pod: one target per container port of every pod. */
function podCandidates(d: Discovered): Candidate[] {
  return d.pods.flatMap((pod) =>
    pod.spec.containers.flatMap((c) =>
      (c.ports ?? []).map((p) => ({
        labels: { ...podLabels(pod), ...containerPortLabels(c, p), __address__: `${pod.status.podIP ?? ''}:${p.containerPort}` },
        target: { pod: pod.metadata.name, port: p.containerPort, portName: p.name ?? '' },
      })),
    ),
  );
}

/**
 * Roles endpoints and endpointslice: one target per endpoint and port of each Service's slices,
 * with the Service's and the target pod's labels. Both roles' label names are set: a job's
 * relabelings read only its own role's.
 */
function endpointCandidates(d: Discovered): Candidate[] {
  return d.slices.flatMap((slice) => {
    const serviceName = slice.metadata.labels?.['kubernetes.io/service-name'];
    const service = d.services.find((s) => s.metadata.name === serviceName);
    if (service === undefined) return [];
    return (slice.endpoints ?? []).flatMap((e) => {
      const pod = e.targetRef?.kind === 'Pod' ? d.pods.find((p) => p.metadata.name === e.targetRef?.name) : undefined;
      if (pod === undefined) return [];
      const ready = String(e.conditions?.ready ?? false);
      return (slice.ports ?? []).map((port) => {
        const container = pod.spec.containers.find((c) => (c.ports ?? []).some((p) => p.containerPort === port.port));
        const containerPort = container?.ports?.find((p) => p.containerPort === port.port);
        const labels: Labels = {
          ...podLabels(pod),
          ...(container && containerPort ? containerPortLabels(container, containerPort) : {}),
          ...objectLabels('__meta_kubernetes_service', service.metadata.labels),
          __meta_kubernetes_service_name: service.metadata.name,
          __meta_kubernetes_endpoints_name: service.metadata.name,
          __meta_kubernetes_endpoint_port_name: port.name ?? '',
          __meta_kubernetes_endpoint_port_protocol: port.protocol ?? 'TCP',
          __meta_kubernetes_endpoint_ready: ready,
          __meta_kubernetes_endpoint_address_target_kind: 'Pod',
          __meta_kubernetes_endpoint_address_target_name: pod.metadata.name,
          __meta_kubernetes_endpointslice_name: slice.metadata.name,
          __meta_kubernetes_endpointslice_port_name: port.name ?? '',
          __meta_kubernetes_endpointslice_port: String(port.port ?? ''),
          __meta_kubernetes_endpointslice_port_protocol: port.protocol ?? 'TCP',
          __meta_kubernetes_endpointslice_endpoint_conditions_ready: ready,
          __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
          __meta_kubernetes_endpointslice_address_target_name: pod.metadata.name,
          __address__: `${pod.status.podIP ?? ''}:${port.port ?? ''}`,
        };
        return { labels, target: { pod: pod.metadata.name, port: port.port ?? 0, portName: containerPort?.name ?? '' } };
      });
    });
  });
}

/** `$1`, `${1}` and `$name` in a replacement, as Go's regexp.Expand fills them. */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced: string | undefined, bare: string | undefined) => {
    const ref = braced ?? bare ?? '';
    return /^\d+$/.test(ref) ? (match[Number(ref)] ?? '') : (match.groups?.[ref] ?? '');
  });
}

/** Applies one job's relabel_configs; undefined when the target is dropped. */
export function relabel(labels: Labels, configs: readonly RelabelConfig[]): Labels | undefined {
  const l: Labels = { ...labels };
  for (const c of configs) {
    const value = (c.source_labels ?? []).map((s) => l[s] ?? '').join(c.separator ?? ';');
    const regex = new RegExp(`^(?:${String(c.regex ?? '(.*)')})$`);
    // Filled-in placeholders ($(SHARD) → 0) parse as YAML numbers; Prometheus reads them as strings.
    const replacement = String(c.replacement ?? '$1');
    const action = c.action ?? 'replace';
    switch (action) {
      case 'keep':
        if (!regex.test(value)) return undefined;
        break;
      case 'drop':
        if (regex.test(value)) return undefined;
        break;
      case 'replace': {
        const m = regex.exec(value);
        if (m === null || c.target_label === undefined) break;
        const target = expand(c.target_label, m);
        const result = expand(replacement, m);
        if (result === '') delete l[target];
        else l[target] = result;
        break;
      }
      case 'hashmod': {
        // Prometheus: the last 8 bytes of the MD5 sum, big-endian, modulo `modulus`.
        const sum = createHash('md5').update(value).digest();
        if (c.target_label !== undefined) l[c.target_label] = String(sum.readBigUInt64BE(8) % BigInt(c.modulus ?? 1));
        break;
      }
      case 'labelmap':
        for (const [name, v] of Object.entries(l)) {
          const m = regex.exec(name);
          if (m !== null) l[expand(replacement, m)] = v;
        }
        break;
      default:
        throw new Error(`relabel action ${action} is not evaluated here`);
    }
  }
  return l;
}

/** The targets a job keeps among what its service discovery finds in its namespaces. */
export function jobTargets(job: ScrapeJob, byNamespace: ReadonlyMap<string, Discovered>): Target[] {
  return (job.kubernetes_sd_configs ?? []).flatMap((sd) => {
    const namespaces = sd.namespaces?.names ?? [...byNamespace.keys()];
    return namespaces.flatMap((ns) => {
      const d = byNamespace.get(ns);
      if (d === undefined) return [];
      const candidates = sd.role === 'pod' ? podCandidates(d) : sd.role === 'endpoints' || sd.role === 'endpointslice' ? endpointCandidates(d) : [];
      return candidates.filter((c) => relabel(c.labels, job.relabel_configs ?? []) !== undefined).map((c) => c.target);
    });
  });
}
