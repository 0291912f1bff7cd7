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

/** The rule an image reference without a version breaks, in words. */
export const PINNED_IMAGE_RULE = 'must be pinned with a tag or a digest (":1.4.2" or "@sha256:…")';

export function hasTagOrDigest(image: string): boolean {
  return image.includes('@sha256:') || imageTag(image) !== undefined;
}

/** Whether the reference names a moving version: no tag and no digest, or ":latest" without a digest. */
export function isUnpinned(image: string): boolean {
  return !hasTagOrDigest(image) || (imageTag(image) === 'latest' && !image.includes('@sha256:'));
}
