/**
 * A Mermaid flowchart of one app stack, read from its construct tree: the tiers are the
 * constructs, and every arrow comes from what the constructs were wired with (the edge's
 * routes, the backend's connection URLs, the poolers' cluster and type, the monitors the
 * constructs made), so the picture changes whenever the topology does.
 */
import type { IConstruct } from 'constructs';
import { ValkeyCache } from '../constructs/cache/valkey-cache';
import { ConnectionPooler } from '../constructs/database/connection-pooler';
import { PostgresCluster } from '../constructs/database/postgres-cluster';
import { EdgeGateway } from '../constructs/edge/edge-gateway';
import { WebService } from '../constructs/workload/web-service';

function all<T>(root: IConstruct, type: abstract new (...args: never[]) => T): T[] {
  return root.node.findAll().filter((c): c is IConstruct & T => c instanceof type);
}

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const node = (name: string, label: string, shape: 'box' | 'db' = 'box') =>
  shape === 'db' ? `  ${id(name)}[("${label}")]` : `  ${id(name)}["${label}"]`;
const range = (min: number, max: number) => (min === max ? `${min}` : `${min}–${max}`);

export function topologyDiagram(appStack: IConstruct): string {
  const lines = ['flowchart LR'];
  const arrows: string[] = [];
  const arrow = (from: string, to: string, label?: string, dotted = false) =>
    arrows.push(`  ${id(from)} ${dotted ? '-.->' : '-->'}${label ? `|"${label}"|` : ''} ${id(to)}`);

  const web = all(appStack, WebService);
  for (const w of web) {
    const { minReplicas, maxReplicas, containers } = w.footprint;
    const { requests } = containers[0];
    lines.push(node(w.serviceName, `${w.serviceName}<br/>${range(minReplicas, maxReplicas)} replicas<br/>${requests.cpu} CPU / ${requests.memory} each`));
  }

  for (const edge of all(appStack, EdgeGateway)) {
    lines.push(node('edge', `Envoy Gateway<br/>${edge.proxyReplicas} proxies`));
    for (const r of edge.routes) arrow('edge', r.target.serviceName, r.path);
  }

  const databases = all(appStack, PostgresCluster);
  const primary = (db: PostgresCluster) => `${db.clusterName}-primary`;
  const replicas = (db: PostgresCluster) => `${db.clusterName}-replicas`;
  for (const db of databases) {
    lines.push(node(primary(db), `PostgreSQL primary`, 'db'));
    if (db.readReplicas > 0) {
      lines.push(node(replicas(db), `PostgreSQL replicas ×${db.readReplicas}`, 'db'));
      arrow(primary(db), replicas(db), 'streaming', true);
    }
  }
  const poolers = all(appStack, ConnectionPooler);
  for (const p of poolers) {
    lines.push(node(p.poolerName, `PgBouncer ${p.type}<br/>${p.instances} pods, pool ${p.defaultPoolSize}`));
    arrow(p.poolerName, p.type === 'rw' ? primary(p.cluster) : replicas(p.cluster));
  }

  const caches = all(appStack, ValkeyCache);
  const cacheWrite = (c: ValkeyCache) => `${c.cacheName}-write`;
  const cacheRead = (c: ValkeyCache) => `${c.cacheName}-read`;
  for (const c of caches) {
    lines.push(node(cacheWrite(c), `${cacheWrite(c)}<br/>Valkey primary`));
    lines.push(node(cacheRead(c), `${cacheRead(c)}<br/>${c.instances} instances`));
  }

  // Whom each web tier talks to, from the URLs it was given.
  const targets = [
    ...poolers.map((p) => ({ host: p.host, name: p.poolerName })),
    ...caches.flatMap((c) => [
      { host: c.writeHost, name: cacheWrite(c) },
      { host: c.readHost, name: cacheRead(c) },
    ]),
    ...web.map((w) => ({ host: w.host, name: w.serviceName })),
  ];
  for (const w of web) {
    for (const v of w.env) {
      if (!('value' in v)) continue;
      // The host starts after the scheme's "//" or the credentials' "@": "caller.web.svc" is no
      // target of "http://self-caller.web.svc:80".
      const target = targets.find((t) => [`/${t.host}:`, `@${t.host}:`].some((h) => v.value.includes(h)) && t.name !== w.serviceName);
      if (target) arrow(w.serviceName, target.name, v.name);
    }
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
