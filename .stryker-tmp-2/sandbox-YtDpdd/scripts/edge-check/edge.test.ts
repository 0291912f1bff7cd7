/**
 * The edge check: Envoy Gateway's own translator (egctl, built from the pinned Envoy Gateway
 * module) turns every environment's edge resources into Envoy's configuration, offline, and the
 * assertions read that configuration, not our JSON. Run with `npm run edge-check`.
 */
// @ts-nocheck

import { dev, prod, staging } from '../../config/environments';
import { loadEnvironment } from '../../config/load';
import type { EnvironmentInput } from '../../config/schema';
import { at, synthesize, withValue, type Json } from '../../__tests__/helpers';

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
import { checkAccepted, cluster, clusterTargets, describeActions, envoyConfig, httpConnectionManagers, loadBalancing, routeForPrefix, routes, type EnvoyConfig } from './envoy-config';
import { buildEgctl, edgeInput, translate, type EdgeInput, type Translation } from './translate';

/** What the scaling guide asks of the edge. */
const GUIDE = {
  timeout: '30s',
  connectTimeout: '30s',
  consecutive5xx: 5,
  ejection: '60s',
  limited: { method: 'POST', path: '/api/content/generate', perMinute: 10 },
} as const;
const LOCAL_RATELIMIT = 'envoy.filters.http.local_ratelimit';
const GLOBAL_RATELIMIT = 'envoy.filters.http.ratelimit';

/** Prints a fact the check found in Envoy's configuration, so a run shows what was asserted. */
const note = (env: string, text: string) => process.stdout.write(`edge-check: ${env}: ${text}\n`);

let egctl = '';
beforeAll(() => {
  egctl = buildEgctl();
}, 60 * 60 * 1000);

interface Case {
  readonly name: string;
  readonly input: EnvironmentInput;
}
const CASES: Case[] = [
  { name: 'dev', input: dev },
  { name: 'staging', input: staging },
  { name: 'prod', input: prod },
  // The CDN case of the client address setting; no shipped environment has one.
  { name: 'prod behind a CDN', input: withValue(prod, 'edge.trustedProxies', 1) },
];

/** Envoy's StringMatcher as a predicate (exact or RE2 regex; ours use no RE2-only syntax). */
function stringMatcher(sm: Json): (value: string) => boolean {
  if (typeof sm.exact === 'string') return (v) => v === sm.exact;
  const regex = at(sm, 'safeRegex', 'regex');
  if (typeof regex === 'string') return (v) => new RegExp(regex).test(v);
  throw new Error(`unexpected string matcher ${JSON.stringify(sm)}`);
}

/** Checks the rate limit actions of one rule: method, path (with any query), client address. */
function checkLimitActions(actions: Json[], env: string): void {
  const described = describeActions(actions);
  const path = actions.map((a) => at(a, 'headerValueMatch', 'headers', 0) as Json | undefined).find((h) => h?.name === ':path');
  const method = actions.map((a) => at(a, 'headerValueMatch', 'headers', 0) as Json | undefined).find((h) => h?.name === ':method');
  expect(at(method, 'stringMatch', 'exact')).toBe(GUIDE.limited.method);
  const matches = stringMatcher(at(path, 'stringMatch') as Json);
  const { path: limited } = GUIDE.limited;
  const counted = [limited, `${limited}?x=1`, `${limited}?`];
  const notCounted = [`${limited}X`, `${limited}/x`, '/api/content/other', '/'];
  expect(counted.filter((p) => !matches(p))).toEqual([]);
  expect(notCounted.filter((p) => matches(p))).toEqual([]);
  // Keyed by the client's own address: the full address is a descriptor value.
  expect(actions.some((a) => at(a, 'remoteAddressMatch', 'descriptorValue') === '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%')).toBe(true);
  note(env, `rate limit keyed by [${described.join(', ')}]; counts ${counted.join(' ')}; not ${notCounted.join(' ')}`);
}

