package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	stdsync "sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// View is the shared-informer view of a cluster's Deployments and Pods (in the target's
// namespaces, matching its label selector). Its event handlers only signal Changed; readers
// take consistent copies of the lists. Objects returned are the informers' and must not be
// changed.
type View struct {
	cs         kubernetes.Interface
	namespaces []string // metav1.NamespaceAll alone for every namespace
	selector   string
	factories  []informers.SharedInformerFactory
	deploys    []cache.SharedIndexInformer
	pods       []cache.SharedIndexInformer
	changed    chan struct{}
	cancel     context.CancelFunc

	// denied is closed when an informer is refused (403) before WaitForSync succeeded.
	denied chan struct{}

	mu        stdsync.Mutex
	changes   int          // events seen since start, for tests and metrics
	deniedErr *AccessError // the first refusal before WaitForSync succeeded
	synced    bool         // WaitForSync succeeded: refusals are only logged from now on
}

// AccessError reports that the API server refused SheetOps a read the view depends on: list
// or watch of deployments or pods, across the cluster or in one namespace. Err is the API
// server's error (a 403 Forbidden: apierrors.IsForbidden holds for an *AccessError).
type AccessError struct {
	// Verb is "list" or "watch".
	Verb string
	// Resource is "deployments" or "pods".
	Resource string
	// Namespace is "" for the whole cluster.
	Namespace string
	Err       error
}

func (e *AccessError) Error() string {
	where, who := "", "the ClusterRole"
	if e.Namespace != "" {
		where, who = " in namespace "+e.Namespace, "the role bound in namespace "+e.Namespace
	}
	return fmt.Sprintf("cluster: cannot %s %s%s: %v (%s needs list and watch on %s)",
		e.Verb, e.Resource, where, e.Err, who, e.Resource)
}

func (e *AccessError) Unwrap() error { return e.Err }

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
	namespaces := t.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	v := &View{cs: cs, namespaces: namespaces, selector: t.LabelSelector,
		changed: make(chan struct{}, 1), denied: make(chan struct{})}
	for _, ns := range namespaces {
		f := informers.NewSharedInformerFactoryWithOptions(cs, 0,
			informers.WithNamespace(ns),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = t.LabelSelector }))
		d := f.Apps().V1().Deployments().Informer()
		p := f.Core().V1().Pods().Informer()
		for _, r := range []struct {
			inf      cache.SharedIndexInformer
			resource string
		}{{d, "deployments"}, {p, "pods"}} {
			inf := r.inf
			if err := inf.SetWatchErrorHandlerWithContext(v.watchErrorHandler(inf, r.resource, ns)); err != nil {
				return nil, err
			}
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

// watchErrorHandler records a 403 that an informer meets before WaitForSync succeeded, so
// that WaitForSync reports it (once, clearly) instead of waiting for a list that will never
// be allowed. Every other error, and every error after that, is logged as client-go does,
// and the informer backs off and tries again.
func (v *View) watchErrorHandler(inf cache.SharedIndexInformer, resource, namespace string) cache.WatchErrorHandlerWithContext {
	return func(ctx context.Context, r *cache.Reflector, err error) {
		if apierrors.IsForbidden(err) {
			// Before its first sync a refused watch-list falls back to a list, so the list
			// was refused; after it, the watch.
			verb := "list"
			if inf.HasSynced() {
				verb = "watch"
			}
			if v.deny(&AccessError{Verb: verb, Resource: resource, Namespace: namespace, Err: err}) {
				return
			}
		}
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}
}

// deny records the first refusal and wakes WaitForSync; it reports false, recording
// nothing, once WaitForSync has succeeded.
func (v *View) deny(err *AccessError) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.synced {
		return false
	}
	if v.deniedErr == nil {
		v.deniedErr = err
		close(v.denied)
	}
	return true
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

// WaitForSync waits until every informer has listed, or ctx ends. It first checks, with the
// view's namespaces and label selector, that the API server lets SheetOps list and watch
// deployments and pods: a refusal (403) is returned at once as an *AccessError naming the
// verb and resource, rather than waiting for informers that can never sync. Other errors of
// that check (network, 5xx) are left to the informers, which retry.
func (v *View) WaitForSync(ctx context.Context) error {
	if err := v.checkAccess(ctx); err != nil {
		return err
	}
	var synced []cache.InformerSynced
	for _, i := range append(append([]cache.SharedIndexInformer{}, v.deploys...), v.pods...) {
		synced = append(synced, i.HasSynced)
	}
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-v.denied:
			cancel()
		case <-waitCtx.Done():
		}
	}()
	ok := cache.WaitForCacheSync(waitCtx.Done(), synced...)
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.deniedErr != nil:
		return v.deniedErr
	case !ok:
		return fmt.Errorf("wait for the cluster view to sync: %w", context.Cause(ctx))
	}
	v.synced = true
	return nil
}

// checkAccess lists (one object) and briefly watches deployments and pods in each of the
// view's namespaces, with its label selector, and returns an *AccessError for the first
// 403. The watch starts at the list's resourceVersion, so it sends no initial objects.
func (v *View) checkAccess(ctx context.Context) error {
	timeout := int64(1)
	for _, ns := range v.namespaces {
		for _, r := range []struct {
			resource string
			list     func(context.Context, metav1.ListOptions) (string, error)
			watch    func(context.Context, metav1.ListOptions) (watch.Interface, error)
		}{
			{"deployments", func(ctx context.Context, o metav1.ListOptions) (string, error) {
				l, err := v.cs.AppsV1().Deployments(ns).List(ctx, o)
				if err != nil {
					return "", err
				}
				return l.ResourceVersion, nil
			}, v.cs.AppsV1().Deployments(ns).Watch},
			{"pods", func(ctx context.Context, o metav1.ListOptions) (string, error) {
				l, err := v.cs.CoreV1().Pods(ns).List(ctx, o)
				if err != nil {
					return "", err
				}
				return l.ResourceVersion, nil
			}, v.cs.CoreV1().Pods(ns).Watch},
		} {
			rv, err := r.list(ctx, metav1.ListOptions{LabelSelector: v.selector, Limit: 1})
			if apierrors.IsForbidden(err) {
				return &AccessError{Verb: "list", Resource: r.resource, Namespace: ns, Err: err}
			}
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("wait for the cluster view to sync: %w", context.Cause(ctx))
				}
				continue // transient: the informers retry and report
			}
			w, err := r.watch(ctx, metav1.ListOptions{LabelSelector: v.selector, ResourceVersion: rv, TimeoutSeconds: &timeout})
			if apierrors.IsForbidden(err) {
				return &AccessError{Verb: "watch", Resource: r.resource, Namespace: ns, Err: err}
			}
			if err == nil {
				w.Stop()
			} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("wait for the cluster view to sync: %w", context.Cause(ctx))
			}
		}
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
