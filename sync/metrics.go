package sync

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// The engine's metrics. They are package-level (one engine per process); the daemon
// registers them with Collectors.
var (
	appliedChanges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "changes_total",
		Help:      "Changes SheetOps made to the cluster from the sheet, by kind, action and result.",
	}, []string{"kind", "action", "result"})
	editDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "edits_total",
		Help:      "Edits found in the sheet, by decision (apply, create, delete, conflict, invalid, gone, drift, enforce).",
	}, []string{"decision"})
	apiErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "api_errors_total",
		Help:      "Kubernetes API calls that failed, by HTTP status code (0: no answer).",
	}, []string{"code"})
	polls = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "polls_total",
		Help:      "Polls of the sheet for edits.",
	})
	passes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "passes_total",
		Help:      "Sync passes (read, apply, render), by result.",
	}, []string{"result"})
	renders = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "renders_total",
		Help:      "Writes of the sheet (renders that changed something).",
	})
	pollSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "sheetops",
		Name:      "poll_duration_seconds",
		Help:      "How long a poll of the sheet took.",
		Buckets:   prometheus.ExponentialBuckets(0.0005, 4, 9),
	})
	passSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "sheetops",
		Name:      "pass_duration_seconds",
		Help:      "How long a sync pass took, render included.",
		Buckets:   prometheus.ExponentialBuckets(0.005, 3, 9),
	})
	renderSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "sheetops",
		Name:      "render_duration_seconds",
		Help:      "How long rendering and writing the sheet took.",
		Buckets:   prometheus.ExponentialBuckets(0.005, 3, 9),
	})
	lastSync = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "sheetops",
		Name:      "last_successful_sync_timestamp_seconds",
		Help:      "When the last pass that read the sheet and wrote it back (or found nothing to write) ended, in Unix seconds.",
	})
	auditFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "audit_write_failures_total",
		Help:      "Failed writes of the audit file (the entries wait in memory and are written when it works again).",
	})
	auditDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "audit_dropped_total",
		Help:      "Audit entries dropped because the audit file stayed unwritable while too many waited.",
	})
	scheduledRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "scheduled_runs_total",
		Help:      "Scheduled runs (reconcile, export), by job and result (ok, error, skipped: the previous run was still going).",
	}, []string{"job", "result"})
)

// Collectors are the engine's Prometheus metrics, for the daemon to register.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{appliedChanges, editDecisions, apiErrors, polls, passes, renders,
		pollSeconds, passSeconds, renderSeconds, lastSync, scheduledRuns, auditFailures, auditDropped, scheduleTransitions}
}

// countAPIError counts a failed Kubernetes API call by status code.
func countAPIError(err error) {
	if err == nil {
		return
	}
	code := 0
	if s, ok := err.(apierrors.APIStatus); ok {
		code = int(s.Status().Code)
	}
	apiErrors.WithLabelValues(strconv.Itoa(code)).Inc()
}

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
