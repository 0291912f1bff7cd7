import { TerraformStack, Testing } from 'cdktf';
import { parse } from 'yaml';
import { ValkeyCache } from '../../constructs/cache/valkey-cache';
import { PostgresCluster } from '../../constructs/database/postgres-cluster';
import { AlertRules, type AlertRulesProps } from '../../constructs/monitoring/alert-rules';
import { AppDashboard, DASHBOARD_KEY } from '../../constructs/monitoring/app-dashboard';
import { BackendMetrics } from '../../constructs/monitoring/backend-metrics';
import { MetricsMonitor } from '../../constructs/monitoring/metrics-monitor';
import { PrometheusStack, type PrometheusStackProps } from '../../constructs/monitoring/prometheus-stack';
import { ServiceLevelObjectives, type ServiceLevelObjectivesProps } from '../../constructs/monitoring/service-level-objectives';
import { TracingEndpoint, type TracingEndpointProps } from '../../constructs/monitoring/tracing-endpoint';
import { DURATION_RULE } from '../../constructs/core/validation';
import { ConfigError, loadEnvironment } from '../../config/load';
import type { EnvironmentInput } from '../../config/schema';
import versions from '../../config/versions.json';
import { alertTests, type Rule as PromRule } from '../../scripts/rules-check/scenarios';
import { at, ENVIRONMENTS, fixture, manifests, metadataName, resources, synthesize, synthScope, withValue, type Json } from '../helpers';
import { refusalOf } from '../refusal';

const resourcesOf = { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '8Gi' } };
const stackProps: PrometheusStackProps = { chart: versions.charts.kubePrometheusStack, namespace: 'monitoring', storage: { size: '50Gi' }, resources: resourcesOf };

function prometheusValues(props: Partial<PrometheusStackProps> = {}): Json {
  const out = synthScope((scope) => new PrometheusStack(scope, 'p', { ...stackProps, ...props }));
  return parse((resources(out, 'helm_release')[0].values as string[])[0]) as Json;
}

const inStack = () => new TerraformStack(Testing.app(), 'stack');

/** Runs `build` in a fresh app and returns the message of the error it throws (a plain Error where a PropError would echo a secret). */
const errorOf = (build: (scope: ReturnType<typeof Testing.app>) => unknown) => refusalOf(() => build(Testing.app()));

/**
 * Passwords with the characters a URL's userinfo must encode, unencoded (and one encoded), made of
 * parts no message holds otherwise.
 */
const PASSWORDS = ['Zq7p@Wv9s/Kx3m', 'Jd4t/Rb8y', 'Hn2c:Lq6w@Xe5v', 'Mf8k%40Tg1z', 'Qa3r@Yb5u@Pc7i'];

describe('PrometheusStack', () => {
  it('selects monitors and rules from every namespace', () => {
    expect(at(prometheusValues(), 'prometheus', 'prometheusSpec')).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      probeSelectorNilUsesHelmValues: false,
      retention: '15d',
      resources: resourcesOf,
    });
  });

  it('keeps Prometheus data on a claim of the configured size and class', () => {
    const claim = (storage: PrometheusStackProps['storage']) =>
      at(prometheusValues({ storage }), 'prometheus', 'prometheusSpec', 'storageSpec', 'volumeClaimTemplate', 'spec');
    expect(claim({ size: '50Gi' })).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } });
    expect(claim({ size: '80Gi', storageClass: 'fast-ssd' })).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '80Gi' } },
      storageClassName: 'fast-ssd',
    });
  });

  it('reads the Alertmanager webhook URL from a mounted Secret', () => {
    const alertmanager = at(prometheusValues({ alertWebhook: { secretName: 'alertmanager-webhook', key: 'url' } }), 'alertmanager') as Json;
    expect(at(alertmanager, 'alertmanagerSpec', 'secrets')).toEqual(['alertmanager-webhook']);
    expect(at(alertmanager, 'config', 'receivers', 0, 'webhook_configs', 0, 'url_file')).toBe('/etc/alertmanager/secrets/alertmanager-webhook/url');
    expect(at(prometheusValues(), 'alertmanager')).toEqual({});
  });

  it('sends every alert to the webhook, grouped by alert and namespace, resolved ones too', () => {
    const config = at(prometheusValues({ alertWebhook: { secretName: 'alertmanager-webhook', key: 'url' } }), 'alertmanager', 'config') as Json;
    expect(config.route).toEqual({ receiver: 'webhook', group_by: ['alertname', 'namespace'], routes: [] });
    expect(config.receivers).toEqual([
      { name: 'webhook', webhook_configs: [{ url_file: '/etc/alertmanager/secrets/alertmanager-webhook/url', send_resolved: true }] },
    ]);
  });

  it("drops the chart's default Grafana password and can use an existing Secret", () => {
    expect(at(prometheusValues(), 'grafana', 'adminPassword')).toBeNull();
    expect(at(prometheusValues(), 'grafana', 'admin')).toBeUndefined();
    expect(at(prometheusValues({ grafanaAdminSecretName: 'grafana-admin' }), 'grafana', 'admin')).toEqual({
      existingSecret: 'grafana-admin',
      userKey: 'admin-user',
      passwordKey: 'admin-password',
    });
  });

  it('has Grafana load labelled dashboard ConfigMaps from every namespace', () => {
    expect(at(prometheusValues(), 'grafana', 'sidecar')).toEqual({
      dashboards: { enabled: true, label: 'grafana_dashboard', searchNamespace: 'ALL' },
    });
  });

  it('gives Grafana\'s in-cluster URL, or none without Grafana', () => {
    const urls: string[] = [];
    synthScope((scope) => {
      urls.push(new PrometheusStack(scope, 'on', stackProps).grafanaUrl);
      urls.push(new PrometheusStack(scope, 'off', { ...stackProps, grafanaEnabled: false }).grafanaUrl);
    });
    expect(urls).toEqual(['http://kube-prometheus-stack-grafana.monitoring.svc', '']);
    expect(at(prometheusValues({ grafanaEnabled: false }), 'grafana', 'enabled')).toBe(false);
  });

  it('refuses a namespace or webhook Secret that is no DNS name, naming the prop', () => {
    expect(errorOf((app) => new PrometheusStack(app, 'p', { ...stackProps, namespace: 'Monitoring' }))).toContain("p: 'namespace' (\"Monitoring\")");
    expect(errorOf((app) => new PrometheusStack(app, 'p', { ...stackProps, alertWebhook: { secretName: 'Hook', key: 'url' } }))).toContain(
      "p: 'alertWebhook.secretName' (\"Hook\")",
    );
  });

  it('refuses a retention that is not a Prometheus duration', () => {
    expect(errorOf((app) => new PrometheusStack(app, 'p', { ...stackProps, retention: '2 weeks' }))).toBe(
      `p: 'retention' ("2 weeks") ${DURATION_RULE}`,
    );
  });
});

