package controllers

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
)

// cronFixture runs the cron job controller's sync against a fake clientset at a fake time:
// before each sync the controller's caches are filled from the clientset, so every step is
// deterministic.
type cronFixture struct {
	t      *testing.T
	client *fake.Clientset
	now    time.Time
}

func newCronFixture(t *testing.T, now time.Time) *cronFixture {
	return &cronFixture{t: t, client: fake.NewClientset(), now: now}
}

func (f *cronFixture) createCronJob(cj *batchv1.CronJob) {
	f.t.Helper()
	cj.Namespace = "ns"
	cj.UID = types.UID("uid-" + cj.Name)
	if cj.CreationTimestamp.IsZero() {
		cj.CreationTimestamp = metav1.NewTime(f.now)
	}
	if cj.Spec.ConcurrencyPolicy == "" {
		cj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if cj.Spec.SuccessfulJobsHistoryLimit == nil {
		cj.Spec.SuccessfulJobsHistoryLimit = ptrTo(int32(3))
	}
	if cj.Spec.FailedJobsHistoryLimit == nil {
		cj.Spec.FailedJobsHistoryLimit = ptrTo(int32(1))
	}
	if _, err := f.client.BatchV1().CronJobs("ns").Create(context.Background(), cj, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// sync runs one sync of the cron job at the fixture's time and returns when to look again.
func (f *cronFixture) sync(name string) time.Duration {
	f.t.Helper()
	ctx := context.Background()
	crons := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	cjs, err := f.client.BatchV1().CronJobs("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range cjs.Items {
		_ = crons.Add(&cjs.Items[i])
	}
	jobs := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{controllerUIDIndex: func(obj any) ([]string, error) {
		if ref := metav1.GetControllerOf(obj.(metav1.Object)); ref != nil {
			return []string{string(ref.UID)}, nil
		}
		return nil, nil
	}})
	for _, j := range f.jobs() {
		_ = jobs.Add(j)
	}
	c := &cronJobController{
		client: f.client, cronLister: batchlisters.NewCronJobLister(crons), jobIndexer: jobs,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return f.now },
	}
	after, err := c.sync(ctx, "ns/"+name)
	if err != nil {
		f.t.Fatalf("sync %s at %s: %v", name, f.now.Format(time.RFC3339), err)
	}
	return after
}

func (f *cronFixture) jobs() []*batchv1.Job {
	f.t.Helper()
	list, err := f.client.BatchV1().Jobs("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []*batchv1.Job
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out
}

func (f *cronFixture) jobNames() []string {
	var names []string
	for _, j := range f.jobs() {
		names = append(names, j.Name)
	}
	slices.Sort(names)
	return names
}

func (f *cronFixture) cronJob(name string) *batchv1.CronJob {
	f.t.Helper()
	cj, err := f.client.BatchV1().CronJobs("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return cj
}

// finish marks a job Complete (or Failed) at the fixture's time.
func (f *cronFixture) finish(name string, t batchv1.JobConditionType, started time.Time) {
	f.t.Helper()
	ctx := context.Background()
	j, err := f.client.BatchV1().Jobs("ns").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	j.Status.StartTime = &metav1.Time{Time: started}
	j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue})
	if t == batchv1.JobComplete {
		j.Status.CompletionTime = &metav1.Time{Time: f.now}
	}
	if _, err := f.client.BatchV1().Jobs("ns").UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func jobNameAt(cron string, t time.Time) string {
	return cronJobName(&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: cron}}, t)
}

func cronJobSpec(schedule string, policy batchv1.ConcurrencyPolicy) batchv1.CronJobSpec {
	return batchv1.CronJobSpec{Schedule: schedule, ConcurrencyPolicy: policy, JobTemplate: batchv1.JobTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "backup"}, Annotations: map[string]string{"team": "ops"}},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}}
}

var cronT0 = time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)

