package controllers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The simulated runtime: what the kubelet reports about containers it pretends to run.
const (
	// hostIP is the node's InternalIP and every pod's hostIP.
	hostIP = "10.0.0.10"
	// runtimeScheme prefixes container IDs, as containerd:// does on a real node.
	runtimeScheme = "sheetops://"
	// crashLoopImage in an image name makes its container exit with code 1 shortly after each start.
	crashLoopImage = "crashloop"
	// missingImage in an image name makes its pull fail.
	missingImage = "doesnotexist"
)

// Waiting and terminated reasons, as the kubelet reports them.
const (
	reasonContainerCreating        = "ContainerCreating"
	reasonCrashLoopBackOff         = "CrashLoopBackOff"
	reasonErrImagePull             = "ErrImagePull"
	reasonImagePullBackOff         = "ImagePullBackOff"
	reasonError                    = "Error"
	reasonCompleted                = "Completed"
	reasonContainersNotReady       = "ContainersNotReady"
	reasonContainersNotInitialized = "ContainersNotInitialized"
	reasonReadinessGatesNotReady   = "ReadinessGatesNotReady"
	reasonPodCompleted             = "PodCompleted"
)

// Crash loop back-off as the kubelet's: 10s doubling up to 5m.
const (
	crashBackOffInitial = 10 * time.Second
	crashBackOffMax     = 5 * time.Minute
)

// podStep is what the kubelet does next to a pod it runs.
type podStep struct {
	status *corev1.PodStatus // the status to write now, nil when nothing is due
	after  time.Duration     // when to look again (from now): 0 for never
}

// stepDelay is how long the pod stays as it is before its next step; 0 when it is stable.
// Every step takes d, but a crash loop back-off doubles with each restart (up to 16 d) and
// an image pull back-off lasts 4 d.
func stepDelay(pod *corev1.Pod, d time.Duration) time.Duration {
	if len(pod.Status.ContainerStatuses) == 0 {
		return d
	}
	var delay time.Duration
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs := containerStatus(pod.Status.ContainerStatuses, c.Name)
		cd := d
		if cs != nil {
			cd = containerDelay(c, cs, pod.Spec.RestartPolicy, d)
		}
		if cd > 0 && (delay == 0 || cd < delay) {
			delay = cd
		}
	}
	return delay
}

func containerDelay(c *corev1.Container, cs *corev1.ContainerStatus, policy corev1.RestartPolicy, d time.Duration) time.Duration {
	switch {
	case cs.State.Waiting != nil:
		switch cs.State.Waiting.Reason {
		case reasonImagePullBackOff:
			return 4 * d
		case reasonCrashLoopBackOff:
			return d << min(max(cs.RestartCount-1, 0), 4)
		}
		return d
	case cs.State.Running != nil:
		if strings.Contains(c.Image, crashLoopImage) || imageChanged(c, cs) || (policy != corev1.RestartPolicyAlways && policy != "") {
			return d
		}
		return 0
	case cs.State.Terminated != nil:
		if restarts(policy, cs.State.Terminated.ExitCode) {
			return d
		}
		return 0
	}
	return d
}

// runsToCompletion reports whether the pod's containers run once, exit and are not
// restarted when they succeed (restartPolicy Never or OnFailure, as a job's pods).
func runsToCompletion(pod *corev1.Pod) bool {
	return pod.Spec.RestartPolicy == corev1.RestartPolicyNever || pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
}

// restarts reports whether a container that exited with code is started again.
func restarts(policy corev1.RestartPolicy, code int32) bool {
	return policy == corev1.RestartPolicyAlways || policy == "" || (policy == corev1.RestartPolicyOnFailure && code != 0)
}

