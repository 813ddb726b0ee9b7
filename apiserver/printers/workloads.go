package printers

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultReplicas is what the API server defaults an unset spec.replicas to;
// a stored deployment or replica set never has it unset.
const defaultReplicas = 1

func replicas(r *int32) int64 {
	if r == nil {
		return defaultReplicas
	}
	return int64(*r)
}

// deploymentRow renders NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR.
func (c *converter) deploymentRow(d *appsv1.Deployment) metav1.TableRow {
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	selector := "<invalid>"
	if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
		selector = s.String()
	}
	return c.row(d,
		d.Name,
		strconv.FormatInt(int64(d.Status.ReadyReplicas), 10)+"/"+strconv.FormatInt(replicas(d.Spec.Replicas), 10),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		c.age(d.CreationTimestamp),
		names,
		images,
		selector,
	)
}

// replicaSetRow renders NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR.
func (c *converter) replicaSetRow(rs *appsv1.ReplicaSet) metav1.TableRow {
	names, images := containerCells(rs.Spec.Template.Spec.Containers)
	return c.row(rs,
		rs.Name,
		replicas(rs.Spec.Replicas),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		c.age(rs.CreationTimestamp),
		names,
		images,
		metav1.FormatLabelSelector(rs.Spec.Selector),
	)
}

// scaleRow renders NAME DESIRED AVAILABLE AGE for the scale subresource.
func (c *converter) scaleRow(s *autoscalingv1.Scale) metav1.TableRow {
	return c.row(s,
		s.Name,
		int64(s.Spec.Replicas),
		int64(s.Status.Replicas),
		c.age(s.CreationTimestamp),
	)
}

// containerCells joins the containers' names and images with commas.
func containerCells(containers []corev1.Container) (names, images string) {
	switch len(containers) {
	case 0:
		return "", ""
	case 1:
		return containers[0].Name, containers[0].Image
	}
	var n, i strings.Builder
	for k := range containers {
		if k > 0 {
			n.WriteByte(',')
			i.WriteByte(',')
		}
		n.WriteString(containers[k].Name)
		i.WriteString(containers[k].Image)
	}
	return n.String(), i.String()
}
