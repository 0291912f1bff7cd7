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
import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { GatewaySpec } from '../core/crds';
import { componentLabels } from '../core/labels';
import { addDependency } from '../core/construct-dependencies';
import { INT32_MAX, UINT32_MAX, checkInteger, requireProp } from '../core/validation';
import { TrafficPolicy, type TrafficSettings } from './traffic-policy';

/** A Service the edge routes to. */
export interface RouteTarget {
  readonly serviceName: string;
  readonly port: number;
}

/** One path prefix of the edge's HTTPRoute and the Service it goes to. */
export interface EdgeRoute {
  readonly pathPrefix: string;
  readonly target: RouteTarget;
}
export type EnvoyServiceType = 'LoadBalancer' | 'ClusterIP' | 'NodePort';

/** The edge, and how Envoy treats the traffic to the backend and frontend ({@link TrafficSettings}). */
export interface EdgeGatewayProps extends TrafficSettings {
  /** Namespace of the Gateway, its routes and policies (the app namespace). */
  readonly namespace: string;
  /** Receives `/api` (and every rate-limited path under it). */
  readonly backend: RouteTarget;
  /** Receives everything else (`/`). */
  readonly frontend: RouteTarget;
  /** Kubernetes Service type of the Envoy proxies. @default "LoadBalancer" */
  readonly serviceType?: EnvoyServiceType;
  /** Hostnames the listeners and routes answer for. @default any host */
  readonly hostnames?: readonly string[];
  /** HTTPS on 443 with the certificate in this Secret (type kubernetes.io/tls), HTTP redirected to it. @default HTTP only */
  readonly tls?: {
    readonly certificateSecretName: string;
  };
  /** Envoy proxy replicas (a PodDisruptionBudget keeps one up from 2 on). @default 2 */
  readonly proxyReplicas?: number;
  /**
   * Proxies in front of Envoy that append the client's address to X-Forwarded-For (a CDN, an
   * L7 load balancer); Envoy takes the client address that many hops from the right of that
   * header. 0: clients connect directly (an L4 load balancer keeps their source address, with
   * `externalTrafficPolicy: Local`), and X-Forwarded-For is not trusted.
   * @default 0
   */
  readonly trustedProxies?: number;
  /**
   * Wait after apply until Envoy Gateway has given the Gateway an address, and read it back
   * ({@link EdgeGateway.address}); needs Envoy Gateway running. The wait needs a
   * `kubernetes_manifest`, so every plan of the stack then reads and converts the cluster's whole
   * OpenAPI document (about 1.5 s on a small cluster, README "Plan speed").
   * @default false
   */
  readonly waitForAddress?: boolean;
}
const GATEWAY_API = stryMutAct_9fa48("0") ? "" : (stryCov_9fa48("0"), 'gateway.networking.k8s.io/v1');
const ENVOY_GATEWAY_API = stryMutAct_9fa48("1") ? "" : (stryCov_9fa48("1"), 'gateway.envoyproxy.io/v1alpha1');
/** The controller name Envoy Gateway answers to. */
const ENVOY_GATEWAY_CONTROLLER = stryMutAct_9fa48("2") ? "" : (stryCov_9fa48("2"), 'gateway.envoyproxy.io/gatewayclass-controller');
/** Gateway API's cap on hostnames per listener route. */
const MAX_HOSTNAMES = 16;
const HOSTNAME = stryMutAct_9fa48("16") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[^a-z0-9])?)*$/ : stryMutAct_9fa48("15") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([^-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("14") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9][a-z0-9])?)*$/ : stryMutAct_9fa48("13") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9]))*$/ : stryMutAct_9fa48("12") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[^a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("11") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/ : stryMutAct_9fa48("10") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[^a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("9") ? /^(\*\.)?[a-z0-9]([^-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("8") ? /^(\*\.)?[a-z0-9]([-a-z0-9][a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("7") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("6") ? /^(\*\.)?[^a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("5") ? /^(\*\.)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : stryMutAct_9fa48("4") ? /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/ : stryMutAct_9fa48("3") ? /(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/ : (stryCov_9fa48("3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"), /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);

/**
 * The edge load balancer on Gateway API, implemented by Envoy Gateway: a GatewayClass, an
 * EnvoyProxy that shapes the Envoy Deployment and Service, a Gateway with an HTTP (and optional
 * HTTPS) listener, one HTTPRoute that sends `/api` to the backend and `/` to the frontend, the
 * BackendTrafficPolicy that balances, times out, ejects failing pods and rate-limits it, and
 * (behind trusted proxies) a ClientTrafficPolicy that finds the client address.
 */
export class EdgeGateway extends Construct {
  readonly gatewayName: string;
  /**
   * The address Envoy Gateway wrote to the Gateway's status, read after the wait; undefined
   * unless `waitForAddress`. Read without the wait it would be "pending" at apply and change at
   * the next plan.
   */
  readonly address?: string;
  readonly proxyReplicas: number;
  /** The route's path prefixes, longest first (the longest matching prefix wins). */
  readonly routes: readonly EdgeRoute[];
  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    if (stryMutAct_9fa48("17")) {
      {}
    } else {
      stryCov_9fa48("17");
      super(scope, id);
      const {
        namespace,
        backend,
        frontend,
        serviceType = stryMutAct_9fa48("18") ? "" : (stryCov_9fa48("18"), 'LoadBalancer'),
        hostnames = stryMutAct_9fa48("19") ? ["Stryker was here"] : (stryCov_9fa48("19"), []),
        tls,
        proxyReplicas = 2,
        trustedProxies = 0,
        waitForAddress = stryMutAct_9fa48("20") ? true : (stryCov_9fa48("20"), false),
        ...traffic
      } = props;
      this.proxyReplicas = proxyReplicas;
      checkInteger(this, stryMutAct_9fa48("22") ? "" : (stryCov_9fa48("22"), 'proxyReplicas'), this.proxyReplicas, 1, INT32_MAX);
      checkInteger(this, stryMutAct_9fa48("24") ? "" : (stryCov_9fa48("24"), 'trustedProxies'), trustedProxies, 0, UINT32_MAX);
      requireProp(this, stryMutAct_9fa48("26") ? "" : (stryCov_9fa48("26"), 'hostnames'), hostnames.length, stryMutAct_9fa48("30") ? hostnames.length > MAX_HOSTNAMES : stryMutAct_9fa48("29") ? hostnames.length < MAX_HOSTNAMES : stryMutAct_9fa48("28") ? false : stryMutAct_9fa48("27") ? true : (stryCov_9fa48("27", "28", "29", "30"), hostnames.length <= MAX_HOSTNAMES), stryMutAct_9fa48("31") ? `` : (stryCov_9fa48("31"), `must list at most ${MAX_HOSTNAMES} hostnames`));
      hostnames.forEach(stryMutAct_9fa48("33") ? () => undefined : (stryCov_9fa48("33"), (h, i) => requireProp(this, stryMutAct_9fa48("34") ? `` : (stryCov_9fa48("34"), `hostnames[${i}]`), h, stryMutAct_9fa48("37") ? h.length <= 253 || HOSTNAME.test(h) : stryMutAct_9fa48("36") ? false : stryMutAct_9fa48("35") ? true : (stryCov_9fa48("35", "36", "37"), (stryMutAct_9fa48("40") ? h.length > 253 : stryMutAct_9fa48("39") ? h.length < 253 : stryMutAct_9fa48("38") ? true : (stryCov_9fa48("38", "39", "40"), h.length <= 253)) && HOSTNAME.test(h)), stryMutAct_9fa48("41") ? "" : (stryCov_9fa48("41"), 'must be a DNS hostname (lowercase DNS-1123 labels, optionally starting with "*.")'))));
      checkInteger(this, stryMutAct_9fa48("43") ? "" : (stryCov_9fa48("43"), 'backend.port'), backend.port, 1, 65535);
      checkInteger(this, stryMutAct_9fa48("45") ? "" : (stryCov_9fa48("45"), 'frontend.port'), frontend.port, 1, 65535);
      const labels = componentLabels(stryMutAct_9fa48("46") ? "" : (stryCov_9fa48("46"), 'edge'));
      this.gatewayName = stryMutAct_9fa48("47") ? "" : (stryCov_9fa48("47"), 'edge');
      this.routes = stryMutAct_9fa48("48") ? [] : (stryCov_9fa48("48"), [stryMutAct_9fa48("49") ? {} : (stryCov_9fa48("49"), {
        pathPrefix: stryMutAct_9fa48("50") ? "" : (stryCov_9fa48("50"), '/api'),
        target: backend
      }), stryMutAct_9fa48("51") ? {} : (stryCov_9fa48("51"), {
        pathPrefix: stryMutAct_9fa48("52") ? "" : (stryCov_9fa48("52"), '/'),
        target: frontend
      })]);
      // GatewayClasses are cluster-scoped: the namespace keeps environments sharing a cluster apart.
      const className = stryMutAct_9fa48("53") ? `` : (stryCov_9fa48("53"), `${namespace}-envoy`);
      const proxyName = stryMutAct_9fa48("54") ? "" : (stryCov_9fa48("54"), 'edge-proxy');

      // Clients connecting directly: Local keeps their source address. Behind trusted proxies the
      // address comes from X-Forwarded-For, so the Service may spread over every node.
      const externalTrafficPolicy = (stryMutAct_9fa48("57") ? serviceType !== 'ClusterIP' : stryMutAct_9fa48("56") ? false : stryMutAct_9fa48("55") ? true : (stryCov_9fa48("55", "56", "57"), serviceType === (stryMutAct_9fa48("58") ? "" : (stryCov_9fa48("58"), 'ClusterIP')))) ? {} : stryMutAct_9fa48("59") ? {} : (stryCov_9fa48("59"), {
        externalTrafficPolicy: (stryMutAct_9fa48("62") ? trustedProxies !== 0 : stryMutAct_9fa48("61") ? false : stryMutAct_9fa48("60") ? true : (stryCov_9fa48("60", "61", "62"), trustedProxies === 0)) ? 'Local' as const : 'Cluster' as const
      });
      const proxy = new CustomResource(this, stryMutAct_9fa48("63") ? "" : (stryCov_9fa48("63"), 'envoy-proxy'), stryMutAct_9fa48("64") ? {} : (stryCov_9fa48("64"), {
        apiVersion: ENVOY_GATEWAY_API,
        kind: stryMutAct_9fa48("65") ? "" : (stryCov_9fa48("65"), 'EnvoyProxy'),
        name: proxyName,
        namespace,
        labels,
        spec: stryMutAct_9fa48("66") ? {} : (stryCov_9fa48("66"), {
          provider: stryMutAct_9fa48("67") ? {} : (stryCov_9fa48("67"), {
            type: stryMutAct_9fa48("68") ? "" : (stryCov_9fa48("68"), 'Kubernetes'),
            kubernetes: stryMutAct_9fa48("69") ? {} : (stryCov_9fa48("69"), {
              envoyService: stryMutAct_9fa48("70") ? {} : (stryCov_9fa48("70"), {
                type: serviceType,
                ...externalTrafficPolicy
              }),
              envoyDeployment: stryMutAct_9fa48("71") ? {} : (stryCov_9fa48("71"), {
                replicas: this.proxyReplicas
              }),
              ...((stryMutAct_9fa48("75") ? this.proxyReplicas <= 1 : stryMutAct_9fa48("74") ? this.proxyReplicas >= 1 : stryMutAct_9fa48("73") ? false : stryMutAct_9fa48("72") ? true : (stryCov_9fa48("72", "73", "74", "75"), this.proxyReplicas > 1)) ? stryMutAct_9fa48("76") ? {} : (stryCov_9fa48("76"), {
                envoyPDB: stryMutAct_9fa48("77") ? {} : (stryCov_9fa48("77"), {
                  minAvailable: 1
                })
              }) : {})
            })
          })
        })
      }));
      const gatewayClass = new CustomResource(this, stryMutAct_9fa48("78") ? "" : (stryCov_9fa48("78"), 'gateway-class'), stryMutAct_9fa48("79") ? {} : (stryCov_9fa48("79"), {
        apiVersion: GATEWAY_API,
        kind: stryMutAct_9fa48("80") ? "" : (stryCov_9fa48("80"), 'GatewayClass'),
        name: className,
        labels,
        spec: stryMutAct_9fa48("81") ? {} : (stryCov_9fa48("81"), {
          controllerName: ENVOY_GATEWAY_CONTROLLER
        })
      }));
      const listeners: GatewaySpec['listeners'] = stryMutAct_9fa48("82") ? [] : (stryCov_9fa48("82"), [stryMutAct_9fa48("83") ? {} : (stryCov_9fa48("83"), {
        name: stryMutAct_9fa48("84") ? "" : (stryCov_9fa48("84"), 'http'),
        protocol: stryMutAct_9fa48("85") ? "" : (stryCov_9fa48("85"), 'HTTP'),
        port: 80,
        allowedRoutes: stryMutAct_9fa48("86") ? {} : (stryCov_9fa48("86"), {
          namespaces: stryMutAct_9fa48("87") ? {} : (stryCov_9fa48("87"), {
            from: stryMutAct_9fa48("88") ? "" : (stryCov_9fa48("88"), 'Same')
          })
        })
      })]);
      if (stryMutAct_9fa48("90") ? false : stryMutAct_9fa48("89") ? true : (stryCov_9fa48("89", "90"), tls)) {
        if (stryMutAct_9fa48("91")) {
          {}
        } else {
          stryCov_9fa48("91");
          listeners.push(stryMutAct_9fa48("93") ? {} : (stryCov_9fa48("93"), {
            name: stryMutAct_9fa48("94") ? "" : (stryCov_9fa48("94"), 'https'),
            protocol: stryMutAct_9fa48("95") ? "" : (stryCov_9fa48("95"), 'HTTPS'),
            port: 443,
            tls: stryMutAct_9fa48("96") ? {} : (stryCov_9fa48("96"), {
              mode: stryMutAct_9fa48("97") ? "" : (stryCov_9fa48("97"), 'Terminate'),
              certificateRefs: stryMutAct_9fa48("98") ? [] : (stryCov_9fa48("98"), [stryMutAct_9fa48("99") ? {} : (stryCov_9fa48("99"), {
                kind: stryMutAct_9fa48("100") ? "" : (stryCov_9fa48("100"), 'Secret'),
                name: tls.certificateSecretName
              })])
            }),
            allowedRoutes: stryMutAct_9fa48("101") ? {} : (stryCov_9fa48("101"), {
              namespaces: stryMutAct_9fa48("102") ? {} : (stryCov_9fa48("102"), {
                from: stryMutAct_9fa48("103") ? "" : (stryCov_9fa48("103"), 'Same')
              })
            })
          }));
        }
      }
      const gateway = new CustomResource(this, stryMutAct_9fa48("104") ? "" : (stryCov_9fa48("104"), 'gateway'), stryMutAct_9fa48("105") ? {} : (stryCov_9fa48("105"), {
        apiVersion: GATEWAY_API,
        kind: stryMutAct_9fa48("106") ? "" : (stryCov_9fa48("106"), 'Gateway'),
        name: this.gatewayName,
        namespace,
        labels,
        spec: stryMutAct_9fa48("107") ? {} : (stryCov_9fa48("107"), {
          gatewayClassName: className,
          infrastructure: stryMutAct_9fa48("108") ? {} : (stryCov_9fa48("108"), {
            parametersRef: stryMutAct_9fa48("109") ? {} : (stryCov_9fa48("109"), {
              group: stryMutAct_9fa48("110") ? "" : (stryCov_9fa48("110"), 'gateway.envoyproxy.io'),
              kind: stryMutAct_9fa48("111") ? "" : (stryCov_9fa48("111"), 'EnvoyProxy'),
              name: proxyName
            })
          }),
          listeners
        }),
        ...(waitForAddress ? stryMutAct_9fa48("112") ? {} : (stryCov_9fa48("112"), {
          waitForFields: stryMutAct_9fa48("113") ? {} : (stryCov_9fa48("113"), {
            'status.addresses[0].value': stryMutAct_9fa48("114") ? "" : (stryCov_9fa48("114"), '^.+$')
          })
        }) : {})
      }));
      if (stryMutAct_9fa48("115")) {
        ;
      } else {
        stryCov_9fa48("115");
        addDependency(gateway, gatewayClass, proxy);
      }
      if (stryMutAct_9fa48("117") ? false : stryMutAct_9fa48("116") ? true : (stryCov_9fa48("116", "117"), waitForAddress)) {
        if (stryMutAct_9fa48("118")) {
          {}
        } else {
          stryCov_9fa48("118");
          const status = new DataKubernetesResource(this, stryMutAct_9fa48("119") ? "" : (stryCov_9fa48("119"), 'gateway-status'), stryMutAct_9fa48("120") ? {} : (stryCov_9fa48("120"), {
            apiVersion: GATEWAY_API,
            kind: stryMutAct_9fa48("121") ? "" : (stryCov_9fa48("121"), 'Gateway'),
            metadata: stryMutAct_9fa48("122") ? {} : (stryCov_9fa48("122"), {
              name: this.gatewayName,
              namespace
            }),
            dependsOn: stryMutAct_9fa48("123") ? [] : (stryCov_9fa48("123"), [gateway.resource])
          }));
          this.address = Fn.try(stryMutAct_9fa48("124") ? [] : (stryCov_9fa48("124"), [Fn.lookupNested(status.object, stryMutAct_9fa48("125") ? [] : (stryCov_9fa48("125"), [stryMutAct_9fa48("126") ? "" : (stryCov_9fa48("126"), 'status'), stryMutAct_9fa48("127") ? "" : (stryCov_9fa48("127"), 'addresses'), 0, stryMutAct_9fa48("128") ? "" : (stryCov_9fa48("128"), 'value')])), stryMutAct_9fa48("129") ? "" : (stryCov_9fa48("129"), 'pending')]));
        }
      }
      const hostnameSpec = (stryMutAct_9fa48("133") ? hostnames.length <= 0 : stryMutAct_9fa48("132") ? hostnames.length >= 0 : stryMutAct_9fa48("131") ? false : stryMutAct_9fa48("130") ? true : (stryCov_9fa48("130", "131", "132", "133"), hostnames.length > 0)) ? stryMutAct_9fa48("134") ? {} : (stryCov_9fa48("134"), {
        hostnames: stryMutAct_9fa48("135") ? [] : (stryCov_9fa48("135"), [...hostnames])
      }) : {};
      const routeName = stryMutAct_9fa48("136") ? "" : (stryCov_9fa48("136"), 'web');
      const route = new CustomResource(this, stryMutAct_9fa48("137") ? "" : (stryCov_9fa48("137"), 'route'), stryMutAct_9fa48("138") ? {} : (stryCov_9fa48("138"), {
        apiVersion: GATEWAY_API,
        kind: stryMutAct_9fa48("139") ? "" : (stryCov_9fa48("139"), 'HTTPRoute'),
        name: routeName,
        namespace,
        labels,
        spec: stryMutAct_9fa48("140") ? {} : (stryCov_9fa48("140"), {
          parentRefs: stryMutAct_9fa48("141") ? [] : (stryCov_9fa48("141"), [stryMutAct_9fa48("142") ? {} : (stryCov_9fa48("142"), {
            name: this.gatewayName,
            sectionName: tls ? stryMutAct_9fa48("143") ? "" : (stryCov_9fa48("143"), 'https') : stryMutAct_9fa48("144") ? "" : (stryCov_9fa48("144"), 'http')
          })]),
          ...hostnameSpec,
          rules: this.routes.map(stryMutAct_9fa48("145") ? () => undefined : (stryCov_9fa48("145"), r => stryMutAct_9fa48("146") ? {} : (stryCov_9fa48("146"), {
            matches: stryMutAct_9fa48("147") ? [] : (stryCov_9fa48("147"), [stryMutAct_9fa48("148") ? {} : (stryCov_9fa48("148"), {
              path: stryMutAct_9fa48("149") ? {} : (stryCov_9fa48("149"), {
                type: stryMutAct_9fa48("150") ? "" : (stryCov_9fa48("150"), 'PathPrefix'),
                value: r.pathPrefix
              })
            })]),
            backendRefs: stryMutAct_9fa48("151") ? [] : (stryCov_9fa48("151"), [stryMutAct_9fa48("152") ? {} : (stryCov_9fa48("152"), {
              name: r.target.serviceName,
              port: r.target.port
            })])
          })))
        })
      }));
      if (stryMutAct_9fa48("153")) {
        ;
      } else {
        stryCov_9fa48("153");
        addDependency(route, gateway);
      }
      if (stryMutAct_9fa48("155") ? false : stryMutAct_9fa48("154") ? true : (stryCov_9fa48("154", "155"), tls)) {
        if (stryMutAct_9fa48("156")) {
          {}
        } else {
          stryCov_9fa48("156");
          const redirect = new CustomResource(this, stryMutAct_9fa48("157") ? "" : (stryCov_9fa48("157"), 'https-redirect'), stryMutAct_9fa48("158") ? {} : (stryCov_9fa48("158"), {
            apiVersion: GATEWAY_API,
            kind: stryMutAct_9fa48("159") ? "" : (stryCov_9fa48("159"), 'HTTPRoute'),
            name: stryMutAct_9fa48("160") ? "" : (stryCov_9fa48("160"), 'https-redirect'),
            namespace,
            labels,
            spec: stryMutAct_9fa48("161") ? {} : (stryCov_9fa48("161"), {
              parentRefs: stryMutAct_9fa48("162") ? [] : (stryCov_9fa48("162"), [stryMutAct_9fa48("163") ? {} : (stryCov_9fa48("163"), {
                name: this.gatewayName,
                sectionName: stryMutAct_9fa48("164") ? "" : (stryCov_9fa48("164"), 'http')
              })]),
              ...hostnameSpec,
              rules: stryMutAct_9fa48("165") ? [] : (stryCov_9fa48("165"), [stryMutAct_9fa48("166") ? {} : (stryCov_9fa48("166"), {
                filters: stryMutAct_9fa48("167") ? [] : (stryCov_9fa48("167"), [stryMutAct_9fa48("168") ? {} : (stryCov_9fa48("168"), {
                  type: stryMutAct_9fa48("169") ? "" : (stryCov_9fa48("169"), 'RequestRedirect'),
                  requestRedirect: stryMutAct_9fa48("170") ? {} : (stryCov_9fa48("170"), {
                    scheme: stryMutAct_9fa48("171") ? "" : (stryCov_9fa48("171"), 'https'),
                    statusCode: 301
                  })
                })])
              })])
            })
          }));
          if (stryMutAct_9fa48("172")) {
            ;
          } else {
            stryCov_9fa48("172");
            addDependency(redirect, gateway);
          }
        }
      }
      if (stryMutAct_9fa48("176") ? trustedProxies <= 0 : stryMutAct_9fa48("175") ? trustedProxies >= 0 : stryMutAct_9fa48("174") ? false : stryMutAct_9fa48("173") ? true : (stryCov_9fa48("173", "174", "175", "176"), trustedProxies > 0)) {
        if (stryMutAct_9fa48("177")) {
          {}
        } else {
          stryCov_9fa48("177");
          const clientPolicy = new CustomResource(this, stryMutAct_9fa48("178") ? "" : (stryCov_9fa48("178"), 'client-address'), stryMutAct_9fa48("179") ? {} : (stryCov_9fa48("179"), {
            apiVersion: ENVOY_GATEWAY_API,
            kind: stryMutAct_9fa48("180") ? "" : (stryCov_9fa48("180"), 'ClientTrafficPolicy'),
            name: this.gatewayName,
            namespace,
            labels,
            spec: stryMutAct_9fa48("181") ? {} : (stryCov_9fa48("181"), {
              targetRefs: stryMutAct_9fa48("182") ? [] : (stryCov_9fa48("182"), [stryMutAct_9fa48("183") ? {} : (stryCov_9fa48("183"), {
                group: stryMutAct_9fa48("184") ? "" : (stryCov_9fa48("184"), 'gateway.networking.k8s.io'),
                kind: stryMutAct_9fa48("185") ? "" : (stryCov_9fa48("185"), 'Gateway'),
                name: this.gatewayName
              })]),
              clientIPDetection: stryMutAct_9fa48("186") ? {} : (stryCov_9fa48("186"), {
                xForwardedFor: stryMutAct_9fa48("187") ? {} : (stryCov_9fa48("187"), {
                  numTrustedHops: trustedProxies
                })
              })
            })
          }));
          if (stryMutAct_9fa48("188")) {
            ;
          } else {
            stryCov_9fa48("188");
            addDependency(clientPolicy, gateway);
          }
        }
      }
      const policy = new TrafficPolicy(this, stryMutAct_9fa48("189") ? "" : (stryCov_9fa48("189"), 'traffic-policy'), stryMutAct_9fa48("190") ? {} : (stryCov_9fa48("190"), {
        ...traffic,
        namespace,
        routeName,
        labels
      }));
      if (stryMutAct_9fa48("191")) {
        ;
      } else {
        stryCov_9fa48("191");
        addDependency(policy, route);
      }
    }
  }
}