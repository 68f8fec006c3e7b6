#!/usr/bin/env bash
# Settings and helpers shared by up.sh, demo.sh and down.sh (sourced by them, not run on its own).
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

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
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
