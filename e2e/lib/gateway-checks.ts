import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVOY_GATEWAY_NAMESPACE } from './envoy-gateway';
import { selectorArgument, type Condition, type KubeObject, type Kubectl, type Pdb, type Service, type Workload } from './kube';
import { observed, poll, type Observation } from './poll';
import { run } from './processes';
import type { SynthesizedStack } from './stacks';

/**
 * What Envoy Gateway itself reports about the edge of an app stack: the status it writes to the
 * Gateway API objects and policies, and the proxy Deployment, Service and PDB it makes from the
 * stack's EnvoyProxy.
 */

/** The controller name Envoy Gateway writes into every status it owns (the chart's default). */
const CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
/** Labels Envoy Gateway puts on what it makes for a Gateway (internal/gatewayapi/translator.go). */
const OWNING_GATEWAY_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
export const OWNING_GATEWAY_NAMESPACE = 'gateway.envoyproxy.io/owning-gateway-namespace';

interface Gateway extends KubeObject {
  readonly spec: {
    readonly gatewayClassName: string;
    readonly listeners: readonly { readonly name: string; readonly hostname?: string; readonly tls?: { readonly certificateRefs?: readonly { readonly name: string }[] } }[];
  };
  readonly status?: {
    readonly addresses?: readonly { readonly type?: string; readonly value: string }[];
    readonly conditions?: readonly Condition[];
    readonly listeners?: readonly { readonly name: string; readonly conditions?: readonly Condition[] }[];
  };
}
interface GatewayClass extends KubeObject {
  readonly status?: { readonly conditions?: readonly Condition[] };
}
interface Route extends KubeObject {
  readonly status?: { readonly parents?: readonly { readonly parentRef: { readonly name: string }; readonly controllerName: string; readonly conditions?: readonly Condition[] }[] };
}
interface Policy extends KubeObject {
  readonly spec: Record<string, unknown>;
  readonly status?: { readonly ancestors?: readonly { readonly ancestorRef: { readonly name: string }; readonly controllerName: string; readonly conditions?: readonly Condition[] }[] };
}
interface EnvoyProxy extends KubeObject {
  readonly spec: {
    readonly provider?: {
      readonly kubernetes?: {
        readonly envoyDeployment?: { readonly replicas?: number };
        readonly envoyService?: { readonly type?: string; readonly externalTrafficPolicy?: string };
        readonly envoyPDB?: { readonly minAvailable?: number | string };
      };
    };
  };
}
interface ProxyPdb extends Pdb {
  readonly spec: Pdb['spec'] & { readonly minAvailable?: number | string };
}

/** The kinds of the edge's policies, with their CRD's plural for kubectl. */
const POLICY_TYPES = { BackendTrafficPolicy: 'backendtrafficpolicies.gateway.envoyproxy.io', ClientTrafficPolicy: 'clienttrafficpolicies.gateway.envoyproxy.io' } as const;
const ROUTE_TYPE = 'httproutes.gateway.networking.k8s.io';

const describeCondition = (c: Condition | undefined, type: string) => (c === undefined ? `no ${type}` : `${type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`);

/** What is wrong in a condition list: each wanted type not True, each unwanted type True. */
function conditionProblems(conditions: readonly Condition[] | undefined, wanted: readonly string[], unwanted: readonly string[] = []): string[] {
  const find = (t: string) => conditions?.find((c) => c.type === t);
  return [
    ...wanted.filter((t) => find(t)?.status !== 'True').map((t) => describeCondition(find(t), t)),
    ...unwanted.filter((t) => find(t)?.status === 'True').map((t) => describeCondition(find(t), t)),
  ];
}

function one<T extends KubeObject>(stack: SynthesizedStack, kind: string): T {
  const [object, ...more] = stack.customResources(kind) as T[];
  if (object === undefined || more.length > 0) throw new Error(`${stack.name}: expected one ${kind}, found ${stack.customResources(kind).length}`);
  return object;
}

/** Envoy Gateway's verdict on one HTTPRoute: Accepted with resolved references by every parent. */
export function routeProblems(route: Route): string[] {
  const parents = (route.status?.parents ?? []).filter((p) => p.controllerName === CONTROLLER);
  if (parents.length === 0) return [`HTTPRoute ${route.metadata.name}: no status from ${CONTROLLER}`];
  return parents.flatMap((p) => conditionProblems(p.conditions, ['Accepted', 'ResolvedRefs']).map((x) => `HTTPRoute ${route.metadata.name} on ${p.parentRef.name}: ${x}`));
}

