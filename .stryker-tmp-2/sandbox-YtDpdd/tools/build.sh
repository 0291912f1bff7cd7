#!/usr/bin/env bash
# The one place that builds the project's pinned toolchain from Go modules
# (no registry.terraform.io, GitHub downloads or container registries here).
#
#   tools/build.sh [GROUP...]      GROUP: validate (tofu + providers), cluster, rules (promtool),
#                                  edge (egctl), envoy-gateway (the controller), cnpg, cyclonus,
#                                  promop (prometheus-operator), all (default)
#
# The tools come from three Go modules with committed go.mod/go.sum, so versions are pinned
# and the builds reuse Go's default caches: tools/terraform (OpenTofu and the providers),
# tools/kube (everything built on the Kubernetes libraries: the control plane, kwok, etcd, the
# operators, egctl, promtool, Cyclonus) and tools/kubernetes-oldest (the oldest supported control
# plane). One module per group means one version of each shared dependency, so Go compiles each
# package once for the group instead of once per tool (README "Toolchain"). Binaries land in
# $TOOLS_CACHE (default ~/.cache/web-topology/tools), keyed by a stamp of the module's
# go.mod/go.sum and flags, so a warm run only checks stamps.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
bin="$TOOLS_CACHE/bin"
mkdir -p "$bin"

# build_tool MODULE_DIR PACKAGE OUTPUT [LDFLAGS] [TAGS]
build_tool() {
  local dir="$here/$1" pkg=$2 out=$3 ldflags=${4:-} tags=${5:-}
  local stamp
  stamp=$(cat "$dir/go.mod" "$dir/go.sum" <(printf '%s\n%s\n' "$pkg" "$ldflags"; [[ -z $tags ]] || echo "tags $tags") | sha256sum | cut -c1-16)
  if [[ -x "$bin/$out" && "$(cat "$bin/.$out.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "tools: $out is up to date"
    return
  fi
  local t0=$SECONDS
  echo "tools: building $out from $pkg"
  (cd "$dir" && go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  # A new file, not a write through an existing one: caches copied with hard links stay apart.
  echo "$stamp" > "$bin/.$out.stamp.tmp"
  mv "$bin/.$out.stamp.tmp" "$bin/.$out.stamp"
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

# Local control plane for the end-to-end test (tools/cluster.sh): etcd, the three
# Kubernetes control-plane binaries (kubelet/kube-proxy are simulated by kwok), kwok.
# E2E_KUBERNETES picks the release: newest (default, tools/kube) or oldest
# (tools/kubernetes-oldest), the two ends of what every pinned chart supports (README);
# switching rebuilds the control plane under the same names (a relink when Go's cache is warm).
# Version stamps come from the pinned modules: gitVersion is the k8s.io/kubernetes
# version and buildDate its release time, so the binaries report e.g. v1.36.3.
build_cluster() {
  local kv kdate major minor k x ldflags="" kmod
  case "${E2E_KUBERNETES:-newest}" in
    newest) kmod=kube ;;
    oldest) kmod=kubernetes-oldest ;;
    *) echo "tools/build.sh: E2E_KUBERNETES must be newest or oldest, not '$E2E_KUBERNETES'" >&2; exit 2 ;;
  esac
  read -r kv kdate < <(cd "$here/$kmod" &&
    go list -m -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
  major=${kv#v}; major=${major%%.*}
  minor=${kv#v*.}; minor=${minor%%.*}
  for k in client-go/pkg/version component-base/version; do
    for x in gitVersion=$kv gitMajor=$major gitMinor=$minor gitTreeState=clean buildDate=$kdate; do
      ldflags+=" -X k8s.io/$k.$x"
    done
  done
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

# promtool for scripts/rules-check.ts. Version stamps as Prometheus' own release build
# (.promu.yml) sets them, from the pinned module, so `promtool --version` names the release.
# remove_all_sd is Prometheus' own tag (plugins/) for leaving out the service-discovery
# SDKs (AWS, Azure, GCE, ...): the rule checks never discover targets (1,095 packages instead of
# 1,313 to compile).
build_rules() {
  local pv
  pv=$(cd "$here/kube" && go list -m -f '{{.Version}}' github.com/prometheus/prometheus)
  # Module v0.MMM.P is Prometheus v3.MM.P (v0.313.1 -> 3.13.1).
  pv=${pv#v0.}; pv="3.$((10#${pv:1:2})).${pv#*.}"
  build_tool kube github.com/prometheus/prometheus/cmd/promtool promtool \
    "-X github.com/prometheus/common/version.Version=$pv -X github.com/prometheus/common/version.Branch=release" \
    remove_all_sd
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

# prometheus-operator, run out of cluster by the end-to-end test to generate the Prometheus
# configuration from our monitors. Its version must be the kube-prometheus-stack chart's appVersion.
build_promop() {
  local ver want
  ver=$(cd "$here/kube" && go list -m -f '{{.Version}}' github.com/prometheus-operator/prometheus-operator)
  want=$(node -p "require('$here/../config/versions.json').charts.kubePrometheusStack.appVersion")
  if [[ $ver != "$want" ]]; then
    echo "tools/build.sh: tools/kube builds prometheus-operator $ver but the kube-prometheus-stack chart's appVersion is $want" >&2
    exit 1
  fi
  # As the project's Makefile stamps its release (VERSION file: no leading v).
  build_tool kube github.com/prometheus-operator/prometheus-operator/cmd/operator prometheus-operator \
    "-X github.com/prometheus/common/version.Version=${ver#v} -X github.com/prometheus/common/version.Branch=release"
}

# Cyclonus: evaluates the deployed NetworkPolicies' connectivity matrix (analyze --mode probe).
build_cyclonus() {
  build_tool kube github.com/mattfenwick/cyclonus/cmd/cyclonus cyclonus
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
    all) build_validate; build_cluster; build_rules; build_edge; build_envoy_gateway; build_cnpg; build_cyclonus; build_promop ;;
    *) echo "tools/build.sh: unknown group '$g' (expected validate, cluster, rules, edge, envoy-gateway, cnpg, cyclonus, promop or all)" >&2; exit 2 ;;
  esac
done
echo "TOOLS_BIN=$bin"
if [[ -n ${tf_cli_config:-} ]]; then echo "TF_CLI_CONFIG_FILE=$tf_cli_config"; fi
