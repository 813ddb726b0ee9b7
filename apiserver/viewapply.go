package apiserver

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
)

// Server-side apply through a view: the view has field managers of its own version, so
// that an apply in autoscaling/v1 or events.k8s.io/v1 records its managed fields in that
// version, as upstream's do. Managed fields recorded in one version and read in the other
// are converted with the view's conversions (convertAcrossView), by either side's managers,
// within a group only, as upstream.

// newViewManagers makes the field managers of a view (main resource and status), of the
// view's own version.
func newViewManagers(r *resource) {
	typeConverter := fieldManagerTypes()
	r.managers = map[string]*managedfields.FieldManager{}
	for _, sub := range append([]string{""}, r.subs...) {
		if sub != "" && sub != subStatus {
			continue
		}
		fm, err := managedfields.NewDefaultFieldManager(typeConverter, fieldManagerObjectConvertor{scheme}, objectDefaulter{}, scheme,
			r.gvk(), r.gvr.GroupVersion(), sub, nil)
		if err != nil {
			panic(fmt.Sprintf("field manager for %s: %v", r.gvr, err))
		}
		r.managers[sub] = fm
	}
}

// convertAcrossView converts an object of a view into its storage's version or back (typed
// or unstructured, as the field managers hand them); ok is false when in and target are not
// the two sides of a view.
func convertAcrossView(in runtime.Object, target runtime.GroupVersioner) (runtime.Object, bool, error) {
	gvk := in.GetObjectKind().GroupVersionKind()
	for _, v := range viewKinds {
		storage := v.view.storage
		var from, to *resource
		var conv func(runtime.Object) runtime.Object
		switch gvk {
		case v.gvk():
			from, to, conv = v, storage, v.view.fromView
		case storage.gvk():
			from, to, conv = storage, v, v.view.toView
		default:
			continue
		}
		if got, ok := target.KindForGroupVersionKinds([]schema.GroupVersionKind{to.gvk()}); !ok || got != to.gvk() {
			continue
		}
		if from.gvr.Group != to.gvr.Group {
			// Upstream converts managed fields through the internal version of the entry's
			// group; events.k8s.io has none, so entries of one Event group are not carried
			// to the other (appliers in v1 and events.k8s.io/v1 do not conflict).
			return nil, true, runtime.NewNotRegisteredErrForKind(scheme.Name(), to.gvk())
		}
		typed := in
		u, isUnstructured := in.(runtime.Unstructured)
		if isUnstructured {
			typed = from.newObj()
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), typed); err != nil {
				return nil, true, err
			}
		}
		out := conv(typed)
		out.GetObjectKind().SetGroupVersionKind(to.gvk())
		if !isUnstructured {
			return out, true, nil
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(out)
		if err != nil {
			return nil, true, err
		}
		res := &unstructured.Unstructured{Object: m}
		res.SetGroupVersionKind(to.gvk())
		return res, true, nil
	}
	return nil, false, nil
}

// checkViewCreate holds an object created through a view (already in the stored form) to
// the rules of the view's version, as toStored does for a decoded one.
func (ri requestInfo) checkViewCreate(stored runtime.Object) error {
	if ri.view == nil || ri.view.view.validate == nil {
		return nil
	}
	m, err := meta.Accessor(stored)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if m.GetNamespace() == "" && ri.res.namespaced {
		m.SetNamespace(ri.namespace)
	}
	if errs := ri.view.view.validate(stored); len(errs) > 0 {
		return apierrors.NewInvalid(ri.res.gvk().GroupKind(), m.GetName(), errs)
	}
	return nil
}
