package mapping

import (
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sheetops/sheetops/internal/uptime"
	"github.com/sheetops/sheetops/kube"
)

// The schedule columns (DESIGN.md "Schedules"): when an object is up, how many replicas it
// has while down, and until when a person woke it. They live on the object as annotations,
// so a restart, a failover or a lost state file loses nothing; the sync engine scales the
// object at the boundaries.
const (
	Uptime      = "Uptime"
	OffReplicas = "Off Replicas"
	WakeUntil   = "Wake Until"
)

// The annotations of the schedule columns and of the engine's scheduling state.
const (
	UptimeAnnotation      = "sheetops.io/uptime"
	OffReplicasAnnotation = "sheetops.io/off-replicas"
	WakeUntilAnnotation   = "sheetops.io/wake-until"
	// OriginalReplicasAnnotation is the count to come back to, set while scaled down.
	OriginalReplicasAnnotation = "sheetops.io/original-replicas"
	// ScheduledAtAnnotation is when the engine last acted on the schedule (RFC 3339): it
	// acts once per boundary, so a person's change between boundaries stands.
	ScheduledAtAnnotation = "sheetops.io/scheduled-at"
	// SuspendedAnnotation marks a CronJob the schedule suspended (to resume at uptime).
	SuspendedAnnotation = "sheetops.io/suspended-by-schedule"
)

// Suspendable reports whether a resource's objects are paused by .spec.suspend while down
// (CronJobs: their Schedule column stays the cron spec).
func Suspendable(r kube.Resource) bool { return r.GroupResource().String() == "cronjobs.batch" }

// Schedulable reports whether a schedule column fits a resource: all of them on scalable
// resources (scalable: a built-in one Scalable knows, or one with a scale subresource),
// Uptime and Wake Until on suspendable ones.
func Schedulable(header string, r kube.Resource, scalable bool) bool {
	return scalable || Scalable(r) || (Suspendable(r) && header != OffReplicas)
}

// HorizontalPodAutoscalers is what the engine watches beside a scheduled tab: a schedule
// leaves the targets of autoscalers alone.
var HorizontalPodAutoscalers = kube.Resource{
	GroupVersionResource: schema.GroupVersionResource{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
	Kind:                 "HorizontalPodAutoscaler", Namespaced: true,
}

// Scalable reports whether a resource's objects have .spec.replicas that schedules move.
func Scalable(r kube.Resource) bool {
	switch r.GroupResource().String() {
	case "deployments.apps", "statefulsets.apps", "replicasets.apps", "replicationcontrollers":
		return true
	}
	return false
}

// ScheduleColumn is the spec of a schedule column, and whether header is one; on a
// resource that cannot be scaled it explains why not.
func ScheduleColumn(header string, r kube.Resource) (ColumnSpec, bool) {
	annotation := func(key string) string { return ".metadata.annotations['" + key + "']" }
	switch header {
	case Uptime:
		return ColumnSpec{Header: Uptime, Path: annotation(UptimeAnnotation), Editable: true, Width: 34, Parse: ParseUptime}, true
	case OffReplicas:
		return ColumnSpec{Header: OffReplicas, Path: annotation(OffReplicasAnnotation), Editable: true, Type: replicasType}, true
	case WakeUntil:
		return ColumnSpec{Header: WakeUntil, Path: annotation(WakeUntilAnnotation), Editable: true, Width: 22,
			Parse: ParseWakeUntil, Resolve: resolveWake}, true
	}
	return ColumnSpec{}, false
}

// ParseUptime reads an Uptime cell (internal/uptime's syntax): its canonical text, "" for
// none.
func ParseUptime(cell string) (string, error) {
	s, err := uptime.Parse(cell)
	if err != nil {
		if pe, ok := err.(*uptime.ParseError); ok {
			return "", invalid(pe.Reason)
		}
		return "", invalid(err.Error())
	}
	if s.IsZero() {
		return "", nil
	}
	return s.String(), nil
}

// wakeLayouts are the absolute times a Wake Until cell takes besides RFC 3339.
var wakeLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04"}

// ParseWakeUntil reads a Wake Until cell: an absolute time (RFC 3339, or "2026-12-03
// 18:00" in UTC), canonical as RFC 3339 in UTC; "" for none. A relative "+3h" is resolved
// by the engine at the time of the pass first.
func ParseWakeUntil(cell string) (string, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.RFC3339), nil
	}
	for _, l := range wakeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	}
	return "", invalid("not a time: write +3h, 2026-12-03 18:00 (UTC) or 2026-12-03T18:00:00+01:00")
}

// resolveWake turns "+3h" into now+3h, RFC 3339; anything else stays.
func resolveWake(cell string, now time.Time) string {
	s := strings.TrimSpace(cell)
	if !strings.HasPrefix(s, "+") {
		return cell
	}
	d, err := time.ParseDuration(s[1:])
	if err != nil || d <= 0 {
		return cell // Parse says why
	}
	return now.Add(d).UTC().Truncate(time.Second).Format(time.RFC3339)
}
