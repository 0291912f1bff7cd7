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

const DEFAULT_PORT = 'metrics';
const DEFAULT_PATH = '/metrics';
const DEFAULT_INTERVAL = '30s';

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
    super(scope, id);
    checkName(this, 'name', props.name);
    if (Object.keys(props.selector).length === 0) {
      invalidProp(this, 'selector', props.selector, 'must name at least one label: an empty selector scrapes every Service or pod of the namespace');
    }
    this.port = props.port ?? DEFAULT_PORT;
    this.path = props.path ?? DEFAULT_PATH;
    checkPath(this, 'path', this.path);
    const interval = props.interval ?? DEFAULT_INTERVAL;
    checkDuration(this, 'interval', interval);
    this.kind = props.through === 'service' ? 'ServiceMonitor' : 'PodMonitor';
    this.selector = { ...props.selector };
    const common = {
      apiVersion: 'monitoring.coreos.com/v1',
      name: props.name,
      namespace: props.namespace,
      labels: componentLabels(this, props.name),
    } as const;
    const selector = { matchLabels: { ...props.selector } };
    const endpoint = { port: this.port, path: this.path, interval };
    this.monitor = new CustomResource(
      this,
      'monitor',
      this.kind === 'ServiceMonitor'
        ? { ...common, kind: 'ServiceMonitor', spec: { selector, endpoints: [endpoint] } }
        : { ...common, kind: 'PodMonitor', spec: { selector, podMetricsEndpoints: [endpoint] } },
    );
  }
}
