#!/usr/bin/env bash
# Writes the Go module that builds the control plane of one Kubernetes release:
#
#   tools/kubernetes-module.sh DIR VERSION     e.g. tools/kubernetes v1.36.3
#
# k8s.io/kubernetes points its staging modules (k8s.io/api, client-go, ...) at
# ./staging/src via replace directives, which only apply inside its own repository;
# the module written here replaces each of them by its published v0.<minor>.<patch>
# release instead, taking the list, the go directive and the GODEBUG default from
# k8s.io/kubernetes' own go.mod at VERSION. `go mod tidy` then fills in the rest.
set -euo pipefail

dir=${1:?usage: tools/kubernetes-module.sh DIR VERSION}
version=${2:?usage: tools/kubernetes-module.sh DIR VERSION}
[[ $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "kubernetes-module: VERSION must look like v1.36.3, got '$version'" >&2; exit 2; }
staging="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
upstream=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')

mkdir -p "$dir"
{
  cat <<EOF
// Builds kube-apiserver, kube-controller-manager and kube-scheduler of Kubernetes
// $version for the local control plane (tools/cluster.sh). Written by
// tools/kubernetes-module.sh: each staging module that k8s.io/kubernetes replaces by a
// local path is replaced here by its published $staging release.
module web-topology/tools/$(basename "$dir")

EOF
  grep -E '^(go|godebug) ' "$upstream"
  cat <<EOF

tool (
	k8s.io/kubernetes/cmd/kube-apiserver
	k8s.io/kubernetes/cmd/kube-controller-manager
	k8s.io/kubernetes/cmd/kube-scheduler
)

require k8s.io/kubernetes $version

replace (
EOF
  sed -n '/^replace (/,/^)/s|^\t\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*|\t\1 => \1 '"$staging"'|p' "$upstream"
  echo ")"
} > "$dir/go.mod"
rm -f "$dir/go.sum"
(cd "$dir" && go mod tidy)
