package apiserver

import (
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// bootstrapKinds are the kinds the engine writes at start (bootstrap).
var bootstrapKinds = []schema.GroupVersionKind{
	corev1.SchemeGroupVersion.WithKind("Namespace"),
	corev1.SchemeGroupVersion.WithKind("Service"),
	corev1.SchemeGroupVersion.WithKind("ConfigMap"),
	rbacv1.SchemeGroupVersion.WithKind("ClusterRole"),
	rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBinding"),
	apiregistrationv1.SchemeGroupVersion.WithKind("APIService"),
}

// bootstrapTypes is a type converter for bootstrapKinds alone (definitionTypes, from
// their OpenAPI definitions and those they refer to): a few milliseconds, where the field
// managers' (fieldManagerTypes) is built from every served kind's, which start-up would
// otherwise wait for. The schemas are the same, so the managed fields are the same
// (TestBootstrapFields).
var bootstrapTypes = sync.OnceValues(func() (fieldManagerTypeConverter, error) {
	tc, err := definitionTypes(bootstrapKinds)
	if err != nil {
		return fieldManagerTypeConverter{}, err
	}
	c := fieldManagerTypeConverter{TypeConverter: tc, types: map[schema.GroupVersionKind]*typed.TypedValue{}}
	for _, gvk := range bootstrapKinds {
		obj, _ := scheme.New(gvk)
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		if c.types[gvk], err = tc.ObjectToTyped(obj); err != nil {
			return fieldManagerTypeConverter{}, fmt.Errorf("type of %s: %w", gvk, err)
		}
	}
	return c, nil
})

// bootstrapManagers are bootstrapTypes' field managers by kind and subresource.
var bootstrapManagers sync.Map // "group/version/kind/subresource" → *managedfields.FieldManager

// startFieldManager is the field manager of res's subresource sub for the engine's own
// writes at start (writeOptions.bootstrap): bootstrapTypes' for bootstrapKinds, else the
// resource's own.
func startFieldManager(res *resource, sub string) *managedfields.FieldManager {
	gvk := res.gvk()
	key := gvk.String() + "/" + sub
	if fm, ok := bootstrapManagers.Load(key); ok {
		return fm.(*managedfields.FieldManager)
	}
	tc, err := bootstrapTypes()
	if err != nil || res.custom != nil || !slices.Contains(bootstrapKinds, gvk) {
		return res.fieldManager(sub)
	}
	fm, err := managedfields.NewDefaultFieldManager(tc, fieldManagerObjectConvertor{scheme}, objectDefaulter{}, scheme, gvk, gvk.GroupVersion(), sub, nil)
	if err != nil {
		return res.fieldManager(sub)
	}
	stored, _ := bootstrapManagers.LoadOrStore(key, fm)
	return stored.(*managedfields.FieldManager)
}
