package apiserver_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/sheetops/sheetops/apiserver/controllers"
)

// TestCronJobRunsOnItsClock: with the controllers' clock set to just past a schedule time,
// a new cron job starts that time's job at once; the job's pod runs to completion and the
// cron job records it (active, lastScheduleTime, then lastSuccessfulTime).
func TestCronJobRunsOnItsClock(t *testing.T) {
	// the next 5-minute mark at least a minute away, plus 10 s: the cron job created now has
	// exactly one unmet time on the controllers' clock
	due := time.Now().Add(time.Minute).Truncate(5 * time.Minute).Add(5 * time.Minute)
	offset := due.Add(10 * time.Second).Sub(time.Now())
	srv := startCluster(t, controllers.Options{StartDelay: 20 * time.Millisecond, TerminationDelay: 50 * time.Millisecond, Workers: 2,
		Now: func() time.Time { return time.Now().Add(offset) }})
	cs := clientset(t, srv)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cron"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cj, err := cs.BatchV1().CronJobs("cron").Create(ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "report"},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure,
				Containers: []corev1.Container{{Name: "report", Image: "busybox:1.36"}}}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := "report-" + strconv.FormatInt(due.Unix()/60, 10)
	var last string
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		j, err := cs.BatchV1().Jobs("cron").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		c, err := cs.BatchV1().CronJobs("cron").Get(ctx, "report", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = fmt.Sprintf("job conditions %v, cron job status %+v", j.Status.Conditions, c.Status)
		return c.Status.LastSuccessfulTime != nil && len(c.Status.Active) == 0, nil
	})
	if err != nil {
		t.Fatalf("waiting for job %s to run and the cron job to record it: %v; last: %s", name, err, last)
	}
	j, err := cs.BatchV1().Jobs("cron").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.GetControllerOf(j)
	if ref == nil || ref.UID != cj.UID || j.Annotations[batchv1.CronJobScheduledTimestampAnnotation] != due.UTC().Format(time.RFC3339) || j.Status.Succeeded != 1 {
		t.Errorf("job %s: controller %+v annotations %v succeeded %d", name, ref, j.Annotations, j.Status.Succeeded)
	}
	c, err := cs.BatchV1().CronJobs("cron").Get(ctx, "report", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status.LastScheduleTime == nil || !c.Status.LastScheduleTime.Time.Equal(due) {
		t.Errorf("lastScheduleTime %v, want %v", c.Status.LastScheduleTime, due)
	}
	jobs, err := cs.BatchV1().Jobs("cron").List(ctx, metav1.ListOptions{})
	if err != nil || len(jobs.Items) != 1 {
		t.Errorf("jobs: %d (%v), want exactly one", len(jobs.Items), err)
	}
}
