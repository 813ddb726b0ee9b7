package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	stdsync "sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// View is the shared-informer view of the resources a sheet shows: for each Source, its
// objects in the source's namespaces matching its label selector. Built-in resources are
// watched with client-go's typed informers (protobuf, typed objects), anything else (custom
// resources) with dynamic informers (unstructured objects). Its event handlers only signal
// Changed; readers take consistent copies of the lists. Objects returned are the
// informers' and must not be changed.
type View struct {
	cs        kubernetes.Interface
	sources   []Source
	typed     map[informerKey]informers.SharedInformerFactory
	dynamic   map[informerKey]dynamicinformer.DynamicSharedInformerFactory
	informers map[Resource][]cache.SharedIndexInformer
	// handled report, one per informer, that its handler has seen the initial list.
	handled []cache.InformerSynced
	changed chan struct{}
	cancel  context.CancelFunc

	// denied is closed when an informer is refused (403) before WaitForSync succeeded.
	denied chan struct{}

	mu        stdsync.Mutex
	changes   int          // events seen since start, for tests and metrics
	deniedErr *AccessError // the first refusal before WaitForSync succeeded
	synced    bool         // WaitForSync succeeded: refusals are only logged from now on

	// What a pass reads, kept up to date by the event handlers: each informer's objects by
	// UID, and each resource's objects sorted, rebuilt on the first read after a change.
	objMu  stdsync.Mutex
	uids   map[cache.SharedIndexInformer]map[types.UID]runtime.Object
	gen    map[Resource]uint64 // events of each resource so far
	sorted map[Resource]sortedObjects
}

// sortedObjects is a resource's objects sorted by namespace and name, as of gen events.
type sortedObjects struct {
	gen  uint64
	objs []runtime.Object
}

// Source is one resource the view watches, where, and which of its objects.
type Source struct {
	Resource Resource
	// Namespaces limits a namespaced resource's objects; empty: all namespaces.
	Namespaces []string
	// LabelSelector limits the objects to matching ones; empty: all.
	LabelSelector string
	// Keep are the fields of each object that are read (dotted JSON keys, list indexes left
	// out: "status.phase", "spec.containers.image"; a path keeps all beneath it): the view
	// keeps those, the object's kind and identity, its creation and deletion times, labels
	// and annotations, and drops the rest as the informer stores it. nil keeps whole objects
	// (managed fields aside). Sources of one resource share what any of them keeps.
	Keep []string
}

// informerKey is what informers can share: one factory per namespace and selector.
type informerKey struct{ namespace, selector string }

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

// NewView builds the informers of the Deployments and Pods in the target's namespaces,
// matching its label selector; Start runs them.
func NewView(cs kubernetes.Interface, t Target) (*View, error) {
	return NewViewOf(cs, nil, []Source{
		{Resource: Deployments, Namespaces: t.Namespaces, LabelSelector: t.LabelSelector},
		{Resource: Pods, Namespaces: t.Namespaces, LabelSelector: t.LabelSelector},
	})
}

// NewViewOf builds the informers of the sources; Start runs them. A resource client-go has
// no typed informer for (a custom resource) needs dyn. A resource listed twice is watched
// once per distinct namespace and selector.
func NewViewOf(cs kubernetes.Interface, dyn dynamic.Interface, sources []Source) (*View, error) {
	v := &View{cs: cs, sources: sources, changed: make(chan struct{}, 1), denied: make(chan struct{}),
		typed:     map[informerKey]informers.SharedInformerFactory{},
		dynamic:   map[informerKey]dynamicinformer.DynamicSharedInformerFactory{},
		informers: map[Resource][]cache.SharedIndexInformer{},
		uids:      map[cache.SharedIndexInformer]map[types.UID]runtime.Object{},
		gen:       map[Resource]uint64{}, sorted: map[Resource]sortedObjects{}}
	reads, err := expand(sources)
	if err != nil {
		return nil, err
	}
	bySource := map[Resource][]Source{}
	for _, src := range sources {
		bySource[src.Resource] = append(bySource[src.Resource], src)
	}
	for _, rd := range reads {
		src, ns := rd.src, rd.key.namespace
		inf, err := v.informer(dyn, src.Resource, rd.key)
		if err != nil {
			return nil, err
		}
		if err := inf.SetWatchErrorHandlerWithContext(v.watchErrorHandler(inf, src.Resource.Resource, ns)); err != nil {
			return nil, err
		}
		if err := inf.SetTransform(newProjection(bySource[src.Resource]).transform); err != nil {
			return nil, err
		}
		uids := map[types.UID]runtime.Object{}
		v.uids[inf] = uids
		r := src.Resource
		reg, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { v.track(r, uids, nil, obj) },
			UpdateFunc: func(old, obj any) { v.track(r, uids, old, obj) },
			DeleteFunc: func(obj any) { v.track(r, uids, obj, nil) },
		})
		if err != nil {
			return nil, err
		}
		v.handled = append(v.handled, reg.HasSynced)
		v.informers[src.Resource] = append(v.informers[src.Resource], inf)
	}
	return v, nil
}

