#!/usr/bin/env bash
# Settings and helpers shared by up.sh, demo.sh and down.sh, and for your own bash shell (README.md, step 7b):
#   cd examples/minikube && . ./lib.sh
# Sourcing it only sets the variables below and defines functions: it runs no CLI, writes no file and changes no
# shell option (no `set -e`: that is the scripts' own business). Not meant to be run on its own.
# The blocks between ">>> guide:" and "<<< guide" are shown verbatim in README.md; a test keeps both identical.
# shellcheck shell=bash

# >>> guide: settings
PROFILE="${PROFILE:-wrktalk-demo}"                 # minikube profile; minikube names the kubectl context the same
CLIENTS="${CLIENTS:-acme globex initech umbrella}" # each client = one Application wrktalk-<client> + namespace
CANARY_CLIENT="${CANARY_CLIENT:-acme}"             # labelled canary=true in the GCC, so it goes first
ARGOCD_VERSION="${ARGOCD_VERSION:-v3.5.1}"
ARGOCD_PORT="${ARGOCD_PORT:-8443}"                 # kubectl port-forward to argocd-server
GCC_PORT="${GCC_PORT:-8080}"                       # the GCC runs on the laptop, the agents reach it via host.minikube.internal
GCC="http://127.0.0.1:${GCC_PORT}"
AGENT_EXECUTOR="${AGENT_EXECUTOR:-argocd-k8s}"
REJECT_CLIENT="${REJECT_CLIENT:-umbrella}"         # rejects release v2 in step 7, so it stays on v1
STAGE_WAIT="${STAGE_WAIT:-30}"                     # seconds between two rollout stages in step 7
# <<< guide

# CDPATH='' so that an interactive shell's CDPATH cannot make `cd` print (into the value) or pick another directory.
HERE="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(CDPATH='' cd -- "$HERE/../.." && pwd)"
GCC_BIN="$REPO_ROOT/reference/gcc-express/bin/wrktalk-gcc.mjs"
WORK="$HERE/.work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# need TOOL...: stops with a readable message when a tool is missing.
need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" > /dev/null 2>&1 || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "missing tools: ${missing[*]} (see README.md, step 1)" >&2
    exit 1
  fi
}

# Refuses to touch any cluster but the demo's minikube profile.
require_context() {
  local current
  current="$(kubectl config current-context 2> /dev/null || true)"
  if [ "$current" != "$PROFILE" ]; then
    echo "kubectl context is '$current', expected '$PROFILE' (run: kubectl config use-context $PROFILE)" >&2
    exit 1
  fi
}

# >>> guide: helpers
# jget PATH: prints a field of the JSON on stdin; `*` walks every item of an array (one line each).
jget() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let vals = [JSON.parse(s)];
      for (const k of process.argv[1].split(".").filter(Boolean))
        vals = vals.flatMap((v) => (k === "*" ? (Array.isArray(v) ? v : []) : [v?.[k]]));
      for (const v of vals) console.log(typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
    });' "$1"
}

# api METHOD PATH TOKEN [JSON]: one GCC API call; fails (and prints the problem+json) on a non-2xx answer.
api() {
  local args=(-sS --fail-with-body -X "$1" "$GCC$2" -H "Authorization: Bearer $3")
  if [ $# -ge 4 ]; then args+=(-H 'Content-Type: application/json' --data "$4"); fi
  curl "${args[@]}"
}

# show_version CLIENT: asks the client's Service (from inside the cluster) which version answers.
show_version() {
  kubectl -n "wrktalk-$1" exec deploy/wrktalk-backend -- \
    node -e 'fetch("http://wrktalk-backend/version").then((r) => r.text()).then((t) => process.stdout.write(t))'
}
# <<< guide

# >>> guide: rollout-helpers
# The demo strategy: the canary (the client labelled canary=true) -> one client -> the rest, STAGE_WAIT seconds
# apart; one attempt per client, and a single failure stops the rollout and rolls the failed stage back.
STRATEGY="$(printf '{"stages":[{"kind":"canary","count":1,"wait_seconds":%d},{"kind":"batch","count":1,"wait_seconds":%d},
{"kind":"batch"}],"failure_threshold":{"max_failures":0},"on_failure":"rollback","max_attempts":1}' \
  "$STAGE_WAIT" "$STAGE_WAIT")"

