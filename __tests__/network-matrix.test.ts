/**
 * prod's NetworkPolicies, judged against a connectivity matrix written here: who may open a
 * connection to whom, on which port. The pods are the stacks' own (their template labels and
 * container ports, as synthesized) and the pods that others run (CloudNativePG's, Envoy
 * Gateway's, Prometheus', kube-dns), whose labels are written here from those projects' sources.
 * Every pair of pods and every port a destination listens on is evaluated; the allowed ones
 * must be exactly the matrix, so a flow too many fails as a flow too few does.
 */
import { selects, type LabelSelector, type Labels } from '../e2e/lib/kube';
import { prod } from '../config/environments';
import { at, fixture, manifests, metadataName, resources, synthesize, type Json } from './helpers';

const APP = 'web-prod';
const EDGE = 'envoy-gateway-system';

/** A pod (or the API server, which has no namespace) and the ports it listens on, as "5432/TCP". */
interface Endpoint {
  readonly namespace?: string;
  readonly labels: Labels;
  readonly ports: readonly string[];
  readonly ip: string;
}

/** A NetworkPolicy peer or selector as the provider's JSON writes it. */
interface Selector {
  readonly match_labels?: Labels;
  readonly match_expressions?: LabelSelector['matchExpressions'];
}
interface Peer {
  readonly pod_selector?: Selector;
  readonly namespace_selector?: Selector;
  readonly ip_block?: { readonly cidr: string; readonly except?: readonly string[] };
}
interface Rule {
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
  readonly ports?: readonly { readonly port?: string; readonly protocol?: string; readonly end_port?: number }[];
}
interface Policy {
  readonly namespace: string;
  readonly podSelector: Selector;
  readonly types: readonly string[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

const toSelector = (s: Selector | undefined): LabelSelector => ({ matchLabels: s?.match_labels, matchExpressions: s?.match_expressions });

function policiesOf(stack: Json): Policy[] {
  return resources(stack, 'kubernetes_network_policy_v1').map((p) => ({
    namespace: at(p, 'metadata', 'namespace') as string,
    podSelector: (at(p, 'spec', 'pod_selector') ?? {}) as Selector,
    types: (at(p, 'spec', 'policy_types') ?? []) as string[],
    ingress: (at(p, 'spec', 'ingress') ?? []) as Rule[],
    egress: (at(p, 'spec', 'egress') ?? []) as Rule[],
  }));
}

/** Whether an IPv4 address is in a block; an IPv6 block holds none of the IPv4 addresses here. */
function inBlock(ip: string, cidr: string): boolean {
  if (cidr.includes(':')) return false;
  const [base, bits] = cidr.split('/');
  const number = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(number(ip) / size) === Math.floor(number(base) / size);
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ip_block) return inBlock(other.ip, peer.ip_block.cidr) && !(peer.ip_block.except ?? []).some((e) => inBlock(other.ip, e));
  if (other.namespace === undefined) return false;
  const namespaceMatches = peer.namespace_selector
    ? selects(toSelector(peer.namespace_selector), { 'kubernetes.io/metadata.name': other.namespace })
    : other.namespace === policyNamespace;
  return namespaceMatches && selects(toSelector(peer.pod_selector), other.labels);
}

function portMatches(rule: Rule, port: string): boolean {
  const [number, protocol] = port.split('/');
  if (rule.ports === undefined || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    // Every policy of ours names numeric ports; a name or a range would need resolving here.
    if (p.end_port !== undefined || (p.port !== undefined && !/^\d+$/.test(p.port))) throw new Error(`port ${JSON.stringify(p)} is not one number`);
    return (p.port === undefined || p.port === number) && (p.protocol ?? 'TCP') === protocol;
  });
}

/** Whether `self`'s policies let it open (Egress) or accept (Ingress) this connection with `other`. */
function admits(policies: readonly Policy[], direction: 'Ingress' | 'Egress', self: Endpoint, other: Endpoint, port: string): boolean {
  const isolating = policies.filter((p) => p.namespace === self.namespace && p.types.includes(direction) && selects(toSelector(p.podSelector), self.labels));
  if (isolating.length === 0) return true;
  const rules = (p: Policy) => (direction === 'Ingress' ? p.ingress : p.egress);
  return isolating.some((p) => rules(p).some((r) => portMatches(r, port) && ((direction === 'Ingress' ? r.from : r.to) ?? [{}]).some((peer) => peerMatches(peer, p.namespace, other))));
}