/** Envoy Gateway's verdict on one policy: Accepted for every ancestor (a conflict is Accepted=False, Conflicted), not overridden. */
export function policyProblems(policy: Policy): string[] {
  const ancestors = (policy.status?.ancestors ?? []).filter((a) => a.controllerName === CONTROLLER);
  if (ancestors.length === 0) return [`${policy.kind} ${policy.metadata.name}: no status from ${CONTROLLER}`];
  return ancestors.flatMap((a) =>
    conditionProblems(a.conditions, ['Accepted'], ['Overridden']).map((x) => `${policy.kind} ${policy.metadata.name} for ${a.ancestorRef.name}: ${x}`),
  );
}

/** The GatewayClass Accepted, the Gateway Accepted and Programmed, every listener Programmed with its references resolved. */
export async function gatewayProgrammed(k: Kubectl, app: SynthesizedStack): Promise<Observation> {
  const ns = app.namespace;
  const sent = one<Gateway>(app, 'Gateway');
  const gw = await k.get<Gateway>('gateway.gateway.networking.k8s.io', sent.metadata.name, ns);
  if (!gw) return observed(false, `no Gateway ${sent.metadata.name}`);
  const cls = await k.get<GatewayClass>('gatewayclass.gateway.networking.k8s.io', gw.spec.gatewayClassName);
  const problems = [
    ...conditionProblems(cls?.status?.conditions, ['Accepted']).map((x) => `GatewayClass ${gw.spec.gatewayClassName}: ${x}`),
    ...conditionProblems(gw.status?.conditions, ['Accepted', 'Programmed']).map((x) => `Gateway: ${x}`),
    ...gw.spec.listeners.flatMap((l) =>
      conditionProblems(gw.status?.listeners?.find((s) => s.name === l.name)?.conditions, ['Accepted', 'Programmed', 'ResolvedRefs']).map((x) => `listener ${l.name}: ${x}`),
    ),
  ];
  const programmed = gw.status?.conditions?.find((c) => c.type === 'Programmed');
  return observed(problems.length === 0, problems.length === 0 ? `${gw.spec.listeners.map((l) => l.name).join(', ')}: ${programmed?.message ?? 'Programmed'}` : problems.join('; '));
}

/** Every HTTPRoute of the stack as Envoy Gateway judges it. */
export async function routesAccepted(k: Kubectl, app: SynthesizedStack): Promise<Observation> {
  const names = app.customResources('HTTPRoute').map((r) => r.metadata.name);
  const live = await Promise.all(names.map((n) => k.get<Route>(ROUTE_TYPE, n, app.namespace)));
  const problems = live.flatMap((r, i) => (r ? routeProblems(r) : [`no HTTPRoute ${names[i]}`]));
  return observed(names.length > 0 && problems.length === 0, problems.length === 0 ? `${names.join(', ')}: Accepted, ResolvedRefs` : problems.join('; '));
}

/** Every BackendTrafficPolicy and ClientTrafficPolicy of the stack as Envoy Gateway judges it. */
export async function policiesAccepted(k: Kubectl, app: SynthesizedStack): Promise<Observation> {
  const sent = (Object.keys(POLICY_TYPES) as (keyof typeof POLICY_TYPES)[]).flatMap((kind) => app.customResources(kind).map((p) => ({ kind, name: p.metadata.name })));
  const live = await Promise.all(sent.map((p) => k.get<Policy>(POLICY_TYPES[p.kind], p.name, app.namespace)));
  const problems = live.flatMap((p, i) => (p ? policyProblems(p) : [`no ${sent[i].kind} ${sent[i].name}`]));
  return observed(
    sent.length > 0 && problems.length === 0,
    problems.length === 0 ? `${sent.map((p) => `${p.kind} ${p.name}`).join(', ')}: Accepted, not overridden, no conflict` : problems.join('; '),
  );
}

