/**
 * Container image references: registry/path:tag, registry/path@sha256:digest, or both. The tag
 * is what follows the last ':' after the last '/' (a registry port is not a tag).
 */

/** The tag of an image reference, if it has one. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

/** The same repository at another tag; a digest, which would pin the old content, is dropped. */
export function withTag(image: string, tag: string): string {
  const name = image.split('@')[0];
  const current = imageTag(name);
  return `${current === undefined ? name : name.slice(0, -(current.length + 1))}:${tag}`;
}

/** The rule an image reference without a version breaks, in words. */
export const PINNED_IMAGE_RULE = 'must be pinned with a tag or a digest (":1.4.2" or "@sha256:…")';

/** Whether the reference is pinned by a digest (with or without a tag next to it). */
export function hasDigest(image: string): boolean {
  return image.includes('@sha256:');
}

export function hasTagOrDigest(image: string): boolean {
  return hasDigest(image) || imageTag(image) !== undefined;
}

/** Whether the reference names a moving version: no tag and no digest, or ":latest" without a digest. */
export function isUnpinned(image: string): boolean {
  return !hasTagOrDigest(image) || (imageTag(image) === 'latest' && !hasDigest(image));
}

/**
 * How an image pinned by a tag is pulled: the kubelet resolves the tag again at every container
 * start, so a tag pushed again is noticed and the pod's pull credentials are checked each time
 * (kube-score's container-image-pull-policy asks for it).
 */
export const TAG_PULL_POLICY = 'Always';
/**
 * How an image pinned by a digest is pulled: its content cannot change, so a registry round-trip
 * at every start would add nothing but a dependency on the registry.
 */
export const DIGEST_PULL_POLICY = 'IfNotPresent';
export type PullPolicy = typeof TAG_PULL_POLICY | typeof DIGEST_PULL_POLICY;

/** The `imagePullPolicy` of a container running this image: a digest's, else (a tag) a tag's. */
export function pullPolicyFor(image: string): PullPolicy {
  return hasDigest(image) ? DIGEST_PULL_POLICY : TAG_PULL_POLICY;
}
