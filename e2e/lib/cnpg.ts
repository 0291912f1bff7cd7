import { closeSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { moduleSourceDir } from './go-modules';
import type { KubeObject, Kubectl } from './kube';
import { poll, observed } from './poll';
import { run, start } from './processes';

const MODULE = 'github.com/cloudnative-pg/cloudnative-pg';
/** The operator's kustomize prefix (config/default), so the objects carry their usual names. */
const NAME_PREFIX = 'cnpg-';

export interface RunningOperator {
  readonly process: ChildProcess;
  readonly log: string;
  readonly webhookUrl: string;
  /** The webhook configurations made for this run (cluster-scoped), for cleanup. */
  readonly webhookConfigurations: readonly string[];
}

async function run0(command: string, args: readonly string[]): Promise<string> {
  const r = await run(command, args, { timeoutSeconds: 120 });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * A CA and a serving certificate for 127.0.0.1, new for every run. `node:crypto` makes keys but
 * not X.509 certificates; openssl (Debian's) does both.
 */
async function makeCertificates(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run0('openssl', ['req', '-x509', ...key, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=web-topology-e2e-ca']);
  await run0('openssl', ['req', ...key, '-keyout', f('apiserver.key'), '-out', f('apiserver.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run0('openssl', [
    'x509', '-req', '-in', f('apiserver.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('apiserver.crt'), '-days', '1', '-extfile', f('san.ext'),
  ]);
  return readFileSync(f('ca.crt'), 'utf8');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface WebhookConfiguration {
  kind: string;
  metadata: { name: string };
  webhooks: { name: string; clientConfig: { service?: { path?: string }; url?: string; caBundle?: string } }[];
}

/**
 * The operator's own webhook configurations (config/webhook/manifests.yaml of the module at the
 * built version), with each Service reference turned into a URL on loopback and our CA.
 */
async function webhookConfigurations(baseUrl: string, ca: string): Promise<WebhookConfiguration[]> {
  const dir = await moduleSourceDir(MODULE);
  const docs = parseAllDocuments(readFileSync(join(dir, 'config', 'webhook', 'manifests.yaml'), 'utf8'));
  return docs
    .map((d) => d.toJS() as WebhookConfiguration | null)
    .filter((d): d is WebhookConfiguration => d !== null)
    .map((c) => ({
      ...c,
      metadata: { name: NAME_PREFIX + c.metadata.name },
      webhooks: c.webhooks.map((w) => ({
        ...w,
        clientConfig: { url: `${baseUrl}${w.clientConfig.service?.path ?? ''}`, caBundle: Buffer.from(ca).toString('base64') },
      })),
    }));
}

/** GET /readyz on the webhook server, trusting only our CA. */
function ready(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { ca, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Go's name for this machine's architecture. */
const GO_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * The working directory the operator starts in. In its image the manager finds the instance
 * manager it injects into each PostgreSQL pod as operator/manager_<arch> (relative to its working
 * directory; the same binary) and refuses to reconcile a Cluster without one for its own
 * architecture ("invalid architecture").
 */
function operatorWorkDir(dir: string, binary: string): string {
  const arch = GO_ARCH[process.arch];
  if (arch === undefined) throw new Error(`CloudNativePG: no Go architecture known for ${process.arch}`);
  const work = join(dir, 'cnpg-work');
  mkdirSync(join(work, 'operator'), { recursive: true });
  symlinkSync(binary, join(work, 'operator', `manager_${arch}`));
  return work;
}

/**
 * Runs CloudNativePG's manager (tools/build.sh cnpg) out of cluster against the test cluster, its
 * webhooks served to the API server through URL webhook configurations. WEBHOOK_CERT_DIR makes
 * the operator use our certificate (apiserver.crt/.key) instead of managing its own PKI, which
 * needs a Service and a namespace of its own.
 */
export async function startOperator(kubectl: Kubectl, binary: string, dir: string, kubeconfig: string): Promise<RunningOperator> {
  const certDir = join(dir, 'cnpg-certs');
  const ca = await makeCertificates(certDir);
  const port = await freePort();
  const webhookUrl = `https://127.0.0.1:${port}`;
  const log = join(dir, 'cnpg-operator.log');
  const fd = openSync(log, 'a');
  const operator = start(
    binary,
    ['controller', `--webhook-port=${port}`, '--metrics-bind-address=0', '--leader-elect=false'],
    { ...process.env, KUBECONFIG: kubeconfig, WEBHOOK_CERT_DIR: certDir },
    fd,
    operatorWorkDir(dir, binary),
  );
  closeSync(fd);
  await poll('CloudNativePG webhook server answers /readyz', 120, async () => {
    if (operator.exitCode !== null) throw new Error(`the operator exited (${operator.exitCode}); see ${log}:\n${tail(log)}`);
    const status = await ready(webhookUrl, ca);
    return observed(status === 200, `GET ${webhookUrl}/readyz: ${status || 'no answer'}`);
  });
  const configurations = await webhookConfigurations(webhookUrl, ca);
  await kubectl.exec(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: configurations.map((c) => ({ apiVersion: 'admissionregistration.k8s.io/v1', ...c })) }));
  return { process: operator, log, webhookUrl, webhookConfigurations: configurations.map((c) => `${c.kind.toLowerCase()}/${c.metadata.name}`) };
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface ReleaseObject extends KubeObject {
  spec?: { template?: { spec?: { containers?: { imagePullPolicy?: string }[] } } };
}

/**
 * Installs CloudNativePG in the cluster from the release manifest of the module at the built
 * version (releases/cnpg-<version>.yaml, what its documentation applies), and waits until its
 * webhooks answer the API server. One change: the manifest pulls the operator image Always, which
 * needs a registry; this machine has none, and the node has the image loaded under its reference.
 */
export async function installOperator(kubectl: Kubectl): Promise<void> {
  const dir = await moduleSourceDir(MODULE);
  const version = dir.slice(dir.lastIndexOf('@v') + 2);
  const objects = parseAllDocuments(readFileSync(join(dir, 'releases', `cnpg-${version}.yaml`), 'utf8'))
    .map((d) => d.toJS() as ReleaseObject | null)
    .filter((o): o is ReleaseObject => o !== null);
  for (const c of objects.flatMap((o) => o.spec?.template?.spec?.containers ?? [])) c.imagePullPolicy = 'IfNotPresent';
  // Server-side and forced: tools/crds.sh applied the same CRDs under another field manager.
  await kubectl.exec(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  await kubectl.exec(['-n', 'cnpg-system', 'rollout', 'status', 'deployment/cnpg-controller-manager', '--timeout=300s']);
  // The Deployment is Ready before the API server can call its webhooks (certificates, endpoints).
  const probe = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'webhook-probe', namespace: 'default' }, spec: { instances: 1, storage: { size: '1Gi' } } };
  await poll('CloudNativePG webhooks answer the API server', 120, async () => {
    const r = await kubectl.tryExec(['create', '--dry-run=server', '-f', '-'], JSON.stringify(probe));
    return observed(r.code === 0, r.code === 0 ? 'dry-run create of a Cluster admitted' : r.stderr.trim().split('\n').pop() ?? '');
  });
}
