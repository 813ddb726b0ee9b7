package sync_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/sheetops/sheetops/internal/metricstest"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sync"
)

// TestScheduleScalesAtItsBoundaries: office hours typed into Uptime scale a deployment down
// at the end of the day and back up in the morning, on a fake clock; the count to come
// back to lives on the object (a restarted engine picks up where the first left off); a
// Replicas edit while down stands until the next boundary; a holiday keeps it down all day;
// Wake Until wakes it at once; an invalid Uptime is reported and moves nothing.
func TestScheduleScalesAtItsBoundaries(t *testing.T) {
	eachBackend(t, testScheduleScales)
}

func testScheduleScales(t *testing.T, f *fixture) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, berlin)) // Monday noon
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Preset: "Deployments", Columns: []sync.ColumnConfig{
		{Header: "Namespace"}, {Header: "Name"}, {Header: "Replicas"}, {Header: "Uptime"}, {Header: "Off Replicas"},
		{Header: "Wake Until"}, {Header: "Action"}, {Header: "Sync"}}}}
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	newEngine := func(statePath string) *sync.Engine {
		e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil),
			StatePath: statePath, Logger: discard, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := newEngine(f.statePath)
	f.pass(e)
	syncOf := func(name string) string { return cell(t, f.read(), mapping.DeploymentsTab, name, mapping.Sync) }
	replicas := func(name string) int32 { return *f.get(name).Spec.Replicas }
	at := func(day, hour, min int) {
		clk.SetTime(time.Date(2026, 3, day, hour, min, 0, 0, berlin))
		if !e.SheetChanged(context.Background()) {
			t.Fatalf("no pass due at %s", clk.Now())
		}
		f.pass(e)
	}

	f.edit(mapping.DeploymentsTab, "web", map[string]string{"Uptime": "mon-fri 8:00-18:00 europe/berlin"})
	f.edit(mapping.DeploymentsTab, "api", map[string]string{"Uptime": "Mon-Fru 08:00-18:00 Europe/Berlin"})
	f.pass(e)
	if got := f.get("web").Annotations[mapping.UptimeAnnotation]; got != "Mon-Fri 08:00-18:00 Europe/Berlin" {
		t.Fatalf("uptime annotation = %q, want the canonical text", got)
	}
	if s := syncOf("api"); !strings.HasPrefix(s, "invalid: Uptime") || !strings.Contains(s, "Fru") {
		t.Fatalf("api Sync = %q, want the invalid weekday named", s)
	}
	if v := cell(t, f.read(), mapping.DeploymentsTab, "api", "Uptime"); v != "Mon-Fru 08:00-18:00 Europe/Berlin" {
		t.Fatalf("typed schedule lost: %q", v)
	}
	if replicas("web") != 3 {
		t.Fatal("scaled at noon on a Monday")
	}
	// `sheetops plan` lists the next transition of each scheduled row (from the view: once
	// the informer has the annotation).
	f.waitView("web's schedule in the view", func() bool {
		for _, d := range f.view.Deployments() {
			if d.Name == "web" && d.Annotations[mapping.UptimeAnnotation] != "" {
				return true
			}
		}
		return false
	})
	p, err := e.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Transitions) != 1 || p.Transitions[0].Up || !p.Transitions[0].At.Equal(time.Date(2026, 3, 2, 18, 0, 0, 0, berlin)) ||
		!strings.Contains(p.String(), "schedule shop/web: down Mon 2026-03-02 18:00 CET") {
		t.Fatalf("plan transitions = %+v\n%s", p.Transitions, p)
	}
	down := transitions(t, "down")

	// 18:00: down to 0, the 3 kept on the object.
	at(2, 18, 0)
	f.waitReplicas("web", 0)
	if got := f.get("web").Annotations[mapping.OriginalReplicasAnnotation]; got != "3" {
		t.Fatalf("original-replicas = %q, want 3", got)
	}
	if s := syncOf("web"); s != "scaled down 18:00 (schedule): Replicas 3 → 0" {
		t.Fatalf("Sync = %q", s)
	}
	if got := transitions(t, "down") - down; got != 1 {
		t.Fatalf("down transitions rose by %v, want 1", got)
	}
	if replicas("api") != 2 {
		t.Fatal("an invalid schedule moved api")
	}

	// A Replicas edit while down is applied and stands; another replica of SheetOps taking
	// over with no state file (a failover) does not scale it again before the next boundary,
	// and brings it back in the morning from what the object says.
	f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "1"})
	f.pass(e)
	f.waitReplicas("web", 1)
	e = newEngine(filepath.Join(t.TempDir(), "other-replica.json"))
	clk.Step(time.Hour)
	f.pass(e)
	if replicas("web") != 1 {
		t.Fatalf("the schedule overrode a person's edit between boundaries: %d", replicas("web"))
	}

	// Tuesday 08:00: back to the count it had. Down 14 hours; the replica that took over
	// (no state file) counts from what the object says: 3 to come back to, 1 running since
	// the person's edit, so 2 saved: 28 replica-hours in the Summary.
	at(3, 8, 0)
	if got := summaryCell(t, f.read(), "shop", "Replica-hours saved (7 days)"); got != "28.0" {
		t.Fatalf("replica-hours saved = %q, want 28.0", got)
	}
	f.waitReplicas("web", 3)
	if _, ok := f.get("web").Annotations[mapping.OriginalReplicasAnnotation]; ok {
		t.Fatal("original-replicas left after scaling up")
	}
	if s := syncOf("web"); s != "scaled up 08:00 (schedule): Replicas 1 → 3" {
		t.Fatalf("Sync = %q", s)
	}

	// Wednesday is a holiday: down from Tuesday 18:00 all through Wednesday.
	f.editBook(func(b *sheets.Book) {
		hol := b.Tab(sync.HolidaysTab) // written by the engine, empty
		if hol == nil || len(hol.Header) < 2 || hol.Header[0] != "Date" || hol.Header[1] != "Name" {
			t.Fatalf("no Holidays tab to fill: %+v", hol)
		}
		hol.Rows = [][]string{{"2026-03-04", "Company day", ""}, {"31.02.2026", "Typo", ""}}
	})
	at(3, 18, 0)
	f.waitReplicas("web", 0)
	clk.SetTime(time.Date(2026, 3, 4, 9, 0, 0, 0, berlin))
	f.pass(e)
	if replicas("web") != 0 {
		t.Fatal("up on a holiday")
	}
	hol := f.read().Tab(sync.HolidaysTab)
	if hol == nil || len(hol.Rows) != 2 || !strings.HasPrefix(hol.Rows[1][2], "invalid:") {
		t.Fatalf("Holidays tab = %+v, want the bad date reported", hol)
	}

	// Wake Until +3h: up at once, down again when it ends.
	f.edit(mapping.DeploymentsTab, "web", map[string]string{"Wake Until": "+3h"})
	f.pass(e) // applies the wake
	f.pass(e) // acts on it
	f.waitReplicas("web", 3)
	if got := f.get("web").Annotations[mapping.WakeUntilAnnotation]; got != "2026-03-04T11:00:00Z" {
		t.Fatalf("wake-until = %q", got)
	}
	at(4, 12, 0)
	f.waitReplicas("web", 0)
}

