// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
import { Construct } from 'constructs';
import type { Peer, PeerSelector } from '../guardrails/connections';
import type { EnvVar, SecretKeyRef } from '../workload/web-service';
import { checkRange, invalidProp } from '../core/validation';

/** OpenTelemetry's OTLP exporter, configured through the SDKs' standard variables. */
export interface OpenTelemetryTracing {
  readonly kind: 'opentelemetry';
  /** OTLP endpoint, e.g. "http://otel-collector.observability.svc:4318". */
  readonly endpoint: string;
  /** OTLP transport. @default "http/protobuf" */
  readonly protocol?: 'grpc' | 'http/protobuf';
  /** Secret key holding `OTEL_EXPORTER_OTLP_HEADERS` (e.g. an authorization header). @default no headers */
  readonly headers?: SecretKeyRef;
}

/** Elastic APM's agents, configured through their `ELASTIC_APM_*` variables. */
export interface ElasticApmTracing {
  readonly kind: 'elastic-apm';
  /** APM Server URL, e.g. "https://apm.example.com:8200". */
  readonly serverUrl: string;
  /** Secret key holding the APM Server's secret token; the kubelet reads it, so it never enters state. */
  readonly secretToken: SecretKeyRef;
}
export interface TracingEndpointProps {
  readonly backend: OpenTelemetryTracing | ElasticApmTracing;
  /** Environment name every span carries. */
  readonly environment: string;
  /**
   * Where the endpoint runs, so that the NetworkPolicies open egress to it only: pods of another
   * namespace (an in-cluster collector) or CIDRs (a server outside the cluster).
   */
  readonly peer: PeerSelector;
  /** Share of traces recorded, 0–1; a sampled parent's children are always kept. @default 0.1 */
  readonly samplingRatio?: number;
}

/** The traced service: its name and the version it runs. */
export interface TracedService {
  readonly name: string;
  readonly version: string;
}
const DEFAULT_SAMPLING_RATIO = 0.1;
const DEFAULT_PORTS: Record<string, number> = stryMutAct_9fa48("573") ? {} : (stryCov_9fa48("573"), {
  'http:': 80,
  'https:': 443
});

/**
 * Where the web tiers send their traces, and the environment variables that tell their
 * OpenTelemetry SDK or Elastic APM agent so. It creates no resource: each tier gets `envFor`
 * in its container, and the stack opens one egress flow per tier to `peer` on `port`.
 */