// TestCronJobRunsOnSchedule: no job before the first time; at it, a job with upstream's name,
// annotation, labels and owner; Forbid skips a time while it runs; once it completed, the
// next time runs and lastSuccessfulTime is set.
func TestCronJobRunsOnSchedule(t *testing.T) {
	f := newCronFixture(t, cronT0)
	f.createCronJob(&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "backup"}, Spec: cronJobSpec("*/5 * * * *", batchv1.ForbidConcurrent)})

	f.now = cronT0.Add(time.Minute)
	if after := f.sync("backup"); after != 3*time.Minute+30*time.Second+cronJobNextDelta {
		t.Errorf("before the first time: look again after %v, want 3m30.1s", after)
	}
	if names := f.jobNames(); len(names) != 0 {
		t.Fatalf("jobs %v before the first schedule time", names)
	}

	first := time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
	f.now = first.Add(10 * time.Second)
	if after := f.sync("backup"); after != 4*time.Minute+50*time.Second+cronJobNextDelta {
		t.Errorf("after the first job: look again after %v", after)
	}
	jobs := f.jobs()
	if len(jobs) != 1 {
		t.Fatalf("jobs %v, want one", f.jobNames())
	}
	j := jobs[0]
	ref := metav1.GetControllerOf(j)
	if j.Name != "backup-29453765" || j.Annotations[batchv1.CronJobScheduledTimestampAnnotation] != "2026-01-01T00:05:00Z" ||
		j.Annotations["team"] != "ops" || j.Labels["app"] != "backup" || ref == nil || ref.Kind != "CronJob" || ref.UID != "uid-backup" {
		t.Errorf("job %s: annotations %v labels %v controller %+v", j.Name, j.Annotations, j.Labels, ref)
	}
	cj := f.cronJob("backup")
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != j.Name || cj.Status.Active[0].Kind != "Job" ||
		cj.Status.LastScheduleTime == nil || !cj.Status.LastScheduleTime.Time.Equal(first) {
		t.Errorf("status %+v", cj.Status)
	}

	// Forbid: the 00:10 time passes while the job runs
	f.now = first.Add(5*time.Minute + 10*time.Second)
	f.sync("backup")
	if names := f.jobNames(); len(names) != 1 {
		t.Errorf("Forbid started another job while one runs: %v", names)
	}

	f.finish(j.Name, batchv1.JobComplete, first)
	f.now = first.Add(5*time.Minute + 20*time.Second)
	f.sync("backup")
	want := []string{"backup-29453765", jobNameAt("backup", first.Add(5*time.Minute))}
	if names := f.jobNames(); !slices.Equal(names, want) {
		t.Errorf("jobs %v, want %v", names, want)
	}
	cj = f.cronJob("backup")
	if cj.Status.LastSuccessfulTime == nil || !cj.Status.LastSuccessfulTime.Time.Equal(first.Add(5*time.Minute+10*time.Second).Truncate(time.Second)) ||
		len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != want[1] {
		t.Errorf("status after completion %+v", cj.Status)
	}
}