describe('MetricsMonitor', () => {
  const monitors = fixture(() =>
    synthScope((scope) => {
      new MetricsMonitor(scope, 's', { name: 'backend', namespace: 'web', through: 'service', selector: { app: 'backend' } });
      new MetricsMonitor(scope, 'p', { name: 'db', namespace: 'web', through: 'pod', selector: { db: 'x' }, port: 'exporter', path: '/m', interval: '15s' });
    }),
  );
  let out: Json;
  beforeEach(() => (out = monitors()));

  it('scrapes a Service\'s endpoints or pods on the named port and path', () => {
    const [service, pod] = [manifests(out, 'ServiceMonitor')[0], manifests(out, 'PodMonitor')[0]];
    expect(at(service, 'spec')).toEqual({
      selector: { matchLabels: { app: 'backend' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
    expect(at(pod, 'spec')).toEqual({
      selector: { matchLabels: { db: 'x' } },
      podMetricsEndpoints: [{ port: 'exporter', path: '/m', interval: '15s' }],
    });
  });

  it('tells what it scrapes through typed attributes', () => {
    synthScope((scope) => {
      const m = new MetricsMonitor(scope, 'm', { name: 'db', namespace: 'web', through: 'pod', selector: { db: 'x' } });
      expect([m.kind, m.selector, m.port, m.path]).toEqual(['PodMonitor', { db: 'x' }, 'metrics', '/metrics']);
    });
  });

  it('refuses an empty selector, a bad interval and a relative path', () => {
    const base = { name: 'm', namespace: 'web', through: 'pod' as const, selector: { a: 'b' } };
    expect(errorOf((app) => new MetricsMonitor(app, 'm', { ...base, selector: {} }))).toBe(
      "m: 'selector' ({}) must name at least one label: an empty selector scrapes every Service or pod of the namespace",
    );
    expect(errorOf((app) => new MetricsMonitor(app, 'm', { ...base, interval: '30' }))).toBe(
      `m: 'interval' ("30") ${DURATION_RULE}`,
    );
    expect(errorOf((app) => new MetricsMonitor(app, 'm', { ...base, path: 'metrics' }))).toBe('m: \'path\' ("metrics") must be an absolute path starting with "/"');
    expect(errorOf((app) => new MetricsMonitor(app, 'm', { ...base, name: 'Backend' }))).toMatch(/^m: 'name' \("Backend"\) must be a DNS-1123 label/);
  });
});

/**
 * What the alerts and the dashboard watch: the backend's metrics, a cluster `pg` and a cache, built
 * in a stack of their own so that a scope under test holds only what the construct under test makes.
 */
const watched = fixture(() => {
  const stack = inStack();
  return {
    backend: new BackendMetrics('web', 'api'),
    database: new PostgresCluster(stack, 'db', {
      name: 'pg',
      namespace: 'web',
      image: 'ghcr.io/cloudnative-pg/postgresql:17.10-standard-trixie',
      storage: { size: '10Gi' },
      resources: resourcesOf,
    }),
    cache: new ValkeyCache(stack, 'cache', {
      name: 'cache',
      namespace: 'web',
      image: 'docker.io/valkey/valkey:8.1.4-alpine',
      exporterImage: 'docker.io/oliver006/redis_exporter:v1.80.0',
      instances: 2,
      resources: resourcesOf,
      auth: { secretName: 'cache-auth' },
    }),
  };
});
const ruleProps = (): AlertRulesProps => ({ namespace: 'web', ...watched() });
const dashboardProps = () => ({ namespace: 'web', title: 'Web', ...watched() });
type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Json; annotations?: Json };
const rulesOf = (synthesized: Json, name?: string) =>
  manifests(synthesized, 'PrometheusRule')
    .filter((m) => name === undefined || at(m, 'metadata', 'name') === name)
    .flatMap((m) => (at(m, 'spec', 'groups') as Json[]).flatMap((g) => g.rules as Rule[]));
const alertRules = (props: Partial<AlertRulesProps> = {}) => rulesOf(synthScope((scope) => new AlertRules(scope, 'a', { ...ruleProps(), ...props })));
const exprOf = (rules: Rule[], alert: string) => rules.find((r) => r.alert === alert)?.expr;

describe('AlertRules', () => {
  const sharedRules = fixture(() => alertRules());
  let rules: Rule[];
  beforeEach(() => (rules = sharedRules()));

  it('covers errors, latency, scaling, readiness, replication and the cache, each for its time', () => {
    expect(rules.map((r) => [r.alert, r.for, at(r, 'labels', 'severity')])).toEqual([
      ['BackendHighErrorRatio', '5m', 'critical'],
      ['BackendHighLatencyP99', '10m', 'warning'],
      ['HpaAtMaxReplicas', '15m', 'warning'],
      ['PodsNotReady', '10m', 'warning'],
      ['PostgresReplicationLag', '5m', 'warning'],
      ['PostgresNoPrimary', '1m', 'critical'],
      ['CacheNearMaxmemory', '10m', 'info'],
      ['CacheEvicting', '15m', 'warning'],
    ]);
    // Every series selector of every rule is limited to the app's namespace.
    for (const r of rules) {
      const selectors = [...r.expr.matchAll(/\{([^}]*)\}/g)].map((m) => m[1].split(', '));
      expect(selectors.length).toBeGreaterThan(0);
      for (const matchers of selectors) expect(matchers.filter((m) => m.startsWith('namespace'))).toEqual(['namespace="web"']);
    }
  });

  it('judges the 5xx ratio only above a minimum traffic, so one failed request at night does not page', () => {
    expect(exprOf(rules, 'BackendHighErrorRatio')).toBe(
      '(sum(rate(http_requests_total{namespace="web", job="api", status=~"5.."}[5m])) / ' +
        'sum(rate(http_requests_total{namespace="web", job="api"}[5m])) > 0.05) and ' +
        '(sum(rate(http_requests_total{namespace="web", job="api"}[5m])) > 1)',
    );
  });

  it('counts a pod whose readiness is unknown (its node is lost) as not ready', () => {
    expect(exprOf(rules, 'PodsNotReady')).toBe('sum by (pod) (kube_pod_status_ready{namespace="web", condition=~"false|unknown"}) > 0');
  });

  it('fires PostgresNoPrimary when no instance is out of recovery, or none reports', () => {
    expect(exprOf(rules, 'PostgresNoPrimary')).toBe('(count(cnpg_pg_replication_in_recovery{namespace="web", pod=~"pg-[0-9]+"} == 0) or vector(0)) < 1');
  });

  it('puts each configured threshold in its own rule', () => {
    const custom = alertRules({
      errorRatio: { ratio: 0.02, minRequestsPerSecond: 5 },
      p99LatencySeconds: 0.75,
      replicationLagSeconds: 30,
      cacheMemoryRatio: 0.8,
    });
    expect(exprOf(custom, 'BackendHighErrorRatio')).toMatch(/ > 0\.02\) and \(.* > 5\)$/);
    expect(exprOf(custom, 'BackendHighLatencyP99')).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="web", job="api"}[5m]))) > 0.75',
    );
    expect(exprOf(custom, 'PostgresReplicationLag')).toBe('max by (pod) (cnpg_pg_replication_lag{namespace="web", pod=~"pg-[0-9]+"}) > 30');
    expect(exprOf(custom, 'CacheNearMaxmemory')).toBe('redis_memory_used_bytes{namespace="web", pod=~"cache-[0-9]+"} / (redis_memory_max_bytes{namespace="web", pod=~"cache-[0-9]+"} > 0) > 0.8');
  });

  it('leaves the 5xx and latency alerts out where objectives cover them', () => {
    const names = alertRules({ errorRatio: false, p99LatencySeconds: false }).map((r) => r.alert);
    expect(names).not.toContain('BackendHighErrorRatio');
    expect(names).not.toContain('BackendHighLatencyP99');
    expect(names).toHaveLength(6);
  });

  it('says in each summary what fired, with the configured threshold', () => {
    const custom = alertRules({ errorRatio: { ratio: 0.02, minRequestsPerSecond: 5 }, p99LatencySeconds: 0.75, replicationLagSeconds: 30, cacheMemoryRatio: 0.8 });
    expect(Object.fromEntries(custom.map((r) => [r.alert, r.annotations]))).toEqual({
      BackendHighErrorRatio: { summary: 'More than 2% of backend requests fail with 5xx (at more than 5 requests/s).' },
      BackendHighLatencyP99: { summary: 'Backend p99 latency is above 0.75s.' },
      HpaAtMaxReplicas: { summary: 'An HPA has been at its maximum replicas for 15 minutes: raise the maximum or find the load.' },
      PodsNotReady: { summary: 'A pod has not been ready for 10 minutes.' },
      PostgresReplicationLag: { summary: 'A PostgreSQL replica lags more than 30s behind the primary.' },
      PostgresNoPrimary: { summary: 'No PostgreSQL instance is the primary: writes fail.' },
      CacheNearMaxmemory: { summary: 'The cache uses more than 80% of maxmemory.' },
      CacheEvicting: { summary: 'The cache has been evicting keys for 15 minutes: it is too small for the working set.' },
    });
  });

  it('fires HpaAtMaxReplicas when an HPA runs at its maximum', () => {
    expect(exprOf(rules, 'HpaAtMaxReplicas')).toBe(
      'kube_horizontalpodautoscaler_status_current_replicas{namespace="web"} >= kube_horizontalpodautoscaler_spec_max_replicas{namespace="web"}',
    );
  });

  it('is one PrometheusRule, named and labelled as the alert rules, a group per area', () => {
    const out = synthScope((scope) => new AlertRules(scope, 'a', { ...ruleProps(), name: 'alerts' }));
    const [rule] = manifests(out, 'PrometheusRule');
    expect(metadataName(rule)).toBe('alerts');
    expect(at(rule, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('alert-rules');
    expect((at(rule, 'spec', 'groups') as Json[]).map((g) => g.name)).toEqual(['alerts.app', 'alerts.database', 'alerts.cache']);
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), name: 'Alerts' }))).toContain("a: 'name' (\"Alerts\")");
  });

  it('accepts a minimum traffic of 0 but no replication lag of 0', () => {
    expect(exprOf(alertRules({ errorRatio: { ratio: 0.05, minRequestsPerSecond: 0 } }), 'BackendHighErrorRatio')).toMatch(/ > 0\)$/);
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), replicationLagSeconds: 0 }))).toBe(
      "a: 'replicationLagSeconds' (0) must be a number of seconds greater than 0",
    );
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), replicationLagSeconds: Number.POSITIVE_INFINITY }))).toBe(
      "a: 'replicationLagSeconds' (Infinity) must be a number of seconds greater than 0",
    );
  });

  it('refuses thresholds outside their range, naming the prop and the rule', () => {
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), errorRatio: { ratio: 5 } }))).toBe(
      "a: 'errorRatio.ratio' (5) must be a number greater than 0 and less than 1",
    );
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), errorRatio: { ratio: 0.1, minRequestsPerSecond: -1 } }))).toBe(
      "a: 'errorRatio.minRequestsPerSecond' (-1) must be a number of requests per second, at least 0",
    );
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), cacheMemoryRatio: 1 }))).toBe(
      "a: 'cacheMemoryRatio' (1) must be a number greater than 0 and less than 1",
    );
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), p99LatencySeconds: 0 }))).toBe(
      "a: 'p99LatencySeconds' (0) must be a number of seconds greater than 0",
    );
    expect(errorOf((app) => new AlertRules(app, 'a', { ...ruleProps(), replicationLagSeconds: Number.NaN }))).toBe(
      "a: 'replicationLagSeconds' (NaN) must be a number of seconds greater than 0",
    );
  });
});

