/**
 * The workload policy: what kube-score and the Pod Security Standards "restricted" profile
 * check, applied to the Terraform resources of a stack before anything is written. A violation
 * is an error naming the construct path; a documented opt-out turns it into a listed warning.
 */
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { StatefulSetV1 } from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import type { IAspect, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';
import { isUnpinned } from '../constructs/core/image';
import { selects } from '../constructs/core/labels';
import { valueAt as get } from '../constructs/core/object-path';
import { MIN_REASON_LENGTH } from '../constructs/core/validation';
import { acceptedCriticalsMarkdown } from './kube-score-accepted';
import { checkQuotas } from './quota-check';

/** The checks, each with what it asks for. */
export const POLICY_CHECKS = {
  resources: 'every container sets CPU and memory requests and limits',
  probes: 'every container has readiness and liveness probes',
  'security-context': 'restricted Pod Security: non-root, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped, read-only root filesystem',
  'image-tag': 'every image is pinned by a tag other than "latest" or by a digest',
  'disruption-budget': 'a workload that runs 2 or more replicas has a PodDisruptionBudget',
  'network-policy': 'every workload\'s pods are selected by an ingress NetworkPolicy',
  'no-nodeport': 'no Service is of type NodePort',
  'hpa-target': 'every HorizontalPodAutoscaler targets a Deployment or StatefulSet of the stack',
  'namespace-quota': 'the ResourceQuota fits every workload of its namespace at its maximum replicas: requests, limits, storage, pods, volume claims',
} as const;
export type PolicyCheck = keyof typeof POLICY_CHECKS;

const EXEMPTION = 'web-topology/policy-exemption';

interface Exemption {
  readonly check: PolicyCheck;
  readonly reason: string;
}

/**
 * Opts `scope` and everything under it out of one check. The reason is required and listed in
 * the policy report, so an exemption is a reviewed decision, not a silent hole.
 */
export function exemptFromPolicy(scope: IConstruct, check: PolicyCheck, reason: string): void {
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(`exemptFromPolicy(${scope.node.path}, "${check}"): the reason must say why (at least ${MIN_REASON_LENGTH} characters), got "${reason}"`);
  }
  scope.node.addMetadata(EXEMPTION, { check, reason } satisfies Exemption);
}

export interface Finding {
  readonly check: PolicyCheck;
  /** Construct path of the offending resource. */
  readonly path: string;
  readonly message: string;
  /** The opt-out's reason when the finding is only a warning. */
  readonly exemption?: string;
}

export interface PolicyResult {
  readonly errors: readonly Finding[];
  readonly warnings: readonly Finding[];
  /** Workloads and Services checked. */
  readonly checked: number;
}

type Body = Record<string, unknown>;
type Labels = Record<string, string>;

interface Seen {
  readonly node: IConstruct;
  readonly body: Body;
}

function bodyOf(resource: TerraformResource): Body {
  const json = resource.toTerraform() as { resource: Record<string, Record<string, Body>> };
  return Object.values(Object.values(json.resource)[0])[0];
}

/** Collects the stack's workloads, Services, HPAs, PDBs and NetworkPolicies, then checks them. */
export class WorkloadPolicy implements IAspect {
  private readonly workloads: Seen[] = [];
  private readonly services: Seen[] = [];
  private readonly autoscalers: Seen[] = [];
  private readonly budgets: Seen[] = [];
  private readonly networkPolicies: Seen[] = [];

  visit(node: IConstruct): void {
    if (node instanceof DeploymentV1 || node instanceof StatefulSetV1) this.workloads.push({ node, body: bodyOf(node) });
    else if (node instanceof ServiceV1) this.services.push({ node, body: bodyOf(node) });
    else if (node instanceof HorizontalPodAutoscalerV2) this.autoscalers.push({ node, body: bodyOf(node) });
    else if (node instanceof PodDisruptionBudgetV1) this.budgets.push({ node, body: bodyOf(node) });
    else if (node instanceof NetworkPolicyV1) this.networkPolicies.push({ node, body: bodyOf(node) });
  }

