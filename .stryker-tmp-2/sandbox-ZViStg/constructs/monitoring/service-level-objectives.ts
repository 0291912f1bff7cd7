// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import { componentLabels } from '../core/labels';
import { BackendMetrics } from './backend-metrics';
import { checkName, invalidProp } from '../core/validation';
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
  /** Job label of the backend's metrics (its Service's name). */
  readonly backendJob: string;
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
const PAGE: readonly BurnWindow[] = stryMutAct_9fa48("411") ? [] : (stryCov_9fa48("411"), [stryMutAct_9fa48("412") ? {} : (stryCov_9fa48("412"), {
  long: stryMutAct_9fa48("413") ? "" : (stryCov_9fa48("413"), '1h'),
  short: stryMutAct_9fa48("414") ? "" : (stryCov_9fa48("414"), '5m'),
  budgetSpent: 0.02,
  longHours: 1
}), stryMutAct_9fa48("415") ? {} : (stryCov_9fa48("415"), {
  long: stryMutAct_9fa48("416") ? "" : (stryCov_9fa48("416"), '6h'),
  short: stryMutAct_9fa48("417") ? "" : (stryCov_9fa48("417"), '30m'),
  budgetSpent: 0.05,
  longHours: 6
})]);
const TICKET: readonly BurnWindow[] = stryMutAct_9fa48("418") ? [] : (stryCov_9fa48("418"), [stryMutAct_9fa48("419") ? {} : (stryCov_9fa48("419"), {
  long: stryMutAct_9fa48("420") ? "" : (stryCov_9fa48("420"), '1d'),
  short: stryMutAct_9fa48("421") ? "" : (stryCov_9fa48("421"), '2h'),
  budgetSpent: 0.1,
  longHours: 24
}), stryMutAct_9fa48("422") ? {} : (stryCov_9fa48("422"), {
  long: stryMutAct_9fa48("423") ? "" : (stryCov_9fa48("423"), '3d'),
  short: stryMutAct_9fa48("424") ? "" : (stryCov_9fa48("424"), '6h'),
  budgetSpent: 0.1,
  longHours: 72
})]);
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
const DEFAULT_NAME = stryMutAct_9fa48("425") ? "" : (stryCov_9fa48("425"), 'web-topology-slos');
const DEFAULT_WINDOW_DAYS = 30;
/** The fastest burn alerted on; an objective must leave a budget it can exceed. */
const FASTEST_BURN = 14.4;

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
    if (stryMutAct_9fa48("426")) {
      {}
    } else {
      stryCov_9fa48("426");
      super(scope, id);
      this.name = stryMutAct_9fa48("427") ? props.name && DEFAULT_NAME : (stryCov_9fa48("427"), props.name ?? DEFAULT_NAME);
      checkName(this, stryMutAct_9fa48("429") ? "" : (stryCov_9fa48("429"), 'name'), this.name);
      this.windowDays = stryMutAct_9fa48("430") ? props.windowDays && DEFAULT_WINDOW_DAYS : (stryCov_9fa48("430"), props.windowDays ?? DEFAULT_WINDOW_DAYS);
      if (stryMutAct_9fa48("433") ? (!Number.isInteger(this.windowDays) || this.windowDays < 7) && this.windowDays > 90 : stryMutAct_9fa48("432") ? false : stryMutAct_9fa48("431") ? true : (stryCov_9fa48("431", "432", "433"), (stryMutAct_9fa48("435") ? !Number.isInteger(this.windowDays) && this.windowDays < 7 : stryMutAct_9fa48("434") ? false : (stryCov_9fa48("434", "435"), (stryMutAct_9fa48("436") ? Number.isInteger(this.windowDays) : (stryCov_9fa48("436"), !Number.isInteger(this.windowDays))) || (stryMutAct_9fa48("439") ? this.windowDays >= 7 : stryMutAct_9fa48("438") ? this.windowDays <= 7 : stryMutAct_9fa48("437") ? false : (stryCov_9fa48("437", "438", "439"), this.windowDays < 7)))) || (stryMutAct_9fa48("442") ? this.windowDays <= 90 : stryMutAct_9fa48("441") ? this.windowDays >= 90 : stryMutAct_9fa48("440") ? false : (stryCov_9fa48("440", "441", "442"), this.windowDays > 90)))) {
        if (stryMutAct_9fa48("443")) {
          {}
        } else {
          stryCov_9fa48("443");
          invalidProp(this, stryMutAct_9fa48("445") ? "" : (stryCov_9fa48("445"), 'windowDays'), this.windowDays, stryMutAct_9fa48("446") ? "" : (stryCov_9fa48("446"), 'must be a whole number of days from 7 to 90 (longer than the 3-day ticket window)'));
        }
      }
      if (stryMutAct_9fa48("449") ? props.availability === undefined || props.latency === undefined : stryMutAct_9fa48("448") ? false : stryMutAct_9fa48("447") ? true : (stryCov_9fa48("447", "448", "449"), (stryMutAct_9fa48("451") ? props.availability !== undefined : stryMutAct_9fa48("450") ? true : (stryCov_9fa48("450", "451"), props.availability === undefined)) && (stryMutAct_9fa48("453") ? props.latency !== undefined : stryMutAct_9fa48("452") ? true : (stryCov_9fa48("452", "453"), props.latency === undefined)))) {
        if (stryMutAct_9fa48("454")) {
          {}
        } else {
          stryCov_9fa48("454");
          invalidProp(this, stryMutAct_9fa48("456") ? "" : (stryCov_9fa48("456"), 'availability'), undefined, stryMutAct_9fa48("457") ? "" : (stryCov_9fa48("457"), 'or \'latency\' must be set: an objective is needed to derive any rule'));
        }
      }
      if (stryMutAct_9fa48("460") ? props.latency !== undefined || !(props.latency.thresholdSeconds > 0 && Number.isFinite(props.latency.thresholdSeconds)) : stryMutAct_9fa48("459") ? false : stryMutAct_9fa48("458") ? true : (stryCov_9fa48("458", "459", "460"), (stryMutAct_9fa48("462") ? props.latency === undefined : stryMutAct_9fa48("461") ? true : (stryCov_9fa48("461", "462"), props.latency !== undefined)) && (stryMutAct_9fa48("463") ? props.latency.thresholdSeconds > 0 && Number.isFinite(props.latency.thresholdSeconds) : (stryCov_9fa48("463"), !(stryMutAct_9fa48("466") ? props.latency.thresholdSeconds > 0 || Number.isFinite(props.latency.thresholdSeconds) : stryMutAct_9fa48("465") ? false : stryMutAct_9fa48("464") ? true : (stryCov_9fa48("464", "465", "466"), (stryMutAct_9fa48("469") ? props.latency.thresholdSeconds <= 0 : stryMutAct_9fa48("468") ? props.latency.thresholdSeconds >= 0 : stryMutAct_9fa48("467") ? true : (stryCov_9fa48("467", "468", "469"), props.latency.thresholdSeconds > 0)) && Number.isFinite(props.latency.thresholdSeconds))))))) {
        if (stryMutAct_9fa48("470")) {
          {}
        } else {
          stryCov_9fa48("470");
          invalidProp(this, stryMutAct_9fa48("472") ? "" : (stryCov_9fa48("472"), 'latency.thresholdSeconds'), props.latency.thresholdSeconds, stryMutAct_9fa48("473") ? "" : (stryCov_9fa48("473"), 'must be a number of seconds greater than 0'));
        }
      }
      this.namespace = props.namespace;
      const api = new BackendMetrics(props.namespace, props.backendJob);
      const specs: {
        key: 'availability' | 'latency';
        percent: number;
        sli: (w: string) => string;
        summary: string;
      }[] = stryMutAct_9fa48("474") ? ["Stryker was here"] : (stryCov_9fa48("474"), []);
      if (stryMutAct_9fa48("477") ? props.availability === undefined : stryMutAct_9fa48("476") ? false : stryMutAct_9fa48("475") ? true : (stryCov_9fa48("475", "476", "477"), props.availability !== undefined)) {
        if (stryMutAct_9fa48("478")) {
          {}
        } else {
          stryCov_9fa48("478");
          specs.push(stryMutAct_9fa48("480") ? {} : (stryCov_9fa48("480"), {
            key: stryMutAct_9fa48("481") ? "" : (stryCov_9fa48("481"), 'availability'),
            percent: props.availability.objectivePercent,
            sli: stryMutAct_9fa48("482") ? () => undefined : (stryCov_9fa48("482"), w => api.errorRatio(w)),
            summary: stryMutAct_9fa48("483") ? `` : (stryCov_9fa48("483"), `backend responses that are not 5xx (objective ${props.availability.objectivePercent}%)`)
          }));
        }
      }
      if (stryMutAct_9fa48("486") ? props.latency === undefined : stryMutAct_9fa48("485") ? false : stryMutAct_9fa48("484") ? true : (stryCov_9fa48("484", "485", "486"), props.latency !== undefined)) {
        if (stryMutAct_9fa48("487")) {
          {}
        } else {
          stryCov_9fa48("487");
          const t = props.latency.thresholdSeconds;
          specs.push(stryMutAct_9fa48("489") ? {} : (stryCov_9fa48("489"), {
            key: stryMutAct_9fa48("490") ? "" : (stryCov_9fa48("490"), 'latency'),
            percent: props.latency.objectivePercent,
            sli: stryMutAct_9fa48("491") ? () => undefined : (stryCov_9fa48("491"), w => api.slowRatio(w, t)),
            summary: stryMutAct_9fa48("492") ? `` : (stryCov_9fa48("492"), `backend requests faster than ${t}s (objective ${props.latency.objectivePercent}%)`)
          }));
        }
      }
      const minPercent = stryMutAct_9fa48("493") ? 100 / (1 - 1 / FASTEST_BURN) : (stryCov_9fa48("493"), 100 * (stryMutAct_9fa48("494") ? 1 + 1 / FASTEST_BURN : (stryCov_9fa48("494"), 1 - (stryMutAct_9fa48("495") ? 1 * FASTEST_BURN : (stryCov_9fa48("495"), 1 / FASTEST_BURN)))));
      const groups: NonNullable<PrometheusRuleSpec['groups']> = stryMutAct_9fa48("496") ? ["Stryker was here"] : (stryCov_9fa48("496"), []);
      const objectives: Objective[] = stryMutAct_9fa48("497") ? ["Stryker was here"] : (stryCov_9fa48("497"), []);
      for (const s of specs) {
        if (stryMutAct_9fa48("498")) {
          {}
        } else {
          stryCov_9fa48("498");
          if (stryMutAct_9fa48("501") ? false : stryMutAct_9fa48("500") ? true : stryMutAct_9fa48("499") ? s.percent >= minPercent && s.percent < 100 : (stryCov_9fa48("499", "500", "501"), !(stryMutAct_9fa48("504") ? s.percent >= minPercent || s.percent < 100 : stryMutAct_9fa48("503") ? false : stryMutAct_9fa48("502") ? true : (stryCov_9fa48("502", "503", "504"), (stryMutAct_9fa48("507") ? s.percent < minPercent : stryMutAct_9fa48("506") ? s.percent > minPercent : stryMutAct_9fa48("505") ? true : (stryCov_9fa48("505", "506", "507"), s.percent >= minPercent)) && (stryMutAct_9fa48("510") ? s.percent >= 100 : stryMutAct_9fa48("509") ? s.percent <= 100 : stryMutAct_9fa48("508") ? true : (stryCov_9fa48("508", "509", "510"), s.percent < 100)))))) {
            if (stryMutAct_9fa48("511")) {
              {}
            } else {
              stryCov_9fa48("511");
              invalidProp(this, stryMutAct_9fa48("513") ? `` : (stryCov_9fa48("513"), `${s.key}.objectivePercent`), s.percent, stryMutAct_9fa48("514") ? `` : (stryCov_9fa48("514"), `must be at least ${minPercent.toFixed(2)} and less than 100, so that a ${FASTEST_BURN}× burn of its error budget is a reachable error ratio`));
            }
          }
          const slo = stryMutAct_9fa48("515") ? `` : (stryCov_9fa48("515"), `backend-${s.key}`);
          const alert = stryMutAct_9fa48("516") ? `` : (stryCov_9fa48("516"), `Backend${(stryMutAct_9fa48("519") ? s.key !== 'availability' : stryMutAct_9fa48("518") ? false : stryMutAct_9fa48("517") ? true : (stryCov_9fa48("517", "518", "519"), s.key === (stryMutAct_9fa48("520") ? "" : (stryCov_9fa48("520"), 'availability')))) ? stryMutAct_9fa48("521") ? "" : (stryCov_9fa48("521"), 'Availability') : stryMutAct_9fa48("522") ? "" : (stryCov_9fa48("522"), 'Latency')}BudgetBurn`);
          const objective = stryMutAct_9fa48("523") ? s.percent * 100 : (stryCov_9fa48("523"), s.percent / 100);
          const errorBudget = stryMutAct_9fa48("524") ? 1 + objective : (stryCov_9fa48("524"), 1 - objective);
          const labels = stryMutAct_9fa48("525") ? {} : (stryCov_9fa48("525"), {
            namespace: props.namespace,
            slo
          });
          const sel = stryMutAct_9fa48("526") ? `` : (stryCov_9fa48("526"), `{namespace="${props.namespace}", slo="${slo}"}`);
          const hours = stryMutAct_9fa48("527") ? this.windowDays / 24 : (stryCov_9fa48("527"), this.windowDays * 24);
          const burnRates = Object.fromEntries((stryMutAct_9fa48("528") ? [] : (stryCov_9fa48("528"), [...PAGE, ...TICKET])).map(stryMutAct_9fa48("529") ? () => undefined : (stryCov_9fa48("529"), b => stryMutAct_9fa48("530") ? [] : (stryCov_9fa48("530"), [b.long, round(stryMutAct_9fa48("531") ? b.budgetSpent * hours * b.longHours : (stryCov_9fa48("531"), (stryMutAct_9fa48("532") ? b.budgetSpent / hours : (stryCov_9fa48("532"), b.budgetSpent * hours)) / b.longHours))]))));
          const condition = stryMutAct_9fa48("533") ? () => undefined : (stryCov_9fa48("533"), (() => {
            const condition = (windows: readonly BurnWindow[]) => windows.map(b => {
              if (stryMutAct_9fa48("534")) {
                {}
              } else {
                stryCov_9fa48("534");
                const limit = stryMutAct_9fa48("535") ? `` : (stryCov_9fa48("535"), `(${burnRates[b.long]} * ${round(errorBudget)})`);
                return stryMutAct_9fa48("536") ? `` : (stryCov_9fa48("536"), `(slo:sli_error:ratio_rate${b.long}${sel} > ${limit} and slo:sli_error:ratio_rate${b.short}${sel} > ${limit})`);
              }
            }).join(stryMutAct_9fa48("537") ? "" : (stryCov_9fa48("537"), ' or '));
            return condition;
          })());
          const burnAlert = stryMutAct_9fa48("538") ? () => undefined : (stryCov_9fa48("538"), (() => {
            const burnAlert = (severity: 'critical' | 'warning', windows: readonly BurnWindow[], what: string) => stryMutAct_9fa48("539") ? {} : (stryCov_9fa48("539"), {
              alert,
              expr: condition(windows),
              labels: stryMutAct_9fa48("540") ? {} : (stryCov_9fa48("540"), {
                severity,
                slo
              }),
              annotations: stryMutAct_9fa48("541") ? {} : (stryCov_9fa48("541"), {
                summary: stryMutAct_9fa48("542") ? `` : (stryCov_9fa48("542"), `The error budget of ${s.summary} burns ${what}.`)
              })
            });
            return burnAlert;
          })());
          groups.push(stryMutAct_9fa48("544") ? {} : (stryCov_9fa48("544"), {
            name: stryMutAct_9fa48("545") ? `` : (stryCov_9fa48("545"), `${this.name}.${slo}`),
            rules: stryMutAct_9fa48("546") ? [] : (stryCov_9fa48("546"), [...WINDOWS.map(stryMutAct_9fa48("547") ? () => undefined : (stryCov_9fa48("547"), w => stryMutAct_9fa48("548") ? {} : (stryCov_9fa48("548"), {
              record: stryMutAct_9fa48("549") ? `` : (stryCov_9fa48("549"), `slo:sli_error:ratio_rate${w}`),
              expr: s.sli(w),
              labels
            }))), stryMutAct_9fa48("550") ? {} : (stryCov_9fa48("550"), {
              record: stryMutAct_9fa48("551") ? `` : (stryCov_9fa48("551"), `slo:sli_error:ratio_rate${this.windowDays}d`),
              expr: stryMutAct_9fa48("552") ? `` : (stryCov_9fa48("552"), `avg_over_time(slo:sli_error:ratio_rate5m${sel}[${this.windowDays}d])`),
              labels
            }), burnAlert(stryMutAct_9fa48("553") ? "" : (stryCov_9fa48("553"), 'critical'), PAGE, stryMutAct_9fa48("554") ? `` : (stryCov_9fa48("554"), `fast enough to be spent within days: page`)), burnAlert(stryMutAct_9fa48("555") ? "" : (stryCov_9fa48("555"), 'warning'), TICKET, stryMutAct_9fa48("556") ? "" : (stryCov_9fa48("556"), 'steadily: open a ticket'))])
          }));
          objectives.push(stryMutAct_9fa48("558") ? {} : (stryCov_9fa48("558"), {
            slo,
            alert,
            objective,
            errorBudget: round(errorBudget),
            burnRates
          }));
        }
      }
      this.objectives = objectives;
      this.rule = new CustomResource(this, stryMutAct_9fa48("559") ? "" : (stryCov_9fa48("559"), 'rule'), stryMutAct_9fa48("560") ? {} : (stryCov_9fa48("560"), {
        apiVersion: stryMutAct_9fa48("561") ? "" : (stryCov_9fa48("561"), 'monitoring.coreos.com/v1'),
        kind: stryMutAct_9fa48("562") ? "" : (stryCov_9fa48("562"), 'PrometheusRule'),
        name: this.name,
        namespace: props.namespace,
        labels: componentLabels(stryMutAct_9fa48("563") ? "" : (stryCov_9fa48("563"), 'slo-rules')),
        spec: stryMutAct_9fa48("564") ? {} : (stryCov_9fa48("564"), {
          groups
        })
      }));
    }
  }

  /** PromQL of an objective's recorded error ratio over one of the recorded windows. */
  errorRatio(o: Objective, window: typeof WINDOWS[number] | 'compliance'): string {
    if (stryMutAct_9fa48("565")) {
      {}
    } else {
      stryCov_9fa48("565");
      const w = (stryMutAct_9fa48("568") ? window !== 'compliance' : stryMutAct_9fa48("567") ? false : stryMutAct_9fa48("566") ? true : (stryCov_9fa48("566", "567", "568"), window === (stryMutAct_9fa48("569") ? "" : (stryCov_9fa48("569"), 'compliance')))) ? stryMutAct_9fa48("570") ? `` : (stryCov_9fa48("570"), `${this.windowDays}d`) : window;
      return stryMutAct_9fa48("571") ? `` : (stryCov_9fa48("571"), `slo:sli_error:ratio_rate${w}{namespace="${this.namespace}", slo="${o.slo}"}`);
    }
  }
}

/** Drops binary floating-point noise (1 - 0.999 = 0.0010000000000000009). */
function round(x: number): number {
  if (stryMutAct_9fa48("572")) {
    {}
  } else {
    stryCov_9fa48("572");
    return Number(x.toPrecision(12));
  }
}