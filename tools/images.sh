#!/usr/bin/env bash
# Builds every container image that the pods of the real node (tools/real-node.sh) run, as OCI
# image tarballs under the exact references the manifests use: no registry is reachable, so
# containerd gets them from `ctr -n k8s.io images import FILE`.
#
#   tools/images.sh        build what changed, print one line per image and the path of images.json
#
# What goes in: Debian's packages for the Debian-based images, the project's own Go builds for the
# rest (tools/build.sh cnpg promop node migrate), gcc for the pause binary. The Debian-based images share one
# Debian root filesystem (debootstrap --variant=minbase plus tools/images/packages.txt) as their
# first layer, so containerd stores it once; each adds a small layer of its own (users, files,
# directories) and the image config (entrypoint, user, env) of the upstream image it stands for.
# The scratch images take the Go binaries, and what their upstream base has (passwd, certificates,
# busybox for the Prometheus ones). crane (go-containerregistry) assembles the images through a
# registry of its own on 127.0.0.1 that lives as long as this script.
#
# Out: $TOOLS_CACHE/images/NAME.tar (TOOLS_CACHE as tools/build.sh) and images.json, which maps
# each reference to its file, manifest digest and what it really contains: Debian's package versions
# differ from the upstream tags (e.g. valkey-server 8.1.1 under valkey:8.1.10-alpine).
# Stamps: the root filesystem is keyed by the package list and the code that builds it; an image by
# this script, tools/images/, its inputs (binaries, files) and the root filesystem's stamp.
#   IMAGES_NO_BUILD=1  take the binaries as they are in $TOOLS_CACHE/bin instead of running
#                      tools/build.sh first (when the caller just ran it)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
TOOLS_CACHE=${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/web-topology/tools}
bin="$TOOLS_CACHE/bin"
out="$TOOLS_CACHE/images"
suite=trixie

die() { echo "tools/images.sh: $*" >&2; exit 1; }
log() { echo "images: $*"; }

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, chroot, file ownership in the layers)"
for cmd in debootstrap chroot gcc strip readelf setcap jq node go tar gzip sha256sum flock; do
  command -v "$cmd" >/dev/null || die "$cmd is not installed"
done
mkdir -p "$out"
# One run at a time per cache: a second one waits instead of building the same files.
exec 9>"$out/.lock"
flock 9

