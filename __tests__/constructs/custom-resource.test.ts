import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing, TerraformStack, Token } from 'cdktf';
import { parse } from 'yaml';
import { appliedObject, CustomResource, CustomResourceError, type CustomResourceProps } from '../../constructs/core/custom-resource';
import { crdSchemas, type GatewaySpec } from '../../constructs/core/crds';
import { resourceJsonSchema } from '../../scripts/crds/structural-schema';
import { ENVIRONMENTS, manifests, synthesize } from '../helpers';
import { refusalOf } from '../refusal';

/** Builds one CustomResource in a fresh stack; the message of the CustomResourceError it throws, if any. */
const build = (props: CustomResourceProps) => refusalOf(() => new CustomResource(new TerraformStack(Testing.app(), 'stack'), 'resource', props), CustomResourceError);

const gatewayWith = (spec: GatewaySpec): CustomResourceProps => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  name: 'edge',
  namespace: 'web',
  spec,
});
const gateway = (listener: Record<string, unknown>) => gatewayWith({ gatewayClassName: 'web-envoy', listeners: [listener as never] });
const HTTP = { name: 'http', protocol: 'HTTP', port: 80 };

describe('CustomResource checks its body against the pinned CRD', () => {
  it('refuses an unknown field, naming the construct, the resource and the field path', () => {
    const refusal = build(gateway({ ...HTTP, prot: 8080 }));
    expect(refusal).toContain('stack/resource: Gateway web/edge does not match the CRD gateways.gateway.networking.k8s.io v1 (sigs.k8s.io/gateway-api v1.6.1)');
    expect(refusal).toContain('spec.listeners[0].prot: unknown field (the CRD declares allowedRoutes, hostname, name, port, protocol, tls)');
  });

  it('refuses a field of the wrong type', () => {
    const refusal = build(gateway({ ...HTTP, port: '80' }));
    expect(refusal).toContain('spec.listeners[0].port: must be of type integer, not "80"');
  });

  it('refuses a resource without a required field', () => {
    const refusal = build({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      name: 'db-daily',
      namespace: 'web',
      spec: { schedule: '0 0 2 * * *' } as never,
    });
    expect(refusal).toContain('stack/resource: ScheduledBackup web/db-daily');
    expect(refusal).toContain('spec.cluster: required, but missing');
  });

  it('refuses values outside the range, enum or pattern the CRD states, all at once', () => {
    const refusal = build({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      name: 'web',
      namespace: 'web',
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'Web Route' }],
        loadBalancer: { type: 'LeastReq' as never },
        circuitBreaker: { maxConnections: 1e10 },
      },
    });
    const lines = refusal?.split('\n').slice(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        '  spec.circuitBreaker.maxConnections: must be at most 4294967295, not 10000000000',
        expect.stringMatching(/^ {2}spec\.loadBalancer\.type: must be one of .*"LeastRequest".*, not "LeastReq"$/),
      ]),
    );
    expect(lines).toHaveLength(2);
  });

  it('names map keys that are not identifiers in brackets', () => {
    const refusal = build({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      name: 'alerts',
      namespace: 'web',
      spec: { groups: [{ name: 'web', rules: [{ alert: 'Down', expr: 'up == 0', labels: { 'team.example/owner': 7 as never, 'cost~center': 8 as never } }] }] },
    });
    expect(refusal).toContain('spec.groups[0].rules[0].labels["team.example/owner"]: must be of type string, not 7');
    // JSON pointers escape "/" and "~"; the path shows the key as written.
    expect(refusal).toContain('spec.groups[0].rules[0].labels["cost~center"]: must be of type string, not 8');
  });

  it('echoes a refused scalar but never a whole object or list', () => {
    const refusal = build(gatewayWith({ gatewayClassName: 'web-envoy', listeners: { http: HTTP } as never }));
    expect(refusal?.split('\n')[1]).toBe('  spec.listeners: must be of type array');
  });

  it('refuses a value that fits none of the alternatives the CRD allows', () => {
    const refusal = build(gatewayWith({ gatewayClassName: 'web-envoy', listeners: [HTTP], addresses: [{ type: 'IPAddress', value: '10.0.0' }] }));
    expect(refusal?.split('\n').slice(1)).toEqual(["  spec.addresses[0]: must satisfy exactly one of the CRD's alternatives"]);
  });

  it('accepts integers and strings where the CRD says int-or-string, and nothing else', () => {
    const cluster = (cpu: unknown): CustomResourceProps => ({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      name: 'db',
      namespace: 'web',
      spec: { instances: 2, storage: { size: '1Gi' }, resources: { requests: { cpu: cpu as never } } },
    });
    expect(build(cluster(2))).toBeUndefined();
    expect(build(cluster('500m'))).toBeUndefined();
    expect(build(cluster(true))).toContain('spec.resources.requests.cpu: must be of type integer or string, not true');
  });

  it('names a cluster-scoped resource without a namespace', () => {
    const refusal = build({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'web-envoy', spec: { controllerName: 7 as never } });
    expect(refusal?.split('\n')[0]).toBe(
      'stack/resource: GatewayClass web-envoy does not match the CRD gatewayclasses.gateway.networking.k8s.io v1 (sigs.k8s.io/gateway-api v1.6.1):',
    );
  });

  it('accepts a field whose name is a schema keyword', () => {
    const refusal = build({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      name: 'web-envoy',
      spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller', description: 'Envoy for the web namespace' },
    });
    expect(refusal).toBeUndefined();
  });

  it('accepts anything where the CRD preserves unknown fields', () => {
    const refusal = build({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      name: 'edge-proxy',
      namespace: 'web',
      spec: {
        provider: {
          type: 'Kubernetes',
          kubernetes: { envoyDeployment: { patch: { value: { spec: { template: { anything: [1, 'two'] } } } } } },
        },
      },
    });
    expect(refusal).toBeUndefined();
  });

  it('leaves values that are Terraform tokens to plan time', () => {
    const refusal = build(gateway({ name: Token.asString({ resolve: () => 'http' }), protocol: 'HTTP', port: Token.asNumber({ resolve: () => 80 }) }));
    expect(refusal).toBeUndefined();
  });

  it('synthesizes an accepted body unchanged into a kubernetes_manifest', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new CustomResource(stack, 'resource', {
      ...gateway(HTTP),
      labels: { app: 'edge' },
      waitForFields: { 'status.addresses[0].value': '^.+$' },
      defaultedFields: ['spec.infrastructure'],
    });
    const out = JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Record<string, unknown>>>; removed: unknown };
    const [[name, resource]] = Object.entries(out.resource.kubernetes_manifest) as [[string, Record<string, unknown>]];
    expect(resource.manifest).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'web', labels: { app: 'edge' } },
      spec: { gatewayClassName: 'web-envoy', listeners: [HTTP] },
    });
    expect(resource.wait).toEqual({ fields: { 'status.addresses[0].value': '^.+$' } });
    // Operators and webhooks add labels, annotations and defaults; none of them is drift.
    expect(resource.computed_fields).toEqual(['metadata.labels', 'metadata.annotations', 'spec.infrastructure']);
    const plain = new TerraformStack(Testing.app(), 'plain');
    new CustomResource(plain, 'resource', { ...gateway(HTTP), waitForFields: { 'status.addresses[0].value': '^.+$' } });
    const [waiting] = Object.values((JSON.parse(Testing.synth(plain)) as typeof out).resource.kubernetes_manifest) as [Record<string, unknown>];
    expect(waiting.computed_fields).toEqual(['metadata.labels', 'metadata.annotations']);
    // A resource that starts to wait leaves its kubectl_manifest address without deleting the object.
    expect(out.removed).toEqual([{ from: `kubectl_manifest.${name}`, lifecycle: { destroy: false } }]);
  });

  it('applies a body without a wait server-side through kubectl_manifest, which adopts what kubernetes_manifest made', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new CustomResource(stack, 'resource', { ...gateway(HTTP), labels: { app: 'edge' }, defaultedFields: ['spec.infrastructure'] });
    const out = JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Record<string, unknown>>>; removed: unknown };
    expect(Object.keys(out.resource)).toEqual(['kubectl_manifest']);
    const [[name, resource]] = Object.entries(out.resource.kubectl_manifest) as [[string, Record<string, unknown>]];
    expect(parse(resource.yaml_body as string)).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'web', labels: { app: 'edge' } },
      spec: { gatewayClassName: 'web-envoy', listeners: [HTTP] },
    });
    expect(resource).toMatchObject({ server_side_apply: true, force_conflicts: true, ignore_fields: ['spec.infrastructure'] });
    // Foreground deletion (the provider's `wait`) never ends while an operator re-creates what the object owns.
    expect(resource.wait).toBeUndefined();
    // The object under its earlier address is forgotten, not destroyed: no delete before the adoption.
    expect(out.removed).toEqual([{ from: `kubernetes_manifest.${name}`, lifecycle: { destroy: false } }]);
  });

  it('putSpec replaces the spec of either resource type, checked against the CRD as in the constructor', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const plain = new CustomResource(stack, 'plain', gateway(HTTP));
    const waiting = new CustomResource(stack, 'waiting', { ...gateway(HTTP), waitForFields: { 'status.addresses[0].value': '^.+$' } });
    const HTTPS = { name: 'https', protocol: 'HTTPS', port: 443 };
    const spec = { gatewayClassName: 'web-envoy', listeners: [HTTP, HTTPS] } as GatewaySpec;
    plain.putSpec(spec);
    waiting.putSpec(spec);
    const out = JSON.parse(Testing.synth(stack)) as Parameters<typeof manifests>[0];
    expect(manifests(out, 'Gateway').map((g) => g.spec)).toEqual([spec, spec]);
    expect(() => plain.putSpec({ gatewayClassName: 'web-envoy', listeners: [{ ...HTTP, prot: 1 } as never] })).toThrow(
      'stack/plain: Gateway web/edge does not match the CRD',
    );
  });

  it('forgets the earlier address of every custom resource of a stack', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const first = new CustomResource(stack, 'first', gateway(HTTP));
    const second = new CustomResource(stack, 'second', gateway(HTTP));
    const out = JSON.parse(Testing.synth(stack)) as { removed: unknown };
    expect(out.removed).toEqual(
      [first, second].map((r) => ({ from: `kubernetes_manifest.${r.resource.friendlyUniqueId}`, lifecycle: { destroy: false } })),
    );
  });

  it('types the spec by kind, so that an unknown field does not compile', () => {
    const props: CustomResourceProps = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      name: 'db-daily',
      // @ts-expect-error `schedul` is no field of a ScheduledBackup's spec
      spec: { schedul: '0 0 2 * * *', cluster: { name: 'db' } },
    };
    expect(build(props)).toContain('spec.schedul: unknown field');
  });
});

