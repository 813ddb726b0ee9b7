package controllers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	stdsync "sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

var replicaSetKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

const (
	// burstReplicas is the most pods one sync of a replica set creates or deletes.
	burstReplicas = 500
	// statusUpdateRetries is how many times a status update is retried on a fresh copy before
	// the replica set is requeued.
	statusUpdateRetries = 1
	// controllerUIDIndex indexes pods and replica sets by the UID of their controller.
	controllerUIDIndex = "controllerUID"
)

// replicaSetController keeps the number of active pods of every replica set at
// spec.replicas, and reports their counts in its status, as upstream's ReplicaSetController.
type replicaSetController struct {
	client     kubernetes.Interface
	rsLister   appslisters.ReplicaSetLister
	rsIndexer  cache.Indexer
	podLister  corelisters.PodLister
	podIndexer cache.Indexer
	exp        *expectations
	queue      workqueue.TypedRateLimitingInterface[string]
	loop       *workLoop
	log        *slog.Logger
	now        func() time.Time
}

func newReplicaSetController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *replicaSetController {
	rsInformer := factory.Apps().V1().ReplicaSets()
	podInformer := factory.Core().V1().Pods()
	addControllerUIDIndex(rsInformer.Informer())
	addControllerUIDIndex(podInformer.Informer())
	c := &replicaSetController{
		client:     client,
		rsLister:   rsInformer.Lister(),
		rsIndexer:  rsInformer.Informer().GetIndexer(),
		podLister:  podInformer.Lister(),
		podIndexer: podInformer.Informer().GetIndexer(),
		exp:        newExpectations(nil),
		queue:      newQueue("replicaset"),
		log:        log,
		now:        time.Now,
	}
	rsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, cur any) { c.enqueue(cur) },
		DeleteFunc: func(obj any) {
			if key := keyOf(obj); key != "" {
				c.exp.forget(key)
				c.queue.Add(key)
			}
		},
	})
	podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	c.loop = &workLoop{
		queue: c.queue, sync: c.sync, log: log,
		synced: []cache.InformerSynced{rsInformer.Informer().HasSynced, podInformer.Informer().HasSynced},
	}
	return c
}

// addControllerUIDIndex indexes an informer's objects by the UID of their controller (once).
func addControllerUIDIndex(inf cache.SharedIndexInformer) {
	if _, ok := inf.GetIndexer().GetIndexers()[controllerUIDIndex]; ok {
		return
	}
	_ = inf.AddIndexers(cache.Indexers{controllerUIDIndex: func(obj any) ([]string, error) {
		m, ok := obj.(metav1.Object)
		if !ok {
			return nil, nil
		}
		if ref := metav1.GetControllerOf(m); ref != nil {
			return []string{string(ref.UID)}, nil
		}
		return nil, nil
	}})
}

