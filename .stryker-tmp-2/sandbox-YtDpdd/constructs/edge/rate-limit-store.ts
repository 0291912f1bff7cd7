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
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { requireProp } from '../core/validation';
import { restrictedContainerSecurityContext, restrictedPodSettings, TMP_MOUNT, TMP_VOLUME } from '../workload/pod-security';
export interface RateLimitStoreProps {
  /** Namespace of Envoy Gateway, where its rate limit service runs. */
  readonly namespace: string;
  /** Valkey image (pinned). */
  readonly image: string;
  /** Name of the Deployment and Service. @default "ratelimit-valkey" */
  readonly name?: string;
}

/** Valkey's port. */
const PORT = 6379;
/** The official image's valkey user. */
const RUN_AS = {
  user: 999,
  group: 999
} as const;
/** Labels of the rate limit pods Envoy Gateway creates (internal/infrastructure/kubernetes/ratelimit). */
const ENVOY_RATELIMIT_PODS: Labels = stryMutAct_9fa48("192") ? {} : (stryCov_9fa48("192"), {
  'app.kubernetes.io/name': stryMutAct_9fa48("193") ? "" : (stryCov_9fa48("193"), 'envoy-ratelimit'),
  'app.kubernetes.io/component': stryMutAct_9fa48("194") ? "" : (stryCov_9fa48("194"), 'ratelimit')
});
/** A counter per client and limit is a few hundred bytes: 96 MiB hold hundreds of thousands of clients. */
const RESOURCES = {
  requests: {
    cpu: '100m',
    memory: '128Mi'
  },
  limits: {
    cpu: '500m',
    memory: '128Mi'
  }
} as const;
/** What Valkey may fill before it evicts, below the memory limit to leave room for its own overhead. */
const MAXMEMORY = stryMutAct_9fa48("195") ? "" : (stryCov_9fa48("195"), '96mb');

/**
 * The store behind Envoy Gateway's global rate limits: one Valkey (Redis protocol) with no
 * persistence (counters live a minute; a restart forgets them, which errs on the side of the
 * client), restricted pod security, and a NetworkPolicy that admits only Envoy Gateway's rate
 * limit pods. Point Envoy Gateway at `url` (its `rateLimit.backend.redis.url`).
 */
