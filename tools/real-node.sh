#!/usr/bin/env bash
# Real Kubernetes nodes for the end-to-end test (E2E_NODES=real, README "Real nodes"): containerd
# and runc run the pods, kubelet and kube-proxy of the control plane's release manage them, the CNI
# bridge plugin wires them, kube-router's firewall enforces NetworkPolicies and CoreDNS serves the
# cluster domain. Every binary comes from tools/build.sh, every image from tools/images.sh. Two
# nodes, because the app's PostgreSQL keeps its instances on different hosts (required
# anti-affinity on kubernetes.io/hostname): with one, no replica would ever be scheduled.
#
#   tools/real-node.sh net     create the nodes' network and its link to this host; run before
#                              the control plane starts, which binds to the host's end
#   tools/real-node.sh up      start the image registry and the nodes, load the images, wait until
#                              they and CoreDNS are Ready
#   tools/real-node.sh down    stop every process, unmount every mount, remove the namespaces, the
#                              links, the cgroups and the directory; idempotent, safe after a failure
#   tools/real-node.sh check   print what any run left on this machine; exit 1 when there is any
#
# Each node runs in a network namespace of its own, as kind runs a node in a container, and the
# nodes and this host meet on a bridge in one more namespace (the "switch"), as kind's nodes meet on
# a docker network. A node's pods reach the other node's pods, their Services, CoreDNS and the API
# server (on this host's end), and nothing else: no namespace has a default route or masquerade,
# so nothing a pod sends can leave the machine. This host routes each node's pod range to it, so the
# operators and the tests reach pods, and the Service range to the first node. Removing the namespaces removes every interface, pod network
# and firewall rule of the run with them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-${TMPDIR:-/tmp}/web-topology-cluster}
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
bin="$TOOLS_CACHE/bin"
dir="$CLUSTER_DIR/node"
kubeconfig="$CLUSTER_DIR/kubeconfig"
# The nodes' own: the API server at the relay on the host's end of their link.
node_kubeconfig="$CLUSTER_DIR/node/kubeconfig"

NODES=2
# The run's addresses: the switch's /24 (this host .1, node i .1i), node i's pods 10.244.i.0/24,
# and kube-apiserver's default Service range (kwokctl sets none), so the kubernetes Service is .1
# and CoreDNS gets .10, as on most clusters.
HOST_ADDRESS=10.250.0.1
LINK_PREFIX=10.250.0
POD_PREFIX=10.244
SERVICE_CIDR=10.0.0.0/24
API_SERVICE_ADDRESS=10.0.0.1
API_PORT=6443
# The registry the nodes pull through, on the host's end of their link (see start_registry).
REGISTRY_PORT=5000
DNS_ADDRESS=10.0.0.10
ZONES=(zone-a zone-b)
# Every run's names start with this, so check and down can find what a crashed run left.
PREFIX=wt-node
# kubelet sets these host-wide (setupKernelTunables); down puts back what it found.
TUNABLES=(vm/overcommit_memory kernel/panic kernel/panic_on_oops)

log() { echo "node: $*" >&2; }
die() { log "$*"; exit 1; }

# The run's id: the switch namespace and the host's link are named so, node i's namespace $id-i.
# Short enough for an interface name (15 bytes).
run_id() {
  if [[ ! -f $dir/id ]]; then
    mkdir -p "$dir"
    echo "$PREFIX-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/id"
  fi
  cat "$dir/id"
}
node_name() { echo "web-topology-node-$1"; }
node_address() { echo "$LINK_PREFIX.$((10 + $1))"; }
pod_cidr() { echo "$POD_PREFIX.$1.0/24"; }
node_dir() { echo "$dir/$1"; }
# Only the network namespace: `ip netns exec` would also give each process a mount namespace of
# its own, and kubelet's volume mounts must be the ones containerd bind-mounts into containers.
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
in_node() { local i=$1; shift; in_ns "$(run_id)-$i" "$@"; }

