/**
 * `npm run versions`: the CRDs the e2e installs come from the Go modules pinned in
 * tools/crds/go.mod, the operators the platform stack deploys from the charts pinned in
 * config/versions.json. Exits 1, naming both pins, when a CRD module is not the release of the
 * chart that runs it:
 * - github.com/envoyproxy/gateway = the Envoy Gateway chart's version (gateway-helm is versioned
 *   with Envoy Gateway itself);
 * - sigs.k8s.io/gateway-api = the Gateway API bundle that this Envoy Gateway release's chart installs;
 * - github.com/cloudnative-pg/cloudnative-pg = the cloudnative-pg chart's appVersion;
 * - github.com/prometheus-operator/prometheus-operator = the kube-prometheus-stack chart's appVersion.
 * Reads go.mod through `go mod edit -json` and the Envoy Gateway chart from Go's module cache.
 */
// @ts-nocheck

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const CRDS_MODULE = join(ROOT, 'tools', 'crds');
/** Where the gateway-helm chart of the envoyproxy/gateway module keeps the Gateway API CRDs it installs. */
const ENVOY_GATEWAY_API_CRDS = 'charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml';

export const MODULES = {
  envoyGateway: 'github.com/envoyproxy/gateway',
  gatewayApi: 'sigs.k8s.io/gateway-api',
  cloudnativePg: 'github.com/cloudnative-pg/cloudnative-pg',
  prometheusOperator: 'github.com/prometheus-operator/prometheus-operator',
} as const;

/** What the check compares: the CRD modules' versions and what the deployed charts run. */
export interface Pins {
  /** Module path → version, as required by tools/crds/go.mod. */
  readonly crdModules: Readonly<Record<string, string>>;
  readonly charts: {
    readonly envoyGateway: { readonly version: string };
    readonly cloudnativePg: { readonly version: string; readonly appVersion: string };
    readonly kubePrometheusStack: { readonly version: string; readonly appVersion: string };
  };
  /** The `gateway.networking.k8s.io/bundle-version` values of the Envoy Gateway chart's Gateway API CRDs. */
  readonly envoyGatewayApiBundles: readonly string[];
}

/** One CRD module next to the release it must be. */
export interface Comparison {
  readonly module: string;
  readonly moduleVersion: string | undefined;
  readonly expected: string;
  /** Where `expected` comes from, for the message. */
  readonly source: string;
}

/** Releases are compared without the `v` that Go needs and charts may omit ("1.30.0" = "v1.30.0"). */
export function sameRelease(a: string, b: string): boolean {
  return a.replace(/^v/, '') === b.replace(/^v/, '');
}

export function comparisons(pins: Pins): Comparison[] {
  const { charts } = pins;
  const bundles = [...new Set(pins.envoyGatewayApiBundles)];
  return [
    {
      module: MODULES.envoyGateway,
      moduleVersion: pins.crdModules[MODULES.envoyGateway],
      expected: charts.envoyGateway.version,
      source: `the gateway-helm chart ${charts.envoyGateway.version}`,
    },
    {
      module: MODULES.gatewayApi,
      moduleVersion: pins.crdModules[MODULES.gatewayApi],
      expected: bundles.length > 0 ? bundles.join(', ') : 'no bundle-version',
      source: `the Gateway API bundle of the gateway-helm chart ${charts.envoyGateway.version}`,
    },
    {
      module: MODULES.cloudnativePg,
      moduleVersion: pins.crdModules[MODULES.cloudnativePg],
      expected: charts.cloudnativePg.appVersion,
      source: `the appVersion of the cloudnative-pg chart ${charts.cloudnativePg.version}`,
    },
    {
      module: MODULES.prometheusOperator,
      moduleVersion: pins.crdModules[MODULES.prometheusOperator],
      expected: charts.kubePrometheusStack.appVersion,
      source: `the appVersion (prometheus-operator) of the kube-prometheus-stack chart ${charts.kubePrometheusStack.version}`,
    },
  ];
}

/** The failed comparisons, as messages naming both pins; empty when every CRD module matches. */
export function mismatches(pins: Pins): string[] {
  return comparisons(pins).flatMap((c) => {
    if (c.moduleVersion === undefined) return [`tools/crds/go.mod does not require ${c.module}; config/versions.json deploys ${c.source} (${c.expected})`];
    if (sameRelease(c.moduleVersion, c.expected)) return [];
    return [`tools/crds/go.mod requires ${c.module} ${c.moduleVersion}, but config/versions.json deploys ${c.source}, which is ${c.expected}`];
  });
}

function go(args: string[]): string {
  return execFileSync('go', args, { cwd: CRDS_MODULE, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' } });
}

function readPins(): Pins {
  const goMod = JSON.parse(go(['mod', 'edit', '-json'])) as { Require?: { Path: string; Version: string }[] };
  const crdModules = Object.fromEntries((goMod.Require ?? []).map((r) => [r.Path, r.Version]));
  const { charts } = JSON.parse(readFileSync(join(ROOT, 'config', 'versions.json'), 'utf8')) as Pick<Pins, 'charts'>;
  const envoyGateway = crdModules[MODULES.envoyGateway];
  let envoyGatewayApiBundles: string[] = [];
  if (envoyGateway !== undefined) {
    const { Dir } = JSON.parse(go(['mod', 'download', '-json', `${MODULES.envoyGateway}@${envoyGateway}`])) as { Dir: string };
    const crds = readFileSync(join(Dir, ENVOY_GATEWAY_API_CRDS), 'utf8');
    envoyGatewayApiBundles = [...crds.matchAll(/gateway\.networking\.k8s\.io\/bundle-version: *(\S+)/g)].map((m) => m[1] ?? '');
  }
  return { crdModules, charts, envoyGatewayApiBundles };
}

if (require.main === module) {
  const pins = readPins();
  const failed = mismatches(pins);
  if (failed.length > 0) {
    for (const message of failed) console.error(`versions: ${message}`);
    process.exit(1);
  }
  for (const c of comparisons(pins)) console.log(`versions: ${c.module} ${c.moduleVersion ?? ''} = ${c.source}`);
}
