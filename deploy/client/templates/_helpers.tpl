{{/*
The client's workload namespace: the WrkTalk app and the data services it reads (Redis, PostgreSQL or PgBouncer,
MinIO) live here, so their Secrets are where the app's pods can mount them.
*/}}
{{- define "wrktalk-client.workloadNamespace" -}}
wrktalk-{{ .Values.clientId }}
{{- end }}

{{/* The WrkTalk app's Application: the name the agent edits (ARGOCD_APP_NAME default wrktalk-{clientId}). */}}
{{- define "wrktalk-client.appName" -}}
wrktalk-{{ .Values.clientId }}
{{- end }}

{{/* Labels of every child Application. Context: dict root, component. */}}
{{- define "wrktalk-client.labels" -}}
app.kubernetes.io/part-of: wrktalk-client
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
wrktalk.com/client: {{ .root.Values.clientId | quote }}
wrktalk.com/profile: {{ .root.Values.profile }}
wrktalk.com/component: {{ .component }}
{{- end }}

{{/*
Checks what values.schema.json cannot say with a readable message. Helm and Argo CD check the schema first; these
catch a chart rendered without it (and say which wrktalk-onboard flag sets the value).
*/}}
{{- define "wrktalk-client.validate" -}}
{{- $_ := required "clientId is required: the root Application's parameter clientId (wrktalk-onboard --client)" .Values.clientId -}}
{{- $_ := required "domain is required: the root Application's parameter domain (wrktalk-onboard --domain)" .Values.domain -}}
{{- if not (has .Values.profile (list "cloud" "on-prem")) -}}
{{- fail (printf "profile must be cloud or on-prem, not %q" .Values.profile) -}}
{{- end -}}
{{- if and (eq .Values.profile "cloud") (not .Values.cloud.postgres.host) -}}
{{- fail "cloud.postgres.host is required for profile cloud: the managed PostgreSQL PgBouncer fronts (wrktalk-onboard --postgres-host)" -}}
{{- end -}}
{{- end }}

{{/*
One child Application. Context: dict
  root        the chart's top scope
  name        metadata.name
  component   label wrktalk.com/component
  wave        argocd.argoproj.io/sync-wave
  namespace   destination namespace
  sources     spec.sources (multi-source), or
  source      spec.source (single source)
  automated   syncPolicy.automated
  syncOptions syncPolicy.syncOptions
  ignoreDifferences (optional)
Every child carries the resources finalizer: deleting it deletes what it deployed (deleting the ROOT does not cascade,
see application.yaml).
*/}}
{{- define "wrktalk-client.application" -}}
{{- $v := .root.Values -}}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
  namespace: {{ $v.argocd.namespace }}
  labels:
    {{- include "wrktalk-client.labels" (dict "root" .root "component" .component) | nindent 4 }}
  annotations:
    argocd.argoproj.io/sync-wave: {{ .wave | toString | quote }}
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: {{ $v.argocd.project }}
  destination:
    server: {{ $v.argocd.server }}
    namespace: {{ .namespace }}
  {{- if .sources }}
  sources:
    {{- toYaml .sources | nindent 4 }}
  {{- else }}
  source:
    {{- toYaml .source | nindent 4 }}
  {{- end }}
  {{- with .ignoreDifferences }}
  ignoreDifferences:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  syncPolicy:
    automated:
      {{- toYaml .automated | nindent 6 }}
    syncOptions:
      {{- toYaml .syncOptions | nindent 6 }}
    retry:
      {{- toYaml $v.argocd.retry | nindent 6 }}
{{- end }}

{{/*
The per-client values of a tool (templates/_tool-values.tpl) as a map; empty when the tool has none.
Context: dict root, key.
*/}}
{{- define "wrktalk-client.valuesObject" -}}
{{- $vo := include (printf "wrktalk-client.values.%s" .key) .root | fromYaml -}}
{{- if hasKey $vo "Error" -}}
{{- fail (printf "the per-client values of %s do not parse: %s" .key (get $vo "Error")) -}}
{{- end -}}
{{- toJson $vo -}}
{{- end }}
