// Package apiserver is SheetOps' embedded Kubernetes-compatible API server engine: the
// default cluster when no kubeconfig is given, faithful enough that unmodified kubectl,
// client-go (typed clients, informers) and the official Python client work against it.
//
// It serves v1 namespaces, nodes and pods (with binding, status and a simulated log,
// podlog.go), apps/v1 deployments and replicasets (with the
// scale and status subresources), coordination.k8s.io/v1 leases, and the plain kinds of
// CONFORMANCE.md "Resources" (served.go: services with cluster IPs from 10.96.0.0/12 and
// node ports, endpoints, configmaps, secrets, serviceaccounts, replicationcontrollers,
// events, persistentvolumeclaims, resourcequotas, limitranges, statefulsets, daemonsets,
// controllerrevisions, jobs, cronjobs, autoscaling/v2 horizontalpodautoscalers,
// poddisruptionbudgets, ingresses, networkpolicies, endpointslices), apiextensions.k8s.io/v1
// CustomResourceDefinitions and their custom resources (crd.go, custom.go: a guarded set of
// resources added and removed while the engine runs, beside the static built-in ones),
// identity and access as a real cluster's (rbac.go, authn.go, reviews.go, serviceaccounts.go, csr.go:
// RBAC's four kinds with the bootstrap policy, aggregation and escalation prevention;
// bearer tokens, client certificates, ServiceAccount tokens and impersonation, every
// request authorized before routing; access, rules and token reviews, SelfSubjectReview,
// TokenRequest, legacy token Secrets and CertificateSigningRequests the engine's CA signs)
// over HTTPS on loopback (package auth), legacy discovery, OpenAPI v2 and v3
// (package openapi), Table output (package printers), upstream defaults and validation
// (package validation), the four patch types including server-side apply (apimachinery's
// managedfields), watches with history, bookmarks and initial events, and a store that
// writes every change through to bbolt (package storage).
//
// One generic registry serves every kind, in the shape of upstream's registry Store and
// its per-kind strategies (k8s.io/apiserver/pkg/registry/generic/registry, rest.RESTCreateStrategy
// and friends), written here because that package needs upstream's internal types and
// storage layers: registry.go holds the pipelines every kind shares (create with names,
// system fields, admission of the namespace, validation, allocation and managed fields;
// update with preconditions and spec/status separation; scale; delete with grace periods,
// propagation, finalizers and dry run; list and revision waits), strategy.go the strategy
// interface and the optional behaviours a kind adds (scaler, deleter, allocator), and
// resources.go and served.go each kind's facts (names, discovery, field selectors, garbage
// collection policy) and strategy. handlers.go is routing, options and encoding.
//
// The engine's own code is the store, the HTTP routing, the watch fan-out and the
// collector (owner-reference cascade, foreground and orphan deletion, namespace
// termination, and dangling owner references: an object whose owners no longer exist, by
// name and UID, is deleted, checked as objects are written and every 30 s). Controllers
// that act like a cluster (deployments → replica sets → pods, statefulsets with stable pod
// names, daemonsets with a pod per node, cronjobs that start jobs on schedule, jobs whose
// pods run and complete, endpoints and endpoint slices of services, the
// default ServiceAccount of every namespace, a simulated kubelet) run as API clients of it (package controllers).
//
// The aggregation layer (aggregator.go) serves apiregistration.k8s.io/v1 APIServices as
// kube-aggregator does: the engine's group versions are Local APIServices, and a group
// version registered with a Service is proxied to the server behind it (discovery, streams
// and upgrades included) with the caller's identity in request headers and the engine's
// front-proxy client certificate, while an availability controller keeps each APIService's
// Available condition.
//
// Concurrency: every write goes through the store's single write lock, so preconditions
// (resourceVersion, uid) are checked and applied atomically. Handlers never mutate stored
// objects; they copy first. New returns a Server that is safe for concurrent requests once
// Start has returned; Close ends watches, drains requests for up to 5 s and closes the store.
package apiserver