const sloProps: ServiceLevelObjectivesProps = {
  namespace: 'web',
  backend: new BackendMetrics('web', 'api'),
  availability: { objectivePercent: 99.9 },
  latency: { objectivePercent: 99, thresholdSeconds: 0.5 },
};
const sloRules = (props: Partial<ServiceLevelObjectivesProps> = {}) =>
  rulesOf(synthScope((scope) => new ServiceLevelObjectives(scope, 's', { ...sloProps, ...props })));

describe('ServiceLevelObjectives', () => {
  const sharedRules = fixture(() => sloRules());
  let rules: Rule[];
  let availability: Rule[];
  beforeEach(() => {
    rules = sharedRules();
    availability = rules.filter((r) => at(r, 'labels', 'slo') === 'backend-availability');
  });

  it('records the error ratio over every alert window and over the compliance window', () => {
    expect(availability.filter((r) => r.record).map((r) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].map((w) => `slo:sli_error:ratio_rate${w}`),
    );
    expect(availability.find((r) => r.record === 'slo:sli_error:ratio_rate1h')?.expr).toBe(
      'sum(rate(http_requests_total{namespace="web", job="api", status=~"5.."}[1h])) / sum(rate(http_requests_total{namespace="web", job="api"}[1h]))',
    );
    expect(availability.find((r) => r.record === 'slo:sli_error:ratio_rate30d')?.expr).toBe(
      'avg_over_time(slo:sli_error:ratio_rate5m{namespace="web", slo="backend-availability"}[30d])',
    );
  });

  it('counts requests slower than the threshold bucket against the latency objective', () => {
    const latency = rules.find((r) => r.record === 'slo:sli_error:ratio_rate5m' && at(r, 'labels', 'slo') === 'backend-latency');
    const count = 'sum(rate(http_request_duration_seconds_count{namespace="web", job="api"}[5m]))';
    expect(latency?.expr).toBe(`(${count} - sum(rate(http_request_duration_seconds_bucket{namespace="web", job="api", le="0.5"}[5m]))) / ${count}`);
  });

  it('pages on a 14.4× or 6× burn and opens a ticket on a 3× or 1× burn, each over a long and a short window', () => {
    const alerts = availability.filter((r) => r.alert);
    const sel = '{namespace="web", slo="backend-availability"}';
    const pair = (long: string, short: string, factor: number) =>
      `(slo:sli_error:ratio_rate${long}${sel} > (${factor} * 0.001) and slo:sli_error:ratio_rate${short}${sel} > (${factor} * 0.001))`;
    expect(alerts.map((a) => [a.alert, at(a, 'labels', 'severity'), a.expr, a.for])).toEqual([
      ['BackendAvailabilityBudgetBurn', 'critical', `${pair('1h', '5m', 14.4)} or ${pair('6h', '30m', 6)}`, undefined],
      ['BackendAvailabilityBudgetBurn', 'warning', `${pair('1d', '2h', 3)} or ${pair('3d', '6h', 1)}`, undefined],
    ]);
  });

  it('scales the burn rates to the compliance window', () => {
    const week = rulesOf(synthScope((scope) => {
      const s = new ServiceLevelObjectives(scope, 's', { ...sloProps, windowDays: 7 });
      expect(s.objectives[0].burnRates).toEqual({ '1h': 3.36, '6h': 1.4, '1d': 0.7, '3d': 0.233333333333 });
    }));
    expect(week.some((r) => r.record === 'slo:sli_error:ratio_rate7d')).toBe(true);
  });

  it('keeps only the objectives that are set', () => {
    expect(new Set(sloRules({ latency: undefined }).map((r) => at(r, 'labels', 'slo')))).toEqual(new Set(['backend-availability']));
  });

  it('refuses objectives without a reachable fast burn, a short window, or none at all', () => {
    expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { ...sloProps, availability: { objectivePercent: 90 } }))).toBe(
      "s: 'availability.objectivePercent' (90) must be a percentage of at least 100 × (1 − 1/14.4) ≈ 93.06 and below 100, so that a 14.4× burn of its error budget is a reachable error ratio",
    );
    expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { ...sloProps, latency: { objectivePercent: 100, thresholdSeconds: 1 } }))).toMatch(
      /^s: 'latency.objectivePercent' \(100\) must be a percentage of at least 100 × \(1 − 1\/14.4\) ≈ 93.06 and below 100/,
    );
    expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { ...sloProps, windowDays: 3 }))).toBe(
      "s: 'windowDays' (3) must be a whole number of days from 7 to 90 (longer than the 3-day ticket window)",
    );
    expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { namespace: 'web', backend: sloProps.backend }))).toBe(
      "s: 'availability, latency' ({}) must set availability, latency or both: an objective is needed to derive any rule",
    );
  });

  it('takes windows of 7 to 90 whole days and a lowest objective of 93.06 %', () => {
    const windows = (days: number) => new ServiceLevelObjectives(inStack(), 's', { ...sloProps, windowDays: days }).windowDays;
    expect([7, 90].map(windows)).toEqual([7, 90]);
    for (const days of [91, 6, 7.5]) {
      expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { ...sloProps, windowDays: days }))).toBe(
        `s: 'windowDays' (${days}) must be a whole number of days from 7 to 90 (longer than the 3-day ticket window)`,
      );
    }
    const lowest = 100 * (1 - 1 / 14.4);
    expect(new ServiceLevelObjectives(inStack(), 's', { ...sloProps, availability: { objectivePercent: lowest } }).objectives[0].objective).toBe(lowest / 100);
  });

  it('refuses a latency threshold that is not a number of seconds from above 0 to 3600, and an objective with latency alone is enough', () => {
    for (const t of [0, -1, 3601, Number.POSITIVE_INFINITY]) {
      expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { ...sloProps, latency: { objectivePercent: 99, thresholdSeconds: t } }))).toBe(
        `s: 'latency.thresholdSeconds' (${t}) must be a number of seconds greater than 0 and at most 3600`,
      );
    }
    expect(() => new ServiceLevelObjectives(inStack(), 's', { ...sloProps, latency: { objectivePercent: 99, thresholdSeconds: 3600 } })).not.toThrow();
    expect(new ServiceLevelObjectives(inStack(), 's', { ...sloProps, availability: undefined }).objectives.map((o) => o.slo)).toEqual(['backend-latency']);
    expect(errorOf((app) => new ServiceLevelObjectives(app, 's', { ...sloProps, name: 'SLOs' }))).toContain("s: 'name' (\"SLOs\")");
  });

  it('says what burns in each alert, and labels the rule as the SLO rules', () => {
    const out = synthScope((scope) => new ServiceLevelObjectives(scope, 's', sloProps));
    const [rule] = manifests(out, 'PrometheusRule');
    expect(at(rule, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('slo-rules');
    expect(rules.filter((r) => r.alert).map((r) => [r.alert, at(r, 'annotations', 'summary')])).toEqual([
      ['BackendAvailabilityBudgetBurn', 'The error budget of backend responses that are not 5xx (objective 99.9%) burns fast enough to be spent within days: page.'],
      ['BackendAvailabilityBudgetBurn', 'The error budget of backend responses that are not 5xx (objective 99.9%) burns steadily: open a ticket.'],
      ['BackendLatencyBudgetBurn', 'The error budget of backend requests faster than 0.5s (objective 99%) burns fast enough to be spent within days: page.'],
      ['BackendLatencyBudgetBurn', 'The error budget of backend requests faster than 0.5s (objective 99%) burns steadily: open a ticket.'],
    ]);
  });
});

