/**
 * The Pod Security Standards "restricted" profile, as the app namespace enforces it, written
 * once for every workload we define (web tiers and cache).
 */
import type {
  DeploymentV1SpecTemplateSpecContainerSecurityContext,
  DeploymentV1SpecTemplateSpecSecurityContext,
} from '@cdktf/provider-kubernetes/lib/deployment-v1';

/** A non-root UID/GID that no base image reserves for root-equivalent use. */
export interface RunAs {
  readonly user: number;
  readonly group: number;
}

/**
 * The UID/GID our workloads run as: above 10000, so no user of an image or of the node owns
 * files as it (kube-score's rule); the pod's fsGroup makes its emptyDirs and Secret files theirs.
 */
export const UNPRIVILEGED: RunAs = { user: 10001, group: 10001 };

export function restrictedPodSecurityContext(runAs: RunAs): DeploymentV1SpecTemplateSpecSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: String(runAs.user),
    runAsGroup: String(runAs.group),
    fsGroup: String(runAs.group),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod-level settings of a restricted pod that needs no API access and no Service env variables. */
export function restrictedPodSettings(runAs: RunAs) {
  return { automountServiceAccountToken: false, enableServiceLinks: false, securityContext: restrictedPodSecurityContext(runAs) } as const;
}

export function restrictedContainerSecurityContext(): DeploymentV1SpecTemplateSpecContainerSecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The writable scratch space a read-only root filesystem leaves to the process. */
export const TMP_VOLUME = { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } } as const;
export const TMP_MOUNT = { name: 'tmp', mountPath: '/tmp' } as const;