  /** `extra`: findings of checks that read the construct tree rather than the resources. */
  result(extra: readonly Omit<Finding, 'exemption'>[] = [], constructs: readonly IConstruct[] = []): PolicyResult {
    const findings: Omit<Finding, 'exemption'>[] = [...extra];
    const fail = (check: PolicyCheck, seen: Seen, message: string) => findings.push({ check, path: seen.node.node.path, message });
    const nodes = new Map<string, IConstruct>();
    for (const w of this.workloads) nodes.set(w.node.node.path, w.node);
    for (const s of this.services) nodes.set(s.node.node.path, s.node);
    for (const h of this.autoscalers) nodes.set(h.node.node.path, h.node);
    for (const c of constructs) nodes.set(c.node.path, c);

    for (const w of this.workloads) {
      const name = get(w.body, 'metadata', 'name') as string;
      const namespace = get(w.body, 'metadata', 'namespace');
      const pod = get(w.body, 'spec', 'template', 'spec') as Body;
      const podLabels = (get(w.body, 'spec', 'template', 'metadata', 'labels') ?? {}) as Labels;
      for (const c of (pod.container ?? []) as Body[]) {
        const where = `container "${String(c.name)}"`;
        const missing = ['requests', 'limits'].flatMap((part) => ['cpu', 'memory'].filter((r) => get(c, 'resources', part, r) === undefined).map((r) => `${part}.${r}`));
        if (missing.length > 0) fail('resources', w, `${where} has no ${missing.join(', ')}`);
        const probes = ['readiness_probe', 'liveness_probe'].filter((p) => c[p] === undefined);
        if (probes.length > 0) fail('probes', w, `${where} has no ${probes.join(', ')}`);
        const weak = securityGaps(get(pod, 'security_context') as Body | undefined, get(c, 'security_context') as Body | undefined);
        if (weak.length > 0) fail('security-context', w, `${where}: ${weak.join(', ')}`);
        const image = String(c.image ?? '');
        if (isUnpinned(image)) {
          fail('image-tag', w, `${where} runs "${image}", which is not pinned`);
        }
      }
      const hpa = this.autoscalers.find((h) => get(h.body, 'spec', 'scale_target_ref', 'name') === name && get(h.body, 'metadata', 'namespace') === namespace);
      const minReplicas = Number(hpa ? get(hpa.body, 'spec', 'min_replicas') ?? 1 : get(w.body, 'spec', 'replicas') ?? 1);
      const inNamespace = (s: Seen) => get(s.body, 'metadata', 'namespace') === namespace;
      if (minReplicas >= 2 && !this.budgets.some((b) => inNamespace(b) && selects(get(b.body, 'spec', 'selector', 'match_labels') as Labels, podLabels))) {
        fail('disruption-budget', w, `runs at least ${minReplicas} replicas but no PodDisruptionBudget selects its pods`);
      }
      const ingressCovered = this.networkPolicies.some(
        (p) =>
          inNamespace(p) &&
          ((get(p.body, 'spec', 'policy_types') ?? []) as string[]).includes('Ingress') &&
          selects(get(p.body, 'spec', 'pod_selector', 'match_labels') as Labels | undefined, podLabels),
      );
      if (!ingressCovered) fail('network-policy', w, 'no NetworkPolicy restricts ingress to its pods');
    }

    for (const s of this.services) {
      if (get(s.body, 'spec', 'type') === 'NodePort') fail('no-nodeport', s, 'is of type NodePort, which opens a port on every node');
    }

    for (const h of this.autoscalers) {
      const ref = get(h.body, 'spec', 'scale_target_ref') as Body;
      const target = this.workloads.find(
        (w) =>
          get(w.body, 'metadata', 'name') === ref.name &&
          get(w.body, 'metadata', 'namespace') === get(h.body, 'metadata', 'namespace') &&
          (ref.kind === 'Deployment' ? w.node instanceof DeploymentV1 : ref.kind === 'StatefulSet' && w.node instanceof StatefulSetV1),
      );
      if (!target) fail('hpa-target', h, `targets ${String(ref.kind)} "${String(ref.name)}", which the stack does not define`);
    }

    const errors: Finding[] = [];
    const warnings: Finding[] = [];
    for (const f of findings) {
      const exemption = exemptionFor(nodes.get(f.path), f.check);
      if (exemption) warnings.push({ ...f, exemption });
      else errors.push(f);
    }
    return { errors, warnings, checked: this.workloads.length + this.services.length };
  }
}

function securityGaps(pod: Body | undefined, container: Body | undefined): string[] {
  const either = (key: string) => get(container, key) ?? get(pod, key);
  const gaps: string[] = [];
  if (either('run_as_non_root') !== true) gaps.push('runAsNonRoot is not true');
  if (get(container, 'seccomp_profile', 'type') !== 'RuntimeDefault' && get(pod, 'seccomp_profile', 'type') !== 'RuntimeDefault') {
    gaps.push('seccompProfile is not RuntimeDefault');
  }
  if (get(container, 'allow_privilege_escalation') !== false) gaps.push('allowPrivilegeEscalation is not false');
  if (!((get(container, 'capabilities', 'drop') ?? []) as string[]).includes('ALL')) gaps.push('capabilities do not drop ALL');
  if (get(container, 'read_only_root_filesystem') !== true) gaps.push('readOnlyRootFilesystem is not true');
  return gaps;
}

function exemptionFor(node: IConstruct | undefined, check: PolicyCheck): string | undefined {
  for (let scope: IConstruct | undefined = node; scope; scope = scope.node.scope) {
    const entry = scope.node.metadata.find((m) => m.type === EXEMPTION && (m.data as Exemption).check === check);
    if (entry) return (entry.data as Exemption).reason;
  }
  return undefined;
}

/** Runs the policy over every construct under `root`. */
export function checkPolicy(root: IConstruct): PolicyResult {
  const policy = new WorkloadPolicy();
  const all = root.node.findAll();
  for (const node of all) policy.visit(node);
  const quota = checkQuotas(root).map((p) => ({ check: 'namespace-quota' as const, ...p }));
  return policy.result(quota, all);
}

export function policyMarkdown(environment: string, r: PolicyResult): string {
  const line = (f: Finding) => `- \`${f.path}\` **${f.check}**: ${f.message}${f.exemption ? ` — exempt: ${f.exemption}` : ''}`;
  return [
    `# Policy: ${environment}`,
    '',
    `${r.checked} workloads and Services checked: ${r.errors.length} errors, ${r.warnings.length} warnings.`,
    '',
    '| check | rule |',
    '| --- | --- |',
    ...Object.entries(POLICY_CHECKS).map(([check, rule]) => `| ${check} | ${rule} |`),
    '',
    '## Errors',
    '',
    ...(r.errors.length ? r.errors.map(line) : ['none']),
    '',
    '## Warnings (exempted)',
    '',
    ...(r.warnings.length ? r.warnings.map(line) : ['none']),
    '',
    ...acceptedCriticalsMarkdown(),
  ].join('\n');
}
