/**
 * A Mermaid flowchart of one app stack, read from its construct tree: the tiers are the
 * constructs, and every arrow comes from what the constructs declared: the flows between them
 * (their `connections`, which the NetworkPolicies enforce; the edge's labelled with its routes'
 * paths) and the monitors the constructs made, so the picture changes whenever the topology does.
 */
import type { IConstruct } from 'constructs';
import { ValkeyCache } from '../constructs/cache/valkey-cache';
import { ConnectionPooler } from '../constructs/database/connection-pooler';
import { PostgresCluster } from '../constructs/database/postgres-cluster';
import { EdgeGateway } from '../constructs/edge/edge-gateway';
import type { Peer } from '../constructs/guardrails/connections';
import { NetworkPolicies } from '../constructs/guardrails/network-policies';
import { WebService } from '../constructs/workload/web-service';

function all<T>(root: IConstruct, type: abstract new (...args: never[]) => T): T[] {
  return root.node.findAll().filter((c): c is IConstruct & T => c instanceof type);
}

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const node = (name: string, label: string, shape: 'box' | 'db' = 'box') =>
  shape === 'db' ? `  ${id(name)}[("${label}")]` : `  ${id(name)}["${label}"]`;
const range = (min: number, max: number) => (min === max ? `${min}` : `${min}–${max}`);

/** A drawn construct as the ends of its flows: where a client's flow arrives, where its own leave. */
interface Tier {
  readonly peer: Peer;
  /** The node(s) a flow from `client` arrives at. */
  readonly entry: (client: Peer) => readonly string[];
  readonly exit: string;
  /** What its flow to node `to` is labelled with. @default the flow's ports */
  readonly label?: (to: string) => string;
  /** The arrow of the flow among its own pods (replication), if drawn. */
  readonly internal?: { readonly from: string; readonly to: string; readonly label: string };
}

export function topologyDiagram(appStack: IConstruct): string {
  const lines = ['flowchart LR'];
  const arrows: string[] = [];
  const arrow = (from: string, to: string, label?: string, dotted = false) =>
    arrows.push(`  ${id(from)} ${dotted ? '-.->' : '-->'}${label ? `|"${label}"|` : ''} ${id(to)}`);
  const tiers: Tier[] = [];
  const single = (peer: Peer, name: string): Tier => ({ peer, entry: () => [name], exit: name });

  const web = all(appStack, WebService);
  for (const w of web) {
    const { minReplicas, maxReplicas, containers } = w.footprint;
    const { requests } = containers[0];
    lines.push(node(w.serviceName, `${w.serviceName}<br/>${range(minReplicas, maxReplicas)} replicas<br/>${requests.cpu} CPU / ${requests.memory} each`));
    tiers.push(single(w.connections.peer, w.serviceName));
  }

  for (const edge of all(appStack, EdgeGateway)) {
    lines.push(node('edge', `Envoy Gateway<br/>${edge.proxyReplicas} proxies`));
    // The proxies' flows, labelled with the paths routed over them.
    const paths = (to: string) => edge.routes.filter((r) => r.target.serviceName === to).map((r) => r.path).join(', ');
    tiers.push({ peer: edge.proxies, entry: () => [], exit: 'edge', label: paths });
  }

  const databases = all(appStack, PostgresCluster);
  const poolers = all(appStack, ConnectionPooler);
  const primary = (db: PostgresCluster) => `${db.clusterName}-primary`;
  const replicas = (db: PostgresCluster) => `${db.clusterName}-replicas`;
  for (const db of databases) {
    lines.push(node(primary(db), `PostgreSQL primary`, 'db'));
    if (db.readReplicas > 0) lines.push(node(replicas(db), `PostgreSQL replicas ×${db.readReplicas}`, 'db'));
    // A read-only pooler reaches the replicas; every other client the primary.
    const readOnly = (client: Peer) => db.readReplicas > 0 && poolers.some((p) => p.type === 'ro' && p.connections.peer === client);
    tiers.push({
      peer: db.connections.peer,
      entry: (client) => [readOnly(client) ? replicas(db) : primary(db)],
      exit: primary(db),
      ...(db.readReplicas > 0 ? { internal: { from: primary(db), to: replicas(db), label: 'streaming' } } : {}),
    });
  }
  for (const p of poolers) {
    lines.push(node(p.poolerName, `PgBouncer ${p.type}<br/>${p.instances} pods, pool ${p.defaultPoolSize}`));
    tiers.push(single(p.connections.peer, p.poolerName));
  }

  const caches = all(appStack, ValkeyCache);
  const cacheWrite = (c: ValkeyCache) => `${c.cacheName}-write`;
  const cacheRead = (c: ValkeyCache) => `${c.cacheName}-read`;
  for (const c of caches) {
    lines.push(node(cacheWrite(c), `${cacheWrite(c)}<br/>Valkey primary`));
    lines.push(node(cacheRead(c), `${cacheRead(c)}<br/>${c.instances} instances`));
    // Clients may use both Services; the replicas stream from the primary.
    tiers.push({
      peer: c.connections.peer,
      entry: () => [cacheWrite(c), cacheRead(c)],
      exit: cacheWrite(c),
      ...(c.instances > 1 ? { internal: { from: cacheWrite(c), to: cacheRead(c), label: 'replication' } } : {}),
    });
  }

  // Who may reach whom, from the flows the constructs declared, labelled with their ports.
  const tierOf = (peer: Peer) => tiers.find((t) => t.peer === peer);
  for (const flow of all(appStack, NetworkPolicies).flatMap((np) => np.declaredFlows)) {
    const [client, server] = [tierOf(flow.from), tierOf(flow.to)];
    if (client === undefined || server === undefined) continue;
    if (client === server) {
      if (client.internal) arrow(client.internal.from, client.internal.to, client.internal.label, true);
      continue;
    }
    for (const to of server.entry(flow.from)) arrow(client.exit, to, client.label?.(to) ?? flow.ports.join(', '));
  }

  // Who is scraped: the constructs that made a monitor for their metrics.
  const scraped = [
    ...web.map((w) => ({ name: w.serviceName, monitor: w.metricsMonitor })),
    ...caches.map((c) => ({ name: cacheRead(c), monitor: c.metricsMonitor })),
    ...poolers.map((p) => ({ name: p.poolerName, monitor: p.metricsMonitor })),
    ...databases.map((db) => ({ name: primary(db), monitor: db.metricsMonitor })),
  ].filter((t) => t.monitor !== undefined);
  if (scraped.length > 0) {
    lines.push(node('prometheus', 'Prometheus'));
    for (const target of scraped) arrow('prometheus', target.name, 'scrape', true);
  }
  return [...lines, ...arrows].join('\n');
}