# Everything temporary, undone on any exit: crane's registry, whatever is still mounted in the
# work dir (the chroot's /proc, or debootstrap's own mounts if it was killed), the work dir.
registry_pid="" registry=""
tmp=$(mktemp -d "$out/.tmp-XXXXXX")
cleanup() {
  local mp
  if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  for mp in $(awk -v t="$tmp/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done
  # Never into another file system (a /dev that is still bound in).
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Inputs ---------------------------------------------------------------------------------

if [[ ${IMAGES_NO_BUILD:-} != 1 ]]; then
  # Its progress goes to stderr: stdout is one line per image.
  "$here/build.sh" cnpg promop node migrate >&2 || die "tools/build.sh cnpg promop node migrate failed"
fi
need_bin() {
  [[ -x $bin/$1 ]] || die "$bin/$1 is missing: tools/build.sh $2 builds it"
  echo "$bin/$1"
}
crane=$(need_bin crane node)
cnpg_manager=$(need_bin cnpg-manager cnpg)
prometheus=$(need_bin prometheus node)
reloader=$(need_bin prometheus-config-reloader node)
coredns=$(need_bin coredns node)
goose=$(need_bin goose migrate)

# module MODULE_DIR MODULE: sets mod_version and mod_dir, the source tree of MODULE at the version
# tools/MODULE_DIR/go.mod selects (downloaded into Go's module cache if needed).
mod_version="" mod_dir=""
module() {
  local json
  [[ -f $here/$1/go.mod ]] || die "tools/$1/go.mod is missing (needed for $2)"
  json=$(cd "$here/$1" && GOFLAGS=-mod=readonly go mod download -json "$2") \
    || die "cannot download $2 as tools/$1/go.mod requires it"
  mod_version=$(jq -r .Version <<<"$json") mod_dir=$(jq -r .Dir <<<"$json")
  [[ -d $mod_dir ]] || die "no source tree of $2 from tools/$1"
}
# A Go string constant NAME = "value" in FILE.
go_const() {
  local v
  v=$(sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$1" | head -n1)
  [[ -n $v ]] || die "no constant $2 in $1"
  echo "$v"
}
# The version of MODULE that a Go binary was built with (its build info), empty if none.
go_module_version() {
  go version -m "$1" | awk -v m="$2" '($1 == "dep" || $1 == "mod") && $2 == m { print $3; exit }'
}
# Fails unless BINARY was built from MODULE at VERSION: the image would carry another release.
check_module() {
  local got
  got=$(go_module_version "$1" "$2")
  [[ $got == "$3" ]] || die "$1 was built from $2 ${got:-(not in its build info)}, but the image is for $3"
}

versions_json="$repo/config/versions.json"
postgres_ref=$(node -p "require('$versions_json').images.postgres")
valkey_ref=$(node -p "require('$versions_json').images.valkey")
exporter_ref=$(node -p "require('$versions_json').images.valkeyExporter")
migrate_ref=$(node -p "require('$versions_json').images.migrationRunner")
# The app's own tiers (config/environments.ts).
backend_ref=$(sed -n "s/^const BACKEND_IMAGE = '\(.*\)';/\1/p" "$repo/config/environments.ts")
frontend_ref=$(sed -n "s/^const FRONTEND_IMAGE = '\(.*\)';/\1/p" "$repo/config/environments.ts")
[[ -n $backend_ref && -n $frontend_ref ]] || die "no BACKEND_IMAGE/FRONTEND_IMAGE in config/environments.ts"

# CloudNativePG's defaults for the operator (whose manager the operand pods copy in) and PgBouncer.
module kube github.com/cloudnative-pg/cloudnative-pg
cnpg_version=$mod_version cnpg_dir=$mod_dir
operator_ref=$(go_const "$cnpg_dir/pkg/versions/versions.go" DefaultOperatorImageName)
pgbouncer_ref=$(go_const "$cnpg_dir/pkg/versions/versions.go" DefaultPgbouncerImage)
check_module "$cnpg_manager" github.com/cloudnative-pg/cloudnative-pg "$cnpg_version"

# prometheus-operator's defaults: Prometheus is the newest of its compatibility matrix, the
# config reloader its own release.
module kube github.com/prometheus-operator/prometheus-operator
promop_version=$mod_version promop_dir=$mod_dir
defaults="$promop_dir/pkg/operator/defaults.go"
prometheus_tag=$(awk '/PrometheusCompatibilityMatrix = \[\]string\{/ { on = 1; next } on && /^\t\}/ { exit }
  on && match($0, /"v[^"]*"/) { last = substr($0, RSTART + 1, RLENGTH - 2) } END { print last }' "$defaults")
[[ -n $prometheus_tag ]] || die "no PrometheusCompatibilityMatrix in $defaults"
prometheus_ref="$(go_const "$defaults" DefaultPrometheusBaseImage):$prometheus_tag"
reloader_ref=$(sed -n 's/.*DefaultPrometheusConfigReloaderImage = "\([^"]*\)" + version.Version.*/\1/p' "$defaults")
[[ -n $reloader_ref ]] || die "no DefaultPrometheusConfigReloaderImage in $defaults"
reloader_ref+=${promop_version#v}
check_module "$reloader" github.com/prometheus-operator/prometheus-operator "$promop_version"
# The Prometheus module's v0.MMM.P is Prometheus v3.MM.P (as tools/build.sh stamps promtool).
prometheus_module=$(go_module_version "$prometheus" github.com/prometheus/prometheus)
pv=${prometheus_module#v0.}
[[ $pv =~ ^[0-9]{3}\.[0-9]+$ && v3.$((10#${pv:1:2})).${pv#*.} == "$prometheus_tag" ]] \
  || die "$prometheus was built from github.com/prometheus/prometheus ${prometheus_module:-(unknown)}, not Prometheus $prometheus_tag"

# The node's containerd picks the sandbox image; CoreDNS is the release tools/node builds, under
# the name kubeadm gives it (Kubernetes' registry, the pause image's, then coredns/coredns).
module node github.com/containerd/containerd/v2
containerd_dir=$mod_dir
pause_ref=$(go_const "$containerd_dir/internal/cri/config/config.go" DefaultSandboxImage)
module node github.com/coredns/coredns
coredns_version=$mod_version
coredns_ref=${pause_ref%%/*}/coredns/coredns:$coredns_version
check_module "$coredns" github.com/coredns/coredns "$coredns_version"
# pause.c from the Kubernetes release of the control plane.
module kube k8s.io/kubernetes
kubernetes_version=$mod_version kubernetes_dir=$mod_dir
module kube github.com/prometheus/prometheus
prometheus_dir=$mod_dir

# The migration runner's goose is the release of tools/goose, which its tag names.
module goose github.com/pressly/goose/v3
[[ $mod_version == "${migrate_ref##*:}" ]] || die "tools/goose pins goose $mod_version, but the runner image is $migrate_ref"
check_module "$goose" github.com/pressly/goose/v3 "$mod_version"

pg_major=${postgres_ref##*:}; pg_major=${pg_major%%.*}
[[ $postgres_ref == *"-$suite" && $pg_major =~ ^[0-9]+$ ]] \
  || die "config/versions.json's postgres image $postgres_ref is not a PostgreSQL MAJOR.MINOR-...-$suite tag"

# --- The shared Debian root filesystem ------------------------------------------------------

# The host's apt configuration names the mirror (and the security mirror, if it has one): "URI SUITE"
# of each deb source, from apt itself, or from the sources files when apt has no lists yet.
apt_sources() {
  local list parts f
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null || true
  eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d)"
  for f in "$list" "$parts"*.list; do
    [[ ! -f $f ]] || awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
  done
  for f in "$parts"*.sources; do
    [[ ! -f $f ]] || awk 'BEGIN { RS = ""; FS = "\n" } {
      delete v
      for (i = 1; i <= NF; i++) if ($i !~ /^#/ && (c = index($i, ":"))) v[tolower(substr($i, 1, c - 1))] = substr($i, c + 1)
      if (v["types"] !~ /(^| )deb( |$)/ || v["enabled"] ~ /no/) next
      n = split(v["uris"], u, " "); m = split(v["suites"], s, " ")
      for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print u[a], s[b] }' "$f"
  done
}
apt_uri() {
  apt_sources | awk -v want="$1" '(want == "security") == ($2 ~ /-security$/) && $2 !~ /-(updates|backports)$/ { print $1; exit }'
}

base="$out/base"
rootfs="$base/rootfs"
build_base() {
  local mirror security t0=$SECONDS t1 t2 packages
  mirror=$(apt_uri main)
  security=$(apt_uri security)
  [[ -n $mirror ]] || die "the host's apt configuration names no Debian mirror (apt-get indextargets, sources.list(.d))"
  packages=$(sed 's/#.*//' "$here/images/packages.txt" | xargs)
  # Built aside and moved in whole at the end: an interrupted build leaves the last one as it was.
  local new="$tmp/base" root="$tmp/base/rootfs"
  mkdir -p "$new"
  log "debootstrap $suite (minbase) from the host's Debian mirror"
  debootstrap --variant=minbase --components=main "$suite" "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
    || die "debootstrap $suite failed; last lines: $(tail -n 5 "$tmp/debootstrap.log")"
  t1=$SECONDS
  # The point-release and security updates too, as the upstream images' apt-get upgrade does.
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$suite" "$suite"
    [[ -z $security ]] || printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$suite"
  } > "$root/etc/apt/sources.list.d/debian.sources"
  # As Debian's slim images: no documentation, manuals or translations. And no JIT for PostgreSQL:
  # LLVM and the Z3 solver it links are 150 of the 460 MB; without llvmjit.so PostgreSQL runs
  # as with jit = off (pg_jit_available() is false), which the test's small queries never miss.
  cat > "$root/etc/dpkg/dpkg.cfg.d/images-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/lib/postgresql/*/lib/llvmjit*
path-exclude /usr/lib/postgresql/*/lib/bitcode/*
path-exclude /usr/lib/x86_64-linux-gnu/libLLVM*
path-exclude /usr/lib/x86_64-linux-gnu/libz3.so*
EOF
  # No service starts in the chroot.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  # Users with the upstream images' ids. pgbouncer (998:996) and valkey (uid 999) exist before the
  # packages, so no package takes their ids; postgres gets uid 26 after its package created it
  # (usermod, as CloudNativePG's image does), valkey's group the alpine image's gid 1000 after the
  # package accepted it as a system group. The app tiers run as 10001.
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
    PG_MAJOR="$pg_major" PACKAGES="$packages" bash -euo pipefail -c '
      apt-get update -qq
      groupadd -r -g 996 pgbouncer && useradd -r -u 998 -g 996 pgbouncer
      groupadd -r -g 999 valkey && useradd -r -u 999 -g 999 -d /var/lib/valkey -s /usr/sbin/nologin valkey
      groupadd -g 10001 app && useradd -u 10001 -g 10001 -d /app -M -s /usr/sbin/nologin app
      apt-get install -y -qq --no-install-recommends postgresql-common
      # No cluster: CloudNativePG runs initdb itself.
      sed -ri "s/#(create_main_cluster) .*$/\1 = false/" /etc/postgresql-common/createcluster.conf
      apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR" $PACKAGES
      old=$(id -u postgres)
      usermod -u 26 postgres
      find / -xdev -uid "$old" -exec chown -h 26 {} +
      groupmod -g 1000 valkey
      find / -xdev -gid 999 -exec chgrp -h 1000 {} +
      apt-get clean
      rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/* /tmp/* /var/tmp/* /usr/sbin/policy-rc.d \
        /var/cache/debconf/*-old /var/lib/dpkg/*-old
      # The runtime mounts its own: nothing of the build host leaks into the images.
      : > /etc/resolv.conf; : > /etc/hostname
      find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
      find /usr/share/man /usr/share/info /usr/share/locale -mindepth 1 -delete 2>/dev/null || true
    ' >"$tmp/packages.log" 2>&1 || die "installing the packages in the $suite root filesystem failed; last lines: $(tail -n 8 "$tmp/packages.log")"
  umount "$root/proc"
  t2=$SECONDS
  # What each image needs from it, checked before anything is built on it.
  local f
  for f in "usr/lib/postgresql/$pg_major/bin/"{postgres,initdb,pg_ctl,pg_controldata,pg_basebackup,pg_rewind,pg_isready,psql} \
    usr/sbin/pgbouncer usr/bin/valkey-server usr/bin/valkey-cli usr/bin/prometheus-redis-exporter usr/bin/python3 \
    usr/bin/busybox etc/ssl/certs/ca-certificates.crt; do
    [[ -x $root/$f || -f $root/$f ]] || die "the $suite root filesystem has no /$f"
  done
  chroot "$root" python3 -c 'import psycopg, redis' || die "python3 cannot import psycopg and redis in the $suite root filesystem"
  dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Package}\t${Version}\n' | sort > "$new/packages.tsv"
  # The layer keeps the packages' mtimes (Python's bytecode checks them); no device nodes, mounts.
  layer_tar "$root" "$new/layer.tar.gz" keep-mtime \
    --anchored --exclude='dev/*' --exclude='proc/*' --exclude='sys/*' --exclude='run/*' --exclude='tmp/*'
  echo "$base_stamp" > "$new/.stamp"
  rm -rf "$base"
  mv "$new" "$base"
  log "$suite root filesystem built in $((SECONDS - t0))s (debootstrap $((t1 - t0))s, packages $((t2 - t1))s," \
    "layer $((SECONDS - t2))s; $(du -sm "$rootfs" | cut -f1) MB, layer $(( $(stat -c %s "$base/layer.tar.gz") / 1048576 )) MB gzipped)"
}

# A reproducible gzipped layer of DIR's contents: sorted, numeric owners, no atime/ctime or
# per-process names in the pax headers, file capabilities kept; fixed mtimes unless keep-mtime.
layer_tar() {
  local dir=$1 file=$2 mtime=$3
  shift 3
  local -a entries
  mapfile -t entries < <(cd "$dir" && LC_ALL=C ls -A)
  [[ $mtime == keep-mtime ]] && mtime=() || mtime=(--mtime=@0)
  tar --create --format=posix --numeric-owner --sort=name "${mtime[@]}" \
    --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
    --xattrs --xattrs-include=security.capability "$@" -C "$dir" -- "${entries[@]}" | gzip -n > "$file.tmp"
  mv "$file.tmp" "$file"
}

# Keyed by the package list and the code that builds it.
base_stamp=$( { cat "$here/images/packages.txt"; echo "$suite $pg_major"; declare -f build_base layer_tar; } | sha256sum | cut -c1-16)
if [[ $(cat "$base/.stamp" 2>/dev/null) != "$base_stamp" || ! -d $rootfs || ! -f $base/layer.tar.gz ]]; then
  build_base
else
  log "$suite root filesystem is up to date"
fi
base_layer="$base/layer.tar.gz"
deb_version() { awk -v p="$1" '$1 == p { print $2 }' "$base/packages.tsv"; }
for p in "postgresql-$pg_major" "postgresql-client-$pg_major" postgresql-common pgbouncer valkey-server valkey-tools \
  prometheus-redis-exporter python3 python3-psycopg python3-redis busybox-static; do
  [[ -n $(deb_version "$p") ]] || die "$p is not installed in the $suite root filesystem ($base/packages.tsv)"
done

# --- Building one image ---------------------------------------------------------------------

script_stamp=$(cat "${BASH_SOURCE[0]}" "$here/images/"* | sha256sum | cut -c1-16)
stamp=""
# Each input file is hashed once per run (the base layer is an input of most images).
declare -A sums=()
# up_to_date NAME REF INPUT...: whether NAME.tar is current for these inputs; sets $stamp.
up_to_date() {
  local name=$1 ref=$2 f key
  shift 2
  key="$ref $script_stamp $base_stamp"
  for f in "$@"; do
    if [[ -f $f ]]; then
      [[ -n ${sums[$f]:-} ]] || sums[$f]=$(sha256sum < "$f" | cut -d' ' -f1)
      key+=" ${sums[$f]}"
    else
      key+=" $(sha256sum < "$f" | cut -d' ' -f1)"
    fi
  done
  stamp=$(sha256sum <<<"$key" | cut -c1-16)
  if [[ -f $out/$name.tar && -f $out/.$name.json && $(cat "$out/.$name.stamp" 2>/dev/null) == "$stamp" ]]; then
    log "$ref is up to date ($out/$name.tar)"
    return 0
  fi
  return 1
}

start_registry() {
  [[ -z $registry ]] || return 0
  : > "$tmp/registry.log"
  "$crane" registry serve --address 127.0.0.1:0 2>"$tmp/registry.log" 9>&- &
  registry_pid=$!
  local port="" i
  for ((i = 0; i < 100; i++)); do
    port=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$tmp/registry.log")
    [[ -z $port ]] || break
    kill -0 "$registry_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || die "crane registry serve did not start: $(cat "$tmp/registry.log")"
  registry=127.0.0.1:$port
}

# Image config of the next publish; reset after each.
cfg_entrypoint="" cfg_cmd="" cfg_user="" cfg_workdir="" cfg_ports="" cfg_path="" cfg_env=() contents="{}"
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# publish NAME REF LAYER...: assembles the image with crane, writes NAME.tar (an OCI layout whose
# index names REF the way containerd's import reads it) and its entry of images.json.
publish() {
  local name=$1 ref=$2 t0=$SECONDS
  shift 2
  start_registry
  local at="$registry/$name:build" layout="$tmp/layout-$name" layer
  local -a append=() mutate=(--set-platform linux/amd64 -e "PATH=${cfg_path:-$DEFAULT_PATH}")
  for layer in "$@"; do append+=(-f "$layer"); done
  # crane's list flags split on commas.
  [[ $cfg_entrypoint$cfg_cmd != *,* ]] || die "$ref: an entrypoint or command argument has a comma"
  cfg_entrypoint=${cfg_entrypoint// /,} cfg_cmd=${cfg_cmd// /,}
  [[ -z $cfg_entrypoint ]] || mutate+=(--entrypoint "$cfg_entrypoint")
  [[ -z $cfg_cmd ]] || mutate+=(--cmd "$cfg_cmd")
  [[ -z $cfg_user ]] || mutate+=(--user "$cfg_user")
  [[ -z $cfg_workdir ]] || mutate+=(--workdir "$cfg_workdir")
  [[ -z $cfg_ports ]] || mutate+=(--exposed-ports "$cfg_ports")
  local e
  for e in "${cfg_env[@]}"; do mutate+=(-e "$e"); done
  "$crane" append --oci-empty-base "${append[@]}" -t "$at" >/dev/null 2>"$tmp/crane.log" \
    || die "$ref: crane append failed: $(cat "$tmp/crane.log")"
  "$crane" mutate "$at" "${mutate[@]}" -t "$at" >/dev/null 2>"$tmp/crane.log" \
    || die "$ref: crane mutate failed: $(cat "$tmp/crane.log")"
  rm -rf "$layout"
  "$crane" pull --format oci "$at" "$layout" 2>"$tmp/crane.log" || die "$ref: crane pull failed: $(cat "$tmp/crane.log")"
  # containerd names the image after io.containerd.image.name; OCI's ref.name is the tag alone.
  jq --arg ref "$ref" --arg tag "${ref##*:}" \
    '.manifests[0].annotations = {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $tag}
     | .manifests[0].platform = {architecture: "amd64", os: "linux"}' "$layout/index.json" > "$layout/index.json.tmp"
  mv "$layout/index.json.tmp" "$layout/index.json"
  [[ $(jq '.manifests | length' "$layout/index.json") == 1 ]] || die "$ref: the layout holds more than one manifest"
  tar --create --format=posix --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 \
    --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
    -C "$layout" -f "$out/$name.tar.tmp" oci-layout index.json blobs
  mv "$out/$name.tar.tmp" "$out/$name.tar"
  local digest size config
  digest=$(jq -r '.manifests[0].digest' "$layout/index.json")
  size=$(stat -c %s "$out/$name.tar")
  config=$("$crane" config "$at")
  jq -n --arg ref "$ref" --arg file "$out/$name.tar" --arg digest "$digest" --argjson bytes "$size" \
    --argjson config "$config" --argjson contents "$contents" --arg list "$base/packages.tsv" \
    --argjson debian "$([[ ${1:-} == "$base_layer" ]] && wc -l < "$base/packages.tsv" || echo null)" \
    '{($ref): {file: $file, digest: $digest, bytes: $bytes,
      layers: ($config.rootfs.diff_ids | length),
      base: (if $debian then "the shared Debian root filesystem: \($debian) packages, listed in \($list)" else "scratch" end),
      user: ($config.config.User // ""), entrypoint: ($config.config.Entrypoint // []), cmd: ($config.config.Cmd // []),
      contents: $contents}}' > "$out/.$name.json"
  echo "$stamp" > "$out/.$name.stamp.tmp"
  mv "$out/.$name.stamp.tmp" "$out/.$name.stamp"
  rm -rf "$layout"
  log "built $ref in $((SECONDS - t0))s ($((size / 1048576)) MB, $out/$name.tar)"
  cfg_entrypoint="" cfg_cmd="" cfg_user="" cfg_workdir="" cfg_ports="" cfg_env=() contents="{}" cfg_path=""
}

# A fresh staging directory for a layer.
stage() { rm -rf "$tmp/stage-$1"; mkdir -p "$tmp/stage-$1"; echo "$tmp/stage-$1"; }
# put DIR SRC DEST MODE [OWNER]: a file into a staging directory.
put() { install -D -m "$4" -o "${5%%:*}" -g "${5##*:}" "$2" "$1/$3"; }
# rootfs_path PATH: PATH inside the root filesystem, symlinks resolved there (not on this host).
rootfs_path() { echo "$rootfs$(chroot "$rootfs" readlink -f "$1")"; }

# The C library a dynamically linked binary needs, from the root filesystem: the Go builds link
# against libc when cgo is on, and a scratch image has none. Writes nothing for static binaries.
# glibc_layer NAME BINARY...: sets $glibc to the layer's file, or to nothing.
glibc=""
glibc_layer() {
  local layer="$tmp/glibc-$1.tar.gz" dir interp lib f
  shift
  glibc=""
  local -a queue=() seen=()
  dir=$(stage glibc)
  for f in "$@"; do
    interp=$(readelf -l "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    [[ -n $interp ]] || continue
    put "$dir" "$(rootfs_path "$interp")" "${interp#/}" 0755 0:0
    mapfile -t -O "${#queue[@]}" queue < <(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  done
  while ((${#queue[@]})); do
    lib=${queue[0]}
    queue=("${queue[@]:1}")
    [[ " ${seen[*]} " != *" $lib "* ]] || continue
    seen+=("$lib")
    [[ -e $rootfs/usr/lib/x86_64-linux-gnu/$lib ]] || die "$lib (needed by $*) is not in the $suite root filesystem"
    put "$dir" "$(rootfs_path "/usr/lib/x86_64-linux-gnu/$lib")" "usr/lib/x86_64-linux-gnu/$lib" 0755 0:0
    mapfile -t -O "${#queue[@]}" queue < <(readelf -d "$rootfs/usr/lib/x86_64-linux-gnu/$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  done
  ((${#seen[@]})) || return 0
  layer_tar "$dir" "$layer" fixed
  glibc=$layer
}
linkage() { if readelf -l "$1" | grep -q 'program interpreter'; then echo "dynamic, $suite's libc in its own layer"; else echo static; fi; }
# go_contents NAME MODULE BINARY VERSION-ARGS...: the module version the binary was built from, the
# first line of what it says its version is, its Go and linkage.
go_contents() {
  local reports
  reports=$(timeout 20 "$3" "${@:4}" 2>&1 | grep -m1 . || true)
  jq -n --arg bin "$1" --arg mod "$2" --arg version "$(go_module_version "$3" "$2")" --arg reports "$reports" \
    --arg go "$(go version "$3" | awk '{ print $2 }')" --arg linkage "$(linkage "$3")" \
    '{($bin): {module: $mod, version: $version, reports: $reports, go: $go, linkage: $linkage}}'
}

# Shared layers, built once per run when an image needs them (reproducible, so equal digests).
# distroless/static's files (CloudNativePG's operator and CoreDNS build on it; the exporter's
# scratch image has its certificates): passwd with root, nobody, nonroot (65532), /tmp, /home/nonroot.
static_layer() {
  local dir layer="$tmp/static.tar.gz"
  [[ ! -f $layer ]] || return 0
  dir=$(stage static)
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home/nonroot" "$dir/root"
  chmod 1777 "$dir/tmp"; chmod 700 "$dir/home/nonroot" "$dir/root"; chown 65532:65532 "$dir/home/nonroot"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' > "$dir/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$dir/etc/nsswitch.conf"
  cp "$(rootfs_path /etc/ssl/certs/ca-certificates.crt)" "$dir/etc/ssl/certs/ca-certificates.crt"
  cp "$(rootfs_path /etc/os-release)" "$dir/etc/os-release"
  find "$dir/etc" -type f -exec chmod 644 {} +
  layer_tar "$dir" "$layer" fixed
}
# prometheus/busybox's files (Prometheus and its config reloader build on it): busybox with
# its applets in /bin (sh and wget for the operator's exec probes), passwd with nobody (65534),
# certificates, nsswitch.conf and services.
busybox_layer() {
  local dir layer="$tmp/busybox.tar.gz" applet
  [[ ! -f $layer ]] || return 0
  dir=$(stage busybox)
  mkdir -p "$dir/bin" "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home" "$dir/root" "$dir/var" "$dir/usr/sbin"
  chmod 1777 "$dir/tmp"; chmod 700 "$dir/root"
  install -m 0755 "$(rootfs_path /usr/bin/busybox)" "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do
    [[ $applet == busybox || -e $dir/bin/$applet ]] || ln -s busybox "$dir/bin/$applet"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'daemon:x:1:1:daemon:/usr/sbin:/bin/false' 'bin:x:2:2:bin:/bin:/bin/false' \
    'sys:x:3:3:sys:/dev:/bin/false' 'sync:x:4:100:sync:/bin:/bin/sync' 'mail:x:8:8:mail:/var/spool/mail:/bin/false' \
    'www-data:x:33:33:www-data:/var/www:/bin/false' 'operator:x:37:37:Operator:/var:/bin/false' \
    'nobody:x:65534:65534:nobody:/home:/bin/false' > "$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'daemon:x:1:' 'bin:x:2:' 'sys:x:3:' 'adm:x:4:' 'tty:x:5:' 'disk:x:6:' 'wheel:x:10:root' \
    'mail:x:12:' 'www-data:x:33:' 'operator:x:37:' 'users:x:100:' 'nobody:x:65534:' > "$dir/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$dir/etc/nsswitch.conf"
  cp "$(rootfs_path /etc/ssl/certs/ca-certificates.crt)" "$dir/etc/ssl/certs/ca-certificates.crt"
  cp "$(rootfs_path /etc/services)" "$dir/etc/services"
  find "$dir/etc" -type f -exec chmod 644 {} +
  layer_tar "$dir" "$layer" fixed
}

# --- The images -----------------------------------------------------------------------------

images=()

# CloudNativePG's operand, cloudnative-pg/postgresql:MAJOR.MINOR-standard-trixie
# (postgres-containers' Dockerfile): Debian's postgresql-MAJOR without a cluster, postgres as uid 26,
# USER 26, PATH ending in /usr/lib/postgresql/MAJOR/bin. The root filesystem is the whole image.
images+=(postgresql)
img_postgresql() {
  up_to_date postgresql "$postgres_ref" "$base_layer" && return
  cfg_user=26 cfg_path="$DEFAULT_PATH:/usr/lib/postgresql/$pg_major/bin"
  contents=$(jq -n --arg pg "$(deb_version "postgresql-$pg_major")" --arg common "$(deb_version postgresql-common)" \
    --arg client "$(deb_version "postgresql-client-$pg_major")" \
    "{debian: {\"postgresql-$pg_major\": \$pg, \"postgresql-client-$pg_major\": \$client, \"postgresql-common\": \$common}}")
  publish postgresql "$postgres_ref" "$base_layer"
}

# CloudNativePG's PgBouncer (pgbouncer-containers' Dockerfile): Debian's pgbouncer with
# /usr/bin/pgbouncer (the path CloudNativePG's manager runs), user pgbouncer 998:996 owning
# /etc/pgbouncer, /var/run/pgbouncer (/run: /var/run links to it) and /var/log/pgbouncer, ENTRYPOINT
# ./entrypoint.sh from /.
images+=(pgbouncer)
img_pgbouncer() {
  up_to_date pgbouncer "$pgbouncer_ref" "$base_layer" "$here/images/pgbouncer-entrypoint.sh" && return
  local dir
  dir=$(stage pgbouncer)
  mkdir -p "$dir/usr/bin" "$dir/run/pgbouncer" "$dir/var/log/pgbouncer" "$dir/etc"
  ln -s /usr/sbin/pgbouncer "$dir/usr/bin/pgbouncer"
  cp -a "$rootfs/etc/pgbouncer" "$dir/etc/pgbouncer"
  chown -R 998:996 "$dir/run/pgbouncer" "$dir/var/log/pgbouncer" "$dir/etc/pgbouncer"
  put "$dir" "$here/images/pgbouncer-entrypoint.sh" entrypoint.sh 0755 0:0
  layer_tar "$dir" "$tmp/pgbouncer.tar.gz" fixed
  cfg_user=pgbouncer cfg_entrypoint=./entrypoint.sh cfg_ports=6432
  contents=$(jq -n --arg v "$(deb_version pgbouncer)" '{debian: {pgbouncer: $v}}')
  publish pgbouncer "$pgbouncer_ref" "$base_layer" "$tmp/pgbouncer.tar.gz"
}

# CloudNativePG's operator image (its Dockerfile, on distroless/static nonroot): the manager at
# /operator/manager_amd64 owned by nonroot, /manager linked to it, USER 65532:65532, ENTRYPOINT
# /manager. Operand pods run `/manager bootstrap /controller/manager` from it in an init container.
images+=(cloudnative-pg)
img_cloudnative-pg() {
  up_to_date cloudnative-pg "$operator_ref" "$base_layer" "$cnpg_manager" && return
  local dir layers=()
  dir=$(stage operator)
  put "$dir" "$cnpg_manager" operator/manager_amd64 0755 65532:65532
  ln -s operator/manager_amd64 "$dir/manager"
  layer_tar "$dir" "$tmp/operator.tar.gz" fixed
  static_layer
  glibc_layer operator "$cnpg_manager"
  layers=("$tmp/static.tar.gz" ${glibc:+"$glibc"})
  cfg_user=65532:65532 cfg_workdir=/ cfg_entrypoint=/manager
  contents=$(go_contents manager github.com/cloudnative-pg/cloudnative-pg "$cnpg_manager" version)
  publish cloudnative-pg "$operator_ref" "${layers[@]}" "$tmp/operator.tar.gz"
}

# valkey/valkey:8.1-alpine's layout (valkey-container's Dockerfile) with Debian's valkey-server
# and valkey-tools (valkey-cli for the readiness probe, sh for the StatefulSet's start command):
# user valkey 999 in group valkey 1000, /data and /run/valkey owned by it with mode 1777,
# WORKDIR /data, ENTRYPOINT docker-entrypoint.sh (tools/images/valkey-entrypoint.sh), CMD valkey-server.
images+=(valkey)
img_valkey() {
  up_to_date valkey "$valkey_ref" "$base_layer" "$here/images/valkey-entrypoint.sh" && return
  local dir version
  dir=$(stage valkey)
  mkdir -p "$dir/data" "$dir/run/valkey"
  chown 999:1000 "$dir/data" "$dir/run/valkey"
  chmod 1777 "$dir/data" "$dir/run/valkey"
  put "$dir" "$here/images/valkey-entrypoint.sh" usr/local/bin/docker-entrypoint.sh 0755 0:0
  layer_tar "$dir" "$tmp/valkey.tar.gz" fixed
  version=$(deb_version valkey-server)
  cfg_workdir=/data cfg_entrypoint=docker-entrypoint.sh cfg_cmd=valkey-server cfg_ports=6379
  cfg_env=("VALKEY_VERSION=$(v=${version#*:}; echo "${v%%[-+~]*}")")
  contents=$(jq -n --arg s "$version" --arg t "$(deb_version valkey-tools)" '{debian: {"valkey-server": $s, "valkey-tools": $t}}')
  publish valkey "$valkey_ref" "$base_layer" "$tmp/valkey.tar.gz"
}

# oliver006/redis_exporter's scratch image (its Dockerfile): /redis_exporter (Debian's
# prometheus-redis-exporter), /etc/ssl/certs, USER 59000:59000, ENTRYPOINT /redis_exporter.
images+=(redis_exporter)
img_redis_exporter() {
  up_to_date redis_exporter "$exporter_ref" "$base_layer" && return
  local dir exporter layers=()
  exporter=$(rootfs_path /usr/bin/prometheus-redis-exporter)
  dir=$(stage exporter)
  put "$dir" "$exporter" redis_exporter 0755 0:0
  layer_tar "$dir" "$tmp/exporter.tar.gz" fixed
  static_layer
  glibc_layer exporter "$exporter"
  layers=("$tmp/static.tar.gz" ${glibc:+"$glibc"})
  cfg_user=59000:59000 cfg_entrypoint=/redis_exporter cfg_ports=9121
  contents=$(jq -n --arg v "$(deb_version prometheus-redis-exporter)" --arg l "$(linkage "$exporter")" \
    '{debian: {"prometheus-redis-exporter": $v}, linkage: $l}')
  publish redis_exporter "$exporter_ref" "${layers[@]}" "$tmp/exporter.tar.gz"
}

# prometheus/prometheus (Prometheus' Dockerfile, on prometheus/busybox): /bin/prometheus,
# /etc/prometheus/prometheus.yml (the module's documentation/examples one), /prometheus,
# both owned by nobody, /prometheus group-writable, WORKDIR /prometheus, USER nobody, the default
# --config.file and --storage.tsdb.path. Without promtool: nothing here runs it in the pod.
images+=(prometheus)
img_prometheus() {
  local prom_dir=$prometheus_dir dir layers=()
  up_to_date prometheus "$prometheus_ref" "$base_layer" "$prometheus" "$prom_dir/documentation/examples/prometheus.yml" && return
  dir=$(stage prometheus)
  put "$dir" "$prometheus" bin/prometheus 0755 0:0
  put "$dir" "$prom_dir/documentation/examples/prometheus.yml" etc/prometheus/prometheus.yml 0644 65534:65534
  put "$dir" "$prom_dir/LICENSE" LICENSE 0644 0:0
  put "$dir" "$prom_dir/NOTICE" NOTICE 0644 0:0
  mkdir -p "$dir/prometheus"
  chown 65534:65534 "$dir/etc/prometheus" "$dir/prometheus"
  chmod 775 "$dir/prometheus"
  layer_tar "$dir" "$tmp/prometheus.tar.gz" fixed
  busybox_layer
  glibc_layer prometheus "$prometheus"
  layers=("$tmp/busybox.tar.gz" ${glibc:+"$glibc"})
  cfg_user=nobody cfg_workdir=/prometheus cfg_entrypoint=/bin/prometheus cfg_ports=9090
  cfg_cmd="--config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus"
  contents=$(go_contents prometheus github.com/prometheus/prometheus "$prometheus" --version |
    jq --arg b "$(deb_version busybox-static)" '. + {debian: {"busybox-static": $b}}')
  publish prometheus "$prometheus_ref" "${layers[@]}" "$tmp/prometheus.tar.gz"
}

# prometheus-operator/prometheus-config-reloader (its Dockerfile, on prometheus/busybox):
# /bin/prometheus-config-reloader, USER nobody, ENTRYPOINT /bin/prometheus-config-reloader.
images+=(prometheus-config-reloader)
img_prometheus-config-reloader() {
  up_to_date prometheus-config-reloader "$reloader_ref" "$base_layer" "$reloader" && return
  local dir layers=()
  dir=$(stage reloader)
  put "$dir" "$reloader" bin/prometheus-config-reloader 0755 0:0
  layer_tar "$dir" "$tmp/reloader.tar.gz" fixed
  busybox_layer
  glibc_layer reloader "$reloader"
  layers=("$tmp/busybox.tar.gz" ${glibc:+"$glibc"})
  cfg_user=nobody cfg_entrypoint=/bin/prometheus-config-reloader
  contents=$(go_contents prometheus-config-reloader github.com/prometheus-operator/prometheus-operator "$reloader" --version |
    jq --arg b "$(deb_version busybox-static)" '. + {debian: {"busybox-static": $b}}')
  publish prometheus-config-reloader "$reloader_ref" "${layers[@]}" "$tmp/reloader.tar.gz"
}

# coredns/coredns (CoreDNS' Dockerfile, on distroless/static nonroot): /coredns
# with the file capability cap_net_bind_service (port 53 as a non-root user), USER 65532:65532,
# WORKDIR /, ENTRYPOINT /coredns.
images+=(coredns)
img_coredns() {
  up_to_date coredns "$coredns_ref" "$base_layer" "$coredns" && return
  local dir layers=()
  dir=$(stage coredns)
  put "$dir" "$coredns" coredns 0755 0:0
  setcap cap_net_bind_service=+ep "$dir/coredns" || die "setcap on coredns failed (the file system of $tmp needs xattrs)"
  layer_tar "$dir" "$tmp/coredns.tar.gz" fixed
  static_layer
  glibc_layer coredns "$coredns"
  layers=("$tmp/static.tar.gz" ${glibc:+"$glibc"})
  cfg_user=65532:65532 cfg_workdir=/ cfg_entrypoint=/coredns cfg_ports="53/tcp,53/udp"
  contents=$(go_contents coredns github.com/coredns/coredns "$coredns" -version)
  publish coredns "$coredns_ref" "${layers[@]}" "$tmp/coredns.tar.gz"
}

# The pause image containerd's CRI defaults to (Kubernetes' build/pause: Makefile and Dockerfile):
# pause.c compiled static with gcc -Os -Wall -Werror -DVERSION=..., stripped, at /pause on
# scratch, USER 65535:65535, ENTRYPOINT /pause.
images+=(pause)
img_pause() {
  local src="$kubernetes_dir/build/pause/linux/pause.c" tag dir
  tag=$(sed -n 's/^TAG ?= *//p' "$kubernetes_dir/build/pause/Makefile")
  up_to_date pause "$pause_ref" "$src" <(gcc --version) && return
  dir=$(stage pause)
  gcc -Os -Wall -Werror -static -DVERSION="v$tag-$kubernetes_version" -o "$dir/pause" "$src" || die "gcc could not build $src"
  strip "$dir/pause"
  "$dir/pause" -v >/dev/null || die "the pause binary does not run"
  chmod 755 "$dir/pause"
  layer_tar "$dir" "$tmp/pause.tar.gz" fixed
  cfg_user=65535:65535 cfg_entrypoint=/pause
  contents=$(jq -n --arg v "$("$dir/pause" -v | awk '{ print $2 }')" --arg src "k8s.io/kubernetes@$kubernetes_version build/pause/linux/pause.c" \
    --arg gcc "$(gcc -dumpfullversion)" '{pause: {version: $v, source: $src, gcc: $gcc, linkage: "static"}}')
  [[ ${pause_ref##*:} == "$tag" ]] || log "note: $pause_ref is built from Kubernetes $kubernetes_version's pause $tag"
  publish pause "$pause_ref" "$tmp/pause.tar.gz"
}

# The schema migrations' runner (constructs/database/schema-migration.ts runs `sh -c` with goose,
# pg_isready and psql): the shared root filesystem, whose postgresql-MAJOR brings
# postgresql-client-MAJOR, with goose at /usr/local/bin/goose, USER 10001:10001 (app), PATH ending in
# /usr/lib/postgresql/MAJOR/bin (psql and pg_isready themselves, not Debian's Perl wrappers).
images+=(goose-migrate)
img_goose-migrate() {
  up_to_date goose-migrate "$migrate_ref" "$base_layer" "$goose" && return
  local dir
  dir=$(stage goose)
  put "$dir" "$goose" usr/local/bin/goose 0755 0:0
  layer_tar "$dir" "$tmp/goose.tar.gz" fixed
  cfg_user=10001:10001 cfg_workdir=/ cfg_entrypoint=goose cfg_path="$DEFAULT_PATH:/usr/lib/postgresql/$pg_major/bin"
  contents=$(go_contents goose github.com/pressly/goose/v3 "$goose" -version |
    jq --arg c "$(deb_version "postgresql-client-$pg_major")" "{debian: {\"postgresql-client-$pg_major\": \$c}} + .")
  publish goose-migrate "$migrate_ref" "$base_layer" "$tmp/goose.tar.gz"
}

# The app's tiers: Debian's python3 with psycopg 3 and redis-py, the e2e fixtures
# (e2e/fixtures/web/*.py) in /app, USER 10001:10001 (the pods run as non-root with a read-only
# root filesystem, so no bytecode is written). One /app layer for both.
app_files=("$repo/e2e/fixtures/web/backend.py" "$repo/e2e/fixtures/web/frontend.py" "$repo/e2e/fixtures/web/serving.py")
app_layer() {
  local dir layer="$tmp/app.tar.gz" f
  [[ ! -f $layer ]] || return 0
  dir=$(stage app)
  for f in "${app_files[@]}"; do put "$dir" "$f" "app/${f##*/}" 0644 0:0; done
  layer_tar "$dir" "$layer" fixed
}
app_image() {
  local name=$1 ref=$2 script=$3 f
  for f in "${app_files[@]}"; do [[ -f $f ]] || die "$f is missing (the app images' code)"; done
  up_to_date "$name" "$ref" "$base_layer" "${app_files[@]}" && return
  cfg_user=10001:10001 cfg_workdir=/app cfg_entrypoint="python3 /app/$script"
  cfg_env=(PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1)
  contents=$(jq -n --arg py "$(deb_version python3)" --arg pg "$(deb_version python3-psycopg)" --arg r "$(deb_version python3-redis)" \
    --arg app "e2e/fixtures/web/$script" '{debian: {python3: $py, "python3-psycopg": $pg, "python3-redis": $r}, app: $app}')
  app_layer
  publish "$name" "$ref" "$base_layer" "$tmp/app.tar.gz"
}
images+=(web-backend web-frontend)
img_web-backend() { app_image web-backend "$backend_ref" backend.py; }
img_web-frontend() { app_image web-frontend "$frontend_ref" frontend.py; }

for name in "${images[@]}"; do
  "img_$name"
done

# images.json: the entries of this run's images, keyed by reference.
jq -s 'add' $(for name in "${images[@]}"; do echo "$out/.$name.json"; done) > "$out/images.json.tmp"
mv "$out/images.json.tmp" "$out/images.json"
echo "IMAGES_JSON=$out/images.json"
