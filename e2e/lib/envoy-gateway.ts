import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { PLATFORM_NAMESPACES } from '../../stacks/platform-stack';
import { tail } from './cnpg';
import { moduleSourceDir } from './go-modules';
import type { Kubectl, Secret } from './kube';
import { observed, poll } from './poll';
import { run, start } from './processes';
import type { SynthesizedStack } from './stacks';

const MODULE = 'github.com/envoyproxy/gateway';
/** Where the chart's Deployment runs Envoy Gateway, and where it puts the Envoy proxies. */
export const ENVOY_GATEWAY_NAMESPACE = PLATFORM_NAMESPACES.envoyGateway;
/**
 * The certificate directory Envoy Gateway's Kubernetes provider reads (xDS server, rate limit
 * service): a fixed path in its source (internal/xds/runner/runner.go, xdsTLSCertFilepath), where
 * the chart mounts the Secret certgen makes.
 */
const CERT_DIR = '/certs';
/** The controller's health probe (internal/provider/kubernetes/kubernetes.go, healthProbeBindAddress). */
const READYZ = 'http://127.0.0.1:8081/readyz';

export interface RunningEnvoyGateway {
  readonly process: ChildProcess;
  readonly log: string;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of values: maps merge key by key, anything else is replaced. */
function mergeValues(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(out[k]) ? mergeValues(out[k] as Tree, v) : v;
  return out;
}

/** Settings that two trees give different values (dotted paths). */
function conflicts(a: Tree, b: Tree, path = ''): string[] {
  return Object.entries(b).flatMap(([k, v]) => {
    const here = `${path}${k}`;
    if (!(k in a)) return [];
    if (isTree(v) && isTree(a[k])) return conflicts(a[k] as Tree, v, `${here}.`);
    return JSON.stringify(a[k]) === JSON.stringify(v) ? [] : [here];
  });
}

/**
 * The EnvoyGateway configuration the chart would render: its default `config.envoyGateway`
 * (values.tmpl.yaml of the module at the pinned version) with the platform stacks' values over
 * it (global rate limits, for instance). One controller serves every environment here, so it
 * gets what any of them sets; two environments setting one field differently is an error. Out
 * of cluster, the topology injector stays off: it is a Pod webhook served from inside the
 * cluster that only adds zone labels to the proxies.
 */
function envoyGatewayConfig(moduleDir: string, platforms: readonly SynthesizedStack[]): Tree {
  const chartValues = parse(readFileSync(join(moduleDir, 'charts', 'gateway-helm', 'values.tmpl.yaml'), 'utf8')) as { config: { envoyGateway: Tree } };
  let fromStacks: Tree = {};
  for (const p of platforms) {
    const values = (p.helmRelease('envoy-gateway').values ?? []).map((v) => parse(v) as Tree).reduce(mergeValues, {});
    const settings = ((values.config as Tree | undefined)?.envoyGateway ?? {}) as Tree;
    const clash = conflicts(fromStacks, settings);
    if (clash.length > 0) throw new Error(`Envoy Gateway: ${p.name} sets ${clash.join(', ')} differently from the other platform stacks; one controller serves them all here`);
    fromStacks = mergeValues(fromStacks, settings);
  }
  return mergeValues(
    { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyGateway', ...mergeValues(chartValues.config.envoyGateway, fromStacks) },
    { provider: { kubernetes: { topologyInjector: { disable: true } } } },
  );
}

function get200(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

async function run0(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(command, args, { env, timeoutSeconds: 120 });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`);
  return r.stdout;
}

/**
 * Runs Envoy Gateway's controller (tools/build.sh envoy-gateway) out of cluster against the test cluster,
 * as the gateway-helm chart runs it: its namespace, the Secrets of `envoy-gateway certgen` (the
 * chart's certgen Job), the chart's configuration. Its own certificate must be at /certs, so it
 * runs in a mount namespace of its own with the run's copy of that Secret bound there.
 */
export async function startEnvoyGateway(
  kubectl: Kubectl,
  binary: string,
  dir: string,
  kubeconfig: string,
  platforms: readonly SynthesizedStack[],
): Promise<RunningEnvoyGateway> {
  const moduleDir = await moduleSourceDir(MODULE);
  const configPath = join(dir, 'envoy-gateway.yaml');
  writeFileSync(configPath, stringify(envoyGatewayConfig(moduleDir, platforms)));
  const env = { ...process.env, KUBECONFIG: kubeconfig, ENVOY_GATEWAY_NAMESPACE };
  await kubectl.exec(['create', 'namespace', ENVOY_GATEWAY_NAMESPACE]);
  await run0(binary, ['certgen', '--disable-topology-injector'], env);
  const secret = await kubectl.get<Secret>('secret', 'envoy-gateway', ENVOY_GATEWAY_NAMESPACE);
  const certs = join(dir, 'envoy-gateway-certs');
  mkdirSync(certs, { recursive: true });
  for (const file of ['ca.crt', 'tls.crt', 'tls.key']) {
    const data = secret?.data?.[file];
    if (data === undefined) throw new Error(`Envoy Gateway: certgen made no ${file} in Secret ${ENVOY_GATEWAY_NAMESPACE}/envoy-gateway`);
    writeFileSync(join(certs, file), Buffer.from(data, 'base64'), { mode: 0o600 });
  }
  // The (empty) mount point; the bind mount itself stays inside the controller's namespace.
  try {
    mkdirSync(CERT_DIR, { recursive: true });
  } catch (error) {
    throw new Error(`Envoy Gateway reads its certificate from ${CERT_DIR}, which cannot be made here (${String(error)}): the e2e on kwok runs as root`);
  }
  const log = join(dir, 'envoy-gateway.log');
  const fd = openSync(log, 'a');
  const controller = start(
    'unshare',
    ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', certs, CERT_DIR, binary, 'server', '--config-path', configPath],
    env,
    fd,
    dir,
  );
  closeSync(fd);
  await poll(`Envoy Gateway answers ${READYZ}`, 120, async () => {
    if (controller.exitCode !== null) throw new Error(`Envoy Gateway exited (${controller.exitCode}); see ${log}:\n${tail(log)}`);
    const status = await get200(READYZ);
    return observed(status === 200, `GET ${READYZ}: ${status || 'no answer'}`);
  });
  return { process: controller, log };
}