/** What Envoy Gateway made for the stack's Gateway, in its own namespace, by kind. */
async function proxyObjects<T extends KubeObject>(k: Kubectl, app: SynthesizedStack, type: string): Promise<T[]> {
  const gw = one<Gateway>(app, 'Gateway');
  return k.list<T>(type, ENVOY_GATEWAY_NAMESPACE, selectorArgument({ [OWNING_GATEWAY_NAME]: gw.metadata.name, [OWNING_GATEWAY_NAMESPACE]: app.namespace }));
}

/** The Gateway's status address is its proxy Service's: the load balancer's, or the cluster IP. */
export async function addressFromProxyService(k: Kubectl, app: SynthesizedStack): Promise<Observation> {
  const sent = one<Gateway>(app, 'Gateway');
  const gw = await k.get<Gateway>('gateway.gateway.networking.k8s.io', sent.metadata.name, app.namespace);
  const services = await proxyObjects<Service>(k, app, 'services');
  if (services.length !== 1) return observed(false, `${services.length} proxy Services for Gateway ${sent.metadata.name}`);
  const [svc] = services;
  const expected =
    svc.spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '') : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  const actual = (gw?.status?.addresses ?? []).map((a) => a.value);
  const ok = expected.length > 0 && JSON.stringify(actual) === JSON.stringify(expected);
  return observed(ok, `Gateway ${actual.join(', ') || '(none)'}; Service ${ENVOY_GATEWAY_NAMESPACE}/${svc.metadata.name} (${svc.spec.type}) ${expected.join(', ') || '(none)'}`);
}

/**
 * The deploy's outputs name the Gateway and, where the stack waits for its address, hold the
 * address of its status: a deploy that did not wait would have stored "pending".
 */
export async function outputsNameGateway(k: Kubectl, app: SynthesizedStack, stored: Readonly<Record<string, unknown>>): Promise<Observation> {
  const sent = one<Gateway>(app, 'Gateway');
  const problems: string[] = [];
  const name = `${app.namespace}/${sent.metadata.name}`;
  if (stored.gateway !== name) problems.push(`gateway is ${JSON.stringify(stored.gateway)}, not ${name}`);
  const seen = [`gateway ${String(stored.gateway)}`];
  if (app.outputNames().includes('gateway_address')) {
    const gw = await k.get<Gateway>('gateway.gateway.networking.k8s.io', sent.metadata.name, app.namespace);
    const address = gw?.status?.addresses?.[0]?.value;
    seen.push(`gateway_address ${String(stored.gateway_address)}`);
    if (address === undefined || stored.gateway_address !== address) problems.push(`gateway_address is ${JSON.stringify(stored.gateway_address)}, the Gateway's ${address ?? '(none)'}`);
  }
  return observed(problems.length === 0, problems.length === 0 ? seen.join('; ') : problems.join('; '));
}

/** The proxy Deployment, Service and PDB have what the stack's EnvoyProxy asks for. */
export async function proxyAsAsked(k: Kubectl, app: SynthesizedStack): Promise<Observation> {
  const asked = one<EnvoyProxy>(app, 'EnvoyProxy').spec.provider?.kubernetes ?? {};
  const [deployments, services, pdbs] = await Promise.all([
    proxyObjects<Workload>(k, app, 'deployments'),
    proxyObjects<Service>(k, app, 'services'),
    proxyObjects<ProxyPdb>(k, app, 'poddisruptionbudgets'),
  ]);
  const problems: string[] = [];
  const seen: string[] = [];
  const compare = (what: string, want: unknown, got: unknown) => {
    if (want === undefined) return;
    seen.push(`${what} ${String(got)}`);
    if (got !== want) problems.push(`${what}: asked ${String(want)}, got ${String(got)}`);
  };
  if (deployments.length !== 1) problems.push(`${deployments.length} proxy Deployments`);
  for (const d of deployments) {
    compare('replicas', asked.envoyDeployment?.replicas, d.spec.replicas);
    compare('available replicas', asked.envoyDeployment?.replicas, d.status.availableReplicas);
  }
  if (services.length !== 1) problems.push(`${services.length} proxy Services`);
  for (const s of services) {
    compare('Service type', asked.envoyService?.type, s.spec.type);
    compare('externalTrafficPolicy', asked.envoyService?.externalTrafficPolicy, s.spec.externalTrafficPolicy);
  }
  if (asked.envoyPDB === undefined) {
    if (pdbs.length > 0) problems.push(`a PDB nobody asked for: ${pdbs.map((p) => p.metadata.name).join(', ')}`);
    else seen.push('no PDB (none asked for)');
  } else {
    if (pdbs.length !== 1) problems.push(`${pdbs.length} proxy PDBs`);
    for (const p of pdbs) compare('PDB minAvailable', asked.envoyPDB.minAvailable, p.spec.minAvailable);
  }
  return observed(problems.length === 0, problems.length === 0 ? seen.join(', ') : problems.join('; '));
}

