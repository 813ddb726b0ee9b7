package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/internal/uptime"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
)

// Schedules (DESIGN.md "Schedules"). A tab with an Uptime column scales its objects: outside
// their uptime (and not woken: Wake Until) to their Off Replicas (default 0), keeping the
// count they had in the annotation sheetops.io/original-replicas, and back to that count
// when uptime begins. The engine acts once per boundary (the annotation
// sheetops.io/scheduled-at says when it last did), so a person's Replicas edit while an
// object is down stands until the next boundary. Everything lives on the object: a restart
// or a second replica of SheetOps picks up where the first left off. Each transition is a
// merge patch with the object's resourceVersion as a precondition, audited ("scaled down
// 19:30 (schedule): Replicas 3 → 0") and counted in sheetops_schedule_transitions_total.

// HolidaysTab is the tab of days on which scheduled objects stay down: Date, Name.
const HolidaysTab = "Holidays"

var holidaysHeader = []string{"Date", "Name", mapping.Sync}

var scheduleTransitions = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "sheetops",
	Name:      "schedule_transitions_total",
	Help:      "Objects scaled by their Uptime schedule, by direction (down, up).",
}, []string{"direction"})

// Schedule is the decision of a scheduled transition (Edit.Decision).
const Schedule Decision = "schedule"

// scheduled reports whether any tab has schedules.
func (e *Engine) scheduled() bool {
	for i := range e.tabs {
		if e.tabs[i].Column(mapping.Uptime) != nil {
			return true
		}
	}
	return false
}

func holidaysLayout() sheets.TabLayout {
	return sheets.TabLayout{Name: HolidaysTab, Columns: []sheets.Column{
		{Name: "Date", Editable: true, Width: 12}, {Name: "Name", Editable: true, Width: 28}, {Name: mapping.Sync, Width: 40},
	}}
}

// holidays reads the Holidays tab: the days, and the tab to write back (each row as typed,
// with Sync saying when a date cannot be read).
func holidays(book *sheets.Book) (uptime.Holidays, *sheets.Tab) {
	var h uptime.Holidays
	out := &sheets.Tab{Name: HolidaysTab, Header: holidaysHeader}
	t := book.Tab(HolidaysTab)
	if t == nil {
		return h, out
	}
	index := headerIndex(t.Header)
	for _, row := range t.Rows {
		cells := cellsOf(index, row)
		sync := ""
		if strings.TrimSpace(cells.get("Date")) != "" {
			d, err := uptime.ParseHoliday(cells.get("Date"))
			if err != nil {
				sync = "invalid: " + err.Error()
			} else {
				h.Add(d)
			}
		}
		out.Rows = append(out.Rows, []string{cells.get("Date"), cells.get("Name"), sync})
	}
	return h, out
}

// objectSchedule is what an object's annotations say about its schedule.
type objectSchedule struct {
	schedule    uptime.Schedule
	off         int32
	wake        time.Time
	original    int32
	hasOriginal bool
	scheduledAt time.Time
	replicas    int32
	suspended   bool // a CronJob's .spec.suspend
	suspendedBy bool // the schedule suspended it
}

// readSchedule reads an object's schedule annotations and its replica count, which a
// resource other than the built-in ones keeps at replicasPath (nil: .spec.replicas).
func (e *Engine) readSchedule(obj runtime.Object, replicasPath []string) (objectSchedule, error) {
	var s objectSchedule
	m, err := meta.Accessor(obj)
	if err != nil {
		return s, err
	}
	ann := m.GetAnnotations()
	if !scheduledObject(ann) {
		return s, nil // the common case: nothing to read
	}
	if text := ann[mapping.UptimeAnnotation]; text != "" {
		sched, ok := e.schedules[text]
		if !ok {
			if sched, err = uptime.Parse(text); err != nil {
				return s, err
			}
			e.schedules[text] = sched
		}
		s.schedule = sched
	}
	if v := ann[mapping.OffReplicasAnnotation]; v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return s, fmt.Errorf("%s %q is not a replica count", mapping.OffReplicasAnnotation, v)
		}
		s.off = int32(n)
	}
	if v := ann[mapping.WakeUntilAnnotation]; v != "" {
		if s.wake, err = time.Parse(time.RFC3339, v); err != nil {
			return s, fmt.Errorf("%s %q is not a time", mapping.WakeUntilAnnotation, v)
		}
	}
	if v, ok := ann[mapping.OriginalReplicasAnnotation]; ok {
		n, err := strconv.ParseInt(v, 10, 32)
		if err == nil && n >= 0 {
			s.original, s.hasOriginal = int32(n), true
		}
	}
	if v := ann[mapping.ScheduledAtAnnotation]; v != "" {
		s.scheduledAt, _ = time.Parse(time.RFC3339, v)
	}
	s.suspendedBy = ann[mapping.SuspendedAnnotation] == "true"
	s.replicas, s.suspended = 1, false
	switch o := obj.(type) {
	case *appsv1.Deployment:
		s.replicas = ptr.Deref(o.Spec.Replicas, 1)
	case *appsv1.StatefulSet:
		s.replicas = ptr.Deref(o.Spec.Replicas, 1)
	case *appsv1.ReplicaSet:
		s.replicas = ptr.Deref(o.Spec.Replicas, 1)
	case *corev1.ReplicationController:
		s.replicas = ptr.Deref(o.Spec.Replicas, 1)
	case *batchv1.CronJob:
		s.suspended = ptr.Deref(o.Spec.Suspend, false)
	default:
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return s, err
		}
		if len(replicasPath) == 0 {
			replicasPath = []string{"spec", "replicas"}
		}
		if r, ok, _ := unstructured.NestedInt64(content, replicasPath...); ok {
			s.replicas = int32(r)
		}
		s.suspended, _, _ = unstructured.NestedBool(content, "spec", "suspend")
	}
	return s, nil
}

