#!/usr/bin/env bash
# npm run e2e: `cdktf deploy` the app stacks to a real Kubernetes API server, assert what the API
# reports, disrupt the workloads, plan again, `cdktf destroy`, and check that nothing is left.
#
#   scripts/e2e.sh
#
# The cluster is a throwaway kwok cluster (tools/cluster.sh): real etcd, kube-apiserver,
# controller-manager and scheduler, with 6 simulated nodes over 3 zones (pods turn Running at
# once; no container runs). The platform stack's Helm charts cannot be pulled here, so the
# cluster gets only their CRDs, from the operators' Go modules at the charts' versions
# (tools/crds.sh), and the app stacks are deployed without their platform stack; no operator
# reconciles, and the script writes the Gateways' address as Envoy Gateway would.
#
# Settings (environment variables):
#   E2E_ENVIRONMENTS   which environments' app stacks to deploy (default "dev staging prod" on kwok:
#                      dev is what users try first, staging and prod have the PDBs and prod the
#                      required zone spread and TLS; "dev" on your own cluster)
#   E2E_KUBECONFIG     use this cluster instead of kwok (one kubeconfig file; E2E_CONTEXT, else
#                      its current context): the platform stack is deployed first and destroyed
#                      last; nothing is cordoned or deleted unless E2E_DISRUPTIVE=1. The images
#                      in config/environments.ts must be pullable.
#   E2E_PLATFORM=0     with E2E_KUBECONFIG: the operators are installed already, skip <env>-platform
#   E2E_DISRUPTIVE=1   with E2E_KUBECONFIG: also drain and delete a node and cordon every node
#                      (kwok: always) — use a throwaway cluster
#   TERRAFORM_BINARY_NAME   default: the OpenTofu built by tools/build.sh (a name on PATH or a path)
#
# Each assertion prints one "e2e: PASS ...", "e2e: FAIL ..." or (what the cluster cannot show)
# "e2e: SKIP ..." line; the last line is "e2e: N passed, N failed" and the exit status is
# non-zero when anything failed. The cluster and every process it started are stopped, and the
# temp dir (synth output, Terraform state, logs) is removed, however the script ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
t_start=$SECONDS

if [[ -n ${E2E_KUBECONFIG:-} ]]; then
  mode=external
  export KUBECONFIG=$E2E_KUBECONFIG
  context=${E2E_CONTEXT:-$(kubectl config current-context)}
  IFS=', ' read -ra envs <<<"${E2E_ENVIRONMENTS:-dev}"
  platform=${E2E_PLATFORM:-1}
  disruptive=${E2E_DISRUPTIVE:-0}
  slow=5 # real pods pull images and operators reconcile: every poll waits 5 times longer
else
  mode=kwok
  context=web-topology-e2e
  IFS=', ' read -ra envs <<<"${E2E_ENVIRONMENTS:-dev staging prod}"
  platform=0
  disruptive=1
  slow=1
fi

# ---------------------------------------------------------------- reporting
passed=0 failed=() timings=() phase_name=""
phase() {
  end_phase
  phase_name=$1 phase_t0=$SECONDS
  echo "e2e: == $1"
}
end_phase() {
  [[ -z $phase_name ]] && return 0
  timings+=("$(printf '%-28s %4ss' "$phase_name" $((SECONDS - phase_t0)))")
  phase_name=""
}
# check NAME CMD...: runs CMD and prints one PASS/FAIL line with what CMD printed (the detail, or
# why it failed); exit status 3 is a SKIP (the cluster cannot show it). Checks never stop the
# script; CMD must return non-zero itself on failure.
check() {
  local name=$1 detail rc=0
  shift
  detail=$("$@" 2>&1) || rc=$?
  detail=$(tr '\n' ' ' <<<"$detail" | sed 's/ *$//')
  if ((rc == 0)); then
    passed=$((passed + 1))
    echo "e2e: PASS $name${detail:+ — $detail}"
  elif ((rc == 3)); then
    echo "e2e: SKIP $name${detail:+ — $detail}"
  else
    failed+=("$name")
    echo "e2e: FAIL $name${detail:+ — $detail}"
  fi
}
# poll SECONDS CMD...: runs CMD until it succeeds; after SECONDS (times $slow), fails with
# CMD's last output. Everything that waits for the cluster goes through here: no fixed sleeps.
poll() {
  local seconds=$(($1 * slow)) limit result
  limit=$((SECONDS + seconds))
  shift
  until result=$("$@" 2>&1); do
    if ((SECONDS >= limit)); then
      printf '%s (still after %ss)\n' "$result" "$seconds"
      return 1
    fi
    sleep 1
  done
  printf '%s\n' "$result"
}
# die MESSAGE: a step the rest depends on failed; still ends with the line CI reads.
die() {
  echo "e2e: $*" >&2
  echo "e2e: $passed passed, $((${#failed[@]} + 1)) failed"
  exit 1
}