# Debian's tools the nodes need at run time (iptables and ipset for kube-router, nft for
# kube-proxy, conntrack for kubelet's and kube-proxy's clean-ups, socat for the API relay).
require_packages() {
  local missing=() p
  for p in iptables:iptables ipset:ipset nft:nftables conntrack:conntrack socat:socat; do
    command -v "${p%%:*}" >/dev/null || missing+=("${p#*:}")
  done
  ((${#missing[@]} == 0)) && return
  log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
}

net() {
  local id i j
  [[ $(id -u) == 0 ]] || die "real nodes need root (network namespaces, mounts, cgroups)"
  # Another run's nodes (or a leftover) hold the same ranges: refuse instead of stealing its routes.
  if ip route show | grep -Eq "^(${POD_PREFIX//./\\.}\.|${LINK_PREFIX//./\\.}\.0/24|${SERVICE_CIDR//./\\.})"; then
    die "routes for $POD_PREFIX.0.0/16, $LINK_PREFIX.0/24 or $SERVICE_CIDR exist already (another run's nodes? tools/real-node.sh check lists them)"
  fi
  require_packages
  mkdir -p "$dir"
  id=$(run_id)
  ip netns add "$id"
  in_ns "$id" ip link set lo up
  in_ns "$id" ip link add br0 type bridge
  in_ns "$id" ip link set br0 up
  ip link add "$id" type veth peer name host netns "$id"
  in_ns "$id" ip link set host master br0 up
  ip addr add "$HOST_ADDRESS/24" dev "$id"
  ip link set "$id" up
  for ((i = 0; i < NODES; i++)); do
    ip netns add "$id-$i"
    in_ns "$id" ip link add "node$i" type veth peer name eth0 netns "$id-$i"
    in_ns "$id" ip link set "node$i" master br0 up
    in_node "$i" ip link set lo up
    in_node "$i" ip addr add "$(node_address "$i")/24" dev eth0
    in_node "$i" ip link set eth0 up
    in_node "$i" sysctl -q -w net.ipv4.ip_forward=1
    # Locally made packets to a Service need a route before kube-proxy's DNAT rewrites them.
    in_node "$i" ip route add "$SERVICE_CIDR" via "$HOST_ADDRESS"
    for ((j = 0; j < NODES; j++)); do
      ((j == i)) || in_node "$i" ip route add "$(pod_cidr "$j")" via "$(node_address "$j")"
    done
    ip route add "$(pod_cidr "$i")" via "$(node_address "$i")" dev "$id"
  done
  # The API server dials webhooks at their Service's address: into the nodes' network, never out
  # of this host's default route. kube-proxy masquerades such off-cluster traffic, so the answer
  # comes back the same way.
  ip route add "$SERVICE_CIDR" via "$(node_address 0)" dev "$id"
  echo "HOST_ADDRESS=$HOST_ADDRESS"
  echo "API_SERVICE_ADDRESS=$API_SERVICE_ADDRESS"
  echo "API_PORT=$API_PORT"
  log "$NODES nodes' namespaces $id-0..$((NODES - 1)) on switch $id: this host $HOST_ADDRESS, pods $POD_PREFIX.i.0/24, Services $SERVICE_CIDR"
}

# start I NAME COMMAND...: a process of node I in its namespace, logging to its NAME.log.
start() {
  local i=$1 name=$2; shift 2
  in_node "$i" "$@" >>"$(node_dir "$i")/$name.log" 2>&1 &
  echo $! > "$(node_dir "$i")/$name.pid"
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds, or dies naming the logs.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local limit=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < limit)) || die "$what did not happen within ${seconds}s; see the logs in $dir/*/"
    sleep 1
  done
}

kc() { kubectl --kubeconfig "$kubeconfig" --cache-dir "$CLUSTER_DIR/kube-cache" "$@"; }
image_of() { node -p "Object.keys(require('$TOOLS_CACHE/images/images.json')).find((r) => r.startsWith('$1')) ?? ''"; }

write_configs() {
  local i=$1 id=$2 d sock name
  d=$(node_dir "$i")
  sock="$d/containerd/containerd.sock"
  name=$(node_name "$i")
  mkdir -p "$d/containerd" "$d/cni/net.d" "$d/kubelet"
  # containerd 2.x (config version 3), all its state in the node's directory: runc's too, and the
  # pods' network namespaces, mounted under its state directory instead of /var/run/netns. NRI (a
  # host-wide socket) is off. This machine grants root no CAP_SYS_RESOURCE, so no process may lower
  # its OOM score: containers keep containerd's instead of the pause container's -998 and
  # Guaranteed pods' -997, and kubelet and kube-proxy keep theirs.
  cat > "$d/containerd.toml" <<EOF
version = 3
root = "$d/containerd/root"
state = "$d/containerd/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$d/certs.d"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$(image_of registry.k8s.io/pause:)"
[plugins."io.containerd.cri.v1.runtime"]
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "$bin/runc"
        Root = "$d/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$bin/cni"]
    conf_dir = "$d/cni/net.d"
EOF
  # The bridge is the pods' gateway inside the node; no ipMasq: nothing leaves the machine. The
  # network is named after the node's namespace: libcni caches results by that name.
  cat > "$d/cni/net.d/10-web-topology.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$id-$i",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$(pod_cidr "$i")"}]], "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$d/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  # Pods with dnsPolicy Default get this file: no resolver of this host reaches a pod.
  : > "$d/resolv.conf"
  # cgroup v1 only on this machine: since 1.35 kubelet refuses it unless failCgroupV1 is false
  # (KEP-5573); cgroupfs because no systemd runs here. cgroupRoot keeps the node's pods in cgroups
  # of their own, podLogsDir their logs in its directory. The kubelet API answers anonymously: it
  # listens only on the nodes' network, and kwokctl's kube-apiserver has no kubelet client
  # certificate for logs and exec.
  cat > "$d/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$id-$i
containerRuntimeEndpoint: unix://$sock
podLogsDir: $d/pod-logs
address: $(node_address "$i")
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
oomScoreAdj: 0
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
clusterDNS: [$DNS_ADDRESS]
clusterDomain: cluster.local
resolvConf: $d/resolv.conf
failSwapOn: false
serializeImagePulls: false
podCIDR: $(pod_cidr "$i")
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
  cat > "$d/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $node_kubeconfig}
hostnameOverride: $name
mode: nftables
clusterCIDR: $POD_PREFIX.0.0/16
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack: {maxPerCore: 0}
oomScoreAdj: 0
EOF
}