// scheduledObject reports whether an object's annotations concern a schedule at all.
func scheduledObject(ann map[string]string) bool {
	for _, k := range []string{mapping.UptimeAnnotation, mapping.OriginalReplicasAnnotation, mapping.SuspendedAnnotation, mapping.WakeUntilAnnotation} {
		if _, ok := ann[k]; ok {
			return true
		}
	}
	return false
}

// lastBoundary is the latest transition of the schedule (or the end of a wake) at or before
// now; zero when there was none in the last eight days.
func lastBoundary(s objectSchedule, now time.Time, h uptime.Holidays) time.Time {
	var last time.Time
	if !s.wake.IsZero() && !s.wake.After(now) {
		last = s.wake
	}
	if s.schedule.IsZero() {
		return last
	}
	t := now.Add(-8 * 24 * time.Hour)
	for {
		next, ok := s.schedule.Next(t, h)
		if !ok || next.After(now) {
			return last
		}
		if next.After(last) {
			last = next
		}
		t = next
	}
}

// applySchedules scales the scheduled objects whose boundary has come, and returns when the
// next boundary is (zero: none). The transitions join the plan as Schedule edits.
func (e *Engine) applySchedules(ctx context.Context, book *sheets.Book, plan *Plan, h uptime.Holidays, now time.Time) time.Time {
	var next time.Time
	for ti := range e.tabs {
		t := &e.tabs[ti]
		scalable, suspendable := t.Scalable(), mapping.Suspendable(t.Resource)
		if t.Column(mapping.Uptime) == nil || (!scalable && !suspendable) {
			continue
		}
		targets := e.autoscaled()
		rows := map[types.UID]int{}
		if st := book.Tab(t.Name); st != nil {
			if uc := slices.Index(st.Header, mapping.UID); uc >= 0 {
				for i, r := range st.Rows {
					if uc < len(r) {
						rows[types.UID(strings.TrimSpace(r[uc]))] = i
					}
				}
			}
		}
		for _, listed := range e.view.Objects(t.Resource) {
			uid := uidOf(listed)
			obj, ok := e.current(t.Resource, uid)
			if !ok {
				continue
			}
			s, err := e.readSchedule(obj, t.Replicas())
			if err != nil {
				continue // an annotation someone else wrote: the cells say what is wrong when edited
			}
			isDown := s.hasOriginal || s.suspendedBy
			if m, err := meta.Accessor(obj); err == nil {
				e.adoptDowntime(uid, m.GetNamespace(), s)
			}
			if s.schedule.IsZero() && !isDown {
				continue
			}
			if n, ok := s.schedule.Next(now, h); ok && (next.IsZero() || n.Before(next)) {
				next = n
			}
			if s.wake.After(now) && (next.IsZero() || s.wake.Before(next)) {
				next = s.wake
			}
			up := s.schedule.IsZero() || s.schedule.Up(now, h) || s.wake.After(now)
			boundary := lastBoundary(s, now, h)
			// Due once per boundary; at once for a wake (a person asked for it now) and for a
			// schedule removed while down.
			due := s.scheduledAt.IsZero() || s.scheduledAt.Before(boundary) ||
				(up && s.wake.After(now)) || (s.schedule.IsZero() && isDown)
			if e.writer == nil || !due {
				continue
			}
			replicas := strings.Join(t.Replicas(), ".")
			var change scheduleChange
			switch {
			case scalable && !up && !isDown && s.replicas != s.off:
				change = scheduleChange{direction: "down", verb: "scaled down", field: mapping.Replicas, from: strconv.Itoa(int(s.replicas)), to: strconv.Itoa(int(s.off)),
					set: map[string]any{replicas: s.off}, ann: map[string]any{mapping.OriginalReplicasAnnotation: strconv.Itoa(int(s.replicas))}}
			case scalable && up && s.hasOriginal:
				change = scheduleChange{direction: "up", verb: "scaled up", field: mapping.Replicas, from: strconv.Itoa(int(s.replicas)), to: strconv.Itoa(int(s.original)),
					set: map[string]any{replicas: s.original}, ann: map[string]any{mapping.OriginalReplicasAnnotation: nil}}
			case suspendable && !up && !isDown && !s.suspended:
				change = scheduleChange{direction: "down", verb: "suspended", field: "Suspend", from: "false", to: "true",
					set: map[string]any{"spec.suspend": true}, ann: map[string]any{mapping.SuspendedAnnotation: "true"}}
			case suspendable && up && s.suspendedBy:
				change = scheduleChange{direction: "up", verb: "resumed", field: "Suspend", from: strconv.FormatBool(s.suspended), to: "false",
					set: map[string]any{"spec.suspend": false}, ann: map[string]any{mapping.SuspendedAnnotation: nil}}
			default:
				continue
			}
			m, _ := meta.Accessor(obj)
			ed := Edit{Tab: t.Name, Resource: t.Resource, Namespace: m.GetNamespace(), Name: m.GetName(), UID: uid,
				Column: change.field, Cluster: change.from, Sheet: change.to, Decision: Schedule, row: -1, object: obj}
			if i, ok := rows[uid]; ok {
				ed.row = i
			}
			if hpa, ok := targets[m.GetNamespace()+"/"+t.Resource.Kind+"/"+m.GetName()]; ok {
				// The autoscaler would scale it right back: leave it, and say what to do.
				ed.Column = mapping.Uptime
				ed.Outcome = Outcome{Kind: OutcomeInvalid, Message: fmt.Sprintf(
					"Uptime: the autoscaler %s scales this %s; the schedule leaves it alone (set its minReplicas instead, or remove the Uptime)",
					hpa, strings.ToLower(t.Resource.Kind))}
				plan.Edits = append(plan.Edits, ed)
				continue
			}
			e.scale(ctx, &ed, change, now)
			plan.Edits = append(plan.Edits, ed)
		}
	}
	return next
}