// read is one list or informer the sources need: a resource in one namespace ("" for all)
// with a label selector.
type read struct {
	src Source
	key informerKey
}

// expand is what sources need read: one read per resource, namespace and selector (a
// resource listed twice is read once for each distinct pair; a cluster-scoped one across the
// cluster), after checking the selectors.
func expand(sources []Source) ([]read, error) {
	var out []read
	seen := map[Resource]map[informerKey]bool{}
	for _, src := range sources {
		if src.LabelSelector != "" {
			if _, err := labels.Parse(src.LabelSelector); err != nil {
				return nil, fmt.Errorf("label selector %q: %w", src.LabelSelector, err)
			}
		}
		namespaces := src.Namespaces
		if len(namespaces) == 0 || !src.Resource.Namespaced {
			namespaces = []string{metav1.NamespaceAll}
		}
		for _, ns := range namespaces {
			key := informerKey{ns, src.LabelSelector}
			if seen[src.Resource][key] {
				continue
			}
			if seen[src.Resource] == nil {
				seen[src.Resource] = map[informerKey]bool{}
			}
			seen[src.Resource][key] = true
			out = append(out, read{src, key})
		}
	}
	return out, nil
}

// informer returns a typed informer for a built-in resource, else a dynamic one.
func (v *View) informer(dyn dynamic.Interface, r Resource, key informerKey) (cache.SharedIndexInformer, error) {
	tweak := func(o *metav1.ListOptions) { o.LabelSelector = key.selector }
	f := v.typed[key]
	if f == nil {
		f = informers.NewSharedInformerFactoryWithOptions(v.cs, 0, informers.WithNamespace(key.namespace), informers.WithTweakListOptions(tweak))
		v.typed[key] = f
	}
	if gi, err := f.ForResource(r.GroupVersionResource); err == nil {
		return gi.Informer(), nil
	}
	if dyn == nil {
		return nil, fmt.Errorf("watch %s: not a built-in resource, and no dynamic client", r)
	}
	d := v.dynamic[key]
	if d == nil {
		d = dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, key.namespace, tweak)
		v.dynamic[key] = d
	}
	return d.ForResource(r.GroupVersionResource).Informer(), nil
}

// track records an informer's event in the UID map (old goes, obj comes) and the
// resource's count of events, then signals Changed.
func (v *View) track(r Resource, uids map[types.UID]runtime.Object, old, obj any) {
	if d, ok := old.(cache.DeletedFinalStateUnknown); ok {
		old = d.Obj
	}
	v.objMu.Lock()
	if m, ok := old.(metav1.Object); ok {
		delete(uids, m.GetUID())
	}
	if m, ok := obj.(metav1.Object); ok {
		if o, ok := obj.(runtime.Object); ok {
			uids[m.GetUID()] = o
		}
	}
	v.gen[r]++
	v.objMu.Unlock()
	v.signal()
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
	for _, f := range v.typed {
		f.Start(ctx.Done())
	}
	for _, f := range v.dynamic {
		f.Start(ctx.Done())
	}
}

