#!/usr/bin/env bash
# The checks of deploy/client that need helm and the network, which this repository's CI has neither of
# (its tests render the chart offline with deploy/tools/chart-render). Run it on a workstation with helm 3.18+
# (or 4), from a checkout of this repository after `npm ci` (it reads rendered YAML with node and the `yaml` package):
#
#   deploy/client/check-with-helm.sh
#
# 1. helm lint of this chart, for both profiles.
# 2. For every tool: helm pull <repo>/<chart> --version X --untar, then helm template with our shared
#    tools/<tool>.yaml plus the per-client values the root renders for a sample client, so that the chart's own
#    values.schema.json (where it publishes one) validates our values, and the templates accept them.
# 3. The agent chart (../agent) with the values the root gives it; the Argo CD chart with ../client/argocd-values.yaml.
# The WrkTalk chart itself is the customer's: set CHECK_WRKTALK_CHART=1 once values.yaml wrktalk.* points at it.
set -euo pipefail

cd "$(dirname "$0")"
command -v helm >/dev/null || { echo "check-with-helm.sh: needs helm (https://helm.sh/docs/intro/install/)" >&2; exit 1; }
command -v node >/dev/null || { echo "check-with-helm.sh: needs node (and npm ci in the repository)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The Argo CD chart of README step 1 (keep in step with README.md).
ARGOCD_CHART_VERSION=10.9.5

# Every tool of values.yaml: key, Helm repository, chart, exact version, namespace (empty: the workload namespace).
# deploy/test/client-chart.test.ts checks that this table equals values.yaml.
TOOLS=(
  "cnpg-operator https://cloudnative-pg.github.io/charts cloudnative-pg 0.29.0 cnpg-system"
  "postgres https://cloudnative-pg.github.io/charts cluster 0.8.1 -"
  "redis https://dandydeveloper.github.io/charts redis-ha 4.38.0 -"
  "pgbouncer https://icoretech.github.io/helm pgbouncer 4.1.10 -"
  "minio https://charts.min.io/ minio 5.4.0 -"
  "eck-operator https://helm.elastic.co eck-operator 3.5.0 elastic-system"
  "elastic https://helm.elastic.co eck-stack 0.17.0 logging"
  "monitoring https://prometheus-community.github.io/helm-charts kube-prometheus-stack 88.3.0 monitoring"
  "stunner https://l7mp.io/stunner stunner-gateway-operator 1.1.0 stunner-system"
)

sample_onprem=(--set-string clientId=sample --set-string domain=chat.sample.example --set-string profile=on-prem)
sample_cloud=(--set-string clientId=sample --set-string domain=chat.sample.example --set-string profile=cloud
  --set-string cloud.postgres.host=db.sample.example)

echo "== helm lint deploy/client (on-prem, cloud)"
helm lint . "${sample_onprem[@]}"
helm lint . "${sample_cloud[@]}"
helm template client-sample . "${sample_onprem[@]}" >"$work/on-prem.yaml"
helm template client-sample . "${sample_cloud[@]}" >"$work/cloud.yaml"

# Prints the helm.valuesObject of the child Application NAME in a rendered file, as YAML ({} when it has none).
child_values() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parseAllDocuments, stringify } from "yaml";
    const [file, name] = process.argv.slice(1);
    const apps = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
    const app = apps.find((a) => a.kind === "Application" && a.metadata.name === name);
    if (!app) { console.error("no Application " + name + " in " + file); process.exit(1); }
    const source = app.spec.sources ? app.spec.sources[0] : app.spec.source;
    process.stdout.write(stringify(source.helm?.valuesObject ?? {}));
  ' "$1" "$2"
}

failed=0
for line in "${TOOLS[@]}"; do
  read -r key repo chart version namespace <<<"$line"
  [ "$namespace" = "-" ] && namespace=wrktalk-sample
  rendered="$work/on-prem.yaml"
  grep -q "^  name: ${key}\$" "$rendered" || rendered="$work/cloud.yaml"
  echo "== ${key}: ${repo} ${chart} ${version}"
  helm repo add --force-update "wrktalk-${key}" "$repo" >/dev/null
  rm -rf "${work:?}/${key}" && mkdir -p "$work/$key"
  helm pull "wrktalk-${key}/${chart}" --version "$version" --untar --untardir "$work/$key"
  child_values "$rendered" "$key" >"$work/${key}.client.yaml"
  if [ -f "$work/$key/$chart/values.schema.json" ]; then
    echo "   the chart publishes values.schema.json: helm template validates tools/${key}.yaml against it"
  fi
  if ! helm template "$key" "$work/$key/$chart" --namespace "$namespace" \
    -f "tools/${key}.yaml" -f "$work/${key}.client.yaml" >"$work/${key}.out.yaml"; then
    echo "   FAILED: ${key}" >&2
    failed=1
  fi
done

echo "== wrktalk-agent: ../agent with the root's values"
child_values_source() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parseAllDocuments, stringify } from "yaml";
    const apps = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS()).filter(Boolean);
    const app = apps.find((a) => a.kind === "Application" && a.metadata.name === "wrktalk-agent");
    process.stdout.write(stringify(app.spec.source.helm.valuesObject));
  ' "$1"
}
child_values_source "$work/on-prem.yaml" >"$work/agent.client.yaml"
helm lint ../agent -f "$work/agent.client.yaml" || failed=1
helm template wrktalk-agent ../agent --namespace wrktalk-agent -f "$work/agent.client.yaml" >/dev/null || failed=1

echo "== argo-cd ${ARGOCD_CHART_VERSION} with argocd-values.yaml"
helm repo add --force-update argo https://argoproj.github.io/argo-helm >/dev/null
helm template argocd argo/argo-cd --version "$ARGOCD_CHART_VERSION" --namespace argocd -f argocd-values.yaml \
  >/dev/null || failed=1

if [ "${CHECK_WRKTALK_CHART:-0}" = "1" ]; then
  echo "== wrktalk: the customer's chart with tools/wrktalk.yaml and the root's values"
  wrktalk_line="$(node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parse } from "yaml";
    const w = parse(readFileSync("values.yaml", "utf8")).wrktalk;
    console.log(w.repoURL + " " + w.chart + " " + w.version);
  ')"
  read -r wrepo wchart wversion <<<"$wrktalk_line"
  helm repo add --force-update wrktalk-app "$wrepo" >/dev/null
  mkdir -p "$work/wrktalk"
  helm pull "wrktalk-app/${wchart}" --version "$wversion" --untar --untardir "$work/wrktalk"
  child_values "$work/on-prem.yaml" wrktalk-sample >"$work/wrktalk.client.yaml"
  helm template wrktalk "$work/wrktalk/$wchart" --namespace wrktalk-sample -f tools/wrktalk.yaml \
    -f "$work/wrktalk.client.yaml" --set-string backend.image.tag=1.0.0 --set-string media.image.tag=1.0.0 \
    --set-string ct.image.tag=1.0.0 >/dev/null || failed=1
else
  echo "== wrktalk: skipped (the customer's chart; CHECK_WRKTALK_CHART=1 to include it)"
fi

if [ "$failed" -ne 0 ]; then
  echo "check-with-helm.sh: FAILED (see above)" >&2
  exit 1
fi
echo "check-with-helm.sh: all checks passed"
