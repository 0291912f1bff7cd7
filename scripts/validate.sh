#!/usr/bin/env bash
# npm run validate: check every synthesized stack against the real provider schemas
# (snapshots only prove the output did not change, not that the providers accept it).
#
#   scripts/validate.sh            synth the app and examples/, then validate every stack
#   scripts/validate.sh OUTDIR     validate OUTDIR/stacks/* as they are (no synth)
#
# Uses OpenTofu built by tools/build.sh; TERRAFORM_BINARY_NAME=terraform (or a path)
# uses that binary instead. Providers come only from the local mirror: no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
t_start=$SECONDS

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Build or reuse the toolchain; its last lines say where it is.
bash tools/build.sh validate | tee "$tmp/build.log"
TOOLS_BIN=$(sed -n 's/^TOOLS_BIN=//p' "$tmp/build.log")
export TF_CLI_CONFIG_FILE
TF_CLI_CONFIG_FILE=$(sed -n 's/^TF_CLI_CONFIG_FILE=//p' "$tmp/build.log")
tf=${TERRAFORM_BINARY_NAME:-$TOOLS_BIN/tofu}
command -v "$tf" >/dev/null || { echo "validate: no such binary: $tf" >&2; exit 2; }
# Offline and unattended: no version checks against the network, no prompts.
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
echo "validate: using $("$tf" version | head -n1)"

# check DIR NAME: init from the mirror, then validate. Each stack keeps its own
# .terraform and lock file (inside DIR), so stacks can't leak providers into each other.
# -backend=false skips the stack's backend block; validate needs no cluster.
check() {
  local dir=$1 name=$2 t0=$SECONDS out
  # The lock file is made anew from the mirror every run: the providers are built here,
  # so their hashes depend on the build (and tofu and terraform record different hosts).
  rm -f "$dir/.terraform.lock.hcl"
  if ! out=$(cd "$dir" && TF_DATA_DIR=.terraform "$tf" init -backend=false -input=false -no-color 2>&1); then
    printf 'validate: %s: init failed\n%s\n' "$name" "$out" >&2
    # Most likely a required_providers version the mirror doesn't have: say what it has.
    echo "validate: the mirror has: $(cd "$(dirname "$TF_CLI_CONFIG_FILE")/mirror/registry.opentofu.org" && ls -d */*/* | tr '\n' ' ')" >&2
    return 2
  fi
  if ! out=$(cd "$dir" && TF_DATA_DIR=.terraform "$tf" validate -no-color 2>&1); then
    printf 'validate: FAIL %s\n%s\n' "$name" "$out" >&2
    return 1
  fi
  # Warnings (e.g. deprecations) don't fail the check, but should be seen.
  if grep -q '^Warning:' <<<"$out"; then printf '%s\n' "$out"; fi
  echo "validate: ok   $name ($((SECONDS - t0))s)"
}

# 1. The check must be able to fail: a committed broken stack has to be rejected, and
# for the schema reason, not because init broke. Copied so the fixture dir stays clean.
cp -r scripts/fixtures/broken-stack "$tmp/"
rc=0
check "$tmp/broken-stack" broken-stack 2>"$tmp/err" || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q 'no_such_argument' "$tmp/err"; then
  cat "$tmp/err" >&2
  echo "validate: the known-broken fixture was not rejected by the provider schema (rc=$rc): the check cannot be trusted" >&2
  exit 1
fi
echo "validate: ok   broken-stack is rejected, as it must be ($(grep -m1 '^Error:' "$tmp/err"))"

# 2. The custom resources' types and schemas (constructs/core/crds) are what the pinned CRDs give
# (npm test cannot tell: it runs without Go). A tampered copy must be caught first.
cp -r constructs/core/crds "$tmp/crds"
echo '// tampered' >>"$tmp/crds/index.ts"
if npm run --silent crds -- --check "$tmp/crds" >/dev/null 2>"$tmp/crds.err" || ! grep -q 'index.ts' "$tmp/crds.err"; then
  cat "$tmp/crds.err" >&2
  echo "validate: a tampered copy of constructs/core/crds was not reported: the check cannot be trusted" >&2
  exit 1
fi
npm run --silent crds -- --check || { echo "validate: constructs/core/crds is stale: run npm run crds" >&2; exit 1; }

# 3. The real stacks.
if [[ $# -ge 1 ]]; then
  out_dir=$1
else
  out_dir=cdktf.out
  t0=$SECONDS
  if ! npx --no-install cdktf synth >"$tmp/synth.log" 2>&1; then
    cat "$tmp/synth.log" >&2; echo "validate: synth failed" >&2; exit 1
  fi
  echo "validate: synth took $((SECONDS - t0))s"
  # The second app built from the constructs (examples/), into the same kind of layout.
  if ! CDKTF_OUTDIR="$tmp/examples" node --require tsx/cjs examples/queue-worker/main.ts >"$tmp/synth.log" 2>&1; then
    cat "$tmp/synth.log" >&2; echo "validate: synth of examples/queue-worker failed" >&2; exit 1
  fi
fi
shopt -s nullglob
stacks=("$out_dir"/stacks/*/)
if [[ $# -eq 0 ]]; then stacks+=("$tmp"/examples/stacks/*/); fi
if [[ ${#stacks[@]} -eq 0 ]]; then echo "validate: no stacks in $out_dir/stacks" >&2; exit 1; fi
failed=()
for dir in "${stacks[@]}"; do
  name=$(basename "$dir")
  check "$dir" "$name" || failed+=("$name")
done
echo "validate: took $((SECONDS - t_start))s"
echo "validate: $((${#stacks[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then echo "validate: failed stacks: ${failed[*]}" >&2; exit 1; fi
