#!/usr/bin/env bash
# The one place that builds the project's pinned toolchain from Go modules
# (no registry.terraform.io, GitHub downloads or container registries here).
#
#   tools/build.sh [GROUP...]      GROUP: validate (tofu + providers), cluster, rules (promtool),
#                                  edge (egctl), envoy-gateway (the controller), cnpg, cyclonus,
#                                  promop (prometheus-operator), node (a real node: kubelet,
#                                  kube-proxy, containerd, runc, CNI plugins, ...), score (kube-score),
#                                  migrate (goose, the schema migrations' runner), all (default)
#
# The tools come from Go modules with committed go.mod/go.sum, so versions are pinned
# and the builds reuse Go's default caches: tools/terraform (OpenTofu and the providers),
# tools/kube (everything built on the Kubernetes libraries: the control plane, kubelet and
# kube-proxy, kwok, etcd, the operators, egctl, Prometheus, Cyclonus), tools/node (the container
# runtime and the node's add-ons), tools/crane (crane, which cannot share tools/node's
# dependencies), tools/score (kube-score, on the Kubernetes libraries of its own release),
# tools/goose (goose, whose database drivers share nothing with the rest) and
# tools/kubernetes-oldest (the oldest supported control plane). One module per
# group means one version of each shared dependency, so Go compiles each package once for the
# group instead of once per tool (README "Toolchain"). Binaries land in
# $TOOLS_CACHE (default ~/.cache/web-topology/tools), keyed by a stamp of the module's
# go.mod/go.sum and flags, so a warm run only checks stamps.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
bin="$TOOLS_CACHE/bin"
mkdir -p "$bin"