# release_and_deploy TAG: CI publishes the release, the admin creates a deployment for every demo client.
release_and_deploy() {
  local release
  release="$(api POST /api/v1/releases "$(cat .work/tokens/ci)" \
    "{\"component\":\"backend\",\"version\":\"$1\",\"image_url\":\"wrktalk.local/web:$1\"}" | jget id)"
  DEPLOYMENT="$(api POST /api/v1/deployments "$(cat .work/tokens/admin)" \
    "{\"release_id\":\"$release\",\"targets\":{\"selector\":\"demo=true\"},\"strategy\":$STRATEGY}" | jget id)"
  echo "release $release ($1) -> deployment $DEPLOYMENT"
}

# answer_approvals [REJECTING_CLIENT]: each client answers its pending update with its own approver token (the call
# the CT page will make): approve, except REJECTING_CLIENT, which rejects.
answer_approvals() {
  local c token task
  for c in $CLIENTS; do
    token="$(cat ".work/tokens/$c.approver")"
    for task in $(api GET "/api/v1/clients/$c/pending-approvals" "$token" | jget 'items.*.task_id'); do
      if [ "$c" = "${1:-}" ]; then
        echo "$c: $(api POST "/api/v1/clients/$c/pending-approvals/$task/reject" "$token" \
          "{\"rejected_by\":\"it@$c.example\",\"reason\":\"Change freeze this week\"}" | jget status)"
      else
        echo "$c: $(api POST "/api/v1/clients/$c/pending-approvals/$task/approve" "$token" \
          "{\"approved_by\":\"it@$c.example\"}" | jget status)"
      fi
    done
  done
}

# watch_deployment [DEPLOYMENT_ID]: prints the deployment's status and its stages' every 5 s until it stops moving
# (default: $DEPLOYMENT, the one release_and_deploy created last); sets STATUS. Fails if the GCC answers an error.
watch_deployment() {
  local id="${1:-${DEPLOYMENT:-}}" body
  if [ -z "$id" ]; then
    echo "usage: watch_deployment DEPLOYMENT_ID" >&2
    return 2
  fi
  while true; do
    body="$(api GET "/api/v1/deployments/$id" "$(cat .work/tokens/admin)")" || { echo "$body" >&2; return 1; }
    STATUS="$(printf '%s' "$body" | jget status)"
    echo "$(date +%T) $STATUS stages: $(printf '%s' "$body" | jget 'stages.*.status' | paste -sd ' ' -)"
    case "$STATUS" in completed | failed | aborted | paused | rolled_back) return 0 ;; esac
    sleep 5
  done
}

# show_tasks [DEPLOYMENT_ID]: one line per task: client, type (update/rollback), status, version, the last message.
show_tasks() {
  local id="${1:-${DEPLOYMENT:-}}" body
  if [ -z "$id" ]; then
    echo "usage: show_tasks DEPLOYMENT_ID" >&2
    return 2
  fi
  body="$(api GET "/api/v1/deployments/$id/tasks" "$(cat .work/tokens/admin)")" || { echo "$body" >&2; return 1; }
  printf '%s' "$body" | jget 'items.*' |
    node -e 'require("node:readline").createInterface({ input: process.stdin }).on("line", (l) => {
      const t = JSON.parse(l);
      console.log([t.client_id, t.type, t.status, t.version, t.last_message ?? ""].join(" "));
    })'
}
# <<< guide

# wait_url URL SECONDS: waits until URL answers 2xx.
wait_url() {
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2> /dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$1 did not answer within $2 s" >&2
      return 1
    fi
    sleep 1
  done
}

# Starts `kubectl port-forward` to argocd-server in the background unless one is already running.
argocd_port_forward() {
  mkdir -p "$WORK"
  if [ -f "$WORK/argocd-port-forward.pid" ] && kill -0 "$(cat "$WORK/argocd-port-forward.pid")" 2> /dev/null; then
    return 0
  fi
  nohup kubectl -n argocd port-forward svc/argocd-server "${ARGOCD_PORT}:443" > "$WORK/argocd-port-forward.log" 2>&1 &
  echo $! > "$WORK/argocd-port-forward.pid"
  sleep 2
}

# gcc_cli ARGS...: the reference GCC's CLI (wrktalk-gcc) from this checkout.
gcc_cli() {
  node "$GCC_BIN" "$@"
}
