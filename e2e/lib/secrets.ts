import { randomBytes } from 'node:crypto';
import type { Kubectl, KubeObject } from './kube';
import { observed, poll } from './poll';

/**
 * Does what README tells a user to do for a Secret the app reads but does not create (the
 * cache's password): create it, with a random value, as soon as the deploy has created its
 * namespace. The pods that read it wait for it, and the deploy waits for them. The value is
 * never printed or returned.
 */
export async function createSecretOnceNamespaceExists(k: Kubectl, namespace: string, name: string, key: string, seconds: number): Promise<void> {
  await poll(`namespace ${namespace} for Secret ${name}`, seconds, async () => {
    const found = await k.get<KubeObject>('namespace', namespace);
    return observed(found !== undefined, found ? 'exists' : 'not yet created');
  });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', stringData: { [key]: randomBytes(24).toString('base64url') } };
  await k.exec(['create', '-f', '-'], JSON.stringify(secret));
}