describe.each(CASES)('$name', ({ name, input }) => {
  const config = loadEnvironment(input, {});
  const edge = config.edge;
  let sent: EdgeInput;
  let t: Translation;
  let envoy: EnvoyConfig;
  beforeAll(() => {
    sent = edgeInput(synthesize(input).app);
    t = translate(egctl, sent);
    envoy = envoyConfig(t);
  });

  it('Envoy Gateway accepts every edge resource (GatewayClass, EnvoyProxy, Gateway and listeners, HTTPRoutes, policies)', () => {
    const accepted = checkAccepted(t, sent.objects);
    expect(accepted.map((id) => id.split('/')[0])).toEqual(expect.arrayContaining(['GatewayClass', 'EnvoyProxy', 'Gateway', 'HTTPRoute', 'BackendTrafficPolicy']));
    note(name, `Accepted: ${accepted.join(', ')}`);
  });

  it(`/api goes to the backend Service and / to the frontend, each with a ${GUIDE.timeout} request timeout`, () => {
    for (const [prefix, service] of [
      ['/api', 'backend'],
      ['/', 'frontend'],
    ] as const) {
      const route = routeForPrefix(envoy, prefix);
      const clusterName = String(at(route, 'route', 'cluster'));
      const targets = clusterTargets(envoy, clusterName, sent.services);
      // The port the HTTPRoute names, on the Service's own address.
      const ref = (at(sent.objects.find((o) => o.kind === 'HTTPRoute' && at(o, 'metadata', 'name') === 'web'), 'spec', 'rules') as Json[])
        .find((r) => at(r, 'matches', 0, 'path', 'value') === prefix)?.backendRefs as Json[];
      expect(ref.map((b) => b.name)).toEqual([service]);
      expect(targets).toEqual([`${service}:${String(ref[0].port)}`]);
      expect(at(route, 'route', 'timeout')).toBe(GUIDE.timeout);
      note(name, `${prefix} → cluster ${clusterName} → ${targets.join(', ')}, timeout ${String(at(route, 'route', 'timeout'))}`);
    }
  });

  it(`balances by least request, connects within ${GUIDE.connectTimeout}, and ejects a pod after ${GUIDE.consecutive5xx} consecutive 5xx for ${GUIDE.ejection}`, () => {
    for (const prefix of ['/api', '/']) {
      const c = cluster(envoy, String(at(routeForPrefix(envoy, prefix), 'route', 'cluster')));
      expect(loadBalancing(c)).toBe('envoy.load_balancing_policies.least_request');
      expect(c.connectTimeout).toBe(GUIDE.connectTimeout);
      expect(c.outlierDetection).toMatchObject({ consecutive5xx: GUIDE.consecutive5xx, baseEjectionTime: GUIDE.ejection, maxEjectionPercent: 50 });
      expect(at(c, 'circuitBreakers', 'thresholds', 0)).toMatchObject({ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 });
      note(name, `cluster ${String(c.name)}: ${loadBalancing(c)}, connect ${String(c.connectTimeout)}, outlier ${JSON.stringify(c.outlierDetection)}, ceilings ${JSON.stringify(at(c, 'circuitBreakers', 'thresholds', 0))}`);
    }
  });

  it('retries only what never reached a backend (connect-failure, refused-stream)', () => {
    for (const prefix of ['/api', '/']) {
      const retry = at(routeForPrefix(envoy, prefix), 'route', 'retryPolicy') as Json;
      expect(String(retry.retryOn).split(',').sort()).toEqual(['connect-failure', 'refused-stream']);
      expect(retry.numRetries).toBe(2);
      note(name, `${prefix} retries on ${String(retry.retryOn)}, at most ${String(retry.numRetries)}`);
    }
  });

  if (edge.rateLimitScope === 'local') {
    it(`limits ${GUIDE.limited.method} ${GUIDE.limited.path} to ${GUIDE.limited.perMinute} a minute per client address (in each proxy), and nothing else`, () => {
      const limit = at(routeForPrefix(envoy, '/api'), 'typedPerFilterConfig', LOCAL_RATELIMIT) as Json;
      const rules = (limit.rateLimits as Json[]) ?? [];
      const descriptors = (limit.descriptors as Json[]) ?? [];
      // IPv4 and IPv6: one rule and one bucket each.
      expect(rules).toHaveLength(2);
      for (const rule of rules) checkLimitActions(rule.actions as Json[], name);
      for (const d of descriptors) expect(d.tokenBucket).toEqual({ maxTokens: GUIDE.limited.perMinute, tokensPerFill: GUIDE.limited.perMinute, fillInterval: '60s' });
      expect(descriptors).toHaveLength(2);
      // Requests no descriptor matches draw on a bucket that never runs out.
      expect(at(limit, 'tokenBucket', 'maxTokens')).toBe(4294967295);
      note(name, `local buckets ${JSON.stringify(descriptors.map((d) => d.tokenBucket))}; default bucket ${JSON.stringify(limit.tokenBucket)}`);
    });
  } else {
    it(`sends each client address with ${GUIDE.limited.method} ${GUIDE.limited.path} to the rate limit service, which allows ${GUIDE.limited.perMinute} a minute`, () => {
      const rules = (at(routeForPrefix(envoy, '/api'), 'typedPerFilterConfig', GLOBAL_RATELIMIT, 'rateLimits') as Json[]) ?? [];
      expect(rules).toHaveLength(2);
      for (const rule of rules) checkLimitActions(rule.actions as Json[], name);
      const filters = httpConnectionManagers(envoy).flatMap((hcm) => (hcm.httpFilters as Json[]).filter((f) => f.name === GLOBAL_RATELIMIT));
      expect(filters.length).toBeGreaterThan(0);
      // Envoy only sends descriptors; the limit itself is in Envoy Gateway's rate limit configuration.
      const irRules = Object.values(t.xdsIR).flatMap((ir) =>
        ((at(ir, 'http') as Json[]) ?? []).flatMap((l) => ((l.routes as Json[]) ?? []).flatMap((r) => (at(r, 'traffic', 'rateLimit', 'global', 'rules') as Json[]) ?? [])),
      );
      expect(irRules.length).toBeGreaterThan(0);
      for (const rule of irRules) {
        expect(rule.limit).toEqual({ requests: GUIDE.limited.perMinute, unit: 'Minute' });
        expect(at(rule, 'cidrMatch', 'distinct')).toBe(true);
      }
      note(name, `global rate limit filter → cluster ${String(at(filters[0], 'typedConfig', 'rateLimitService', 'grpcService', 'envoyGrpc', 'clusterName'))}; limits ${JSON.stringify(irRules.map((r) => [at(r, 'cidrMatch', 'cidr'), r.limit]))}`);
    });
  }

  if (edge.tls) {
    it('redirects HTTP to HTTPS with a 301', () => {
      const redirects = routes(envoy).filter(({ route }) => route.redirect !== undefined);
      expect(redirects.length).toBeGreaterThan(0);
      for (const { route, domains } of redirects) {
        expect(route.redirect).toEqual({ schemeRedirect: 'https' });
        expect(domains).toEqual(edge.hostnames);
        // 301 is the proto default (MOVED_PERMANENTLY = 0), which JSON leaves out.
        note(name, `${domains.join(',')} ${JSON.stringify(route.match)} → redirect ${JSON.stringify(route.redirect)} (301)`);
      }
    });
  }

  it(edge.trustedProxies === 0 ? 'takes the client address from the connection, not from X-Forwarded-For' : `takes the client address ${edge.trustedProxies} hop(s) from the right of X-Forwarded-For`, () => {
    const managers = httpConnectionManagers(envoy);
    expect(managers.length).toBeGreaterThan(0);
    // Direct: the connection's peer is the client. Behind proxies: Envoy's XFF original-IP extension.
    const xff = (hcm: Json) =>
      list(hcm.originalIpDetectionExtensions).find((e) => e.name === 'envoy.extensions.http.original_ip_detection.xff') as Json | undefined;
    for (const hcm of managers) {
      if (edge.trustedProxies === 0) {
        expect(hcm.useRemoteAddress).toBe(true);
        expect(hcm.xffNumTrustedHops ?? 0).toBe(0);
        expect(xff(hcm)).toBeUndefined();
      } else {
        // Envoy counts the hops beyond the one whose address it reads (the proxy's own append): N − 1.
        expect(hcm.useRemoteAddress).toBe(false);
        expect(at(xff(hcm), 'typedConfig', 'xffNumTrustedHops') ?? 0).toBe(edge.trustedProxies - 1);
      }
    }
    note(name, `useRemoteAddress ${String(managers[0].useRemoteAddress)}, xff extension ${JSON.stringify(at(xff(managers[0]), 'typedConfig') ?? 'none')}`);
  });
});

