/**
 * promtool unit tests for the alerts of one synthesized PrometheusRule set: for every alert, a
 * series that must fire it after its `for` and one just below its threshold that must not.
 * Thresholds, durations, selectors and labels are read from the synthesized rules, so the test
 * follows the config; only the shape of each signal (which series an alert reads) is known here.
 */

/** A rule as the PrometheusRule's `spec.groups[].rules[]` carries it. */
export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface Series {
  readonly series: string;
  readonly values: string;
}

/** One promtool test group: input series and the alerts expected at given minutes. */
interface Case {
  readonly name: string;
  readonly series: readonly Series[];
  /** Minutes after the start → labels of each expected firing alert (beyond the rule's own). */
  readonly expect: readonly { readonly at: number; readonly firing: readonly Record<string, string>[] }[];
}

/** Everything promtool needs to test one alert, and a one-line account of what is proven. */
export interface AlertTest {
  readonly alert: string;
  /** promtool's `evaluation_interval` in minutes. */
  readonly evaluationMinutes: number;
  readonly cases: readonly Case[];
  readonly claim: string;
}

const minutes = (duration: string | undefined): number => {
  if (duration === undefined) return 0;
  const m = /^(\d+)(s|m|h|d)$/.exec(duration);
  if (m === null) throw new Error(`unsupported duration ${duration}`);
  return Number(m[1]) * { s: 1 / 60, m: 1, h: 60, d: 1440 }[m[2] as 's' | 'm' | 'h' | 'd'];
};

