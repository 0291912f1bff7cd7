#!/usr/bin/env bash
# The CRDs behind the app stack's custom resources, taken from the source trees of the
# Go modules pinned in tools/crds/go.mod (Helm charts cannot be pulled here, the module
# proxy can). The versions are the ones config/versions.json installs in a real cluster;
# a mismatch between the two files is an error.
#
#   tools/crds.sh               print the CRDs as one multi-document YAML stream
#   tools/crds.sh DIR           copy the CRD files into DIR (created if missing)
#   tools/crds.sh --versions    only print what would be installed
#
# The summary ("crds: ...") goes to stderr when the YAML goes to stdout.
#   GATEWAY_API_CHANNEL=standard (default) | experimental
#     standard: sigs.k8s.io/gateway-api config/crd/standard, the channel our resources target;
#     experimental: the exact bundle the Envoy Gateway chart installs by default.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
versions_json="$here/../config/versions.json"
channel=${GATEWAY_API_CHANNEL:-standard}

mode=stream dest=""
case "${1:-}" in
  "") ;;
  --versions) mode=versions ;;
  -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
  -*) echo "tools/crds.sh: unknown option $1" >&2; exit 2 ;;
  *) mode=dir dest=$1 ;;
esac

# Module path -> "version dir", downloading into Go's module cache if needed.
declare -A ver dir
while read -r path version moddir; do
  ver[$path]=$version dir[$path]=$moddir
done < <(cd "$here/crds" && GOFLAGS=-mod=readonly go mod download -json \
  sigs.k8s.io/gateway-api github.com/envoyproxy/gateway \
  github.com/cloudnative-pg/cloudnative-pg github.com/prometheus-operator/prometheus-operator |
  jq -r '"\(.Path) \(.Version) \(.Dir)"')

gwapi=sigs.k8s.io/gateway-api eg=github.com/envoyproxy/gateway
cnpg=github.com/cloudnative-pg/cloudnative-pg promop=github.com/prometheus-operator/prometheus-operator

fail() { echo "tools/crds.sh: $*" >&2; exit 1; }

# The pins must be the charts' versions (config/versions.json) ...
want_eg=$(jq -r .charts.envoyGateway.version "$versions_json")
want_cnpg=v$(jq -r .charts.cloudnativePg.appVersion "$versions_json" | sed 's/^v//')
want_promop=v$(jq -r .charts.kubePrometheusStack.appVersion "$versions_json" | sed 's/^v//')
[[ ${ver[$eg]} == "$want_eg" ]] || fail "$eg is ${ver[$eg]} in tools/crds/go.mod but the Envoy Gateway chart is $want_eg"
[[ ${ver[$cnpg]} == "$want_cnpg" ]] || fail "$cnpg is ${ver[$cnpg]} in tools/crds/go.mod but the cloudnative-pg chart's appVersion is $want_cnpg"
[[ ${ver[$promop]} == "$want_promop" ]] || fail "$promop is ${ver[$promop]} in tools/crds/go.mod but the kube-prometheus-stack chart's appVersion is $want_promop"
# ... and Gateway API the bundle that this Envoy Gateway release ships.
eg_crds=${dir[$eg]}/charts/gateway-helm/charts/crds/crds
eg_bundle=$(sed -n 's/^ *gateway.networking.k8s.io\/bundle-version: *//p' "$eg_crds/gatewayapi-crds.yaml" | sort -u)
[[ $eg_bundle == "${ver[$gwapi]}" ]] || fail "$gwapi is ${ver[$gwapi]} in tools/crds/go.mod but Envoy Gateway ${ver[$eg]} bundles Gateway API $eg_bundle"

files=()
case "$channel" in
  standard) files+=("${dir[$gwapi]}"/config/crd/standard/gateway.networking.k8s.io_*.yaml) ;;
  experimental) files+=("$eg_crds/gatewayapi-crds.yaml") ;;
  *) fail "GATEWAY_API_CHANNEL must be standard or experimental, not '$channel'" ;;
esac
files+=("$eg_crds"/generated/gateway.envoyproxy.io_*.yaml)
files+=("${dir[$cnpg]}"/config/crd/bases/postgresql.cnpg.io_*.yaml)
for kind in servicemonitors podmonitors prometheusrules; do
  files+=("${dir[$promop]}/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml")
done

# Only CustomResourceDefinitions (gateway-api's standard directory also holds a
# ValidatingAdmissionPolicy for safe upgrades, which is not ours to install).
crd_files=()
for f in "${files[@]}"; do
  [[ -f $f ]] || fail "missing $f"
  grep -q '^kind: CustomResourceDefinition' "$f" && crd_files+=("$f")
done

names() { sed -n '/^kind: CustomResourceDefinition/,/^spec:/s/^  name: //p' "$@"; }
summary() {
  echo "crds: Gateway API ${ver[$gwapi]} ($channel channel, the bundle of Envoy Gateway ${ver[$eg]}) from $gwapi"
  echo "crds: Envoy Gateway ${ver[$eg]} (chart gateway-helm $want_eg) from $eg"
  echo "crds: CloudNativePG ${ver[$cnpg]} (chart cloudnative-pg $(jq -r .charts.cloudnativePg.version "$versions_json")) from $cnpg"
  echo "crds: prometheus-operator ${ver[$promop]} (chart kube-prometheus-stack $(jq -r .charts.kubePrometheusStack.version "$versions_json")) from $promop"
  echo "crds: $(names "${crd_files[@]}" | wc -l) CRDs: $(names "${crd_files[@]}" | sort | paste -sd' ')"
}

case "$mode" in
  versions) summary ;;
  stream)
    summary >&2
    for f in "${crd_files[@]}"; do echo "---"; cat "$f"; echo; done ;;
  dir)
    mkdir -p "$dest"
    for f in "${crd_files[@]}"; do
      install -m 0644 "$f" "$dest/$(basename "$f")"
    done
    summary ;;
esac
