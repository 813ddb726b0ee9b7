// Package podstatus computes what kubectl shows of a pod — READY, STATUS and RESTARTS — as
// kube-apiserver's pod printer does. The engine's Table output and the sheet's Pods tab both
// use it, so the two always agree.
package podstatus

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// nodeLostReason is the pod status reason the node lifecycle controller sets
// on pods of an unreachable node (k8s.io/kubernetes/pkg/util/node).
const nodeLostReason = "NodeLost"

// Summary is what READY, STATUS and RESTARTS show of a pod.
type Summary struct {
	Ready, Total int
	Status       string
	Restarts     int
	// LastRestart is when a container last finished before restarting; zero when none did.
	LastRestart time.Time
}

// Summarize computes the aggregate pod status exactly as kube-apiserver's
// pod printer does (and so kubectl get shows it): phase, then status reason, then the first init container
// that has not finished, then the last app container with a waiting or
// terminated reason, then deletion.
func Summarize(pod *corev1.Pod) Summary {
	s := Summary{Total: len(pod.Spec.Containers)}

	s.Status = string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		s.Status = pod.Status.Reason
	}
	for i := range pod.Status.Conditions {
		cond := &pod.Status.Conditions[i]
		if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonSchedulingGated {
			s.Status = corev1.PodReasonSchedulingGated
		}
	}

	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			s.Total++
		}
	}

	// Restarts of every init container count while the pod initializes;
	// afterwards only sidecars (restartable init containers) and app
	// containers do.
	var (
		allRestarts, sidecarRestarts int
		allLast, sidecarLast         time.Time
		initializing                 bool
	)
	for i := range pod.Status.InitContainerStatuses {
		cs := &pod.Status.InitContainerStatuses[i]
		allRestarts += int(cs.RestartCount)
		allLast = laterTermination(allLast, cs)
		sidecar := isSidecar(initContainer(&pod.Spec, cs.Name))
		if sidecar {
			sidecarRestarts += int(cs.RestartCount)
			sidecarLast = laterTermination(sidecarLast, cs)
		}

		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			continue
		case sidecar && cs.Started != nil && *cs.Started:
			if cs.Ready {
				s.Ready++
			}
			continue
		case cs.State.Terminated != nil:
			s.Status = "Init:" + terminatedReason(cs.State.Terminated)
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing":
			s.Status = "Init:" + cs.State.Waiting.Reason
		default:
			s.Status = "Init:" + strconv.Itoa(i) + "/" + strconv.Itoa(len(pod.Spec.InitContainers))
		}
		initializing = true
		break
	}

	s.Restarts, s.LastRestart = allRestarts, allLast
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		s.Restarts, s.LastRestart = sidecarRestarts, sidecarLast
		hasRunning := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := &pod.Status.ContainerStatuses[i]
			s.Restarts += int(cs.RestartCount)
			s.LastRestart = laterTermination(s.LastRestart, cs)
			switch {
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				s.Status = cs.State.Waiting.Reason
			case cs.State.Terminated != nil:
				s.Status = terminatedReason(cs.State.Terminated)
			case cs.Ready && cs.State.Running != nil:
				hasRunning = true
				s.Ready++
			}
		}
		// A pod whose last container completed but another still runs is
		// shown as running.
		if s.Status == "Completed" && hasRunning {
			if hasTrueCondition(pod, corev1.PodReady) {
				s.Status = "Running"
			} else {
				s.Status = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == nodeLostReason:
			s.Status = "Unknown"
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			s.Status = "Terminating"
		}
	}
	return s
}

// terminatedReason is the reason of a terminated container, or
// Signal:N / ExitCode:N when it has none.
func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return "Signal:" + strconv.Itoa(int(t.Signal))
	default:
		return "ExitCode:" + strconv.Itoa(int(t.ExitCode))
	}
}

// laterTermination returns the later of last and the time cs's previous
// instance finished.
func laterTermination(last time.Time, cs *corev1.ContainerStatus) time.Time {
	if t := cs.LastTerminationState.Terminated; t != nil && last.Before(t.FinishedAt.Time) {
		return t.FinishedAt.Time
	}
	return last
}

// isSidecar reports whether c is a restartable init container
// (restartPolicy: Always).
func isSidecar(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func initContainer(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.InitContainers {
		if spec.InitContainers[i].Name == name {
			return &spec.InitContainers[i]
		}
	}
	return nil
}

// podConditionTrue reports whether the first condition of type t is True.
func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return pod.Status.Conditions[i].Status == corev1.ConditionTrue
		}
	}
	return false
}

// hasTrueCondition reports whether any condition of type t is True.
func hasTrueCondition(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t && pod.Status.Conditions[i].Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