/** Labels and ports of a pod the stacks make, as its template says. */
function ownPod(template: unknown, namespace: string, ip: string): Endpoint {
  const containers = (at(template, 'spec', 'container') ?? at(template, 'spec', 'containers') ?? []) as Json[];
  const ports = containers.flatMap((c) => ((c.port ?? c.ports ?? []) as Json[]).map((p) => `${String(p.container_port ?? p.containerPort)}/${String(p.protocol ?? 'TCP')}`));
  return { namespace, labels: at(template, 'metadata', 'labels') as Labels, ports, ip };
}

const synthesized = fixture(() => {
  const { platform, app } = synthesize(prod);
  const template = (stack: Json, type: string, name: string) => at(resources(stack, type).find((r) => metadataName(r) === name), 'spec', 'template');
  const migration = manifests(app, 'Job')[0];
  const cnpg = (labels: Labels, ports: readonly string[], ip: string): Endpoint => ({ namespace: APP, labels: { 'cnpg.io/cluster': 'postgres', ...labels }, ports, ip });
  // CloudNativePG's pkg/specs: the instance manager serves its status on 8000 and metrics on
  // 9187; a pooler's PgBouncer 5432, its status 8000 and metrics 9127.
  const pooler = (type: string, ip: string) => cnpg({ 'cnpg.io/podRole': 'pooler', 'cnpg.io/poolerName': `postgres-pooler-${type}` }, ['5432/TCP', '8000/TCP', '9127/TCP'], ip);
  const endpoints: Record<string, Endpoint> = {
    backend: ownPod(template(app, 'kubernetes_deployment_v1', 'backend'), APP, '10.244.0.1'),
    frontend: ownPod(template(app, 'kubernetes_deployment_v1', 'frontend'), APP, '10.244.0.2'),
    cache: ownPod(template(app, 'kubernetes_stateful_set_v1', 'cache'), APP, '10.244.0.3'),
    migration: ownPod(at(migration, 'spec', 'template'), APP, '10.244.0.4'),
    postgres: cnpg({ 'cnpg.io/podRole': 'instance' }, ['5432/TCP', '8000/TCP', '9187/TCP'], '10.244.0.5'),
    'postgres-initdb': cnpg({ 'cnpg.io/jobRole': 'initdb' }, [], '10.244.0.6'),
    'postgres-join': cnpg({ 'cnpg.io/jobRole': 'join' }, [], '10.244.0.7'),
    'pooler-rw': pooler('rw', '10.244.0.8'),
    'pooler-ro': pooler('ro', '10.244.0.9'),
    // Envoy Gateway's internal/infrastructure/kubernetes/{proxy,ratelimit}/resource.go, and the
    // owning Gateway's labels of internal/gatewayapi/translator.go: this app's proxies, and another
    // Gateway's (another environment's on the same cluster).
    'envoy-proxy': envoyProxy('edge', APP, '10.244.1.1'),
    'other-proxy': envoyProxy('edge', 'web-staging', '10.244.1.5'),
    'envoy-ratelimit': { namespace: EDGE, labels: { 'app.kubernetes.io/name': 'envoy-ratelimit', 'app.kubernetes.io/component': 'ratelimit', 'app.kubernetes.io/managed-by': 'envoy-gateway' }, ports: ['8081/TCP'], ip: '10.244.1.2' },
    'envoy-gateway': { namespace: EDGE, labels: { 'app.kubernetes.io/name': 'gateway-helm', 'control-plane': 'envoy-gateway' }, ports: ['18000/TCP'], ip: '10.244.1.3' },
    'ratelimit-valkey': ownPod(template(platform, 'kubernetes_deployment_v1', 'ratelimit-valkey'), EDGE, '10.244.1.4'),
    'cnpg-operator': { namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' }, ports: ['9443/TCP'], ip: '10.244.2.1' },
    prometheus: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: ['9090/TCP'], ip: '10.244.3.1' },
    grafana: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' }, ports: ['3000/TCP'], ip: '10.244.3.2' },
    'kube-dns': { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: ['53/UDP', '53/TCP'], ip: '10.244.4.1' },
    'api-server': { labels: {}, ports: ['443/TCP', '6443/TCP'], ip: '172.18.0.2' },
  };
  const policies = [...policiesOf(app), ...policiesOf(platform)];
  const allowed: string[] = [];
  for (const [fromName, from] of Object.entries(endpoints)) {
    for (const [toName, to] of Object.entries(endpoints)) {
      // Pods of namespaces no policy of ours isolates talk as their owners let them: not ours to judge.
      const governed = [from, to].some((e) => policies.some((p) => p.namespace === e.namespace && selects(toSelector(p.podSelector), e.labels)));
      if (!governed) continue;
      for (const port of to.ports) {
        if (admits(policies, 'Egress', from, to, port) && admits(policies, 'Ingress', to, from, port)) allowed.push(`${fromName} → ${toName}:${port}`);
      }
    }
  }
  return { endpoints, allowed };
});

