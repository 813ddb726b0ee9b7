#!/usr/bin/env bash
# Builds the etcd that the differential suite runs kube-apiserver on, from the
# go.etcd.io/etcd/server/v3 module pinned in test/etcd/go.mod, into the cache directory
# shared by every checkout on this machine, and prints the binary's path. A binary already
# in the cache is reused (a cold build takes about 1.5 minutes on 2 cores).
#
# Not Debian's etcd-server: its 3.4.23 lacks RequestWatchProgress, without which
# kube-apiserver v1.37 times out every watch that has no resourceVersion (see test/etcd/tools.go).
#
#   SHEETOPS_CACHE   cache directory (default $HOME/.cache/sheetops)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mod="$here/etcd"

version="$(cd "$mod" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
cache="${SHEETOPS_CACHE:-$HOME/.cache/sheetops}"
bin="$cache/etcd-$version"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
echo "building etcd $version into $bin" >&2
start=$(date +%s)
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp" go.etcd.io/etcd/server/v3)
mv "$tmp" "$bin"
echo "built etcd $version in $(( $(date +%s) - start ))s" >&2
echo "$bin"