load_images() {
  local i=$1 t=$SECONDS file count=0 d
  d=$(node_dir "$i")
  for file in $(node -p "Object.values(require('$TOOLS_CACHE/images/images.json')).map((i) => i.file).join(' ')"); do
    in_node "$i" "$bin/ctr" --address "$d/containerd/containerd.sock" -n k8s.io images import "$file" >>"$d/images.log" 2>&1 \
      || die "ctr images import $file failed; see $d/images.log"
    count=$((count + 1))
  done
  log "$(node_name "$i"): $count images loaded in $((SECONDS - t))s"
}

coredns_manifest() {
  # As kubeadm deploys it (labels k8s-app: kube-dns, Service kube-dns), but serving only the
  # cluster domain: no forward plugin, so no name outside the cluster resolves.
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        prometheus :9153
        cache 30
        loop
        reload
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
      - name: coredns
        image: $(image_of registry.k8s.io/coredns/)
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: dns-tcp, containerPort: 53, protocol: TCP}
        - {name: metrics, containerPort: 9153, protocol: TCP}
        resources: {requests: {cpu: 50m, memory: 70Mi}, limits: {memory: 170Mi}}
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 5}
        readinessProbe: {httpGet: {path: /ready, port: 8181}}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
          readOnlyRootFilesystem: true
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: $DNS_ADDRESS
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
  - {name: metrics, port: 9153, protocol: TCP}
EOF
}

# Every registry host of images.json, mirrored by this run's registry under its own name as a
# path prefix (override_path), so two hosts' repositories of one name stay apart. Only pull and
# resolve: nothing is pushed from a node.
write_registry_hosts() {
  local d=$1 host
  for host in $(node -p "[...new Set(Object.keys(require('$TOOLS_CACHE/images/images.json')).map((r) => r.split('/')[0]))].join(' ')"); do
    mkdir -p "$d/certs.d/$host"
    cat > "$d/certs.d/$host/hosts.toml" <<EOF
server = "https://$host"
[host."http://$HOST_ADDRESS:$REGISTRY_PORT/v2/$host"]
  capabilities = ["pull", "resolve"]
  override_path = true
EOF
  done
}

