// Package printers converts API objects into the meta.k8s.io/v1 Table that
// kube-apiserver sends for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`,
// so that `kubectl get` prints against the engine what it prints against a
// real cluster.
//
// # Contract
//
// ToTable is the only entry point. It knows the printers kube-apiserver
// registers for the kinds the engine serves, with upstream's column names,
// types, formats, priorities and descriptions:
//
//   - v1 Pod, PodList: NAME READY STATUS RESTARTS AGE, and at priority 1
//     IP NODE NOMINATED NODE READINESS GATES. STATUS and RESTARTS are computed
//     as upstream computes them (init containers, sidecars, waiting and
//     terminated reasons, Terminating, Unknown for NodeLost, "3 (2m ago)").
//     Succeeded and Failed pods carry upstream's Completed row condition.
//   - apps/v1 Deployment, DeploymentList: NAME READY UP-TO-DATE AVAILABLE AGE,
//     wide CONTAINERS IMAGES SELECTOR.
//   - apps/v1 ReplicaSet, ReplicaSetList: NAME DESIRED CURRENT READY AGE,
//     wide CONTAINERS IMAGES SELECTOR.
//   - autoscaling/v1 Scale: NAME DESIRED AVAILABLE AGE.
//   - v1 Namespace, NamespaceList: NAME STATUS AGE.
//   - v1 Node, NodeList: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP
//     EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
//   - coordination.k8s.io/v1 Lease, LeaseList: NAME HOLDER AGE.
//   - the kinds of kinds.go (services, endpoints, configmaps, secrets,
//     serviceaccounts, replicationcontrollers, events, persistentvolumeclaims,
//     resourcequotas, statefulsets, daemonsets, controllerrevisions, jobs,
//     cronjobs, autoscaling/v2 horizontalpodautoscalers, poddisruptionbudgets,
//     ingresses, networkpolicies, endpointslices) with the columns of
//     k8s.io/kubernetes/pkg/printers/internalversion, taken as facts, and cells
//     computed here as upstream computes them.
//   - anything else with object metadata (typed or unstructured, single or
//     list): upstream's default table, NAME and CREATED AT (RFC 3339, UTC).
//
// An *unstructured.Unstructured or UnstructuredList of one of the kinds above
// is converted to its typed form first and printed as that kind; its rows
// then hold the typed objects.
//
// Like kube-apiserver, ToTable always renders every column, priority 1
// included; kubectl hides priority-1 columns unless asked for `-o wide`.
// Every row has exactly one cell per column. Cells are string or int64.
// AGE is k8s.io/apimachinery/pkg/util/duration.HumanDuration of
// Options.Now minus creationTimestamp, "<unknown>" when unset. An unset
// spec.replicas counts as the API default, 1.
//
// The Table's ListMeta is the list's resourceVersion, continue and
// remainingItemCount, or a single object's resourceVersion. For the printed
// kinds an empty list gives "rows": [], for the default table "rows": null,
// as upstream. Options.NoHeaders gives "columnDefinitions": null.
//
// Row objects follow Options.IncludeObject as kube-apiserver's handler does:
// Metadata (or "") puts a *metav1.PartialObjectMetadata with kind and
// apiVersion set; Object puts the object itself, or a shallow copy with
// kind and apiVersion filled in from client-go's scheme when they are empty;
// None puts nothing (JSON null), except for an object annotated
// k8s.io/initial-events-end=true, which keeps its metadata. Errors are
// ErrInvalidIncludeObject (answer 400) and ErrNotAcceptable (answer 406),
// wrapped; test them with errors.Is.
//
// For a watch, the engine converts each event's object on its own, with
// NoHeaders false for the first event and true for every later one, as
// kube-apiserver does.
//
// ToTable never modifies its argument. The Table shares strings, maps and
// slices with it (partial metadata is a struct copy), so the argument must
// not be modified while the Table is in use. ToTable keeps no state and is
// safe for concurrent use.
package printers
