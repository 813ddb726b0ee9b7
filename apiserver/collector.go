package apiserver

import (
	"context"
	"errors"
	stdsync "sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// finalized is the store's rule for an object marked for deletion: it goes when no
// finalizer is left and no grace period runs (for a namespace, no spec.finalizers either).
func finalized(obj runtime.Object) bool {
	m, err := meta.Accessor(obj)
	if err != nil || m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 {
		return false
	}
	if g := m.GetDeletionGracePeriodSeconds(); g != nil && *g > 0 {
		return false // a pod in its grace period: the kubelet deletes it
	}
	if ns, ok := obj.(*corev1.Namespace); ok {
		return len(ns.Spec.Finalizers) == 0
	}
	return true
}

// collectorItem is one piece of deletion work: the dependents of a deleted owner, an
// object marked for deletion whose finalizers the engine runs (foregroundDeletion, orphan,
// a namespace's kubernetes finalizer), or an object whose owner references must be checked.
type collectorItem struct {
	storeKey, namespace, name string
	uid                       types.UID
	ownerGone                 bool
	// owners: check the object's owner references. One to an owner that does not exist
	// (no object of that kind and name, or one with another UID) is dangling: the object
	// loses it when another owner still holds it, else the object is deleted.
	owners bool
}

// ownerScanInterval is how often every object with owner references is checked again, a
// last line of defence behind the checks made as objects are written.
var ownerScanInterval = 30 * time.Second

// collector is the engine's garbage collector and namespace controller: owner references
// cascade (background, foreground, orphan) and terminating namespaces are emptied, then removed.
type collector struct {
	s    *Server
	mu   stdsync.Mutex
	work map[collectorItem]struct{}
	kick chan struct{}
}

func newCollector(s *Server) *collector {
	return &collector{s: s, work: map[collectorItem]struct{}{}, kick: make(chan struct{}, 1)}
}

func (c *collector) add(it collectorItem) {
	c.mu.Lock()
	c.work[it] = struct{}{}
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// deleted is told of every object removed from the store by a delete.
func (c *collector) deleted(res *resource, obj runtime.Object) {
	if !res.owner {
		return
	}
	m, _ := meta.Accessor(obj)
	c.add(collectorItem{storeKey: res.storeKey, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID(), ownerGone: true})
}

// terminating is told of every object marked for deletion.
func (c *collector) terminating(res *resource, obj runtime.Object) {
	m, _ := meta.Accessor(obj)
	c.add(collectorItem{storeKey: res.storeKey, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID()})
}

func (c *collector) run(ctx context.Context) {
	// Objects left marked for deletion by an earlier run of the engine.
	for _, r := range c.s.allStoredResources() {
		page, _ := c.s.store.List(r.storeKey, storage.ListOptions{MetaOnly: true, Match: func(o runtime.Object) bool {
			m, err := meta.Accessor(o)
			return err == nil && m.GetDeletionTimestamp() != nil
		}})
		for _, obj := range page.Items {
			c.terminating(r, obj)
		}
	}
	// Owner references are checked as objects are written (follow) and every
	// ownerScanInterval (scanOwners): together they catch a dependent created for an owner
	// already gone, such as a replica set a controller made from a stale cache.
	var followers stdsync.WaitGroup
	defer followers.Wait()
	for _, r := range c.s.allStoredResources() {
		followers.Go(func() { c.follow(ctx, r) })
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	scan := time.NewTicker(ownerScanInterval)
	defer scan.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-tick.C:
		case <-scan.C:
			for _, r := range c.s.allStoredResources() {
				c.scanOwners(r)
			}
		}
		c.mu.Lock()
		items := make([]collectorItem, 0, len(c.work))
		for it := range c.work {
			items = append(items, it)
		}
		c.mu.Unlock()
		for _, it := range items {
			if ctx.Err() != nil {
				return
			}
			if c.process(it) {
				c.mu.Lock()
				delete(c.work, it)
				c.mu.Unlock()
			}
		}
	}
}

var internalWrite = writeOptions{fieldManager: "sheetops-apiserver", fieldValidation: "Ignore"}

// follow watches one resource from now on and hands every object whose owner references
// are new or changed to the collector, after checking every current one (again after a
// watch that ended early). It returns when ctx ends or the store shuts down.
func (c *collector) follow(ctx context.Context, r *resource) {
	c.s.followStore(ctx, r.storeKey, c.s.fromNow, func() { c.scanOwners(r) }, eachEvent(func(ev storage.Event) {
		if ownersChanged(ev) {
			m, _ := meta.Accessor(ev.Object)
			c.add(collectorItem{storeKey: r.storeKey, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID(), owners: true})
		}
	}))
}

// ownersChanged reports whether a store event brings owner references to check: an object
// created with some, or updated to others.
func ownersChanged(ev storage.Event) bool {
	switch ev.Type {
	case watch.Added:
		m, err := meta.Accessor(ev.Object)
		return err == nil && len(m.GetOwnerReferences()) > 0
	case watch.Modified:
		m, err := meta.Accessor(ev.Object)
		if err != nil || len(m.GetOwnerReferences()) == 0 {
			return false
		}
		old, err := meta.Accessor(ev.Old)
		if err != nil {
			return true
		}
		a, b := m.GetOwnerReferences(), old.GetOwnerReferences()
		if len(a) != len(b) {
			return true
		}
		for i := range a {
			if a[i].UID != b[i].UID || a[i].Name != b[i].Name || a[i].Kind != b[i].Kind || a[i].APIVersion != b[i].APIVersion {
				return true
			}
		}
	}
	return false
}

// scanOwners hands every object of r with owner references, not being deleted, to the collector.
func (c *collector) scanOwners(r *resource) {
	// Each object's metadata is looked at as the list decodes it, and none is kept: the
	// list returns nothing (a list of every pod's metadata would be held at once).
	c.s.store.List(r.storeKey, storage.ListOptions{MetaOnly: true, Match: func(o runtime.Object) bool {
		m, err := meta.Accessor(o)
		if err == nil && len(m.GetOwnerReferences()) > 0 && m.GetDeletionTimestamp() == nil {
			c.add(collectorItem{storeKey: r.storeKey, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID(), owners: true})
		}
		return false
	}})
}

// process does what it can for one item and reports whether it is finished.
func (c *collector) process(it collectorItem) bool {
	s := c.s
	if it.owners {
		return c.checkOwners(it)
	}
	if it.ownerGone {
		done := true
		for _, dep := range c.dependents(it.namespace, it.uid) {
			if !c.release(dep, it.uid, metav1.DeletePropagationBackground) {
				done = false
			}
		}
		return done
	}
	res := c.s.storeResource(it.storeKey)
	m, err := s.store.GetMeta(it.storeKey, it.namespace, it.name)
	if err != nil {
		return true
	}
	if m.GetUID() != it.uid || m.GetDeletionTimestamp() == nil {
		return true
	}
	switch {
	case it.storeKey == "namespaces":
		return c.emptyNamespace(res, it.name)
	case it.storeKey == crdStoreKey && contains(m.GetFinalizers(), apiextensionsv1.CustomResourceCleanupFinalizer):
		c.finalizeCRD(it)
		return false // again next round: until the CRD is gone, or only other finalizers hold it

	case contains(m.GetFinalizers(), metav1.FinalizerOrphanDependents):
		for _, dep := range c.dependents(it.namespace, it.uid) {
			if !c.release(dep, it.uid, metav1.DeletePropagationOrphan) {
				return false
			}
		}
		return c.dropFinalizer(res, it, metav1.FinalizerOrphanDependents)
	case contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents):
		deps := c.dependents(it.namespace, it.uid)
		for _, dep := range deps {
			c.release(dep, it.uid, metav1.DeletePropagationForeground)
		}
		if len(deps) > 0 {
			return false
		}
		return c.dropFinalizer(res, it, metav1.FinalizerDeleteDependents)
	}
	return true // held by someone else's finalizer: theirs to remove
}

