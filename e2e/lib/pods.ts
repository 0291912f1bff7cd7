import { selectorArgument, type Kubectl, type Labels, type Pod } from './kube';

/** A container to run a command in: the source of a connection, the client of a query. */
export interface PodRef {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** How a TCP connection attempt from a pod ended. */
export type Connection = 'connected' | 'refused' | 'timed out' | 'no such host';

/** Seconds a connection attempt may take: a NetworkPolicy that drops answers nothing. */
const CONNECT_SECONDS = 4;

/** A Running, Ready pod of `selector` in `namespace` (the first by name), or an error saying what there is. */
export async function readyPod(k: Kubectl, namespace: string, selector: Labels): Promise<Pod> {
  const pods = (await k.list<Pod>('pods', namespace, selectorArgument(selector))).filter(
    (p) => p.metadata.deletionTimestamp === undefined && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (pods.length === 0) throw new Error(`no Ready pod with ${selectorArgument(selector)} in ${namespace}`);
  return pods[0];
}

/** Runs a command in a container; its exit status and output, never a throw for a non-zero exit. */
export async function execIn(k: Kubectl, at: PodRef, argv: readonly string[]): Promise<{ code: number; out: string }> {
  const r = await k.tryExec(['-n', at.namespace, 'exec', at.pod, '-c', at.container, '--', ...argv]);
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Opens a TCP connection from a container (bash's /dev/tcp, in every image built on Debian here),
 * resolving `host` with the pod's own DNS first. Only the connection is timed: a DNS answer the
 * resolver had to ask again for (its 5 s retry) is not a dropped connection. Dropped packets show
 * as a time-out, rejected ones as refused.
 */
export async function connect(k: Kubectl, from: PodRef, host: string, port: number): Promise<Connection> {
  const script = [
    'answer=$(getent ahostsv4 "$0") || { echo "$0: name not known"; exit 2; }',
    'exec timeout "$2" bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "${answer%%[[:space:]]*}" "$1"',
  ].join('\n');
  const r = await execIn(k, from, ['bash', '-c', script, host, String(port), String(CONNECT_SECONDS)]);
  if (r.code === 0) return 'connected';
  if (r.code === 124) return 'timed out';
  if (/refused/i.test(r.out)) return 'refused';
  if (/not known/i.test(r.out)) return 'no such host';
  throw new Error(`connect ${host}:${port} from ${from.namespace}/${from.pod}: exit ${r.code}: ${r.out}`);
}

/**
 * A pod that only waits, as a source of connections in a namespace of the test's own: the
 * restricted Pod Security profile's settings, and it ends by itself after an hour.
 */
export function probePod(name: string, namespace: string, image: string, labels: Labels): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}
