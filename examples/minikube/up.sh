#!/usr/bin/env bash
# Steps 1-4 of README.md: a minikube profile, the web app images v1 and v2, the in-cluster git server holding the
# chart, Argo CD, and one Application wrktalk-<client> per client from the single template, synced at v1.
# ./up.sh --help: what it does, its options and the settings it reads.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh
. ./lib.sh

usage() {
  cat << EOF
Usage: ./up.sh [--help]

Steps 1-4 of README.md: starts the minikube profile \$PROFILE, builds the web app images v1 and v2 and the
in-cluster git server (holding chart/) into it, installs Argo CD \$ARGOCD_VERSION, and creates and syncs one
Argo CD Application wrktalk-<client> per client, all at v1. Works only in the kubectl context \$PROFILE.
Needs minikube, kubectl, helm, argocd, node, npm, git and curl (README.md, step 1), about 4 GB of memory
and network access (images, Argo CD's install.yaml). Next: ./demo.sh; clean up: ./down.sh.

Options:
  -h, --help  this help; nothing is run

Environment (current value; defaults in lib.sh):
  PROFILE=$PROFILE  minikube profile, and the kubectl context it creates
  CLIENTS="$CLIENTS"  one Application and namespace wrktalk-<client> each
  ARGOCD_VERSION=$ARGOCD_VERSION  the Argo CD release installed
  ARGOCD_PORT=$ARGOCD_PORT  local port of the kubectl port-forward to argocd-server
EOF
}

for arg in "$@"; do
  case "$arg" in
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "up.sh: unknown option '$arg' (./up.sh --help lists the options)" >&2
      exit 2
      ;;
  esac
done

step "1. Prerequisites"
need minikube kubectl helm argocd node npm git curl

step "2. Cluster and web app images"
# >>> guide: start
minikube start -p "$PROFILE" --cpus=2 --memory=4g
kubectl config use-context "$PROFILE"
# <<< guide
require_context
# >>> guide: build-images
for v in v1 v2; do
  printf '%s\n' "$v" > app/VERSION
  minikube -p "$PROFILE" image build -t "wrktalk.local/web:$v" app
done
minikube -p "$PROFILE" image ls | grep wrktalk.local/web
# <<< guide

step "3. The chart, served to Argo CD by an in-cluster git server"
# >>> guide: gitserver
rm -rf .work/gitserver-context && mkdir -p .work/gitserver-context
cp gitserver/Dockerfile gitserver/package.json gitserver/server.js .work/gitserver-context/
cp -R chart .work/gitserver-context/chart
minikube -p "$PROFILE" image build -t wrktalk.local/gitserver:v1 .work/gitserver-context
kubectl apply -f gitserver/gitserver.yaml
kubectl -n wrktalk-git rollout status deployment/gitserver --timeout=180s
# <<< guide

step "4. Argo CD and the Applications"
# >>> guide: argocd-install
kubectl create namespace argocd --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -n argocd --server-side --force-conflicts \
  -f "https://raw.githubusercontent.com/argoproj/argo-cd/${ARGOCD_VERSION}/manifests/install.yaml"
kubectl -n argocd wait --for=condition=Available deployment --all --timeout=600s
kubectl -n argocd rollout status statefulset/argocd-application-controller --timeout=600s
# <<< guide
# >>> guide: argocd-login
argocd_port_forward
argocd login "localhost:${ARGOCD_PORT}" --username admin \
  --password "$(argocd admin initial-password -n argocd | head -n 1)" --insecure --grpc-web
# <<< guide
# >>> guide: applications
for c in $CLIENTS; do
  sed "s/__CLIENT__/$c/g" argocd/application.yaml | kubectl apply -f -
done
for c in $CLIENTS; do
  argocd app sync "wrktalk-$c" --grpc-web
  argocd app wait "wrktalk-$c" --health --sync --timeout 300 --grpc-web
  echo "wrktalk-$c serves: $(show_version "$c")"
done
argocd app list --grpc-web
# <<< guide

step "Done: every client runs v1. Next: ./demo.sh"