// ownerState is what an owner reference points to.
type ownerState int

const (
	// ownerPresent: the owner exists with the reference's UID.
	ownerPresent ownerState = iota
	// ownerUnresolvable: a kind the engine does not serve (upstream's collector retries
	// those until the kind appears), or a namespaced kind named by a cluster-scoped object
	// (upstream leaves those alone): the reference is kept, as if its owner existed.
	ownerUnresolvable
	// ownerAbsent: no such object, or one with another UID: the reference is dangling.
	ownerAbsent
	// ownerDeletingDependents: the owner is being deleted in the foreground; its own item
	// deletes or releases this dependent.
	ownerDeletingDependents
)

// ownerOf resolves ref, an owner reference of an object in namespace ("" for a
// cluster-scoped object), against the store.
func (c *collector) ownerOf(namespace string, ref metav1.OwnerReference) ownerState {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ownerUnresolvable
	}
	var r *resource
	for _, cand := range resources {
		if cand.gvk() == gv.WithKind(ref.Kind) {
			r = cand
			break
		}
	}
	if r == nil {
		r = c.s.customSet().byKind[gv.WithKind(ref.Kind)]
	}
	if r == nil || (r.namespaced && namespace == "") {
		return ownerUnresolvable
	}
	if !r.namespaced {
		namespace = ""
	}
	m, err := c.s.store.GetMeta(r.storeKey, namespace, ref.Name)
	if apierrors.IsNotFound(err) {
		return ownerAbsent
	}
	if err != nil {
		return ownerUnresolvable
	}
	switch {
	case m.GetUID() != ref.UID:
		return ownerAbsent
	case m.GetDeletionTimestamp() != nil && contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents):
		return ownerDeletingDependents
	}
	return ownerPresent
}

