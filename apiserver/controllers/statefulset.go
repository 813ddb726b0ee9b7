package controllers

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Labels upstream's statefulset controller puts on its pods.
const (
	statefulSetPodNameLabel = "statefulset.kubernetes.io/pod-name"
	podIndexLabel           = "apps.kubernetes.io/pod-index"
	controllerRevisionLabel = appsv1.ControllerRevisionHashLabelKey
)

// statefulSetController is upstream's statefulset controller reduced to what users see:
// pods with stable names "<set>-<ordinal>" (from spec.ordinals.start), hostname the pod's
// name and subdomain spec.serviceName; with OrderedReady, a pod is created only when every
// lower ordinal runs and is ready, and scaling down removes the highest ordinal first, one
// at a time; Parallel does both at once. A template change is a new revision (a
// ControllerRevision "<set>-<hash>" and the controller-revision-hash label): with
// RollingUpdate, pods of the old revision are replaced from the highest ordinal down to
// spec.updateStrategy.rollingUpdate.partition, one at a time once the others are ready; with
// OnDelete only when deleted. Status as upstream's, so that kubectl rollout status sts
// finishes. Volume claim templates get no claims (the engine has no volumes).
type statefulSetController struct {
	client     kubernetes.Interface
	setLister  appslisters.StatefulSetLister
	podIndexer cache.Indexer
	queue      workqueue.TypedRateLimitingInterface[string]
	loop       *workLoop
}

func newStatefulSetController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *statefulSetController {
	setInformer := factory.Apps().V1().StatefulSets()
	podInformer := factory.Core().V1().Pods()
	addControllerUIDIndex(podInformer.Informer())
	c := &statefulSetController{
		client: client, setLister: setInformer.Lister(), podIndexer: podInformer.Informer().GetIndexer(),
		queue: newQueue("statefulset"),
	}
	setInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.queue.Add(keyOf(obj)) },
		UpdateFunc: func(_, cur any) { c.queue.Add(keyOf(cur)) },
	})
	podEvent := func(obj any) {
		pod, ok := podOf(obj)
		if !ok {
			return
		}
		if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "StatefulSet" && ref.APIVersion == appsv1.SchemeGroupVersion.String() {
			c.queue.Add(pod.Namespace + "/" + ref.Name)
		}
	}
	podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    podEvent,
		UpdateFunc: func(_, cur any) { podEvent(cur) },
		DeleteFunc: podEvent,
	})
	c.loop = &workLoop{
		queue: c.queue, sync: c.sync, log: log,
		synced: []cache.InformerSynced{setInformer.Informer().HasSynced, podInformer.Informer().HasSynced},
	}
	return c
}

func (c *statefulSetController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

// revisionOf is the name of the revision of set's template: "<set>-<hash>".
func revisionOf(set *appsv1.StatefulSet) string {
	return set.Name + "-" + computeHash(&set.Spec.Template, set.Status.CollisionCount)
}

func (c *statefulSetController) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	set, err := c.setLister.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || set.DeletionTimestamp != nil {
		return err
	}
	update := revisionOf(set)
	if err := c.ensureRevision(ctx, set, update); err != nil {
		return err
	}
	start := int32(0)
	if set.Spec.Ordinals != nil {
		start = set.Spec.Ordinals.Start
	}
	replicas := int32(1)
	if set.Spec.Replicas != nil {
		replicas = *set.Spec.Replicas
	}
	parallel := set.Spec.PodManagementPolicy == appsv1.ParallelPodManagement
	objs, err := c.podIndexer.ByIndex(controllerUIDIndex, string(set.UID))
	if err != nil {
		return err
	}
	byOrdinal := map[int32]*corev1.Pod{}
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		if n, ok := ordinalOf(set, pod); ok {
			byOrdinal[n] = pod
		}
	}
	healthy := func(p *corev1.Pod) bool {
		return p != nil && p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && isPodReady(p)
	}
	// Pod names are stable: a create the cache does not show yet fails as AlreadyExists, so
	// no expectations are needed.
	{
		// create what is missing, lowest ordinal first
		for n := start; n < start+replicas; n++ {
			if p := byOrdinal[n]; p != nil {
				if !parallel && !healthy(p) {
					break
				}
				continue
			}
			if err := c.createPod(ctx, set, n, update); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
			if !parallel {
				break
			}
		}
		// remove ordinals beyond the replicas, highest first
		var surplus []int32
		for n := range byOrdinal {
			if n < start || n >= start+replicas {
				surplus = append(surplus, n)
			}
		}
		sort.Slice(surplus, func(i, j int) bool { return surplus[i] > surplus[j] })
		for _, n := range surplus {
			p := byOrdinal[n]
			if p.DeletionTimestamp == nil {
				if err := c.deletePod(ctx, p); err != nil {
					return err
				}
			}
			if !parallel {
				break
			}
		}
		// roll out the update revision, highest ordinal first, down to the partition
		if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType && len(surplus) == 0 {
			partition := int32(0)
			if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
				partition = *ru.Partition
			}
			allHealthy := true
			for n := start; n < start+replicas; n++ {
				allHealthy = allHealthy && healthy(byOrdinal[n])
			}
			for n := start + replicas - 1; n >= start+partition && allHealthy; n-- {
				if p := byOrdinal[n]; p != nil && p.Labels[controllerRevisionLabel] != update {
					if err := c.deletePod(ctx, p); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	return c.updateStatus(ctx, set, byOrdinal, start, replicas, update)
}

// ordinalOf is the ordinal of a pod named "<set>-<n>".
func ordinalOf(set *appsv1.StatefulSet, pod *corev1.Pod) (int32, bool) {
	prefix := set.Name + "-"
	if len(pod.Name) <= len(prefix) || pod.Name[:len(prefix)] != prefix {
		return 0, false
	}
	n, err := strconv.ParseInt(pod.Name[len(prefix):], 10, 32)
	return int32(n), err == nil && n >= 0
}

func (c *statefulSetController) createPod(ctx context.Context, set *appsv1.StatefulSet, n int32, revision string) error {
	name := set.Name + "-" + strconv.Itoa(int(n))
	labels := map[string]string{}
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	labels[statefulSetPodNameLabel] = name
	labels[podIndexLabel] = strconv.Itoa(int(n))
	labels[controllerRevisionLabel] = revision
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: set.Namespace, Labels: labels, Annotations: set.Spec.Template.Annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))},
		},
		Spec: *set.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.Hostname, pod.Spec.Subdomain = name, set.Spec.ServiceName
	_, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{FieldManager: controllerManagerName})
	return err
}

