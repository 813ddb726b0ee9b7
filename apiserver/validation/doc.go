// Package validation defaults, validates and prepares the objects the engine
// serves (Pods, Namespaces, Nodes, Deployments, ReplicaSets, Leases, the
// autoscaling/v1 Scale, and the plain kinds in served.go: Services, ConfigMaps,
// Secrets, ServiceAccounts, Endpoints, Events, PersistentVolumeClaims,
// ResourceQuotas, LimitRanges, ReplicationControllers, StatefulSets, DaemonSets,
// ControllerRevisions, Jobs, CronJobs, autoscaling/v2 HorizontalPodAutoscalers,
// PodDisruptionBudgets, Ingresses, NetworkPolicies, EndpointSlices) the way a real
// kube-apiserver does, so
// that a client sees the same defaulted fields and the same 422 Invalid
// errors.
//
// # Contract
//
// Everything works on the versioned k8s.io/api types; an unknown type is left
// alone and validates clean. The functions are pure apart from mutating their
// argument (PrepareForCreate reads the clock for one condition timestamp),
// never block and are safe for concurrent use on different objects.
//
// The caller runs them in upstream's order:
//
//   - create: Default, resolve generateName, PrepareForCreate, ValidateCreate;
//   - update of the main resource: Default, PrepareForUpdate(obj, stored),
//     ValidateUpdate(obj, stored);
//   - update through /status: Default, PrepareForStatusUpdate(obj, stored),
//     ValidateStatusUpdate(obj, stored);
//   - deployments/scale: ValidateUpdate (or ValidateCreate) on the Scale.
//
// Upstream's validation (k8s.io/kubernetes/pkg/apis/*/validation) works on internal
// types and cannot be imported without the whole k8s.io/kubernetes module, so the rules
// are rewritten here on the versioned types, with upstream's paths and messages. For the
// kinds of served.go they are the rules users hit (object metadata, Service ports, types
// and addresses, Job completions, parallelism and restart policy, CronJob schedule and
// time zone, selectors that must match templates, secret types, PDB budgets, HPA bounds);
// PersistentVolumeClaims, ResourceQuotas, NetworkPolicies and Ingresses get all of
// upstream's rules (claims.go, networking.go); what upstream checks beyond them is accepted.
//
// Default applies upstream's SetDefaults_* functions, including everything
// nested in a PodSpec (containers, ports, probes, volumes, resource rounding)
// and, for a Pod only, requests copied from limits and enableServiceLinks.
//
// PrepareForCreate does what upstream's registry strategies do on create
// (status reset, pods Pending with their qosClass, generation 1 for pods,
// deployments and replica sets, a daemon set's template generation annotation, a
// claim's data sources normalized, the kubernetes finalizer and the
// kubernetes.io/metadata.name label on namespaces) and what the admission
// plugins every cluster runs do to a new pod: serviceAccountName "default"
// (but no token volume), the not-ready and unreachable NoExecute tolerations
// for 300 seconds, priority 0 and preemptionPolicy PreemptLowerPriority.
//
// PrepareForUpdate and PrepareForStatusUpdate separate spec from status: a
// main-resource update keeps the stored status, a status update keeps the
// stored spec. Neither lets a client set the generation, which moves by one
// only when the spec changes (for a Deployment also its annotations), nor
// change uid, creationTimestamp or deletionTimestamp.
//
// The Validate functions return a field.ErrorList whose paths, types, bad
// values and details are upstream's, so that the caller's
// apierrors.NewInvalid(groupKind, name, errs) yields upstream's Status
// message and details.causes, e.g.
// `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
// Errors from a Scale are reported by the caller against Scale.autoscaling.
// The one text that differs is the rendering of what changed that follows
// PodUpdateForbiddenMessage: upstream prints an unstable go-cmp diff there.
package validation
