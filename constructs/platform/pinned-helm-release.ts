import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { checkInteger, checkName, invalidProp } from '../core/validation';

/** A chart at one exact version. */
export interface HelmChart {
  /** Repository URL. */
  readonly repository: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact version ("1.2.3" or "v1.2.3"), never a range. */
  readonly version: string;
}

export interface PinnedHelmReleaseProps {
  readonly chart: HelmChart;
  /** Helm release name. */
  readonly releaseName: string;
  /** Namespace, created if missing. */
  readonly namespace: string;
  /** Chart values, written as one YAML document. @default {} */
  readonly values?: Readonly<Record<string, unknown>>;
  /** How long an install or upgrade may take before it is rolled back. @default 900 */
  readonly timeoutSeconds?: number;
}

/**
 * A Helm release of a chart at an exact version, atomic (a failed upgrade rolls back) and
 * waited for, so that what depends on it (a stack whose custom resources need the chart's CRDs)
 * only plans once the release is in place.
 */
export class PinnedHelmRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: PinnedHelmReleaseProps) {
    super(scope, id);
    checkName(this, 'releaseName', props.releaseName);
    checkName(this, 'namespace', props.namespace);
    if (!/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(props.chart.version)) {
      invalidProp(this, 'chart.version', props.chart.version, 'must be an exact version such as "1.2.3", not a range');
    }
    const timeout = props.timeoutSeconds ?? 900;
    checkInteger(this, 'timeoutSeconds', timeout, 1, Number.MAX_SAFE_INTEGER, 'seconds');
    this.release = new Release(this, 'release', {
      name: props.releaseName,
      namespace: props.namespace,
      createNamespace: true,
      repository: props.chart.repository,
      chart: props.chart.chart,
      version: props.chart.version,
      values: [stringify(props.values ?? {}, { sortMapEntries: true })],
      atomic: true,
      wait: true,
      timeout,
      maxHistory: 10,
    });
  }
}
