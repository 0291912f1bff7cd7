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
import { checkDuration, checkName } from '../core/validation';
import { PinnedHelmRelease, type HelmChart } from '../platform/pinned-helm-release';

/** CPU and memory of one container, as Kubernetes quantities. */
export interface ComputeResources {
  readonly cpu: string;
  readonly memory: string;
}

/** A key of a Secret in the release's namespace. */
export interface SecretKey {
  readonly secretName: string;
  readonly key: string;
}
export interface PrometheusStackProps {
  /** The kube-prometheus-stack chart at an exact version. */
  readonly chart: HelmChart;
  /** Namespace of the release (created if missing). */
  readonly namespace: string;
  /** How long Prometheus keeps samples, a Prometheus duration. @default "15d" */
  readonly retention?: string;
  /** Prometheus' volume claim. */
  readonly storage: {
    readonly size: string; /** @default the cluster's default StorageClass */
    readonly storageClass?: string;
  };
  /** Requests and limits of the Prometheus container. */
  readonly resources: {
    readonly requests: ComputeResources;
    readonly limits: ComputeResources;
  };
  /** Deploy Grafana. @default true */
  readonly grafanaEnabled?: boolean;
  /** Secret with `admin-user` and `admin-password` for Grafana. @default a password the chart generates */
  readonly grafanaAdminSecretName?: string;
  /** Alertmanager's webhook receiver; its URL is read from this Secret key. @default no receiver */
  readonly alertWebhook?: SecretKey;
}

/** Helm release name; Grafana's Service is `<release>-grafana`. */
export const PROMETHEUS_RELEASE = stryMutAct_9fa48("350") ? "" : (stryCov_9fa48("350"), 'kube-prometheus-stack');
/** Label Grafana's sidecar looks for on dashboard ConfigMaps (the chart's default). */
export const GRAFANA_DASHBOARD_LABEL = stryMutAct_9fa48("351") ? "" : (stryCov_9fa48("351"), 'grafana_dashboard');
const DEFAULT_RETENTION = stryMutAct_9fa48("352") ? "" : (stryCov_9fa48("352"), '15d');

/**
 * kube-prometheus-stack: the Prometheus operator, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics and node-exporter. Prometheus selects every ServiceMonitor, PodMonitor and
 * PrometheusRule in the cluster instead of only the release's own, so the app stack's monitors
 * and rules are picked up without release labels.
 */
