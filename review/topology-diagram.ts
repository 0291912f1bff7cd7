/**
 * A Mermaid flowchart of one app stack, read from its construct tree: the tiers are the
 * constructs, and every arrow comes from what the constructs were wired with (the edge's
 * routes, the backend's connection URLs, the poolers' cluster and type, the monitors'
 * selectors), so the picture changes whenever the topology does.
 */
import type { IConstruct } from 'constructs';
import { ValkeyCache } from '../constructs/cache/valkey-cache';
import { ConnectionPooler } from '../constructs/database/connection-pooler';
import { PostgresCluster } from '../constructs/database/postgres-cluster';
import { EdgeGateway } from '../constructs/edge/edge-gateway';
import { MetricsMonitor } from '../constructs/monitoring/metrics-monitor';
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
    const { replicas, resources } = w.props.tier;
    lines.push(node(w.serviceName, `${w.serviceName}<br/>${range(replicas.min, replicas.max)} replicas<br/>${resources.requests.cpu} CPU / ${resources.requests.memory} each`));
  }

  for (const edge of all(appStack, EdgeGateway)) {
    lines.push(node('edge', `Envoy Gateway<br/>${edge.proxyReplicas} proxies`));
    for (const r of edge.routes) arrow('edge', r.target.serviceName, r.pathPrefix);
  }

  const databases = all(appStack, PostgresCluster);
  for (const db of databases) {
    const replicas = db.props.database.readReplicas;
    lines.push(node(`${db.props.name}-primary`, `PostgreSQL primary`, 'db'));
    if (replicas > 0) {
      lines.push(node(`${db.props.name}-replicas`, `PostgreSQL replicas ×${replicas}`, 'db'));
      arrow(`${db.props.name}-primary`, `${db.props.name}-replicas`, 'streaming', true);
    }
  }
  const poolers = all(appStack, ConnectionPooler);
  for (const p of poolers) {
    lines.push(node(p.props.name, `PgBouncer ${p.props.type}<br/>${p.props.pooler.instances} pods, pool ${p.props.pooler.defaultPoolSize}`));
    arrow(p.props.name, `${p.props.clusterName}-${p.props.type === 'rw' ? 'primary' : 'replicas'}`);
  }

  const caches = all(appStack, ValkeyCache);
  for (const c of caches) {
    lines.push(node(`${c.props.name}-write`, `${c.props.name}-write<br/>Valkey primary`));
    lines.push(node(`${c.props.name}-read`, `${c.props.name}-read<br/>${c.props.cache.instances} instances`));
  }

  // Whom each web tier talks to, from the URLs it was given.
  const targets = [
    ...poolers.map((p) => ({ host: p.host, name: p.props.name })),
    ...caches.flatMap((c) => [
      { host: c.writeHost, name: `${c.props.name}-write` },
      { host: c.readHost, name: `${c.props.name}-read` },
    ]),
    ...web.map((w) => ({ host: w.host, name: w.serviceName })),
  ];
  for (const w of web) {
    for (const v of w.props.env ?? []) {
      if (!('value' in v)) continue;
      const target = targets.find((t) => v.value.includes(`${t.host}:`) && t.name !== w.serviceName);
      if (target) arrow(w.serviceName, target.name, v.name);
    }
  }

  const monitors = all(appStack, MetricsMonitor);
  if (monitors.length > 0) {
    lines.push(node('prometheus', 'Prometheus'));
    // What each scrape target's Services or pods are labelled with.
    const scrapeTargets: { name: string; labels: Readonly<Record<string, string>> }[] = [
      ...web.map((w) => ({ name: w.serviceName, labels: w.podSelector })),
      ...caches.map((c) => ({ name: `${c.props.name}-read`, labels: { ...c.podSelector, 'app.kubernetes.io/component': 'read' } })),
      ...poolers.map((p) => ({ name: p.props.name, labels: { ...p.podSelector, 'cnpg.io/cluster': p.props.clusterName, 'cnpg.io/podRole': 'pooler' } })),
      ...databases.map((db) => ({ name: `${db.props.name}-primary`, labels: db.instanceSelector })),
    ];
    for (const target of scrapeTargets) {
      const scraped = monitors.some((m) => Object.entries(m.props.selector).every(([k, v]) => target.labels[k] === v));
      if (scraped) arrow('prometheus', target.name, 'scrape', true);
    }
  }
  return [...lines, ...arrows].join('\n');
}
