package kube

import (
	"context"
	"fmt"
	"sort"
	stdsync "sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// View is the shared-informer view of a cluster's Deployments and Pods (in the target's
// namespaces, matching its label selector). Its event handlers only signal Changed; readers
// take consistent copies of the lists. Objects returned are the informers' and must not be
// changed.
type View struct {
	factories []informers.SharedInformerFactory
	deploys   []cache.SharedIndexInformer
	pods      []cache.SharedIndexInformer
	changed   chan struct{}
	cancel    context.CancelFunc

	mu      stdsync.Mutex
	changes int // events seen since start, for tests and metrics
}

// uidIndex indexes objects by UID.
const uidIndex = "uid"

func byUID(obj any) ([]string, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	return []string{string(m.GetUID())}, nil
}

// stripManagedFields drops what SheetOps never reads before the informers store an object:
// managed fields are most of an object's size.
func stripManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// NewView builds the informers; Start runs them.
func NewView(cs kubernetes.Interface, t Target) (*View, error) {
	if t.LabelSelector != "" {
		if _, err := labels.Parse(t.LabelSelector); err != nil {
			return nil, fmt.Errorf("label selector %q: %w", t.LabelSelector, err)
		}
	}
	v := &View{changed: make(chan struct{}, 1)}
	namespaces := t.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	for _, ns := range namespaces {
		f := informers.NewSharedInformerFactoryWithOptions(cs, 0,
			informers.WithNamespace(ns),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = t.LabelSelector }))
		d := f.Apps().V1().Deployments().Informer()
		p := f.Core().V1().Pods().Informer()
		for _, inf := range []cache.SharedIndexInformer{d, p} {
			if err := inf.SetTransform(stripManagedFields); err != nil {
				return nil, err
			}
			if err := inf.AddIndexers(cache.Indexers{uidIndex: byUID}); err != nil {
				return nil, err
			}
			if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    func(any) { v.signal() },
				UpdateFunc: func(any, any) { v.signal() },
				DeleteFunc: func(any) { v.signal() },
			}); err != nil {
				return nil, err
			}
		}
		v.factories = append(v.factories, f)
		v.deploys = append(v.deploys, d)
		v.pods = append(v.pods, p)
	}
	return v, nil
}

func (v *View) signal() {
	v.mu.Lock()
	v.changes++
	v.mu.Unlock()
	select {
	case v.changed <- struct{}{}:
	default:
	}
}

// Changed receives a value after one or more cluster changes (coalesced).
func (v *View) Changed() <-chan struct{} { return v.changed }

// Start runs the informers until ctx ends or Stop is called.
func (v *View) Start(ctx context.Context) {
	ctx, v.cancel = context.WithCancel(ctx)
	for _, f := range v.factories {
		f.Start(ctx.Done())
	}
}

// WaitForSync waits until every informer has listed, or ctx ends.
func (v *View) WaitForSync(ctx context.Context) error {
	var synced []cache.InformerSynced
	for _, i := range append(append([]cache.SharedIndexInformer{}, v.deploys...), v.pods...) {
		synced = append(synced, i.HasSynced)
	}
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return fmt.Errorf("wait for the cluster view to sync: %w", context.Cause(ctx))
	}
	return nil
}

// Stop ends the informers and waits for their goroutines.
func (v *View) Stop() {
	if v.cancel != nil {
		v.cancel()
	}
	for _, f := range v.factories {
		f.Shutdown()
	}
}

// Deployments returns the deployments sorted by namespace and name.
func (v *View) Deployments() []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, i := range v.deploys {
		for _, o := range i.GetStore().List() {
			out = append(out, o.(*appsv1.Deployment))
		}
	}
	sort.Slice(out, func(a, b int) bool { return key(&out[a].ObjectMeta) < key(&out[b].ObjectMeta) })
	return out
}

// Pods returns the pods sorted by namespace and name.
func (v *View) Pods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, i := range v.pods {
		for _, o := range i.GetStore().List() {
			out = append(out, o.(*corev1.Pod))
		}
	}
	sort.Slice(out, func(a, b int) bool { return key(&out[a].ObjectMeta) < key(&out[b].ObjectMeta) })
	return out
}

// Objects returns the objects of a kind ("Deployment" or "Pod") sorted by namespace and name.
func (v *View) Objects(kind string) []runtime.Object {
	var out []runtime.Object
	switch kind {
	case "Deployment":
		for _, d := range v.Deployments() {
			out = append(out, d)
		}
	case "Pod":
		for _, p := range v.Pods() {
			out = append(out, p)
		}
	}
	return out
}

// ByUID finds an object of a kind by UID.
func (v *View) ByUID(kind string, uid types.UID) (runtime.Object, bool) {
	infs := v.pods
	if kind == "Deployment" {
		infs = v.deploys
	}
	for _, i := range infs {
		objs, err := i.GetIndexer().ByIndex(uidIndex, string(uid))
		if err == nil && len(objs) > 0 {
			return objs[0].(runtime.Object), true
		}
	}
	return nil, false
}

// Changes counts the informer events seen so far.
func (v *View) Changes() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.changes
}

func key(m *metav1.ObjectMeta) string { return m.Namespace + "/" + m.Name }