func containerStatus(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// nextPodStatus is the status of a running (not terminating) pod after its next step: bound →
// ContainerCreating → started (running, crash looping or failing to pull) → the next turn of
// a crash loop or pull back-off. ip is the pod's IP from the moment its sandbox exists.
func nextPodStatus(pod *corev1.Pod, ip string, now time.Time) *corev1.PodStatus {
	st := pod.Status.DeepCopy()
	t := metav1.NewTime(now)
	st.HostIP = hostIP
	st.HostIPs = []corev1.HostIP{{IP: hostIP}}
	st.ObservedGeneration = pod.Generation
	if len(st.ContainerStatuses) == 0 {
		// The sandbox is being made: containers wait in ContainerCreating.
		if st.StartTime == nil {
			st.StartTime = &t
		}
		st.Phase = corev1.PodPending
		st.InitContainerStatuses = nil
		for _, c := range pod.Spec.InitContainers {
			st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}},
			})
		}
		reason := reasonContainerCreating
		if len(pod.Spec.InitContainers) > 0 {
			reason = "PodInitializing"
		}
		for _, c := range pod.Spec.Containers {
			st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
				Started: ptrTo(false),
			})
		}
		setPodConditions(pod, st, false, now)
		return st
	}

	// The sandbox exists: the pod has its IP and its init containers have run.
	st.PodIP = ip
	st.PodIPs = []corev1.PodIP{{IP: ip}}
	for i, c := range pod.Spec.InitContainers {
		if i < len(st.InitContainerStatuses) && st.InitContainerStatuses[i].State.Terminated != nil {
			continue
		}
		img := normalizeImage(c.Image)
		cs := corev1.ContainerStatus{
			Name: c.Name, Image: img, ImageID: imageID(img), ContainerID: newContainerID(), Ready: true, Started: ptrTo(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: reasonCompleted, StartedAt: t, FinishedAt: t}},
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			// A sidecar keeps running.
			cs.Started = ptrTo(true)
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: t}}
		}
		if i < len(st.InitContainerStatuses) {
			st.InitContainerStatuses[i] = cs
		} else {
			st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		}
	}
	statuses := make([]corev1.ContainerStatus, 0, len(pod.Spec.Containers))
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs := containerStatus(st.ContainerStatuses, c.Name)
		if cs == nil {
			cs = &corev1.ContainerStatus{Name: c.Name, Image: c.Image, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reasonContainerCreating}}}
		}
		statuses = append(statuses, nextContainerStatus(pod, c, *cs, now))
	}
	st.ContainerStatuses = statuses
	st.Phase = podPhase(pod, statuses)
	setPodConditions(pod, st, true, now)
	return st
}

// nextContainerStatus is one step of one container.
func nextContainerStatus(pod *corev1.Pod, c *corev1.Container, cs corev1.ContainerStatus, now time.Time) corev1.ContainerStatus {
	t := metav1.NewTime(now)
	crash := strings.Contains(c.Image, crashLoopImage)
	missing := strings.Contains(c.Image, missingImage)
	start := func() corev1.ContainerStatus {
		img := normalizeImage(c.Image)
		cs.Image, cs.ImageID, cs.ContainerID = img, imageID(img), newContainerID()
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: t}}
		cs.Started = ptrTo(true)
		cs.Ready = !crash // a crash looping container never passes as ready
		return cs
	}
	switch {
	case cs.State.Waiting != nil:
		switch cs.State.Waiting.Reason {
		case reasonErrImagePull:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reasonImagePullBackOff, Message: fmt.Sprintf("Back-off pulling image %q: %s: %s", withDefaultTag(c.Image), reasonErrImagePull, pullError(c.Image))}
			return cs
		case reasonImagePullBackOff:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reasonErrImagePull, Message: pullError(c.Image)}
			return cs
		}
		if missing {
			cs.Image, cs.ImageID, cs.ContainerID = c.Image, "", ""
			cs.Ready, cs.Started = false, ptrTo(false)
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reasonErrImagePull, Message: pullError(c.Image)}}
			return cs
		}
		return start() // after ContainerCreating, or at the end of a crash loop back-off
	case cs.State.Running != nil:
		if imageChanged(c, &cs) {
			// The image of a running container was changed in the pod: the kubelet kills the
			// container and starts it again with the new image.
			cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: reasonCompleted, StartedAt: cs.State.Running.StartedAt, FinishedAt: t, ContainerID: cs.ContainerID,
			}}
			cs.RestartCount++
			return start()
		}
		if !crash && !runsToCompletion(pod) {
			return cs
		}
		if !crash {
			// a container of a pod that is not restarted (a job's) does its work and exits
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: reasonCompleted, StartedAt: cs.State.Running.StartedAt, FinishedAt: t, ContainerID: cs.ContainerID,
			}}
			cs.Ready, cs.Started = false, ptrTo(false)
			return cs
		}
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: reasonError, StartedAt: cs.State.Running.StartedAt, FinishedAt: t, ContainerID: cs.ContainerID,
		}}
		cs.Ready, cs.Started = false, ptrTo(false)
		return cs
	case cs.State.Terminated != nil:
		if !restarts(pod.Spec.RestartPolicy, cs.State.Terminated.ExitCode) {
			return cs
		}
		cs.LastTerminationState = corev1.ContainerState{Terminated: cs.State.Terminated}
		cs.RestartCount++
		backOff := min(crashBackOffInitial<<min(cs.RestartCount-1, 10), crashBackOffMax)
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason:  reasonCrashLoopBackOff,
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", backOff, c.Name, pod.Name, pod.Namespace, pod.UID),
		}}
		cs.ContainerID = ""
		cs.Ready, cs.Started = false, ptrTo(false)
		return cs
	}
	return start()
}

