#!/usr/bin/env bash
# Runs the differential conformance suite: the same scenarios against the embedded engine
# and a real kube-apiserver with etcd (see test/differential/doc.go).
#
# Builds the pinned etcd and kube-apiserver once into ${SHEETOPS_CACHE:-$HOME/.cache/sheetops}
# (cold: about 1.5 minutes for etcd and 11 for kube-apiserver on 2 cores, more under load;
# then reused), then runs `go test ./differential/ -count=1` in test/ with ETCD_BIN and
# KUBE_APISERVER_BIN pointing at them. Extra arguments go to go test (-v, -run ..., -bench ...).
#
# etcd comes from the Go module proxy rather than Debian's etcd-server package: Debian's
# 3.4.23 lacks RequestWatchProgress, and kube-apiserver v1.37 on it times out every watch
# that has no resourceVersion (details in test/etcd/tools.go).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

ETCD_BIN="${ETCD_BIN:-$("$here/build-etcd.sh")}"
KUBE_APISERVER_BIN="${KUBE_APISERVER_BIN:-$("$here/build-kube-apiserver.sh")}"
export ETCD_BIN KUBE_APISERVER_BIN
echo "etcd: $ETCD_BIN ($("$ETCD_BIN" --version | head -1))"
echo "kube-apiserver: $KUBE_APISERVER_BIN ($("$KUBE_APISERVER_BIN" --version))"

cd "$here"
# -mod=mod: test/ replaces the product module with ../, so a dependency the product adds
# changes test/'s module graph too; let go record it rather than fail the run.
go test -mod=mod ./differential/ -count=1 "$@"