/** An Envoy proxy pod of Gateway `gateway` in `namespace`, labelled as Envoy Gateway 1.9.1 labels it. */
function envoyProxy(gateway: string, namespace: string, ip: string): Endpoint {
  return {
    namespace: EDGE,
    labels: {
      'app.kubernetes.io/name': 'envoy',
      'app.kubernetes.io/component': 'proxy',
      'app.kubernetes.io/managed-by': 'envoy-gateway',
      'gateway.envoyproxy.io/owning-gateway-name': gateway,
      'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
    },
    ports: ['10080/TCP', '10443/TCP'],
    ip,
  };
}

describe("prod's NetworkPolicies", () => {
  /** Every pod of the app's namespace: each may ask kube-dns, and nothing else outside the matrix below. */
  const APP_PODS = ['backend', 'frontend', 'cache', 'migration', 'postgres', 'postgres-initdb', 'postgres-join', 'pooler-rw', 'pooler-ro'];

  const MATRIX = [
    // The edge: this Gateway's proxies reach the web tiers' http port; Envoy Gateway's controller,
    // its rate limit service and another Gateway's proxies do not.
    'envoy-proxy → backend:8080/TCP',
    'envoy-proxy → frontend:8080/TCP',
    // The backend reaches PostgreSQL only through the poolers, and the cache.
    'backend → pooler-rw:5432/TCP',
    'backend → pooler-ro:5432/TCP',
    'backend → cache:6379/TCP',
    // Valkey replicates between its instances.
    'cache → cache:6379/TCP',
    // The poolers reach the instances, and the API server for their Secrets.
    ...['pooler-rw', 'pooler-ro'].flatMap((p) => [`${p} → postgres:5432/TCP`, `${p} → api-server:443/TCP`, `${p} → api-server:6443/TCP`]),
    // The instances replicate and read each other's status, and talk to the API server.
    'postgres → postgres:5432/TCP',
    'postgres → postgres:8000/TCP',
    'postgres → api-server:443/TCP',
    'postgres → api-server:6443/TCP',
    // CloudNativePG's Jobs: initdb talks to the API server; a replica's join copies from the primary.
    'postgres-initdb → api-server:443/TCP',
    'postgres-initdb → api-server:6443/TCP',
    'postgres-join → api-server:443/TCP',
    'postgres-join → api-server:6443/TCP',
    'postgres-join → postgres:5432/TCP',
    // The schema migration connects to the primary directly (DDL does not go through PgBouncer).
    'migration → postgres:5432/TCP',
    // The operator reads the instances' and poolers' status.
    'cnpg-operator → postgres:8000/TCP',
    'cnpg-operator → pooler-rw:8000/TCP',
    'cnpg-operator → pooler-ro:8000/TCP',
    // Prometheus scrapes each metrics port; nothing else in its namespace may.
    'prometheus → backend:9090/TCP',
    'prometheus → cache:9121/TCP',
    'prometheus → postgres:9187/TCP',
    'prometheus → pooler-rw:9127/TCP',
    'prometheus → pooler-ro:9127/TCP',
    // Global rate limits: only Envoy's rate limit service reaches its Valkey, which reaches nothing.
    'envoy-ratelimit → ratelimit-valkey:6379/TCP',
    ...APP_PODS.flatMap((pod) => [`${pod} → kube-dns:53/UDP`, `${pod} → kube-dns:53/TCP`]),
  ];

  it('allow exactly the intended connections between the pods, on their ports', () => {
    expect(synthesized().allowed.sort()).toEqual([...MATRIX].sort());
  });

  it('are judged against pods that listen where the matrix says', () => {
    const { endpoints } = synthesized();
    expect([endpoints.backend.ports, endpoints.frontend.ports, endpoints.cache.ports, endpoints['ratelimit-valkey'].ports]).toEqual([
      ['8080/TCP', '9090/TCP'],
      ['8080/TCP'],
      ['6379/TCP', '9121/TCP'],
      ['6379/TCP'],
    ]);
  });
});
