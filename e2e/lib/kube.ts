import { run, type RunResult } from './processes';

/**
 * The Kubernetes objects as `kubectl -o json` returns them: only the fields the checks read,
 * all optional where the API server may leave them out.
 */
export type Labels = Record<string, string>;
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
  readonly generation?: number;
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
}
export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
}
export interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
}
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}
export interface Container {
  readonly name: string;
  readonly ports?: readonly ContainerPort[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly { readonly secretRef?: { readonly name: string } }[];
}
export interface PodSpec {
  readonly nodeName?: string;
  readonly containers: readonly Container[];
  readonly topologySpreadConstraints?: readonly {
    readonly topologyKey: string;
    readonly maxSkew: number;
    readonly whenUnsatisfiable: string;
  }[];
}
export interface Pod extends KubeObject {
  readonly spec: PodSpec;
  readonly status: { readonly phase?: string; readonly podIP?: string; readonly conditions?: readonly Condition[] };
}
export interface Workload extends KubeObject {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly spec: { readonly replicas: number; readonly selector: LabelSelector; readonly template: { readonly spec: PodSpec } };
  readonly status: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly conditions?: readonly Condition[];
  };
}
export interface Node extends KubeObject {
  readonly status: { readonly conditions?: readonly Condition[] };
}
export interface Service extends KubeObject {
  readonly spec: {
    readonly type?: string;
    readonly clusterIP?: string;
    readonly externalTrafficPolicy?: string;
    readonly selector?: Labels;
    readonly ports?: readonly { readonly port: number; readonly targetPort?: number | string }[];
  };
  readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[] } };
}
export interface EndpointSlice extends KubeObject {
  readonly endpoints?: readonly { readonly conditions?: { readonly ready?: boolean } }[];
}
export interface Hpa extends KubeObject {
  readonly spec: { readonly maxReplicas: number; readonly scaleTargetRef: { readonly kind: string; readonly name: string } };
  readonly status?: { readonly conditions?: readonly Condition[] };
}
export interface Pdb extends KubeObject {
  readonly spec: { readonly selector: LabelSelector };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly expectedPods?: number;
    readonly currentHealthy?: number;
    readonly desiredHealthy?: number;
    readonly disruptionsAllowed?: number;
  };
}
export interface Event extends KubeObject {
  readonly message?: string;
  readonly involvedObject: { readonly kind: string; readonly name: string };
}
export interface Secret extends KubeObject {
  readonly data?: Record<string, string>;
}
export interface ResourceQuota extends KubeObject {
  readonly status?: { readonly used?: Record<string, string> };
}
export interface NetworkPolicy extends KubeObject {
  readonly spec: Record<string, unknown>;
}
export interface List<T> {
  readonly items: T[];
}

/** kubectl against one context, reading JSON: the same client the users of the stacks have. */
export class Kubectl {
  constructor(private readonly context: string) {}

  /** Runs kubectl; a non-zero exit rejects with kubectl's own message. */
  async exec(args: readonly string[], input?: string): Promise<string> {
    const result = await this.tryExec(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`);
    return result.stdout;
  }

  tryExec(args: readonly string[], input?: string): Promise<RunResult> {
    return run('kubectl', ['--context', this.context, '--request-timeout=30s', ...args], { timeoutSeconds: 120, input });
  }

  /** `kubectl get TYPE -o json` of a namespace (or every one, for namespace "*"), as a list. */
  async list<T extends KubeObject>(type: string, namespace?: string, selector?: string): Promise<T[]> {
    const scope = namespace === undefined ? [] : namespace === '*' ? ['-A'] : ['-n', namespace];
    const args = ['get', type, ...scope, ...(selector ? ['-l', selector] : []), '-o', 'json'];
    return (JSON.parse(await this.exec(args)) as List<T>).items;
  }

  /** One object, or undefined when it does not exist. */
  async get<T extends KubeObject>(type: string, name: string, namespace?: string): Promise<T | undefined> {
    const scope = namespace === undefined ? [] : ['-n', namespace];
    const out = await this.exec(['get', type, name, ...scope, '--ignore-not-found', '-o', 'json']);
    return out.trim() === '' ? undefined : (JSON.parse(out) as T);
  }
}

/** True when every matchLabels entry (and matchExpression) of the selector holds for the labels. */
export function selects(selector: LabelSelector | Labels, labels: Labels | undefined): boolean {
  const l = labels ?? {};
  const s: LabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector ? (selector as LabelSelector) : { matchLabels: selector as Labels };
  const byLabels = Object.entries(s.matchLabels ?? {}).every(([k, v]) => l[k] === v);
  const byExpressions = (s.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case 'In':
        return e.values?.includes(l[e.key]) ?? false;
      case 'NotIn':
        return !(e.values?.includes(l[e.key]) ?? false);
      case 'Exists':
        return e.key in l;
      case 'DoesNotExist':
        return !(e.key in l);
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

export function selectorArgument(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function condition(conditions: readonly Condition[] | undefined, type: string): string | undefined {
  return conditions?.find((c) => c.type === type)?.status;
}

export const isLive = (o: KubeObject): boolean => o.metadata.deletionTimestamp === undefined;
