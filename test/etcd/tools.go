//go:build tools

// Package etcd pins the etcd that the differential suite runs kube-apiserver on. It is its
// own module so that no other go.mod carries etcd's server; build it with ../build-etcd.sh.
//
// Debian's etcd-server (3.4.23) is too old for kube-apiserver v1.37: it lacks
// RequestWatchProgress (etcd >= 3.4.31 / 3.5.13), so kube-apiserver answers a watch without
// resourceVersion with a 504 "Too large resource version" ERROR event and a
// sendInitialEvents watch with a 500, which no real cluster does.
package etcd

import _ "go.etcd.io/etcd/server/v3"
