#!/usr/bin/env bash
# Removes everything up.sh and demo.sh created: the background processes they started (by their pid files),
# the whole minikube profile (only the demo's own profile), and the .work directory.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh
. ./lib.sh

# >>> guide: down
for pidfile in .work/gcc.pid .work/argocd-port-forward.pid; do
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then kill "$(cat "$pidfile")"; fi
done
minikube delete -p "$PROFILE"
rm -rf .work app/VERSION
# <<< guide
