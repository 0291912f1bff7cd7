import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, cdktf, outDir } from './lib/cdktf';
import { installOperator, startOperator } from './lib/cnpg';
import { startEnvoyGateway } from './lib/envoy-gateway';
import { startPrometheusOperator } from './lib/prometheus-operator';
import { cleanUp, installSignalHandlers, remember } from './lib/lifecycle';
import { Kubectl } from './lib/kube';
import { run } from './lib/processes';
import { phase, say } from './lib/report';
import { readSettings, saveRunState, type RunState } from './lib/settings';
import { SynthesizedStack } from './lib/stacks';

/** KEY=VALUE lines a tools script prints for its caller. */
function printed(output: string, key: string): string {
  const line = output.split('\n').find((l) => l.startsWith(`${key}=`));
  if (line === undefined) throw new Error(`no ${key}= line in:\n${output}`);
  return line.slice(key.length + 1);
}

/**
 * One line per image reference with what it really holds (Debian's package versions, or the
 * project's build of a module), from tools/images.sh's images.json: the tags name other releases.
 */
function imageContents(file: string): string[] {
  const images = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { contents: Record<string, Record<string, string> | string> }>;
  return Object.entries(images).map(([reference, { contents }]) => {
    const parts = Object.entries(contents).map(([what, detail]) =>
      typeof detail === 'string' ? `${what}: ${detail}` : what === 'debian' ? Object.entries(detail).map(([p, v]) => `${p} ${v}`).join(', ') : `${what} ${detail.version ?? ''}`.trim(),
    );
    return `image ${reference}: ${parts.join('; ')}`;
  });
}

/**
 * The project's files on CDK Terrain (`npm run engine -- tree`), installed with `npm ci` from its
 * lockfile on the newest Node line CI runs (tools/node-lines; CDK Terrain needs 22.19 or later).
 */
async function installCdktn(root: string, env: NodeJS.ProcessEnv): Promise<{ root: string; nodeBin: string }> {
  const newest = readFileSync(join(PROJECT_ROOT, 'tools', 'node-lines'), 'utf8').trim().split('\n').at(-1) as string;
  const nodeBin = join((await bash('tools/node.sh', [newest], env, 600)).trim(), 'bin');
  const steps: [string, string[], string][] = [
    ['npm', ['run', '--silent', 'engine', '--', 'tree', root], PROJECT_ROOT],
    ['npm', ['ci', '--no-audit', '--no-fund'], root],
  ];
  for (const [command, args, cwd] of steps) {
    const r = await run(command, args, { cwd, env: { ...env, PATH: `${nodeBin}:${env.PATH ?? ''}` }, timeoutSeconds: 900 });
    if (r.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.code}\n${(r.stderr || r.stdout).trim().split('\n').slice(-20).join('\n')}`);
  }
  return { root, nodeBin };
}

async function bash(script: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<string> {
  const r = await run('bash', [join(PROJECT_ROOT, script), ...args], { cwd: PROJECT_ROOT, env, timeoutSeconds });
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${r.code}):\n${(r.stdout + r.stderr).trim().split('\n').slice(-40).join('\n')}`);
  return r.stdout + r.stderr;
}

/**
 * Before any test: the toolchain (tools/build.sh), the cluster (tools/cluster.sh, or
 * E2E_KUBECONFIG's), on kwok CloudNativePG's operator, prometheus-operator and Envoy Gateway, and the synthesized stacks (the tests
 * are named after what they hold). What the tests need goes to
 * run.json in the run's temp dir. If anything fails here, everything started so far is stopped.
 */
