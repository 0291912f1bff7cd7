import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import { componentLabels } from '../core/labels';
import type { BackendMetrics } from './backend-metrics';
import { checkName, checkRule, integerProblem } from '../core/validation';
import type { PrometheusRuleSpec } from '../core/crds/monitoring.coreos.com/v1/prometheus-rule';

/** Share of the backend's responses that are not 5xx. */
export interface AvailabilityObjective {
  /** Target in percent over the window, e.g. 99.9. */
  readonly objectivePercent: number;
}

/** Share of the backend's requests answered faster than a threshold. */
export interface LatencyObjective {
  /** Target in percent over the window, e.g. 99. */
  readonly objectivePercent: number;
  /** The threshold; the backend's histogram must have a bucket with exactly this upper bound. */
  readonly thresholdSeconds: number;
}

export interface ServiceLevelObjectivesProps {
  readonly namespace: string;
  /** Name of the PrometheusRule. @default "web-topology-slos" */
  readonly name?: string;
  /** The backend's HTTP metrics, whose error ratios the objectives judge. */
  readonly backend: BackendMetrics;
  /** Compliance window in days (7–90). @default 30 */
  readonly windowDays?: number;
  /** @default no availability objective */
  readonly availability?: AvailabilityObjective;
  /** @default no latency objective */
  readonly latency?: LatencyObjective;
}

/** One multi-window alert condition: both windows burn faster than `factor` × the budget. */
interface BurnWindow {
  readonly long: string;
  readonly short: string;
  /** Share of the whole window's budget this condition spends within `long`. */
  readonly budgetSpent: number;
  readonly longHours: number;
}

/**
 * Google SRE workbook ch. 5, as Sloth and Pyrra generate it for a 30-day window: 2 % of the
 * budget in 1 h or 5 % in 6 h pages (14.4× and 6× burn), 10 % in 1 d or in 3 d opens a ticket
 * (3× and 1×). Each long window is paired with a short one (1/12 of it) so the alert stops soon
 * after the burn does.
 */
const PAGE: readonly BurnWindow[] = [
  { long: '1h', short: '5m', budgetSpent: 0.02, longHours: 1 },
  { long: '6h', short: '30m', budgetSpent: 0.05, longHours: 6 },
];
const TICKET: readonly BurnWindow[] = [
  { long: '1d', short: '2h', budgetSpent: 0.1, longHours: 24 },
  { long: '3d', short: '6h', budgetSpent: 0.1, longHours: 72 },
];
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

const DEFAULT_NAME = 'web-topology-slos';
/** The defaults of {@link ServiceLevelObjectivesProps}. */
export const SLO_DEFAULTS = { windowDays: 30 } as const;
/** The fastest burn alerted on; an objective must leave a budget it can exceed. */
const FASTEST_BURN = 14.4;
/** The lowest objective in percent: below it, a {@link FASTEST_BURN}× burn of the budget would exceed every request. */
const MIN_OBJECTIVE_PERCENT = 100 * (1 - 1 / FASTEST_BURN);
/** A latency threshold above an hour is no request latency. */
const MAX_THRESHOLD_SECONDS = 3600;

/** What is wrong with a set of objectives, or undefined: at least one is needed to derive any rule. */
export function objectivesProblem(objectives: { readonly availability?: unknown; readonly latency?: unknown }): string | undefined {
  return objectives.availability === undefined && objectives.latency === undefined ? 'must set availability, latency or both: an objective is needed to derive any rule' : undefined;
}

/** What is wrong with a compliance window in days, or undefined: it must be longer than the 3-day ticket window. */
export function windowDaysProblem(days: number): string | undefined {
  const problem = integerProblem(days, 7, 90, 'days');
  return problem && `${problem} (longer than the 3-day ticket window)`;
}

/** What is wrong with an objective in percent, or undefined. */
export function objectivePercentProblem(percent: number): string | undefined {
  return percent >= MIN_OBJECTIVE_PERCENT && percent < 100
    ? undefined
    : `must be a percentage of at least 100 × (1 − 1/${FASTEST_BURN}) ≈ ${MIN_OBJECTIVE_PERCENT.toFixed(2)} and below 100, so that a ${FASTEST_BURN}× burn of its error budget is a reachable error ratio`;
}

/** What is wrong with a latency threshold, or undefined. */
export function thresholdSecondsProblem(seconds: number): string | undefined {
  return seconds > 0 && seconds <= MAX_THRESHOLD_SECONDS ? undefined : `must be a number of seconds greater than 0 and at most ${MAX_THRESHOLD_SECONDS}`;
}

/** An objective as synthesized: what the dashboard and the rule tests read. */
export interface Objective {
  /** Value of the `slo` label on its recording rules and alerts, e.g. "backend-availability". */
  readonly slo: string;
  /** Alert name shared by its page (severity critical) and ticket (severity warning) alerts. */
  readonly alert: string;
  /** Target as a ratio, e.g. 0.999. */
  readonly objective: number;
  /** 1 - objective. */
  readonly errorBudget: number;
  /** Burn-rate factor of each alert condition, by long window ("1h" → 14.4). */
  readonly burnRates: Readonly<Record<string, number>>;
}

