package mapping

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
	return humanDuration(now.Sub(created.Time))
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
