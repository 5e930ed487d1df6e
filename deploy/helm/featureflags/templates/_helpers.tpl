{{- define "featureflags.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "featureflags.fullname" -}}
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

{{- define "featureflags.selectorLabels" -}}
app.kubernetes.io/name: {{ include "featureflags.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "featureflags.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "featureflags.selectorLabels" . }}
app.kubernetes.io/version: {{ include "featureflags.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "featureflags.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* The Secret holding the admin token (and the store URL). */}}
{{- define "featureflags.secretName" -}}
{{- default (include "featureflags.fullname" .) .Values.existingSecret.name }}
{{- end }}

{{- define "featureflags.adminTokenKey" -}}
{{- if .Values.existingSecret.name }}{{ .Values.existingSecret.adminTokenKey }}{{ else }}admin-token{{ end }}
{{- end }}

{{/* "true" when the store is PostgreSQL or MongoDB, "" for SQLite on a volume. */}}
{{- define "featureflags.externalStore" -}}
{{- if or .Values.store.url (and .Values.existingSecret.name .Values.existingSecret.storeURLKey) }}true{{ end }}
{{- end }}

{{/* Refuses settings that cannot work: SQLite is one process on one volume. */}}
{{- define "featureflags.validate" -}}
{{- if not (include "featureflags.externalStore" .) }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail "SQLite (no store.url or existingSecret.storeURLKey) allows replicaCount 1 only: use PostgreSQL or MongoDB for more replicas" }}
{{- end }}
{{- if .Values.autoscaling.enabled }}
{{- fail "SQLite (no store.url or existingSecret.storeURLKey) cannot autoscale: use PostgreSQL or MongoDB" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A setting as an environment variable: whole numbers without exponent. */}}
{{- define "featureflags.envValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}
