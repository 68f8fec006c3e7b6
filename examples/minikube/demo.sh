#!/usr/bin/env bash
# Steps 5-7 of README.md, after ./up.sh (./demo.sh --help lists the commands). The GCC helpers of step 7b
# (release_and_deploy, answer_approvals, watch_deployment, show_tasks) are in lib.sh, to source in your own shell.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh
. ./lib.sh

usage() {
  cat << EOF
Usage: ./demo.sh [COMMAND]

Steps 5-7 of README.md; run ./up.sh first.
Commands:
  all (default)    steps 5, 6 and 7 in order
  argocd           5. the update by hand with the argocd CLI (client acme), a bad tag, going back
  kubectl          6. the same without Argo CD: helm install + kubectl set image / rollout status
  gcc              7a. GCC on the laptop, clients and tokens, agents in the cluster
  rollout          7b. release v2 (canary, batches; one client rejects), then a broken release and its rollback
  apps             7b. the Applications' tags, sync and health, live (in a second terminal)
  diagnose CLIENT  8. what to look at when something fails for one client
  -h, --help       this help; nothing is run

Environment (current value; defaults in lib.sh):
  PROFILE=$PROFILE  the minikube profile = kubectl context the demo works in
  CLIENTS="$CLIENTS"
  CANARY_CLIENT=$CANARY_CLIENT  REJECT_CLIENT=$REJECT_CLIENT  STAGE_WAIT=$STAGE_WAIT (seconds)
  GCC_PORT=$GCC_PORT  ARGOCD_PORT=$ARGOCD_PORT  AGENT_EXECUTOR=$AGENT_EXECUTOR
EOF
}

step5_argocd() {
  step "5. Update by hand, as the agent will: argocd app set / sync / wait"
  require_context
  argocd_port_forward
  # >>> guide: argocd-update
  argocd app set wrktalk-acme --helm-set-string backend.image.tag=v2 --grpc-web
  argocd app sync wrktalk-acme --grpc-web
  argocd app wait wrktalk-acme --health --sync --timeout 180 --grpc-web
  argocd app get wrktalk-acme --show-params --grpc-web
  show_version acme
  # <<< guide
  # >>> guide: argocd-bad-tag
  argocd app set wrktalk-acme --helm-set-string backend.image.tag=v404 --grpc-web
  argocd app sync wrktalk-acme --async --grpc-web
  if argocd app wait wrktalk-acme --health --timeout 120 --grpc-web; then
    echo "unexpected: v404 does not exist, the app cannot become Healthy" >&2
    exit 1
  fi
  kubectl -n wrktalk-acme get pods -l app.kubernetes.io/name=wrktalk-backend
  show_version acme
  # <<< guide
  # >>> guide: argocd-back
  argocd app set wrktalk-acme --helm-set-string backend.image.tag=v2 --grpc-web
  argocd app sync wrktalk-acme --grpc-web
  argocd app wait wrktalk-acme --health --sync --timeout 180 --grpc-web
  show_version acme
  # <<< guide
}

step6_kubectl() {
  step "6. The same without Argo CD: kubectl set image / rollout status"
  require_context
  # >>> guide: kubectl-update
  helm upgrade --install web chart --namespace plain-demo --create-namespace --wait
  kubectl -n plain-demo set image deployment/wrktalk-backend backend=wrktalk.local/web:v2
  kubectl -n plain-demo rollout status deployment/wrktalk-backend --timeout=120s
  kubectl -n plain-demo get deployment wrktalk-backend -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}'
  # <<< guide
  # >>> guide: kubectl-bad-tag
  kubectl -n plain-demo set image deployment/wrktalk-backend backend=wrktalk.local/web:v404
  if kubectl -n plain-demo rollout status deployment/wrktalk-backend --timeout=120s; then
    echo "unexpected: v404 does not exist, the rollout cannot finish" >&2
    exit 1
  fi
  kubectl -n plain-demo rollout undo deployment/wrktalk-backend
  kubectl -n plain-demo rollout status deployment/wrktalk-backend --timeout=120s
  kubectl -n plain-demo rollout history deployment/wrktalk-backend
  # <<< guide
}

