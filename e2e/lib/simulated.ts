import type { Kubectl, KubeObject, Pod } from './kube';

/**
 * The parts of a real cluster that kwok does not play and nothing else here runs, played while
 * the test runs, as kwok plays the kubelets:
 * - Envoy Gateway writes a Gateway's address as soon as its proxy Service has one; deploy waits
 *   for it (the edge's waitForAddress).
 * - A storage provisioner binds each claim (CloudNativePG's instance volumes) to a volume; without
 *   one, the operator's initdb Job never schedules and no instance pod is made.
 * - CloudNativePG's instance manager, inside the first primary's container, marks that pod the
 *   Cluster's current primary once it is up (status.currentPrimary); the operator then labels it
 *   primary, which is what the -rw Service and the pooler's rw backend select.
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

  constructor(
    private readonly k: Kubectl,
    private readonly namespaces: readonly string[],
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      for (const ns of this.namespaces) {
        await this.gatewayAddresses(ns).catch(() => undefined);
        await this.bindClaims(ns).catch(() => undefined);
        await this.bootstrapPrimaries(ns).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async gatewayAddresses(ns: string): Promise<void> {
    const status = JSON.stringify({ status: { addresses: [{ type: 'IPAddress', value: '192.0.2.10' }] } });
    for (const gw of await this.k.list<KubeObject & { status?: { addresses?: unknown[] } }>('gateways.gateway.networking.k8s.io', ns)) {
      if ((gw.status?.addresses ?? []).length > 0) continue;
      await this.k.tryExec(['-n', ns, 'patch', 'gateway.gateway.networking.k8s.io', gw.metadata.name, '--subresource=status', '--type=merge', '-p', status]);
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
          hostPath: { path: `/nonexistent/${name}` },
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