# build_tool MODULE_DIR PACKAGE OUTPUT [LDFLAGS] [TAGS]
# OUTPUT may name a subdirectory of $bin (cni/bridge); its stamp sits next to it.
build_tool() {
  local dir="$here/$1" pkg=$2 out=$3 ldflags=${4:-} tags=${5:-}
  local stamp sub=""
  [[ $out != */* ]] || sub=${out%/*}/
  mkdir -p "$bin/$sub"
  local stampfile="$bin/$sub.${out##*/}.stamp"
  stamp=$(cat "$dir/go.mod" "$dir/go.sum" <(printf '%s\n%s\n' "$pkg" "$ldflags"; [[ -z $tags ]] || echo "tags $tags") | sha256sum | cut -c1-16)
  if [[ -x "$bin/$out" && "$(cat "$stampfile" 2>/dev/null)" == "$stamp" ]]; then
    echo "tools: $out is up to date"
    return
  fi
  local t0=$SECONDS
  echo "tools: building $out from $pkg"
  (cd "$dir" && go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  # A new file, not a write through an existing one: caches copied with hard links stay apart.
  echo "$stamp" > "$stampfile.tmp"
  mv "$stampfile.tmp" "$stampfile"
  echo "tools: built $out in $((SECONDS - t0))s"
}

# Groups are filled in by the tools they need (see README "Toolchain").
# Terraform toolchain for npm run validate and the deploy: OpenTofu, the kubernetes,
# helm and kubectl providers, an unpacked filesystem mirror of the providers for both registry
# hosts, and a CLI config ($TOOLS_CACHE/terraformrc) that installs them from the mirror
# only, so `init` never needs the network.
build_validate() {
  build_tool terraform github.com/opentofu/opentofu/cmd/tofu tofu "-X github.com/opentofu/opentofu/version.dev=no"
  # The provider version is whatever the pinned source says it is (version/VERSION in
  # the module), so the mirror can't claim a release that wasn't built.
  local type ver pinned dir host pkg namespace
  for type in kubernetes helm kubectl; do
    namespace=$([[ $type == kubectl ]] && echo gavinbunney || echo hashicorp)
    pkg=github.com/$namespace/terraform-provider-$type
    if [[ $type == kubectl ]]; then
      # A versioned module: its release is the version go.mod requires.
      ver=$(cd "$here/terraform" && go list -m -f '{{.Version}}' "$pkg")
      ver=${ver#v}
    else
      ver=$(cd "$here/terraform" && go mod download "$pkg" && cat "$(go list -m -f '{{.Dir}}' "$pkg")/version/VERSION")
    fi
    # The stacks pin config/versions.json's providers; a mirror of another version would fail every init.
    pinned=$(node -p "require('$here/../config/versions.json').providers['$type']")
    if [[ $ver != "$pinned" ]]; then
      echo "tools/build.sh: tools/terraform builds $type $ver but config/versions.json pins $pinned" >&2
      exit 1
    fi
    # helm reports main.Version (user agent); kubernetes' is a constant ("dev") in its main.go.
    build_tool terraform "$pkg" "terraform-provider-$type" "$([[ $type == helm ]] && echo "-X main.Version=$ver")"
    for host in registry.terraform.io registry.opentofu.org; do
      dir="$TOOLS_CACHE/mirror/$host/$namespace/$type/$ver/linux_amd64"
      mkdir -p "$dir"
      # Re-linked every run: a rebuild replaces the binary's inode.
      ln -f "$bin/terraform-provider-$type" "$dir/terraform-provider-${type}_v$ver" 2>/dev/null \
        || cp -f "$bin/terraform-provider-$type" "$dir/terraform-provider-${type}_v$ver"
    done
    echo "tools: mirror has $namespace/$type $ver"
  done
  # No `direct` block: any provider outside the mirror fails loudly instead of going online.
  cat > "$TOOLS_CACHE/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$TOOLS_CACHE/mirror"
    include = ["registry.terraform.io/hashicorp/kubernetes", "registry.terraform.io/hashicorp/helm",
               "registry.terraform.io/gavinbunney/kubectl",
               "registry.opentofu.org/hashicorp/kubernetes", "registry.opentofu.org/hashicorp/helm",
               "registry.opentofu.org/gavinbunney/kubectl"]
  }
}
EOF
  tf_cli_config="$TOOLS_CACHE/terraformrc"
}

# kube_ldflags MODULE_DIR: version stamps from the pinned module: gitVersion is its
# k8s.io/kubernetes version and buildDate its release time, so the binaries report e.g. v1.36.3.
kube_ldflags() {
  local kv kdate major minor k x ldflags=""
  read -r kv kdate < <(cd "$here/$1" &&
    go list -m -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
  major=${kv#v}; major=${major%%.*}
  minor=${kv#v*.}; minor=${minor%%.*}
  for k in client-go/pkg/version component-base/version; do
    for x in gitVersion=$kv gitMajor=$major gitMinor=$minor gitTreeState=clean buildDate=$kdate; do
      ldflags+=" -X k8s.io/$k.$x"
    done
  done
  echo "$ldflags"
}

# Local control plane for the end-to-end test (tools/cluster.sh): etcd, the three
# Kubernetes control-plane binaries (kubelet/kube-proxy are simulated by kwok, or real: node), kwok.
# E2E_KUBERNETES picks the release: newest (default, tools/kube) or oldest
# (tools/kubernetes-oldest), the two ends of what every pinned chart supports (README);
# switching rebuilds the control plane under the same names (a relink when Go's cache is warm).
build_cluster() {
  local kv k ldflags kmod
  case "${E2E_KUBERNETES:-newest}" in
    newest) kmod=kube ;;
    oldest) kmod=kubernetes-oldest ;;
    *) echo "tools/build.sh: E2E_KUBERNETES must be newest or oldest, not '$E2E_KUBERNETES'" >&2; exit 2 ;;
  esac
  kv=$(cd "$here/$kmod" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
  ldflags=$(kube_ldflags "$kmod")
  build_tool kube ./etcd etcd
  for k in kube-apiserver kube-controller-manager kube-scheduler; do
    build_tool "$kmod" "k8s.io/kubernetes/cmd/$k" "$k" "$ldflags"
  done
  # kwok's own release flags (hack/releases.sh); KubeVersion is kwokctl's default.
  ldflags="-X sigs.k8s.io/kwok/pkg/consts.Version=$(cd "$here/kube" && go list -m -f '{{.Version}}' sigs.k8s.io/kwok)"
  ldflags+=" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$kv"
  build_tool kube sigs.k8s.io/kwok/cmd/kwok kwok "$ldflags"
  build_tool kube sigs.k8s.io/kwok/cmd/kwokctl kwokctl "$ldflags"
}

# Version stamps as Prometheus' own release build (.promu.yml) sets them, from the pinned
# module, so `--version` names the release.
prom_ldflags() {
  local pv
  pv=$(cd "$here/kube" && go list -m -f '{{.Version}}' github.com/prometheus/prometheus)
  # Module v0.MMM.P is Prometheus v3.MM.P (v0.313.1 -> 3.13.1).
  pv=${pv#v0.}; pv="3.$((10#${pv:1:2})).${pv#*.}"
  echo "-X github.com/prometheus/common/version.Version=$pv -X github.com/prometheus/common/version.Branch=release"
}

# promtool for scripts/rules-check.ts. remove_all_sd is Prometheus' own tag (plugins/) for
# leaving out the service-discovery SDKs (AWS, Azure, GCE, ...): the rule checks never discover
# targets (1,095 packages instead of 1,313 to compile).
build_rules() {
  build_tool kube github.com/prometheus/prometheus/cmd/promtool promtool "$(prom_ldflags)" remove_all_sd
}

# Envoy Gateway's version in tools/kube, which must be the chart's the platform stack
# installs, or the edge check would judge another translator and the e2e run another controller.
eg_version() {
  local ver pinned
  ver=$(cd "$here/kube" && go list -m -f '{{.Version}}' github.com/envoyproxy/gateway)
  pinned=$(node -p "require('$here/../config/versions.json').charts.envoyGateway.version")
  if [[ $ver != "$pinned" ]]; then
    echo "tools/build.sh: tools/kube builds Envoy Gateway $ver but config/versions.json pins $pinned" >&2
    exit 1
  fi
  echo "$ver"
}

# egctl for the edge check (npm run edge-check, scripts/edge-check/).
build_edge() {
  local ver
  ver=$(eg_version)
  build_tool kube github.com/envoyproxy/gateway/cmd/egctl egctl \
    "-X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=$ver"
}

# Envoy Gateway's controller, run out of cluster by the end-to-end test.
build_envoy_gateway() {
  local ver
  ver=$(eg_version)
  build_tool kube github.com/envoyproxy/gateway/cmd/envoy-gateway envoy-gateway \
    "-X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=$ver"
}

# CloudNativePG's operator, run out of cluster by the end-to-end test. Its version must be
# the appVersion of the cloudnative-pg chart the platform stack installs.
build_cnpg() {
  local ver want
  ver=$(cd "$here/kube" && go list -m -f '{{.Version}}' github.com/cloudnative-pg/cloudnative-pg)
  want=v$(node -p "require('$here/../config/versions.json').charts.cloudnativePg.appVersion.replace(/^v/, '')")
  if [[ $ver != "$want" ]]; then
    echo "tools/build.sh: tools/kube builds CloudNativePG $ver but the cloudnative-pg chart's appVersion is $want" >&2
    exit 1
  fi
  build_tool kube github.com/cloudnative-pg/cloudnative-pg/cmd/manager cnpg-manager
}

# Stamps for prometheus-operator's binaries, whose version must be the kube-prometheus-stack
# chart's appVersion.
promop_ldflags() {
  local ver want
  ver=$(cd "$here/kube" && go list -m -f '{{.Version}}' github.com/prometheus-operator/prometheus-operator)
  want=$(node -p "require('$here/../config/versions.json').charts.kubePrometheusStack.appVersion")
  if [[ $ver != "$want" ]]; then
    echo "tools/build.sh: tools/kube builds prometheus-operator $ver but the kube-prometheus-stack chart's appVersion is $want" >&2
    exit 1
  fi
  # As the project's Makefile stamps its release (VERSION file: no leading v).
  echo "-X github.com/prometheus/common/version.Version=${ver#v} -X github.com/prometheus/common/version.Branch=release"
}

# prometheus-operator, run out of cluster by the end-to-end test to generate the Prometheus
# configuration from our monitors.
build_promop() {
  local ldflags
  ldflags=$(promop_ldflags)
  build_tool kube github.com/prometheus-operator/prometheus-operator/cmd/operator prometheus-operator "$ldflags"
}

# Cyclonus: evaluates the deployed NetworkPolicies' connectivity matrix (analyze --mode probe).
build_cyclonus() {
  build_tool kube github.com/mattfenwick/cyclonus/cmd/cyclonus cyclonus
}

# A real node for the end-to-end test, where kwok only simulates one: kubelet and kube-proxy of the
# control plane's release (tools/kube), Prometheus (only Kubernetes service discovery: its own
# remove_all_sd and enable_kubernetes_sd tags, plugins/) with prometheus-operator's config
# reloader, and from tools/node containerd with its shim and ctr, runc, the CNI plugins (in
# bin/cni, the directory kubelet and containerd are given), CoreDNS and kube-router for
# NetworkPolicies (iptables and ipset; this kernel has no nftables queue), and crane to load
# images (tools/crane: its go-connections breaks kube-router's docker client; see its go.mod).
# Each is stamped as its own release build does, from the pinned module's version.
build_node() {
  local ldflags ver date p
  ldflags=$(kube_ldflags kube)
  build_tool kube k8s.io/kubernetes/cmd/kubelet kubelet "$ldflags"
  build_tool kube k8s.io/kubernetes/cmd/kube-proxy kube-proxy "$ldflags"
  build_tool kube github.com/prometheus/prometheus/cmd/prometheus prometheus "$(prom_ldflags)" \
    remove_all_sd,enable_kubernetes_sd
  ldflags=$(promop_ldflags)
  build_tool kube github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader \
    prometheus-config-reloader "$ldflags"

  # containerd's Makefile: version package stamps, urfave_cli_no_docs, and no_grpc for the shim
  # (leaves the API's gRPC stubs out: the shim speaks ttrpc). Not its static shim
  # (CGO_ENABLED=0): that would compile the shim's whole dependency closure a second time.
  ver=$(cd "$here/node" && go list -m -f '{{.Version}}' github.com/containerd/containerd/v2)
  ldflags="-X github.com/containerd/containerd/v2/version.Version=$ver"
  ldflags+=" -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2"
  build_tool node github.com/containerd/containerd/v2/cmd/containerd containerd "$ldflags" urfave_cli_no_docs
  build_tool node github.com/containerd/containerd/v2/cmd/ctr ctr "$ldflags" urfave_cli_no_docs
  build_tool node github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 containerd-shim-runc-v2 \
    "$ldflags" urfave_cli_no_docs,no_grpc
  # runc's seccomp tag links libseccomp through cgo. Its version is the embedded VERSION file;
  # the Makefile stamps only the git commit, which a module has not. libpathrs is left out
  # (not packaged in Debian; runc then uses its Go implementation).
  if ! pkg-config --exists libseccomp; then
    echo "tools: installing libseccomp-dev (Debian) for runc's seccomp support"
    local sudo=""
    ((EUID == 0)) || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config
  fi
  CGO_ENABLED=1 build_tool node github.com/opencontainers/runc runc "" seccomp,urfave_cli_no_docs
  # As the CNI plugins' release script stamps them.
  ver=$(cd "$here/node" && go list -m -f '{{.Version}}' github.com/containernetworking/plugins)
  for p in main/bridge main/loopback ipam/host-local meta/portmap; do
    build_tool node "github.com/containernetworking/plugins/plugins/$p" "cni/${p#*/}" \
      "-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$ver"
  done
  # CoreDNS's version is a constant in its source (coremain.CoreVersion).
  build_tool node github.com/coredns/coredns coredns
  # As kube-router's Makefile (git describe, build date), from the module's version and time.
  read -r ver date < <(cd "$here/node" &&
    go list -m -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' github.com/cloudnativelabs/kube-router/v2)
  build_tool node github.com/cloudnativelabs/kube-router/v2/cmd/kube-router kube-router \
    "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$ver -X github.com/cloudnativelabs/kube-router/v2/pkg/version.BuildDate=$date"
  # As go-containerregistry's .goreleaser.yml (GoReleaser's version: no leading v).
  ver=$(cd "$here/crane" && go list -m -f '{{.Version}}' github.com/google/go-containerregistry)
  build_tool crane github.com/google/go-containerregistry/cmd/crane crane \
    "-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=${ver#v} -X github.com/google/go-containerregistry/pkg/v1/remote/transport.Version=${ver#v}"
}

# kube-score, which judges the objects the e2e deployed (e2e/lib/kube-score.ts), stamped as its
# .goreleaser.yml does (GoReleaser's version: no leading v) from the pinned module's version and time.
build_score() {
  local ver date
  read -r ver date < <(cd "$here/score" &&
    go list -m -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' github.com/zegl/kube-score)
  build_tool score github.com/zegl/kube-score/cmd/kube-score kube-score "-X main.version=${ver#v} -X main.date=$date"
}

# goose, the schema migrations' runner (constructs/database/schema-migration.ts), for its image
# (tools/images.sh). Its version must be the tag of config/versions.json's runner image. Built as
# its release is (.goreleaser.yaml: static, main.version), with goose's own tags leaving out every
# driver but PostgreSQL's (cmd/goose/driver_*.go): 12 MB, about a minute cold on 2 cores.
build_migrate() {
  local ver pinned
  ver=$(cd "$here/goose" && go list -m -f '{{.Version}}' github.com/pressly/goose/v3)
  pinned=$(node -p "require('$here/../config/versions.json').images.migrationRunner.replace(/^.*:/, '')")
  if [[ $ver != "$pinned" ]]; then
    echo "tools/build.sh: tools/goose builds goose $ver but config/versions.json's migrationRunner image is $pinned" >&2
    exit 1
  fi
  CGO_ENABLED=0 build_tool goose github.com/pressly/goose/v3/cmd/goose goose "-X main.version=$ver" \
    no_clickhouse,no_libsql,no_mssql,no_mysql,no_sqlite3,no_vertica,no_ydb
}

groups=("${@:-all}")
for g in "${groups[@]}"; do
  case "$g" in
    validate) build_validate ;;
    cluster) build_cluster ;;
    rules) build_rules ;;
    edge) build_edge ;;
    envoy-gateway) build_envoy_gateway ;;
    cnpg) build_cnpg ;;
    cyclonus) build_cyclonus ;;
    promop) build_promop ;;
    node) build_node ;;
    score) build_score ;;
    migrate) build_migrate ;;
    all) build_validate; build_cluster; build_rules; build_edge; build_envoy_gateway; build_cnpg; build_cyclonus; build_promop; build_node; build_score; build_migrate ;;
    *) echo "tools/build.sh: unknown group '$g' (expected validate, cluster, rules, edge, envoy-gateway, cnpg, cyclonus, promop, node, score, migrate or all)" >&2; exit 2 ;;
  esac
done
echo "TOOLS_BIN=$bin"
if [[ -n ${tf_cli_config:-} ]]; then echo "TF_CLI_CONFIG_FILE=$tf_cli_config"; fi