// keepDowntime is how far back the replica-hours saved go.
const keepDowntime = 7 * 24 * time.Hour

// noteDowntime opens a down period at a scale-down and closes it at the scale-up.
func (e *Engine) noteDowntime(ed *Edit, change scheduleChange, now time.Time) {
	from, _ := strconv.Atoi(change.from)
	to, _ := strconv.Atoi(change.to)
	if change.direction == "down" {
		e.state.Downtime = append(e.state.Downtime, DownPeriod{UID: string(ed.UID), Namespace: ed.Namespace, Saved: int32(from - to), From: now})
		e.state.dirty = true
		return
	}
	for i := range e.state.Downtime {
		if d := &e.state.Downtime[i]; d.UID == string(ed.UID) && d.To.IsZero() {
			d.To, e.state.dirty = now, true
		}
	}
}

// adoptDowntime opens the period of an object down by its schedule that the state does not
// know of (a new leader, a lost state file): since the time the schedule last acted.
func (e *Engine) adoptDowntime(uid types.UID, namespace string, s objectSchedule) {
	if !s.hasOriginal || s.scheduledAt.IsZero() || s.original <= s.replicas {
		return
	}
	for _, d := range e.state.Downtime {
		if d.UID == string(uid) && d.To.IsZero() {
			return
		}
	}
	e.state.Downtime = append(e.state.Downtime, DownPeriod{UID: string(uid), Namespace: namespace, Saved: s.original - s.replicas, From: s.scheduledAt})
	e.state.dirty = true
}

// replicaHoursSaved sums, per namespace, replicas × hours spent scaled down by schedules in
// the last seven days, and forgets older periods.
func (e *Engine) replicaHoursSaved(now time.Time) map[string]float64 {
	since := now.Add(-keepDowntime)
	out := map[string]float64{}
	kept := e.state.Downtime[:0]
	for _, d := range e.state.Downtime {
		end := d.To
		if end.IsZero() {
			end = now
		}
		if !end.After(since) && !d.To.IsZero() {
			continue // older than a week
		}
		kept = append(kept, d)
		start := d.From
		if start.Before(since) {
			start = since
		}
		if end.After(start) {
			out[d.Namespace] += float64(d.Saved) * end.Sub(start).Hours()
		}
	}
	if len(kept) != len(e.state.Downtime) {
		e.state.dirty = true
	}
	e.state.Downtime = kept
	return out
}

// autoscaled maps "namespace/Kind/name" of every autoscaler's target to the autoscaler.
func (e *Engine) autoscaled() map[string]string {
	out := map[string]string{}
	for _, obj := range e.view.Objects(mapping.HorizontalPodAutoscalers) {
		h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok {
			continue
		}
		out[h.Namespace+"/"+h.Spec.ScaleTargetRef.Kind+"/"+h.Spec.ScaleTargetRef.Name] = h.Name
	}
	return out
}

