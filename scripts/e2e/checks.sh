# shellcheck shell=bash disable=SC2016,SC2154
# Assertions of scripts/e2e.sh, sourced by it (uses its k, poll, $tf, $tmp, $root, $mode and
# $namespaces; SC2016: the single-quoted programs are jq's, SC2154: those variables are its).
# Each prints one line of detail and returns non-zero when the assertion does not hold. Most
# read the API once and decide in one jq program, whose output is "ok DETAIL" or "no DETAIL".

# verdict: turns jq's "ok DETAIL" / "no DETAIL" / "skip DETAIL" into DETAIL and the exit
# status (3 is a skip for check).
verdict() {
  local r
  r=$(cat)
  echo "${r#* }"
  [[ $r == "skip "* ]] && return 3
  [[ $r == "ok "* ]]
}

# label_selector NS KIND NAME: the object's spec.selector.matchLabels as a -l argument.
label_selector() {
  k -n "$1" get "$2" "$3" -o json | jq -r '.spec.selector.matchLabels | to_entries | map("\(.key)=\(.value)") | join(",")'
}

# Deployments and StatefulSets: observed, updated, ready and available at their desired replicas.
workloads_ready() {
  k -n "$1" get deploy,statefulset -o json | jq -r '
    [.items[] | {
      name: .metadata.name,
      want: .spec.replicas,
      settled: (.status.observedGeneration == .metadata.generation
        and (.status.updatedReplicas // 0) == .spec.replicas
        and (.status.readyReplicas // 0) == .spec.replicas
        and (.status.availableReplicas // 0) == .spec.replicas
        and (.status.replicas // 0) == .spec.replicas),
      available: (.status.availableReplicas // 0),
      condition: ([(.status.conditions // [])[] | select(.type == "Available") | .status][0] // "True")
    }] as $w
    | ($w | map("\(.name) \(.available)/\(.want)") | join(", ")) as $line
    | if ($w | length) > 0 and ($w | all(.settled and .condition == "True")) then "ok \($line)" else "no \($line)" end' | verdict
}

# Every pod Running, on a kwok node (kwok) or a Ready node (another cluster).
pods_running_on_nodes() {
  k -n "$1" get pods -o json | jq -r --arg mode "$mode" --slurpfile nodes <(k get nodes -o json) '
    [$nodes[0].items[]
      | select(if $mode == "kwok" then .metadata.annotations["kwok.x-k8s.io/node"] == "fake"
               else ([.status.conditions[] | select(.type == "Ready") | .status][0] == "True") end)
      | .metadata.name] as $ok
    | [.items[] | select(.metadata.deletionTimestamp == null)] as $pods
    | [$pods[] | select(.status.phase != "Running" or (.spec.nodeName as $n | $ok | index($n) | not))
        | "\(.metadata.name) is \(.status.phase) on \(.spec.nodeName // "no node")"] as $bad
    | if ($pods | length) > 0 and ($bad | length) == 0
      then "ok \($pods | length) pods on \([$pods[].spec.nodeName] | unique | length) nodes"
      else "no \($bad | join(", "))" end' | verdict
}

# A pod the namespace's admission (restricted Pod Security, quota) refuses never exists: the
# ReplicaSet or StatefulSet controller reports it as a FailedCreate event. Conflicts on the
# ResourceQuota's usage ("the object has been modified", when many pods are created at once)
# are retried by the controller, not refusals: they are counted, not failed.
no_failed_create() {
  k -n "$1" get events --field-selector reason=FailedCreate -o json | jq -r '
    [.items[] | select(.message | test("Operation cannot be fulfilled on resourcequotas") | not)] as $refused
    | ((.items | length) - ($refused | length)) as $conflicts
    | (if $conflicts > 0 then " (\($conflicts) quota update conflicts, retried)" else "" end) as $retried
    | if ($refused | length) == 0 then "ok none\($retried)"
      else "no \($refused | length) events: " + ([$refused[] | "\(.involvedObject.kind)/\(.involvedObject.name): "
        + (.message | sub("^\\(combined from similar events\\): "; "") | sub("pods \"[^\"]+\""; "pods"))] | unique | join("; ")) end' | verdict
}

services_have_endpoints() {
  k -n "$1" get services -o json | jq -r --slurpfile slices <(k -n "$1" get endpointslices -o json) '
    [.items[] | .metadata.name as $s | {
      name: $s,
      ready: ([$slices[0].items[] | select(.metadata.labels["kubernetes.io/service-name"] == $s)
        | (.endpoints // [])[] | select(.conditions.ready != false)] | length)
    }] as $svc
    | ($svc | map("\(.name):\(.ready)") | join(" ")) as $line
    | if ($svc | length) > 0 and ($svc | all(.ready > 0)) then "ok \($line)" else "no \($line)" end' | verdict
}

# The target exists and the HPA controller could read its scale (AbleToScale). Without a
# metrics server (kwok) ScalingActive is False: expected, not checked.
hpa_targets() {
  k -n "$1" get hpa -o json | jq -r --slurpfile w <(k -n "$1" get deploy,statefulset -o json) '
    [.items[] | .spec.scaleTargetRef as $t | {
      name: .metadata.name,
      target: "\($t.kind)/\($t.name)",
      exists: ([$w[0].items[] | select(.kind == $t.kind and .metadata.name == $t.name)] | length > 0),
      able: ([(.status.conditions // [])[] | select(.type == "AbleToScale") | .status][0] // "not yet")
    }] as $h
    | ($h | map("\(.name) → \(.target)\(if .exists then "" else " (missing)" end), AbleToScale \(.able)") | join("; ")) as $line
    | if ($h | length) > 0 and ($h | all(.exists and .able == "True")) then "ok \($line)" else "no \($line)" end' | verdict
}

# pdbs_select_pods NS STACK_JSON: every PDB the stack defines exists; each PDB selects running
# pods, and the disruption controller counts the same pods.
pdbs_select_pods() {
  k -n "$1" get pdb -o json | jq -r --slurpfile pods <(k -n "$1" get pods -o json) \
    --argjson want "$(jq '[.resource.kubernetes_pod_disruption_budget_v1 // {} | .[].metadata.name]' "$2")" '
    [.items[] | .spec.selector.matchLabels as $m | {
      name: .metadata.name,
      pods: ([$pods[0].items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running")
        | .metadata.labels as $l | select($m | to_entries | all(.value == $l[.key]))] | length),
      expected: (.status.expectedPods // 0),
      allowed: (.status.disruptionsAllowed // 0),
      current: (.status.observedGeneration == .metadata.generation)
    }] as $p
    | ($want - [$p[].name]) as $missing
    | if ($missing | length) > 0 then "no missing: \($missing | join(", "))"
      elif ($p | length) == 0 then "ok none: the stack defines none"
      else ($p | map("\(.name) selects \(.pods) pods, \(.allowed) disruptions allowed") | join("; ")) as $line
        | if ($p | all(.pods > 0 and .expected == .pods and .current)) then "ok \($line)" else "no \($line)" end end' | verdict
}

# guard_rails NS STACK_JSON: every NetworkPolicy, ResourceQuota and LimitRange the stack
# defines exists, there is a default deny, and the quota controller has counted usage.
guard_rails() {
  local ns=$1 stack=$2 pair kind type want have missing summary=""
  for pair in networkpolicies:kubernetes_network_policy_v1 resourcequotas:kubernetes_resource_quota_v1 limitranges:kubernetes_limit_range_v1; do
    kind=${pair%%:*} type=${pair#*:}
    want=$(jq -r --arg t "$type" '.resource[$t] // {} | .[].metadata.name' "$stack" | sort)
    have=$(k -n "$ns" get "$kind" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)
    [[ -n $want ]] || { echo "the stack defines no $kind"; return 1; }
    missing=$(comm -23 <(echo "$want") <(echo "$have"))
    [[ -z $missing ]] || { echo "$kind missing: $missing"; return 1; }
    summary+="$(wc -l <<<"$want") $kind, "
  done
  grep -qx default-deny <<<"$(k -n "$ns" get networkpolicies -o name | sed 's|.*/||')" || { echo "no default-deny NetworkPolicy"; return 1; }
  k -n "$ns" get resourcequotas -o json | jq -e 'all(.items[]; .status.used != null)' >/dev/null ||
    { echo "the quota controller has not counted the namespace's usage"; return 1; }
  echo "${summary%, }$([[ $mode == kwok ]] && echo " (kwok runs no network plugin: stored, not enforced)")"
}

# What the API server stored differs from what we sent only where it adds (defaults, status):
# a field missing from the stored object was pruned because the CRD schema does not know it.
# Numbers and numeric strings compare equal (int-or-string quantities come back as numbers).
SPEC_DIFF='
def diffs($a; $b; $p):
  if ($a | type) == "object" and ($b | type) == "object" then
    $a | to_entries[] | . as $e
    | if ($b | has($e.key)) then diffs($e.value; $b[$e.key]; $p + [$e.key])
      else "\($p + [$e.key] | join(".")) was dropped" end
  elif ($a | type) == "array" and ($b | type) == "array" and ($a | length) == ($b | length) then
    range(0; $a | length) as $i | diffs($a[$i]; $b[$i]; $p + [$i | tostring])
  elif $a == $b or (([$a, $b] | map(type) | sort) == ["number", "string"] and ($a | tostring) == ($b | tostring)) then empty
  else "\($p | join(".")): sent \($a | tojson), stored \($b | tojson)" end;
[diffs($sent.spec; .spec; ["spec"]), diffs($sent.metadata.labels; .metadata.labels; ["metadata", "labels"])] | join("; ")'

# custom_resources STACK_JSON: every kubernetes_manifest of the stack exists as sent.
custom_resources() {
  local stack=$1 m kind group name ns live diff bad=() kinds=() errors
  errors=$(mktemp)
  while read -r m; do
    read -r kind group name ns < <(jq -r '[.kind, (.apiVersion | split("/")[0]), .metadata.name, (.metadata.namespace // "")] | join(" ")' <<<"$m")
    # stderr apart: a warning there must not turn the object into unparseable JSON.
    if ! live=$(k get "$kind.$group" "$name" ${ns:+-n "$ns"} -o json 2>"$errors"); then
      bad+=("$kind/$name: $(<"$errors")")
      continue
    fi
    if ! diff=$(jq -r --argjson sent "$m" "$SPEC_DIFF" <<<"$live"); then
      bad+=("$kind/$name: the API server's answer is not the object's JSON")
      continue
    fi
    [[ -z $diff ]] || bad+=("$kind/$name: $diff")
    kinds+=("$kind")
  done < <(jq -c '.resource.kubernetes_manifest // {} | .[].manifest' "$stack")
  rm -f "$errors"
  if ((${#bad[@]} > 0)); then
    printf '%s\n' "${bad[@]}"
    return 1
  fi
  ((${#kinds[@]} > 0)) || { echo "the stack has no custom resources"; return 1; }
  printf '%s\n' "${kinds[@]}" | sort | uniq -c | awk '{printf "%s%s%s", (NR > 1 ? ", " : ""), $2, ($1 > 1 ? " ×" $1 : "")}'
}

# plan_no_changes STACK_DIR: exit code 0 of plan -detailed-exitcode; else what would change.
plan_no_changes() {
  local rc=0 plan
  plan=$(cd "$1" && "$tf" plan -detailed-exitcode -input=false -no-color -lock-timeout=60s 2>&1) || rc=$?
  case $rc in
    0) echo "plan -detailed-exitcode = 0" ;;
    2)
      # What would change: resources and attributes, or outputs.
      grep -E '^  # .* (will|must) be|^Plan:|^Changes to Outputs|^ +[~+-] [a-z_]+ +=' <<<"$plan" | head -n 30 || true
      return 1
      ;;
    *)
      grep -E -A8 '^Error' <<<"$plan" | head -n 30 || tail -n 20 <<<"$plan"
      return 1
      ;;
  esac
}

# report RC FILE: for results computed in the background.
report() {
  cat "$2"
  return "$1"
}

# Per workload with more than one replica: pods per zone. DoNotSchedule (required) must keep
# the skew within maxSkew over every zone that has nodes; ScheduleAnyway (preferred) must use
# more than one zone.
zone_spread() {
  k -n "$1" get deploy,statefulset -o json | jq -r \
    --slurpfile pods <(k -n "$1" get pods -o json) --slurpfile nodes <(k get nodes -o json) '
    ($nodes[0].items | map({key: .metadata.name, value: .metadata.labels["topology.kubernetes.io/zone"]}) | from_entries) as $zone
    | ([$zone[] | select(. != null)] | unique) as $zones
    | if ($zones | length) < 2 then "skip the nodes are not labelled with 2 or more zones (topology.kubernetes.io/zone)" else
    [.items[] | select(.spec.replicas > 1) | .spec.selector.matchLabels as $m
      | ([(.spec.template.spec.topologySpreadConstraints // [])[] | select(.topologyKey == "topology.kubernetes.io/zone")][0]) as $c
      | [$pods[0].items[] | select(.metadata.deletionTimestamp == null and .spec.nodeName != null)
          | .metadata.labels as $l | select($m | to_entries | all(.value == $l[.key])) | $zone[.spec.nodeName]] as $placed
      | (reduce $zones[] as $z ({}; .[$z] = ([$placed[] | select(. == $z)] | length))) as $count
      | {
          name: .metadata.name,
          count: $count,
          rule: (if $c == null then "no zone constraint" elif $c.whenUnsatisfiable == "DoNotSchedule" then "required, maxSkew \($c.maxSkew)" else "preferred" end),
          ok: (if $c == null then false
               elif $c.whenUnsatisfiable == "DoNotSchedule" then ([$count[]] | max) - ([$count[]] | min) <= $c.maxSkew
               else ([$count[] | select(. > 0)] | length) > 1 end)
        }]
    | (map("\(.name) \([.count | to_entries[] | "\(.key):\(.value)"] | join(" ")) (\(.rule))") | join("; ")) as $line
    | if length > 0 and all(.ok) then "ok \($line)" else "no \($line)" end end' | verdict
}

# pod_replaced NS DEPLOYMENT: delete one of its pods; the Deployment is whole again without it.
pod_replaced() {
  local ns=$1 deploy=$2 pod
  pod=$(k -n "$ns" get pods -l "$(label_selector "$ns" deploy "$deploy")" -o jsonpath='{.items[0].metadata.name}')
  [[ -n $pod ]] || { echo "no $deploy pod"; return 1; }
  k -n "$ns" delete pod "$pod" --wait=false >/dev/null
  poll 120 gone_and_ready "$ns" pod "$pod" >/dev/null || { gone_and_ready "$ns" pod "$pod"; return 1; }
  echo "deleted $pod; $(workloads_ready "$ns")"
}
gone_and_ready() {
  gone "$2" "$3" -n "$1" && workloads_ready "$1"
}

# node_replaced NS DEPLOYMENT: cordon, drain (evictions honour the PDBs) and delete the node of
# one of its pods; every workload of every namespace is whole again on the other nodes. The
# node is one whose pods can all be evicted: none is protected by a PDB that allows no
# disruption (on a real cluster, CloudNativePG's PDB of the primary).
node_replaced() {
  local ns=$1 deploy=$2 node zone
  node=$(k get pods -A -o json | jq -r --arg ns "$ns" --arg sel "$(label_selector "$ns" deploy "$deploy")" \
    --slurpfile pdbs <(k get pdb -A -o json) '
    [$pdbs[0].items[] | select(.status.disruptionsAllowed == 0)
      | {ns: .metadata.namespace, m: (.spec.selector.matchLabels // {})}] as $blocking
    | [.items[] | select(.spec.nodeName != null) | . as $p
      | select(any($blocking[]; .ns == $p.metadata.namespace and (.m | to_entries | all(.value == $p.metadata.labels[.key]))))
      | .spec.nodeName] as $avoid
    | ($sel | split(",") | map(split("=") | {key: .[0], value: .[1]}) | from_entries) as $m
    | [.items[] | select(.metadata.namespace == $ns and .spec.nodeName != null) | . as $p
      | select($m | to_entries | all(.value == $p.metadata.labels[.key])) | .spec.nodeName
      | select(. as $n | $avoid | index($n) | not)][0] // empty')
  [[ -n $node ]] || { echo "every node with a $deploy pod also holds a pod whose PDB allows no disruption"; return 1; }
  zone=$(k get node "$node" -o jsonpath='{.metadata.labels.topology\.kubernetes\.io/zone}')
  k cordon "$node" >/dev/null
  if ! k drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout=180s >"$tmp/drain.log" 2>&1; then
    echo "drain failed:"
    tail -n 5 "$tmp/drain.log"
    return 1
  fi
  k delete node "$node" >/dev/null
  poll 180 all_ready_without "$node" >/dev/null || { all_ready_without "$node"; return 1; }
  echo "deleted $node ($zone, $(grep -c '^evicting pod' "$tmp/drain.log") pods evicted); $(k get nodes --no-headers | wc -l) nodes left"
}
all_ready_without() {
  local ns left
  left=$(k get pods -A --field-selector "spec.nodeName=$1" -o name)
  [[ -z $left ]] || { echo "pods still on $1: $left"; return 1; }
  for ns in "${namespaces[@]}"; do workloads_ready "$ns" >/dev/null || { echo "$ns: $(workloads_ready "$ns")"; return 1; }; done
}

# pdb_refuses_eviction NS PDB (every node cordoned): evict as many pods as the budget allows,
# each must succeed; the next one must be refused by the API server because of the budget.
pdb_refuses_eviction() {
  local ns=$1 pdb=$2 allowed pods i result
  poll 60 pdb_settled "$ns" "$pdb" >/dev/null || { pdb_settled "$ns" "$pdb"; return 1; }
  allowed=$(k -n "$ns" get pdb "$pdb" -o jsonpath='{.status.disruptionsAllowed}')
  mapfile -t pods < <(k -n "$ns" get pods -l "$(label_selector "$ns" pdb "$pdb")" -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running") | .metadata.name')
  ((allowed >= 1 && ${#pods[@]} > allowed)) || { echo "$allowed disruptions allowed for ${#pods[@]} pods: nothing to test"; return 1; }
  for ((i = 0; i < allowed; i++)); do
    result=$(evict "$ns" "${pods[$i]}" 2>&1) || { echo "eviction $((i + 1)) of the $allowed allowed was refused: $result"; return 1; }
  done
  if result=$(evict "$ns" "${pods[$allowed]}" 2>&1); then
    echo "evicted ${pods[$allowed]} beyond the budget"
    return 1
  fi
  [[ $result == *"disruption budget"* ]] || { echo "refused, but not by the budget: $result"; return 1; }
  echo "evicted $allowed of ${#pods[@]}, then refused: ${result#Error from server (TooManyRequests): }"
}
pdb_settled() {
  k -n "$1" get pdb "$2" -o json | jq -r '.status as $s
    | "\(if $s.observedGeneration == .metadata.generation and $s.expectedPods > 0 and $s.currentHealthy == $s.expectedPods
           and $s.disruptionsAllowed == $s.currentHealthy - $s.desiredHealthy then "ok" else "no" end) \(.metadata.name): \($s.currentHealthy // 0)/\($s.expectedPods // 0) healthy, \($s.disruptionsAllowed // 0) allowed"' | verdict
}
evict() {
  k create --raw "/api/v1/namespaces/$1/pods/$2/eviction" -f - <<EOF
{"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "$2", "namespace": "$1"}}
EOF
}

# gone KIND NAME [kubectl args]
gone() {
  local left
  left=$(k get "$1" "$2" "${@:3}" --ignore-not-found -o name) || return 1
  [[ -z $left ]] || { echo "$left still exists"; return 1; }
  echo "gone"
}

# cluster_scoped_gone STACK_JSON: the stack's cluster-scoped custom resources (GatewayClass).
cluster_scoped_gone() {
  local kind group name found=()
  while read -r kind group name; do
    gone "$kind.$group" "$name" >/dev/null || return 1
    found+=("$kind $name")
  done < <(jq -r '.resource.kubernetes_manifest // {} | .[].manifest | select(.metadata.namespace == null)
    | "\(.kind) \(.apiVersion | split("/")[0]) \(.metadata.name)"' "$1")
  ((${#found[@]} > 0)) || { echo "the stack has no cluster-scoped objects"; return 1; }
  printf '%s gone\n' "${found[@]}"
}

# state_empty STACK_DIR: the stack's state (in the e2e temp dir, not the project) lists nothing.
state_empty() {
  local left
  left=$(cd "$1" && "$tf" state list 2>&1) || { echo "$left"; return 1; }
  [[ -z $left ]] || { echo "still in state: $left"; return 1; }
  [[ ! -e $root/terraform.$(basename "$1").tfstate ]] || { echo "a state file was written to the project root"; return 1; }
  echo "empty"
}

# Every listable type, every namespace: nothing carries our part-of label.
nothing_labelled() {
  local types left
  types=$(k api-resources --verbs=list -o name | paste -sd, -)
  # stderr holds the API server's deprecation warnings for some types, and errors.
  left=$(k get "$types" -A -l app.kubernetes.io/part-of=web-topology -o name 2>"$tmp/labelled.err") ||
    { grep -v '^Warning:' "$tmp/labelled.err" | tail -n 3; return 1; }
  [[ -z $left ]] || { echo "left: $left"; return 1; }
  echo "none in $(tr , '\n' <<<"$types" | wc -l) resource types"
}