export class TracingEndpoint extends Construct {
  /** The endpoint's TCP port (explicit in the URL, or the scheme's default). */
  readonly port: number;
  readonly peer: Peer;
  readonly kind: 'opentelemetry' | 'elastic-apm';
  private readonly backend: OpenTelemetryTracing | ElasticApmTracing;
  private readonly environment: string;
  private readonly samplingRatio: number;
  constructor(scope: Construct, id: string, props: TracingEndpointProps) {
    if (stryMutAct_9fa48("574")) {
      {}
    } else {
      stryCov_9fa48("574");
      super(scope, id);
      const b = props.backend;
      const [urlProp, url] = (stryMutAct_9fa48("577") ? b.kind !== 'opentelemetry' : stryMutAct_9fa48("576") ? false : stryMutAct_9fa48("575") ? true : (stryCov_9fa48("575", "576", "577"), b.kind === (stryMutAct_9fa48("578") ? "" : (stryCov_9fa48("578"), 'opentelemetry')))) ? stryMutAct_9fa48("579") ? [] : (stryCov_9fa48("579"), [stryMutAct_9fa48("580") ? "" : (stryCov_9fa48("580"), 'backend.endpoint'), b.endpoint]) : stryMutAct_9fa48("581") ? [] : (stryCov_9fa48("581"), [stryMutAct_9fa48("582") ? "" : (stryCov_9fa48("582"), 'backend.serverUrl'), b.serverUrl]);
      let parsed: URL;
      try {
        if (stryMutAct_9fa48("583")) {
          {}
        } else {
          stryCov_9fa48("583");
          parsed = new URL(url);
        }
      } catch {
        if (stryMutAct_9fa48("584")) {
          {}
        } else {
          stryCov_9fa48("584");
          invalidProp(this, urlProp, url, stryMutAct_9fa48("586") ? "" : (stryCov_9fa48("586"), 'must be an absolute http:// or https:// URL'));
        }
      }
      // http(s) URLs always have a host (the URL parser refuses them without one).
      if (stryMutAct_9fa48("589") ? DEFAULT_PORTS[parsed.protocol] !== undefined : stryMutAct_9fa48("588") ? false : stryMutAct_9fa48("587") ? true : (stryCov_9fa48("587", "588", "589"), DEFAULT_PORTS[parsed.protocol] === undefined)) {
        if (stryMutAct_9fa48("590")) {
          {}
        } else {
          stryCov_9fa48("590");
          invalidProp(this, urlProp, url, stryMutAct_9fa48("592") ? "" : (stryCov_9fa48("592"), 'must be an absolute http:// or https:// URL'));
        }
      }
      if (stryMutAct_9fa48("595") ? parsed.username !== '' && parsed.password !== '' : stryMutAct_9fa48("594") ? false : stryMutAct_9fa48("593") ? true : (stryCov_9fa48("593", "594", "595"), (stryMutAct_9fa48("597") ? parsed.username === '' : stryMutAct_9fa48("596") ? false : (stryCov_9fa48("596", "597"), parsed.username !== (stryMutAct_9fa48("598") ? "Stryker was here!" : (stryCov_9fa48("598"), '')))) || (stryMutAct_9fa48("600") ? parsed.password === '' : stryMutAct_9fa48("599") ? false : (stryCov_9fa48("599", "600"), parsed.password !== (stryMutAct_9fa48("601") ? "Stryker was here!" : (stryCov_9fa48("601"), '')))))) {
        if (stryMutAct_9fa48("602")) {
          {}
        } else {
          stryCov_9fa48("602");
          // Never echo it: the value holds a credential.
          throw new Error(stryMutAct_9fa48("604") ? `` : (stryCov_9fa48("604"), `${this.node.path}: '${urlProp}' must not carry credentials; put them in a Secret (headers or secretToken)`));
        }
      }
      this.samplingRatio = stryMutAct_9fa48("605") ? props.samplingRatio && DEFAULT_SAMPLING_RATIO : (stryCov_9fa48("605"), props.samplingRatio ?? DEFAULT_SAMPLING_RATIO);
      checkRange(this, stryMutAct_9fa48("607") ? "" : (stryCov_9fa48("607"), 'samplingRatio'), this.samplingRatio, 0, 1, stryMutAct_9fa48("608") ? false : (stryCov_9fa48("608"), true));
      if (stryMutAct_9fa48("611") ? 'cidrs' in props.peer || props.peer.cidrs.length === 0 : stryMutAct_9fa48("610") ? false : stryMutAct_9fa48("609") ? true : (stryCov_9fa48("609", "610", "611"), (stryMutAct_9fa48("612") ? "" : (stryCov_9fa48("612"), 'cidrs')) in props.peer && (stryMutAct_9fa48("614") ? props.peer.cidrs.length !== 0 : stryMutAct_9fa48("613") ? true : (stryCov_9fa48("613", "614"), props.peer.cidrs.length === 0)))) invalidProp(this, stryMutAct_9fa48("616") ? "" : (stryCov_9fa48("616"), 'peer.cidrs'), stryMutAct_9fa48("617") ? ["Stryker was here"] : (stryCov_9fa48("617"), []), stryMutAct_9fa48("618") ? "" : (stryCov_9fa48("618"), 'must list at least one CIDR'));
      this.port = (stryMutAct_9fa48("621") ? parsed.port !== '' : stryMutAct_9fa48("620") ? false : stryMutAct_9fa48("619") ? true : (stryCov_9fa48("619", "620", "621"), parsed.port === (stryMutAct_9fa48("622") ? "Stryker was here!" : (stryCov_9fa48("622"), '')))) ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
      this.peer = stryMutAct_9fa48("623") ? {} : (stryCov_9fa48("623"), {
        name: stryMutAct_9fa48("624") ? "" : (stryCov_9fa48("624"), 'tracing'),
        selector: props.peer
      });
      this.kind = b.kind;
      this.backend = b;
      this.environment = props.environment;
    }
  }

