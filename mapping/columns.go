package mapping

import (
	"slices"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sheetops/sheetops/internal/podstatus"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sheets"
)

// The colours of a "ready/desired" cell.
var readyColors = []sheets.ColorRule{
	{Match: sheets.ReadyComplete, Color: sheets.Green},
	{Match: sheets.ReadyIncomplete, Color: sheets.Yellow},
}

// The colours of a pod's Status cell.
var podStatusColors = []sheets.ColorRule{
	{Match: sheets.Equals, Value: "Running", Color: sheets.Green},
	{Match: sheets.Equals, Value: "Pending", Color: sheets.Yellow},
	{Match: sheets.Equals, Value: "ContainerCreating", Color: sheets.Yellow},
	{Match: sheets.Equals, Value: "Failed", Color: sheets.Red},
	{Match: sheets.Equals, Value: "Error", Color: sheets.Red},
	{Match: sheets.Equals, Value: "CrashLoopBackOff", Color: sheets.Red},
	{Match: sheets.Equals, Value: "ErrImagePull", Color: sheets.Red},
	{Match: sheets.Equals, Value: "ImagePullBackOff", Color: sheets.Red},
	{Match: sheets.Equals, Value: "Completed", Color: sheets.Grey},
	{Match: sheets.Equals, Value: "Succeeded", Color: sheets.Grey},
}

// newColumn returns the column with the given header on a tab of kind, and whether there is
// one.
func newColumn(kind kube.Resource, header string) (Column, bool) {
	var c Column
	switch header {
	case Namespace:
		c = Column{Value: meta(metav1.Object.GetNamespace), Reads: []string{"metadata.namespace"}, Sheet: sheets.Column{Width: 16}}
	case Name:
		c = Column{Value: meta(metav1.Object.GetName), Reads: []string{"metadata.name"}, Sheet: sheets.Column{Width: 32}}
	case Age:
		c = Column{Value: age, Clock: true, Reads: []string{"metadata.creationTimestamp"}, Sheet: sheets.Column{Width: 8}}
	case Action:
		c = Column{
			Editable: true,
			Parse: func(cell string) (string, error) {
				a, err := ParseAction(cell)
				return string(a), err
			},
			Sheet: sheets.Column{Width: 10, List: []string{string(DeleteAction), string(ForceAction)}},
		}
	case Sync:
		// Its colours come from the sync engine, which writes it.
		c = Column{Sheet: sheets.Column{Width: 40}}
	case UID:
		c = Column{Hidden: true, Value: meta(func(o metav1.Object) string { return string(o.GetUID()) }), Reads: []string{"metadata.uid"}, Sheet: sheets.Column{Width: 38}}
	case RV:
		c = Column{Hidden: true, Value: meta(metav1.Object.GetResourceVersion), Reads: []string{"metadata.resourceVersion"}, Sheet: sheets.Column{Width: 16}}
	default:
		var ok bool
		switch kind {
		case Deployment:
			c, ok = deploymentColumn(header)
		case Pod:
			c, ok = podColumn(header)
		}
		if !ok {
			return Column{}, false
		}
	}
	c.Header = header
	// Every column owns its presentation: changing one tab's never changes another's.
	c.Sheet.Colors = slices.Clone(c.Sheet.Colors)
	c.Sheet.Name = header
	c.Sheet.Editable = c.Editable
	c.Sheet.Hidden = c.Hidden
	return c, true
}

func deploymentColumn(header string) (Column, bool) {
	switch header {
	case Replicas:
		return Column{
			Editable: true,
			Value:    deployment(func(d *appsv1.Deployment) string { return strconv.Itoa(int(desiredReplicas(d))) }),
			Parse: func(cell string) (string, error) {
				n, err := ParseReplicas(cell)
				if err != nil {
					return "", err
				}
				return strconv.Itoa(int(n)), nil
			},
			Patch: patchReplicas,
			Reads: []string{"spec.replicas"},
			Sheet: sheets.Column{Width: 10, Number: true, WholeNumber: &sheets.Range{Min: 0, Max: MaxReplicas}},
		}, true
	case Ready:
		return Column{
			Value: deployment(func(d *appsv1.Deployment) string {
				return strconv.Itoa(int(d.Status.ReadyReplicas)) + "/" + strconv.Itoa(int(desiredReplicas(d)))
			}),
			Reads: []string{"status.readyReplicas", "spec.replicas"},
			Sheet: sheets.Column{Width: 8, Colors: readyColors},
		}, true
	case UpToDate:
		return Column{
			Value: deployment(func(d *appsv1.Deployment) string { return strconv.Itoa(int(d.Status.UpdatedReplicas)) }),
			Reads: []string{"status.updatedReplicas"},
			Sheet: sheets.Column{Width: 11, Number: true},
		}, true
	case Available:
		return Column{
			Value: deployment(func(d *appsv1.Deployment) string { return strconv.Itoa(int(d.Status.AvailableReplicas)) }),
			Reads: []string{"status.availableReplicas"},
			Sheet: sheets.Column{Width: 10, Number: true},
		}, true
	case Image:
		return Column{
			Editable: true,
			Value: deployment(func(d *appsv1.Deployment) string {
				return firstImage(d.Spec.Template.Spec.Containers)
			}),
			Parse: ParseImage,
			Patch: patchImage,
			// The patch names the container it changes.
			Reads: []string{"spec.template.spec.containers.image", "spec.template.spec.containers.name"},
			Sheet: sheets.Column{Width: 40},
		}, true
	}
	return Column{}, false
}