# A registry with every image of images.json, on the host's end of the nodes' link: the app's
# containers pull tags `Always` (constructs/core/image.ts), so each start asks a registry for the
# tag, as on any cluster; no upstream registry is reachable here. crane's, blobs on disk.
start_registry() {
  local t=$SECONDS ref file layout count=0 address="$HOST_ADDRESS:$REGISTRY_PORT"
  mkdir -p "$dir/registry/blobs"
  "$bin/crane" registry serve --address "$address" --disk "$dir/registry/blobs" >>"$dir/registry/registry.log" 2>&1 &
  echo $! > "$dir/registry/crane.pid"
  wait_for 30 "the registry at $address answering" "$bin/crane" catalog --insecure "$address"
  while read -r ref file; do
    layout=$(mktemp -d "$dir/registry/layout.XXXXXX")
    tar -xf "$file" -C "$layout"
    "$bin/crane" push --insecure "$layout" "$address/$ref" >>"$dir/registry/registry.log" 2>&1 || die "crane push $ref failed; see $dir/registry/registry.log"
    rm -rf "$layout"
    count=$((count + 1))
  done < <(node -p "Object.entries(require('$TOOLS_CACHE/images/images.json')).map(([r, i]) => r + ' ' + i.file).join('\\n')")
  log "registry at $address: $count images pushed in $((SECONDS - t))s"
}