export default async function globalSetup(): Promise<void> {
  const settings = readSettings();
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'web-topology-e2e-'));
  installSignalHandlers(dir);
  const clusterDir = join(dir, 'cluster');
  const env = { ...process.env, CLUSTER_DIR: clusterDir, CLUSTER_NODES: '6' };
  try {
    const real = settings.mode === 'real';
    const ownCluster = settings.mode !== 'external';
    const groups = {
      kwok: ['validate', 'cluster', 'cnpg', 'envoy-gateway', 'cyclonus', 'promop'],
      real: ['validate', 'cluster', 'cnpg', 'promop', 'node', 'migrate', 'score'],
      external: ['validate', 'cyclonus'],
    }[settings.mode];
    const built = await phase(dir, 'toolchain', () => bash('tools/build.sh', groups, env, 3600));
    for (const line of built.split('\n').filter((l) => l.startsWith('tools: built'))) say(line);
    const toolsBin = printed(built, 'TOOLS_BIN');
    if (real) {
      const images = await phase(dir, 'images', () => bash('tools/images.sh', [], env, 3600));
      for (const line of imageContents(printed(images, 'IMAGES_JSON'))) say(line);
    }
    let kubeconfig: string;
    let context: string;
    if (ownCluster) {
      remember(dir, { clusterDir });
      const up = await phase(dir, 'cluster up', () => bash('tools/cluster.sh', ['up'], { ...env, E2E_NODES: settings.mode }, 900));
      for (const line of up.split('\n').filter((l) => /^(cluster: (creating|.*Ready|up in)|crds: |node: )/.test(l) && !l.includes(' CRDs: '))) say(line);
      kubeconfig = join(clusterDir, 'kubeconfig');
      context = 'web-topology-e2e';
      process.env.KUBECACHEDIR = join(clusterDir, 'kube-cache');
    } else {
      kubeconfig = process.env.E2E_KUBECONFIG as string;
      const current = await run('kubectl', ['--kubeconfig', kubeconfig, 'config', 'current-context'], { timeoutSeconds: 30 });
      context = process.env.E2E_CONTEXT || current.stdout.trim();
      const readyz = await run('kubectl', ['--kubeconfig', kubeconfig, '--context', context, 'get', '--raw', '/readyz'], { timeoutSeconds: 30 });
      if (readyz.code !== 0) throw new Error(`cannot reach context ${context} of ${kubeconfig}: ${readyz.stderr.trim()}`);
      say(`using context ${context} of ${kubeconfig}`);
    }
    process.env.KUBECONFIG = kubeconfig;
    let cnpg: RunState['cnpg'];
    if (real) {
      // Its pods run on the node, so the operator runs as a cluster runs it: a pod of its own
      // namespace, which the app's NetworkPolicies admit to the instances by name.
      await phase(dir, 'CloudNativePG operator', () => installOperator(new Kubectl(context)));
      say('CloudNativePG: operator installed in cluster from its release manifest');
    } else if (settings.mode === 'kwok') {
      const operator = await phase(dir, 'CloudNativePG operator', () =>
        startOperator(new Kubectl(context), join(toolsBin, 'cnpg-manager'), dir, kubeconfig),
      );
      remember(dir, { operatorPid: operator.process.pid });
      say(`CloudNativePG ${operator.webhookUrl}: operator out of cluster, webhooks ${operator.webhookConfigurations.join(', ')}`);
      cnpg = { log: operator.log, webhookUrl: operator.webhookUrl };
    }
    let prometheusOperator: RunState['prometheusOperator'];
    if (ownCluster) {
      const operator = await phase(dir, 'prometheus-operator', () =>
        startPrometheusOperator(new Kubectl(context), join(toolsBin, 'prometheus-operator'), dir, kubeconfig),
      );
      remember(dir, { prometheusOperatorPid: operator.process.pid });
      say(`prometheus-operator out of cluster, log ${operator.log}`);
      prometheusOperator = { log: operator.log };
    }
    const cdktn = settings.mode === 'kwok' ? await phase(dir, 'CDK Terrain', () => installCdktn(join(dir, 'cdktn'), env)) : undefined;
    if (cdktn) say(`CDK Terrain: the project on cdktn in ${cdktn.root}, installed from engines/cdktn/package-lock.json`);
    const state: RunState = {
      settings,
      dir,
      kubeconfig,
      context,
      toolsBin,
      tfCliConfig: printed(built, 'TF_CLI_CONFIG_FILE'),
      terraformBinary: process.env.TERRAFORM_BINARY_NAME || join(toolsBin, 'tofu'),
      ...(cnpg ? { cnpg } : {}),
      ...(prometheusOperator ? { prometheusOperator } : {}),
      ...(cdktn ? { cdktn } : {}),
    };
    saveRunState(state);
    say(`npx cdktf synth (TOPOLOGY_ENVIRONMENTS=${settings.environments.join(',')}, providers pointed at ${context})`);
    await phase(dir, 'synth', () => cdktf(state, 'synth', [], 600));
    if (settings.mode === 'kwok') {
      // After synth: it runs with the configuration the platform stacks give the chart.
      const platforms = settings.environments.map((e) => SynthesizedStack.load(outDir(state), `${e}-platform`));
      const eg = await phase(dir, 'Envoy Gateway controller', () => startEnvoyGateway(new Kubectl(context), join(toolsBin, 'envoy-gateway'), dir, kubeconfig, platforms));
      remember(dir, { envoyGatewayPid: eg.process.pid });
      say(`Envoy Gateway: controller out of cluster, log ${eg.log}`);
    } else if (real) {
      say('Envoy Gateway: not started: no Envoy binary can be had on this machine, so no proxy could run; the kwok mode and npm run edge-check judge the edge');
    }
  } catch (error) {
    cleanUp(dir, 'setup failed');
    throw error;
  }
}