/**
 * The TLS Secrets the Gateway's listeners name, which the cluster's operator provides (README:
 * prod needs one): a self-signed certificate for the listener's hostnames, made by openssl.
 */
export async function createListenerCertificates(k: Kubectl, app: SynthesizedStack, dir: string): Promise<void> {
  const route = app.customResources('HTTPRoute')[0] as KubeObject & { spec?: { hostnames?: string[] } };
  const hosts = route?.spec?.hostnames ?? [];
  for (const name of listenerCertificates(app)) {
    const base = join(dir, `${app.namespace}-${name}`);
    const san = hosts.length > 0 ? hosts.map((h) => `DNS:${h}`).join(',') : 'DNS:localhost';
    const r = await run(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`, '-keyout', `${base}.key`, '-out', `${base}.crt`],
      { timeoutSeconds: 60 },
    );
    if (r.code !== 0) throw new Error(`openssl for ${name}: ${r.stderr.trim()}`);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name, namespace: app.namespace },
      data: { 'tls.crt': readFileSync(`${base}.crt`).toString('base64'), 'tls.key': readFileSync(`${base}.key`).toString('base64') },
    };
    await k.exec(['apply', '-f', '-'], JSON.stringify(secret));
  }
}

/** The Secrets the stack's Gateway listeners take their certificates from. */
export function listenerCertificates(app: SynthesizedStack): string[] {
  return [...new Set(one<Gateway>(app, 'Gateway').spec.listeners.flatMap((l) => (l.tls?.certificateRefs ?? []).map((c) => c.name)))];
}

/**
 * A deliberately broken HTTPRoute (its backend does not exist) and a second BackendTrafficPolicy on
 * the stack's route (a conflict) are applied; Envoy Gateway's status, judged as the stack's own
 * objects are, must report both. They are deleted again afterwards.
 */
export async function brokenEdgeReported(k: Kubectl, app: SynthesizedStack, seconds: number): Promise<Observation> {
  const ns = app.namespace;
  const gw = one<Gateway>(app, 'Gateway');
  const [ourRoute] = app.customResources('HTTPRoute') as (KubeObject & { spec: { parentRefs: unknown[] } })[];
  const policy = one<Policy>(app, 'BackendTrafficPolicy');
  const brokenRoute = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'e2e-broken-route', namespace: ns },
    spec: {
      parentRefs: ourRoute.spec.parentRefs,
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/e2e-broken' } }], backendRefs: [{ name: 'e2e-no-such-service', port: 80 }] }],
    },
  };
  const conflicting = { apiVersion: policy.apiVersion, kind: policy.kind, metadata: { name: 'e2e-conflicting-policy', namespace: ns }, spec: policy.spec };
  const objects = { apiVersion: 'v1', kind: 'List', items: [brokenRoute, conflicting] };
  await k.exec(['apply', '-f', '-'], JSON.stringify(objects));
  try {
    const verdict = await poll(`Envoy Gateway's status on the broken objects of ${ns}`, seconds, async () => {
      const route = await k.get<Route>(ROUTE_TYPE, brokenRoute.metadata.name, ns);
      const pol = await k.get<Policy>(POLICY_TYPES.BackendTrafficPolicy, conflicting.metadata.name, ns);
      const routeSays = route ? routeProblems(route) : ['not found'];
      const policySays = pol ? policyProblems(pol) : ['not found'];
      const reported = routeSays.some((p) => p.includes('BackendNotFound')) && policySays.some((p) => p.includes('Conflicted'));
      return observed(reported, `${routeSays.join('; ')}; ${policySays.join('; ')}`);
    });
    const ours = await policiesAccepted(k, app);
    return observed(ours.ok, `reported: ${verdict.detail}; Gateway ${gw.metadata.name}'s own policy still: ${ours.detail}`);
  } finally {
    await k.exec(['delete', '-f', '-', '--wait=false'], JSON.stringify(objects));
  }
}