describe('the check can fail', () => {
  let sent: EdgeInput;
  beforeAll(() => {
    sent = edgeInput(synthesize(dev).app);
  });
  const withPolicy = (change: (spec: Json) => void): EdgeInput => {
    const objects = structuredClone(sent.objects) as Json[];
    change(at(objects.find((o) => o.kind === 'BackendTrafficPolicy'), 'spec') as Json);
    return { ...sent, objects };
  };

  it('a BackendTrafficPolicy with an invalid client CIDR is not Accepted', () => {
    const broken = withPolicy((spec) => {
      (at(spec, 'rateLimit', 'local', 'rules', 0, 'clientSelectors', 0, 'sourceCIDR') as Json).value = '0.0.0.0/33';
    });
    expect(() => checkAccepted(translate(egctl, broken), broken.objects)).toThrow(/BackendTrafficPolicy\/web-dev\/web: Accepted=False/);
  });

  it('an exact path match lets a query string escape the limit', () => {
    const exact = withPolicy((spec) => {
      for (const rule of at(spec, 'rateLimit', 'local', 'rules') as Json[]) {
        (at(rule, 'clientSelectors', 0) as Json).path = { type: 'Exact', value: GUIDE.limited.path };
      }
    });
    const limit = at(routeForPrefix(envoyConfig(translate(egctl, exact)), '/api'), 'typedPerFilterConfig', LOCAL_RATELIMIT) as Json;
    const actions = at(limit, 'rateLimits', 0, 'actions') as Json[];
    expect(() => checkLimitActions(actions, 'broken')).toThrow();
  });
});
