package controllers_test

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newJob(t *testing.T, ns, name, image string, completions, parallelism, backoffLimit int32) {
	t.Helper()
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Completions: &completions, Parallelism: &parallelism, BackoffLimit: &backoffLimit,
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "work", Image: image}}}},
		},
	}
	if _, err := cluster.client.BatchV1().Jobs(ns).Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func jobHas(ns, name string, t batchv1.JobConditionType) func(ctx context.Context) (bool, string, error) {
	return func(ctx context.Context) (bool, string, error) {
		j, err := cluster.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		for _, c := range j.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("status %+v", j.Status), nil
	}
}

// TestJobRunsToCompletion: a job's pods run and complete, parallelism at a time, until
// its completions succeeded; the job then reports Complete as upstream's does.
func TestJobRunsToCompletion(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newJob(t, ns, "batch", "busybox:1.36", 3, 2, 6)
	waitFor(t, "the job to complete", jobHas(ns, "batch", batchv1.JobComplete))
	j, err := cluster.client.BatchV1().Jobs(ns).Get(ctx, "batch", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status.Succeeded != 3 || j.Status.Active != 0 || j.Status.Failed != 0 || j.Status.StartTime == nil || j.Status.CompletionTime == nil {
		t.Errorf("status %+v", j.Status)
	}
	var types []string
	for _, c := range j.Status.Conditions {
		types = append(types, fmt.Sprintf("%s/%s/%s", c.Type, c.Reason, c.Message))
	}
	want := []string{
		"SuccessCriteriaMet/CompletionsReached/Reached expected number of succeeded pods",
		"Complete/CompletionsReached/Reached expected number of succeeded pods",
	}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("conditions %v, want %v", types, want)
	}
	pods, err := cluster.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "job-name=batch"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 3 {
		t.Errorf("%d pods, want 3", len(pods.Items))
	}
	for _, p := range pods.Items {
		ref := metav1.GetControllerOf(&p)
		if p.Status.Phase != corev1.PodSucceeded || ref == nil || ref.UID != j.UID {
			t.Errorf("pod %s: phase %s, controller %+v", p.Name, p.Status.Phase, ref)
		}
	}
}

// TestJobFails: pods that fail past the backoff limit fail the job.
func TestJobFails(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	newJob(t, ns, "broken", "example/crashloop:1", 1, 1, 1)
	waitFor(t, "the job to fail", jobHas(ns, "broken", batchv1.JobFailed))
	j, err := cluster.client.BatchV1().Jobs(ns).Get(context.Background(), "broken", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status.Failed != 2 || j.Status.Succeeded != 0 {
		t.Errorf("status: failed %d succeeded %d, want 2 and 0", j.Status.Failed, j.Status.Succeeded)
	}
	for _, c := range j.Status.Conditions {
		if c.Reason != batchv1.JobReasonBackoffLimitExceeded || c.Message != "Job has reached the specified backoff limit" {
			t.Errorf("condition %+v", c)
		}
	}
}
