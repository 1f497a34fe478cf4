#!/usr/bin/env bash
# Builds the control-plane binaries and helm from the pinned Go modules under tools/ into
# bin/. Idempotent: a binary that already reports its pinned version is not rebuilt. With
# KUBEBUILDER_ASSETS pointing at envtest binaries, kube-apiserver and etcd are taken from
# there instead (as setup-envtest users expect). Usage: tools/build.sh [tool...]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="${BIN_DIR:-$root/bin}"
mkdir -p "$bin"

KUBE_VERSION=v1.36.3     # tools/kube-apiserver/go.mod
ETCD_VERSION=3.6.8       # tools/etcd/go.mod; the version k8s.io/kubernetes v1.36.3 pins
HELM_VERSION=v3.21.4     # tools/helm/go.mod

say() { printf '[make bin] %s\n' "$*"; }

have_version() {  # binary, expected substring of its version output, version flag...
  local path=$1 want=$2; shift 2
  [ -x "$path" ] && "$path" "$@" 2>/dev/null | grep -qF -- "$want"
}

build() {  # tool, output, package, ldflags
  local tool=$1 out=$2 pkg=$3 ldflags=$4 started
  started=$(date +%s)
  say "building $tool from $pkg (a cold build downloads modules and compiles for minutes)..."
  (
    cd "$root/tools/$tool"
    # -mod=readonly: go.mod and go.sum are committed; a build must not rewrite them.
    go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      sleep 20
      kill -0 "$pid" 2>/dev/null && say "  still building $tool ($(( $(date +%s) - started ))s)"
    done
    wait "$pid"
  )
  mv "$out.tmp" "$out"
  say "built $tool in $(( $(date +%s) - started ))s"
}

kube_ldflags() {
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=36"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

want_kube() {
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] \
      && [ -x "$KUBEBUILDER_ASSETS/etcd" ]; then
    say "using kube-apiserver and etcd from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    return 1
  fi
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(kube-apiserver etcd helm)

for tool in "${tools[@]}"; do
  case $tool in
    kube-apiserver)
      want_kube || continue
      if have_version "$bin/kube-apiserver" "Kubernetes $KUBE_VERSION" --version; then
        say "kube-apiserver $KUBE_VERSION is up to date"
      else
        build kube-apiserver "$bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$(kube_ldflags)"
      fi ;;
    etcd)
      want_kube || continue
      if have_version "$bin/etcd" "etcd Version: $ETCD_VERSION" --version; then
        say "etcd $ETCD_VERSION is up to date"
      else
        build etcd "$bin/etcd" go.etcd.io/etcd/server/v3 "-s -w"
      fi ;;
    helm)
      if have_version "$bin/helm" "$HELM_VERSION" version --short; then
        say "helm $HELM_VERSION is up to date"
      else
        build helm "$bin/helm" helm.sh/helm/v3/cmd/helm \
          "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      fi ;;
    *) echo "unknown tool: $tool" >&2; exit 2 ;;
  esac
done
