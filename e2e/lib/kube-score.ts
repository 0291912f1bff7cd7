/**
 * kube-score (tools/build.sh score) on the objects the e2e deployed: Deployments, StatefulSets,
 * Pods, Services, PodDisruptionBudgets, NetworkPolicies, HPAs, ours and the operators'. Criticals
 * matched by review/kube-score-accepted.ts are reported as accepted with their reason; any other
 * critical is the e2e's failure.
 */
import { ACCEPTED_KUBE_SCORE_CRITICALS, type AcceptedCritical } from '../../review/kube-score-accepted';
import { run } from './processes';

/** kube-score's grades (scorecard/scorecard.go). */
const GRADES = { 1: 'critical', 5: 'warning' } as const;

export interface KubeScoreFinding {
  /** "Deployment web/api": kind, namespace and name. */
  readonly object: string;
  readonly labels: Readonly<Record<string, string>>;
  /** kube-score's check id. */
  readonly check: string;
  readonly grade: 'critical' | 'warning';
  /** The container or field it is about, when kube-score names one. */
  readonly path: string;
  readonly summary: string;
  /** The reason, when review/kube-score-accepted.ts accepts it. */
  readonly accepted?: string;
}

/** `criticals`: those nothing accepts, the e2e's failure; `accepted`: criticals with their reason. */
export type KubeScoreResult = Readonly<Record<'criticals' | 'accepted' | 'warnings', readonly KubeScoreFinding[]>>;

export interface ScoreOptions {
  /** The cluster's version, "v1.36" or "v1.36.3" (kube-score takes major.minor). */
  readonly kubernetesVersion: string;
  /** The binary, as tools/build.sh score built it (its TOOLS_BIN). */
  readonly binary: string;
  /** @default ACCEPTED_KUBE_SCORE_CRITICALS */
  readonly accepted?: readonly AcceptedCritical[];
}

interface ScoredObject {
  readonly type_meta: { readonly kind?: string };
  readonly object_meta: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly checks: readonly {
    readonly check: { readonly id: string };
    readonly grade: number;
    readonly skipped: boolean;
    readonly comments: readonly { readonly path: string; readonly summary: string }[] | null;
  }[];
}

/** Scores `yamlText` (objects separated by `---`, as `kubectl get -o yaml` of a List is too). */
export async function scoreObjects(yamlText: string, options: ScoreOptions): Promise<KubeScoreResult> {
  const version = /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(options.kubernetesVersion);
  if (!version) throw new Error(`kube-score: kubernetesVersion must be like "v1.36" or "v1.36.3", not "${options.kubernetesVersion}"`);
  const args = ['score', '--kubernetes-version', `v${version[1]}.${version[2]}`, '--output-format', 'json', '-'];
  const r = await run(options.binary, args, { input: yamlText, timeoutSeconds: 120 });
  // Exit 1 means criticals were found; the JSON says which.
  if ((r.code !== 0 && r.code !== 1) || !r.stdout.trim().startsWith('[')) {
    throw new Error(`kube-score ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  const accepted = options.accepted ?? ACCEPTED_KUBE_SCORE_CRITICALS;
  const findings = (JSON.parse(r.stdout) as ScoredObject[]).flatMap((o) =>
    o.checks
      .filter((c) => !c.skipped && c.grade in GRADES)
      .flatMap((c) => {
        const grade = GRADES[c.grade as keyof typeof GRADES];
        const labels = o.object_meta.labels ?? {};
        const reason = grade === 'critical' ? accepted.find((a) => a.check === c.check.id && Object.entries(a.labels ?? {}).every(([k, v]) => labels[k] === v) && (a.names?.test(o.object_meta.name ?? '') ?? true))?.reason : undefined;
        const base = { object: `${o.type_meta.kind ?? ''} ${o.object_meta.namespace ?? ''}/${o.object_meta.name ?? ''}`, labels, check: c.check.id, grade };
        const comments = c.comments && c.comments.length > 0 ? c.comments : [{ path: '', summary: c.check.id }];
        return comments.map((m) => ({ ...base, path: m.path, summary: m.summary, ...(reason ? { accepted: reason } : {}) }));
      }),
  );
  return {
    criticals: findings.filter((f) => f.grade === 'critical' && f.accepted === undefined),
    accepted: findings.filter((f) => f.accepted !== undefined),
    warnings: findings.filter((f) => f.grade === 'warning'),
  };
}

/** One line per finding, for a failure message or the run's report. */
export function describeFinding(f: KubeScoreFinding): string {
  return `${f.object} ${f.check}${f.path ? ` (${f.path})` : ''}: ${f.summary}${f.accepted ? ` — accepted: ${f.accepted}` : ''}`;
}