/** The numbers an expression compares against (`> 0.05` → 0.05), in order. */
function thresholds(expr: string): number[] {
  return [...expr.matchAll(/[<>]=? ?\(?([0-9.]+(?:e[-+]?\d+)?)/g)].map((m) => Number(m[1]));
}

/** Equality matchers of the first selector of `metric` in `expr`. */
function matchersOf(expr: string, metric: string): Record<string, string> {
  const m = new RegExp(`${metric}\\{([^}]*)\\}`).exec(expr);
  if (m === null) throw new Error(`no ${metric}{...} in ${expr}`);
  return Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
}

/** A pod name that the `pod=~"<prefix>-[0-9]+"` matcher of `expr` selects. */
function instancePod(expr: string, n: number): string {
  const m = /pod=~"([a-z0-9-]+)-\[0-9\]\+"/.exec(expr);
  if (m === null) throw new Error(`no instance pod matcher in ${expr}`);
  return `${m[1]}-${n}`;
}

const selector = (metric: string, labels: Record<string, string>) =>
  `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
/** A constant gauge for `samples` + 1 samples. */
const gauge = (value: number, samples: number) => `${value}x${samples}`;
/** A counter growing by `perSample` each sample. */
const counter = (perSample: number, samples: number) => `0+${perSample}x${samples}`;

/** Series a threshold alert reads: the firing signal, and the just-below one. */
type Signal = (rule: Rule, level: 'fire' | 'below', samples: number) => { series: Series[]; labels: Record<string, string> };

const ABOVE = 1.05;
const BELOW = 0.95;

const SIGNALS: Record<string, { signal: Signal; describe: (rule: Rule) => string; extra?: (rule: Rule, samples: number) => Case[] }> = {
  BackendHighErrorRatio: {
    // Traffic well above the minimum; 5xx at 1.05× and 0.95× the ratio.
    signal: (rule, level, n) => {
      const [ratio, minRps] = thresholds(rule.expr);
      const total = Math.max(10, minRps * 10) * 60;
      const errors = total * ratio * (level === 'fire' ? ABOVE : BELOW);
      const base = matchersOf(rule.expr, 'http_requests_total');
      return {
        series: [
          { series: selector('http_requests_total', { ...base, status: '500' }), values: counter(errors, n) },
          { series: selector('http_requests_total', { ...base, status: '200' }), values: counter(total - errors, n) },
        ],
        labels: {},
      };
    },
    describe: (rule) => {
      const [ratio, minRps] = thresholds(rule.expr);
      return `5xx ratio ${ratio}: fires at ${ABOVE}×, silent at ${BELOW}×; every request failing at ${BELOW * minRps} req/s (below the ${minRps} req/s minimum) stays silent`;
    },
    // A quiet night: every request fails, but traffic is under the minimum.
    extra: (rule, n) => {
      const [, minRps] = thresholds(rule.expr);
      const base = matchersOf(rule.expr, 'http_requests_total');
      return [
        {
          name: 'all requests fail below the minimum traffic',
          series: [{ series: selector('http_requests_total', { ...base, status: '500' }), values: counter(minRps * BELOW * 60, n) }],
          expect: [{ at: n - 1, firing: [] }],
        },
      ];
    },
  },
  BackendHighLatencyP99: {
    // 1.5 % of requests above the threshold puts p99 at 1.33×; 0.5 % puts it at 0.9975×.
    signal: (rule, level, n) => {
      const [t] = thresholds(rule.expr);
      const base = matchersOf(rule.expr, 'http_request_duration_seconds_bucket');
      const total = 600;
      const fast = total * (level === 'fire' ? 0.985 : 0.995);
      const bucket = (le: string, perMinute: number) => ({ series: selector('http_request_duration_seconds_bucket', { ...base, le }), values: counter(perMinute, n) });
      return { series: [bucket(String(t / 2), 0), bucket(String(t), fast), bucket(String(t * 2), total), bucket('+Inf', total)], labels: {} };
    },
    describe: (rule) => `p99 above ${thresholds(rule.expr)[0]}s: fires at p99 = 1.33× the threshold, silent at 0.9975×`,
  },
  HpaAtMaxReplicas: {
    signal: (rule, level, n) => {
      const labels = { ...matchersOf(rule.expr, 'kube_horizontalpodautoscaler_status_current_replicas'), horizontalpodautoscaler: 'backend' };
      return {
        series: [
          { series: selector('kube_horizontalpodautoscaler_spec_max_replicas', labels), values: gauge(20, n) },
          { series: selector('kube_horizontalpodautoscaler_status_current_replicas', labels), values: gauge(level === 'fire' ? 20 : 19, n) },
        ],
        labels,
      };
    },
    describe: () => 'fires at current = max replicas, silent at max - 1',
  },
  PodsNotReady: {
    signal: (rule, level, n) => podReadiness(rule, level === 'fire' ? 'unknown' : 'true', n),
    describe: () => 'fires for readiness unknown (node lost) and false, silent while ready',
    extra: (rule, n) => [
      {
        name: 'readiness false',
        series: podReadiness(rule, 'false', n).series,
        expect: [{ at: n - 1, firing: [{ pod: 'backend-0' }] }],
      },
    ],
  },
  PostgresReplicationLag: {
    signal: (rule, level, n) => {
      const [lag] = thresholds(rule.expr);
      const pod = instancePod(rule.expr, 2);
      const base = matchersOf(rule.expr, 'cnpg_pg_replication_lag');
      return {
        series: [{ series: selector('cnpg_pg_replication_lag', { ...base, pod }), values: gauge(lag * (level === 'fire' ? ABOVE : BELOW), n) }],
        labels: { pod },
      };
    },
    describe: (rule) => `lag above ${thresholds(rule.expr)[0]}s: fires at ${ABOVE}×, silent at ${BELOW}×`,
  },
  PostgresNoPrimary: {
    // Both instances in recovery, against one primary and one replica.
    signal: (rule, level, n) => {
      const base = matchersOf(rule.expr, 'cnpg_pg_replication_in_recovery');
      return {
        series: [1, 2].map((i) => ({
          series: selector('cnpg_pg_replication_in_recovery', { ...base, pod: instancePod(rule.expr, i) }),
          values: gauge(level === 'below' && i === 1 ? 0 : 1, n),
        })),
        labels: {},
      };
    },
    describe: () => 'fires with every instance in recovery and with no instance reporting, silent with one primary',
    extra: (_rule, n) => [{ name: 'no instance reports', series: [], expect: [{ at: n - 1, firing: [{}] }] }],
  },
  CacheNearMaxmemory: {
    signal: (rule, level, n) => {
      const ratio = thresholds(rule.expr).at(-1) as number;
      const labels = { ...matchersOf(rule.expr, 'redis_memory_used_bytes'), pod: instancePod(rule.expr, 0) };
      const max = 1e9;
      return {
        series: [
          { series: selector('redis_memory_max_bytes', labels), values: gauge(max, n) },
          { series: selector('redis_memory_used_bytes', labels), values: gauge(max * ratio * (level === 'fire' ? ABOVE : BELOW), n) },
        ],
        labels,
      };
    },
    describe: (rule) => `memory above ${thresholds(rule.expr).at(-1)} of maxmemory: fires at ${ABOVE}×, silent at ${BELOW}×`,
  },
  CacheEvicting: {
    signal: (rule, level, n) => {
      const labels = { ...matchersOf(rule.expr, 'redis_evicted_keys_total'), pod: instancePod(rule.expr, 0) };
      return { series: [{ series: selector('redis_evicted_keys_total', labels), values: level === 'fire' ? counter(5, n) : gauge(100, n) }], labels };
    },
    describe: () => 'fires while keys are evicted, silent when the eviction count stays flat',
  },
};

function podReadiness(rule: Rule, ready: 'true' | 'false' | 'unknown', n: number) {
  // The rule matches the condition by regex; each series carries its own.
  const base = { namespace: matchersOf(rule.expr, 'kube_pod_status_ready').namespace, pod: 'backend-0' };
  return {
    series: (['true', 'false', 'unknown'] as const).map((condition) => ({
      series: selector('kube_pod_status_ready', { ...base, condition }),
      values: gauge(condition === ready ? 1 : 0, n),
    })),
    labels: { pod: 'backend-0' },
  };
}

/** A threshold alert: pending just before its `for` ends, firing after; silent just below. */
function thresholdTest(rule: Rule): AlertTest {
  const name = rule.alert as string;
  const spec = SIGNALS[name];
  if (spec === undefined) throw new Error(`no promtool scenario for alert ${name}: add one to scripts/rules-check/scenarios.ts`);
  const forMinutes = minutes(rule.for);
  // Rates need two samples, so a rate-based condition holds from minute 1.
  const fireAt = forMinutes + 2;
  const n = fireAt + 3;
  const fire = spec.signal(rule, 'fire', n);
  const below = spec.signal(rule, 'below', n);
  const cases: Case[] = [
    {
      name: 'fires after its for',
      series: fire.series,
      expect: [
        ...(forMinutes >= 1 ? [{ at: forMinutes - 1, firing: [] }] : []),
        { at: fireAt, firing: [fire.labels] },
      ],
    },
    { name: 'silent just below the threshold', series: below.series, expect: [{ at: n - 1, firing: [] }] },
    ...(spec.extra?.(rule, n) ?? []),
  ];
  return { alert: name, evaluationMinutes: 1, cases, claim: `${spec.describe(rule)} (for ${rule.for ?? '0m'})` };
}

/**
 * A burn-rate alert of an objective: a burn just above the fast rate (15× for 14.4×) after a
 * healthy day pages within the 1 h long window, and not before that window holds enough of it;
 * a steady burn just above the slowest rate opens a ticket without paging; one just below it
 * never alerts in 3 days.
 */
function burnRateTest(page: Rule, ticket: Rule, records: readonly Rule[]): AlertTest {
  const slo = page.labels?.slo as string;
  const sli = records.find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels?.slo === slo);
  if (sli === undefined) throw new Error(`no 5m error ratio recorded for ${slo}`);
  const [fastBurn, budget] = (/> \(([0-9.]+) \* ([0-9.e-]+)\)/.exec(page.expr) ?? []).slice(1).map(Number);
  const [slowBurn] = [...ticket.expr.matchAll(/> \(([0-9.]+) \* /g)].map((m) => Number(m[1])).slice(-1);
  const labels = { ...(sli.labels ?? {}) };
  const perMinute = 600;
  // Series for `burn` × the budget; `healthy` minutes of no errors first.
  const signal = (burn: number, healthy: number, samples: number): Series[] => {
    const bad = perMinute * budget * burn;
    const grow = (perSample: number) =>
      healthy > 0 ? `0+${perMinute}x${healthy} ${perMinute * healthy + perSample}+${perSample}x${samples - healthy - 1}` : counter(perSample, samples);
    if (sli.expr.includes('http_requests_total')) {
      const base = matchersOf(sli.expr, 'http_requests_total');
      const errors = healthy > 0 ? `0x${healthy} ${bad}+${bad}x${samples - healthy - 1}` : counter(bad, samples);
      return [
        { series: selector('http_requests_total', { ...base, status: '500' }), values: errors },
        { series: selector('http_requests_total', { ...base, status: '200' }), values: grow(perMinute - bad) },
      ];
    }
    const bucket = matchersOf(sli.expr, 'http_request_duration_seconds_bucket');
    const count = matchersOf(sli.expr, 'http_request_duration_seconds_count');
    return [
      { series: selector('http_request_duration_seconds_count', count), values: grow(perMinute) },
      { series: selector('http_request_duration_seconds_bucket', bucket), values: grow(perMinute - bad) },
    ];
  };
  const severity = (rule: Rule) => ({ ...labels, ...(rule.labels ?? {}) });
  const day = 1440;
  const pageBurn = Math.ceil(fastBurn * 1.04 * 10) / 10;
  // The 1 h window exceeds fastBurn once fastBurn/pageBurn of an hour has burnt.
  const pageAt = day + 60;
  const notYet = day + 5 * Math.floor((60 * fastBurn) / pageBurn / 5 - 1);
  const threeDays = 3 * day;
  // Steady burns from the start: every window sees the same ratio, so the 3-day one decides.
  return {
    alert: page.alert as string,
    evaluationMinutes: 5,
    cases: [
      {
        name: `${pageBurn}× burn after a healthy day pages within the hour`,
        series: signal(pageBurn, day, pageAt + 5),
        expect: [
          { at: notYet, firing: [] },
          { at: pageAt, firing: [severity(page)] },
        ],
      },
      {
        name: `${ABOVE}× steady burn opens a ticket without paging`,
        series: signal(slowBurn * ABOVE, 0, threeDays + 5),
        expect: [{ at: threeDays, firing: [severity(ticket)] }],
      },
      {
        name: `${BELOW}× burn never alerts`,
        series: signal(slowBurn * BELOW, 0, threeDays + 5),
        expect: [60, 360, day, 2 * day, threeDays].map((at) => ({ at, firing: [] })),
      },
    ],
    claim:
      `${slo} (budget ${budget}): a ${pageBurn}× burn pages ${pageAt - day} min in (not at ${notYet - day} min); ` +
      `a steady ${slowBurn * ABOVE}× burn opens a ticket without paging; ${slowBurn * BELOW}× for 3 days never alerts`,
  };
}

/** One test per alert name of the rule set. */
export function alertTests(rules: readonly Rule[]): AlertTest[] {
  const records = rules.filter((r) => r.record !== undefined);
  const byName = new Map<string, Rule[]>();
  for (const r of rules) if (r.alert !== undefined) byName.set(r.alert, [...(byName.get(r.alert) ?? []), r]);
  return [...byName.entries()].map(([name, alerts]) => {
    if (alerts.length === 1) return thresholdTest(alerts[0]);
    const page = alerts.find((a) => a.labels?.severity === 'critical');
    const ticket = alerts.find((a) => a.labels?.severity === 'warning');
    if (alerts.length !== 2 || page === undefined || ticket === undefined) throw new Error(`alert ${name}: expected one page and one ticket rule`);
    return burnRateTest(page, ticket, records);
  });
}

/** The promtool test file of one alert, against the rule file `ruleFile`. */
export function testFile(test: AlertTest, rules: readonly Rule[], ruleFile: string): Record<string, unknown> {
  const annotations = new Map(rules.filter((r) => r.alert === test.alert).map((r) => [r.labels?.severity, r.annotations ?? {}]));
  return {
    rule_files: [ruleFile],
    evaluation_interval: `${test.evaluationMinutes}m`,
    tests: test.cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: c.series,
      alert_rule_test: c.expect.map((e) => ({
        eval_time: `${e.at}m`,
        alertname: test.alert,
        exp_alerts: e.firing.map((labels) => {
          const rule = rules.find((r) => r.alert === test.alert && (r.labels?.severity === labels.severity || labels.severity === undefined));
          const all = { ...labels, ...(rule?.labels ?? {}) };
          return { exp_labels: all, exp_annotations: annotations.get(all.severity) ?? {} };
        }),
      })),
    })),
  };
}