// transitions is sheetops_schedule_transitions_total{direction}.
func transitions(t *testing.T, direction string) float64 {
	t.Helper()
	return metricstest.Counter(t, sync.Collectors(), "sheetops_schedule_transitions_total", map[string]string{"direction": direction})
}

// TestScheduleSuspendsCronJobs: on a CronJobs tab an Uptime suspends the CronJob outside its
// uptime and resumes it after; its Schedule column stays the cron spec. Off Replicas does
// not fit a CronJob: the config says so.
func TestScheduleSuspendsCronJobs(t *testing.T) {
	f := newFixture(t)
	if _, err := f.cs.BatchV1().CronJobs("shop").Create(f.ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "report"},
		Spec: batchv1.CronJobSpec{Schedule: "*/10 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure,
				Containers: []corev1.Container{{Name: "r", Image: "busybox"}}}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Preset: "CronJobs", Columns: []sync.ColumnConfig{{Header: "Namespace"}, {Header: "Name"},
		{Header: "Schedule"}, {Header: "Suspend"}, {Header: "Uptime"}, {Header: "Off Replicas"}, {Header: "Sync"}}}}
	var se *sync.SettingError
	if _, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery())); !errors.As(err, &se) || se.Key != "tabs[0].columns[5]" {
		t.Fatalf("Off Replicas on CronJobs: err = %v, want a SettingError for tabs[0].columns[5]", err)
	}
	cfg.Tabs[0].Columns = cfg.Tabs[0].Columns[:5]
	cfg.Tabs[0].Columns = append(cfg.Tabs[0].Columns, sync.ColumnConfig{Header: "Sync"})
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	utc := time.UTC
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, utc))
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.viewOf(tabs), Writer: kube.NewApplier(f.cs, nil),
		StatePath: f.statePath, Logger: discard, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	f.editBook(func(b *sheets.Book) { setCellOf(t, b.Tab("CronJobs"), "report", "Uptime", "Mon-Fri 09:00-17:00 UTC") })
	f.pass(e)
	suspended := func() bool {
		cj, err := f.cs.BatchV1().CronJobs("shop").Get(f.ctx, "report", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cj.Spec.Suspend != nil && *cj.Spec.Suspend
	}
	if suspended() {
		t.Fatal("suspended during uptime")
	}
	clk.SetTime(time.Date(2026, 3, 2, 17, 0, 5, 0, utc))
	f.pass(e)
	if !suspended() {
		t.Fatal("not suspended after uptime")
	}
	if s := cellOf(t, f.read().Tab("CronJobs"), "report", "Sync"); s != "suspended 17:00 (schedule): Suspend false → true" {
		t.Fatalf("Sync = %q", s)
	}
	if s := cellOf(t, f.read().Tab("CronJobs"), "report", "Schedule"); s != "*/10 * * * *" {
		t.Fatalf("Schedule = %q, want the cron spec kept", s)
	}
	clk.SetTime(time.Date(2026, 3, 3, 9, 0, 5, 0, utc))
	f.pass(e)
	if suspended() {
		t.Fatal("still suspended in the morning")
	}
}