describe('appliedObject', () => {
  const object = { apiVersion: 'v1', kind: 'Gateway', metadata: { name: 'edge' } };

  it("reads kubectl_manifest's YAML and kubernetes_manifest's manifest", () => {
    expect(appliedObject('kubectl_manifest', { yaml_body: 'kind: Gateway\nmetadata:\n  name: edge\n' })).toEqual({ kind: 'Gateway', metadata: { name: 'edge' } });
    expect(appliedObject('kubernetes_manifest', { manifest: object })).toBe(object);
  });

  it('reads nothing from other resource types or from a body without the object', () => {
    expect(appliedObject('kubernetes_config_map_v1', { manifest: object, yaml_body: 'kind: Gateway' })).toBeUndefined();
    expect(appliedObject('kubernetes_manifest', { yaml_body: 'kind: Gateway' })).toBeUndefined();
    expect(appliedObject('kubernetes_manifest', { manifest: null })).toBeUndefined();
    expect(appliedObject('kubernetes_manifest', { manifest: 'kind: Gateway' })).toBeUndefined();
    expect(appliedObject('kubectl_manifest', { manifest: object })).toBeUndefined();
    expect(appliedObject('kubectl_manifest', null)).toBeUndefined();
    expect(appliedObject('kubectl_manifest', 'kind: Gateway')).toBeUndefined();
  });
});