func (c *statefulSetController) deletePod(ctx context.Context, p *corev1.Pod) error {
	uid := p.UID
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// ensureRevision creates the ControllerRevision of the set's current template.
func (c *statefulSetController) ensureRevision(ctx context.Context, set *appsv1.StatefulSet, name string) error {
	revisions := c.client.AppsV1().ControllerRevisions(set.Namespace)
	if _, err := revisions.Get(ctx, name, metav1.GetOptions{}); err == nil || !apierrors.IsNotFound(err) {
		return err
	}
	list, err := revisions.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	number := int64(1)
	for _, r := range list.Items {
		if ref := metav1.GetControllerOf(&r); ref != nil && ref.UID == set.UID && r.Revision >= number {
			number = r.Revision + 1
		}
	}
	tmpl := set.Spec.Template.DeepCopy()
	data, err := json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl, "$patch": "replace"}})
	if err != nil {
		return err
	}
	labels := map[string]string{}
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	labels[controllerRevisionLabel] = name
	rev := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: set.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))}},
		Data:     runtime.RawExtension{Raw: data},
		Revision: number,
	}
	_, err = revisions.Create(ctx, rev, metav1.CreateOptions{FieldManager: controllerManagerName})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (c *statefulSetController) updateStatus(ctx context.Context, set *appsv1.StatefulSet, pods map[int32]*corev1.Pod, start, replicas int32, update string) error {
	st := set.Status.DeepCopy()
	st.ObservedGeneration = set.Generation
	st.Replicas, st.ReadyReplicas, st.AvailableReplicas, st.CurrentReplicas, st.UpdatedReplicas = 0, 0, 0, 0, 0
	current := st.CurrentRevision
	if current == "" {
		current = update
	}
	allUpdated := true
	for n, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		st.Replicas++
		ready := p.Status.Phase == corev1.PodRunning && isPodReady(p)
		if ready {
			st.ReadyReplicas++
			if set.Spec.MinReadySeconds == 0 || time.Since(podReadyTime(p)) >= time.Duration(set.Spec.MinReadySeconds)*time.Second {
				st.AvailableReplicas++
			}
		}
		switch p.Labels[controllerRevisionLabel] {
		case update:
			st.UpdatedReplicas++
		case current:
			st.CurrentReplicas++
		}
		if n >= start && n < start+replicas && p.Labels[controllerRevisionLabel] != update {
			allUpdated = false
		}
	}
	if update == current {
		st.CurrentReplicas = st.UpdatedReplicas
	}
	if allUpdated && st.UpdatedReplicas == replicas && st.ReadyReplicas == replicas {
		current = update // the rollout is complete
		st.CurrentReplicas = st.UpdatedReplicas
	}
	st.CurrentRevision, st.UpdateRevision = current, update
	if st.CollisionCount == nil {
		st.CollisionCount = ptrTo(int32(0))
	}
	if equality.Semantic.DeepEqual(st, &set.Status) {
		return nil
	}
	next := set.DeepCopy()
	next.Status = *st
	_, err := c.client.AppsV1().StatefulSets(set.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName})
	return err
}