export class RateLimitStore extends Construct {
  readonly serviceName: string;
  readonly port: number = PORT;
  /** `host:port` for Envoy Gateway's rate limit service (same namespace). */
  readonly url: string;
  readonly podSelector: Labels;
  constructor(scope: Construct, id: string, props: RateLimitStoreProps) {
    super(scope, id);
    const {
      namespace
    } = props;
    const name = stryMutAct_9fa48("196") ? props.name && 'ratelimit-valkey' : (stryCov_9fa48("196"), props.name ?? (stryMutAct_9fa48("197") ? "" : (stryCov_9fa48("197"), 'ratelimit-valkey')));
    requireProp(this, stryMutAct_9fa48("199") ? "" : (stryCov_9fa48("199"), 'name'), name, (stryMutAct_9fa48("206") ? /^[a-z]([-a-z0-9]{0,61}[^a-z0-9])?$/ : stryMutAct_9fa48("205") ? /^[a-z]([^-a-z0-9]{0,61}[a-z0-9])?$/ : stryMutAct_9fa48("204") ? /^[a-z]([-a-z0-9][a-z0-9])?$/ : stryMutAct_9fa48("203") ? /^[a-z]([-a-z0-9]{0,61}[a-z0-9])$/ : stryMutAct_9fa48("202") ? /^[^a-z]([-a-z0-9]{0,61}[a-z0-9])?$/ : stryMutAct_9fa48("201") ? /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?/ : stryMutAct_9fa48("200") ? /[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/ : (stryCov_9fa48("200", "201", "202", "203", "204", "205", "206"), /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/)).test(name), stryMutAct_9fa48("207") ? "" : (stryCov_9fa48("207"), 'must be a DNS-1035 label (a Service name): lowercase letters, digits and "-", starting with a letter'));
    const labels = componentLabels(name);
    this.podSelector = selectorLabels(name);
    this.serviceName = name;
    this.url = stryMutAct_9fa48("208") ? `` : (stryCov_9fa48("208"), `${name}.${namespace}.svc:${PORT}`);
    new DeploymentV1(this, stryMutAct_9fa48("209") ? "" : (stryCov_9fa48("209"), 'deployment'), stryMutAct_9fa48("210") ? {} : (stryCov_9fa48("210"), {
      metadata: stryMutAct_9fa48("211") ? {} : (stryCov_9fa48("211"), {
        name,
        namespace,
        labels: stryMutAct_9fa48("212") ? {} : (stryCov_9fa48("212"), {
          ...labels
        })
      }),
      spec: stryMutAct_9fa48("213") ? {} : (stryCov_9fa48("213"), {
        replicas: stryMutAct_9fa48("214") ? "" : (stryCov_9fa48("214"), '1'),
        // Two stores side by side would split the counters.
        strategy: stryMutAct_9fa48("215") ? {} : (stryCov_9fa48("215"), {
          type: stryMutAct_9fa48("216") ? "" : (stryCov_9fa48("216"), 'Recreate')
        }),
        selector: stryMutAct_9fa48("217") ? {} : (stryCov_9fa48("217"), {
          matchLabels: stryMutAct_9fa48("218") ? {} : (stryCov_9fa48("218"), {
            ...this.podSelector
          })
        }),
        template: stryMutAct_9fa48("219") ? {} : (stryCov_9fa48("219"), {
          metadata: stryMutAct_9fa48("220") ? {} : (stryCov_9fa48("220"), {
            labels: stryMutAct_9fa48("221") ? {} : (stryCov_9fa48("221"), {
              ...labels
            })
          }),
          spec: stryMutAct_9fa48("222") ? {} : (stryCov_9fa48("222"), {
            ...restrictedPodSettings(RUN_AS),
            container: stryMutAct_9fa48("223") ? [] : (stryCov_9fa48("223"), [stryMutAct_9fa48("224") ? {} : (stryCov_9fa48("224"), {
              name: stryMutAct_9fa48("225") ? "" : (stryCov_9fa48("225"), 'valkey'),
              image: props.image,
              imagePullPolicy: stryMutAct_9fa48("226") ? "" : (stryCov_9fa48("226"), 'IfNotPresent'),
              // Counters only: no snapshots, no append-only file; evict the keys closest to expiry when full.
              command: stryMutAct_9fa48("227") ? [] : (stryCov_9fa48("227"), [stryMutAct_9fa48("228") ? "" : (stryCov_9fa48("228"), 'valkey-server'), stryMutAct_9fa48("229") ? "" : (stryCov_9fa48("229"), '--port'), String(PORT), stryMutAct_9fa48("230") ? "" : (stryCov_9fa48("230"), '--bind'), stryMutAct_9fa48("231") ? "" : (stryCov_9fa48("231"), '*'), stryMutAct_9fa48("232") ? "" : (stryCov_9fa48("232"), '-::*'), stryMutAct_9fa48("233") ? "" : (stryCov_9fa48("233"), '--protected-mode'), stryMutAct_9fa48("234") ? "" : (stryCov_9fa48("234"), 'no'), stryMutAct_9fa48("235") ? "" : (stryCov_9fa48("235"), '--save'), stryMutAct_9fa48("236") ? "Stryker was here!" : (stryCov_9fa48("236"), ''), stryMutAct_9fa48("237") ? "" : (stryCov_9fa48("237"), '--appendonly'), stryMutAct_9fa48("238") ? "" : (stryCov_9fa48("238"), 'no'), stryMutAct_9fa48("239") ? "" : (stryCov_9fa48("239"), '--maxmemory'), MAXMEMORY, stryMutAct_9fa48("240") ? "" : (stryCov_9fa48("240"), '--maxmemory-policy'), stryMutAct_9fa48("241") ? "" : (stryCov_9fa48("241"), 'volatile-ttl'), stryMutAct_9fa48("242") ? "" : (stryCov_9fa48("242"), '--dir'), stryMutAct_9fa48("243") ? "" : (stryCov_9fa48("243"), '/tmp')]),
              port: stryMutAct_9fa48("244") ? [] : (stryCov_9fa48("244"), [stryMutAct_9fa48("245") ? {} : (stryCov_9fa48("245"), {
                name: stryMutAct_9fa48("246") ? "" : (stryCov_9fa48("246"), 'valkey'),
                containerPort: PORT
              })]),
              resources: stryMutAct_9fa48("247") ? {} : (stryCov_9fa48("247"), {
                requests: stryMutAct_9fa48("248") ? {} : (stryCov_9fa48("248"), {
                  ...RESOURCES.requests
                }),
                limits: stryMutAct_9fa48("249") ? {} : (stryCov_9fa48("249"), {
                  ...RESOURCES.limits
                })
              }),
              startupProbe: stryMutAct_9fa48("250") ? {} : (stryCov_9fa48("250"), {
                tcpSocket: stryMutAct_9fa48("251") ? [] : (stryCov_9fa48("251"), [stryMutAct_9fa48("252") ? {} : (stryCov_9fa48("252"), {
                  port: stryMutAct_9fa48("253") ? "" : (stryCov_9fa48("253"), 'valkey')
                })]),
                periodSeconds: 2,
                failureThreshold: 30
              }),
              readinessProbe: stryMutAct_9fa48("254") ? {} : (stryCov_9fa48("254"), {
                exec: stryMutAct_9fa48("255") ? {} : (stryCov_9fa48("255"), {
                  command: stryMutAct_9fa48("256") ? [] : (stryCov_9fa48("256"), [stryMutAct_9fa48("257") ? "" : (stryCov_9fa48("257"), 'valkey-cli'), stryMutAct_9fa48("258") ? "" : (stryCov_9fa48("258"), '-p'), String(PORT), stryMutAct_9fa48("259") ? "" : (stryCov_9fa48("259"), 'ping')])
                }),
                periodSeconds: 5,
                timeoutSeconds: 2
              }),
              livenessProbe: stryMutAct_9fa48("260") ? {} : (stryCov_9fa48("260"), {
                tcpSocket: stryMutAct_9fa48("261") ? [] : (stryCov_9fa48("261"), [stryMutAct_9fa48("262") ? {} : (stryCov_9fa48("262"), {
                  port: stryMutAct_9fa48("263") ? "" : (stryCov_9fa48("263"), 'valkey')
                })]),
                periodSeconds: 10,
                failureThreshold: 3
              }),
              securityContext: restrictedContainerSecurityContext(),
              volumeMount: stryMutAct_9fa48("264") ? [] : (stryCov_9fa48("264"), [TMP_MOUNT])
            })]),
            volume: stryMutAct_9fa48("265") ? [] : (stryCov_9fa48("265"), [TMP_VOLUME])
          })
        })
      })
    }));
    new ServiceV1(this, stryMutAct_9fa48("266") ? "" : (stryCov_9fa48("266"), 'service'), stryMutAct_9fa48("267") ? {} : (stryCov_9fa48("267"), {
      metadata: stryMutAct_9fa48("268") ? {} : (stryCov_9fa48("268"), {
        name,
        namespace,
        labels: stryMutAct_9fa48("269") ? {} : (stryCov_9fa48("269"), {
          ...labels
        })
      }),
      spec: stryMutAct_9fa48("270") ? {} : (stryCov_9fa48("270"), {
        type: stryMutAct_9fa48("271") ? "" : (stryCov_9fa48("271"), 'ClusterIP'),
        selector: stryMutAct_9fa48("272") ? {} : (stryCov_9fa48("272"), {
          ...this.podSelector
        }),
        port: stryMutAct_9fa48("273") ? [] : (stryCov_9fa48("273"), [stryMutAct_9fa48("274") ? {} : (stryCov_9fa48("274"), {
          name: stryMutAct_9fa48("275") ? "" : (stryCov_9fa48("275"), 'valkey'),
          port: PORT,
          targetPort: stryMutAct_9fa48("276") ? "" : (stryCov_9fa48("276"), 'valkey'),
          protocol: stryMutAct_9fa48("277") ? "" : (stryCov_9fa48("277"), 'TCP')
        })])
      })
    }));

    // Only the rate limit service talks to the store, and the store talks to no one.
    new NetworkPolicyV1(this, stryMutAct_9fa48("278") ? "" : (stryCov_9fa48("278"), 'network-policy'), stryMutAct_9fa48("279") ? {} : (stryCov_9fa48("279"), {
      metadata: stryMutAct_9fa48("280") ? {} : (stryCov_9fa48("280"), {
        name,
        namespace,
        labels: stryMutAct_9fa48("281") ? {} : (stryCov_9fa48("281"), {
          ...labels
        })
      }),
      spec: stryMutAct_9fa48("282") ? {} : (stryCov_9fa48("282"), {
        podSelector: stryMutAct_9fa48("283") ? {} : (stryCov_9fa48("283"), {
          matchLabels: stryMutAct_9fa48("284") ? {} : (stryCov_9fa48("284"), {
            ...this.podSelector
          })
        }),
        policyTypes: stryMutAct_9fa48("285") ? [] : (stryCov_9fa48("285"), [stryMutAct_9fa48("286") ? "" : (stryCov_9fa48("286"), 'Ingress'), stryMutAct_9fa48("287") ? "" : (stryCov_9fa48("287"), 'Egress')]),
        ingress: stryMutAct_9fa48("288") ? [] : (stryCov_9fa48("288"), [stryMutAct_9fa48("289") ? {} : (stryCov_9fa48("289"), {
          from: stryMutAct_9fa48("290") ? [] : (stryCov_9fa48("290"), [stryMutAct_9fa48("291") ? {} : (stryCov_9fa48("291"), {
            podSelector: stryMutAct_9fa48("292") ? {} : (stryCov_9fa48("292"), {
              matchLabels: stryMutAct_9fa48("293") ? {} : (stryCov_9fa48("293"), {
                ...ENVOY_RATELIMIT_PODS
              })
            })
          })]),
          ports: stryMutAct_9fa48("294") ? [] : (stryCov_9fa48("294"), [stryMutAct_9fa48("295") ? {} : (stryCov_9fa48("295"), {
            port: String(PORT),
            protocol: stryMutAct_9fa48("296") ? "" : (stryCov_9fa48("296"), 'TCP')
          })])
        })])
      })
    }));
  }
}