func TestCronJobPolicies(t *testing.T) {
	first := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC) // @hourly
	tests := []struct {
		name  string
		edit  func(*batchv1.CronJob)
		at    []time.Time // successive syncs
		jobs  []string    // jobs left at the end
		check func(t *testing.T, cj *batchv1.CronJob)
	}{{
		name: "Allow runs concurrently",
		edit: func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent },
		at:   []time.Time{first.Add(time.Second), first.Add(time.Hour + time.Second)},
		jobs: []string{jobNameAt("nightly", first), jobNameAt("nightly", first.Add(time.Hour))},
		check: func(t *testing.T, cj *batchv1.CronJob) {
			if len(cj.Status.Active) != 2 {
				t.Errorf("active %v, want two", cj.Status.Active)
			}
		},
	}, {
		name: "Replace deletes the running job",
		edit: func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = batchv1.ReplaceConcurrent },
		at:   []time.Time{first.Add(time.Second), first.Add(time.Hour + time.Second)},
		jobs: []string{jobNameAt("nightly", first.Add(time.Hour))},
		check: func(t *testing.T, cj *batchv1.CronJob) {
			if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != jobNameAt("nightly", first.Add(time.Hour)) {
				t.Errorf("active %v", cj.Status.Active)
			}
		},
	}, {
		name: "suspended",
		edit: func(cj *batchv1.CronJob) { cj.Spec.Suspend = ptrTo(true) },
		at:   []time.Time{first.Add(time.Second)},
	}, {
		name: "past the starting deadline",
		edit: func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptrTo(int64(30)) },
		at:   []time.Time{first.Add(time.Minute)},
		check: func(t *testing.T, cj *batchv1.CronJob) {
			if cj.Status.LastScheduleTime != nil {
				t.Errorf("lastScheduleTime %v for a missed time", cj.Status.LastScheduleTime)
			}
		},
	}, {
		name: "within the starting deadline",
		edit: func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptrTo(int64(120)) },
		at:   []time.Time{first.Add(time.Minute)},
		jobs: []string{jobNameAt("nightly", first)},
	}, {
		name: "only the most recent missed time runs",
		at:   []time.Time{first.Add(5*time.Hour + time.Minute)},
		jobs: []string{jobNameAt("nightly", first.Add(5*time.Hour))},
	}, {
		name: "time zone",
		edit: func(cj *batchv1.CronJob) {
			cj.Spec.Schedule = "0 2 * * *"
			cj.Spec.TimeZone = ptrTo("Europe/Berlin")
		},
		at:   []time.Time{time.Date(2026, 1, 1, 1, 0, 1, 0, time.UTC)}, // 02:00:01 in Berlin
		jobs: []string{jobNameAt("nightly", time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC))},
		check: func(t *testing.T, cj *batchv1.CronJob) {
			if cj.Status.LastScheduleTime == nil || !cj.Status.LastScheduleTime.Time.Equal(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)) {
				t.Errorf("lastScheduleTime %v", cj.Status.LastScheduleTime)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCronFixture(t, first.Add(-30*time.Minute))
			cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly"}, Spec: cronJobSpec("@hourly", "")}
			if tt.edit != nil {
				tt.edit(cj)
			}
			f.createCronJob(cj)
			for _, at := range tt.at {
				f.now = at
				f.sync("nightly")
			}
			if names := f.jobNames(); !slices.Equal(names, tt.jobs) {
				t.Errorf("jobs %v, want %v", names, tt.jobs)
			}
			if tt.check != nil {
				tt.check(t, f.cronJob("nightly"))
			}
		})
	}
}

// TestCronJobTimeZoneAnnotation: the scheduled timestamp is written in the cron job's zone.
func TestCronJobTimeZoneAnnotation(t *testing.T) {
	f := newCronFixture(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	f.createCronJob(&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tz"}, Spec: cronJobSpec("0 2 * * *", "")})
	cj := f.cronJob("tz")
	cj.Spec.TimeZone = ptrTo("Europe/Berlin")
	j, err := jobFromCronJob(cj, time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2026-01-01T02:00:00+01:00" {
		t.Errorf("annotation %q, want 2026-01-01T02:00:00+01:00", got)
	}
}

// TestCronJobHistoryLimits: the oldest finished jobs beyond the limits are deleted.
func TestCronJobHistoryLimits(t *testing.T) {
	f := newCronFixture(t, cronT0)
	f.createCronJob(&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "backup"}, Spec: cronJobSpec("0 0 1 1 *", "")})
	cj := f.cronJob("backup")
	for i, outcome := range []batchv1.JobConditionType{batchv1.JobComplete, batchv1.JobFailed, batchv1.JobComplete, batchv1.JobFailed,
		batchv1.JobComplete, batchv1.JobComplete, batchv1.JobFailed} {
		j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: jobNameAt("backup", cronT0.Add(time.Duration(i)*time.Hour)), Namespace: "ns",
			UID:             types.UID("job-" + string(rune('a'+i))),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)}}}
		if _, err := f.client.BatchV1().Jobs("ns").Create(context.Background(), j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		f.finish(j.Name, outcome, cronT0.Add(time.Duration(i)*time.Hour))
	}
	f.now = cronT0.Add(10 * time.Hour)
	f.sync("backup")
	want := []string{ // the three newest successes, the newest failure
		jobNameAt("backup", cronT0.Add(2*time.Hour)), jobNameAt("backup", cronT0.Add(4*time.Hour)),
		jobNameAt("backup", cronT0.Add(5*time.Hour)), jobNameAt("backup", cronT0.Add(6*time.Hour)),
	}
	slices.Sort(want)
	if names := f.jobNames(); !slices.Equal(names, want) {
		t.Errorf("jobs %v, want %v", names, want)
	}
}
