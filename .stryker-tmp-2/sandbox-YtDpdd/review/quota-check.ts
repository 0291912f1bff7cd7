/**
 * Whether each app namespace's ResourceQuota fits every workload the construct tree puts in it
 * at its maximum replicas: requests, limits, storage, pods and volume claims. Sums are compared
 * at the milli-unit, so a quota of exactly what is needed fits.
 */
// @ts-nocheck

import type { IConstruct } from 'constructs';
import { AppNamespace } from '../constructs/guardrails/app-namespace';
import { exceedsQuantity, formatBytes, formatCpu, parseQuantity } from '../constructs/core/quantity';
import { totals, workloadsOf } from './workloads';

export interface QuotaProblem {
  /** Construct path of the ResourceQuota. */
  readonly path: string;
  readonly message: string;
}

export function checkQuotas(root: IConstruct): QuotaProblem[] {
  const workloads = workloadsOf(root);
  return root.node
    .findAll()
    .filter((c): c is AppNamespace => c instanceof AppNamespace)
    .flatMap((ns) => {
      const q = ns.quota;
      const inside = workloads.filter((w) => w.namespace === ns.namespaceName);
      const atMax = totals(inside, 'max');
      const who = `${inside.length} workloads (${inside.map((w) => w.workload).join(', ')})`;
      const quantities = [
        { field: 'requestsCpu', need: atMax.requests.cpu, fmt: formatCpu },
        { field: 'requestsMemory', need: atMax.requests.memory, fmt: formatBytes },
        { field: 'limitsCpu', need: atMax.limits.cpu, fmt: formatCpu },
        { field: 'limitsMemory', need: atMax.limits.memory, fmt: formatBytes },
        { field: 'requestsStorage', need: atMax.storage, fmt: formatBytes },
      ] as const;
      const counts = [
        { field: 'pods', need: atMax.pods },
        { field: 'persistentVolumeClaims', need: atMax.claims },
      ] as const;
      const over = [
        ...quantities.filter((c) => exceedsQuantity(c.need, parseQuantity(q[c.field]))).map((c) => ({ field: c.field, value: q[c.field], need: c.fmt(c.need) })),
        ...counts.filter((c) => c.need > q[c.field]).map((c) => ({ field: c.field, value: q[c.field], need: String(c.need) })),
      ];
      return over.map((o) => ({
        path: ns.resourceQuota.node.path,
        message: `'quota.${o.field}' (${JSON.stringify(o.value)}) must fit the ${who} at their maximum replicas, which need ${o.need}`,
      }));
    });
}
