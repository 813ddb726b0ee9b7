package apiserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sheetops/sheetops/apiserver/storage"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/uuid"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// errDryRun carries the object a dry-run write would have stored out of the store's update.
type errDryRun struct{ obj runtime.Object }

// createObjectManaged runs the create pipeline: names, defaults, system fields, admission,
// validation, managed fields (unless the caller, server-side apply, has set them), store.
func (s *Server) createObjectManaged(ri requestInfo, obj runtime.Object, o writeOptions, managed bool) (runtime.Object, error) {
	res := ri.res
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if res.namespaced {
		if m.GetNamespace() == "" {
			m.SetNamespace(ri.namespace)
		} else if m.GetNamespace() != ri.namespace {
			return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		m.SetNamespace("")
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + rand.String(5))
	}
	res.strategy.Default(obj)
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(metav1.Now().Rfc3339Copy())
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetResourceVersion("")
	m.SetSelfLink("")
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	res.strategy.PrepareForCreate(obj)
	if res.namespaced {
		if err := s.admitNamespace(res, m.GetNamespace(), m.GetName()); err != nil {
			return nil, err
		}
	}
	if a, ok := res.strategy.(admitter); ok && ri.user != nil {
		if err := a.admit(s, ri, obj, nil); err != nil {
			return nil, err
		}
	}
	if errs := res.strategy.ValidateCreate(obj); len(errs) > 0 {
		return nil, apierrors.NewInvalid(res.gvk().GroupKind(), m.GetName(), errs)
	}
	if fm := fieldManagerUnless(managed, res, "", o); fm != nil {
		// obj is this request's own object: the field manager may change it in place.
		obj.GetObjectKind().SetGroupVersionKind(res.gvk())
		obj = createManaged(fm, withTypeMeta(res.newObj()), obj, o.fieldManager)
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	alloc, allocates := res.strategy.(allocator)
	if allocates {
		s.allocMu.Lock()
		defer s.allocMu.Unlock()
		if errs := alloc.allocate(s, obj); len(errs) > 0 {
			return nil, apierrors.NewInvalid(res.gvk().GroupKind(), m.GetName(), errs)
		}
	}
	if o.dryRun {
		return obj, nil
	}
	return s.store.Create(res.storeKey, obj)
}

// admitNamespace refuses content in a missing (404) or terminating (403) namespace.
func (s *Server) admitNamespace(res *resource, namespace, name string) error {
	obj, err := s.store.Get("namespaces", "", namespace)
	if err != nil {
		return err
	}
	if ns := obj.(*corev1.Namespace); ns.Status.Phase == corev1.NamespaceTerminating || ns.DeletionTimestamp != nil {
		e := apierrors.NewForbidden(res.groupResource(), name,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
		e.ErrStatus.Details.Causes = append(e.ErrStatus.Details.Causes, metav1.StatusCause{
			Type: corev1.NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", namespace), Field: "metadata.namespace"})
		return e
	}
	return nil
}

// updateObject runs the update pipeline on the stored object: newObj builds the request's
// object from the current one; preconditions, defaults, strategy, validation and managed
// fields follow, atomically with respect to other writes of the object (storage.Store.Update:
// run again if another write changed the object meanwhile).
func (s *Server) updateObject(ri requestInfo, o writeOptions, newObj func(cur runtime.Object) (runtime.Object, error)) (runtime.Object, error) {
	res := ri.res
	out, _, err := s.store.Update(res.storeKey, ri.namespace, ri.name, func(cur runtime.Object) (runtime.Object, error) {
		obj, err := newObj(cur)
		if err != nil {
			return nil, err
		}
		return s.prepareUpdateManaged(ri, o, obj, cur, true)
	})
	var dry errDryRun
	if errors.As(err, &dry) {
		return dry.obj, nil
	}
	return out, err
}

// prepareUpdateManaged checks and completes obj, the request's new state of cur; track
// records the write in managed fields (server-side apply has done that already).
func (s *Server) prepareUpdateManaged(ri requestInfo, o writeOptions, obj, cur runtime.Object, track bool) (runtime.Object, error) {
	res := ri.res
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	cm, _ := meta.Accessor(cur)
	if rv := m.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, conflict(res, ri.name)
	}
	if m.GetResourceVersion() == "" {
		// An unconditional update, as every kind served here allows upstream.
		m.SetResourceVersion(cm.GetResourceVersion())
	}
	if uid := m.GetUID(); uid != "" && uid != cm.GetUID() {
		return nil, apierrors.NewConflict(res.groupResource(), ri.name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, cm.GetUID()))
	}
	m.SetNamespace(cm.GetNamespace())
	m.SetUID(cm.GetUID())
	m.SetCreationTimestamp(cm.GetCreationTimestamp())
	m.SetDeletionTimestamp(cm.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(cm.GetDeletionGracePeriodSeconds())
	m.SetSelfLink("")
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	res.strategy.Default(obj)
	if a, ok := res.strategy.(admitter); ok && ri.user != nil {
		if err := a.admit(s, ri, obj, cur); err != nil {
			return nil, err
		}
	}
	var errs field.ErrorList
	if ri.subresource == subStatus {
		res.strategy.PrepareForStatusUpdate(obj, cur)
		errs = res.strategy.ValidateStatusUpdate(obj, cur)
	} else if sp, ok := res.strategy.(subresourceStrategy); ok && ri.subresource != "" {
		errs = sp.prepareAndValidateSubresource(ri.subresource, obj, cur)
	} else {
		if cm.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) > len(cm.GetFinalizers()) && !subset(m.GetFinalizers(), cm.GetFinalizers()) {
			return nil, apierrors.NewForbidden(res.groupResource(), ri.name, errors.New("no new finalizers can be added if the object is being deleted"))
		}
		res.strategy.PrepareForUpdate(obj, cur)
		errs = res.strategy.ValidateUpdate(obj, cur)
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(res.gvk().GroupKind(), ri.name, errs)
	}
	if fm := fieldManagerUnless(!track, res, ri.subresource, o); fm != nil {
		// obj is this request's own object; cur is stored and only read (a shallow copy
		// carries its kind).
		obj.GetObjectKind().SetGroupVersionKind(res.gvk())
		obj = updateManaged(fm, withTypeMeta(cur), obj, o.fieldManager, !o.bootstrap && res.view == nil && res.custom == nil)
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	if o.dryRun {
		out := obj.DeepCopyObject()
		meta.NewAccessor().SetResourceVersion(out, cm.GetResourceVersion())
		return nil, errDryRun{obj: out}
	}
	return obj, nil
}

func subset(a, b []string) bool {
	have := map[string]bool{}
	for _, x := range b {
		have[x] = true
	}
	for _, x := range a {
		if !have[x] {
			return false
		}
	}
	return true
}

func conflict(res *resource, name string) error {
	return apierrors.NewConflict(res.groupResource(), name,
		errors.New("the object has been modified; please apply your changes to the latest version and try again"))
}

// updateScale changes an object's replicas through its Scale.
func (s *Server) updateScale(ri requestInfo, o writeOptions, newScale func(cur *autoscalingv1.Scale) (*autoscalingv1.Scale, error)) (*autoscalingv1.Scale, error) {
	res := ri.res
	sc, ok := res.strategy.(scaler)
	if !ok {
		return nil, notFoundPath()
	}
	scaleOf := sc.scale
	mainRI := ri
	mainRI.subresource = ""
	out, err := s.updateObject(mainRI, o, func(cur runtime.Object) (runtime.Object, error) {
		curScale := scaleOf(cur)
		sc, err := newScale(curScale)
		if err != nil {
			return nil, err
		}
		if sc.Name != "" && sc.Name != ri.name {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Name, ri.name))
		}
		if sc.ResourceVersion != "" && sc.ResourceVersion != curScale.ResourceVersion {
			return nil, conflict(res, ri.name)
		}
		if sc.Spec.Replicas < 0 && res.custom == nil { // a custom object's own validation says it
			return nil, apierrors.NewInvalid(schema.GroupKind{Group: "autoscaling", Kind: "Scale"}, ri.name,
				field.ErrorList{field.Invalid(field.NewPath("spec", "replicas"), sc.Spec.Replicas, "must be greater than or equal to 0")})
		}
		return res.strategy.(scaler).withReplicas(cur, sc.Spec.Replicas), nil
	})
	if err != nil {
		return nil, err
	}
	return scaleOf(out), nil
}

// orphanWarning is upstream's warning for a delete of a job that orphans its pods because
// no propagation policy was given.
const orphanWarning = "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"

// warnOrphaning adds orphanWarning to a job's delete without a policy.
func warnOrphaning(w http.ResponseWriter, res *resource, opts *metav1.DeleteOptions) {
	if res.defaultOrphan && res.gvr.Group == "batch" && opts.PropagationPolicy == nil && opts.OrphanDependents == nil { //nolint:staticcheck // as upstream
		addWarning(w, orphanWarning)
	}
}

// deleteObject deletes one object, or marks it for deletion when finalizers (its own, a
// foreground or orphan policy, a namespace's) must run first. gone reports an immediate delete.
func (s *Server) deleteObject(ri requestInfo, opts *metav1.DeleteOptions) (out runtime.Object, gone bool, err error) {
	res := ri.res
	dryRun := len(opts.DryRun) > 0
	check := func(cur runtime.Object) error {
		m, _ := meta.Accessor(cur)
		if p := opts.Preconditions; p != nil {
			// Worded as upstream's storage precondition errors, which name the kind.
			kindGR := schema.GroupResource{Group: res.gvr.Group, Resource: res.kind}
			if p.UID != nil && *p.UID != m.GetUID() {
				return apierrors.NewConflict(kindGR, ri.name, fmt.Errorf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *p.UID, m.GetUID()))
			}
			if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
				return apierrors.NewConflict(kindGR, ri.name, fmt.Errorf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *p.ResourceVersion, m.GetResourceVersion()))
			}
		}
		return nil
	}
	policy := metav1.DeletePropagationBackground
	if opts.PropagationPolicy != nil {
		policy = *opts.PropagationPolicy
	} else if opts.OrphanDependents != nil { //nolint:staticcheck // honoured as upstream
		if *opts.OrphanDependents { //nolint:staticcheck // honoured as upstream
			policy = metav1.DeletePropagationOrphan
		}
	} else if res.defaultOrphan {
		policy = metav1.DeletePropagationOrphan
	}
	var finalizer string
	switch {
	case policy == metav1.DeletePropagationForeground:
		finalizer = metav1.FinalizerDeleteDependents
	case policy == metav1.DeletePropagationOrphan:
		finalizer = metav1.FinalizerOrphanDependents
	}
	del, hasRules := res.strategy.(deleter)
	if hasRules {
		if err := del.checkDelete(ri.name); err != nil {
			return nil, false, err
		}
	}
	cur, err := s.store.Get(res.storeKey, ri.namespace, ri.name)
	if err != nil {
		return nil, false, err
	}
	cm, _ := meta.Accessor(cur)
	grace, terminates := int64(-1), false
	if hasRules {
		grace = del.gracePeriod(cur, opts)
		terminates = del.markDeleting(cur.DeepCopyObject())
	}
	graceful := terminates || len(cm.GetFinalizers()) > 0 || (finalizer != "" && res.owner) || grace > 0
	if dryRun {
		if err := check(cur); err != nil {
			return nil, false, err
		}
		return cur, !graceful, nil
	}
	if !graceful {
		var out runtime.Object
		var err error
		if grace == 0 {
			// a pod with no grace period left: marked, then deleted, as upstream
			out, err = s.store.DeleteMarked(res.storeKey, ri.namespace, ri.name, check, func(cur runtime.Object) runtime.Object {
				next := cur.DeepCopyObject()
				m, _ := meta.Accessor(next)
				if m.GetDeletionTimestamp() == nil {
					now := metav1.NewTime(time.Now().Truncate(time.Second))
					m.SetDeletionTimestamp(&now)
				}
				zero := int64(0)
				m.SetDeletionGracePeriodSeconds(&zero)
				return next
			})
		} else {
			out, err = s.store.Delete(res.storeKey, ri.namespace, ri.name, check)
		}
		if err != nil {
			return nil, false, err
		}
		s.collector.deleted(res, out)
		return out, true, nil
	}
	out, deleted, err := s.store.Update(res.storeKey, ri.namespace, ri.name, func(cur runtime.Object) (runtime.Object, error) {
		if err := check(cur); err != nil {
			return nil, err
		}
		next := cur.DeepCopyObject()
		m, _ := meta.Accessor(next)
		if cur := m.GetDeletionGracePeriodSeconds(); m.GetDeletionTimestamp() == nil || (cur != nil && grace < *cur) {
			// A first delete marks the object; a later one may only shorten a pod's grace period.
			g := grace
			if g < 0 {
				g = 0
			}
			when := metav1.NewTime(time.Now().Add(time.Duration(g) * time.Second).Truncate(time.Second))
			m.SetDeletionTimestamp(&when)
			m.SetDeletionGracePeriodSeconds(&g)
		}
		if finalizer != "" && res.owner {
			fs := m.GetFinalizers()
			if !contains(fs, finalizer) {
				m.SetFinalizers(append(fs, finalizer))
			}
		}
		if hasRules {
			del.markDeleting(next)
		}
		return next, nil
	})
	if err != nil {
		return nil, false, err
	}
	if deleted {
		s.collector.deleted(res, out)
		return out, true, nil
	}
	s.collector.terminating(res, out)
	return out, false, nil
}

