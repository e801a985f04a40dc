{{- define "kartei.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kartei.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kartei.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "kartei.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kartei.selector" -}}
app.kubernetes.io/name: {{ include "kartei.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kartei.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "kartei.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kartei.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The configuration file: `config` as TOML (integers stay integers), plus the public URL,
the bind address and Meilisearch. Sections and keys are the application's own. */}}
{{- define "kartei.configToml" -}}
{{- $c := deepCopy .Values.config -}}
{{- $_ := set $c "http" (merge (dict "public_url" .Values.publicUrl "bind" "0.0.0.0:8080") (index $c "http" | default dict)) -}}
{{- if .Values.meilisearchUrl -}}
{{- $_ := set $c "search" (merge (dict "meilisearch_url" .Values.meilisearchUrl) (index $c "search" | default dict)) -}}
{{- end -}}
{{- range $section := keys $c | sortAlpha }}
[{{ $section }}]
{{- $s := index $c $section }}
{{- range $key := keys $s | sortAlpha }}
{{- $v := index $s $key }}
{{- if kindIs "float64" $v }}
{{ $key }} = {{ int64 $v }}
{{- else if kindIs "bool" $v }}
{{ $key }} = {{ $v }}
{{- else }}
{{ $key }} = {{ toJson $v }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Environment shared by every Kartei container: the config file and the secrets. */}}
{{- define "kartei.env" -}}
- name: KARTEI_CONFIG
  value: /etc/kartei/kartei.toml
{{- range $key, $var := .Values.secretKeys }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.existingSecret }}
      key: {{ $var }}
      optional: {{ not (has $key (list "databaseUrl" "jwtSecret")) }}
{{- end }}
{{- end -}}

{{- define "kartei.volumes" -}}
- name: config
  configMap:
    name: {{ .configMap }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "kartei.volumeMounts" -}}
- name: config
  mountPath: /etc/kartei
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}
