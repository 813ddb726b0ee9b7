package mapping

import (
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// defaultReplicas is what the API server defaults an unset spec.replicas to; a stored
// Deployment never has it unset.
const defaultReplicas = 1

// nodeLostReason is the pod status reason the node lifecycle controller sets on the pods of an
// unreachable node (k8s.io/kubernetes/pkg/util/node.NodeUnreachablePodReason).
const nodeLostReason = "NodeLost"

func desiredReplicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return defaultReplicas
	}
	return *d.Spec.Replicas
}

// age renders the time since the object was created as kubectl does: "5m", "3d4h",
// "<unknown>" when the object has no creation time.
func age(obj runtime.Object, now time.Time) string {
	o, ok := obj.(metav1.Object)
	if !ok {
		return ""
	}
	created := o.GetCreationTimestamp()
	if created.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(created.Time))
}

func firstImage(cs []corev1.Container) string {
	if len(cs) == 0 {
		return ""
	}
	return cs[0].Image
}

// podIP is status.podIP, or the first of status.podIPs.
func podIP(p *corev1.Pod) string {
	if p.Status.PodIP != "" {
		return p.Status.PodIP
	}
	if len(p.Status.PodIPs) > 0 {
		return p.Status.PodIPs[0].IP
	}
	return ""
}

// podSummary is what kubectl's READY, STATUS and RESTARTS columns show of a pod.
type podSummary struct {
	ready, total int
	status       string
	restarts     int
}

func (s podSummary) readyCell() string {
	return strconv.Itoa(s.ready) + "/" + strconv.Itoa(s.total)
}

// summarizePod computes a pod's ready containers, status and restarts exactly as kubectl's
// pod printer does (k8s.io/kubernetes/pkg/printers/internalversion.printPod): the phase, then
// the status reason, then the first init container that has not finished, then the last app
// container with a waiting or terminated reason, then deletion.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers)}

	s.status = string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		s.status = pod.Status.Reason
	}
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.status = corev1.PodReasonSchedulingGated
		}
	}

	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			s.total++
		}
	}

	sidecarRestarts := 0
	initializing := false
	for i := range pod.Status.InitContainerStatuses {
		cs := &pod.Status.InitContainerStatuses[i]
		s.restarts += int(cs.RestartCount)
		sidecar := isSidecar(initContainer(pod, cs.Name))
		if sidecar {
			sidecarRestarts += int(cs.RestartCount)
		}
		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			continue
		case sidecar && cs.Started != nil && *cs.Started:
			if cs.Ready {
				s.ready++
			}
			continue
		case cs.State.Terminated != nil:
			t := cs.State.Terminated
			switch {
			case t.Reason != "":
				s.status = "Init:" + t.Reason
			case t.Signal != 0:
				s.status = "Init:Signal:" + strconv.Itoa(int(t.Signal))
			default:
				s.status = "Init:ExitCode:" + strconv.Itoa(int(t.ExitCode))
			}
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing":
			s.status = "Init:" + cs.State.Waiting.Reason
		default:
			s.status = "Init:" + strconv.Itoa(i) + "/" + strconv.Itoa(len(pod.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing || initializedConditionTrue(pod) {
		s.restarts = sidecarRestarts
		hasRunning := false
		errorReason := ""
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := &pod.Status.ContainerStatuses[i]
			s.restarts += int(cs.RestartCount)
			switch {
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				s.status = cs.State.Waiting.Reason
			case cs.State.Terminated != nil:
				t := cs.State.Terminated
				switch {
				case t.Reason != "":
					s.status = t.Reason
				case t.Signal != 0:
					s.status = "Signal:" + strconv.Itoa(int(t.Signal))
				default:
					s.status = "ExitCode:" + strconv.Itoa(int(t.ExitCode))
				}
				if t.ExitCode != 0 {
					errorReason = s.status
				}
			case cs.Ready && cs.State.Running != nil:
				hasRunning = true
				s.ready++
			}
		}
		// A pod with a container still running is not "Completed".
		if s.status == "Completed" {
			switch {
			case hasRunning && hasReadyCondition(pod):
				s.status = "Running"
			case errorReason != "":
				s.status = errorReason
			case hasRunning:
				s.status = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == nodeLostReason:
			s.status = "Unknown"
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			s.status = "Terminating"
		}
	}
	return s
}

// isSidecar reports whether an init container is a restartable one (a sidecar), which kubectl
// counts among the pod's containers.
func isSidecar(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func initContainer(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}

// initializedConditionTrue reports whether the pod's first Initialized condition is True.
func initializedConditionTrue(pod *corev1.Pod) bool {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodInitialized {
			return pod.Status.Conditions[i].Status == corev1.ConditionTrue
		}
	}
	return false
}

// hasReadyCondition reports whether any of the pod's Ready conditions is True.
func hasReadyCondition(pod *corev1.Pod) bool {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady && pod.Status.Conditions[i].Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