# Starts node I: containerd, its images, kubelet, kube-proxy.
start_node() {
  local i=$1 id=$2 d name t=$SECONDS
  d=$(node_dir "$i")
  name=$(node_name "$i")
  write_configs "$i" "$id"
  write_registry_hosts "$d"
  # The shim and runc are found on PATH.
  start "$i" containerd env PATH="$bin:$PATH" "$bin/containerd" --config "$d/containerd.toml"
  wait_for 60 "$name: containerd answering" in_node "$i" "$bin/ctr" --address "$d/containerd/containerd.sock" version
  load_images "$i"
  # kubelet's cgroupRoot must exist in every hierarchy; a new cpuset gets its parent's CPUs and
  # memory nodes, or no task may join it.
  for c in /sys/fs/cgroup/*/; do
    [[ -f ${c}cgroup.procs ]] || continue
    mkdir -p "$c$id-$i"
    if [[ -f ${c}cpuset.cpus ]]; then
      cat "${c}cpuset.cpus" > "$c$id-$i/cpuset.cpus"
      cat "${c}cpuset.mems" > "$c$id-$i/cpuset.mems"
    fi
  done
  # Bridged pod-to-pod packets pass the firewall's chains only with this (per namespace).
  in_node "$i" sysctl -q -w net.bridge.bridge-nf-call-iptables=1
  start "$i" kubelet "$bin/kubelet" --config "$d/kubelet.yaml" --kubeconfig "$node_kubeconfig" \
    --root-dir "$d/kubelet" --cert-dir "$d/kubelet/pki" --hostname-override "$name" --node-ip "$(node_address "$i")" \
    --node-labels "topology.kubernetes.io/zone=${ZONES[i % ${#ZONES[@]}]},topology.kubernetes.io/region=local"
  start "$i" kube-proxy "$bin/kube-proxy" --config "$d/kube-proxy.yaml"
  log "$name: started in $((SECONDS - t))s"
}

# kube-router's firewall on node I, once the node is registered (it finds itself by name), and
# its chains in place: without them no NetworkPolicy is enforced, and nothing else would say so.
start_firewall() {
  local i=$1 name
  name=$(node_name "$i")
  start "$i" kube-router "$bin/kube-router" --kubeconfig "$node_kubeconfig" --hostname-override "$name" \
    --run-firewall=true --run-router=false --run-service-proxy=false --metrics-port=0
  wait_for 60 "$name: kube-router's firewall chains" in_node "$i" iptables -n -L KUBE-ROUTER-FORWARD
}

up() {
  local t0=$SECONDS t id i tunable
  id=$(run_id)
  [[ -e /run/netns/$id ]] || die "no network namespace $id: run tools/real-node.sh net before the control plane"
  for b in containerd containerd-shim-runc-v2 ctr runc kubelet kube-proxy kube-router cni/bridge cni/host-local cni/loopback cni/portmap; do
    [[ -x $bin/$b ]] || die "$bin/$b is missing: tools/build.sh node builds it"
  done
  [[ -f $TOOLS_CACHE/images/images.json ]] || die "$TOOLS_CACHE/images/images.json is missing: tools/images.sh builds the images"
  for tunable in "${TUNABLES[@]}"; do echo "$tunable=$(cat "/proc/sys/$tunable")"; done > "$dir/tunables"
  # kwokctl's API server listens on loopback only; the relay is its address on the nodes' network.
  mkdir -p "$dir/relay"
  socat "TCP-LISTEN:$API_PORT,bind=$HOST_ADDRESS,reuseaddr,fork" "TCP:127.0.0.1:$API_PORT" >>"$dir/relay/socat.log" 2>&1 &
  echo $! > "$dir/relay/socat.pid"
  sed "s#server: https://127.0.0.1:$API_PORT#server: https://$HOST_ADDRESS:$API_PORT#" "$kubeconfig" > "$node_kubeconfig"
  grep -q "server: https://$HOST_ADDRESS:$API_PORT" "$node_kubeconfig" || die "$kubeconfig does not name https://127.0.0.1:$API_PORT"
  start_registry
  for ((i = 0; i < NODES; i++)); do start_node "$i" "$id"; done

  t=$SECONDS
  for ((i = 0; i < NODES; i++)); do
    wait_for 180 "node $(node_name "$i") Ready" kc wait --for=condition=Ready "node/$(node_name "$i")" --timeout=5s
  done
  log "$NODES nodes Ready in $((SECONDS - t))s more ($(kc get node "$(node_name 0)" -o jsonpath='{.status.nodeInfo.kubeletVersion}, {.status.nodeInfo.containerRuntimeVersion}'))"
  t=$SECONDS
  for ((i = 0; i < NODES; i++)); do start_firewall "$i"; done
  log "kube-router's firewall running on $NODES nodes in $((SECONDS - t))s"

  t=$SECONDS
  coredns_manifest | kc apply -f - >/dev/null
  wait_for 180 "CoreDNS Ready" kc -n kube-system wait --for=condition=Available deployment/coredns --timeout=5s
  log "CoreDNS Ready in $((SECONDS - t))s"
  log "up in $((SECONDS - t0))s"
}

# Every process whose network namespace is one of the run's, and every process in the nodes'
# cgroups (containers whose shim outlived containerd).
node_pids() {
  local id=$1 ns c p
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$id"); do ip netns pids "$ns" 2>/dev/null || true; done
  for c in /sys/fs/cgroup/*/"$id"-*; do
    [[ -d $c ]] && find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
  for p in "$dir"/*/*.pid; do [[ -f $p ]] && cat "$p"; done
  return 0
}
alive() { local p; for p in "$@"; do [[ -e /proc/$p ]] && echo "$p"; done; return 0; }

stop_processes() {
  local id=$1 pids name p i
  # kubelet first, so it does not restart what the rest stops.
  for name in kubelet kube-router kube-proxy containerd socat crane; do
    for p in "$dir"/*/"$name.pid"; do [[ -f $p ]] && { kill -TERM "$(cat "$p")" 2>/dev/null || true; }; done
  done
  for i in $(seq 50); do
    # shellcheck disable=SC2046
    pids=$(alive $(node_pids "$id" | sort -un))
    [[ -z $pids ]] && return 0
    # shellcheck disable=SC2086
    ((i >= 20)) && { kill -KILL $pids 2>/dev/null || true; }
    sleep 0.2
  done
  # shellcheck disable=SC2046
  die "processes still running: $(echo $(alive $(node_pids "$id" | sort -un)))"
}