describe('the shipped environments', () => {
  it.each(Object.keys(ENVIRONMENTS))('%s: every custom resource passes its CRD', (name) => {
    const { app } = synthesize(ENVIRONMENTS[name]);
    // The schema migration's Job is a manifest too (for its wait), of a built-in kind.
    const custom = manifests(app).filter((m) => m.apiVersion !== 'batch/v1');
    const kinds = new Set(custom.map((m) => `${String(m.apiVersion)} ${String(m.kind)}`));
    // Synthesizing would have thrown on a refused resource; make sure there were resources to check.
    expect([...kinds].every((k) => k.split(' ')[1] in crdSchemas[k.split(' ')[0] as keyof typeof crdSchemas])).toBe(true);
    expect(kinds.size).toBeGreaterThanOrEqual(8);
  });
});

describe('the synth app', () => {
  it('exits non-zero with the resource and field, and writes nothing, when a CRD refuses a resource', () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-topology-'));
    const outdir = join(dir, 'out');
    const app = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
    // Every prop passes its construct's checks; the fixture breaks the body only the CRD judges.
    const result = spawnSync(process.execPath, [...app.slice(1, -1), '--require', join(__dirname, '..', 'fixtures', 'unknown-rate-limit-unit.ts'), app[app.length - 1]], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, CDKTF_OUTDIR: outdir, TOPOLOGY_ENVIRONMENTS: 'dev' },
      encoding: 'utf8',
    });
    const wroteOutput = existsSync(outdir);
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^dev-app\/.*: BackendTrafficPolicy web-dev\/web does not match the CRD backendtrafficpolicies\.gateway\.envoyproxy\.io v1alpha1/);
    expect(result.stderr).toContain('spec.rateLimit.local.rules[0].limit.unit');
    expect(result.stderr).toContain('"Fortnight"');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(wroteOutput).toBe(false);
  });
});

