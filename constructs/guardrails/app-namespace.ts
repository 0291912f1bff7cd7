import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { Aspects, TerraformStack } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { addDependency, resolveDependencies } from '../core/construct-dependencies';
import { componentLabels } from '../core/labels';
import { checkUniqueNamesAtSynth } from '../core/object-names';
import type { Compute } from '../core/resources';
import { checkAtMost, checkInteger, checkName, checkQuantity, INT32_MAX } from '../core/validation';

/** The defaults of {@link NamespaceQuota} and {@link AppNamespaceProps}. */
export const APP_NAMESPACE_DEFAULTS = {
  quota: { pods: 200, persistentVolumeClaims: 20 },
  defaultRequest: { cpu: '100m', memory: '128Mi' },
  defaultLimit: { cpu: '500m', memory: '512Mi' },
} as const;

/** What every workload of the namespace may ask for in total. */
export interface NamespaceQuota {
  readonly requestsCpu: string;
  readonly requestsMemory: string;
  readonly limitsCpu: string;
  readonly limitsMemory: string;
  readonly requestsStorage: string;
  /** @default 200 */
  readonly pods?: number;
  /** @default 20 */
  readonly persistentVolumeClaims?: number;
}

export interface AppNamespaceProps {
  readonly name: string;
  readonly quota: NamespaceQuota;
  /** Requests of containers that state none. @default 100m CPU, 128Mi */
  readonly defaultRequest?: Compute;
  /** Limits of containers that state none. @default 500m CPU, 512Mi */
  readonly defaultLimit?: Compute;
}

/**
 * The app's namespace: Pod Security Standards "restricted" enforced (and warned and audited, so
 * kubectl shows why a pod is refused), a ResourceQuota and a LimitRange for containers that
 * state no resources. At synth, everything else in its stack waits for it (created first,
 * deleted last), and the stack's object names are checked for clashes (checkUniqueNames).
 */
export class AppNamespace extends Construct {
  readonly namespaceName: string;
  /** The quota with its defaults filled in. */
  readonly quota: Required<NamespaceQuota>;
  readonly resourceQuota: ResourceQuotaV1;

  constructor(scope: Construct, id: string, props: AppNamespaceProps) {
    super(scope, id);
    const { name } = props;
    checkName(this, 'name', name);
    const quota = { ...APP_NAMESPACE_DEFAULTS.quota, ...props.quota };
    for (const field of ['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory', 'requestsStorage'] as const) {
      checkQuantity(this, `quota.${field}`, quota[field]);
    }
    checkInteger(this, 'quota.pods', quota.pods, 1, INT32_MAX, 'pods');
    checkInteger(this, 'quota.persistentVolumeClaims', quota.persistentVolumeClaims, 0, INT32_MAX, 'volume claims');
    const defaultRequest = props.defaultRequest ?? APP_NAMESPACE_DEFAULTS.defaultRequest;
    const defaultLimit = props.defaultLimit ?? APP_NAMESPACE_DEFAULTS.defaultLimit;
    for (const key of ['cpu', 'memory'] as const) {
      checkQuantity(this, `defaultRequest.${key}`, defaultRequest[key]);
      checkQuantity(this, `defaultLimit.${key}`, defaultLimit[key]);
      checkAtMost(this, `defaultRequest.${key}`, defaultRequest[key], `defaultLimit.${key}`, defaultLimit[key]);
    }
    this.namespaceName = name;
    this.quota = quota;

    const labels = componentLabels(this, 'app-namespace');
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

    this.resourceQuota = new ResourceQuotaV1(this, 'quota', {
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
        limit: [{ type: 'Container', defaultRequest: { ...defaultRequest }, default: { ...defaultLimit } }],
      },
      dependsOn: [namespace],
    });

    // At synth the stack holds everything; the dependencies must resolve at the same synth.
    const stack = TerraformStack.of(this);
    resolveDependencies(stack);
    Aspects.of(stack).add({
      visit: (node) => {
        if (node === stack) this.enclose(stack);
      },
    });
    checkUniqueNamesAtSynth(stack);
  }

  /**
   * Makes everything under `scope` that holds no AppNamespace wait for this one; namespaces of
   * one stack never wait for each other. Providers, outputs and the backend hold no resource:
   * the dependency means nothing to them.
   */
  private enclose(scope: IConstruct): void {
    for (const child of scope.node.children) {
      if (!child.node.findAll().some((c) => c instanceof AppNamespace)) addDependency(child, this);
      else if (!(child instanceof AppNamespace)) this.enclose(child);
    }
  }
}