  /** The variables that send `service`'s traces here, tagged with its name, environment and version. */
  envFor(service: TracedService): EnvVar[] {
    if (stryMutAct_9fa48("625")) {
      {}
    } else {
      stryCov_9fa48("625");
      const {
        backend: b,
        environment
      } = this;
      const ratio = String(this.samplingRatio);
      if (stryMutAct_9fa48("628") ? b.kind !== 'opentelemetry' : stryMutAct_9fa48("627") ? false : stryMutAct_9fa48("626") ? true : (stryCov_9fa48("626", "627", "628"), b.kind === (stryMutAct_9fa48("629") ? "" : (stryCov_9fa48("629"), 'opentelemetry')))) {
        if (stryMutAct_9fa48("630")) {
          {}
        } else {
          stryCov_9fa48("630");
          return stryMutAct_9fa48("631") ? [] : (stryCov_9fa48("631"), [stryMutAct_9fa48("632") ? {} : (stryCov_9fa48("632"), {
            name: stryMutAct_9fa48("633") ? "" : (stryCov_9fa48("633"), 'OTEL_SERVICE_NAME'),
            value: service.name
          }), stryMutAct_9fa48("634") ? {} : (stryCov_9fa48("634"), {
            name: stryMutAct_9fa48("635") ? "" : (stryCov_9fa48("635"), 'OTEL_RESOURCE_ATTRIBUTES'),
            value: stryMutAct_9fa48("636") ? `` : (stryCov_9fa48("636"), `deployment.environment.name=${environment},service.version=${service.version}`)
          }), stryMutAct_9fa48("637") ? {} : (stryCov_9fa48("637"), {
            name: stryMutAct_9fa48("638") ? "" : (stryCov_9fa48("638"), 'OTEL_EXPORTER_OTLP_ENDPOINT'),
            value: b.endpoint
          }), stryMutAct_9fa48("639") ? {} : (stryCov_9fa48("639"), {
            name: stryMutAct_9fa48("640") ? "" : (stryCov_9fa48("640"), 'OTEL_EXPORTER_OTLP_PROTOCOL'),
            value: stryMutAct_9fa48("641") ? b.protocol && 'http/protobuf' : (stryCov_9fa48("641"), b.protocol ?? (stryMutAct_9fa48("642") ? "" : (stryCov_9fa48("642"), 'http/protobuf')))
          }), ...(b.headers ? stryMutAct_9fa48("643") ? [] : (stryCov_9fa48("643"), [stryMutAct_9fa48("644") ? {} : (stryCov_9fa48("644"), {
            name: stryMutAct_9fa48("645") ? "" : (stryCov_9fa48("645"), 'OTEL_EXPORTER_OTLP_HEADERS'),
            secretKeyRef: b.headers
          })]) : stryMutAct_9fa48("646") ? ["Stryker was here"] : (stryCov_9fa48("646"), [])), stryMutAct_9fa48("647") ? {} : (stryCov_9fa48("647"), {
            name: stryMutAct_9fa48("648") ? "" : (stryCov_9fa48("648"), 'OTEL_TRACES_EXPORTER'),
            value: stryMutAct_9fa48("649") ? "" : (stryCov_9fa48("649"), 'otlp')
          }), stryMutAct_9fa48("650") ? {} : (stryCov_9fa48("650"), {
            name: stryMutAct_9fa48("651") ? "" : (stryCov_9fa48("651"), 'OTEL_TRACES_SAMPLER'),
            value: stryMutAct_9fa48("652") ? "" : (stryCov_9fa48("652"), 'parentbased_traceidratio')
          }), stryMutAct_9fa48("653") ? {} : (stryCov_9fa48("653"), {
            name: stryMutAct_9fa48("654") ? "" : (stryCov_9fa48("654"), 'OTEL_TRACES_SAMPLER_ARG'),
            value: ratio
          })]);
        }
      }
      return stryMutAct_9fa48("655") ? [] : (stryCov_9fa48("655"), [stryMutAct_9fa48("656") ? {} : (stryCov_9fa48("656"), {
        name: stryMutAct_9fa48("657") ? "" : (stryCov_9fa48("657"), 'ELASTIC_APM_SERVER_URL'),
        value: b.serverUrl
      }), stryMutAct_9fa48("658") ? {} : (stryCov_9fa48("658"), {
        name: stryMutAct_9fa48("659") ? "" : (stryCov_9fa48("659"), 'ELASTIC_APM_SECRET_TOKEN'),
        secretKeyRef: b.secretToken
      }), stryMutAct_9fa48("660") ? {} : (stryCov_9fa48("660"), {
        name: stryMutAct_9fa48("661") ? "" : (stryCov_9fa48("661"), 'ELASTIC_APM_SERVICE_NAME'),
        value: service.name
      }), stryMutAct_9fa48("662") ? {} : (stryCov_9fa48("662"), {
        name: stryMutAct_9fa48("663") ? "" : (stryCov_9fa48("663"), 'ELASTIC_APM_SERVICE_VERSION'),
        value: service.version
      }), stryMutAct_9fa48("664") ? {} : (stryCov_9fa48("664"), {
        name: stryMutAct_9fa48("665") ? "" : (stryCov_9fa48("665"), 'ELASTIC_APM_ENVIRONMENT'),
        value: environment
      }), stryMutAct_9fa48("666") ? {} : (stryCov_9fa48("666"), {
        name: stryMutAct_9fa48("667") ? "" : (stryCov_9fa48("667"), 'ELASTIC_APM_TRANSACTION_SAMPLE_RATE'),
        value: ratio
      })]);
    }
  }
}