package sync

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// appliedChanges counts the changes the engine made to the cluster, by kind, decision and result.
var appliedChanges = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "sheetops",
	Name:      "changes_total",
	Help:      "Changes SheetOps made to the cluster from the sheet, by kind, action and result.",
}, []string{"kind", "action", "result"})

// Collectors are the engine's Prometheus metrics, for the daemon to register.
func Collectors() []prometheus.Collector { return []prometheus.Collector{appliedChanges} }

// readyDeployment: every desired replica is ready and the status is current.
func readyDeployment(obj runtime.Object) bool {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return false
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	return d.Status.ObservedGeneration >= d.Generation && d.Status.ReadyReplicas >= want && d.Status.UpdatedReplicas >= want
}
