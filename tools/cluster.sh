#!/usr/bin/env bash
# A throwaway Kubernetes control plane for the end-to-end test: real etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler (built by tools/build.sh from pinned Go
# modules) with kwok simulating the nodes and the pods' lifecycle. No containers run.
#
#   tools/cluster.sh up       build if needed, start, add nodes, install the CRDs, wait
#   tools/cluster.sh down     stop every process of the cluster and remove its directory;
#                             idempotent, safe after a failed or partial `up`
#   tools/cluster.sh env      print the KUBECONFIG (and KUBECACHEDIR) export line:
#                             eval "$(tools/cluster.sh env)"
#   tools/cluster.sh status   exit 0 when the cluster answers
#
# Everything lives in CLUSTER_DIR (default ${TMPDIR:-/tmp}/web-topology-cluster): the
# kubeconfig, kwok's work dir (KWOK_WORKDIR), the logs and kubectl's discovery cache; no
# cluster state goes to $HOME (only the binaries, in the tools cache of tools/build.sh),
# and every port is bound to 127.0.0.1. Use a distinct CLUSTER_DIR per concurrent run.
#   CLUSTER_NODES   fake nodes, spread round-robin over zone-a/b/c (default 3): kwok-a1,
#                   kwok-b1, kwok-c1, kwok-a2, ... labelled topology.kubernetes.io/zone
#   E2E_KUBERNETES  newest (default) or oldest: the Kubernetes release of the control plane,
#                   the newest or oldest one every pinned chart supports (tools/build.sh)
#   E2E_NODES       kwok (default) or real: instead of kwok's nodes, one real node that runs the
#                   pods (tools/real-node.sh); the control plane then binds to the host's end of the
#                   node's link instead of 127.0.0.1, and kwok's controller is not started
# The kubeconfig's context is always "web-topology-e2e".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-${TMPDIR:-/tmp}/web-topology-cluster}
CLUSTER_NODES=${CLUSTER_NODES:-3}
E2E_NODES=${E2E_NODES:-kwok}
case "$E2E_NODES" in
  kwok|real) ;;
  *) echo "tools/cluster.sh: E2E_NODES must be kwok or real, not '$E2E_NODES'" >&2; exit 2 ;;
esac
# The real nodes' kubelet is built from tools/kube only: never newer than the API server.
if [[ $E2E_NODES == real && ${E2E_KUBERNETES:-newest} != newest ]]; then
  echo "tools/cluster.sh: E2E_NODES=real runs the newest release only (kubelet from tools/kube), not E2E_KUBERNETES=$E2E_KUBERNETES" >&2
  exit 2
fi
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
bin="$TOOLS_CACHE/bin"
kubeconfig="$CLUSTER_DIR/kubeconfig"
marker="$CLUSTER_DIR/.web-topology-cluster"
export KWOK_WORKDIR="$CLUSTER_DIR/kwok"
zones=(zone-a zone-b zone-c)
context=web-topology-e2e

log() { echo "cluster: $*" >&2; }
kc() { kubectl --kubeconfig "$kubeconfig" --cache-dir "$CLUSTER_DIR/kube-cache" "$@"; }