// TestScheduleAcrossDST: a window that ends inside the hour Europe/Berlin skips (02:30 on
// the last Sunday of March) ends when the clocks jump, at 03:00 CEST: not a second before,
// and a pass is due then.
func TestScheduleAcrossDST(t *testing.T) {
	f := newFixture(t)
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Preset: "Deployments", Columns: []sync.ColumnConfig{
		{Header: "Namespace"}, {Header: "Name"}, {Header: "Replicas"}, {Header: "Uptime"}, {Header: "Sync"}}}}
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC)) // 00:30 CET, Sunday
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil),
		StatePath: f.statePath, Logger: discard, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	f.edit(mapping.DeploymentsTab, "web", map[string]string{"Uptime": "Sun 00:00-02:30 Europe/Berlin"})
	f.pass(e)
	clk.SetTime(time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC)) // 01:59:59 CET
	f.pass(e)
	if *f.get("web").Spec.Replicas != 3 {
		t.Fatal("down before the clocks jumped")
	}
	clk.SetTime(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) // 03:00 CEST
	if !e.SheetChanged(context.Background()) {
		t.Fatal("no pass due at the boundary")
	}
	f.pass(e)
	f.waitReplicas("web", 0)
}

// TestScheduleLeavesAutoscaledTargets: a deployment an HPA scales is not scaled by its
// schedule (the autoscaler would scale it right back); Sync says so and what to do.
func TestScheduleLeavesAutoscaledTargets(t *testing.T) {
	f := newFixture(t)
	if _, err := f.cs.AutoscalingV2().HorizontalPodAutoscalers("shop").Create(f.ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "api-hpa"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MaxReplicas: 5,
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Preset: "Deployments", Columns: []sync.ColumnConfig{
		{Header: "Namespace"}, {Header: "Name"}, {Header: "Replicas"}, {Header: "Uptime"}, {Header: "Sync"}}}}
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.viewOf(tabs), Writer: kube.NewApplier(f.cs, nil),
		StatePath: f.statePath, Logger: discard, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	f.edit(mapping.DeploymentsTab, "api", map[string]string{"Uptime": "never"})
	f.edit(mapping.DeploymentsTab, "web", map[string]string{"Uptime": "never"})
	f.pass(e)
	f.pass(e)
	if *f.get("api").Spec.Replicas != 2 {
		t.Fatal("the schedule scaled an autoscaler's target")
	}
	if s := cell(t, f.read(), mapping.DeploymentsTab, "api", mapping.Sync); !strings.Contains(s, "autoscaler api-hpa scales this deployment") {
		t.Fatalf("Sync = %q, want the autoscaler named", s)
	}
	f.waitReplicas("web", 0) // the other deployment follows its schedule
}