/**
 * Service-level objectives of the backend as one PrometheusRule: recording rules of the error
 * ratio over each alert window and over the whole compliance window (Sloth's
 * `slo:sli_error:ratio_rate<window>`), and multi-window, multi-burn-rate alerts per objective:
 * a fast burn pages (severity critical), a slow burn opens a ticket (severity warning).
 */
export class ServiceLevelObjectives extends Construct {
  readonly rule: CustomResource;
  /** Name of the PrometheusRule. */
  readonly name: string;
  readonly windowDays: number;
  readonly objectives: readonly Objective[];
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: ServiceLevelObjectivesProps) {
    super(scope, id);
    this.name = props.name ?? DEFAULT_NAME;
    checkName(this, 'name', this.name);
    this.windowDays = props.windowDays ?? SLO_DEFAULTS.windowDays;
    checkRule(this, 'windowDays', this.windowDays, windowDaysProblem);
    checkRule(this, 'availability, latency', { availability: props.availability, latency: props.latency }, objectivesProblem);
    if (props.latency !== undefined) checkRule(this, 'latency.thresholdSeconds', props.latency.thresholdSeconds, thresholdSecondsProblem);
    this.namespace = props.namespace;

    const api = props.backend;
    const specs: { key: 'availability' | 'latency'; percent: number; sli: (w: string) => string; summary: string }[] = [];
    if (props.availability !== undefined) {
      specs.push({
        key: 'availability',
        percent: props.availability.objectivePercent,
        sli: (w) => api.errorRatio(w),
        summary: `backend responses that are not 5xx (objective ${props.availability.objectivePercent}%)`,
      });
    }
    if (props.latency !== undefined) {
      const t = props.latency.thresholdSeconds;
      specs.push({
        key: 'latency',
        percent: props.latency.objectivePercent,
        sli: (w) => api.slowRatio(w, t),
        summary: `backend requests faster than ${t}s (objective ${props.latency.objectivePercent}%)`,
      });
    }

    const groups: NonNullable<PrometheusRuleSpec['groups']> = [];
    const objectives: Objective[] = [];
    for (const s of specs) {
      checkRule(this, `${s.key}.objectivePercent`, s.percent, objectivePercentProblem);
      const slo = `backend-${s.key}`;
      const alert = `Backend${s.key === 'availability' ? 'Availability' : 'Latency'}BudgetBurn`;
      const objective = s.percent / 100;
      const errorBudget = 1 - objective;
      const labels = { namespace: props.namespace, slo };
      const sel = `{namespace="${props.namespace}", slo="${slo}"}`;
      const hours = this.windowDays * 24;
      const burnRates = Object.fromEntries([...PAGE, ...TICKET].map((b) => [b.long, round((b.budgetSpent * hours) / b.longHours)]));
      const condition = (windows: readonly BurnWindow[]) =>
        windows
          .map((b) => {
            const limit = `(${burnRates[b.long]} * ${round(errorBudget)})`;
            return `(slo:sli_error:ratio_rate${b.long}${sel} > ${limit} and slo:sli_error:ratio_rate${b.short}${sel} > ${limit})`;
          })
          .join(' or ');
      const burnAlert = (severity: 'critical' | 'warning', windows: readonly BurnWindow[], what: string) => ({
        alert,
        expr: condition(windows),
        labels: { severity, slo },
        annotations: { summary: `The error budget of ${s.summary} burns ${what}.` },
      });
      groups.push({
        name: `${this.name}.${slo}`,
        rules: [
          ...WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: s.sli(w), labels })),
          {
            record: `slo:sli_error:ratio_rate${this.windowDays}d`,
            expr: `avg_over_time(slo:sli_error:ratio_rate5m${sel}[${this.windowDays}d])`,
            labels,
          },
          burnAlert('critical', PAGE, `fast enough to be spent within days: page`),
          burnAlert('warning', TICKET, 'steadily: open a ticket'),
        ],
      });
      objectives.push({ slo, alert, objective, errorBudget: round(errorBudget), burnRates });
    }
    this.objectives = objectives;

    this.rule = new CustomResource(this, 'rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      name: this.name,
      namespace: props.namespace,
      labels: componentLabels(this, 'slo-rules'),
      spec: { groups },
    });
  }

  /** PromQL of an objective's recorded error ratio over one of the recorded windows. */
  errorRatio(o: Objective, window: (typeof WINDOWS)[number] | 'compliance'): string {
    const w = window === 'compliance' ? `${this.windowDays}d` : window;
    return `slo:sli_error:ratio_rate${w}{namespace="${this.namespace}", slo="${o.slo}"}`;
  }
}

/** Drops binary floating-point noise (1 - 0.999 = 0.0010000000000000009). */
function round(x: number): number {
  return Number(x.toPrecision(12));
}
