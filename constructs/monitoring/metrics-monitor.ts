import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import { componentLabels, type Labels } from '../core/labels';

export interface MetricsMonitorProps {
  readonly name: string;
  readonly namespace: string;
  /** Scrape through a Service's endpoints (ServiceMonitor) or pods directly (PodMonitor). */
  readonly through: 'service' | 'pod';
  /** Labels of the Services or pods to scrape. */
  readonly selector: Labels;
  /** Name of the port serving metrics. @default "metrics" */
  readonly port?: string;
  /** @default "/metrics" */
  readonly path?: string;
  /** @default "30s" */
  readonly interval?: string;
}

/**
 * A prometheus-operator ServiceMonitor or PodMonitor. The Prometheus stack selects every
 * monitor in the cluster, so no release label is needed.
 */
export class MetricsMonitor extends Construct {
  readonly monitor: CustomResource;

  /** The props it was built from, for review tooling. */
  readonly props: MetricsMonitorProps;

  constructor(scope: Construct, id: string, props: MetricsMonitorProps) {
    super(scope, id);
    this.props = props;
    const endpoint = { port: props.port ?? 'metrics', path: props.path ?? '/metrics', interval: props.interval ?? '30s' };
    const common = {
      apiVersion: 'monitoring.coreos.com/v1',
      name: props.name,
      namespace: props.namespace,
      labels: componentLabels(props.name),
    } as const;
    const selector = { matchLabels: { ...props.selector } };
    this.monitor = new CustomResource(
      this,
      'monitor',
      props.through === 'service'
        ? { ...common, kind: 'ServiceMonitor', spec: { selector, endpoints: [endpoint] } }
        : { ...common, kind: 'PodMonitor', spec: { selector, podMetricsEndpoints: [endpoint] } },
    );
  }
}
