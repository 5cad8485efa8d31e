#!/usr/bin/env bash
# Renders every kustomize overlay (and the base) and validates the result offline, strictly;
# lints the Dockerfile. `make k8s` runs this; so can CI. Installs its own tools (PyPI) into a
# virtualenv on first use; needs python3 and kubectl (or kustomize) on the PATH.
#
#   K8S_VERSIONS="1.30.0 1.37.0"   Kubernetes versions to validate against (oldest supported
#                                  and newest known; the preStop sleep action needs 1.30).
#   FRONTDESK_K8S_TOOLS=DIR        where the virtualenv lives (default ~/.cache/frontdesk-k8s-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.37.0}"
tools="${FRONTDESK_K8S_TOOLS:-$HOME/.cache/frontdesk-k8s-tools}"
req="k8s/tools/requirements.txt"

# --- tools -----------------------------------------------------------------------------
if [ ! -x "$tools/bin/python" ] || ! cmp -s "$req" "$tools/requirements.txt"; then
  echo "== installing validation tools into $tools"
  rm -rf "$tools"
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$tools/requirements.txt"
fi
py="$tools/bin/python"

if command -v kubectl >/dev/null 2>&1; then
  render() { kubectl kustomize "$1"; }
elif command -v kustomize >/dev/null 2>&1; then
  render() { kustomize build "$1"; }
else
  echo "k8s/validate.sh: needs kubectl (kubectl kustomize) or kustomize on the PATH" >&2
  exit 2
fi

# --- render ----------------------------------------------------------------------------
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
rendered=()
for dir in k8s/base k8s/overlays/*/; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  echo "== render $dir"
  render "$dir" > "$out/$name.yaml"
  rendered+=("$out/$name.yaml")
done

# --- validate --------------------------------------------------------------------------
version_args=()
for v in $K8S_VERSIONS; do version_args+=(--k8s-version "$v"); done
echo "== validate (schemas, probes, pods, references, network policies, monitoring, Dockerfile)"
"$py" k8s/tools/validate_manifests.py --repo "$repo" --dockerfile Dockerfile \
  "${version_args[@]}" "${rendered[@]}"

echo "== hadolint Dockerfile"
"$tools/bin/hadolint" --failure-threshold style Dockerfile
echo "k8s: every overlay renders and validates; Dockerfile lint clean"
