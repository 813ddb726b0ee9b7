#!/usr/bin/env bash
# Builds the upstream kube-apiserver that the differential suite compares the engine with,
# from the k8s.io/kubernetes module pinned in test/kubeapiserver/go.mod, into a cache
# directory shared by every checkout on this machine, and prints the binary's path.
# A binary already in the cache is reused: the build (11 minutes cold on 2 cores here, more
# when other builds share the machine) is paid once.
#
#   SHEETOPS_CACHE   cache directory (default $HOME/.cache/sheetops)
#
# Usage: test/build-kube-apiserver.sh            -> prints e.g. ~/.cache/sheetops/kube-apiserver-v1.37.1
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mod="$here/kubeapiserver"

version="$(cd "$mod" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
cache="${SHEETOPS_CACHE:-$HOME/.cache/sheetops}"
bin="$cache/kube-apiserver-$version"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
major="${version#v}"; major="${major%%.*}"
minor="${version#v*.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

echo "building kube-apiserver $version into $bin (takes minutes the first time)" >&2
start=$(date +%s)
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp" k8s.io/kubernetes/cmd/kube-apiserver)
mv "$tmp" "$bin"
echo "built kube-apiserver $version in $(( $(date +%s) - start ))s" >&2
echo "$bin"
