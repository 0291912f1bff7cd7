import { randomBytes } from 'node:crypto';
import type { Kubectl, KubeObject } from './kube';
import { observed, poll } from './poll';

/** The Secret the cache's password comes from, which users create (README "Cache password and TLS"). */
export const CACHE_SECRET = { name: 'cache-auth', key: 'password' } as const;

/**
 * Does what README tells a user to do for a Secret the app reads but does not create (the
 * cache's password): create it, with a random value, as soon as the deploy has created its
 * namespace. The pods that read it wait for it, and the deploy waits for them. A Secret that
 * exists already (a cluster of the user's) is left as it is. The value is never printed or returned.
 */
async function createSecretOnceNamespaceExists(k: Kubectl, namespace: string, secret: { name: string; key: string }, seconds: number): Promise<void> {
  await poll(`namespace ${namespace} for Secret ${secret.name}`, seconds, async () => {
    const found = await k.get<KubeObject>('namespace', namespace);
    return observed(found !== undefined, found ? 'exists' : 'not yet created');
  });
  if (await k.get<KubeObject>('secret', secret.name, namespace)) return;
  const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.name, namespace }, type: 'Opaque', stringData: { [secret.key]: randomBytes(24).toString('base64url') } };
  await k.exec(['create', '-f', '-'], JSON.stringify(object));
}

/**
 * A deploy and, beside it, the cache's Secret once the deploy made the namespace: the deploy's
 * failure first, else the Secret's.
 */
export async function deployWithCacheSecret(deploy: Promise<void>, k: Kubectl, namespace: string): Promise<void> {
  const [deployed, created] = await Promise.allSettled([deploy, createSecretOnceNamespaceExists(k, namespace, CACHE_SECRET, 600)]);
  for (const r of [deployed, created]) if (r.status === 'rejected') throw r.reason;
}
