// Package kube is SheetOps' client side of a cluster: the client-go clientset and shared
// informers, the cluster view the sync engine renders, and the calls that apply edits
// (PATCH, create and delete with resourceVersion preconditions, field manager "sheetops").
//
// It is built in the sync engine issue; this file marks its place in the layout.
package kube
