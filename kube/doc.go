// Package kube is SheetOps' client side of a cluster: resolving the client configuration
// (kubeconfig, context, in-cluster), finding the resource a tab names as kubectl does
// (Resolver: discovery and a RESTMapper; Schemas: the cluster's OpenAPI v3 for checking
// editable fields), the shared-informer View of the tabs' resources that the sync engine
// renders (typed informers for built-in kinds, dynamic ones for custom resources), and the
// Applier that makes its changes to any resource (patches carrying a resourceVersion
// precondition, creates, deletes with a UID precondition; field manager "sheetops").
//
// Contract: the View's event handlers only keep its UID map and change count and signal
// Changed (coalesced); objects it returns belong to the informers and are never modified.
// The view stores a projection of each object: what its sources' Keep names (the fields the
// tabs' columns, schedules and the engine read), the object's identity, times, labels and
// annotations; the rest, managed fields included, is dropped as the informer stores it
// (Project shows what is kept). Objects is sorted once per change of a resource and shared
// until the next. WaitForSync first lists and watches each
// kind with the view's namespaces and selector, and returns an *AccessError (wrapping the
// 403) when the API server refuses either, or when an informer is refused before it synced,
// instead of waiting for a sync that cannot happen. Retryable tells transient API errors
// (network, 429, 5xx) from terminal ones, which the caller reports instead of retrying.
package kube
