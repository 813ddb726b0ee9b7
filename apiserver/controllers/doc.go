// Package controllers makes the embedded API server behave like a cluster: a deployment
// controller, a replica set controller, a statefulset controller, a daemon set controller,
// a job controller, a cron job controller, an endpoints controller, a ServiceAccount
// controller and a simulated kubelet that run against it as ordinary API clients.
//
// # What runs
//
// Run starts one set of client-go shared informers (deployments, replica sets, pods,
// namespaces, service accounts, jobs, cron jobs, statefulsets, daemon sets, controller
// revisions, nodes, services, endpoints, endpoint slices) and nine controllers, each a work queue with Options.Workers workers. Event handlers
// only enqueue namespace/name keys (and keep the replica set and job controllers'
// expectations); the workers read from the informer caches and write through a
// kubernetes.Clientset made from the given *rest.Config. Writes carry a field manager equal
// to the user agent of their component: "sheetops-controller-manager" for the controllers,
// "sheetops-kubelet" for the kubelet.
//
//   - The replica set controller keeps the number of active pods of each replica set at
//     spec.replicas: it creates pods from the template (generateName "<rs>-", a controller
//     owner reference with blockOwnerDeletion), deletes the surplus in upstream's order
//     (unscheduled, pending, not ready, lower pod-deletion-cost, doubled up, ready for less
//     time, more restarts, newer first), adopts orphan pods its selector matches and releases
//     owned pods it no longer matches, and reports replicas, fullyLabeledReplicas,
//     readyReplicas, availableReplicas (honouring minReadySeconds) and observedGeneration.
//     Like upstream's it records expectations before creating or deleting and does neither
//     again until the informer has shown the result (or five minutes passed), so informer lag
//     never makes it create or delete too many.
//   - The deployment controller is upstream's, reduced to what apps/v1 needs: the new replica
//     set is the one whose template equals the deployment's (but for the pod-template-hash
//     label); a missing one is created as "<deployment>-<hash>" with the label and selector
//     pod-template-hash=<hash>, the hash being upstream's ComputeHash, so names match a real
//     cluster's. It keeps the deployment.kubernetes.io/revision, revision-history,
//     desired-replicas and max-replicas annotations, scales (proportionally during a rollout),
//     rolls out with RollingUpdate (maxSurge rounded up, maxUnavailable rounded down, as
//     upstream) or Recreate, honours paused, deletes old replica sets beyond
//     revisionHistoryLimit, and reports status with the Available and Progressing conditions
//     and upstream's reasons and messages, so that kubectl rollout status, history and undo
//     work.
//   - The statefulset controller gives a set pods with stable names "<set>-<ordinal>"
//     (from spec.ordinals.start), hostname the pod's name and subdomain spec.serviceName,
//     and upstream's statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
//     controller-revision-hash labels. OrderedReady creates a pod only when every lower
//     ordinal runs and is ready and scales down from the highest ordinal, one at a time;
//     Parallel does both at once. Each template is a revision, a ControllerRevision
//     "<set>-<hash>"; RollingUpdate replaces pods of older revisions from the highest
//     ordinal down to the partition, one at a time while the others are ready; OnDelete
//     leaves that to the user. Status (replicas, ready, available, current and updated
//     replicas and revisions, observedGeneration) is upstream's, so kubectl rollout status
//     sts finishes. Volume claim templates get no claims.
//   - The job controller is upstream's for NonIndexed jobs: it creates pods from the template
//     ("<job>-" names, a controller owner reference), spec.parallelism at a time and never
//     more than the completions still missing, until spec.completions succeeded (or, without
//     completions, one did and none runs), or more than spec.backoffLimit failed; it reports
//     active, ready, succeeded, failed, startTime and completionTime, and the conditions
//     SuccessCriteriaMet then Complete (CompletionsReached), or FailureTarget then Failed
//     (BackoffLimitExceeded, deleting the pods still running). A suspended job gets no pods.
//     Indexed completion, pod failure policies, success policies, activeDeadlineSeconds and
//     ttlSecondsAfterFinished are not implemented.
//   - The daemon set controller is upstream's reduced to what users see: one pod
//     ("<set>-xxxxx", a controller owner reference, upstream's daemon tolerations and a
//     required node affinity for its node by metadata.name, which the kubelet's binding
//     honours) on every node the template's nodeSelector, required node affinity and
//     tolerations (of NoSchedule and NoExecute taints) admit. Pods of nodes that no longer
//     qualify are deleted, those of deleted nodes at once (grace period 0, as the pod garbage
//     collector does), duplicates and failed pods too. Each template is a ControllerRevision
//     "<set>-<hash>" (upstream's hash, labels and patch data; a rollback renumbers the old
//     revision), its hash the pods' controller-revision-hash label beside
//     pod-template-generation (the deprecated.daemonset.template.generation annotation the
//     engine's strategy keeps); revisions beyond revisionHistoryLimit that no pod runs are
//     deleted. RollingUpdate replaces pods of older revisions, unavailable ones first, while
//     fewer than maxUnavailable of the desired nodes lack an available pod, or with maxSurge
//     starts the new pod beside the old one on at most maxSurge nodes at a time and deletes
//     the old one once the new one is available; OnDelete leaves that to the user. Status is upstream's (desired,
//     current, misscheduled, ready, available, unavailable and updated numbers,
//     observedGeneration), so kubectl rollout status, history and undo work.
//   - The cron job controller is upstream's (v2): at the most recent unmet time of
//     spec.schedule (robfig/cron's standard syntax and descriptors such as @hourly; in
//     spec.timeZone, else the process's local zone; never earlier than
//     startingDeadlineSeconds allows) it creates a Job "<cronjob>-<scheduled time in minutes
//     since the epoch>" from the job template, owned by the cron job and annotated with
//     batch.kubernetes.io/cronjob-scheduled-timestamp, unless suspended; Forbid skips a
//     time while a job runs, Replace deletes the running ones first. It keeps status.active,
//     lastScheduleTime and lastSuccessfulTime, deletes the oldest finished jobs beyond the
//     history limits, and wakes at the next schedule time. Its clock is Options.Now.
//   - The endpoints controller is upstream's endpoints and endpointslice controllers in one:
//     a service with a selector has an Endpoints object of its name and one EndpointSlice
//     ("<service>-xxxxx", owned by the service, with upstream's service-name and managed-by
//     labels) listing the pods with an IP that the selector matches, ready ones as ready
//     addresses, on the target port (a number, or a container port name). The Endpoints of a
//     deleted service is deleted with it.
//   - The ServiceAccount controller is upstream's serviceaccounts-controller: every namespace
//     that is not terminating has a ServiceAccount "default", created with the namespace and
//     again whenever it is deleted.
//   - The kubelet registers the Node named by Options.NodeName (Ready, with heartbeats every
//     minute), renews its Lease in kube-node-lease every 10 s, binds every unscheduled pod of
//     the default scheduler to the node through pods/binding, and moves each pod bound to it
//     from Pending through ContainerCreating to Running, one Options.StartDelay per step, with
//     complete container statuses and a pod IP from 10.244.0.0/16 unique among the pods it
//     runs. An image whose name contains "crashloop" runs briefly, exits with code 1 and waits
//     in CrashLoopBackOff (a back-off that doubles up to 16 steps; the message gives the
//     kubelet's 10s…5m0s), over and over, never ready; one containing "doesnotexist"
//     alternates between ErrImagePull and ImagePullBackOff. The containers of a pod whose
//     restartPolicy is Never or OnFailure (a job's) run for one step and exit with code 0
//     (Completed), so the pod Succeeded. A container whose image is changed
//     in the pod restarts with the new one. A pod being deleted keeps its containers running
//     for the shorter of its deletionGracePeriodSeconds and Options.TerminationDelay (kubectl
//     shows it Terminating), then has them terminated (Completed, exit 0, phase Succeeded) and
//     is removed with grace period 0 and a UID precondition.
//
// Before the deployment controller creates a replica set, and before the replica set
// controller creates pods, each reads the owner afresh from the API server: an owner deleted
// (or replaced by one of the same name, or being deleted) since the cache last showed it gets
// nothing new. What slips through anyway is the engine's garbage collector's: it deletes
// objects whose owners no longer exist.
//
// # Contract
//
// Run blocks until its context ends, then waits for every goroutine it started and returns
// nil; it returns early only for invalid Options (an *OptionError, matching
// ErrInvalidOption) or a config no client can be made from. It needs nothing but the API: it
// may start before the server answers (informers and the node registration retry) and it
// survives a restart of the server (informers relist). The controllers' client ignores the
// API server's warnings (deprecated v1 Endpoints), as kube-controller-manager's does. Writes
// that fail are retried with
// client-go's per-key exponential back-off; a repeating failure is logged once at Info (at
// Debug for conflicts, which are routine), again at Warn on its fifth retry, and its recovery
// once at Info.
//
// Everything the controllers know lives in the API objects, except the kubelet's timers and
// its IP assignments, which it rebuilds from pod statuses when it starts. Run must run once
// per API server: two instances would both bind and both act as the controllers.
package controllers
