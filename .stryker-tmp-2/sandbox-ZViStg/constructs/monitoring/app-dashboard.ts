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
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Construct } from 'constructs';
import { componentLabels } from '../core/labels';
import { BackendMetrics } from './backend-metrics';
import { GRAFANA_DASHBOARD_LABEL } from './prometheus-stack';
import { checkName, invalidProp } from '../core/validation';
import type { ServiceLevelObjectives } from './service-level-objectives';
export interface AppDashboardProps {
  readonly namespace: string;
  /** Name of the ConfigMap. @default "web-topology-dashboard" */
  readonly name?: string;
  /** Dashboard title. */
  readonly title: string;
  /** Job label of the backend's metrics. */
  readonly backendJob: string;
  /** CloudNativePG Cluster name. */
  readonly databaseCluster: string;
  /** Adds an error-budget row for each objective. @default no error-budget row */
  readonly objectives?: ServiceLevelObjectives;
}

/** One query of a panel and its legend. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}
interface Panel {
  readonly title: string;
  readonly queries: readonly PanelQuery[];
  readonly unit: string;
}
const DEFAULT_NAME = stryMutAct_9fa48("149") ? "" : (stryCov_9fa48("149"), 'web-topology-dashboard');
/** Key of the dashboard JSON in the ConfigMap. */
export const DASHBOARD_KEY = stryMutAct_9fa48("150") ? "" : (stryCov_9fa48("150"), 'web-topology.json');

/**
 * The app's Grafana dashboard as a ConfigMap that Grafana's sidecar loads: traffic, errors and
 * latency of the backend, replicas against HPA bounds, database connections and lag, cache
 * memory and hit ratio, and, with objectives, a row of error budgets and burn rates.
 */