// imageChanged reports whether a running container runs another image than its spec names.
func imageChanged(c *corev1.Container, cs *corev1.ContainerStatus) bool {
	return cs.Image != "" && cs.Image != normalizeImage(c.Image)
}

// podPhase is the kubelet's phase for the regular containers' states.
func podPhase(pod *corev1.Pod, statuses []corev1.ContainerStatus) corev1.PodPhase {
	var running, waiting, stopped, succeeded int
	for _, cs := range statuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		switch pod.Spec.RestartPolicy {
		case corev1.RestartPolicyNever:
			if stopped == succeeded {
				return corev1.PodSucceeded
			}
			return corev1.PodFailed
		case corev1.RestartPolicyOnFailure:
			if stopped == succeeded {
				return corev1.PodSucceeded
			}
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// terminatedPodStatus is the status of a pod whose containers the kubelet stopped because the
// pod is being deleted: every container terminated (Completed, exit 0), phase Succeeded.
func terminatedPodStatus(pod *corev1.Pod, now time.Time) *corev1.PodStatus {
	st := pod.Status.DeepCopy()
	t := metav1.NewTime(now)
	for i := range st.ContainerStatuses {
		cs := &st.ContainerStatuses[i]
		if cs.State.Terminated != nil {
			continue
		}
		started := t
		if cs.State.Running != nil {
			started = cs.State.Running.StartedAt
		}
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 0, Reason: reasonCompleted, StartedAt: started, FinishedAt: t, ContainerID: cs.ContainerID,
		}}
		cs.Ready, cs.Started = false, ptrTo(false)
	}
	st.Phase = corev1.PodSucceeded
	st.ObservedGeneration = pod.Generation
	for _, c := range []corev1.PodCondition{
		{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionFalse},
		{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: reasonPodCompleted},
		{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: reasonPodCompleted},
	} {
		c.ObservedGeneration = pod.Generation
		setPodCondition(st, c, now)
	}
	return st
}

