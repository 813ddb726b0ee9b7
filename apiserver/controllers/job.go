package controllers

import (
	"context"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// jobController is upstream's job controller reduced to NonIndexed jobs: it runs
// spec.parallelism pods at a time (never more than the completions still missing) until
// spec.completions of them succeeded, or until more than spec.backoffLimit failed, and
// reports it as upstream does (active, ready, succeeded, failed, startTime,
// completionTime; SuccessCriteriaMet then Complete, or FailureTarget then Failed, with
// upstream's reasons and messages). A suspended job gets no pods. The simulated kubelet
// runs a pod whose restartPolicy is Never or OnFailure to completion.
type jobController struct {
	client     kubernetes.Interface
	jobLister  batchlisters.JobLister
	podIndexer cache.Indexer
	exp        *expectations
	queue      workqueue.TypedRateLimitingInterface[string]
	loop       *workLoop
	now        func() time.Time
}

func newJobController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *jobController {
	jobInformer := factory.Batch().V1().Jobs()
	podInformer := factory.Core().V1().Pods()
	addControllerUIDIndex(podInformer.Informer())
	c := &jobController{
		client: client, jobLister: jobInformer.Lister(), podIndexer: podInformer.Informer().GetIndexer(),
		exp: newExpectations(nil), queue: newQueue("job"), now: time.Now,
	}
	jobInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.queue.Add(keyOf(obj)) },
		UpdateFunc: func(_, cur any) { c.queue.Add(keyOf(cur)) },
		DeleteFunc: func(obj any) {
			if key := keyOf(obj); key != "" {
				c.exp.forget(key)
			}
		},
	})
	podEvent := func(obj any, created bool) {
		pod, ok := podOf(obj)
		if !ok {
			return
		}
		ref := metav1.GetControllerOf(pod)
		if ref == nil || ref.Kind != "Job" || ref.APIVersion != batchv1.SchemeGroupVersion.String() {
			return
		}
		key := pod.Namespace + "/" + ref.Name
		if created {
			c.exp.creationObserved(key)
		}
		c.queue.Add(key)
	}
	podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { podEvent(obj, true) },
		UpdateFunc: func(_, cur any) { podEvent(cur, false) },
		DeleteFunc: func(obj any) { podEvent(obj, false) },
	})
	c.loop = &workLoop{
		queue: c.queue, sync: c.sync, log: log,
		synced: []cache.InformerSynced{jobInformer.Informer().HasSynced, podInformer.Informer().HasSynced},
	}
	return c
}

func (c *jobController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t && j.Status.Conditions[i].Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func (c *jobController) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	job, err := c.jobLister.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if job.DeletionTimestamp != nil || jobCondition(job, batchv1.JobComplete) != nil || jobCondition(job, batchv1.JobFailed) != nil {
		return nil
	}
	objs, err := c.podIndexer.ByIndex(controllerUIDIndex, string(job.UID))
	if err != nil {
		return err
	}
	var active, ready, succeeded, failed int32
	var activePods []*corev1.Pod
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		switch {
		case pod.Status.Phase == corev1.PodSucceeded:
			succeeded++
		case pod.Status.Phase == corev1.PodFailed:
			failed++
		case pod.DeletionTimestamp == nil:
			active++
			activePods = append(activePods, pod)
			if isPodReady(pod) {
				ready++
			}
		}
	}
	now := metav1.NewTime(c.now().Truncate(time.Second))
	st := job.Status.DeepCopy()
	suspended := job.Spec.Suspend != nil && *job.Spec.Suspend
	if st.StartTime == nil && !suspended {
		st.StartTime = &now
	}
	completions := int32(1)
	if job.Spec.Completions != nil {
		completions = *job.Spec.Completions
	}
	parallelism := int32(1)
	if job.Spec.Parallelism != nil {
		parallelism = *job.Spec.Parallelism
	}
	backoffLimit := int32(6)
	if job.Spec.BackoffLimit != nil {
		backoffLimit = *job.Spec.BackoffLimit
	}
	setCondition := func(t batchv1.JobConditionType, reason, message string) {
		if jobCondition(&batchv1.Job{Status: *st}, t) != nil {
			return
		}
		st.Conditions = append(st.Conditions, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue,
			LastProbeTime: now, LastTransitionTime: now, Reason: reason, Message: message})
	}
	switch {
	case failed > backoffLimit:
		// as upstream: FailureTarget while pods still run, Failed once none does
		for _, p := range activePods {
			if err := c.client.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
		setCondition(batchv1.JobFailureTarget, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit")
		if active == 0 {
			setCondition(batchv1.JobFailed, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit")
		}
	case succeeded >= completions && (job.Spec.Completions != nil || active == 0):
		setCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, "Reached expected number of succeeded pods")
		if active == 0 {
			setCondition(batchv1.JobComplete, batchv1.JobReasonCompletionsReached, "Reached expected number of succeeded pods")
			st.CompletionTime = &now
		}
	case suspended:
	case c.exp.satisfied(key):
		want := min(parallelism, completions-succeeded) - active
		if job.Spec.Completions == nil && succeeded > 0 {
			want = 0 // a work queue job: done when one pod succeeded and the others stop
		}
		if want > 0 {
			c.exp.expectCreations(key, int(want))
			for range want {
				if err := c.createPod(ctx, job); err != nil {
					c.exp.creationObserved(key)
					return err
				}
			}
			active += want
		}
	}
	st.Active, st.Ready, st.Succeeded, st.Failed = active, &ready, succeeded, failed
	st.Terminating = ptrTo(int32(0))
	if st.UncountedTerminatedPods == nil {
		st.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	if semanticStatusEqual(&job.Status, st) {
		return nil
	}
	next := job.DeepCopy()
	next.Status = *st
	_, err = c.client.BatchV1().Jobs(ns).UpdateStatus(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName})
	return err
}

func semanticStatusEqual(a, b *batchv1.JobStatus) bool {
	return equality.Semantic.DeepEqual(a, b)
}

// createPod creates one pod of the job's template, owned by the job.
func (c *jobController) createPod(ctx context.Context, job *batchv1.Job) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: job.Name + "-", Namespace: job.Namespace,
			Labels: job.Spec.Template.Labels, Annotations: job.Spec.Template.Annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *job.Spec.Template.Spec.DeepCopy(),
	}
	_, err := c.client.CoreV1().Pods(job.Namespace).Create(ctx, pod, metav1.CreateOptions{FieldManager: controllerManagerName})
	return err
}
