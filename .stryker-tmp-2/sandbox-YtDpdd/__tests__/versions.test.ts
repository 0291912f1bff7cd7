// @ts-nocheck
import { mismatches, MODULES, sameRelease, type Pins } from '../scripts/versions';

/** Pins that agree: the shape of tools/crds/go.mod and config/versions.json. */
const matching: Pins = {
  crdModules: {
    [MODULES.envoyGateway]: 'v1.9.1',
    [MODULES.gatewayApi]: 'v1.6.1',
    [MODULES.cloudnativePg]: 'v1.30.0',
    [MODULES.prometheusOperator]: 'v0.93.0',
  },
  charts: {
    envoyGateway: { version: 'v1.9.1' },
    cloudnativePg: { version: '0.29.0', appVersion: '1.30.0' },
    kubePrometheusStack: { version: '88.0.0', appVersion: 'v0.93.0' },
  },
  envoyGatewayApiBundles: ['v1.6.1', 'v1.6.1'],
};

const withModule = (path: string, version: string): Pins => ({ ...matching, crdModules: { ...matching.crdModules, [path]: version } });

describe('npm run versions: CRD modules against the deployed charts', () => {
  it('passes when every CRD module is the release its chart runs, with or without a leading v', () => {
    expect(mismatches(matching)).toEqual([]);
  });

  it('compares releases, not spellings', () => {
    expect(sameRelease('v1.30.0', '1.30.0')).toBe(true);
    expect(sameRelease('v1.30.0', 'v1.30.1')).toBe(false);
    expect(sameRelease('v1.3.0', 'v1.30.0')).toBe(false);
  });

  it('names both pins when the CloudNativePG module is not the chart appVersion', () => {
    expect(mismatches(withModule(MODULES.cloudnativePg, 'v1.29.0'))).toEqual([
      'tools/crds/go.mod requires github.com/cloudnative-pg/cloudnative-pg v1.29.0, but config/versions.json deploys the appVersion of the cloudnative-pg chart 0.29.0, which is 1.30.0',
    ]);
  });

  it('names both pins when the prometheus-operator module is not the kube-prometheus-stack appVersion', () => {
    const pins: Pins = { ...matching, charts: { ...matching.charts, kubePrometheusStack: { version: '89.0.0', appVersion: 'v0.94.0' } } };
    expect(mismatches(pins)).toEqual([
      'tools/crds/go.mod requires github.com/prometheus-operator/prometheus-operator v0.93.0, but config/versions.json deploys the appVersion (prometheus-operator) of the kube-prometheus-stack chart 89.0.0, which is v0.94.0',
    ]);
  });

  it('checks the Envoy Gateway module against the chart version, and Gateway API against the bundle that chart installs', () => {
    const pins: Pins = { ...matching, charts: { ...matching.charts, envoyGateway: { version: 'v1.9.3' } }, envoyGatewayApiBundles: ['v1.6.2'] };
    expect(mismatches(pins)).toEqual([
      'tools/crds/go.mod requires github.com/envoyproxy/gateway v1.9.1, but config/versions.json deploys the gateway-helm chart v1.9.3, which is v1.9.3',
      'tools/crds/go.mod requires sigs.k8s.io/gateway-api v1.6.1, but config/versions.json deploys the Gateway API bundle of the gateway-helm chart v1.9.3, which is v1.6.2',
    ]);
  });

  it('fails when a CRD module is missing from tools/crds/go.mod', () => {
    const { [MODULES.gatewayApi]: _dropped, ...rest } = matching.crdModules;
    expect(mismatches({ ...matching, crdModules: rest })).toEqual([
      'tools/crds/go.mod does not require sigs.k8s.io/gateway-api; config/versions.json deploys the Gateway API bundle of the gateway-helm chart v1.9.1 (v1.6.1)',
    ]);
  });
});
