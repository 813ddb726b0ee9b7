// Package kube is SheetOps' client side of a cluster: resolving the client configuration
// (kubeconfig, context, in-cluster), the shared-informer View of Deployments and Pods that
// the sync engine renders, and the Applier that makes its changes (patches carrying a
// resourceVersion precondition, creates, deletes with a UID precondition; field manager
// "sheetops").
//
// Contract: the View's event handlers only signal Changed (coalesced); objects it returns
// belong to the informers and are never modified. Retryable tells transient API errors
// (network, 429, 5xx) from terminal ones, which the caller reports instead of retrying.
package kube