export class AppDashboard extends Construct {
  readonly configMap: ConfigMapV1;
  /** Every PromQL query of the dashboard, in panel order. */
  readonly queries: readonly string[];
  constructor(scope: Construct, id: string, props: AppDashboardProps) {
    if (stryMutAct_9fa48("151")) {
      {}
    } else {
      stryCov_9fa48("151");
      super(scope, id);
      const name = stryMutAct_9fa48("152") ? props.name && DEFAULT_NAME : (stryCov_9fa48("152"), props.name ?? DEFAULT_NAME);
      checkName(this, stryMutAct_9fa48("154") ? "" : (stryCov_9fa48("154"), 'name'), name);
      if (stryMutAct_9fa48("157") ? props.title.trim() !== '' : stryMutAct_9fa48("156") ? false : stryMutAct_9fa48("155") ? true : (stryCov_9fa48("155", "156", "157"), (stryMutAct_9fa48("158") ? props.title : (stryCov_9fa48("158"), props.title.trim())) === (stryMutAct_9fa48("159") ? "Stryker was here!" : (stryCov_9fa48("159"), '')))) invalidProp(this, stryMutAct_9fa48("161") ? "" : (stryCov_9fa48("161"), 'title'), props.title, stryMutAct_9fa48("162") ? "" : (stryCov_9fa48("162"), 'must not be empty'));
      const ns = props.namespace;
      const api = new BackendMetrics(ns, props.backendJob);
      const one = stryMutAct_9fa48("163") ? () => undefined : (stryCov_9fa48("163"), (() => {
        const one = (expr: string, legend: string) => stryMutAct_9fa48("164") ? [] : (stryCov_9fa48("164"), [stryMutAct_9fa48("165") ? {} : (stryCov_9fa48("165"), {
          expr,
          legend
        })]);
        return one;
      })());
      const hpa = stryMutAct_9fa48("166") ? () => undefined : (stryCov_9fa48("166"), (() => {
        const hpa = (metric: string) => stryMutAct_9fa48("167") ? `` : (stryCov_9fa48("167"), `kube_horizontalpodautoscaler_${metric}{namespace="${ns}"}`);
        return hpa;
      })());
      const rows: [string, Panel[]][] = stryMutAct_9fa48("168") ? [] : (stryCov_9fa48("168"), [stryMutAct_9fa48("169") ? [] : (stryCov_9fa48("169"), [stryMutAct_9fa48("170") ? "" : (stryCov_9fa48("170"), 'Service'), stryMutAct_9fa48("171") ? [] : (stryCov_9fa48("171"), [stryMutAct_9fa48("172") ? {} : (stryCov_9fa48("172"), {
        title: stryMutAct_9fa48("173") ? "" : (stryCov_9fa48("173"), 'Requests per second'),
        queries: one(stryMutAct_9fa48("174") ? `` : (stryCov_9fa48("174"), `sum by (status) (rate(http_requests_total{${api.matchers}}[5m]))`), stryMutAct_9fa48("175") ? "" : (stryCov_9fa48("175"), '{{status}}')),
        unit: stryMutAct_9fa48("176") ? "" : (stryCov_9fa48("176"), 'reqps')
      }), stryMutAct_9fa48("177") ? {} : (stryCov_9fa48("177"), {
        title: stryMutAct_9fa48("178") ? "" : (stryCov_9fa48("178"), '5xx ratio'),
        queries: one(api.errorRatio(stryMutAct_9fa48("179") ? "" : (stryCov_9fa48("179"), '5m')), stryMutAct_9fa48("180") ? "" : (stryCov_9fa48("180"), '5xx')),
        unit: stryMutAct_9fa48("181") ? "" : (stryCov_9fa48("181"), 'percentunit')
      }), stryMutAct_9fa48("182") ? {} : (stryCov_9fa48("182"), {
        title: stryMutAct_9fa48("183") ? "" : (stryCov_9fa48("183"), 'Latency p99'),
        queries: one(api.latencyQuantile(0.99, stryMutAct_9fa48("184") ? "" : (stryCov_9fa48("184"), '5m')), stryMutAct_9fa48("185") ? "" : (stryCov_9fa48("185"), 'p99')),
        unit: stryMutAct_9fa48("186") ? "" : (stryCov_9fa48("186"), 's')
      }), stryMutAct_9fa48("187") ? {} : (stryCov_9fa48("187"), {
        title: stryMutAct_9fa48("188") ? "" : (stryCov_9fa48("188"), 'Replicas (current vs max)'),
        queries: stryMutAct_9fa48("189") ? [] : (stryCov_9fa48("189"), [stryMutAct_9fa48("190") ? {} : (stryCov_9fa48("190"), {
          expr: hpa(stryMutAct_9fa48("191") ? "" : (stryCov_9fa48("191"), 'status_current_replicas')),
          legend: stryMutAct_9fa48("192") ? "" : (stryCov_9fa48("192"), '{{horizontalpodautoscaler}} current')
        }), stryMutAct_9fa48("193") ? {} : (stryCov_9fa48("193"), {
          expr: hpa(stryMutAct_9fa48("194") ? "" : (stryCov_9fa48("194"), 'spec_max_replicas')),
          legend: stryMutAct_9fa48("195") ? "" : (stryCov_9fa48("195"), '{{horizontalpodautoscaler}} max')
        })]),
        unit: stryMutAct_9fa48("196") ? "" : (stryCov_9fa48("196"), 'short')
      })])]), stryMutAct_9fa48("197") ? [] : (stryCov_9fa48("197"), [stryMutAct_9fa48("198") ? "" : (stryCov_9fa48("198"), 'Data'), stryMutAct_9fa48("199") ? [] : (stryCov_9fa48("199"), [stryMutAct_9fa48("200") ? {} : (stryCov_9fa48("200"), {
        title: stryMutAct_9fa48("201") ? "" : (stryCov_9fa48("201"), 'PostgreSQL backends'),
        queries: one(stryMutAct_9fa48("202") ? `` : (stryCov_9fa48("202"), `sum by (pod) (cnpg_backends_total{namespace="${ns}", pod=~"${props.databaseCluster}-[0-9]+"})`), stryMutAct_9fa48("203") ? "" : (stryCov_9fa48("203"), '{{pod}}')),
        unit: stryMutAct_9fa48("204") ? "" : (stryCov_9fa48("204"), 'short')
      }), stryMutAct_9fa48("205") ? {} : (stryCov_9fa48("205"), {
        title: stryMutAct_9fa48("206") ? "" : (stryCov_9fa48("206"), 'Replication lag'),
        queries: one(stryMutAct_9fa48("207") ? `` : (stryCov_9fa48("207"), `max by (pod) (cnpg_pg_replication_lag{namespace="${ns}"})`), stryMutAct_9fa48("208") ? "" : (stryCov_9fa48("208"), '{{pod}}')),
        unit: stryMutAct_9fa48("209") ? "" : (stryCov_9fa48("209"), 's')
      }), stryMutAct_9fa48("210") ? {} : (stryCov_9fa48("210"), {
        title: stryMutAct_9fa48("211") ? "" : (stryCov_9fa48("211"), 'Cache memory / maxmemory'),
        queries: one(stryMutAct_9fa48("212") ? `` : (stryCov_9fa48("212"), `redis_memory_used_bytes{namespace="${ns}"} / redis_memory_max_bytes{namespace="${ns}"}`), stryMutAct_9fa48("213") ? "" : (stryCov_9fa48("213"), '{{pod}}')),
        unit: stryMutAct_9fa48("214") ? "" : (stryCov_9fa48("214"), 'percentunit')
      }), stryMutAct_9fa48("215") ? {} : (stryCov_9fa48("215"), {
        title: stryMutAct_9fa48("216") ? "" : (stryCov_9fa48("216"), 'Cache hit ratio'),
        queries: one((stryMutAct_9fa48("217") ? `` : (stryCov_9fa48("217"), `sum(rate(redis_keyspace_hits_total{namespace="${ns}"}[5m])) / `)) + (stryMutAct_9fa48("218") ? `` : (stryCov_9fa48("218"), `(sum(rate(redis_keyspace_hits_total{namespace="${ns}"}[5m])) + sum(rate(redis_keyspace_misses_total{namespace="${ns}"}[5m])))`)), stryMutAct_9fa48("219") ? "" : (stryCov_9fa48("219"), 'hit ratio')),
        unit: stryMutAct_9fa48("220") ? "" : (stryCov_9fa48("220"), 'percentunit')
      })])])]);
      const slos = props.objectives;
      if (stryMutAct_9fa48("223") ? slos === undefined : stryMutAct_9fa48("222") ? false : stryMutAct_9fa48("221") ? true : (stryCov_9fa48("221", "222", "223"), slos !== undefined)) {
        if (stryMutAct_9fa48("224")) {
          {}
        } else {
          stryCov_9fa48("224");
          if (stryMutAct_9fa48("225")) {
            ;
          } else {
            stryCov_9fa48("225");
            rows.push(stryMutAct_9fa48("226") ? [] : (stryCov_9fa48("226"), [stryMutAct_9fa48("227") ? `` : (stryCov_9fa48("227"), `Error budget (${slos.windowDays} days)`), slos.objectives.flatMap(stryMutAct_9fa48("228") ? () => undefined : (stryCov_9fa48("228"), o => stryMutAct_9fa48("229") ? [] : (stryCov_9fa48("229"), [stryMutAct_9fa48("230") ? {} : (stryCov_9fa48("230"), {
              title: stryMutAct_9fa48("231") ? `` : (stryCov_9fa48("231"), `${o.slo}: error budget remaining`),
              queries: one(stryMutAct_9fa48("232") ? `` : (stryCov_9fa48("232"), `1 - ${slos.errorRatio(o, stryMutAct_9fa48("233") ? "" : (stryCov_9fa48("233"), 'compliance'))} / ${o.errorBudget}`), stryMutAct_9fa48("234") ? "" : (stryCov_9fa48("234"), 'remaining')),
              unit: stryMutAct_9fa48("235") ? "" : (stryCov_9fa48("235"), 'percentunit')
            }), stryMutAct_9fa48("236") ? {} : (stryCov_9fa48("236"), {
              title: stryMutAct_9fa48("237") ? `` : (stryCov_9fa48("237"), `${o.slo}: burn rate (page at ${o.burnRates[stryMutAct_9fa48("238") ? "" : (stryCov_9fa48("238"), '1h')]}× over 1h, ticket at ${o.burnRates[stryMutAct_9fa48("239") ? "" : (stryCov_9fa48("239"), '3d')]}× over 3d)`),
              queries: (['1h', '6h', '1d', '3d'] as const).map(stryMutAct_9fa48("240") ? () => undefined : (stryCov_9fa48("240"), w => stryMutAct_9fa48("241") ? {} : (stryCov_9fa48("241"), {
                expr: stryMutAct_9fa48("242") ? `` : (stryCov_9fa48("242"), `${slos.errorRatio(o, w)} / ${o.errorBudget}`),
                legend: w
              }))),
              unit: stryMutAct_9fa48("243") ? "" : (stryCov_9fa48("243"), 'short')
            })])))]));
          }
        }
      }
      let panelId = 0;
      let y = 0;
      const panels: Record<string, unknown>[] = stryMutAct_9fa48("244") ? ["Stryker was here"] : (stryCov_9fa48("244"), []);
      for (const [rowTitle, rowPanels] of rows) {
        if (stryMutAct_9fa48("245")) {
          {}
        } else {
          stryCov_9fa48("245");
          panels.push(stryMutAct_9fa48("247") ? {} : (stryCov_9fa48("247"), {
            id: stryMutAct_9fa48("248") ? --panelId : (stryCov_9fa48("248"), ++panelId),
            type: stryMutAct_9fa48("249") ? "" : (stryCov_9fa48("249"), 'row'),
            title: rowTitle,
            collapsed: stryMutAct_9fa48("250") ? true : (stryCov_9fa48("250"), false),
            gridPos: stryMutAct_9fa48("251") ? {} : (stryCov_9fa48("251"), {
              h: 1,
              w: 24,
              x: 0,
              y: stryMutAct_9fa48("252") ? y-- : (stryCov_9fa48("252"), y++)
            })
          }));
          rowPanels.forEach((p, i) => {
            if (stryMutAct_9fa48("254")) {
              {}
            } else {
              stryCov_9fa48("254");
              panels.push(stryMutAct_9fa48("256") ? {} : (stryCov_9fa48("256"), {
                id: stryMutAct_9fa48("257") ? --panelId : (stryCov_9fa48("257"), ++panelId),
                type: stryMutAct_9fa48("258") ? "" : (stryCov_9fa48("258"), 'timeseries'),
                title: p.title,
                gridPos: stryMutAct_9fa48("259") ? {} : (stryCov_9fa48("259"), {
                  h: 8,
                  w: 12,
                  x: stryMutAct_9fa48("260") ? i % 2 / 12 : (stryCov_9fa48("260"), (stryMutAct_9fa48("261") ? i * 2 : (stryCov_9fa48("261"), i % 2)) * 12),
                  y: stryMutAct_9fa48("262") ? y - Math.floor(i / 2) * 8 : (stryCov_9fa48("262"), y + (stryMutAct_9fa48("263") ? Math.floor(i / 2) / 8 : (stryCov_9fa48("263"), Math.floor(stryMutAct_9fa48("264") ? i * 2 : (stryCov_9fa48("264"), i / 2)) * 8)))
                }),
                fieldConfig: stryMutAct_9fa48("265") ? {} : (stryCov_9fa48("265"), {
                  defaults: stryMutAct_9fa48("266") ? {} : (stryCov_9fa48("266"), {
                    unit: p.unit
                  }),
                  overrides: stryMutAct_9fa48("267") ? ["Stryker was here"] : (stryCov_9fa48("267"), [])
                }),
                targets: p.queries.map(stryMutAct_9fa48("268") ? () => undefined : (stryCov_9fa48("268"), (q, j) => stryMutAct_9fa48("269") ? {} : (stryCov_9fa48("269"), {
                  refId: String.fromCharCode(stryMutAct_9fa48("270") ? 65 - j : (stryCov_9fa48("270"), 65 + j)),
                  expr: q.expr,
                  legendFormat: q.legend
                })))
              }));
            }
          });
          stryMutAct_9fa48("271") ? y -= Math.ceil(rowPanels.length / 2) * 8 : (stryCov_9fa48("271"), y += stryMutAct_9fa48("272") ? Math.ceil(rowPanels.length / 2) / 8 : (stryCov_9fa48("272"), Math.ceil(stryMutAct_9fa48("273") ? rowPanels.length * 2 : (stryCov_9fa48("273"), rowPanels.length / 2)) * 8));
        }
      }
      this.queries = rows.flatMap(stryMutAct_9fa48("274") ? () => undefined : (stryCov_9fa48("274"), ([, ps]) => ps.flatMap(stryMutAct_9fa48("275") ? () => undefined : (stryCov_9fa48("275"), p => p.queries.map(stryMutAct_9fa48("276") ? () => undefined : (stryCov_9fa48("276"), q => q.expr))))));
      const dashboard = stryMutAct_9fa48("277") ? {} : (stryCov_9fa48("277"), {
        title: props.title,
        uid: stryMutAct_9fa48("278") ? `web-topology-${ns}` : (stryCov_9fa48("278"), (stryMutAct_9fa48("279") ? `` : (stryCov_9fa48("279"), `web-topology-${ns}`)).slice(0, 40)),
        schemaVersion: 39,
        refresh: stryMutAct_9fa48("280") ? "" : (stryCov_9fa48("280"), '30s'),
        time: stryMutAct_9fa48("281") ? {} : (stryCov_9fa48("281"), {
          from: stryMutAct_9fa48("282") ? "" : (stryCov_9fa48("282"), 'now-6h'),
          to: stryMutAct_9fa48("283") ? "" : (stryCov_9fa48("283"), 'now')
        }),
        panels
      });
      this.configMap = new ConfigMapV1(this, stryMutAct_9fa48("284") ? "" : (stryCov_9fa48("284"), 'dashboard'), stryMutAct_9fa48("285") ? {} : (stryCov_9fa48("285"), {
        metadata: stryMutAct_9fa48("286") ? {} : (stryCov_9fa48("286"), {
          name,
          namespace: ns,
          labels: stryMutAct_9fa48("287") ? {} : (stryCov_9fa48("287"), {
            ...componentLabels(stryMutAct_9fa48("288") ? "" : (stryCov_9fa48("288"), 'dashboard')),
            [GRAFANA_DASHBOARD_LABEL]: stryMutAct_9fa48("289") ? "" : (stryCov_9fa48("289"), '1')
          })
        }),
        data: stryMutAct_9fa48("290") ? {} : (stryCov_9fa48("290"), {
          [DASHBOARD_KEY]: JSON.stringify(dashboard, null, 2)
        })
      }));
    }
  }
}