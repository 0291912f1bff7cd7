/**
 * Reads what Envoy Gateway's translator produced: the statuses it gave our resources and the
 * Envoy configuration (listeners, routes, clusters, endpoints) of each Gateway. Each check
 * throws with what it expected and what Envoy Gateway made of it.
 */
// @ts-nocheck

import { at, type Json } from '../../__tests__/helpers';
import type { ServiceAddresses, Translation } from './translate';

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const show = (value: unknown) => JSON.stringify(value);

// ---- statuses ----

/** Where Envoy Gateway writes conditions on each kind, by the key of the translator's output. */
const STATUS_LISTS = {
  gatewayClass: 'GatewayClass',
  envoyProxyForGatewayClass: 'EnvoyProxy',
  envoyProxiesForGateways: 'EnvoyProxy',
  gateways: 'Gateway',
  httpRoutes: 'HTTPRoute',
  backendTrafficPolicies: 'BackendTrafficPolicy',
  clientTrafficPolicies: 'ClientTrafficPolicy',
} as const;

export interface Condition {
  readonly resource: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

function conditionsOf(resource: string, status: unknown): Condition[] {
  const own = list(at(status, 'conditions'));
  const nested = ['listeners', 'parents', 'ancestors'].flatMap((key) => list(at(status, key)).flatMap((s) => list(s.conditions)));
  return [...own, ...nested].map((c) => ({ resource, type: String(c.type), status: String(c.status), reason: String(c.reason), message: String(c.message) }));
}

/** Every condition Envoy Gateway set, per `Kind/namespace/name`. */
export function statuses(t: Translation): Map<string, Condition[]> {
  const byResource = new Map<string, Condition[]>();
  for (const [key, kind] of Object.entries(STATUS_LISTS)) {
    const value = t.resources[key];
    for (const r of Array.isArray(value) ? (value as Json[]) : value ? [value as Json] : []) {
      const namespace = at(r, 'metadata', 'namespace');
      const id = `${kind}/${namespace ? `${String(namespace)}/` : ''}${String(at(r, 'metadata', 'name'))}`;
      byResource.set(id, [...(byResource.get(id) ?? []), ...conditionsOf(id, r.status)]);
    }
  }
  return byResource;
}

/**
 * Every resource we sent has conditions, and every Accepted and ResolvedRefs among them is True
 * (Programmed needs a running data plane, which an offline translation has not).
 */
export function checkAccepted(t: Translation, sent: readonly Json[]): string[] {
  const found = statuses(t);
  const problems: string[] = [];
  const accepted: string[] = [];
  for (const object of sent) {
    if (!Object.values(STATUS_LISTS).includes(object.kind as never)) continue;
    const namespace = at(object, 'metadata', 'namespace');
    const id = `${String(object.kind)}/${namespace && object.kind !== 'GatewayClass' ? `${String(namespace)}/` : ''}${String(at(object, 'metadata', 'name'))}`;
    const conditions = found.get(id) ?? [];
    const judged = conditions.filter((c) => c.type === 'Accepted' || c.type === 'ResolvedRefs');
    if (!judged.some((c) => c.type === 'Accepted')) problems.push(`${id}: no Accepted condition (Envoy Gateway did not attach it)`);
    for (const c of judged.filter((c) => c.status !== 'True')) problems.push(`${id}: ${c.type}=${c.status} (${c.reason}): ${c.message}`);
    accepted.push(id);
  }
  if (problems.length > 0) throw new Error(`Envoy Gateway did not accept every edge resource:\n  ${problems.join('\n  ')}`);
  return accepted;
}

// ---- Envoy configuration ----

export interface EnvoyConfig {
  /** The Gateway's key, `namespace/name`; its listeners are named after it. */
  readonly gateway: string;
  readonly listeners: Json[];
  readonly routeConfigs: Json[];
  readonly clusters: Json[];
  readonly endpoints: Json[];
}

/** The xDS of the one Gateway in a translation. */
export function envoyConfig(t: Translation): EnvoyConfig {
  const gateways = Object.keys(t.xds);
  if (gateways.length !== 1) throw new Error(`expected Envoy configuration for one Gateway, got ${show(gateways)}`);
  const configs = list(at(t.xds, gateways[0], 'configs'));
  const dump = (suffix: string, key: string, inner: string) =>
    configs.filter((c) => String(c['@type']).endsWith(suffix)).flatMap((c) => list(c[key]).map((e) => at(e, ...inner.split('.')) as Json));
  return {
    gateway: gateways[0],
    listeners: dump('ListenersConfigDump', 'dynamicListeners', 'activeState.listener'),
    routeConfigs: dump('RoutesConfigDump', 'dynamicRouteConfigs', 'routeConfig'),
    clusters: dump('ClustersConfigDump', 'dynamicActiveClusters', 'cluster'),
    endpoints: dump('EndpointsConfigDump', 'dynamicEndpointConfigs', 'endpointConfig'),
  };
}

/** Envoy's routes of every virtual host, with the route config and domains they belong to. */
export function routes(config: EnvoyConfig): { readonly routeConfig: string; readonly domains: string[]; readonly route: Json }[] {
  return config.routeConfigs.flatMap((rc) =>
    list(rc.virtualHosts).flatMap((vh) => list(vh.routes).map((route) => ({ routeConfig: String(rc.name), domains: (vh.domains as string[]) ?? [], route }))),
  );
}

/** The Envoy route that serves a Gateway API PathPrefix (Envoy Gateway uses path_separated_prefix, or prefix for "/"). */
export function routeForPrefix(config: EnvoyConfig, prefix: string): Json {
  const matching = routes(config).filter(({ route }) => {
    const m = route.match as Json;
    return (prefix === '/' ? m.prefix === '/' : m.pathSeparatedPrefix === prefix) && route.route !== undefined;
  });
  if (matching.length === 0) throw new Error(`no Envoy route forwards the path prefix ${prefix}; routes: ${show(routes(config).map((r) => r.route.match))}`);
  return matching[0].route;
}

/** The Service (by the ClusterIP the check gave it) and port each endpoint of a cluster goes to. */
export function clusterTargets(config: EnvoyConfig, clusterName: string, services: ServiceAddresses): string[] {
  const assignment = config.endpoints.find((e) => e.clusterName === clusterName) ?? (config.clusters.find((c) => c.name === clusterName)?.loadAssignment as Json | undefined);
  const byIp = new Map([...services].map(([name, s]) => [s.clusterIP, name]));
  return list(at(assignment, 'endpoints')).flatMap((group) =>
    list(group.lbEndpoints).map((lb) => {
      const address = at(lb, 'endpoint', 'address', 'socketAddress') as Json;
      return `${byIp.get(String(address.address)) ?? String(address.address)}:${String(address.portValue)}`;
    }),
  );
}

export function cluster(config: EnvoyConfig, name: string): Json {
  const found = config.clusters.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no Envoy cluster named ${name}`);
  return found;
}

/** The HTTP connection managers of the Gateway's listeners (not Envoy Gateway's own readiness listener). */
export function httpConnectionManagers(config: EnvoyConfig): Json[] {
  return config.listeners
    .filter((l) => String(l.name).startsWith(`${config.gateway}/`))
    .flatMap((l) => [...list(l.filterChains), ...(l.defaultFilterChain ? [l.defaultFilterChain as Json] : [])])
    .flatMap((fc) => list(fc.filters).filter((f) => f.name === 'envoy.filters.network.http_connection_manager').map((f) => f.typedConfig as Json));
}

/** The name of a cluster's load balancing policy (Envoy Gateway uses the typed extension). */
export function loadBalancing(c: Json): string {
  return String(at(c, 'loadBalancingPolicy', 'policies', 0, 'typedExtensionConfig', 'name') ?? c.lbPolicy);
}

/** A rate limit rule's actions, as what they key the counter by. */
export function describeActions(actions: readonly Json[]): string[] {
  return actions.map((a) => {
    if (a.headerValueMatch) {
      const h = at(a, 'headerValueMatch', 'headers', 0) as Json;
      const sm = h.stringMatch as Json;
      return `${String(h.name)} ${sm.exact !== undefined ? `= ${String(sm.exact)}` : `~ ${String(at(sm, 'safeRegex', 'regex'))}`}`;
    }
    const remote = a.remoteAddressMatch as Json | undefined;
    if (remote) return String(remote.descriptorValue).startsWith('%') ? 'client address' : `client in ${String(remote.descriptorValue)}`;
    if (a.genericKey) return `route ${String(at(a, 'genericKey', 'descriptorValue'))}`;
    return show(a);
  });
}
