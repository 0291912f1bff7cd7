import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { componentLabels } from '../core/labels';

export interface AppNamespaceProps {
  /** Name, quota and default container resources. */
  readonly namespace: EnvironmentConfig['namespace'];
}

/**
 * The app's namespace: Pod Security Standards "restricted" enforced (and warned and audited, so
 * kubectl shows why a pod is refused), a ResourceQuota and a LimitRange for containers that
 * state no resources.
 */
export class AppNamespace extends Construct {

  constructor(scope: Construct, id: string, props: AppNamespaceProps) {
    super(scope, id);
    const { name, quota, limitRange } = props.namespace;
    const labels = componentLabels('app-namespace');
    const namespace = new NamespaceV1(this, 'namespace', {
      metadata: {
        name,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });

    new ResourceQuotaV1(this, 'quota', {
      metadata: { name: 'app-quota', namespace: name, labels: { ...labels } },
      spec: {
        hard: {
          'requests.cpu': quota.requestsCpu,
          'requests.memory': quota.requestsMemory,
          'limits.cpu': quota.limitsCpu,
          'limits.memory': quota.limitsMemory,
          'requests.storage': quota.requestsStorage,
          pods: String(quota.pods),
          persistentvolumeclaims: String(quota.persistentVolumeClaims),
          // Only the edge may expose the app; see also the policy report.
          'services.nodeports': '0',
          'services.loadbalancers': '0',
        },
      },
      dependsOn: [namespace],
    });

    new LimitRangeV1(this, 'limit-range', {
      metadata: { name: 'container-defaults', namespace: name, labels: { ...labels } },
      spec: {
        limit: [{ type: 'Container', defaultRequest: { ...limitRange.defaultRequest }, default: { ...limitRange.default } }],
      },
      dependsOn: [namespace],
    });
  }
}
