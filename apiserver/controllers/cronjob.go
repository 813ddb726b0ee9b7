package controllers

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

var cronJobKind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// cronJobNextDelta is how long after a schedule time the controller looks again: the time
// itself plus a little, as upstream's nextScheduleDelta.
const cronJobNextDelta = 100 * time.Millisecond

// tooManyMissed is upstream's limit of missed schedule times before it warns.
const tooManyMissed = 100

// cronJobController is upstream's cronjob controller (v2): at each time of spec.schedule
// (robfig/cron's standard syntax with @hourly and friends, in spec.timeZone or the
// controller's local time) it creates a Job "<cronjob>-<scheduled time in minutes since the
// epoch>" from spec.jobTemplate, owned by the cron job and annotated with
// batch.kubernetes.io/cronjob-scheduled-timestamp; only the most recent missed time runs,
// and not at all past spec.startingDeadlineSeconds. It honours suspend and
// concurrencyPolicy (Allow, Forbid: skip while a job runs, Replace: delete the running ones
// first), keeps status.active, lastScheduleTime and lastSuccessfulTime, and deletes the
// oldest finished jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. Time
// comes from now, so tests step a fake clock.
type cronJobController struct {
	client     kubernetes.Interface
	cronLister batchlisters.CronJobLister
	jobIndexer cache.Indexer
	queue      workqueue.TypedRateLimitingInterface[string]
	loop       *workLoop
	log        *slog.Logger
	now        func() time.Time
}

func newCronJobController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger, now func() time.Time) *cronJobController {
	if now == nil {
		now = time.Now
	}
	cronInformer := factory.Batch().V1().CronJobs()
	jobInformer := factory.Batch().V1().Jobs()
	addControllerUIDIndex(jobInformer.Informer())
	c := &cronJobController{
		client: client, cronLister: cronInformer.Lister(), jobIndexer: jobInformer.Informer().GetIndexer(),
		queue: newQueue("cronjob"), log: log, now: now,
	}
	cronInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.queue.Add(keyOf(obj)) },
		UpdateFunc: func(_, cur any) { c.queue.Add(keyOf(cur)) },
	})
	jobEvent := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		job, ok := obj.(*batchv1.Job)
		if !ok {
			return
		}
		if ref := metav1.GetControllerOf(job); ref != nil && ref.Kind == cronJobKind.Kind && ref.APIVersion == batchv1.SchemeGroupVersion.String() {
			c.queue.Add(job.Namespace + "/" + ref.Name)
		}
	}
	jobInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    jobEvent,
		UpdateFunc: func(_, cur any) { jobEvent(cur) },
		DeleteFunc: jobEvent,
	})
	c.loop = &workLoop{
		queue: c.queue, log: log,
		sync: func(ctx context.Context, key string) error {
			after, err := c.sync(ctx, key)
			if err == nil && after > 0 {
				c.queue.AddAfter(key, after)
			}
			return err
		},
		synced: []cache.InformerSynced{cronInformer.Informer().HasSynced, jobInformer.Informer().HasSynced},
	}
	return c
}

func (c *cronJobController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

// sync brings one cron job up to date and says when to look at it again (0: only on change).
func (c *cronJobController) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cj, err := c.cronLister.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	objs, err := c.jobIndexer.ByIndex(controllerUIDIndex, string(cj.UID))
	if err != nil {
		return 0, err
	}
	jobs := make([]*batchv1.Job, 0, len(objs))
	for _, o := range objs {
		jobs = append(jobs, o.(*batchv1.Job))
	}
	next := cj.DeepCopy()
	changed := c.cleanupFinished(ctx, next, jobs)
	after, changedBySync, syncErr := c.syncCronJob(ctx, next, jobs)
	if changed || changedBySync {
		if _, err := c.client.BatchV1().CronJobs(ns).UpdateStatus(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName}); err != nil {
			return 0, err
		}
	}
	return after, syncErr
}

// jobFinished is the Complete or Failed condition type of a finished job, or "".
func jobFinished(j *batchv1.Job) batchv1.JobConditionType {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type
		}
	}
	return ""
}

func inActive(cj *batchv1.CronJob, uid types.UID) bool {
	for _, r := range cj.Status.Active {
		if r.UID == uid {
			return true
		}
	}
	return false
}

func removeActive(cj *batchv1.CronJob, uid types.UID) {
	active := []corev1.ObjectReference{}
	for _, r := range cj.Status.Active {
		if r.UID != uid {
			active = append(active, r)
		}
	}
	cj.Status.Active = active
}