// checkOwners is upstream's attemptToDeleteItem for an object not being deleted: dangling
// owner references are removed while another owner holds the object, and an object no
// owner holds any more is deleted (propagation as its own finalizers ask, background by
// default), with its UID and resourceVersion as preconditions.
func (c *collector) checkOwners(it collectorItem) bool {
	res := c.s.storeResource(it.storeKey)
	m, err := c.s.store.GetMeta(it.storeKey, it.namespace, it.name)
	if err != nil {
		return true
	}
	if m.GetUID() != it.uid || m.GetDeletionTimestamp() != nil {
		return true
	}
	dangling := map[types.UID]bool{}
	held := false
	for _, ref := range m.GetOwnerReferences() {
		switch c.ownerOf(m.GetNamespace(), ref) {
		case ownerAbsent:
			dangling[ref.UID] = true
		default:
			held = true
		}
	}
	if len(dangling) == 0 {
		return true
	}
	ri := requestInfo{res: res, gvr: res.gvr, namespace: it.namespace, name: it.name}
	if held {
		_, err := c.s.updateObject(ri, internalWrite, func(cur runtime.Object) (runtime.Object, error) {
			cm, _ := meta.Accessor(cur)
			if cm.GetUID() != it.uid {
				return nil, apierrors.NewConflict(res.groupResource(), it.name, errors.New("the object was replaced"))
			}
			next := cur.DeepCopyObject()
			nm, _ := meta.Accessor(next)
			var keep []metav1.OwnerReference
			for _, ref := range nm.GetOwnerReferences() {
				if !dangling[ref.UID] {
					keep = append(keep, ref)
				}
			}
			nm.SetOwnerReferences(keep)
			return next, nil
		})
		return err == nil || apierrors.IsNotFound(err)
	}
	policy := metav1.DeletePropagationBackground
	switch {
	case contains(m.GetFinalizers(), metav1.FinalizerOrphanDependents):
		policy = metav1.DeletePropagationOrphan
	case contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents):
		policy = metav1.DeletePropagationForeground
	}
	uid, rv := m.GetUID(), m.GetResourceVersion()
	_, _, err = c.s.deleteObject(ri, &metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	// A conflict: the object changed meanwhile; its new owners are checked on the next round.
	return err == nil || apierrors.IsNotFound(err)
}

type dependent struct {
	res *resource
	obj runtime.Object // its metadata only (storage.ListOptions.MetaOnly)
}

