#!/usr/bin/env bash
# Removes what up.sh and demo.sh created, as far as it exists: the background processes they started (by their pid
# files), the demo's own minikube profile (no other), .work/ and app/VERSION. What is not there is skipped, and said.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh
. ./lib.sh

usage() {
  cat << EOF
Usage: ./down.sh [--help]

Removes what ./up.sh and ./demo.sh created, as far as it exists:
  - the GCC and the Argo CD port-forward they started in the background (by their pid files in .work/)
  - the minikube profile \$PROFILE, with everything in it (no other profile, no other kubectl context)
  - .work/ (tokens, GCC data, logs, build contexts) and app/VERSION
What is not there is skipped, with a line saying so; without minikube installed there is no cluster to delete.
Exit status: 0 when everything is gone, 1 when a step failed (said on stderr; everything else is still removed,
and running ./down.sh again retries).

Options:
  -h, --help  this help; nothing is touched

Environment (current value; default in lib.sh):
  PROFILE=$PROFILE  the minikube profile to delete
EOF
}

for arg in "$@"; do
  case "$arg" in
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "down.sh: unknown option '$arg' (./down.sh --help lists the options)" >&2
      exit 2
      ;;
  esac
done

# >>> guide: down
failed=()
for pidfile in .work/gcc.pid .work/argocd-port-forward.pid; do
  pid="$(cat "$pidfile" 2> /dev/null || true)"
  if [ -z "$pid" ]; then
    echo "skipped: no $pidfile (not started)"
  elif ! kill -0 "$pid" 2> /dev/null; then
    echo "skipped: process $pid of $pidfile is not running any more"
  elif kill "$pid"; then
    echo "stopped: process $pid of $pidfile"
  else
    failed+=("kill $pid ($pidfile)")
  fi
done
if ! command -v minikube > /dev/null 2>&1; then
  echo "skipped: minikube is not installed, so there is no cluster to delete"
elif minikube delete -p "$PROFILE"; then
  echo "deleted: minikube profile $PROFILE"
else
  failed+=("minikube delete -p $PROFILE")
fi
for path in .work app/VERSION; do
  if [ ! -e "$path" ]; then
    echo "skipped: no $path"
  elif rm -rf "$path"; then
    echo "removed: $path"
  else
    failed+=("rm -rf $path")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'down.sh: failed: %s\n' "${failed[@]}" >&2
  echo "down.sh: everything else is removed; fix the cause above and run ./down.sh again" >&2
  exit 1
fi
# <<< guide
