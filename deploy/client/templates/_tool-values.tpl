{{/*
Per-client values of each tool: what differs between clients (sizes, the client's hosts). They become the child's
spec.sources[0].helm.valuesObject, on top of the shared tools/<key>.yaml (Helm merges maps; a list here replaces
the file's list whole). One `define` per key of .Values.tools; an empty one means the shared file is all.
*/}}

{{- define "wrktalk-client.values.cnpg-operator" -}}
{{- end }}

{{- define "wrktalk-client.values.postgres" -}}
cluster:
  instances: {{ .Values.sizes.postgres.instances }}
  storage:
    size: {{ .Values.sizes.postgres.storage | quote }}
{{- end }}

{{- define "wrktalk-client.values.redis" -}}
replicas: {{ .Values.sizes.redis.replicas }}
persistentVolume:
  size: {{ .Values.sizes.redis.storage | quote }}
haproxy:
  replicas: {{ min 3 .Values.sizes.redis.replicas }}
{{- if lt (int .Values.sizes.redis.replicas) 2 }}
redis:
  config:
    # A single server has no replica to acknowledge writes (the chart's default 1 would refuse every write).
    min-replicas-to-write: 0
{{- end }}
{{- end }}

{{- define "wrktalk-client.values.pgbouncer" -}}
replicaCount: {{ .Values.sizes.pgbouncer.replicas }}
config:
  databases:
    {{ .Values.cloud.postgres.database }}:
      host: {{ .Values.cloud.postgres.host | quote }}
      port: {{ .Values.cloud.postgres.port }}
      dbname: {{ .Values.cloud.postgres.database | quote }}
{{- end }}

{{- define "wrktalk-client.values.minio" -}}
persistence:
  size: {{ .Values.sizes.minio.storage | quote }}
{{- end }}

{{- define "wrktalk-client.values.eck-operator" -}}
{{- end }}

{{/* nodeSets is a list, so the whole node set is here (a list in valuesObject replaces the file's). */}}
{{- define "wrktalk-client.values.elastic" -}}
eck-elasticsearch:
  nodeSets:
    - name: default
      count: {{ .Values.sizes.elasticsearch.nodes }}
      config:
        node.store.allow_mmap: false
      volumeClaimTemplates:
        - metadata:
            name: elasticsearch-data
          spec:
            accessModes:
              - ReadWriteOnce
            resources:
              requests:
                storage: {{ .Values.sizes.elasticsearch.storage | quote }}
{{- end }}

{{- define "wrktalk-client.values.monitoring" -}}
prometheus:
  prometheusSpec:
    storageSpec:
      volumeClaimTemplate:
        spec:
          accessModes:
            - ReadWriteOnce
          resources:
            requests:
              storage: {{ .Values.sizes.prometheus.storage | quote }}
{{- end }}

{{- define "wrktalk-client.values.stunner" -}}
stunnerGatewayOperator:
  dataplane:
    spec:
      replicas: {{ .Values.sizes.stunner.replicas }}
{{- end }}

{{/*
The WrkTalk app's per-client values: the contract the backend/media/ct chart reads (tools/wrktalk.yaml documents
it). Where the data services are depends on the profile; all of them are in the workload namespace.
*/}}
{{- define "wrktalk-client.values.wrktalk" -}}
{{- $ns := include "wrktalk-client.workloadNamespace" . -}}
global:
  clientId: {{ .Values.clientId | quote }}
  domain: {{ .Values.domain | quote }}
  tier: {{ .Values.tier | quote }}
  profile: {{ .Values.profile | quote }}
  redis:
    host: {{ printf "redis-haproxy.%s.svc" $ns | quote }}
    port: 6379
    existingSecret: {{ .Values.secrets.redis | quote }}
  postgres:
  {{- if eq .Values.profile "cloud" }}
    # PgBouncer (icoretech chart) in front of the managed database.
    host: {{ printf "pgbouncer.%s.svc" $ns | quote }}
    port: 5432
    database: {{ .Values.cloud.postgres.database | quote }}
    existingSecret: {{ .Values.secrets.postgres | quote }}
  {{- else }}
    # CloudNativePG's PgBouncer Pooler `rw`; CNPG writes the app user's credentials to <cluster>-app.
    host: {{ printf "postgres-pooler-rw.%s.svc" $ns | quote }}
    port: 5432
    database: wrktalk
    existingSecret: postgres-app
  {{- end }}
  objectStorage:
  {{- if eq .Values.profile "cloud" }}
    endpoint: {{ .Values.cloud.bucket.endpoint | quote }}
    region: {{ .Values.cloud.bucket.region | quote }}
    bucket: {{ .Values.cloud.bucket.name | default (printf "wrktalk-%s" .Values.clientId) | quote }}
  {{- else }}
    endpoint: {{ printf "http://minio.%s.svc:9000" $ns | quote }}
    region: us-east-1
    bucket: wrktalk
  {{- end }}
    existingSecret: {{ .Values.secrets.objectStorage | quote }}
backend:
  replicaCount: {{ .Values.sizes.backend.replicas }}
media:
  replicaCount: {{ .Values.sizes.media.replicas }}
ct:
  replicaCount: {{ .Values.sizes.ct.replicas }}
{{- end }}