step7_gcc() {
  step "7a. The GCC on the laptop, the clients, the agents in the cluster"
  require_context
  if [ ! -f "$REPO_ROOT/reference/gcc-express/dist/main.js" ]; then (cd "$REPO_ROOT" && npm ci && npm run build); fi
  if [ -f .work/gcc.pid ] && kill -0 "$(cat .work/gcc.pid)" 2> /dev/null; then kill "$(cat .work/gcc.pid)" && sleep 2; fi
  # >>> guide: gcc-serve
  rm -rf .work/gcc-data .work/tokens && mkdir -p .work/tokens
  node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))' > .work/tokens/admin
  node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))' > .work/tokens/ci
  GCC_DATA_DIR="$PWD/.work/gcc-data" GCC_ADMIN_TOKEN="$(cat .work/tokens/admin)" GCC_CI_TOKEN="$(cat .work/tokens/ci)" \
    PORT="$GCC_PORT" nohup node "$GCC_BIN" serve > .work/gcc.log 2>&1 &
  echo $! > .work/gcc.pid
  wait_url "$GCC/readyz" 120
  curl -s "$GCC/readyz"
  echo
  # <<< guide
  # >>> guide: gcc-register
  for c in $CLIENTS; do
    labels='"demo":"true"'
    if [ "$c" = "$CANARY_CLIENT" ]; then labels+=',"canary":"true"'; fi
    api POST /api/v1/clients "$(cat .work/tokens/admin)" "$(printf \
      '{"id":"%s","name":"Client %s","target_kind":"argocd","argocd_instance":"minikube","labels":{%s}}' \
      "$c" "$c" "$labels")" | jget id
    api POST "/api/v1/clients/$c/tokens" "$(cat .work/tokens/admin)" '{"role":"agent"}' | jget token > ".work/tokens/$c.agent"
    api POST "/api/v1/clients/$c/tokens" "$(cat .work/tokens/admin)" '{"role":"approver"}' | jget token \
      > ".work/tokens/$c.approver"
  done
  # <<< guide
  # >>> guide: agent-image
  rm -rf .work/agent-context && mkdir -p .work/agent-context
  (cd "$REPO_ROOT" && tar --exclude=node_modules --exclude=dist --exclude=.gcc-data -cf - \
    package.json package-lock.json tsconfig.base.json packages reference/agent-node) | tar -xf - -C .work/agent-context
  cp "$REPO_ROOT/reference/agent-node/Dockerfile" .work/agent-context/Dockerfile
  minikube -p "$PROFILE" image build -t wrktalk.local/wrktalk-agent:dev .work/agent-context
  # <<< guide
  # >>> guide: agent-install
  kubectl create namespace wrktalk-agent --dry-run=client -o yaml | kubectl apply -f -
  for c in $CLIENTS; do
    kubectl -n wrktalk-agent create secret generic "wrktalk-agent-token-$c" \
      --from-literal=AGENT_TOKEN="$(cat ".work/tokens/$c.agent")" --dry-run=client -o yaml | kubectl apply -f -
    mkdir -p ".work/agent-$c"
    sed -e "s/__CLIENT__/$c/g" -e "s/__EXECUTOR__/$AGENT_EXECUTOR/g" -e "s/__GCC_PORT__/$GCC_PORT/g" \
      agent/template/kustomization.yaml > ".work/agent-$c/kustomization.yaml"
    kubectl apply -k ".work/agent-$c"
  done
  # A re-run issued new tokens: restart the agents so that they read them.
  kubectl -n wrktalk-agent rollout restart deployment -l app.kubernetes.io/name=wrktalk-agent
  for c in $CLIENTS; do
    kubectl -n wrktalk-agent rollout status "deployment/wrktalk-agent-$c" --timeout=180s
  done
  kubectl -n wrktalk-agent exec "deploy/wrktalk-agent-$CANARY_CLIENT" -- \
    node /app/reference/agent-node/bin/wrktalk-agent.mjs doctor
  # <<< guide
}


