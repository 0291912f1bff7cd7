import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import versions from '../../config/versions.json';

export type ChartName = keyof typeof versions.charts;

export interface PinnedHelmReleaseProps {
  /** Which chart of config/versions.json; its repository and version come from there. */
  readonly chart: ChartName;
  /** Helm release name. */
  readonly releaseName: string;
  /** Namespace, created if missing. */
  readonly namespace: string;
  /** Chart values, written as one YAML document. @default {} */
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * A Helm release of one of the platform's charts at the version pinned in config/versions.json,
 * atomic (a failed upgrade rolls back) and waited for, so that the app stack only plans once
 * the operators and their CRDs are in place.
 */
export class PinnedHelmRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: PinnedHelmReleaseProps) {
    super(scope, id);
    const pin = versions.charts[props.chart];
    this.release = new Release(this, 'release', {
      name: props.releaseName,
      namespace: props.namespace,
      createNamespace: true,
      repository: pin.repository,
      chart: pin.chart,
      version: pin.version,
      values: [stringify(props.values ?? {}, { sortMapEntries: true })],
      atomic: true,
      wait: true,
      timeout: 900,
      maxHistory: 10,
    });
  }
}