export class PrometheusStack extends Construct {
  readonly release: PinnedHelmRelease;
  /** In-cluster URL of Grafana; empty when Grafana is disabled. */
  readonly grafanaUrl: string;
  constructor(scope: Construct, id: string, props: PrometheusStackProps) {
    if (stryMutAct_9fa48("353")) {
      {}
    } else {
      stryCov_9fa48("353");
      super(scope, id);
      checkName(this, stryMutAct_9fa48("355") ? "" : (stryCov_9fa48("355"), 'namespace'), props.namespace);
      const retention = stryMutAct_9fa48("356") ? props.retention && DEFAULT_RETENTION : (stryCov_9fa48("356"), props.retention ?? DEFAULT_RETENTION);
      checkDuration(this, stryMutAct_9fa48("358") ? "" : (stryCov_9fa48("358"), 'retention'), retention);
      const webhook = props.alertWebhook;
      if (stryMutAct_9fa48("361") ? webhook === undefined : stryMutAct_9fa48("360") ? false : stryMutAct_9fa48("359") ? true : (stryCov_9fa48("359", "360", "361"), webhook !== undefined)) checkName(this, stryMutAct_9fa48("363") ? "" : (stryCov_9fa48("363"), 'alertWebhook.secretName'), webhook.secretName);
      const grafanaEnabled = stryMutAct_9fa48("364") ? props.grafanaEnabled && true : (stryCov_9fa48("364"), props.grafanaEnabled ?? (stryMutAct_9fa48("365") ? false : (stryCov_9fa48("365"), true)));
      const storage = stryMutAct_9fa48("366") ? {} : (stryCov_9fa48("366"), {
        volumeClaimTemplate: stryMutAct_9fa48("367") ? {} : (stryCov_9fa48("367"), {
          spec: stryMutAct_9fa48("368") ? {} : (stryCov_9fa48("368"), {
            accessModes: stryMutAct_9fa48("369") ? [] : (stryCov_9fa48("369"), [stryMutAct_9fa48("370") ? "" : (stryCov_9fa48("370"), 'ReadWriteOnce')]),
            resources: stryMutAct_9fa48("371") ? {} : (stryCov_9fa48("371"), {
              requests: stryMutAct_9fa48("372") ? {} : (stryCov_9fa48("372"), {
                storage: props.storage.size
              })
            }),
            ...(props.storage.storageClass ? stryMutAct_9fa48("373") ? {} : (stryCov_9fa48("373"), {
              storageClassName: props.storage.storageClass
            }) : {})
          })
        })
      });
      const values = stryMutAct_9fa48("374") ? {} : (stryCov_9fa48("374"), {
        prometheus: stryMutAct_9fa48("375") ? {} : (stryCov_9fa48("375"), {
          prometheusSpec: stryMutAct_9fa48("376") ? {} : (stryCov_9fa48("376"), {
            retention,
            resources: props.resources,
            storageSpec: storage,
            serviceMonitorSelectorNilUsesHelmValues: stryMutAct_9fa48("377") ? true : (stryCov_9fa48("377"), false),
            podMonitorSelectorNilUsesHelmValues: stryMutAct_9fa48("378") ? true : (stryCov_9fa48("378"), false),
            ruleSelectorNilUsesHelmValues: stryMutAct_9fa48("379") ? true : (stryCov_9fa48("379"), false),
            probeSelectorNilUsesHelmValues: stryMutAct_9fa48("380") ? true : (stryCov_9fa48("380"), false)
          })
        }),
        alertmanager: webhook ? stryMutAct_9fa48("381") ? {} : (stryCov_9fa48("381"), {
          alertmanagerSpec: stryMutAct_9fa48("382") ? {} : (stryCov_9fa48("382"), {
            secrets: stryMutAct_9fa48("383") ? [] : (stryCov_9fa48("383"), [webhook.secretName])
          }),
          config: stryMutAct_9fa48("384") ? {} : (stryCov_9fa48("384"), {
            route: stryMutAct_9fa48("385") ? {} : (stryCov_9fa48("385"), {
              receiver: stryMutAct_9fa48("386") ? "" : (stryCov_9fa48("386"), 'webhook'),
              group_by: stryMutAct_9fa48("387") ? [] : (stryCov_9fa48("387"), [stryMutAct_9fa48("388") ? "" : (stryCov_9fa48("388"), 'alertname'), stryMutAct_9fa48("389") ? "" : (stryCov_9fa48("389"), 'namespace')]),
              routes: stryMutAct_9fa48("390") ? ["Stryker was here"] : (stryCov_9fa48("390"), [])
            }),
            // The URL is read from the mounted Secret, so it never enters values or state.
            receivers: stryMutAct_9fa48("391") ? [] : (stryCov_9fa48("391"), [stryMutAct_9fa48("392") ? {} : (stryCov_9fa48("392"), {
              name: stryMutAct_9fa48("393") ? "" : (stryCov_9fa48("393"), 'webhook'),
              webhook_configs: stryMutAct_9fa48("394") ? [] : (stryCov_9fa48("394"), [stryMutAct_9fa48("395") ? {} : (stryCov_9fa48("395"), {
                url_file: stryMutAct_9fa48("396") ? `` : (stryCov_9fa48("396"), `/etc/alertmanager/secrets/${webhook.secretName}/${webhook.key}`),
                send_resolved: stryMutAct_9fa48("397") ? false : (stryCov_9fa48("397"), true)
              })])
            })])
          })
        }) : {},
        grafana: stryMutAct_9fa48("398") ? {} : (stryCov_9fa48("398"), {
          enabled: grafanaEnabled,
          // null removes the chart's well-known default password; Grafana's chart then generates one.
          adminPassword: null,
          ...(props.grafanaAdminSecretName ? stryMutAct_9fa48("399") ? {} : (stryCov_9fa48("399"), {
            admin: stryMutAct_9fa48("400") ? {} : (stryCov_9fa48("400"), {
              existingSecret: props.grafanaAdminSecretName,
              userKey: stryMutAct_9fa48("401") ? "" : (stryCov_9fa48("401"), 'admin-user'),
              passwordKey: stryMutAct_9fa48("402") ? "" : (stryCov_9fa48("402"), 'admin-password')
            })
          }) : {}),
          sidecar: stryMutAct_9fa48("403") ? {} : (stryCov_9fa48("403"), {
            dashboards: stryMutAct_9fa48("404") ? {} : (stryCov_9fa48("404"), {
              enabled: stryMutAct_9fa48("405") ? false : (stryCov_9fa48("405"), true),
              label: GRAFANA_DASHBOARD_LABEL,
              searchNamespace: stryMutAct_9fa48("406") ? "" : (stryCov_9fa48("406"), 'ALL')
            })
          })
        })
      });
      this.release = new PinnedHelmRelease(this, stryMutAct_9fa48("407") ? "" : (stryCov_9fa48("407"), 'chart'), stryMutAct_9fa48("408") ? {} : (stryCov_9fa48("408"), {
        chart: props.chart,
        releaseName: PROMETHEUS_RELEASE,
        namespace: props.namespace,
        values
      }));
      this.grafanaUrl = grafanaEnabled ? stryMutAct_9fa48("409") ? `` : (stryCov_9fa48("409"), `http://${PROMETHEUS_RELEASE}-grafana.${props.namespace}.svc`) : stryMutAct_9fa48("410") ? "Stryker was here!" : (stryCov_9fa48("410"), '');
    }
  }
}