// predicate builds the store predicate for the label and field selectors.
func predicate(res *resource, opts *metainternalversion.ListOptions) storage.Predicate {
	ls, fs := opts.LabelSelector, opts.FieldSelector
	if (ls == nil || ls.Empty()) && (fs == nil || fs.Empty()) {
		return nil
	}
	objectFields := !selectsMetadataOnly(opts)
	return func(obj runtime.Object) bool {
		m, err := meta.Accessor(obj)
		if err != nil {
			return false
		}
		if ls != nil && !ls.Empty() && !ls.Matches(labels.Set(m.GetLabels())) {
			return false
		}
		if fs != nil && !fs.Empty() {
			set := fields.Set{"metadata.name": m.GetName()}
			if res.namespaced {
				set["metadata.namespace"] = m.GetNamespace()
			}
			if res.fields != nil && objectFields {
				for k, v := range res.fields(obj) {
					set[k] = v
				}
			}
			if !fs.Matches(set) {
				return false
			}
		}
		return true
	}
}

// selectsMetadataOnly reports whether the label and field selectors of opts read nothing
// but an object's metadata (labels, metadata.name, metadata.namespace): the store then
// decodes the metadata alone to match them (storage.ListOptions.MetaOnly).
func selectsMetadataOnly(opts *metainternalversion.ListOptions) bool {
	if opts.FieldSelector == nil {
		return true
	}
	for _, r := range opts.FieldSelector.Requirements() {
		if r.Field != "metadata.name" && r.Field != "metadata.namespace" {
			return false
		}
	}
	return true
}