// WaitForSync waits until every informer has listed, or ctx ends. It first checks, with
// each source's namespaces and label selector, that the API server lets SheetOps list and
// watch it: a refusal (403) is returned at once as an *AccessError naming the verb and
// resource, rather than waiting for informers that can never sync. Other errors of that
// check (network, 5xx) are left to the informers, which retry.
func (v *View) WaitForSync(ctx context.Context) error {
	if err := v.checkAccess(ctx); err != nil {
		return err
	}
	// The handlers' sync, not only the stores': what a pass reads is what they have seen.
	synced := v.handled
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

// checkAccess lists (one object) and briefly watches each source in each of its
// namespaces, with its label selector, and returns an *AccessError for the first 403. The
// watch starts at the list's resourceVersion, so it sends no initial objects.
func (v *View) checkAccess(ctx context.Context) error {
	rc := v.cs.CoreV1().RESTClient()
	for _, src := range v.sources {
		namespaces := src.Namespaces
		if len(namespaces) == 0 || !src.Resource.Namespaced {
			namespaces = []string{metav1.NamespaceAll}
		}
		for _, ns := range namespaces {
			path := resourcePath(src.Resource, ns)
			res := rc.Get().AbsPath(path).SetHeader("Accept", "application/json").
				Param("limit", "1").Param("labelSelector", src.LabelSelector).Do(ctx)
			// Error, not Raw's error: it carries the server's Status (the 403's message).
			err := res.Error()
			raw, _ := res.Raw()
			if apierrors.IsForbidden(err) {
				return &AccessError{Verb: "list", Resource: src.Resource.Resource, Namespace: ns, Err: err}
			}
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("wait for the cluster view to sync: %w", context.Cause(ctx))
				}
				continue // transient: the informers retry and report
			}
			var list struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			}
			_ = json.Unmarshal(raw, &list)
			w, err := rc.Get().AbsPath(path).SetHeader("Accept", "application/json").
				Param("watch", "true").Param("labelSelector", src.LabelSelector).
				Param("resourceVersion", list.Metadata.ResourceVersion).Param("timeoutSeconds", "1").Stream(ctx)
			if apierrors.IsForbidden(err) {
				return &AccessError{Verb: "watch", Resource: src.Resource.Resource, Namespace: ns, Err: err}
			}
			if err == nil {
				w.Close()
			} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("wait for the cluster view to sync: %w", context.Cause(ctx))
			}
		}
	}
	return nil
}

// resourcePath is the API path of a resource's collection in a namespace ("": all).
func resourcePath(r Resource, namespace string) string {
	p := "/apis/" + r.Group + "/" + r.Version
	if r.Group == "" {
		p = "/api/" + r.Version
	}
	if namespace != "" && r.Namespaced {
		p += "/namespaces/" + namespace
	}
	return p + "/" + r.Resource
}

// Stop ends the informers and waits for their goroutines.
func (v *View) Stop() {
	if v.cancel != nil {
		v.cancel()
	}
	for _, f := range v.typed {
		f.Shutdown()
	}
	for _, f := range v.dynamic {
		f.Shutdown()
	}
}

// Deployments returns the deployments sorted by namespace and name.
func (v *View) Deployments() []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, o := range v.Objects(Deployments) {
		out = append(out, o.(*appsv1.Deployment))
	}
	return out
}

// Pods returns the pods sorted by namespace and name.
func (v *View) Pods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, o := range v.Objects(Pods) {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}

// Objects returns the objects of a resource sorted by namespace and name. The list is
// shared until the next change of the resource: it must not be changed.
func (v *View) Objects(r Resource) []runtime.Object {
	v.objMu.Lock()
	defer v.objMu.Unlock()
	gen := v.gen[r]
	if s, ok := v.sorted[r]; ok && s.gen == gen {
		return s.objs
	}
	// From the UID maps, as ByUID: both answer from the same events.
	var out []runtime.Object
	for _, i := range v.informers[r] {
		for _, o := range v.uids[i] {
			out = append(out, o)
		}
	}
	sortObjects(out)
	v.sorted[r] = sortedObjects{gen: gen, objs: out}
	return out
}

// sortObjects sorts objects by namespace and name.
func sortObjects(objs []runtime.Object) {
	keys := make([]string, len(objs))
	for i, o := range objs {
		if m, err := meta.Accessor(o); err == nil {
			keys[i] = m.GetNamespace() + "/" + m.GetName()
		}
	}
	sort.Sort(byKey{objs, keys})
}

type byKey struct {
	objs []runtime.Object
	keys []string
}

func (b byKey) Len() int           { return len(b.objs) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.objs[i], b.objs[j] = b.objs[j], b.objs[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// ByUID finds an object of a resource by UID.
func (v *View) ByUID(r Resource, uid types.UID) (runtime.Object, bool) {
	v.objMu.Lock()
	defer v.objMu.Unlock()
	for _, i := range v.informers[r] {
		if o, ok := v.uids[i][uid]; ok {
			return o, true
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
