/**
 * The kube-score criticals accepted on the objects the e2e deployed, each with its reason: the one
 * list that e2e/lib/kube-score.ts applies and the policy report (policy.md) renders. Anything
 * critical that no entry matches fails the e2e.
 */
import { CNPG_JOB_ROLES } from '../constructs/database/postgres-cluster';

export interface AcceptedCritical {
  /** kube-score's check id, e.g. "container-image-pull-policy". */
  readonly check: string;
  /** Which objects it is accepted on: those carrying every one of these labels. @default every object */
  readonly labels?: Readonly<Record<string, string>>;
  /** And whose name matches this. @default any name */
  readonly names?: RegExp;
  /** What the matched objects are, for the report. */
  readonly objects: string;
  readonly reason: string;
}

export const ACCEPTED_KUBE_SCORE_CRITICALS: readonly AcceptedCritical[] = [
  {
    check: 'deployment-targeted-by-hpa-does-not-have-replicas-configured',
    objects: 'Deployments scaled by a HorizontalPodAutoscaler',
    reason:
      'the stacks leave spec.replicas unset, but a deployed Deployment always shows the count the HorizontalPodAutoscaler last set; kube-score cannot tell the two apart',
  },
  {
    check: 'container-security-context-user-group-id',
    labels: { 'cnpg.io/podRole': 'pooler' },
    objects: "CloudNativePG's PgBouncer Deployments",
    reason:
      'CloudNativePG sets the pooler pods to user 998 and group 996 and overwrites any other (pkg/specs/pgbouncer/deployments.go): the Pooler offers no way to a high UID',
  },
  {
    check: 'container-security-context-user-group-id',
    labels: { 'cnpg.io/podRole': 'instance' },
    objects: "CloudNativePG's PostgreSQL instance pods",
    reason:
      "CloudNativePG's operand images run PostgreSQL as the postgres user, UID and GID 26 (the Cluster's postgresUID and postgresGID); another UID needs an image built for it",
  },
  {
    check: 'networkpolicy-targets-pod',
    names: new RegExp(`-(${CNPG_JOB_ROLES.join('|')})-to-`),
    objects: "The NetworkPolicies of CloudNativePG's initdb and join Job pods",
    reason: 'those pods exist only while CloudNativePG creates an instance; the policies are in place before they start',
  },
  {
    check: 'service-targets-pod',
    labels: { 'app.kubernetes.io/component': 'write' },
    objects: "The cache's write Service",
    reason:
      'it selects the primary, pod 0, by statefulset.kubernetes.io/pod-name, a label the StatefulSet controller gives each pod and its template cannot carry; kube-score compares the selector with the template',
  },
];

/** Markdown for the policy report. */
export function acceptedCriticalsMarkdown(accepted: readonly AcceptedCritical[] = ACCEPTED_KUBE_SCORE_CRITICALS): string[] {
  return [
    '## kube-score criticals accepted on the deployed objects',
    '',
    '| check | objects | reason |',
    '| --- | --- | --- |',
    ...accepted.map((a) => `| ${a.check} | ${a.objects} | ${a.reason} |`),
    '',
  ];
}
