{{/* Chart name, truncated to a DNS label. */}}
{{- define "wrktalk-gcc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name when it already contains the chart name. */}}
{{- define "wrktalk-gcc.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "wrktalk-gcc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "wrktalk-gcc.labels" -}}
helm.sh/chart: {{ include "wrktalk-gcc.chart" . }}
app.kubernetes.io/name: {{ include "wrktalk-gcc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: wrktalk
{{- end }}

{{/* What selects the serving pods (Deployment, Service, PDB, HPA target, ServiceMonitor via the Service). */}}
{{- define "wrktalk-gcc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wrktalk-gcc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/* The image reference: repository@digest, or repository:tag (tag defaults to the appVersion). */}}
{{- define "wrktalk-gcc.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding the tokens (and DATABASE_URL in external mode). */}}
{{- define "wrktalk-gcc.secretName" -}}
{{- default (include "wrktalk-gcc.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "wrktalk-gcc.cnpgCluster" -}}
{{- default (printf "%s-db" (include "wrktalk-gcc.fullname" .)) .Values.postgresql.cloudnativePg.clusterName | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- define "wrktalk-gcc.cnpgPooler" -}}
{{- default (printf "%s-pooler" (include "wrktalk-gcc.cnpgCluster" .)) .Values.postgresql.cloudnativePg.pooler.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* hook or job (migrations.strategy auto resolved by postgresql.mode). */}}
{{- define "wrktalk-gcc.migrationStrategy" -}}
{{- $s := .Values.migrations.strategy }}
{{- if eq $s "auto" }}
{{- if eq .Values.postgresql.mode "cloudnative-pg" }}job{{ else }}hook{{ end }}
{{- else if and (eq $s "hook") (eq .Values.postgresql.mode "cloudnative-pg") }}
{{- fail "migrations.strategy=hook cannot be used with postgresql.mode=cloudnative-pg: a pre-install hook runs before this release creates the CloudNativePG cluster it would migrate. Use migrations.strategy=job (or auto)." }}
{{- else }}
{{- $s }}
{{- end }}
{{- end }}

{{/*
The DATABASE_URL of the GCC (and the migration Job), never inline with credentials:
- external: the Secret's key DATABASE_URL (in hook mode without existingSecret: the hook's own copy, which exists
  before the release's Secret does);
- cloudnative-pg without the pooler: the key `uri` of the operator's <cluster>-app Secret;
- cloudnative-pg with the pooler: the pooler's Service in a URL without credentials, and PGUSER / PGPASSWORD
  (which node-postgres reads when the URL has none) from that Secret's `username` / `password`.
*/}}
{{- define "wrktalk-gcc.databaseEnv" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- if eq $v.postgresql.mode "external" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if and .migration (eq (include "wrktalk-gcc.migrationStrategy" $root) "hook") (not $v.secrets.existingSecret) }}
      name: {{ include "wrktalk-gcc.fullname" $root }}-migrate
      {{- else }}
      name: {{ include "wrktalk-gcc.secretName" $root }}
      {{- end }}
      key: DATABASE_URL
{{- else if not $v.postgresql.cloudnativePg.pooler.enabled }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "wrktalk-gcc.cnpgCluster" $root }}-app
      key: uri
{{- else }}
- name: DATABASE_URL
  value: {{ printf "postgresql://%s:5432/%s" (include "wrktalk-gcc.cnpgPooler" $root) $v.postgresql.cloudnativePg.database | quote }}
- name: PGUSER
  valueFrom:
    secretKeyRef:
      name: {{ include "wrktalk-gcc.cnpgCluster" $root }}-app
      key: username
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "wrktalk-gcc.cnpgCluster" $root }}-app
      key: password
{{- end }}
{{- end }}

{{/*
PostgreSQL connections the release may hold at once: every pod the Deployment may run (the HPA's maximum or the
replica count, plus maxSurge during a rolling update), each with its pool (DATABASE_POOL_SIZE) and one LISTEN
connection, plus the migration Job's one.
*/}}
{{- define "wrktalk-gcc.connectionBudget" -}}
{{- $pods := ternary .Values.autoscaling.maxReplicas .Values.replicaCount .Values.autoscaling.enabled | int }}
{{- $pool := .Values.env.DATABASE_POOL_SIZE | default 10 | int }}
{{- add (mul (add $pods (.Values.maxSurge | int)) (add $pool 1)) 1 }}
{{- end }}

{{/* Cross-field checks the schema cannot express; each fails the render with what to change. */}}
{{- define "wrktalk-gcc.checks" -}}
{{- $v := .Values }}
{{- if and $v.autoscaling.enabled (lt ($v.autoscaling.maxReplicas | int) ($v.autoscaling.minReplicas | int)) }}
{{- fail (printf "autoscaling.maxReplicas (%v) is below autoscaling.minReplicas (%v)" $v.autoscaling.maxReplicas $v.autoscaling.minReplicas) }}
{{- end }}
{{- if lt ($v.terminationGracePeriodSeconds | int) (add ($v.preStopSleepSeconds | int) 15 | int) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be at least preStopSleepSeconds (%v) + 15: after the preStop sleep, serve takes up to 10 s to let requests finish and close the database" $v.terminationGracePeriodSeconds $v.preStopSleepSeconds) }}
{{- end }}
{{- if and $v.ingress.enabled (not $v.ingress.host) }}
{{- fail "ingress.host is required when ingress.enabled is true" }}
{{- end }}
{{- if eq $v.postgresql.mode "cloudnative-pg" }}
{{- $need := include "wrktalk-gcc.connectionBudget" . | int }}
{{- $pg := $v.postgresql.cloudnativePg }}
{{- if gt (add $need 10 | int) ($pg.maxConnections | int) }}
{{- fail (printf "postgresql.cloudnativePg.maxConnections (%v) is too low: the GCC may hold %d connections ((replicas or autoscaling.maxReplicas + maxSurge) x (DATABASE_POOL_SIZE + 1 LISTEN) + 1 for the migration Job), plus 10 kept for superusers and the operator" $pg.maxConnections $need) }}
{{- end }}
{{- if and $pg.pooler.enabled (gt $need ($pg.pooler.defaultPoolSize | int)) }}
{{- fail (printf "postgresql.cloudnativePg.pooler.defaultPoolSize (%v) is below the %d connections the GCC may hold: in session mode each GCC connection holds a server connection, and all of them may land on one PgBouncer instance" $pg.pooler.defaultPoolSize $need) }}
{{- end }}
{{- if and $pg.pooler.enabled (gt $need ($pg.pooler.maxClientConn | int)) }}
{{- fail (printf "postgresql.cloudnativePg.pooler.maxClientConn (%v) is below the %d connections the GCC may hold" $pg.pooler.maxClientConn $need) }}
{{- end }}
{{- end }}
{{- end }}
