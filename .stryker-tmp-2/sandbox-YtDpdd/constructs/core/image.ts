/**
 * Container image references: registry/path:tag, registry/path@sha256:digest, or both. The tag
 * is what follows the last ':' after the last '/' (a registry port is not a tag).
 */
// @ts-nocheck


/** The tag of an image reference, if it has one. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

export function hasTagOrDigest(image: string): boolean {
  return image.includes('@sha256:') || imageTag(image) !== undefined;
}

/** Whether the reference names a moving version: no tag and no digest, or ":latest" without a digest. */
export function isUnpinned(image: string): boolean {
  return !hasTagOrDigest(image) || (imageTag(image) === 'latest' && !image.includes('@sha256:'));
}