step7_rollout() {
  step "7b. A staged rollout with approvals, then a broken release and its automatic rollback"
  require_context
  # >>> guide: rollout-good
  release_and_deploy v2
  answer_approvals "$REJECT_CLIENT"
  watch_deployment "$DEPLOYMENT"
  show_tasks "$DEPLOYMENT"
  for c in $CLIENTS; do echo "$c: $(show_version "$c")"; done
  # <<< guide
  if [ "$STATUS" != completed ]; then
    echo "expected the v2 deployment to complete, it is $STATUS (see README.md, step 8)" >&2
    exit 1
  fi
  # >>> guide: rollout-broken
  release_and_deploy v404
  answer_approvals
  watch_deployment "$DEPLOYMENT"
  show_tasks "$DEPLOYMENT"
  ROLLBACK="$(api GET '/api/v1/deployments?limit=10' "$(cat .work/tokens/admin)" | jget 'items.*' |
    grep -F "\"rollback_of\":\"$DEPLOYMENT\"" | jget id)"
  echo "automatic rollback: $ROLLBACK"
  show_tasks "$ROLLBACK"
  for c in $CLIENTS; do echo "$c: $(show_version "$c")"; done
  # <<< guide
  if [ "$STATUS" != rolled_back ]; then
    echo "expected the v404 deployment to be rolled back, it is $STATUS (see README.md, step 8)" >&2
    exit 1
  fi
}

# The Applications' image tags, sync and health, live (a second terminal during ./demo.sh rollout).
watch_apps() {
  require_context
  # >>> guide: apps
  kubectl -n argocd get applications -l wrktalk.com/client --watch \
    -o custom-columns='APP:.metadata.name,TAG:.spec.source.helm.parameters[*].value,SYNC:.status.sync.status,HEALTH:.status.health.status'
  # <<< guide
}

diagnose() {
  local c="${1:?usage: ./demo.sh diagnose CLIENT}"
  set +e # show every check, also after one fails (`kubectl auth can-i` exits 1 on "no", grep on no match)
  # >>> guide: diagnose
  kubectl -n "wrktalk-$c" get deployment,pods -o wide
  kubectl -n "wrktalk-$c" get events --sort-by=.lastTimestamp | tail -n 20
  kubectl -n argocd get application "wrktalk-$c" \
    -o jsonpath='{.status.sync.status} {.status.health.status} {.spec.source.helm.parameters}{"\n"}'
  kubectl -n wrktalk-agent logs "deploy/wrktalk-agent-$c" --tail=50
  kubectl auth can-i patch applications.argoproj.io -n argocd --as=system:serviceaccount:wrktalk-agent:wrktalk-agent
  api GET "/api/v1/clients/$c" "$(cat .work/tokens/admin)"
  echo
  grep -F "/clients/$c/" .work/gcc.log | grep -v -E '"statusCode":(200|304)' | tail -n 10
  grep -E '"level":(40|50)' .work/gcc.log | tail -n 10
  # <<< guide
}

case "${1:-all}" in
  argocd) step5_argocd ;;
  kubectl) step6_kubectl ;;
  gcc) step7_gcc ;;
  rollout) step7_rollout ;;
  apps) watch_apps ;;
  diagnose) diagnose "${2:-}" ;;
  all) step5_argocd && step6_kubectl && step7_gcc && step7_rollout ;;
  -h | --help) usage ;;
  *)
    echo "demo.sh: unknown command '$1' (./demo.sh --help lists them)" >&2
    exit 2
    ;;
esac
