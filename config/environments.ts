/**
 * The three environments. Only what differs from the schema's defaults is written here;
 * prod follows the scaling guide's numbers.
 */
import type { EnvironmentInput } from './schema';

const BACKEND_IMAGE = 'ghcr.io/example/web-backend:1.0.0';
const FRONTEND_IMAGE = 'ghcr.io/example/web-frontend:1.0.0';

export const dev: EnvironmentInput = {
  name: 'dev',
  cluster: { context: 'kind-dev' },
  namespace: {
    name: 'web-dev',
    quota: {
      requestsCpu: '8',
      requestsMemory: '16Gi',
      limitsCpu: '16',
      limitsMemory: '32Gi',
      requestsStorage: '50Gi',
    },
  },
  backend: {
    image: BACKEND_IMAGE,
    replicas: { min: 1, max: 3 },
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    metricsPort: 9090,
    env: { LOG_LEVEL: 'debug' },
  },
  frontend: {
    image: FRONTEND_IMAGE,
    replicas: { min: 1, max: 2 },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    healthPath: '/',
  },
  // Local clusters (kind, minikube) rarely have a load balancer: reach Envoy by port-forward.
  // Envoy Gateway still gives the Gateway the ClusterIP as its address, so deploy waits for it.
  edge: { serviceType: 'ClusterIP', proxyReplicas: 1 },
  database: {
    readReplicas: 1,
    storage: { size: '5Gi' },
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    maxConnections: 100,
    poolers: {
      rw: { instances: 1, defaultPoolSize: 20, maxClientConnections: 200 },
      ro: { instances: 1, defaultPoolSize: 20, maxClientConnections: 200 },
    },
  },
  cache: {
    instances: 1,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    auth: { secretName: 'cache-auth' },
  },
  monitoring: {
    retention: '2d',
    storage: { size: '5Gi' },
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
  },
};

export const staging: EnvironmentInput = {
  name: 'staging',
  cluster: { context: 'staging' },
  namespace: {
    name: 'web-staging',
    quota: {
      requestsCpu: '24',
      requestsMemory: '48Gi',
      limitsCpu: '48',
      limitsMemory: '96Gi',
      requestsStorage: '200Gi',
    },
  },
  backend: {
    image: BACKEND_IMAGE,
    replicas: { min: 2, max: 8 },
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    metricsPort: 9090,
    disruptionBudget: { minAvailable: 1 },
    env: { LOG_LEVEL: 'info' },
  },
  frontend: {
    image: FRONTEND_IMAGE,
    replicas: { min: 2, max: 4 },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    healthPath: '/',
    disruptionBudget: { minAvailable: 1 },
  },
  // Staging's deploy waits for the Gateway's address and outputs it, at a slower plan (edge.waitForAddress).
  edge: { hostnames: ['staging.example.com'], waitForAddress: true },
  database: {
    readReplicas: 1,
    storage: { size: '20Gi' },
    resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    maxConnections: 200,
    poolers: {
      rw: { instances: 2, defaultPoolSize: 40, maxClientConnections: 400 },
      ro: { instances: 2, defaultPoolSize: 40, maxClientConnections: 400 },
    },
  },
  cache: {
    instances: 2,
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } },
    disruptionBudget: { minAvailable: 1 },
    auth: { secretName: 'cache-auth' },
  },
  monitoring: {
    retention: '7d',
    storage: { size: '20Gi' },
    resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '4Gi' } },
  },
};

export const prod: EnvironmentInput = {
  name: 'prod',
  cluster: { context: 'prod' },
  // List prices of a typical cloud's general-purpose nodes and SSD volumes: an estimate, not a bill.
  prices: { currency: 'USD', vcpuHour: 0.0336, memoryGibHour: 0.0045, storageGibMonth: 0.1 },
  namespace: {
    name: 'web-prod',
    quota: {
      requestsCpu: '40',
      requestsMemory: '96Gi',
      limitsCpu: '80',
      limitsMemory: '160Gi',
      requestsStorage: '500Gi',
    },
  },
  backend: {
    image: BACKEND_IMAGE,
    replicas: { min: 5, max: 20 },
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    metricsPort: 9090,
    zoneSpread: 'required',
    disruptionBudget: { minAvailable: 4 },
    env: { LOG_LEVEL: 'info' },
  },
  frontend: {
    image: FRONTEND_IMAGE,
    replicas: { min: 2, max: 6 },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    healthPath: '/',
    zoneSpread: 'required',
    disruptionBudget: { minAvailable: 1 },
  },
  // Three proxies: global rate limits keep the guide's 10/min per client exact across them.
  edge: { hostnames: ['www.example.com'], tls: { certificateSecretName: 'www-example-com-tls' }, proxyReplicas: 3, rateLimitScope: 'global' },
  database: {
    readReplicas: 2,
    storage: { size: '100Gi' },
    resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
    maxConnections: 400,
    parameters: { shared_buffers: '2GB', effective_cache_size: '6GB' },
    poolers: {
      rw: { instances: 2, defaultPoolSize: 90, maxClientConnections: 1000 },
      ro: { instances: 2, defaultPoolSize: 90, maxClientConnections: 1000 },
    },
  },
  cache: {
    instances: 2,
    resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    disruptionBudget: { minAvailable: 1 },
    auth: { secretName: 'cache-auth' },
  },
  monitoring: {
    retention: '15d',
    storage: { size: '50Gi' },
    resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '8Gi' } },
    alertWebhook: { secretName: 'alertmanager-webhook', key: 'url' },
    // The guide's targets as objectives over 30 days: 99.9 % of responses not 5xx (43 min of
    // errors a month), and 99 % of requests within the 1 s its p99 latency target allows.
    // The backend's histogram must have a bucket at le="1" (README "Monitoring").
    slos: {
      windowDays: 30,
      availability: { objectivePercent: 99.9 },
      latency: { objectivePercent: 99, thresholdSeconds: 1 },
    },
  },
};

/** Every environment, in deploy-promotion order; `dev` is the default. */
export const environments: readonly EnvironmentInput[] = [dev, staging, prod];