func summaryCell(t *testing.T, b *sheets.Book, namespace, header string) string {
	t.Helper()
	sum := b.Tab(sync.SummaryTab)
	col := slices.Index(sum.Header, header)
	if col < 0 {
		t.Fatalf("Summary has no %q: %q", header, sum.Header)
	}
	for _, r := range sum.Rows {
		if r[0] == namespace {
			return r[col]
		}
	}
	t.Fatalf("Summary has no row %s", namespace)
	return ""
}

// TestScheduleInEnforceMode: in reconcile.mode enforce the scheduled count is the desired
// value while an object is down: a scale from outside during the night is reported as drift
// and the scheduled reconcile sets it back to the Off Replicas; in the morning the schedule
// brings it up and enforce then keeps the day's count.
func TestScheduleInEnforceMode(t *testing.T) {
	f := newFixture(t)
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)) // Monday noon
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Preset: "Deployments", Columns: []sync.ColumnConfig{
		{Header: "Namespace"}, {Header: "Name"}, {Header: "Replicas"}, {Header: "Uptime"}, {Header: "Off Replicas"}, {Header: "Sync"}}}}
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil),
		StatePath: f.statePath, Logger: discard, Clock: clk, Enforce: true})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	f.edit(mapping.DeploymentsTab, "web", map[string]string{"Uptime": "Mon-Fri 08:00-18:00 UTC", "Off Replicas": "1"})
	f.pass(e)
	clk.SetTime(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC))
	f.pass(e)
	f.waitReplicas("web", 1)
	f.pass(e) // the sheet shows the night's count

	f.scale("web", 5) // kubectl scale during the night
	f.pass(e)
	if s := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "drift: Replicas is 5 in the cluster") {
		t.Fatalf("Sync = %q, want the drift from the night's count reported", s)
	}
	f.refresh(e)
	if got := *f.get("web").Spec.Replicas; got != 1 {
		t.Fatalf("the scheduled reconcile left web at %d, want the Off Replicas 1", got)
	}

	// Morning: up to the count it had before the night, and enforce keeps that.
	clk.SetTime(time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC))
	f.pass(e)
	f.waitReplicas("web", 3)
	f.pass(e)
	f.refresh(e)
	if got := *f.get("web").Spec.Replicas; got != 3 {
		t.Fatalf("enforce moved web to %d after the morning scale-up, want 3", got)
	}
}
