//go:build tools

// Package kubeapiserver pins the upstream kube-apiserver that the differential suite
// compares the engine with. It is its own module so that neither the product's go.mod nor
// the suite's carries k8s.io/kubernetes; build it with ../build-kube-apiserver.sh.
package kubeapiserver

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