func podColumn(header string) (Column, bool) {
	switch header {
	case Ready:
		return summaryColumn(func(s podstatus.Summary) string {
			return strconv.Itoa(s.Ready) + "/" + strconv.Itoa(s.Total)
		}, sheets.Column{Width: 8, Colors: readyColors}), true
	case Status:
		return summaryColumn(func(s podstatus.Summary) string { return s.Status },
			sheets.Column{Width: 18, Colors: podStatusColors}), true
	case Restarts:
		return summaryColumn(func(s podstatus.Summary) string { return strconv.Itoa(s.Restarts) },
			sheets.Column{Width: 9, Number: true}), true
	case Node:
		return Column{
			Value: pod(func(p *corev1.Pod) string { return p.Spec.NodeName }),
			Reads: []string{"spec.nodeName"},
			Sheet: sheets.Column{Width: 20},
		}, true
	case IP:
		return Column{Value: pod(podIP), Reads: []string{"status.podIP", "status.podIPs"}, Sheet: sheets.Column{Width: 16}}, true
	case Image:
		return Column{
			Value: pod(func(p *corev1.Pod) string { return firstImage(p.Spec.Containers) }),
			Reads: []string{"spec.containers.image"},
			Sheet: sheets.Column{Width: 40},
		}, true
	}
	return Column{}, false
}

// summaryColumn is a pod column computed from the pod's podstatus.Summary: Tab.Row
// summarizes a pod once for all such columns of its row.
func summaryColumn(f func(podstatus.Summary) string, sheet sheets.Column) Column {
	return Column{
		Value:       pod(func(p *corev1.Pod) string { return f(podstatus.Summarize(p)) }),
		Reads:       podstatusReads,
		Sheet:       sheet,
		fromSummary: f,
	}
}

// podstatusReads are the fields podstatus.Summarize reads (Ready, Status, Restarts).
var podstatusReads = []string{
	"spec.containers.name", "spec.initContainers.name", "spec.initContainers.restartPolicy",
	"status.phase", "status.reason", "status.conditions.type", "status.conditions.status",
	"status.conditions.reason",
	"status.initContainerStatuses.name", "status.initContainerStatuses.restartCount",
	"status.initContainerStatuses.state", "status.initContainerStatuses.lastState",
	"status.initContainerStatuses.started", "status.initContainerStatuses.ready",
	"status.containerStatuses.name", "status.containerStatuses.restartCount",
	"status.containerStatuses.state", "status.containerStatuses.lastState",
	"status.containerStatuses.started", "status.containerStatuses.ready",
}

// meta renders a cell from an object's metadata, whatever its kind.
func meta(f func(metav1.Object) string) func(runtime.Object, time.Time) string {
	return func(obj runtime.Object, _ time.Time) string {
		if o, ok := obj.(metav1.Object); ok {
			return f(o)
		}
		return ""
	}
}

// deployment renders a cell from a Deployment; "" for anything else.
func deployment(f func(*appsv1.Deployment) string) func(runtime.Object, time.Time) string {
	return func(obj runtime.Object, _ time.Time) string {
		if d, ok := obj.(*appsv1.Deployment); ok && d != nil {
			return f(d)
		}
		return ""
	}
}

// pod renders a cell from a Pod; "" for anything else.
func pod(f func(*corev1.Pod) string) func(runtime.Object, time.Time) string {
	return func(obj runtime.Object, _ time.Time) string {
		if p, ok := obj.(*corev1.Pod); ok && p != nil {
			return f(p)
		}
		return ""
	}
}