// cleanupFinished deletes the oldest finished jobs beyond the history limits; it reports
// whether the status changed.
func (c *cronJobController) cleanupFinished(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) bool {
	var succeeded, failed []*batchv1.Job
	for _, j := range jobs {
		switch jobFinished(j) {
		case batchv1.JobComplete:
			succeeded = append(succeeded, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	changed := false
	for _, set := range []struct {
		jobs  []*batchv1.Job
		limit *int32
	}{{succeeded, cj.Spec.SuccessfulJobsHistoryLimit}, {failed, cj.Spec.FailedJobsHistoryLimit}} {
		if set.limit == nil || len(set.jobs) <= int(*set.limit) {
			continue
		}
		sortByStartTime(set.jobs)
		for _, j := range set.jobs[:len(set.jobs)-int(*set.limit)] {
			if c.deleteJob(ctx, cj, j) == nil {
				changed = true
			}
		}
	}
	return changed
}

// sortByStartTime orders jobs oldest first, those not started last (upstream's byJobStartTime).
func sortByStartTime(jobs []*batchv1.Job) {
	sort.SliceStable(jobs, func(a, b int) bool {
		x, y := jobs[a].Status.StartTime, jobs[b].Status.StartTime
		switch {
		case x == nil && y != nil:
			return false
		case x != nil && y == nil:
			return true
		case x.Equal(y):
			return jobs[a].Name < jobs[b].Name
		}
		return x.Before(y)
	})
}

// deleteJob deletes a job in the background (its pods follow) and drops it from active.
func (c *cronJobController) deleteJob(ctx context.Context, cj *batchv1.CronJob, j *batchv1.Job) error {
	policy := metav1.DeletePropagationBackground
	err := c.client.BatchV1().Jobs(j.Namespace).Delete(ctx, j.Name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if err != nil && !apierrors.IsNotFound(err) {
		c.log.Info("delete job failed", "cronjob", cj.Namespace+"/"+cj.Name, "job", j.Name, "err", err)
		return err
	}
	removeActive(cj, j.UID)
	return nil
}

// cronSchedule parses the cron job's schedule in its time zone, as upstream: a schedule
// that names its own CRON_TZ or TZ wins over spec.timeZone.
func cronSchedule(cj *batchv1.CronJob) (cron.Schedule, error) {
	spec := cj.Spec.Schedule
	if !strings.Contains(spec, "TZ") && cj.Spec.TimeZone != nil {
		spec = "TZ=" + *cj.Spec.TimeZone + " " + spec
	}
	return parseCron(spec)
}

// parseCron is cron.ParseStandard with its panics (which some inputs cause) turned into errors.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unparseable schedule %q: %v", spec, r)
		}
	}()
	return cron.ParseStandard(spec)
}

// mostRecentSchedule is upstream's mostRecentScheduleTime: the latest schedule time after
// the last one (or the creation) and not after now, or nil; many reports more than 100 missed.
// With the starting deadline, times older than it are not considered.
func mostRecentSchedule(cj *batchv1.CronJob, now time.Time, sched cron.Schedule, withDeadline bool) (earliest time.Time, recent *time.Time, missed int64, err error) {
	earliest = cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if withDeadline && cj.Spec.StartingDeadlineSeconds != nil {
		if deadline := now.Add(-time.Duration(*cj.Spec.StartingDeadlineSeconds) * time.Second); deadline.After(earliest) {
			earliest = deadline
		}
	}
	t1 := sched.Next(earliest)
	t2 := sched.Next(t1)
	if now.Before(t1) {
		return earliest, nil, 0, nil
	}
	if now.Before(t2) {
		return earliest, &t1, 1, nil
	}
	between := int64(t2.Sub(t1).Round(time.Second).Seconds())
	if between < 1 {
		return earliest, nil, 0, fmt.Errorf("time difference between two schedules is less than 1 second")
	}
	missed = int64(now.Sub(t1).Seconds())/between + 1
	var latest time.Time
	from := t1.Add(time.Duration((missed-2)*between) * time.Second)
	for t := sched.Next(from); !t.After(now); t = sched.Next(t) {
		latest = t
	}
	if latest.IsZero() {
		return earliest, nil, missed, nil
	}
	return earliest, &latest, missed, nil
}

// untilNext is how long until the schedule time after the most recent one (upstream's
// nextScheduleTimeDuration).
func untilNext(cj *batchv1.CronJob, now time.Time, sched cron.Schedule) time.Duration {
	earliest, recent, missed, err := mostRecentSchedule(cj, now, sched, false)
	from := now
	switch {
	case err != nil:
	case recent != nil:
		from = *recent
	case missed == 0:
		from = earliest
	}
	return sched.Next(from).Add(cronJobNextDelta).Sub(now)
}

// cronJobName is upstream's name of the job of a schedule time: "<cronjob>-<minutes since the epoch>".
func cronJobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// jobFromCronJob is the job a cron job starts for a schedule time.
func jobFromCronJob(cj *batchv1.CronJob, scheduled time.Time) (*batchv1.Job, error) {
	loc := time.UTC // upstream loads the location "" when no time zone is given: UTC
	if cj.Spec.TimeZone != nil {
		l, err := time.LoadLocation(*cj.Spec.TimeZone)
		if err != nil {
			return nil, err
		}
		loc = l
	}
	annotations := cloneMap(cj.Spec.JobTemplate.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = scheduled.In(loc).Format(time.RFC3339)
	labels := cloneMap(cj.Spec.JobTemplate.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: cronJobName(cj, scheduled), Namespace: cj.Namespace, Labels: labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)},
		},
	}
	cj.Spec.JobTemplate.Spec.DeepCopyInto(&job.Spec)
	return job, nil
}