// dependents lists the objects in namespace with an owner reference to uid.
func (c *collector) dependents(namespace string, uid types.UID) []dependent {
	var out []dependent
	for _, r := range c.s.allStoredResources() {
		if !r.namespaced {
			continue
		}
		page, err := c.s.store.List(r.storeKey, storage.ListOptions{Namespace: namespace, MetaOnly: true, Match: func(o runtime.Object) bool { return ownerRefTo(o, uid) }})
		if err != nil {
			continue
		}
		for _, o := range page.Items {
			out = append(out, dependent{res: r, obj: o})
		}
	}
	return out
}

// release detaches a dependent from a gone owner: orphaned, or deleted (with the given
// propagation) unless another owner still holds it.
func (c *collector) release(dep dependent, owner types.UID, policy metav1.DeletionPropagation) bool {
	m, _ := meta.Accessor(dep.obj)
	ri := requestInfo{res: dep.res, gvr: dep.res.gvr, namespace: m.GetNamespace(), name: m.GetName()}
	if policy == metav1.DeletePropagationOrphan || len(m.GetOwnerReferences()) > 1 {
		_, err := c.s.updateObject(ri, internalWrite, func(cur runtime.Object) (runtime.Object, error) {
			next := cur.DeepCopyObject()
			nm, _ := meta.Accessor(next)
			var refs []metav1.OwnerReference
			for _, ref := range nm.GetOwnerReferences() {
				if ref.UID != owner {
					refs = append(refs, ref)
				}
			}
			nm.SetOwnerReferences(refs)
			return next, nil
		})
		return err == nil || apierrors.IsNotFound(err)
	}
	if m.GetDeletionTimestamp() != nil {
		return true
	}
	_, _, err := c.s.deleteObject(ri, &metav1.DeleteOptions{PropagationPolicy: &policy})
	return err == nil || apierrors.IsNotFound(err)
}

func (c *collector) dropFinalizer(res *resource, it collectorItem, finalizer string) bool {
	_, _, err := c.s.store.Update(res.storeKey, it.namespace, it.name, func(cur runtime.Object) (runtime.Object, error) {
		next := cur.DeepCopyObject()
		m, _ := meta.Accessor(next)
		var keep []string
		for _, f := range m.GetFinalizers() {
			if f != finalizer {
				keep = append(keep, f)
			}
		}
		m.SetFinalizers(keep)
		return next, nil
	})
	if err == nil || apierrors.IsNotFound(err) {
		c.deletedIfGone(res, it)
		return true
	}
	return false
}

// deletedIfGone hands a finalized owner's dependents to the collector once it is gone.
func (c *collector) deletedIfGone(res *resource, it collectorItem) {
	if _, err := c.s.store.GetEncoded(res.storeKey, it.namespace, it.name); apierrors.IsNotFound(err) && res.owner {
		c.add(collectorItem{storeKey: it.storeKey, namespace: it.namespace, name: it.name, uid: it.uid, ownerGone: true})
	}
}

// emptyNamespace deletes everything in a terminating namespace, then lets it go.
func (c *collector) emptyNamespace(res *resource, name string) bool {
	left := 0
	for _, r := range c.s.allStoredResources() {
		if !r.namespaced {
			continue
		}
		page, err := c.s.store.List(r.storeKey, storage.ListOptions{Namespace: name, MetaOnly: true})
		if err != nil {
			return false
		}
		for _, o := range page.Items {
			left++
			m, _ := meta.Accessor(o)
			if m.GetDeletionTimestamp() != nil {
				continue
			}
			bg := metav1.DeletePropagationBackground
			c.s.deleteObject(requestInfo{res: r, gvr: r.gvr, namespace: name, name: m.GetName()}, &metav1.DeleteOptions{PropagationPolicy: &bg})
		}
	}
	if left > 0 {
		return false
	}
	_, _, err := c.s.store.Update(res.storeKey, "", name, func(cur runtime.Object) (runtime.Object, error) {
		next := cur.(*corev1.Namespace).DeepCopy()
		var keep []corev1.FinalizerName
		for _, f := range next.Spec.Finalizers {
			if f != corev1.FinalizerKubernetes {
				keep = append(keep, f)
			}
		}
		next.Spec.Finalizers = keep
		return next, nil
	})
	return err == nil || apierrors.IsNotFound(err)
}
