{{/* The chart name, truncated to the 63 characters of a label value. */}}
{{- define "apimcap.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the release's objects. */}}
{{- define "apimcap.fullname" -}}
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

{{- define "apimcap.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "apimcap.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apimcap.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "apimcap.labels" -}}
helm.sh/chart: {{ include "apimcap.chart" . }}
{{ include "apimcap.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: apim-capacity-operator
{{- end }}

{{- define "apimcap.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "apimcap.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "apimcap.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* "true" when the operator runs with --leader-elect. */}}
{{- define "apimcap.leaderElect" -}}
{{- $mode := .Values.leaderElection.enabled }}
{{- if kindIs "bool" $mode }}
{{- if and (not $mode) (gt (int .Values.replicaCount) 1) }}
{{- fail "leaderElection.enabled=false needs replicaCount <= 1: two active replicas would start Azure operations on the same service" }}
{{- end }}
{{- ternary "true" "" $mode }}
{{- else if gt (int .Values.replicaCount) 1 }}
{{- "true" }}
{{- end }}
{{- end }}

{{/* Fails unless exactly one of namespacePolicy and allowAllNamespaces says who may target Azure. */}}
{{- define "apimcap.checkNamespaceScope" -}}
{{- if and .Values.namespacePolicy .Values.allowAllNamespaces }}
{{- fail "namespacePolicy and allowAllNamespaces=true contradict each other: set one of them" }}
{{- end }}
{{- if not (or .Values.namespacePolicy .Values.allowAllNamespaces) }}
{{- fail "namespacePolicy is empty and allowAllNamespaces is false, so no namespace could manage Azure services: set namespacePolicy (each namespace and the Azure scopes its ApimCapacity objects may target), or allowAllNamespaces=true to let every namespace target any service the operator's Azure identity reaches" }}
{{- end }}
{{- end }}

{{/* The CA bundle volume source, or nothing. */}}
{{- define "apimcap.caBundle" -}}
{{- $ca := .Values.azure.caBundle }}
{{- if and $ca.configMap.name $ca.secret.name }}
{{- fail "azure.caBundle: set configMap.name or secret.name, not both" }}
{{- end }}
{{- if $ca.configMap.name }}
configMap:
  name: {{ $ca.configMap.name }}
  items:
    - key: {{ $ca.configMap.key }}
      path: ca.crt
{{- else if $ca.secret.name }}
secret:
  secretName: {{ $ca.secret.name }}
  items:
    - key: {{ $ca.secret.key }}
      path: ca.crt
{{- end }}
{{- end }}