describe('the structural-schema translation', () => {
  const field = (schema: Record<string, unknown>) =>
    (resourceJsonSchema({ type: 'object', properties: { spec: { type: 'object', properties: { f: schema } } } }).properties as Record<string, { properties: Record<string, unknown> }>).spec.properties.f;

  it('adds null to the type of a nullable field', () => {
    expect(field({ type: 'string', nullable: true, enum: ['a'] })).toEqual({ type: ['string', 'null'], enum: ['a', null] });
  });

  it('closes objects unless they preserve unknown fields, and keeps maps open to their values', () => {
    expect(field({ type: 'object', properties: { a: { type: 'string' } } })).toMatchObject({ additionalProperties: false });
    expect(field({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true })).toEqual({ type: 'object', additionalProperties: true });
    expect(field({ type: 'object', additionalProperties: { type: 'string' } })).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  it('reads RE2 case-insensitive patterns as JavaScript and refuses patterns JavaScript cannot read', () => {
    expect(field({ type: 'string', pattern: '^(?i)(abort|warn)?$' })).toEqual({ type: 'string', pattern: '^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$' });
    expect(field({ type: 'string', pattern: '(?i)[^a-z\\d]' })).toEqual({ type: 'string', pattern: '[^a-z\\dA-Z\\d]' });
    expect(() => field({ type: 'string', pattern: 'a(?P<x>b)' })).toThrow('openAPIV3Schema.spec.f.pattern: "a(?P<x>b)" is not a JavaScript regular expression');
  });

  it('refuses a schema extension it does not know', () => {
    expect(() => field({ type: 'object', 'x-kubernetes-embedded-resource': true })).toThrow('openAPIV3Schema.spec.f: unsupported schema extension x-kubernetes-embedded-resource');
  });

  it('drops the status, which only the operator writes, and accepts any metadata', () => {
    const schema = resourceJsonSchema({ type: 'object', properties: { metadata: { type: 'object' }, status: { type: 'object' } } });
    expect(schema.properties).toEqual({ metadata: { type: 'object' } });
  });
});