// allTerminated reports whether the kubelet already stopped every container of the pod.
func allTerminated(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Terminated == nil {
			return false
		}
	}
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// setPodConditions sets the kubelet's conditions in the kubelet's order: PodReadyToStartContainers,
// Initialized, Ready, ContainersReady, PodScheduled, then any others.
func setPodConditions(pod *corev1.Pod, st *corev1.PodStatus, sandbox bool, now time.Time) {
	cond := func(t corev1.PodConditionType, ok bool, reason, message string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, ObservedGeneration: pod.Generation}
		if !ok {
			c.Status, c.Reason, c.Message = corev1.ConditionFalse, reason, message
		}
		return c
	}
	var notInitialized []string
	if !sandbox {
		for _, c := range pod.Spec.InitContainers {
			notInitialized = append(notInitialized, c.Name)
		}
	}
	var unready []string
	for _, c := range pod.Spec.Containers {
		if cs := containerStatus(st.ContainerStatuses, c.Name); cs == nil || !cs.Ready {
			unready = append(unready, c.Name)
		}
	}
	containersReady := cond(corev1.ContainersReady, len(unready) == 0, reasonContainersNotReady, fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " ")))
	ready := containersReady
	ready.Type = corev1.PodReady
	if ready.Status == corev1.ConditionTrue {
		for _, g := range pod.Spec.ReadinessGates {
			c := podCondition(st, g.ConditionType)
			if c == nil {
				ready = cond(corev1.PodReady, false, reasonReadinessGatesNotReady, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType))
				break
			}
			if c.Status != corev1.ConditionTrue {
				ready = cond(corev1.PodReady, false, reasonReadinessGatesNotReady, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v", g.ConditionType, c.Status))
				break
			}
		}
	}
	want := []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, sandbox, "", ""),
		cond(corev1.PodInitialized, len(notInitialized) == 0, reasonContainersNotInitialized, fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(notInitialized, " "))),
		ready,
		containersReady,
		cond(corev1.PodScheduled, true, "", ""),
	}
	old := st.Conditions
	st.Conditions = nil
	for _, c := range want {
		if prev := findCondition(old, c.Type); prev != nil && prev.Status == c.Status {
			c.LastTransitionTime = prev.LastTransitionTime
		} else {
			c.LastTransitionTime = metav1.NewTime(now)
		}
		st.Conditions = append(st.Conditions, c)
	}
	for _, c := range old {
		if findCondition(st.Conditions, c.Type) == nil {
			st.Conditions = append(st.Conditions, c)
		}
	}
}

func findCondition(list []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range list {
		if list[i].Type == t {
			return &list[i]
		}
	}
	return nil
}

func podCondition(st *corev1.PodStatus, t corev1.PodConditionType) *corev1.PodCondition {
	return findCondition(st.Conditions, t)
}

// setPodCondition replaces the condition of c's type (keeping its transition time while its
// status stays) or appends it.
func setPodCondition(st *corev1.PodStatus, c corev1.PodCondition, now time.Time) {
	if prev := podCondition(st, c.Type); prev != nil {
		c.LastTransitionTime = prev.LastTransitionTime
		if prev.Status != c.Status {
			c.LastTransitionTime = metav1.NewTime(now)
		}
		*prev = c
		return
	}
	c.LastTransitionTime = metav1.NewTime(now)
	st.Conditions = append(st.Conditions, c)
}

// normalizeImage is an image reference as a container runtime reports it: registry and
// repository made explicit (docker.io/library/nginx) and the tag defaulted to latest.
func normalizeImage(image string) string {
	name, suffix := image, ""
	if i := strings.Index(name, "@"); i >= 0 {
		name, suffix = name[:i], name[i:]
	} else if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, suffix = name[:i], name[i:]
	} else {
		suffix = ":latest"
	}
	domain, path := "docker.io", name
	if i := strings.Index(name, "/"); i >= 0 {
		first := name[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			domain, path = first, name[i+1:]
		}
	}
	if domain == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	return domain + "/" + path + suffix
}

// withDefaultTag is the image with :latest when it names neither a tag nor a digest, as the
// kubelet's image manager writes it in its messages.
func withDefaultTag(image string) string {
	if strings.Contains(image, "@") || strings.LastIndex(image, ":") > strings.LastIndex(image, "/") {
		return image
	}
	return image + ":latest"
}

// imageID is the repository digest of a normalized image: the repository, then @sha256: and
// the SHA-256 of the image's name.
func imageID(normalized string) string {
	repo := normalized
	if i := strings.Index(repo, "@"); i >= 0 {
		return normalized
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	sum := sha256.Sum256([]byte(normalized))
	return repo + "@sha256:" + hex.EncodeToString(sum[:])
}

// pullError is the runtime's error for an image that does not exist, as containerd words it.
func pullError(image string) string {
	ref := normalizeImage(image)
	return fmt.Sprintf("rpc error: code = Unknown desc = failed to pull and unpack image %q: failed to resolve reference %q: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed", ref, ref)
}

// newContainerID is a fresh runtime container ID: the scheme and 64 hex digits.
func newContainerID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return runtimeScheme + hex.EncodeToString(b)
}

func ptrTo[T any](v T) *T { return &v }
