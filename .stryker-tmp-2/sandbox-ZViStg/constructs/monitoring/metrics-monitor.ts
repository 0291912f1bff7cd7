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
import { componentLabels, type Labels } from '../core/labels';
import { checkDuration, checkName, checkPath, invalidProp } from '../core/validation';
export interface MetricsMonitorProps {
  /** Name of the ServiceMonitor or PodMonitor (DNS-1123 label). */
  readonly name: string;
  readonly namespace: string;
  /** Scrape through a Service's endpoints (ServiceMonitor) or pods directly (PodMonitor). */
  readonly through: 'service' | 'pod';
  /** Labels of the Services or pods to scrape; at least one. */
  readonly selector: Labels;
  /** Name of the port serving metrics. @default "metrics" */
  readonly port?: string;
  /** HTTP path of the metrics. @default "/metrics" */
  readonly path?: string;
  /** Scrape interval, a Prometheus duration. @default "30s" */
  readonly interval?: string;
}
const DEFAULT_PORT = stryMutAct_9fa48("307") ? "" : (stryCov_9fa48("307"), 'metrics');
const DEFAULT_PATH = stryMutAct_9fa48("308") ? "" : (stryCov_9fa48("308"), '/metrics');
const DEFAULT_INTERVAL = stryMutAct_9fa48("309") ? "" : (stryCov_9fa48("309"), '30s');

/**
 * A prometheus-operator ServiceMonitor or PodMonitor. The Prometheus stack selects every
 * monitor in the cluster, so no release label is needed.
 */
export class MetricsMonitor extends Construct {
  readonly monitor: CustomResource;
  /** "ServiceMonitor" or "PodMonitor". */
  readonly kind: 'ServiceMonitor' | 'PodMonitor';
  /** Labels of the Services or pods it scrapes. */
  readonly selector: Labels;
  /** Name of the scraped port. */
  readonly port: string;
  /** HTTP path it scrapes. */
  readonly path: string;
  constructor(scope: Construct, id: string, props: MetricsMonitorProps) {
    if (stryMutAct_9fa48("310")) {
      {}
    } else {
      stryCov_9fa48("310");
      super(scope, id);
      checkName(this, stryMutAct_9fa48("312") ? "" : (stryCov_9fa48("312"), 'name'), props.name);
      if (stryMutAct_9fa48("315") ? Object.keys(props.selector).length !== 0 : stryMutAct_9fa48("314") ? false : stryMutAct_9fa48("313") ? true : (stryCov_9fa48("313", "314", "315"), Object.keys(props.selector).length === 0)) {
        if (stryMutAct_9fa48("316")) {
          {}
        } else {
          stryCov_9fa48("316");
          invalidProp(this, stryMutAct_9fa48("318") ? "" : (stryCov_9fa48("318"), 'selector'), props.selector, stryMutAct_9fa48("319") ? "" : (stryCov_9fa48("319"), 'must name at least one label: an empty selector scrapes every Service or pod of the namespace'));
        }
      }
      this.port = stryMutAct_9fa48("320") ? props.port && DEFAULT_PORT : (stryCov_9fa48("320"), props.port ?? DEFAULT_PORT);
      this.path = stryMutAct_9fa48("321") ? props.path && DEFAULT_PATH : (stryCov_9fa48("321"), props.path ?? DEFAULT_PATH);
      checkPath(this, stryMutAct_9fa48("323") ? "" : (stryCov_9fa48("323"), 'path'), this.path);
      const interval = stryMutAct_9fa48("324") ? props.interval && DEFAULT_INTERVAL : (stryCov_9fa48("324"), props.interval ?? DEFAULT_INTERVAL);
      checkDuration(this, stryMutAct_9fa48("326") ? "" : (stryCov_9fa48("326"), 'interval'), interval);
      this.kind = (stryMutAct_9fa48("329") ? props.through !== 'service' : stryMutAct_9fa48("328") ? false : stryMutAct_9fa48("327") ? true : (stryCov_9fa48("327", "328", "329"), props.through === (stryMutAct_9fa48("330") ? "" : (stryCov_9fa48("330"), 'service')))) ? stryMutAct_9fa48("331") ? "" : (stryCov_9fa48("331"), 'ServiceMonitor') : stryMutAct_9fa48("332") ? "" : (stryCov_9fa48("332"), 'PodMonitor');
      this.selector = stryMutAct_9fa48("333") ? {} : (stryCov_9fa48("333"), {
        ...props.selector
      });
      const common = {
        apiVersion: 'monitoring.coreos.com/v1',
        name: props.name,
        namespace: props.namespace,
        labels: componentLabels(props.name)
      } as const;
      const selector = stryMutAct_9fa48("334") ? {} : (stryCov_9fa48("334"), {
        matchLabels: stryMutAct_9fa48("335") ? {} : (stryCov_9fa48("335"), {
          ...props.selector
        })
      });
      const endpoint = stryMutAct_9fa48("336") ? {} : (stryCov_9fa48("336"), {
        port: this.port,
        path: this.path,
        interval
      });
      this.monitor = new CustomResource(this, stryMutAct_9fa48("337") ? "" : (stryCov_9fa48("337"), 'monitor'), (stryMutAct_9fa48("340") ? this.kind !== 'ServiceMonitor' : stryMutAct_9fa48("339") ? false : stryMutAct_9fa48("338") ? true : (stryCov_9fa48("338", "339", "340"), this.kind === (stryMutAct_9fa48("341") ? "" : (stryCov_9fa48("341"), 'ServiceMonitor')))) ? stryMutAct_9fa48("342") ? {} : (stryCov_9fa48("342"), {
        ...common,
        kind: stryMutAct_9fa48("343") ? "" : (stryCov_9fa48("343"), 'ServiceMonitor'),
        spec: stryMutAct_9fa48("344") ? {} : (stryCov_9fa48("344"), {
          selector,
          endpoints: stryMutAct_9fa48("345") ? [] : (stryCov_9fa48("345"), [endpoint])
        })
      }) : stryMutAct_9fa48("346") ? {} : (stryCov_9fa48("346"), {
        ...common,
        kind: stryMutAct_9fa48("347") ? "" : (stryCov_9fa48("347"), 'PodMonitor'),
        spec: stryMutAct_9fa48("348") ? {} : (stryCov_9fa48("348"), {
          selector,
          podMetricsEndpoints: stryMutAct_9fa48("349") ? [] : (stryCov_9fa48("349"), [endpoint])
        })
      }));
    }
  }
}