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

/** The defaults of {@link TracingEndpointProps} and {@link OpenTelemetryTracing}. */
export const TRACING_DEFAULTS = { samplingRatio: 0.1, protocol: 'http/protobuf' } as const;
/** The rule of a peer outside the cluster: it needs an address. */
export const PEER_CIDRS_RULE = 'must list at least one CIDR';
/** What {@link TracingEndpointProps.samplingRatio} counts, for its rule. */
export const SAMPLING_RATIO_NOUN = 'a share of traces';
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

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
    super(scope, id);
    const b = props.backend;
    const [urlProp, url] = b.kind === 'opentelemetry' ? ['backend.endpoint', b.endpoint] : ['backend.serverUrl', b.serverUrl];
    const credentials = () => {
      // Never echo it: the value holds a credential.
      throw new Error(`${this.node.path}: '${urlProp}' must not carry credentials; put them in a Secret (headers or secretToken)`);
    };
    // Credentials in a URL always come before an "@". Refused before parsing: a password with an
    // unencoded "/" or ":" makes the URL unparsable, and the refusal of an unparsable URL would print it.
    if (url.includes('@')) credentials();
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      invalidProp(this, urlProp, url, 'must be an absolute http:// or https:// URL');
    }
    // http(s) URLs always have a host (the URL parser refuses them without one).
    if (DEFAULT_PORTS[parsed.protocol] === undefined) {
      invalidProp(this, urlProp, url, 'must be an absolute http:// or https:// URL');
    }
    this.samplingRatio = props.samplingRatio ?? TRACING_DEFAULTS.samplingRatio;
    checkRange(this, 'samplingRatio', this.samplingRatio, 0, 1, true, SAMPLING_RATIO_NOUN);
    if ('cidrs' in props.peer && props.peer.cidrs.length === 0) invalidProp(this, 'peer.cidrs', [], PEER_CIDRS_RULE);
    this.port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
    this.peer = { name: 'tracing', selector: props.peer };
    this.kind = b.kind;
    this.backend = b;
    this.environment = props.environment;
  }

  /** The variables that send `service`'s traces here, tagged with its name, environment and version. */
  envFor(service: TracedService): EnvVar[] {
    const { backend: b, environment } = this;
    const ratio = String(this.samplingRatio);
    if (b.kind === 'opentelemetry') {
      return [
        { name: 'OTEL_SERVICE_NAME', value: service.name },
        { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `deployment.environment.name=${environment},service.version=${service.version}` },
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: b.endpoint },
        { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: b.protocol ?? TRACING_DEFAULTS.protocol },
        ...(b.headers ? [{ name: 'OTEL_EXPORTER_OTLP_HEADERS', secretKeyRef: b.headers }] : []),
        { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
        { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
        { name: 'OTEL_TRACES_SAMPLER_ARG', value: ratio },
      ];
    }
    return [
      { name: 'ELASTIC_APM_SERVER_URL', value: b.serverUrl },
      { name: 'ELASTIC_APM_SECRET_TOKEN', secretKeyRef: b.secretToken },
      { name: 'ELASTIC_APM_SERVICE_NAME', value: service.name },
      { name: 'ELASTIC_APM_SERVICE_VERSION', value: service.version },
      { name: 'ELASTIC_APM_ENVIRONMENT', value: environment },
      { name: 'ELASTIC_APM_TRANSACTION_SAMPLE_RATE', value: ratio },
    ];
  }
}