describe('AppDashboard', () => {
  const dashboardOf = (withObjectives: boolean) => {
    const out = synthScope((scope) => {
      const objectives = withObjectives ? new ServiceLevelObjectives(scope, 's', sloProps) : undefined;
      new AppDashboard(scope, 'd', { ...dashboardProps(), objectives });
    });
    const map = resources(out, 'kubernetes_config_map_v1')[0];
    return { map, dashboard: JSON.parse(at(map, 'data', DASHBOARD_KEY) as string) as Json };
  };
  const panels = (d: Json) => d.panels as Json[];
  const titled = (d: Json, title: string) => panels(d).find((p) => String(p.title).startsWith(title));

  it('is a ConfigMap that Grafana loads, with rows of panels', () => {
    const { map, dashboard } = dashboardOf(false);
    expect(at(map, 'metadata', 'labels', 'grafana_dashboard')).toBe('1');
    expect(panels(dashboard).filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Service', 'Data']);
    expect(panels(dashboard).filter((p) => p.type === 'timeseries')).toHaveLength(8);
  });

  it('draws the HPA maximum next to the current replicas', () => {
    const targets = at(titled(dashboardOf(false).dashboard, 'Replicas (current vs max)'), 'targets') as Json[];
    expect(targets.map((t) => t.expr)).toEqual([
      'kube_horizontalpodautoscaler_status_current_replicas{namespace="web"}',
      'kube_horizontalpodautoscaler_spec_max_replicas{namespace="web"}',
    ]);
  });

  it('shows the same 5xx ratio the alerts and objectives use', () => {
    expect(at(titled(dashboardOf(false).dashboard, '5xx ratio'), 'targets', 0, 'expr')).toBe(
      'sum(rate(http_requests_total{namespace="web", job="api", status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="web", job="api"}[5m]))',
    );
  });

  it('adds an error-budget row from the recorded error ratios when objectives are given', () => {
    const { dashboard } = dashboardOf(true);
    expect(panels(dashboard).filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Service', 'Data', 'Error budget (30 days)']);
    expect(at(titled(dashboard, 'backend-availability: error budget remaining'), 'targets', 0, 'expr')).toBe(
      '1 - slo:sli_error:ratio_rate30d{namespace="web", slo="backend-availability"} / 0.001',
    );
    const burn = at(titled(dashboard, 'backend-latency: burn rate'), 'targets') as Json[];
    expect(burn.map((t) => t.expr)).toEqual(
      ['1h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}{namespace="web", slo="backend-latency"} / 0.01`),
    );
  });

  it('names each panel with its unit and legends, rows first', () => {
    const summary = panels(dashboardOf(true).dashboard).map((p) =>
      p.type === 'row'
        ? `row ${String(p.title)}`
        : `${String(p.title)} [${String(at(p, 'fieldConfig', 'defaults', 'unit'))}] ${(p.targets as Json[]).map((t) => `${String(t.refId)}=${String(t.legendFormat)}`).join(' ')}`,
    );
    expect(summary).toEqual([
      'row Service',
      'Requests per second [reqps] A={{status}}',
      '5xx ratio [percentunit] A=5xx',
      'Latency p99 [s] A=p99',
      'Replicas (current vs max) [short] A={{horizontalpodautoscaler}} current B={{horizontalpodautoscaler}} max',
      'row Data',
      'PostgreSQL backends [short] A={{pod}}',
      'Replication lag [s] A={{pod}}',
      'Cache memory / maxmemory [percentunit] A={{pod}}',
      'Cache hit ratio [percentunit] A=hit ratio',
      'row Error budget (30 days)',
      'backend-availability: error budget remaining [percentunit] A=remaining',
      'backend-availability: burn rate (page at 14.4× over 1h, ticket at 1× over 3d) [short] A=1h B=6h C=1d D=3d',
      'backend-latency: error budget remaining [percentunit] A=remaining',
      'backend-latency: burn rate (page at 14.4× over 1h, ticket at 1× over 3d) [short] A=1h B=6h C=1d D=3d',
    ]);
  });

  it('lays the panels out two abreast under their row, each row below the last, with unique ids', () => {
    const layout = panels(dashboardOf(true).dashboard).map((p) => [p.id, p.type === 'row' ? 'row' : 'panel', ...Object.values(p.gridPos as Json)]);
    const row = (id: number, y: number) => [id, 'row', 1, 24, 0, y];
    const pair = (id: number, y: number) => [
      [id, 'panel', 8, 12, 0, y],
      [id + 1, 'panel', 8, 12, 12, y],
    ];
    expect(layout).toEqual([row(1, 0), ...pair(2, 1), ...pair(4, 9), row(6, 17), ...pair(7, 18), ...pair(9, 26), row(11, 34), ...pair(12, 35), ...pair(14, 43)]);
    const drawn = panels(dashboardOf(false).dashboard).filter((p) => p.type !== 'row');
    expect(drawn.map((p) => [p.type, at(p, 'fieldConfig', 'overrides'), 'collapsed' in p])).toEqual(drawn.map(() => ['timeseries', [], false]));
    expect(panels(dashboardOf(false).dashboard).filter((p) => p.type === 'row').map((p) => p.collapsed)).toEqual([false, false]);
  });

  it('draws the database and cache from their own metrics, for this namespace and cluster only', () => {
    const exprs = (title: string) => (at(titled(dashboardOf(false).dashboard, title), 'targets') as Json[]).map((t) => t.expr);
    expect(exprs('Requests per second')).toEqual(['sum by (status) (rate(http_requests_total{namespace="web", job="api"}[5m]))']);
    expect(exprs('Latency p99')).toEqual(['histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="web", job="api"}[5m])))']);
    expect(exprs('PostgreSQL backends')).toEqual(['sum by (pod) (cnpg_backends_total{namespace="web", pod=~"pg-[0-9]+"})']);
    expect(exprs('Replication lag')).toEqual(['max by (pod) (cnpg_pg_replication_lag{namespace="web", pod=~"pg-[0-9]+"})']);
    // No series where maxmemory is 0 (unlimited), rather than a division by zero.
    expect(exprs('Cache memory / maxmemory')).toEqual(['redis_memory_used_bytes{namespace="web", pod=~"cache-[0-9]+"} / (redis_memory_max_bytes{namespace="web", pod=~"cache-[0-9]+"} > 0)']);
    expect(exprs('Cache hit ratio')).toEqual([
      'sum(rate(redis_keyspace_hits_total{namespace="web", pod=~"cache-[0-9]+"}[5m])) / (sum(rate(redis_keyspace_hits_total{namespace="web", pod=~"cache-[0-9]+"}[5m])) + sum(rate(redis_keyspace_misses_total{namespace="web", pod=~"cache-[0-9]+"}[5m])))',
    ]);
  });

  it('draws what the alerts judge: each alert is its panel\'s query against a threshold', () => {
    const { dashboard } = dashboardOf(false);
    const rules = alertRules();
    const expr = (title: string) => at(titled(dashboard, title), 'targets', 0, 'expr') as string;
    expect(exprOf(rules, 'PostgresReplicationLag')).toBe(`${expr('Replication lag')} > 1`);
    expect(exprOf(rules, 'CacheNearMaxmemory')).toBe(`${expr('Cache memory / maxmemory')} > 0.9`);
    expect(exprOf(rules, 'BackendHighLatencyP99')).toBe(`${expr('Latency p99')} > 1`);
    expect(exprOf(rules, 'BackendHighErrorRatio')).toContain(`(${expr('5xx ratio')} > 0.05)`);
    const replicas = at(titled(dashboard, 'Replicas'), 'targets') as Json[];
    expect(exprOf(rules, 'HpaAtMaxReplicas')).toBe(`${String(replicas[0].expr)} >= ${String(replicas[1].expr)}`);
  });

  it('is one dashboard per namespace: its uid, within the 40 characters Grafana allows, refreshing every 30 s over 6 h', () => {
    const { map, dashboard } = dashboardOf(false);
    expect(metadataName(map)).toBe('web-topology-dashboard');
    expect(at(map, 'metadata', 'namespace')).toBe('web');
    expect(at(map, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('dashboard');
    expect({ ...dashboard, panels: undefined }).toEqual({ title: 'Web', uid: 'web-topology-web', schemaVersion: 39, refresh: '30s', time: { from: 'now-6h', to: 'now' } });
    const long = 'a-namespace-name-of-forty-one-characters-'.slice(0, 40);
    const named = synthScope((scope) => new AppDashboard(scope, 'd', { ...dashboardProps(), namespace: long, name: 'board' }));
    const map2 = resources(named, 'kubernetes_config_map_v1')[0];
    expect(metadataName(map2)).toBe('board');
    expect((JSON.parse(at(map2, 'data', DASHBOARD_KEY) as string) as Json).uid).toBe('web-topology-a-namespace-name-of-forty-o');
  });

  it('refuses an empty title and a bad ConfigMap name, naming the prop', () => {
    const build = (props: { title?: string; name?: string }) =>
      errorOf((app) => new AppDashboard(app, 'd', { ...dashboardProps(), ...props }));
    expect(build({ title: ' ' })).toBe('d: \'title\' (" ") must not be empty');
    expect(build({ name: 'Board' })).toContain("d: 'name' (\"Board\")");
  });

  it('lists every query it draws', () => {
    synthScope((scope) => {
      const d = new AppDashboard(scope, 'd', dashboardProps());
      expect(d.queries).toHaveLength(9);
    });
  });
});

describe('metrics, owned by what emits them', () => {
  it('binds a PostgreSQL cluster\'s series to its namespace and its instances, not its poolers or Jobs', () => {
    const { metrics } = watched().database;
    expect(metrics.matchers).toBe('namespace="web", pod=~"pg-[0-9]+"');
    // Prometheus anchors a regular expression matcher at both ends.
    const pods = new RegExp(`^(?:${/pod=~"([^"]+)"/.exec(metrics.matchers)?.[1] ?? ''})$`);
    expect(['pg-1', 'pg-12', 'pg-pooler-rw-5d8f9c-x2x7q', 'pg-1-initdb-q8x2n', 'pgx-1'].filter((p) => pods.test(p))).toEqual(['pg-1', 'pg-12']);
    expect(metrics.alerts({ replicationLagSeconds: 2 }).map((r) => r.expr)).toEqual([`${metrics.replicationLag} > 2`, `${metrics.primaries} < 1`]);
  });

  it('selects the cache exporter\'s series of the cache\'s own pods', () => {
    const { metrics } = watched().cache;
    expect(metrics.matchers).toBe('namespace="web", pod=~"cache-[0-9]+"');
    expect(metrics.alerts({ memoryRatio: 0.5 }).map((r) => r.expr)).toEqual([`${metrics.memoryRatio} > 0.5`, `${metrics.evictionRate('5m')} > 0`]);
  });

  it('counts the backend\'s requests by status with the matchers of its other series', () => {
    expect(new BackendMetrics('web', 'api').requestRateByStatus('1m')).toBe('sum by (status) (rate(http_requests_total{namespace="web", job="api"}[1m]))');
    expect(new BackendMetrics('web', 'api').alerts({})).toEqual([]);
  });
});

const otel: TracingEndpointProps = {
  backend: { kind: 'opentelemetry', endpoint: 'http://collector.observability.svc:4318' },
  environment: 'prod',
  peer: { namespace: 'observability', pods: { app: 'collector' } },
};
const apm: TracingEndpointProps = {
  backend: { kind: 'elastic-apm', serverUrl: 'https://apm.example.com:8200', secretToken: { secretName: 'apm', key: 'token' } },
  environment: 'prod',
  peer: { cidrs: ['203.0.113.0/24'] },
  samplingRatio: 0.25,
};
const tracingOf = (props: TracingEndpointProps) => new TracingEndpoint(Testing.app(), 't', props);

describe('TracingEndpoint', () => {
  it('gives OpenTelemetry SDKs the endpoint, service, environment, version and sampling ratio', () => {
    expect(tracingOf(otel).envFor({ name: 'backend', version: '1.4.2' })).toEqual([
      { name: 'OTEL_SERVICE_NAME', value: 'backend' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'deployment.environment.name=prod,service.version=1.4.2' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.observability.svc:4318' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
      { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.1' },
    ]);
    const withHeaders = tracingOf({ ...otel, backend: { ...otel.backend, protocol: 'grpc', headers: { secretName: 'otlp', key: 'headers' } } as TracingEndpointProps['backend'] });
    expect(withHeaders.envFor({ name: 'backend', version: '1' })).toContainEqual({ name: 'OTEL_EXPORTER_OTLP_HEADERS', secretKeyRef: { secretName: 'otlp', key: 'headers' } });
    expect(withHeaders.envFor({ name: 'backend', version: '1' })).toContainEqual({ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' });
  });

  it('gives Elastic APM agents the server, service, environment and the token from a Secret key', () => {
    expect(tracingOf(apm).envFor({ name: 'frontend', version: '2.0.0' })).toEqual([
      { name: 'ELASTIC_APM_SERVER_URL', value: 'https://apm.example.com:8200' },
      { name: 'ELASTIC_APM_SECRET_TOKEN', secretKeyRef: { secretName: 'apm', key: 'token' } },
      { name: 'ELASTIC_APM_SERVICE_NAME', value: 'frontend' },
      { name: 'ELASTIC_APM_SERVICE_VERSION', value: '2.0.0' },
      { name: 'ELASTIC_APM_ENVIRONMENT', value: 'prod' },
      { name: 'ELASTIC_APM_TRANSACTION_SAMPLE_RATE', value: '0.25' },
    ]);
  });

  it("opens the URL's port, or its scheme's default", () => {
    expect(tracingOf(otel).port).toBe(4318);
    expect(tracingOf(apm).port).toBe(8200);
    expect(tracingOf({ ...otel, backend: { kind: 'opentelemetry', endpoint: 'https://otlp.example.com/v1' } }).port).toBe(443);
  });

  it('refuses a bad URL, a URL with credentials (without echoing it) and a ratio above 1', () => {
    expect(errorOf(() => tracingOf({ ...otel, backend: { kind: 'opentelemetry', endpoint: 'collector:4318' } }))).toBe(
      "t: 'backend.endpoint' (\"collector:4318\") must be an absolute http:// or https:// URL",
    );
    const leaked = errorOf(() => tracingOf({ ...otel, backend: { kind: 'opentelemetry', endpoint: 'https://user:s3cret@otlp.example.com' } }));
    expect(leaked).toBe("t: 'backend.endpoint' must not carry credentials; put them in a Secret (headers or secretToken)");
    expect(errorOf(() => tracingOf({ ...otel, samplingRatio: 2 }))).toBe("t: 'samplingRatio' (2) must be a share of traces from 0 to 1");
  });

  it('refuses what is no URL, another scheme, a user or a password alone, and an empty CIDR list', () => {
    const endpoint = (url: string) => errorOf(() => tracingOf({ ...otel, backend: { kind: 'opentelemetry', endpoint: url } }));
    expect(endpoint('not a url')).toBe("t: 'backend.endpoint' (\"not a url\") must be an absolute http:// or https:// URL");
    expect(endpoint('grpc://collector:4317')).toBe("t: 'backend.endpoint' (\"grpc://collector:4317\") must be an absolute http:// or https:// URL");
    for (const url of ['https://user@otlp.example.com', 'https://:s3cret@otlp.example.com', ...PASSWORDS.map((pw) => `https://user:${pw}@otlp.example.com`)]) {
      expect(endpoint(url)).toBe("t: 'backend.endpoint' must not carry credentials; put them in a Secret (headers or secretToken)");
    }
    expect(errorOf(() => tracingOf({ ...apm, backend: { ...apm.backend, serverUrl: 'apm:8200' } as TracingEndpointProps['backend'] }))).toBe(
      "t: 'backend.serverUrl' (\"apm:8200\") must be an absolute http:// or https:// URL",
    );
    expect(errorOf(() => tracingOf({ ...apm, peer: { cidrs: [] } }))).toBe("t: 'peer.cidrs' ([]) must list at least one CIDR");
  });
});

describe('monitoring settings of an environment', () => {
  const failure = (input: EnvironmentInput) => refusalOf(() => loadEnvironment(input, {}), ConfigError);
  const prod = ENVIRONMENTS.prod;

  it("writes prod's objectives down: 99.9 % not 5xx and 99 % under 1 s, over 30 days", () => {
    expect(loadEnvironment(prod, {}).monitoring.slos).toEqual({
      windowDays: 30,
      availability: { objectivePercent: 99.9 },
      latency: { objectivePercent: 99, thresholdSeconds: 1 },
    });
  });

  it('refuses an objective whose fast burn cannot happen, and an empty slos block', () => {
    expect(failure(withValue(prod, 'monitoring.slos.availability', { objectivePercent: 90 }))).toContain(
      'monitoring.slos.availability.objectivePercent = 90: must be a percentage of at least 100 × (1 − 1/14.4) ≈ 93.06 and below 100, so that a 14.4× burn of its error budget is a reachable error ratio',
    );
    expect(failure(withValue(prod, 'monitoring.slos', {}))).toContain('monitoring.slos = {}: must set availability, latency or both');
  });

  it('refuses a literal APM token instead of a Secret reference, without printing it', () => {
    const message = failure(
      withValue(prod, 'monitoring.tracing', { backend: 'elastic-apm', serverUrl: 'https://apm.example.com', secretToken: 'tok3n', peer: { cidrs: ['203.0.113.0/24'] } }),
    );
    expect(message).toContain('monitoring.tracing.secretToken = (hidden): must be a reference to the key of a Secret, { secretName, key }');
    expect(message).not.toContain('tok3n');
  });

  it.each(PASSWORDS)('refuses a tracing URL whose password is %s without printing any part of it', (password) => {
    const message = failure(
      withValue(prod, 'monitoring.tracing', { backend: 'opentelemetry', endpoint: `https://user:${password}@otlp.example.com`, peer: { cidrs: ['0.0.0.0/0'] } }),
    );
    expect(message).toContain('monitoring.tracing.endpoint = "https://***@otlp.example.com": must be an http:// or https:// URL without credentials');
    for (const part of password.split(/[@/:%]/).filter((x) => x.length > 0)) expect(message).not.toContain(part);
  });

  it('refuses a tracing URL with credentials without printing it', () => {
    const message = failure(
      withValue(prod, 'monitoring.tracing', { backend: 'opentelemetry', endpoint: 'https://u:s3cret@otlp.example.com', peer: { cidrs: ['0.0.0.0/0'] } }),
    );
    expect(message).toContain('monitoring.tracing.endpoint');
    expect(message).toContain('must be an http:// or https:// URL without credentials (put them in a Secret)');
    expect(message).not.toContain('s3cret');
    expect(message).toContain('"https://***@otlp.example.com"');
  });
});

describe('tracing in the app stack', () => {
  const tiers = ['backend', 'frontend'];
  const envOf = (app: Json, tier: string) =>
    at(
      resources(app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === tier),
      'spec', 'template', 'spec', 'container', 0, 'env',
    ) as Json[];
  const policies = (app: Json) => new Map(resources(app, 'kubernetes_network_policy_v1').map((p) => [metadataName(p), p]));

  it('is off by default: no tracing variables and no egress for it', () => {
    const { app } = synthesize(ENVIRONMENTS.prod);
    for (const tier of tiers) expect(envOf(app, tier).filter((v) => /^(OTEL|ELASTIC_APM)_/.test(String(v.name)))).toEqual([]);
    expect([...policies(app).keys()].filter((n) => n.includes('tracing'))).toEqual([]);
  });

  it('sends both tiers to an OpenTelemetry collector, and opens egress to its pods and port only', () => {
    const { app } = synthesize(
      withValue(ENVIRONMENTS.prod, 'monitoring.tracing', {
        backend: 'opentelemetry',
        endpoint: 'http://collector.observability.svc:4318',
        peer: { namespace: 'observability', pods: { 'app.kubernetes.io/name': 'collector' } },
        samplingRatio: 0.05,
      }),
    );
    for (const tier of tiers) {
      expect(envOf(app, tier)).toEqual(
        expect.arrayContaining([
          { name: 'OTEL_SERVICE_NAME', value: tier },
          { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'deployment.environment.name=prod,service.version=1.0.0' },
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.observability.svc:4318' },
          { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.05' },
        ]),
      );
      expect(at(policies(app).get(`${tier}-to-tracing-egress`), 'spec', 'egress')).toEqual([
        {
          to: [
            {
              namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'observability' } },
              pod_selector: { match_labels: { 'app.kubernetes.io/name': 'collector' } },
            },
          ],
          ports: [{ port: '4318', protocol: 'TCP' }],
        },
      ]);
      expect(at(policies(app).get(`${tier}-to-tracing-egress`), 'spec', 'pod_selector', 'match_labels', 'app.kubernetes.io/name')).toBe(tier);
    }
  });

  it('sends both tiers to Elastic APM with the token from a Secret key, never in state', () => {
    const { app } = synthesize(
      withValue(ENVIRONMENTS.prod, 'monitoring.tracing', {
        backend: 'elastic-apm',
        serverUrl: 'https://apm.example.com:8200',
        secretToken: { secretName: 'apm-token', key: 'token' },
        peer: { cidrs: ['203.0.113.10/32'] },
      }),
    );
    for (const tier of tiers) {
      expect(envOf(app, tier)).toEqual(
        expect.arrayContaining([
          { name: 'ELASTIC_APM_SERVER_URL', value: 'https://apm.example.com:8200' },
          { name: 'ELASTIC_APM_SERVICE_NAME', value: tier },
          { name: 'ELASTIC_APM_ENVIRONMENT', value: 'prod' },
          { name: 'ELASTIC_APM_SECRET_TOKEN', value_from: { secret_key_ref: { name: 'apm-token', key: 'token' } } },
        ]),
      );
      expect(at(policies(app).get(`${tier}-to-tracing-egress`), 'spec', 'egress')).toEqual([
        { to: [{ ip_block: { cidr: '203.0.113.10/32' } }], ports: [{ port: '8200', protocol: 'TCP' }] },
      ]);
    }
  });
});

describe('promtool scenarios (npm run rules-check)', () => {
  it.each(Object.keys(ENVIRONMENTS))('cover every alert of %s with a firing and a silent case', (name) => {
    const rules = manifests(synthesize(ENVIRONMENTS[name]).app, 'PrometheusRule').flatMap((m) =>
      (at(m, 'spec', 'groups') as { rules: PromRule[] }[]).flatMap((g) => g.rules),
    );
    const tests = alertTests(rules);
    expect(tests.map((t) => t.alert).sort()).toEqual([...new Set(rules.filter((r) => r.alert).map((r) => r.alert))].sort());
    for (const t of tests) {
      expect(t.cases.some((c) => c.expect.some((e) => e.firing.length > 0))).toBe(true);
      expect(t.cases.some((c) => c.expect.every((e) => e.firing.length === 0))).toBe(true);
    }
  });

  it('reads thresholds from the synthesized rule, so a changed config changes the test', () => {
    const rule: PromRule = { alert: 'PostgresReplicationLag', expr: 'max by (pod) (cnpg_pg_replication_lag{namespace="web", pod=~"pg-[0-9]+"}) > 30', for: '5m' };
    const [fires, silent] = alertTests([rule])[0].cases;
    expect(fires.series).toEqual([{ series: 'cnpg_pg_replication_lag{namespace="web", pod="pg-2"}', values: '31.5x10' }]);
    expect(silent.series).toEqual([{ series: 'cnpg_pg_replication_lag{namespace="web", pod="pg-2"}', values: '28.5x10' }]);
  });

  it('refuses an alert it has no scenario for', () => {
    expect(() => alertTests([{ alert: 'Unknown', expr: 'up == 0' }])).toThrow('no promtool scenario for alert Unknown');
  });
});