# Mounts under the run's directory (the pods' root filesystems, volumes, network namespaces),
# deepest first.
unmount_all() {
  local m
  for m in $(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}

down() {
  local t0=$SECONDS id ns c b tunable value
  [[ -f $dir/id ]] || { log "nothing to stop (no nodes in $dir)"; return 0; }
  id=$(cat "$dir/id")
  stop_processes "$id"
  unmount_all
  for c in /sys/fs/cgroup/*/"$id"-*; do
    [[ -d $c ]] && { find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; }
  done
  # Removing the namespaces removes the links, the bridges and every firewall rule kube-proxy and
  # kube-router wrote; this host's end of the link and its routes go with the switch's.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$id" | sort -r); do ip netns del "$ns"; done
  ip link del "$id" 2>/dev/null || true
  # What the nodes' programs keep outside their directory: each shim's socket and libcni's
  # results (by network and container), found from the tasks' bundles; and kubelet's links to
  # container logs (pointing into the directory).
  for b in "$dir"/*/containerd/state/io.containerd.runtime.v2.task/*/*/bootstrap.json; do
    [[ -f $b ]] || continue
    c=$(sed -n 's#.*"address":"unix://\(/run/containerd/s/[0-9a-f]*\)".*#\1#p' "$b")
    [[ -z $c ]] || rm -f "$c"
    c=${b%/bootstrap.json}
    rm -f /var/lib/cni/results/*-"${c##*/}"-*
  done
  if [[ -d /var/log/containers ]]; then find /var/log/containers -lname "$dir/*" -delete; fi
  if [[ -f $dir/tunables ]]; then
    while IFS='=' read -r tunable value; do echo "$value" > "/proc/sys/$tunable"; done < "$dir/tunables"
  fi
  rm -rf "$dir"
  log "down in $((SECONDS - t0))s"
}

# What any run could leave: processes of the nodes' binaries, namespaces, links, cgroups, mounts,
# routes and libcni caches with the run prefix or ranges, shims' sockets nothing listens on.
# Prints each; exit 1 when there is one.
check() {
  local found=0 p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case "${exe##*/}" in
      containerd|containerd-shim-runc-v2|kubelet|kube-proxy|kube-router) [[ $exe == "$bin"/* ]] && { echo "process ${p#/proc/} $exe"; found=1; } ;;
      socat) grep -q "bind=$HOST_ADDRESS" "$p/cmdline" 2>/dev/null && { echo "process ${p#/proc/} socat (API relay)"; found=1; } ;;
      crane) grep -q "$HOST_ADDRESS:$REGISTRY_PORT" "$p/cmdline" 2>/dev/null && { echo "process ${p#/proc/} crane (registry)"; found=1; } ;;
    esac
  done
  ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-" | sed 's/^/netns /' && found=1
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep "^$PREFIX-" | sed 's/^/link /' && found=1
  find /sys/fs/cgroup -maxdepth 2 -name "$PREFIX-*" 2>/dev/null | sed 's/^/cgroup /' | grep . && found=1
  awk '$2 ~ /\/node\/[0-9]+\/(containerd|kubelet|pod-logs)\// {print "mount " $2}' /proc/self/mounts | grep . && found=1
  ip route show | grep -E "^(${POD_PREFIX//./\\.}\.|${LINK_PREFIX//./\\.}\.0/24|${SERVICE_CIDR//./\\.})" | sed 's/^/route /' && found=1
  find /var/lib/cni/results -name "$PREFIX-*" -o -name "cni-loopback-*" 2>/dev/null | sed 's/^/file /' | grep . && found=1
  # A shim's socket that nothing in this host's network namespace listens on any more.
  for p in /run/containerd/s/*; do
    [[ -S $p ]] && ! grep -q " $p\$" /proc/net/unix && { echo "socket $p"; found=1; }
  done
  return $found
}

case "${1:-}" in
  net) net ;;
  up) up ;;
  down) down ;;
  check) check ;;
  *) echo "usage: tools/real-node.sh net|up|down|check" >&2; exit 2 ;;
esac
