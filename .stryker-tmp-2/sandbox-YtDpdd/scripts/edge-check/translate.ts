/**
 * Runs Envoy Gateway's own translator (`egctl x translate`, offline) over the edge resources an
 * app stack synthesizes, with the Services its routes reference and a TLS Secret for each
 * certificate the Gateway names.
 */
// @ts-nocheck

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { at, manifests, resources, type Json } from '../../__tests__/helpers';
import { buildTools } from '../toolchain';

/** The kinds of the edge, as the app stack writes them. */
export const EDGE_KINDS = ['GatewayClass', 'EnvoyProxy', 'Gateway', 'HTTPRoute', 'BackendTrafficPolicy', 'ClientTrafficPolicy'] as const;

/** Builds egctl at the pinned Envoy Gateway version (or reuses it) and returns its path. */
export function buildEgctl(): string {
  return join(buildTools('edge').bin, 'egctl');
}

/** A ClusterIP per Service, so that each backend cluster can be traced back to its Service. */
export type ServiceAddresses = ReadonlyMap<string, { readonly clusterIP: string; readonly ports: readonly number[] }>;

export interface EdgeInput {
  /** Kubernetes objects, ready for `egctl x translate -f`. */
  readonly objects: readonly Json[];
  readonly services: ServiceAddresses;
}

/** The edge objects of an app stack, the Services its routes send to, and its TLS Secrets. */
export function edgeInput(appStack: Json): EdgeInput {
  const edge = manifests(appStack).filter((m) => (EDGE_KINDS as readonly unknown[]).includes(m.kind));
  const referenced = new Set(
    edge
      .filter((m) => m.kind === 'HTTPRoute')
      .flatMap((r) => ((at(r, 'spec', 'rules') as Json[]) ?? []).flatMap((rule) => ((rule.backendRefs as Json[] | undefined) ?? []).map((b) => b.name))),
  );
  const services = new Map<string, { clusterIP: string; ports: number[] }>();
  const serviceObjects = resources(appStack, 'kubernetes_service_v1')
    .filter((s) => referenced.has(at(s, 'metadata', 'name')))
    .map((s, i) => {
      const name = at(s, 'metadata', 'name') as string;
      const clusterIP = `10.96.0.${10 + i}`;
      const ports = (at(s, 'spec', 'port') as Json[]).map((p) => ({ name: p.name, port: p.port, targetPort: p.target_port, protocol: p.protocol ?? 'TCP' }));
      services.set(name, { clusterIP, ports: ports.map((p) => p.port as number) });
      return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: at(s, 'metadata', 'namespace') }, spec: { type: 'ClusterIP', clusterIP, ports } };
    });
  const pem = readFileSync(join(__dirname, 'test-certificate.pem'), 'utf8');
  const block = (label: string) => new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----\\n`).exec(pem)?.[0] ?? '';
  const secrets = edge
    .filter((m) => m.kind === 'Gateway')
    .flatMap((g) =>
      (at(g, 'spec', 'listeners') as Json[]).flatMap((l) =>
        ((at(l, 'tls', 'certificateRefs') as Json[] | undefined) ?? []).map((ref) => ({
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'kubernetes.io/tls',
          metadata: { name: ref.name, namespace: at(g, 'metadata', 'namespace') },
          data: { 'tls.crt': Buffer.from(block('CERTIFICATE')).toString('base64'), 'tls.key': Buffer.from(block('PRIVATE KEY')).toString('base64') },
        })),
      ),
    );
  return { objects: [...edge, ...serviceObjects, ...secrets], services };
}

/** What `egctl x translate` prints: the resources with their status, and per Gateway its xDS or IR. */
export interface Translation {
  readonly resources: Json;
  readonly xds: Json;
  readonly xdsIR: Json;
}

/**
 * Translates with Envoy Gateway's translator, offline: `gateway-api` gives the statuses, `xds`
 * Envoy's configuration, `ir` Envoy Gateway's intermediate form (which alone holds the global
 * rate limits' values: Envoy only sends descriptors to the rate limit service).
 */
export function translate(egctl: string, input: EdgeInput): Translation {
  const dir = mkdtempSync(join(tmpdir(), 'edge-check-'));
  try {
    const file = join(dir, 'edge.yaml');
    writeFileSync(file, input.objects.map((o) => stringify(o)).join('---\n'));
    const run = (to: string) =>
      JSON.parse(execFileSync(egctl, ['x', 'translate', '--from', 'gateway-api', '--to', to, '--output', 'json', '--file', file], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 })) as Json;
    const statusAndXds = run('gateway-api,xds');
    const ir = run('ir');
    return { resources: statusAndXds, xds: (statusAndXds.xds ?? {}) as Json, xdsIR: (ir.xdsIR ?? {}) as Json };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