// scheduleVerbs are what a scheduled transition's Sync cell begins with.
var scheduleVerbs = []string{"scaled down", "scaled up", "suspended", "resumed"}

// scheduleChange is one scheduled transition: the spec fields and annotations it sets
// (nil removes one), and what the Sync cell and the audit say (field: from → to).
type scheduleChange struct {
	direction string // down, up
	verb      string // what the Sync cell says: scaled down, suspended, …
	field     string
	from, to  string
	// set holds the fields the change sets, by dotted path ("spec.replicas"); ann the
	// annotations (nil removes one).
	set, ann map[string]any
}

// scale makes one scheduled transition, the time recorded: one merge patch with the
// resourceVersion.
func (e *Engine) scale(ctx context.Context, ed *Edit, change scheduleChange, now time.Time) {
	m, _ := meta.Accessor(ed.object)
	ann := map[string]any{mapping.ScheduledAtAnnotation: now.UTC().Format(time.RFC3339)}
	for k, v := range change.ann {
		ann[k] = v
	}
	patch := map[string]any{"metadata": map[string]any{"resourceVersion": m.GetResourceVersion(), "annotations": ann}}
	for path, v := range change.set {
		setPath(patch, strings.Split(path, "."), v)
	}
	body, err := json.Marshal(patch)
	if err != nil {
		ed.Outcome = Outcome{Kind: OutcomeError, Message: err.Error()}
		return
	}
	out, err := e.writer.Patch(ctx, ed.Resource, ed.Namespace, ed.Name, types.MergePatchType, body)
	if err != nil {
		if apierrors.IsConflict(err) {
			// Someone wrote meanwhile: the next pass decides again on the fresh object.
			ed.Outcome = Outcome{Kind: OutcomeError, Message: "the object changed during the scheduled scaling; trying again", Retryable: true}
			return
		}
		e.fail(ed, err)
		return
	}
	e.recent[ed.UID] = recentObject{obj: out, informer: e.informerRV(ed)}
	if change.field == mapping.Replicas {
		e.noteDowntime(ed, change, now)
	}
	ed.Outcome = Outcome{Kind: OutcomeScaled, At: now, Scaled: change.verb,
		Message: fmt.Sprintf("%s %s → %s", change.field, ed.Cluster, ed.Sheet)}
	scheduleTransitions.WithLabelValues(change.direction).Inc()
	e.stats.Applied++
	e.record(ed)
}

// setPath sets the field at path in a patch, making the objects on the way.
func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// Transition is a scheduled row's next transition, for `sheetops plan`.
type Transition struct {
	Tab, Namespace, Name string
	// At is when; zero with Now set: due at the next pass.
	At  time.Time
	Now bool
	// Up: the object comes up then (else it goes down).
	Up bool
}

func (t Transition) String() string {
	what, when := "down", t.At.Format("Mon 2006-01-02 15:04 MST")
	if t.Up {
		what = "up  "
	}
	if t.Now {
		when = "at the next pass"
	}
	return fmt.Sprintf("schedule %s/%s: %s %s", t.Namespace, t.Name, what, when)
}

// forecast lists the next transition of every scheduled object, soonest first.
func (e *Engine) forecast(h uptime.Holidays, now time.Time) []Transition {
	var out []Transition
	for ti := range e.tabs {
		t := &e.tabs[ti]
		if t.Column(mapping.Uptime) == nil || (!t.Scalable() && !mapping.Suspendable(t.Resource)) {
			continue
		}
		for _, obj := range e.view.Objects(t.Resource) {
			s, err := e.readSchedule(obj, t.Replicas())
			if err != nil || s.schedule.IsZero() {
				continue
			}
			m, _ := meta.Accessor(obj)
			tr := Transition{Tab: t.Name, Namespace: m.GetNamespace(), Name: m.GetName()}
			up := s.schedule.Up(now, h) || s.wake.After(now)
			isDown := s.hasOriginal || s.suspendedBy
			switch {
			case up == isDown && (s.scheduledAt.IsZero() || s.scheduledAt.Before(lastBoundary(s, now, h))):
				tr.Now, tr.Up = true, up
			default:
				next, ok := s.schedule.Next(now, h)
				if s.wake.After(now) && (!ok || s.wake.Before(next)) {
					next, ok = s.wake, true
				}
				if !ok {
					continue
				}
				tr.At, tr.Up = next, !up
			}
			out = append(out, tr)
		}
	}
	slices.SortStableFunc(out, func(a, b Transition) int {
		switch {
		case a.Now != b.Now:
			if a.Now {
				return -1
			}
			return 1
		}
		return a.At.Compare(b.At)
	})
	return out
}
