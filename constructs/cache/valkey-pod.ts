/**
 * The Valkey server both Valkey workloads run, the cache and the rate limit store: the same
 * directives (no persistence, eviction below maxmemory), whether Valkey reads them from a file
 * or its arguments, and the same container (image, port, probes, restricted security context).
 */
import type {
  DeploymentV1SpecTemplateSpecContainer,
  DeploymentV1SpecTemplateSpecContainerEnv,
  DeploymentV1SpecTemplateSpecContainerResources,
  DeploymentV1SpecTemplateSpecContainerVolumeMount,
} from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { pullPolicyFor } from '../core/image';
import { restrictedContainerSecurityContext } from '../workload/pod-security';

export const VALKEY_PORT = 6379;

/** One directive and its arguments, e.g. `['maxmemory-policy', 'allkeys-lru']`. */
export type ValkeyDirective = readonly [string, ...string[]];

export interface ValkeyServerOptions {
  /** How Valkey listens. @default plain TCP on {@link VALKEY_PORT} */
  readonly listen?: readonly ValkeyDirective[];
  /** Answer on loopback only while no password is set: on where clients must give one. */
  readonly protectedMode: boolean;
  /** Working directory, on a writable volume. */
  readonly dir: string;
  /** What Valkey may fill before it evicts, a Valkey memory size (`96mb`, or bytes). */
  readonly maxmemory: string;
  /** Which keys go when maxmemory is reached. */
  readonly maxmemoryPolicy: 'allkeys-lru' | 'volatile-ttl';
}

/**
 * Valkey as a store of data that may be lost: no RDB snapshots and no append-only file, so a
 * restart starts empty and nothing is written but scratch.
 */
export function valkeyDirectives(o: ValkeyServerOptions): ValkeyDirective[] {
  return [
    ...(o.listen ?? [['port', String(VALKEY_PORT)]]),
    ['bind', '*', '-::*'],
    ['protected-mode', o.protectedMode ? 'yes' : 'no'],
    ['dir', o.dir],
    ['save', ''],
    ['appendonly', 'no'],
    ['maxmemory', o.maxmemory],
    ['maxmemory-policy', o.maxmemoryPolicy],
  ];
}

/** The directives as lines of valkey.conf, where an empty argument is written `""`. */
export function valkeyConfigLines(directives: readonly ValkeyDirective[]): string[] {
  return directives.map(([name, ...args]) => [name, ...args.map((a) => (a === '' ? '""' : a))].join(' '));
}

/** The directives as valkey-server's arguments (`--name value…`). */
export function valkeyArguments(directives: readonly ValkeyDirective[]): string[] {
  return directives.flatMap(([name, ...args]) => [`--${name}`, ...args]);
}

export interface ValkeyContainerOptions {
  /** Valkey image, pinned by a tag or a digest. */
  readonly image: string;
  /** What starts valkey-server. */
  readonly command: readonly string[];
  readonly resources: DeploymentV1SpecTemplateSpecContainerResources;
  /** Writable volumes: the root filesystem is read-only. */
  readonly volumeMounts: readonly DeploymentV1SpecTemplateSpecContainerVolumeMount[];
  /** @default none */
  readonly env?: readonly DeploymentV1SpecTemplateSpecContainerEnv[];
  /** valkey-cli's options to reach the server, e.g. TLS's. @default none */
  readonly cliOptions?: readonly string[];
}

/** The `valkey` container, serving on its port named `valkey`. */
export function valkeyContainer(o: ValkeyContainerOptions): DeploymentV1SpecTemplateSpecContainer {
  return {
    name: 'valkey',
    image: o.image,
    imagePullPolicy: pullPolicyFor(o.image),
    command: [...o.command],
    ...(o.env ? { env: [...o.env] } : {}),
    port: [{ name: 'valkey', containerPort: VALKEY_PORT }],
    resources: o.resources,
    startupProbe: { tcpSocket: [{ port: 'valkey' }], periodSeconds: 2, failureThreshold: 30 },
    // -e: valkey-cli exits 0 on an error reply (NOAUTH, LOADING) unless told.
    readinessProbe: { exec: { command: ['valkey-cli', '-e', ...(o.cliOptions ?? []), '-p', String(VALKEY_PORT), 'ping'] }, periodSeconds: 5, timeoutSeconds: 2 },
    livenessProbe: { tcpSocket: [{ port: 'valkey' }], periodSeconds: 10, failureThreshold: 3 },
    securityContext: restrictedContainerSecurityContext(),
    volumeMount: [...o.volumeMounts],
  };
}
