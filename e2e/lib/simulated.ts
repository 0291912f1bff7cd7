import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kubectl, KubeObject, Pod, Service } from './kube';

/**
 * The parts of a real cluster that kwok does not play and nothing else here runs, played while
 * the test runs, as kwok plays the kubelets:
 * - A cloud's load balancer controller gives each LoadBalancer Service an external address
 *   (status.loadBalancer.ingress); Envoy Gateway makes its proxies' Service's address the
 *   Gateway's, which staging's deploy waits for (edge.waitForAddress).
 * - A storage provisioner binds each claim (CloudNativePG's instance volumes) to a volume; without
 *   one, the operator's initdb Job never schedules and no instance pod is made.
 * - CloudNativePG's instance manager, inside the first primary's container, marks that pod the
 *   Cluster's current primary once it is up (status.currentPrimary); the operator then labels it
 *   primary, which is what the -rw Service and the pooler's rw backend select.
 * On the real node only the provisioner is played, with a directory of the node per volume.
 * Every volume made here carries SIMULATED_LABEL and is deleted by stop().
 */
export const SIMULATED_LABEL = 'web-topology.e2e/simulated';

interface Claim extends KubeObject {
  readonly spec: {
    readonly accessModes?: readonly string[];
    readonly storageClassName?: string;
    readonly volumeMode?: string;
    readonly resources?: { readonly requests?: { readonly storage?: string } };
  };
  readonly status?: { readonly phase?: string };
}

interface PostgresCluster extends KubeObject {
  readonly status?: { readonly targetPrimary?: string; readonly currentPrimary?: string };
}

export class SimulatedControllers {
  private running = true;
  private readonly loop: Promise<void>;

  /** The load balancer addresses handed out so far (TEST-NET-1, RFC 5737), one per Service. */
  private readonly addresses = new Map<string, string>();

  /**
   * @param volumes on a real node, the directory of the node's volumes: each claim is bound to a
   *   directory made there (the node's instance managers and kubelet do the rest, so nothing else
   *   is played); on kwok, undefined: volumes point nowhere and the rest is played too.
   */
  constructor(
    private readonly k: Kubectl,
    private readonly namespaces: readonly string[],
    private readonly volumes?: string,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.volumes === undefined) await this.loadBalancers().catch(() => undefined);
      for (const ns of this.namespaces) {
        await this.bindClaims(ns).catch(() => undefined);
        if (this.volumes === undefined) await this.bootstrapPrimaries(ns).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Where a volume lives: a new directory on the real node, writable by the pod's user whatever it is. */
  private volumePath(name: string): string {
    if (this.volumes === undefined) return `/nonexistent/${name}`;
    const path = join(this.volumes, name);
    mkdirSync(path, { recursive: true });
    chmodSync(path, 0o777);
    return path;
  }

  private async loadBalancers(): Promise<void> {
    for (const svc of await this.k.list<Service>('services', '*')) {
      if (svc.spec.type !== 'LoadBalancer' || (svc.status?.loadBalancer?.ingress ?? []).length > 0) continue;
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      const ip = this.addresses.get(key) ?? `192.0.2.${this.addresses.size + 10}`;
      this.addresses.set(key, ip);
      const status = JSON.stringify({ status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } });
      await this.k.tryExec(['-n', svc.metadata.namespace ?? '', 'patch', 'service', svc.metadata.name, '--subresource=status', '--type=merge', '-p', status]);
    }
  }

  private async bindClaims(ns: string): Promise<void> {
    for (const c of await this.k.list<Claim>('persistentvolumeclaims', ns)) {
      if (c.status?.phase !== 'Pending') continue;
      const name = `e2e-${ns}-${c.metadata.name}`;
      const pv = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, labels: { [SIMULATED_LABEL]: 'true' } },
        spec: {
          capacity: { storage: c.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: c.spec.accessModes ?? ['ReadWriteOnce'],
          storageClassName: c.spec.storageClassName ?? '',
          volumeMode: c.spec.volumeMode ?? 'Filesystem',
          persistentVolumeReclaimPolicy: 'Retain',
          claimRef: { namespace: ns, name: c.metadata.name },
          hostPath: { path: this.volumePath(name) },
        },
      };
      await this.k.tryExec(['create', '-f', '-'], JSON.stringify(pv));
    }
  }

  /** What the instance manager writes at the first primary's start (instance_startup.go). */
  private async bootstrapPrimaries(ns: string): Promise<void> {
    for (const c of await this.k.list<PostgresCluster>('clusters.postgresql.cnpg.io', ns)) {
      const target = c.status?.targetPrimary;
      if (target === undefined || target === '' || (c.status?.currentPrimary ?? '') !== '') continue;
      const pod = await this.k.get<Pod>('pod', target, ns);
      if (pod?.status.phase !== 'Running') continue;
      // metav1.RFC3339Micro, the instance manager's format.
      const timestamp = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
      const status = JSON.stringify({ status: { currentPrimary: target, currentPrimaryTimestamp: timestamp } });
      await this.k.tryExec(['-n', ns, 'patch', 'clusters.postgresql.cnpg.io', c.metadata.name, '--subresource=status', '--type=merge', '-p', status]);
    }
  }

  /** Stops the loop and deletes the volumes it made. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.k.tryExec(['delete', 'persistentvolumes', '-l', SIMULATED_LABEL, '--wait=false']);
  }
}
