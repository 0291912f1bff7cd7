import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFinding, scoreObjects, type KubeScoreFinding } from '../../e2e/lib/kube-score';
import { ACCEPTED_KUBE_SCORE_CRITICALS } from '../../review/kube-score-accepted';
import { policyMarkdown } from '../../review/workload-policy';
import { buildTools } from '../toolchain';

// The real binary, built (or reused) by tools/build.sh.
const binary = join(buildTools('score').bin, 'kube-score');
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', `${name}.yaml`), 'utf8');
const score = (name: string) => scoreObjects(fixture(name), { kubernetesVersion: 'v1.36.3', binary });
const found = (fs: readonly KubeScoreFinding[]) => fs.map((f) => `${f.check}${f.path ? ` (${f.path})` : ''}: ${f.summary}`).sort();

describe('kube-score on deployed objects', () => {
  it('finds no critical in a web tier that follows the workload policy', async () => {
    const r = await score('good');
    expect(r.criticals).toEqual([]);
    expect(r.accepted).toEqual([]);
  });

  it('finds the criticals of a Deployment without resources, probes, budget or NetworkPolicy', async () => {
    const r = await score('broken');
    const unset = (check: string, resources: string[]) => resources.flatMap((what) => ['limit', 'request'].map((part) => `${check} (api): ${what} ${part} is not set`));
    expect(found(r.criticals)).toEqual(
      [
        ...unset('container-ephemeral-storage-request-and-limit', ['Ephemeral Storage']),
        ...unset('container-resources', ['CPU', 'Memory']),
        'deployment-has-poddisruptionbudget: No matching PodDisruptionBudget was found',
        'pod-networkpolicy: The pod does not have a matching NetworkPolicy',
        'pod-probes: Container is missing a readinessProbe',
      ].sort(),
    );
    expect(r.criticals.every((f) => f.object === 'Deployment web/api')).toBe(true);
  });

  it("accepts CloudNativePG's fixed pooler user with its reason, and still finds the tag-based IfNotPresent images", async () => {
    const r = await score('cnpg-pooler');
    const lowIds = (container: string) => ['is running with a low user ID', 'running with a low group ID'].map((m) => `container-security-context-user-group-id (${container}): The container ${m}`);
    expect(found(r.accepted)).toEqual([...lowIds('bootstrap-controller'), ...lowIds('pgbouncer')]);
    expect(r.accepted[0].accepted).toContain('998');
    expect(found(r.criticals)).toEqual([
      'container-image-pull-policy (bootstrap-controller): ImagePullPolicy is not set to Always',
      'container-image-pull-policy (pgbouncer): ImagePullPolicy is not set to Always',
    ]);
  });

  it('accepts a check only on the objects its labels name', async () => {
    const unlabelled = fixture('cnpg-pooler').replace(/cnpg\.io\/podRole: pooler/g, 'cnpg.io/podRole: other');
    const r = await scoreObjects(unlabelled, { kubernetesVersion: 'v1.36', binary });
    expect(r.accepted).toEqual([]);
    expect(r.criticals.map((f) => f.check)).toContain('container-security-context-user-group-id');
  });

  it("accepts a check only on the objects its name pattern names: a Job pods' NetworkPolicy, not another", async () => {
    const policy = (name: string) =>
      ['apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', `metadata: {name: ${name}, namespace: web}`, 'spec: {podSelector: {matchLabels: {absent: "true"}}, policyTypes: [Egress]}', ''].join('\n');
    const r = await scoreObjects([policy('postgres-join-to-apiserver-egress'), policy('backend-to-cache-egress')].join('---\n'), { kubernetesVersion: 'v1.36', binary });
    expect(r.accepted.map((f) => `${f.object} ${f.check}`)).toEqual(['NetworkPolicy web/postgres-join-to-apiserver-egress networkpolicy-targets-pod']);
    expect(r.criticals.map((f) => `${f.object} ${f.check}`)).toEqual(['NetworkPolicy web/backend-to-cache-egress networkpolicy-targets-pod']);
  });

  it('describes a finding on one line, with the reason when accepted', () => {
    const f: KubeScoreFinding = { object: 'Deployment web/api', labels: {}, check: 'pod-probes', grade: 'critical', path: '', summary: 'Container is missing a readinessProbe' };
    expect(describeFinding(f)).toBe('Deployment web/api pod-probes: Container is missing a readinessProbe');
    expect(describeFinding({ ...f, path: 'api', accepted: 'why' })).toBe('Deployment web/api pod-probes (api): Container is missing a readinessProbe — accepted: why');
  });

  it('refuses a version kube-score cannot take, and fails on a missing binary rather than finding nothing', async () => {
    await expect(scoreObjects(fixture('good'), { kubernetesVersion: '1.36-rc', binary })).rejects.toThrow('kubernetesVersion must be like "v1.36" or "v1.36.3", not "1.36-rc"');
    await expect(scoreObjects(fixture('good'), { kubernetesVersion: 'v1.36', binary: '/nonexistent/kube-score' })).rejects.toThrow('kube-score score --kubernetes-version v1.36');
  });

  it('lists every accepted critical with its reason in the policy report', () => {
    const report = policyMarkdown('dev', { errors: [], warnings: [], checked: 0 });
    for (const a of ACCEPTED_KUBE_SCORE_CRITICALS) expect(report).toContain(`| ${a.check} | ${a.objects} | ${a.reason} |`);
  });
});