# Processes of this cluster: the control-plane binaries (kwokctl runs them through
# symlinks under KWOK_WORKDIR), kwokctl and kubectl whose command line names this
# cluster's directory. Matching the directory keeps other clusters' processes safe.
cluster_pids() {
  local p exe cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$$" || $p == "$BASHPID" ]] && continue
    exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
    case "${exe##*/}" in
      etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|kwok-controller|kwokctl|kubectl) ;;
      *) continue ;;
    esac
    cmd=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) || continue
    if [[ $exe == "$CLUSTER_DIR"/* || $cmd == *"$CLUSTER_DIR/"* ]]; then echo "$p"; fi
  done
  return 0
}

# Of the given PIDs, those still present (zombies included: they are reaped by init).
present() { local p; for p in "$@"; do [[ -e /proc/$p ]] && echo "$p"; done; return 0; }
running() { local p; for p in "$@"; do [[ -e /proc/$p && $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]] && echo "$p"; done; return 0; }
wait_gone() { # SECONDS PID...
  local limit=$((SECONDS + $1)); shift
  while [[ -n $(present "$@") ]] && ((SECONDS < limit)); do sleep 0.2; done
}

down() {
  local t0=$SECONDS pids name left
  if [[ ! -e $CLUSTER_DIR ]]; then
    log "nothing to stop ($CLUSTER_DIR does not exist)"
    return 0
  fi
  if [[ ! -e $marker ]]; then
    log "refusing to touch $CLUSTER_DIR: it was not created by tools/cluster.sh"
    return 1
  fi
  # The real node first: its kubelet would otherwise restart pods while the control plane goes.
  if [[ -e $CLUSTER_DIR/node ]]; then "$here/real-node.sh" down || return 1; fi
  # Remember the cluster's processes first: once stopped, their command lines are gone.
  pids=$(cluster_pids)
  name=$(cat "$CLUSTER_DIR/name" 2>/dev/null || true)
  if [[ -n $name && -x $bin/kwokctl ]]; then
    timeout 60 "$bin/kwokctl" delete cluster --name "$name" --kubeconfig "$kubeconfig" \
      >>"$CLUSTER_DIR/kwokctl.log" 2>&1 || log "kwokctl delete cluster failed (continuing; see $CLUSTER_DIR/kwokctl.log)"
  fi
  # shellcheck disable=SC2086
  pids=$(echo $pids $(cluster_pids) | tr ' ' '\n' | sort -un)
  # Whatever kwokctl did not stop (e.g. after an interrupted `up`): TERM, then KILL.
  # shellcheck disable=SC2086
  wait_gone 5 $pids
  # shellcheck disable=SC2086
  left=$(running $pids)
  if [[ -n $left ]]; then
    log "stopping leftover processes: $(echo $left)"
    # shellcheck disable=SC2086
    kill -TERM $left 2>/dev/null || true
    # shellcheck disable=SC2086
    wait_gone 10 $left
    # shellcheck disable=SC2086
    left=$(running $left)
    # shellcheck disable=SC2086
    [[ -n $left ]] && { kill -KILL $left 2>/dev/null || true; wait_gone 5 $left; }
  fi
  # shellcheck disable=SC2086
  left=$(running $pids)
  if [[ -n $left ]]; then
    log "processes still running: $(echo $left)"
    return 1
  fi
  # shellcheck disable=SC2086
  [[ -n $(present $pids) ]] && log "stopped; $(present $pids | wc -l) exited processes not yet reaped by init"
  rm -rf "$CLUSTER_DIR"
  log "down in $((SECONDS - t0))s"
}

# Nodes of 32 CPU and 128Gi: the prod backend's zone spread is hard (maxSkew 1), so when the e2e
# deletes one of a zone's two nodes, the other must hold that zone's share of all three environments
# at their maximum replicas; 16 CPU left that to where the pods happened to be.
node_manifest() {
  local i zone name
  for ((i = 0; i < CLUSTER_NODES; i++)); do
    zone=${zones[i % 3]}
    name="kwok-${zone#zone-}$((i / 3 + 1))"
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $name
    node-role.kubernetes.io/worker: ""
    node.kubernetes.io/instance-type: kwok-32x128
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: $zone
    type: kwok
spec:
  podCIDR: 10.244.$i.0/24
  podCIDRs: [10.244.$i.0/24]
status:
  allocatable: {cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 100Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
EOF
  done
}

up() {
  local t0=$SECONDS t name kube_version crd_names extra=""
  if [[ -e $CLUSTER_DIR ]]; then
    log "found a previous cluster in $CLUSTER_DIR, removing it first"
    down
  fi
  t=$SECONDS
  "$here/build.sh" cluster $([[ $E2E_NODES == real ]] && echo node migrate) >&2
  [[ $E2E_NODES == real ]] && "$here/images.sh" >&2
  log "toolchain ready in $((SECONDS - t))s"
  kube_version=$("$bin/kube-apiserver" --version | awk '{print $2}')

  mkdir -p "$KWOK_WORKDIR"
  touch "$marker"
  if [[ $E2E_NODES == real ]]; then
    # Everything stays on loopback (kwokctl dials its components there), and the real nodes reach
    # the API server through tools/real-node.sh's relay on the host's end of their link: it is
    # the address the kubernetes Service sends pods to, on the port API servers use (the app's
    # NetworkPolicies let pods reach 443 and 6443, after the Service's DNAT), and the serving
    # certificate names it and the Service's address (kwokctl adds every address of this host).
    # For logs and exec it dials kubelets by address: their names are in no DNS.
    local addresses
    addresses=$("$here/real-node.sh" net)
    extra="  kubeApiserverPort: $(sed -n 's/^API_PORT=//p' <<<"$addresses")
  kubeApiserverCertSANs: [$(sed -n 's/^API_SERVICE_ADDRESS=//p' <<<"$addresses")]
  disable: [kwok-controller]
componentsPatches:
- name: kube-apiserver
  extraArgs:
  - {key: advertise-address, value: $(sed -n 's/^HOST_ADDRESS=//p' <<<"$addresses")}
  - {key: kubelet-preferred-address-types, value: InternalIP}"
  fi
  # Unique per run, so kwok's names and files never collide with another cluster.
  name="web-topology-$(date +%s)-$$"
  echo "$name" > "$CLUSTER_DIR/name"
  # Loaded by kwokctl from KWOK_WORKDIR; the default binds every component to 0.0.0.0.
  cat > "$KWOK_WORKDIR/kwok.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
$extra
EOF

  t=$SECONDS
  log "creating kwok cluster $name (Kubernetes $kube_version) in $CLUSTER_DIR"
  if ! KWOK_KUBE_VERSION=$kube_version "$bin/kwokctl" create cluster \
      --name "$name" \
      --runtime binary \
      --kubeconfig "$kubeconfig" \
      --etcd-binary "$bin/etcd" \
      --kube-apiserver-binary "$bin/kube-apiserver" \
      --kube-controller-manager-binary "$bin/kube-controller-manager" \
      --kube-scheduler-binary "$bin/kube-scheduler" \
      --kwok-controller-binary "$bin/kwok" \
      --wait 2m >>"$CLUSTER_DIR/kwokctl.log" 2>&1; then
    log "kwokctl create cluster failed; last lines of $CLUSTER_DIR/kwokctl.log:"
    tail -n 30 "$CLUSTER_DIR/kwokctl.log" >&2
    return 1
  fi
  # kwokctl names the context kwok-<name>; give it a stable name for the deploy's provider.
  kc config rename-context "kwok-$name" "$context" >/dev/null
  kc config use-context "$context" >/dev/null
  for _ in $(seq 120); do
    kc get --raw /readyz >/dev/null 2>&1 && break
    sleep 0.5
  done
  kc get --raw /readyz >/dev/null
  log "control plane ready in $((SECONDS - t))s"

  t=$SECONDS
  if [[ $E2E_NODES == real ]]; then
    "$here/real-node.sh" up
  else
    node_manifest | kc apply -f - >/dev/null
  fi
  kc wait --for=condition=Ready node --all --timeout=120s >/dev/null
  # Pods need the namespace's default ServiceAccount, created by the controller manager.
  for _ in $(seq 120); do
    kc -n default get serviceaccount default >/dev/null 2>&1 && break
    sleep 0.5
  done
  log "$(kc get nodes --no-headers | wc -l) nodes Ready in $((SECONDS - t))s"

  t=$SECONDS
  "$here/crds.sh" > "$CLUSTER_DIR/crds.yaml"
  crd_names=$(sed -n '/^kind: CustomResourceDefinition/,/^spec:/s/^  name: //p' "$CLUSTER_DIR/crds.yaml")
  # Server-side apply: several CRDs exceed the 256 KiB last-applied annotation limit.
  kc apply --server-side --field-manager=web-topology-e2e -f "$CLUSTER_DIR/crds.yaml" >/dev/null
  # shellcheck disable=SC2086
  kc wait --for=condition=Established --timeout=120s $(printf 'crd/%s ' $crd_names) >/dev/null
  log "$(echo "$crd_names" | wc -l) CRDs Established in $((SECONDS - t))s"

  # The app namespace enforces the restricted Pod Security Standard: prove the admission
  # plugin is on by having a privileged pod refused (server-side dry run, nothing stays).
  local out
  kc create namespace pss-probe >/dev/null
  kc label namespace pss-probe pod-security.kubernetes.io/enforce=restricted >/dev/null
  for _ in $(seq 60); do
    kc -n pss-probe get serviceaccount default >/dev/null 2>&1 && break
    sleep 0.5
  done
  out=$(kc -n pss-probe create --dry-run=server -f - 2>&1 <<'EOF' || true
apiVersion: v1
kind: Pod
metadata: {name: pss-probe}
spec: {containers: [{name: c, image: pause, securityContext: {privileged: true}}]}
EOF
  )
  kc delete namespace pss-probe --wait=false >/dev/null
  if [[ $out != *"violates PodSecurity"* ]]; then
    log "Pod Security admission is not enforcing: $out"
    return 1
  fi
  log "up in $((SECONDS - t0))s: Kubernetes $kube_version (E2E_KUBERNETES=${E2E_KUBERNETES:-newest}); $(env_line)"
}

# KUBECACHEDIR keeps kubectl's discovery cache out of ~/.kube: it is keyed by host:port,
# and a later cluster on the same port serves different CRDs.
env_line() { echo "export KUBECONFIG=$kubeconfig KUBECACHEDIR=$CLUSTER_DIR/kube-cache"; }

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_line ;;
  status) kc --request-timeout=5s get --raw /readyz >/dev/null 2>&1 ;;
  *) echo "usage: tools/cluster.sh up|down|env|status" >&2; exit 2 ;;
esac