func (c *replicaSetController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

func (c *replicaSetController) enqueue(obj any) {
	if key := keyOf(obj); key != "" {
		c.queue.Add(key)
	}
}

// resolve is the replica set ref points to, if the cache has it with that UID.
func (c *replicaSetController) resolve(namespace string, ref *metav1.OwnerReference) *appsv1.ReplicaSet {
	if ref == nil || ref.Kind != replicaSetKind.Kind || ref.APIVersion != replicaSetKind.GroupVersion().String() {
		return nil
	}
	rs, err := c.rsLister.ReplicaSets(namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// selecting are the replica sets whose selector matches an orphan pod.
func (c *replicaSetController) selecting(pod *corev1.Pod) []*appsv1.ReplicaSet {
	list, err := c.rsLister.ReplicaSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range list {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, rs)
	}
	return out
}

func (c *replicaSetController) addPod(obj any) {
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil {
		// Seen terminating already (a restart of the informer): a deletion, for expectations.
		c.deletePod(pod)
		return
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		if rs := c.resolve(pod.Namespace, ref); rs != nil {
			key := keyOf(rs)
			c.exp.creationObserved(key)
			c.queue.Add(key)
		}
		return
	}
	for _, rs := range c.selecting(pod) {
		c.enqueue(rs)
	}
}

func (c *replicaSetController) updatePod(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Pod), curObj.(*corev1.Pod)
	if old.ResourceVersion == cur.ResourceVersion {
		return // a resync
	}
	labelsChanged := !reflect.DeepEqual(old.Labels, cur.Labels)
	if cur.DeletionTimestamp != nil {
		// A pod marked for deletion counts as deleted: it is going, and its replacement should
		// not wait for the kubelet.
		c.deletePod(cur)
		if labelsChanged {
			c.deletePod(old)
		}
		return
	}
	curRef, oldRef := metav1.GetControllerOf(cur), metav1.GetControllerOf(old)
	refChanged := !reflect.DeepEqual(curRef, oldRef)
	if refChanged && oldRef != nil {
		if rs := c.resolve(old.Namespace, oldRef); rs != nil {
			c.enqueue(rs)
		}
	}
	if curRef != nil {
		rs := c.resolve(cur.Namespace, curRef)
		if rs == nil {
			return
		}
		c.enqueue(rs)
		// Check again once the pod has been ready for minReadySeconds, to count it available.
		if !isPodReady(old) && isPodReady(cur) && rs.Spec.MinReadySeconds > 0 {
			c.queue.AddAfter(keyOf(rs), time.Duration(rs.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if labelsChanged || refChanged {
		for _, rs := range c.selecting(cur) {
			c.enqueue(rs)
		}
	}
}

func (c *replicaSetController) deletePod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		tomb, ok := obj.(cache.DeletedFinalStateUnknown)
		if !ok {
			return
		}
		if pod, ok = tomb.Obj.(*corev1.Pod); !ok {
			return
		}
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return
	}
	rs := c.resolve(pod.Namespace, ref)
	if rs == nil {
		return
	}
	key := keyOf(rs)
	c.exp.deletionObserved(key, keyOf(pod))
	c.queue.Add(key)
}

func (c *replicaSetController) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.rsLister.ReplicaSets(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	rs := cached.DeepCopy()
	needsSync := c.exp.satisfied(key)
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		c.log.Warn("invalid selector, not syncing", "replicaset", key, "err", err)
		return nil
	}
	// All pods of the namespace: those that no longer match but still name this replica set
	// as their controller must be released.
	all, err := c.podLister.Pods(namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	owned, err := c.claimPods(ctx, rs, selector, activePods(all))
	if err != nil {
		return err
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = c.manageReplicas(ctx, owned, rs)
	}
	if errors.Is(manageErr, errOwnerGone) {
		c.log.Debug("replica set gone or being deleted, not creating pods for it", "replicaset", key)
		return nil
	}
	status := replicaSetStatus(rs, owned, manageErr, c.now())
	updated, err := c.updateStatus(ctx, rs, status)
	if err != nil {
		return errors.Join(manageErr, err)
	}
	if manageErr == nil && updated.Spec.MinReadySeconds > 0 && updated.Spec.Replicas != nil &&
		updated.Status.ReadyReplicas == *updated.Spec.Replicas && updated.Status.AvailableReplicas != *updated.Spec.Replicas {
		c.queue.AddAfter(key, time.Duration(updated.Spec.MinReadySeconds)*time.Second)
	}
	return manageErr
}

func (c *replicaSetController) claimPods(ctx context.Context, rs *appsv1.ReplicaSet, selector labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	cl := &claimer{
		owner: rs, ownerGVK: replicaSetKind, selector: selector,
		recheck: func(ctx context.Context) (metav1.Object, error) {
			return c.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
		},
		patch: func(ctx context.Context, namespace, name string, data []byte) error {
			_, err := c.client.CoreV1().Pods(namespace).Patch(ctx, name, types.StrategicMergePatchType, data, metav1.PatchOptions{FieldManager: controllerManagerName})
			return err
		},
	}
	var owned []*corev1.Pod
	var errs []error
	for _, pod := range pods {
		ok, err := cl.claim(ctx, pod)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			owned = append(owned, pod)
		}
	}
	return owned, errors.Join(errs...)
}

// manageReplicas creates or deletes pods so that rs has spec.replicas active pods, at most
// burstReplicas at a time, recording expectations first.
func (c *replicaSetController) manageReplicas(ctx context.Context, pods []*corev1.Pod, rs *appsv1.ReplicaSet) error {
	key := keyOf(rs)
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	diff := len(pods) - int(want)
	switch {
	case diff < 0:
		n := min(-diff, burstReplicas)
		if err := stillLive(ctx, rs, func(ctx context.Context) (metav1.Object, error) {
			return c.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
		}); err != nil {
			return err
		}
		c.exp.expectCreations(key, n)
		c.log.Debug("too few replicas", "replicaset", key, "need", want, "creating", n)
		ref := controllerRef(rs, replicaSetKind)
		created, err := slowStartBatch(n, 1, func() error {
			err := c.createPod(ctx, rs, ref)
			if err != nil && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil // every create will fail; the namespace is going anyway
			}
			return err
		})
		// The informer will never report the pods not created.
		for range n - created {
			c.exp.creationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, burstReplicas)
		c.log.Debug("too many replicas", "replicaset", key, "need", want, "deleting", n)
		victims := podsToDelete(pods, c.relatedPods(rs), n, c.now())
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = keyOf(p)
		}
		c.exp.expectDeletions(key, keys)
		var mu stdsync.Mutex
		var errs []error
		var wg stdsync.WaitGroup
		for _, p := range victims {
			wg.Go(func() {
				err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
				if err == nil {
					return
				}
				c.exp.deletionObserved(key, keyOf(p))
				if !apierrors.IsNotFound(err) {
					mu.Lock()
					errs = append(errs, fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err))
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return nil
}

func (c *replicaSetController) createPod(ctx context.Context, rs *appsv1.ReplicaSet, ref *metav1.OwnerReference) error {
	pod := podFromTemplate(&rs.Spec.Template, rs, ref)
	if len(pod.Labels) == 0 {
		return errors.New("unable to create pods, no labels")
	}
	_, err := c.client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{FieldManager: controllerManagerName})
	return err
}

// relatedPods are the pods of every replica set with the same controller as rs (the pods of
// its deployment), or of rs alone when it has no controller.
func (c *replicaSetController) relatedPods(rs *appsv1.ReplicaSet) []*corev1.Pod {
	owners := []types.UID{rs.UID}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		siblings, _ := c.rsIndexer.ByIndex(controllerUIDIndex, string(ref.UID))
		owners = owners[:0]
		for _, o := range siblings {
			owners = append(owners, o.(*appsv1.ReplicaSet).UID)
		}
	}
	var out []*corev1.Pod
	seen := map[types.UID]bool{}
	for _, uid := range owners {
		objs, _ := c.podIndexer.ByIndex(controllerUIDIndex, string(uid))
		for _, o := range objs {
			p := o.(*corev1.Pod)
			if !seen[p.UID] {
				seen[p.UID] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// slowStartBatch calls fn count times in batches of 1, 2, 4, … in parallel, stopping after the
// first batch with a failure, so that a failing create fails once rather than count times. It
// returns how many calls succeeded.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining, successes := count, 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errCh := make(chan error, batch)
		var wg stdsync.WaitGroup
		for range batch {
			wg.Go(func() {
				if err := fn(); err != nil {
					errCh <- err
				}
			})
		}
		wg.Wait()
		successes += batch - len(errCh)
		if len(errCh) > 0 {
			return successes, <-errCh
		}
		remaining -= batch
	}
	return successes, nil
}

// replicaSetStatus is the status rs should report for its active pods, as upstream's
// calculateStatus: a ReplicaFailure condition while creating or deleting pods fails.
func replicaSetStatus(rs *appsv1.ReplicaSet, pods []*corev1.Pod, manageErr error, now time.Time) appsv1.ReplicaSetStatus {
	status := *rs.Status.DeepCopy()
	templateLabels := labels.Set(rs.Spec.Template.Labels).AsSelectorPreValidated()
	var fully, ready, available int32
	for _, p := range pods {
		if templateLabels.Matches(labels.Set(p.Labels)) {
			fully++
		}
		if isPodReady(p) {
			ready++
			if isPodAvailable(p, rs.Spec.MinReadySeconds, now) {
				available++
			}
		}
	}
	failure := replicaSetCondition(rs.Status, appsv1.ReplicaSetReplicaFailure)
	switch {
	case manageErr != nil && failure == nil:
		reason := ""
		want := int32(1)
		if rs.Spec.Replicas != nil {
			want = *rs.Spec.Replicas
		}
		if diff := len(pods) - int(want); diff < 0 {
			reason = "FailedCreate"
		} else if diff > 0 {
			reason = "FailedDelete"
		}
		status.Conditions = append(withoutReplicaSetCondition(status.Conditions, appsv1.ReplicaSetReplicaFailure), appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: reason, Message: manageErr.Error(),
			LastTransitionTime: metav1.NewTime(now),
		})
	case manageErr == nil && failure != nil:
		status.Conditions = withoutReplicaSetCondition(status.Conditions, appsv1.ReplicaSetReplicaFailure)
	}
	status.Replicas = int32(len(pods))
	status.FullyLabeledReplicas = fully
	status.ReadyReplicas = ready
	status.AvailableReplicas = available
	return status
}

func replicaSetCondition(status appsv1.ReplicaSetStatus, t appsv1.ReplicaSetConditionType) *appsv1.ReplicaSetCondition {
	for i := range status.Conditions {
		if status.Conditions[i].Type == t {
			return &status.Conditions[i]
		}
	}
	return nil
}

func withoutReplicaSetCondition(conds []appsv1.ReplicaSetCondition, t appsv1.ReplicaSetConditionType) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	for _, c := range conds {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

// updateStatus writes status (with observedGeneration) unless nothing changed, retrying once
// on a fresh copy.
func (c *replicaSetController) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error) {
	if rs.Status.Replicas == status.Replicas &&
		rs.Status.FullyLabeledReplicas == status.FullyLabeledReplicas &&
		rs.Status.ReadyReplicas == status.ReadyReplicas &&
		rs.Status.AvailableReplicas == status.AvailableReplicas &&
		rs.Generation == rs.Status.ObservedGeneration &&
		reflect.DeepEqual(rs.Status.Conditions, status.Conditions) {
		return rs, nil
	}
	status.ObservedGeneration = rs.Generation
	client := c.client.AppsV1().ReplicaSets(rs.Namespace)
	for i := 0; ; i++ {
		rs.Status = status
		updated, err := client.UpdateStatus(ctx, rs, metav1.UpdateOptions{FieldManager: controllerManagerName})
		if err == nil {
			return updated, nil
		}
		if i >= statusUpdateRetries {
			return nil, fmt.Errorf("update status of replica set %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		if rs, err = client.Get(ctx, rs.Name, metav1.GetOptions{}); err != nil {
			return nil, err
		}
	}
}
