#!/usr/bin/env bash
# Points a Go module at the control plane of one Kubernetes release:
#
#   tools/kubernetes-module.sh DIR VERSION     e.g. tools/kube v1.36.3
#
# k8s.io/kubernetes points its staging modules (k8s.io/api, client-go, ...) at
# ./staging/src via replace directives, which only apply inside its own repository.
# This sets DIR/go.mod's requirement of k8s.io/kubernetes to VERSION and replaces each of
# those modules by its published v0.<minor>.<patch> release instead (so every other tool
# in DIR builds against the same k8s.io libraries), taking the list, the go directive (when
# newer) and the GODEBUG default from k8s.io/kubernetes' own go.mod at VERSION. A missing
# DIR/go.mod is created with the three control-plane commands as its tools. `go mod tidy`
# then fills in the rest.
set -euo pipefail

dir=${1:?usage: tools/kubernetes-module.sh DIR VERSION}
version=${2:?usage: tools/kubernetes-module.sh DIR VERSION}
[[ $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "kubernetes-module: VERSION must look like v1.36.3, got '$version'" >&2; exit 2; }
staging="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
upstream=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
up_go=$(sed -n 's/^go //p' "$upstream")

mkdir -p "$dir"
cd "$dir"
if [[ ! -f go.mod ]]; then
  cat > go.mod <<EOF
// Builds kube-apiserver, kube-controller-manager and kube-scheduler of Kubernetes
// $version for the local control plane (tools/cluster.sh). Written by
// tools/kubernetes-module.sh.
module web-topology/tools/$(basename "$dir")

go $up_go

tool (
	k8s.io/kubernetes/cmd/kube-apiserver
	k8s.io/kubernetes/cmd/kube-controller-manager
	k8s.io/kubernetes/cmd/kube-scheduler
)
EOF
fi

edits=(-require="k8s.io/kubernetes@$version")
# Replaces of an earlier release go first: a staging module upstream dropped must not linger.
while read -r old; do edits+=(-dropreplace="$old"); done < <(go mod edit -json | jq -r '.Replace[]?.Old.Path | select(startswith("k8s.io/"))')
current_go=$(go mod edit -json | jq -r .Go)
if [[ $(printf '%s\n%s\n' "$current_go" "$up_go" | sort -V | tail -1) == "$up_go" ]]; then edits+=(-go="$up_go"); fi
while read -r setting; do edits+=(-godebug="$setting"); done < <(
  sed -n 's/^godebug \([^(].*\)/\1/p; /^godebug (/,/^)/s/^\t\([^ ]*=[^ ]*\).*/\1/p' "$upstream")
go mod edit "${edits[@]}"
{
  printf '\nreplace (\n'
  sed -n '/^replace (/,/^)/s|^\t\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*|\t\1 => \1 '"$staging"'|p' "$upstream"
  printf ')\n'
} >> go.mod
go mod tidy
