package printers

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sheetops/sheetops/internal/podstatus"
)

// podRow renders NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE
// READINESS-GATES the way kube-apiserver does.
func (c *converter) podRow(pod *corev1.Pod) metav1.TableRow {
	s := podstatus.Summarize(pod)

	restarts := strconv.Itoa(s.Restarts)
	if s.Restarts != 0 && !s.LastRestart.IsZero() {
		restarts += " (" + c.since(s.LastRestart) + " ago)"
	}

	row := c.row(pod,
		pod.Name,
		strconv.Itoa(s.Ready)+"/"+strconv.Itoa(s.Total),
		s.Status,
		restarts,
		c.age(pod.CreationTimestamp),
		orNone(podIP(&pod.Status)),
		orNone(pod.Spec.NodeName),
		orNone(pod.Status.NominatedNodeName),
		readinessGates(pod),
	)
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		row.Conditions = []metav1.TableRowCondition{{
			Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(corev1.PodSucceeded), Message: "The pod has completed successfully.",
		}}
	case corev1.PodFailed:
		row.Conditions = []metav1.TableRowCondition{{
			Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(corev1.PodFailed), Message: "The pod failed.",
		}}
	}
	return row
}

func podIP(status *corev1.PodStatus) string {
	if len(status.PodIPs) > 0 {
		return status.PodIPs[0].IP
	}
	return status.PodIP
}

// readinessGates shows how many of the pod's readiness gates have a True
// condition, "<none>" without gates.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	passed := 0
	for _, gate := range pod.Spec.ReadinessGates {
		for i := range pod.Status.Conditions {
			if pod.Status.Conditions[i].Type == gate.ConditionType {
				if pod.Status.Conditions[i].Status == corev1.ConditionTrue {
					passed++
				}
				break
			}
		}
	}
	return strconv.Itoa(passed) + "/" + strconv.Itoa(len(pod.Spec.ReadinessGates))
}