type continueToken struct {
	APIVersion string `json:"v"`
	RV         uint64 `json:"rv"`
	Start      string `json:"start"`
}

func encodeContinue(rv uint64, lastKey string) string {
	data, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", RV: rv, Start: lastKey + "\x00"})
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeContinue(s string) (continueToken, error) {
	var t continueToken
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token: continue key is not valid: %v", err))
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return t, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token: continue key is not valid: %v", err))
	}
	if t.APIVersion != "meta.k8s.io/v1" || t.RV == 0 {
		return t, apierrors.NewBadRequest("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	t.Start = strings.TrimSuffix(t.Start, "\x00")
	return t, nil
}

func parseRV(v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q: %v", v, err))
	}
	return n, nil
}

// freshWait is how long a read from a resourceVersion the store has not reached waits for
// it: kube-apiserver's watch cache waits as long (its blockTimeout) for itself to catch up.
var freshWait = 3 * time.Second

// awaitRevision waits up to freshWait for the store to reach rv, then fails as
// kube-apiserver does: 504 Timeout "Too large resource version", with a
// ResourceVersionTooLarge cause and a retry after 1 s. rv 0 means any revision.
func (s *Server) awaitRevision(ctx context.Context, rv uint64) error {
	if rv <= s.store.Revision() {
		return nil
	}
	deadline := time.NewTimer(freshWait)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
		case <-deadline.C:
		case <-poll.C:
			if rv <= s.store.Revision() {
				return nil
			}
			continue
		}
		if cur := s.store.Revision(); rv > cur {
			return tooLargeResourceVersion(rv, cur)
		}
		return nil
	}
}

// tooLargeResourceVersion is upstream's storage.NewTooLargeResourceVersionError as the
// watch cache makes it (retry after 1 s).
func tooLargeResourceVersion(rv, current uint64) *apierrors.StatusError {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", rv, current), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
	return err
}

func (e errDryRun) Error() string { return "dry run" }
