{{/* Name of every object: the release name when it already says wrktalk-agent, else <release>-wrktalk-agent. */}}
{{- define "wrktalk-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "wrktalk-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "wrktalk-agent.labels" -}}
{{ include "wrktalk-agent.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: update-agent
wrktalk.com/client: {{ include "wrktalk-agent.clientId" . }}
{{- end -}}

{{/* The per-client values, checked here too for installs that skip the values schema. */}}
{{- define "wrktalk-agent.clientId" -}}
{{- required "clientId is required: this client's id at the GCC, e.g. --set clientId=acme" .Values.clientId -}}
{{- end -}}

{{- define "wrktalk-agent.gccUrl" -}}
{{- required "gccUrl is required, e.g. --set gccUrl=https://gcc.wrktalk.com" .Values.gccUrl -}}
{{- end -}}

{{- define "wrktalk-agent.executor" -}}
{{- required "executor is required, e.g. --set executor=argocd-k8s" .Values.executor -}}
{{- end -}}

{{/* The client's Argo CD Application: argocd.application, else wrktalk-<clientId>. */}}
{{- define "wrktalk-agent.argocdApplication" -}}
{{- .Values.argocd.application | default (printf "wrktalk-%s" (include "wrktalk-agent.clientId" .)) -}}
{{- end -}}

{{/* "true" when the executor talks to the Kubernetes API with the pod's ServiceAccount (and so gets a Role). */}}
{{- define "wrktalk-agent.usesKubeApi" -}}
{{- if has (include "wrktalk-agent.executor" .) (list "argocd-k8s" "kubernetes") -}}true{{- end -}}
{{- end -}}

{{- define "wrktalk-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "wrktalk-agent.stateClaim" -}}
{{- .Values.state.persistence.existingClaim | default (printf "%s-state" (include "wrktalk-agent.fullname" .)) -}}
{{- end -}}
