#!/usr/bin/env bash
# The one place that builds the project's pinned toolchain from Go modules
# (no registry.terraform.io, GitHub downloads or container registries here).
#
#   tools/build.sh [GROUP...]      GROUP: validate (tofu + providers), cluster, all (default)
#
# Every tool is its own small module under tools/<name>/ with a committed go.mod/go.sum,
# so versions are pinned and the builds reuse Go's default caches. Binaries land in
# $TOOLS_CACHE (default ~/.cache/web-topology/tools), keyed by a stamp of the module's
# go.mod/go.sum and flags, so a warm run only checks stamps.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
bin="$TOOLS_CACHE/bin"
mkdir -p "$bin"

# build_tool MODULE_DIR PACKAGE OUTPUT [LDFLAGS]
build_tool() {
  local dir="$here/$1" pkg=$2 out=$3 ldflags=${4:-}
  local stamp
  stamp=$(cat "$dir/go.mod" "$dir/go.sum" <(printf '%s\n%s\n' "$pkg" "$ldflags") | sha256sum | cut -c1-16)
  if [[ -x "$bin/$out" && "$(cat "$bin/.$out.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "tools: $out is up to date"
    return
  fi
  local t0=$SECONDS
  echo "tools: building $out from $pkg"
  (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  echo "$stamp" > "$bin/.$out.stamp"
  echo "tools: built $out in $((SECONDS - t0))s"
}

# Groups are filled in by the tools they need (see README "Toolchain").
build_validate() { :; }
build_cluster() { :; }

groups=("${@:-all}")
for g in "${groups[@]}"; do
  case "$g" in
    validate) build_validate ;;
    cluster) build_cluster ;;
    all) build_validate; build_cluster ;;
    *) echo "tools/build.sh: unknown group '$g' (expected validate, cluster or all)" >&2; exit 2 ;;
  esac
done
echo "TOOLS_BIN=$bin"