# ---------------------------------------------------------------- cleanup, always
tmp=$(mktemp -d "${TMPDIR:-/tmp}/web-topology-e2e.XXXXXX")
out=$tmp/out # synth output; the local state backend writes $tmp/terraform.<stack>.tfstate
# A cluster dir of its own: a concurrent run or a developer's cluster is never touched.
[[ $mode == kwok ]] && export CLUSTER_DIR=$tmp/cluster CLUSTER_NODES=6
deployed=0 gateway_pid="" keep_tmp=0
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [[ -n $gateway_pid ]] && kill "$gateway_pid" 2>/dev/null && wait "$gateway_pid" 2>/dev/null
  # Quiet unless it fails: the summary stays the last line.
  if [[ $mode == kwok && -e $CLUSTER_DIR ]]; then
    bash tools/cluster.sh down >"$tmp/down.log" 2>&1 || cat "$tmp/down.log" >&2
  elif ((deployed)); then
    echo "e2e: removing what the test deployed from $context"
    cdktf_run 900 destroy "${stacks[@]}" >/dev/null || keep_tmp=1
  fi
  stop_leftovers
  if ((keep_tmp)); then
    echo "e2e: objects may be left on $context: the state and logs are kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
# After a timeout or an interrupt, cdktf and the tofu processes it starts (each in a pty session
# of its own, so no signal to our process group reaches them) can outlive the script: stop
# those of this run, known by a working directory or command line inside $tmp.
stop_leftovers() {
  local p cmd pids=()
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$$" || $p == "$BASHPID" ]] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
    if [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == "$tmp"/* || $cmd == *"$tmp/"* ]]; then pids+=("$p"); fi
  done
  ((${#pids[@]} > 0)) || return 0
  echo "e2e: stopping leftover processes: ${pids[*]}" >&2
  kill -TERM "${pids[@]}" 2>/dev/null
  timeout 10 tail --pid="${pids[0]}" -f /dev/null 2>/dev/null
  kill -KILL "${pids[@]}" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

k() { kubectl --context "$context" --request-timeout=30s "$@"; }

# ---------------------------------------------------------------- toolchain and cluster
phase "toolchain"
bash tools/build.sh validate cluster >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; die "tools/build.sh failed"; }
grep -E '^tools: built' "$tmp/build.log" || true
tools_bin=$(sed -n 's/^TOOLS_BIN=//p' "$tmp/build.log")
export TF_CLI_CONFIG_FILE # the offline provider mirror (this machine presets a missing file)
TF_CLI_CONFIG_FILE=$(sed -n 's/^TF_CLI_CONFIG_FILE=//p' "$tmp/build.log")
# cdktf runs the binary by this name or path; it must be OpenTofu/Terraform >= 1.x.
export TERRAFORM_BINARY_NAME=${TERRAFORM_BINARY_NAME:-$tools_bin/tofu}
tf=$TERRAFORM_BINARY_NAME
command -v "$tf" >/dev/null || die "no such binary: $tf"
# Offline and unattended: no version checkpoints, no prompts; providers only from the mirror
# (cdktf would otherwise point TF_PLUGIN_CACHE_DIR at ~/.terraform.d).
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0 CDKTF_DISABLE_PLUGIN_CACHE_ENV=1
echo "e2e: $("$tf" version | head -n1), providers from $(dirname "$TF_CLI_CONFIG_FILE")/mirror"

phase "cluster"
if [[ $mode == kwok ]]; then
  bash tools/cluster.sh up >"$tmp/cluster.log" 2>&1 || { cat "$tmp/cluster.log"; die "tools/cluster.sh up failed"; }
  eval "$(bash tools/cluster.sh env)"
  grep -E '^cluster: (creating|.*Ready|up in)' "$tmp/cluster.log" | sed 's/^/e2e: /'
  echo "e2e: the platform stack's Helm charts cannot be pulled here: installed only the CRDs its operators"
  echo "e2e: bring, from their Go modules (tools/crds/go.mod) at the charts' versions:"
  grep -E '^crds: ' "$tmp/cluster.log" | grep -v ' CRDs: ' | sed 's/^/e2e:   /'
  grep -E '^cluster: [0-9]+ CRDs Established' "$tmp/cluster.log" | sed 's/^cluster: /e2e:   /'
  echo "e2e: no operator runs: the Cluster, Poolers and Gateway are checked as accepted objects, not reconciled"
else
  k get --raw /readyz >/dev/null || die "cannot reach context $context in $KUBECONFIG"
  echo "e2e: using context $context of $KUBECONFIG ($(k version -o json | jq -r .serverVersion.gitVersion))"
fi

# ---------------------------------------------------------------- deploy
# cdktf_run TIMEOUT COMMAND [ARGS...]: the cdktf CLI as users run it, pointed at the test cluster,
# with its (spinner-heavy) output in a log; the log's errors are printed on failure.
stacks=()
for env in "${envs[@]}"; do
  ((platform)) && stacks+=("$env-platform")
  stacks+=("$env-app")
done
cdktf_run() {
  local limit=$1 command=$2 rc=0 flags=(--no-color --output "$out")
  shift 2
  # deploy/destroy: the synth phase wrote $out already. The provider lock step would ask the
  # registry for checksums; init records the mirror's. Without the platform stack, deploy needs
  # --ignore-missing-stack-dependencies; destroy must not get it (app stacks have no dependants,
  # and cdktf 0.21.0's destroy with that flag restarts a running stack in a loop, one pty each).
  if [[ $command != synth ]]; then flags+=(--skip-synth --auto-approve --skip-provider-lock); fi
  if [[ $command == deploy ]] && ((!platform)); then flags+=(--ignore-missing-stack-dependencies); fi
  # In the background: `wait` lets an interrupt reach the cleanup trap at once.
  TOPOLOGY_ENVIRONMENTS=$(IFS=,; echo "${envs[*]}") TOPOLOGY_KUBECONFIG=$KUBECONFIG TOPOLOGY_KUBE_CONTEXT=$context \
    timeout -k 10 "$limit" npx --no-install cdktf "$command" "$@" "${flags[@]}" >"$tmp/$command.log" 2>&1 &
  wait $! || rc=$?
  # Plain lines only: drop the progress lines and terminal control sequences.
  sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/^[^a-zA-Z]*[0-9] Stacks\? .*//' "$tmp/$command.log" | grep -v '^\s*$' >"$tmp/$command.txt" || true
  grep -E '(Apply|Destroy) complete' "$tmp/$command.txt" | sed 's/^ */e2e: /' || true
  if ((rc != 0)); then
    ((rc == 124)) && echo "e2e: cdktf $command did not finish within ${limit}s"
    grep -E -A12 'Error|error:' "$tmp/$command.txt" | head -n 80 >&2 || tail -n 40 "$tmp/$command.txt" >&2
  fi
  return "$rc"
}

# kwok runs no Envoy Gateway, so nothing gives the Gateways an address, and deploy waits for
# one (edge.waitForAddress): play that part of the controller, as kwok plays the kubelet's.
# Envoy Gateway writes the address as soon as the proxy Service has one (at once for ClusterIP,
# when the load balancer assigns it for LoadBalancer), so every Gateway of ours gets one.
fake_gateway_addresses() { # NAMESPACE...
  local ns name
  while true; do
    for ns in "$@"; do
      for name in $(k -n "$ns" get gateways.gateway.networking.k8s.io -o name 2>/dev/null); do
        k -n "$ns" patch "$name" --subresource=status --type=merge \
          -p '{"status":{"addresses":[{"type":"IPAddress","value":"192.0.2.10"}]}}' >/dev/null 2>&1 || true
      done
    done
    sleep 1
  done
}

phase "synth"
echo "e2e: npx cdktf synth (TOPOLOGY_ENVIRONMENTS=$(IFS=,; echo "${envs[*]}"), providers pointed at $context)"
cdktf_run 300 synth || die "cdktf synth failed"
# What is deployed, read from the synthesized stacks rather than repeated here.
app_stacks=() namespaces=()
for env in "${envs[@]}"; do
  app_stacks+=("$env-app")
  namespaces+=("$(jq -r '.resource.kubernetes_namespace_v1[].metadata.name' "$out/stacks/$env-app/cdk.tf.json")")
done

phase "deploy"
if [[ $mode == kwok ]]; then
  fake_gateway_addresses "${namespaces[@]}" &
  gateway_pid=$!
fi
deploy_limit=$([[ $mode == kwok ]] && echo 300 || echo 1800)
echo "e2e: npx cdktf deploy ${stacks[*]} (TERRAFORM_BINARY_NAME=$TERRAFORM_BINARY_NAME)"
deployed=1
cdktf_run "$deploy_limit" deploy "${stacks[@]}" || die "cdktf deploy failed"
if [[ -n $gateway_pid ]]; then
  kill "$gateway_pid"
  wait "$gateway_pid" 2>/dev/null || true
  gateway_pid=""
fi

# ---------------------------------------------------------------- assertions
source scripts/e2e/checks.sh

phase "assert rollout"
for i in "${!envs[@]}"; do
  ns=${namespaces[$i]}
  check "$ns: every Deployment and StatefulSet is Available with its desired replicas" poll 120 workloads_ready "$ns"
  check "$ns: every pod is Running on a $([[ $mode == kwok ]] && echo kwok || echo Ready) node" poll 60 pods_running_on_nodes "$ns"
  check "$ns: no pod was refused (no FailedCreate events, e.g. from restricted Pod Security)" no_failed_create "$ns"
  check "$ns: every Service has ready endpoints" poll 60 services_have_endpoints "$ns"
  check "$ns: every HPA's target exists and the HPA can scale it" poll 90 hpa_targets "$ns"
  check "$ns: every PDB of the stack exists and its selector matches running pods" \
    poll 60 pdbs_select_pods "$ns" "$out/stacks/${app_stacks[$i]}/cdk.tf.json"
  check "$ns: NetworkPolicies (default deny + flows), ResourceQuota and LimitRange are in place" \
    poll 60 guard_rails "$ns" "$out/stacks/${app_stacks[$i]}/cdk.tf.json"
  check "${app_stacks[$i]}: every custom resource was accepted as written (nothing pruned by its CRD schema)" \
    custom_resources "$out/stacks/${app_stacks[$i]}/cdk.tf.json"
done

# Plans run at once, one per stack (each is seconds of CPU), then report in order.
plans_report_no_changes() {
  local s i rc pids=()
  for s in "${app_stacks[@]}"; do
    plan_no_changes "$out/stacks/$s" >"$tmp/plan.$s.txt" 2>&1 &
    pids+=($!)
  done
  for i in "${!app_stacks[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    check "${app_stacks[$i]}: a second plan reports no changes$1" report "$rc" "$tmp/plan.${app_stacks[$i]}.txt"
  done
}

phase "plan again"
plans_report_no_changes ""

phase "scale as the HPA would"
for ns in "${namespaces[@]}"; do
  max=$(k -n "$ns" get hpa backend -o jsonpath='{.spec.maxReplicas}')
  k -n "$ns" scale deploy/backend --replicas="$max" >/dev/null
  check "$ns: backend scaled to the HPA's maximum ($max) is Available" poll 120 workloads_ready "$ns"
  check "$ns: replicas are spread over zones as configured" zone_spread "$ns"
done
plans_report_no_changes " after scaling the backend"

phase "disruption budgets"
# Ours only: on a real cluster CloudNativePG adds PDBs of its own to the namespace.
pdbs=$(for ns in "${namespaces[@]}"; do k -n "$ns" get pdb -l app.kubernetes.io/part-of=web-topology -o name | sed "s|^|$ns |"; done)
if ((!disruptive)); then
  echo "e2e: SKIP PDB evictions: they cordon every node of $context (set E2E_DISRUPTIVE=1 on a throwaway cluster)"
elif [[ -z $pdbs ]]; then
  echo "e2e: SKIP an eviction that would break a PDB is refused: no PDB in ${envs[*]} (dev has none; staging and prod do)"
else
  # With every node cordoned, evicted pods cannot come back, so each budget runs out.
  k get nodes -o name | xargs kubectl --context "$context" cordon >/dev/null
  while read -r ns pdb; do
    check "$ns: PDB ${pdb#*/} lets its allowed disruptions through, then the API server refuses the next eviction" \
      pdb_refuses_eviction "$ns" "${pdb#*/}"
  done <<<"$pdbs"
  k get nodes -o name | xargs kubectl --context "$context" uncordon >/dev/null
  for ns in "${namespaces[@]}"; do
    check "$ns: after the evictions, every workload is Available again" poll 120 workloads_ready "$ns"
  done
fi

phase "pod and node loss"
for ns in "${namespaces[@]}"; do
  check "$ns: a deleted backend pod is replaced and the Deployment is Available again" pod_replaced "$ns" backend
done
if ((disruptive)); then
  check "a cordoned, drained and deleted node: every workload is Available again elsewhere" node_replaced "${namespaces[0]}" backend
else
  echo "e2e: SKIP node drain and delete on $context (set E2E_DISRUPTIVE=1 on a throwaway cluster)"
fi
for ns in "${namespaces[@]}"; do
  check "$ns: still no pod refused after the disruptions" no_failed_create "$ns"
done

# ---------------------------------------------------------------- destroy
phase "destroy"
echo "e2e: npx cdktf destroy ${stacks[*]}"
destroy_rc=0
cdktf_run "$deploy_limit" destroy "${stacks[@]}" || destroy_rc=$?
check "cdktf destroy succeeds" report "$destroy_rc" /dev/null
deployed=0
[[ $mode == external && $destroy_rc != 0 ]] && keep_tmp=1
for ns in "${namespaces[@]}"; do
  check "namespace $ns is gone" poll 120 gone namespace "$ns"
done
for s in "${app_stacks[@]}"; do
  check "$s: no cluster-scoped object of the stack is left (GatewayClass)" cluster_scoped_gone "$out/stacks/$s/cdk.tf.json"
done
for s in "${stacks[@]}"; do
  check "$s: the state holds no resources" state_empty "$out/stacks/$s"
done
check "no object labelled app.kubernetes.io/part-of=web-topology is left, cluster-wide" poll 60 nothing_labelled

if [[ $mode == kwok ]]; then
  phase "cluster down"
  check "the cluster and every process it started are stopped" bash tools/cluster.sh down
fi
end_phase

# ---------------------------------------------------------------- summary
echo "e2e: timings ($mode cluster; ${envs[*]}):"
printf 'e2e:   %s\n' "${timings[@]}"
printf 'e2e:   %-28s %4ss\n' total $((SECONDS - t_start))
if ((${#failed[@]} > 0)); then printf 'e2e: failed: %s\n' "${failed[@]}"; fi
echo "e2e: $passed passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