func jobReference(j *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Job", APIVersion: batchv1.SchemeGroupVersion.String(),
		Namespace: j.Namespace, Name: j.Name, UID: j.UID, ResourceVersion: j.ResourceVersion}
}

// syncCronJob is upstream's syncCronJob: it updates cj's status in place from its jobs,
// starts the job of the most recent unmet schedule time, and says when to look again.
func (c *cronJobController) syncCronJob(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (time.Duration, bool, error) {
	now := c.now()
	changed := false
	children := map[types.UID]bool{}
	for _, j := range jobs {
		children[j.UID] = true
		found := inActive(cj, j.UID)
		finished := jobFinished(j)
		if finished == "" {
			continue // a job the status does not list yet: upstream leaves it alone too
		}
		if found {
			removeActive(cj, j.UID)
			changed = true
		}
		if finished == batchv1.JobComplete && j.Status.CompletionTime != nil &&
			(cj.Status.LastSuccessfulTime == nil || j.Status.CompletionTime.After(cj.Status.LastSuccessfulTime.Time)) {
			cj.Status.LastSuccessfulTime = j.Status.CompletionTime
			changed = true
		}
	}
	for _, r := range cj.Status.Active {
		if children[r.UID] {
			continue
		}
		// not in the cache: ask the server before believing it gone
		if _, err := c.client.BatchV1().Jobs(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			removeActive(cj, r.UID)
			changed = true
		} else if err != nil {
			return 0, changed, err
		}
	}
	if cj.DeletionTimestamp != nil {
		return 0, changed, nil
	}
	log := c.log.With("cronjob", cj.Namespace+"/"+cj.Name)
	if cj.Spec.TimeZone != nil {
		if _, err := time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			log.Debug("not starting jobs: unknown time zone", "timeZone", *cj.Spec.TimeZone, "err", err)
			return 0, changed, nil
		}
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return 0, changed, nil
	}
	sched, err := cronSchedule(cj)
	if err != nil {
		log.Debug("not starting jobs: unparseable schedule", "schedule", cj.Spec.Schedule, "err", err)
		return 0, changed, nil
	}
	_, scheduled, missed, err := mostRecentSchedule(cj, now, sched, true)
	if err != nil {
		log.Debug("not starting jobs: invalid schedule", "schedule", cj.Spec.Schedule, "err", err)
		return 0, changed, nil
	}
	if scheduled == nil || scheduled.After(now) {
		return untilNext(cj, now, sched), changed, nil
	}
	if missed > tooManyMissed {
		log.Info("too many missed start times; set or decrease .spec.startingDeadlineSeconds or check clock skew", "missed", missed)
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && scheduled.Add(time.Duration(*d)*time.Second).Before(now) {
		log.Debug("missed the starting window", "scheduled", scheduled)
		return untilNext(cj, now, sched), changed, nil
	}
	name := cronJobName(cj, *scheduled)
	for _, r := range cj.Status.Active {
		if r.Name == name {
			return untilNext(cj, now, sched), changed, nil
		}
	}
	if cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Time.Equal(*scheduled) {
		return untilNext(cj, now, sched), changed, nil
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			log.Debug("not starting a job: the previous one still runs and the policy is Forbid")
			return untilNext(cj, now, sched), changed, nil
		}
	case batchv1.ReplaceConcurrent:
		for _, r := range append([]corev1.ObjectReference(nil), cj.Status.Active...) {
			j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: r.Name, UID: r.UID}}
			if err := c.deleteJob(ctx, cj, j); err != nil {
				return 0, changed, fmt.Errorf("replace job %s/%s: %w", r.Namespace, r.Name, err)
			}
			changed = true
		}
	}
	want, err := jobFromCronJob(cj, *scheduled)
	if err != nil {
		return 0, changed, err
	}
	job, err := c.client.BatchV1().Jobs(cj.Namespace).Create(ctx, want, metav1.CreateOptions{FieldManager: controllerManagerName})
	switch {
	case apierrors.IsAlreadyExists(err):
		// created before, but the status update was lost: list it again if it is ours
		job, err = c.client.BatchV1().Jobs(cj.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil {
			return 0, changed, err
		}
		if !metav1.IsControlledBy(job, cj) || inActive(cj, job.UID) {
			return 0, changed, nil
		}
	case err != nil:
		return 0, changed, fmt.Errorf("create job %s: %w", want.Name, err)
	default:
		log.Debug("created job", "job", job.Name, "scheduled", scheduled)
	}
	cj.Status.Active = append(cj.Status.Active, jobReference(job))
	cj.Status.LastScheduleTime = &metav1.Time{Time: *scheduled}
	return untilNext(cj, now, sched), true, nil
}
