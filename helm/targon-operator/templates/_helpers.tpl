{{- define "targon-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "targon-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "targon-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "targon-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "targon-operator.labels" -}}
{{ include "targon-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "targon-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "targon-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "targon-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The Secret holding the operator's default API key: the simulator's own when it runs. */}}
{{- define "targon-operator.apiKeySecretName" -}}
{{- if .Values.simulator.enabled -}}
{{- printf "%s-simulator-key" (include "targon-operator.fullname" .) -}}
{{- else -}}
{{- .Values.targon.apiKeySecret.name -}}
{{- end -}}
{{- end -}}

{{- define "targon-operator.apiUrl" -}}
{{- if .Values.simulator.enabled -}}
{{- printf "http://%s-simulator.%s.svc:8090" (include "targon-operator.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- .Values.targon.apiUrl -}}
{{- end -}}
{{- end -}}

{{/* The rules the operator needs wherever it watches TargonWorkloads. */}}
{{- define "targon-operator.workloadRules" -}}
# Watch the resources; patch finalizers (kopf) and status (kopf's bookkeeping and ours).
- apiGroups: [targon.com]
  resources: [targonworkloads]
  verbs: [get, list, watch, patch]
- apiGroups: [targon.com]
  resources: [targonworkloads/status]
  verbs: [get, patch]
# Targon events mirrored as Events, and the operator's own.
- apiGroups: [""]
  resources: [events]
  verbs: [create]
# env[].valueFrom and registryAuth: read the values, list metadata to notice changes.
- apiGroups: [""]
  resources: [secrets, configmaps]
  verbs: [get, list]
{{- end -}}
