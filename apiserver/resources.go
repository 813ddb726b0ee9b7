package apiserver

import (
	"fmt"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"reflect"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/managedfields"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"

	"github.com/sheetops/sheetops/apiserver/openapi"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// scheme knows every type the engine serves, including the meta types (Status, lists,
// WatchEvent, DeleteOptions) registered for each group version.
var scheme = runtime.NewScheme()

// codecs decode request bodies (JSON, YAML, protobuf) and encode responses.
var codecs serializer.CodecFactory

// strictCodecs report unknown and duplicate fields as strict decoding errors.
var strictCodecs serializer.CodecFactory

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv1.AddToScheme, coordinationv1.AddToScheme,
		autoscalingv2.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme,
		discoveryv1.AddToScheme, eventsv1.AddToScheme, apiregistrationv1.AddToScheme, rbacv1.AddToScheme, certificatesv1.AddToScheme,
		authenticationv1.AddToScheme, authorizationv1.AddToScheme, apiextensionsv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	metav1.AddMetaToScheme(scheme)
	// Clients may send DeleteOptions as meta.k8s.io/v1.
	scheme.AddKnownTypes(metav1.SchemeGroupVersion, &metav1.DeleteOptions{})
	scheme.AddUnversionedTypes(metav1.SchemeGroupVersion, &metav1.Table{}, &metav1.PartialObjectMetadata{}, &metav1.PartialObjectMetadataList{})
	codecs = serializer.NewCodecFactory(scheme)
	strictCodecs = serializer.NewCodecFactory(scheme, serializer.EnableStrict)
}

// Subresource names the engine serves.
const (
	subStatus   = "status"
	subScale    = "scale"
	subFinalize = "finalize"
	subBinding  = "binding"
)

// resource describes one served resource: its names, its verbs, and how to select and store it.
type resource struct {
	gvr        schema.GroupVersionResource
	kind       string
	listKind   string
	singular   string
	namespaced bool
	shortNames []string
	categories []string
	subs       []string
	// storeKey names the resource in the store: "pods", "deployments.apps".
	storeKey string
	// fields returns the field-selector fields of an object beyond metadata.name/namespace.
	fields func(obj runtime.Object) fields.Set
	// fieldLabelConversion: upstream words an unknown field selector "field label not
	// supported: X" (kinds with a conversion function), else with the generic message.
	fieldLabelConversion bool
	// returnDeleted: a DELETE answers with the object rather than a Status, as upstream.
	returnDeleted bool
	// owner: objects of this kind can own others (cascading deletion looks for dependents,
	// foreground and orphan deletion add their finalizers); upstream's kinds whose garbage
	// collection policy is Unsupported (events) are not owners.
	owner bool
	// defaultOrphan: a delete without a propagation policy orphans the dependents, as
	// upstream's batch/v1 jobs (their DefaultGarbageCollectionPolicy).
	defaultOrphan bool
	// warning is sent with every response about the kind (a deprecation), as upstream.
	warning string
	// view: the resource is another version of view.storage's objects (views.go).
	view *view
	// strategy is what is the kind's own: defaults, validation, scale, deletion, allocation.
	strategy strategy
	// custom: a custom resource's version (custom.go); nil for the built-in kinds.
	custom *customVersion

	newObj  func() storage.Marshaler
	newList func() runtime.Object
	// managers are the field managers by subresource ("" for the main resource), built on
	// first use (fieldManager).
	managers     map[string]*managedfields.FieldManager
	managersOnce sync.Once
}

// fieldManagerTypes is the field managers' type converter, built on first use (Start warms
// it in the background): the schemas of the served kinds, read from their generated
// OpenAPI definitions (servedTypes), about 15 ms on 2 cores.
var fieldManagerTypes = sync.OnceValue(newFieldManagerTypeConverter)

// fieldManager is the field manager of the resource's subresource ("" for the main
// resource); nil for the subresources and views that have none.
func (r *resource) fieldManager(sub string) *managedfields.FieldManager {
	r.managersOnce.Do(func() {
		switch {
		case r.managers != nil:
			return // built with the resource: a custom resource's versions
		case r.view != nil:
			newViewManagers(r) // a built-in view applies in its own version (viewapply.go)
			return
		}
		r.managers = map[string]*managedfields.FieldManager{}
		for _, sub := range append([]string{""}, r.subs...) {
			if sub == subScale || sub == subFinalize || sub == subBinding || sub == subLog {
				continue
			}
			fm, err := managedfields.NewDefaultFieldManager(fieldManagerTypes(), fieldManagerObjectConvertor{scheme}, objectDefaulter{}, scheme,
				r.gvk(), r.gvr.GroupVersion(), sub, nil)
			if err != nil {
				panic(fmt.Sprintf("field manager for %s: %v", r.gvr, err))
			}
			r.managers[sub] = fm
		}
	})
	return r.managers[sub]
}

// fieldManagerUnless is the field manager of a write with o of res's subresource sub
// (res.fieldManager(sub), startFieldManager's at start), or nil without building it when skip.
func fieldManagerUnless(skip bool, res *resource, sub string, o writeOptions) *managedfields.FieldManager {
	switch {
	case skip:
		return nil
	case o.bootstrap:
		return startFieldManager(res, sub)
	}
	return res.fieldManager(sub)
}

// warmFieldManagers builds every field manager ahead of the first write that needs one.
func warmFieldManagers() {
	for _, r := range resources {
		r.fieldManager("")
	}
}

func (r *resource) gvk() schema.GroupVersionKind { return r.gvr.GroupVersion().WithKind(r.kind) }

func (r *resource) groupResource() schema.GroupResource { return r.gvr.GroupResource() }

func (r *resource) hasSub(name string) bool {
	for _, s := range r.subs {
		if s == name {
			return true
		}
	}
	return false
}

var resourceVerbs = metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// resources is every resource the engine serves, in discovery order within each group.
var resources = slices.Concat(workloadKinds, servedKinds, viewKinds, apiServiceKinds, rbacKinds, identityKinds, extensionKinds)

// workloadKinds are the kinds the engine's controllers act on.
var workloadKinds = []*resource{
	{
		gvr: corev1.SchemeGroupVersion.WithResource("namespaces"), kind: "Namespace", singular: "namespace",
		shortNames: []string{"ns"}, subs: []string{subStatus, subFinalize}, returnDeleted: true, fieldLabelConversion: true,
		strategy: namespaceStrategy{},
		fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"status.phase": string(obj.(*corev1.Namespace).Status.Phase)}
		},
		newObj: func() storage.Marshaler { return &corev1.Namespace{} }, newList: func() runtime.Object { return &corev1.NamespaceList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("nodes"), kind: "Node", singular: "node",
		shortNames: []string{"no"}, subs: []string{subStatus}, fieldLabelConversion: true,
		fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"spec.unschedulable": fmt.Sprint(obj.(*corev1.Node).Spec.Unschedulable)}
		},
		newObj: func() storage.Marshaler { return &corev1.Node{} }, newList: func() runtime.Object { return &corev1.NodeList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("pods"), kind: "Pod", singular: "pod", namespaced: true,
		shortNames: []string{"po"}, categories: []string{"all"}, subs: []string{subBinding, subLog, subStatus}, returnDeleted: true, fieldLabelConversion: true,
		strategy: podStrategy{},
		fields:   podFields,
		newObj:   func() storage.Marshaler { return &corev1.Pod{} }, newList: func() runtime.Object { return &corev1.PodList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("deployments"), kind: "Deployment", singular: "deployment", namespaced: true,
		shortNames: []string{"deploy"}, categories: []string{"all"}, subs: []string{subScale, subStatus}, owner: true,
		strategy: deploymentStrategy,
		newObj:   func() storage.Marshaler { return &appsv1.Deployment{} }, newList: func() runtime.Object { return &appsv1.DeploymentList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("replicasets"), kind: "ReplicaSet", singular: "replicaset", namespaced: true,
		shortNames: []string{"rs"}, categories: []string{"all"}, subs: []string{subScale, subStatus}, owner: true,
		strategy: replicaSetStrategy,
		fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"status.replicas": fmt.Sprint(obj.(*appsv1.ReplicaSet).Status.Replicas)}
		},
		newObj: func() storage.Marshaler { return &appsv1.ReplicaSet{} }, newList: func() runtime.Object { return &appsv1.ReplicaSetList{} },
	},
	{
		gvr: coordinationv1.SchemeGroupVersion.WithResource("leases"), kind: "Lease", singular: "lease", namespaced: true,
		newObj: func() storage.Marshaler { return &coordinationv1.Lease{} }, newList: func() runtime.Object { return &coordinationv1.LeaseList{} },
	},
}

func podFields(obj runtime.Object) fields.Set {
	p := obj.(*corev1.Pod)
	return fields.Set{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         fmt.Sprint(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             p.Status.PodIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

// byType finds the resource of a stored object's Go type.
var byType = map[reflect.Type]*resource{}

// resourceOf is the resource whose objects have obj's type, or nil.
func resourceOf(obj runtime.Object) *resource { return byType[reflect.TypeOf(obj)] }

// resourceIndex finds a resource by group, version and plural name.
type resourceIndex map[schema.GroupVersionResource]*resource

// byStoreKey finds a resource by its store key.
var byStoreKey = map[string]*resource{}

var index = resourceIndex{}

// objectDefaulter applies our defaults for the field managers.
type objectDefaulter struct{}

func (objectDefaulter) Default(obj runtime.Object) {
	if r := resourceOf(obj); r != nil {
		r.strategy.Default(obj)
	}
}

// fieldManagerTypeConverter is the field managers' TypeConverter: client-go's (the schema of
// the k8s.io/api types), except that a typed object is converted without its
// metadata.managedFields. The field managers read managed fields from the objects'
// metadata themselves and always take them out of the new object, so in the live object
// they only ever count as removed fields, which can be in no manager's set (stripMeta
// keeps metadata.managedFields out of them): converting them, which goes through JSON for
// every entry's fieldsV1, changes nothing but the cost, the largest part of an update's.
//
// A typed object is also not validated against the schema when duplicates are allowed
// (the structured merge manager's conversions): the schema is generated from the very Go
// types the object is made of, so it cannot hold a field the schema lacks or a value of
// another type, and duplicate keys are allowed; validation would walk it once more for
// nothing. Conversions that do not allow duplicates (client-side apply's last-applied
// comparison) and every unstructured object (an apply configuration) are validated.
type fieldManagerTypeConverter struct {
	managedfields.TypeConverter
	types map[schema.GroupVersionKind]*typed.TypedValue // an empty object of each kind: its schema and type
}

func (c fieldManagerTypeConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if _, ok := obj.(*unstructured.Unstructured); ok {
		return c.TypeConverter.ObjectToTyped(obj, opts...)
	}
	if slices.Contains(opts, typed.AllowDuplicates) {
		if p, ok := comparedAs.Load(obj); ok {
			obj = p.(runtime.Object)
		}
	}
	if m, err := meta.Accessor(obj); err == nil && len(m.GetManagedFields()) > 0 {
		obj = shallowCopy(obj)
		m, _ = meta.Accessor(obj)
		m.SetManagedFields(nil)
	}
	t := c.types[obj.GetObjectKind().GroupVersionKind()]
	if t == nil || !slices.Contains(opts, typed.AllowDuplicates) {
		return c.TypeConverter.ObjectToTyped(obj, opts...)
	}
	v, err := value.NewValueReflect(obj)
	if err != nil {
		return nil, fmt.Errorf("error creating struct value reflector: %v", err)
	}
	return typed.AsTypedUnvalidated(v, t.Schema(), t.TypeRef()), nil
}

// comparedAs maps each of the two objects of a field manager update in progress to the copy
// the type converter converts in its place (updateManaged).
var comparedAs sync.Map

// updateManaged is fm.UpdateNoErrors(live, obj, manager), except that the structured merge
// manager compares copies of live and obj without the parts they have in common.
//
// What the field managers read of the two objects' content is only their comparison
// (structured-merge-diff's Compare: the fields added, removed and modified from live to
// obj). A field whose value is the same in both adds nothing to that comparison, whether it
// is walked or absent from both; walking it is most of an update's cost (for a change of a
// pod's labels: its whole spec and status, twice, by reflection). So both objects are copied
// with every field that is equal in both (reflect.DeepEqual: equal in memory, so equal in
// every representation) zeroed in both copies, and the type converter converts the copies
// instead of the objects while the update runs. Everything else (managed fields read from
// and written to the objects' metadata, the object returned) is as without the copies.
//
// With remember (a kind stored in the version it is served in, written after start), an
// update like fm's last one worked out in full gets that one's entries (rememberedfields.go).
func updateManaged(fm *managedfields.FieldManager, live, obj runtime.Object, manager string, remember bool) runtime.Object {
	if isCustom(obj) {
		return fm.UpdateNoErrors(live, obj, manager) // its copies would share the objects' maps
	}
	lc, nc, ok := withoutCommonFields(live, obj)
	if !ok {
		return fm.UpdateNoErrors(live, obj, manager)
	}
	comparedAs.Store(live, lc)
	comparedAs.Store(obj, nc)
	defer comparedAs.Delete(obj)
	defer comparedAs.Delete(live)
	if remember {
		return updateRemembered(fm, live, obj, lc, nc, manager)
	}
	return fm.UpdateNoErrors(live, obj, manager)
}

// withoutCommonFields returns shallow copies of a and b (pointers to structs of one type)
// in which every field equal in a and b is zero, looking into struct fields whose values
// differ down to two levels (metadata; spec, and a deployment's spec.template), and without
// managed fields (which the type converter leaves out anyway).
func withoutCommonFields(a, b runtime.Object) (runtime.Object, runtime.Object, bool) {
	av, bv := reflect.ValueOf(a), reflect.ValueOf(b)
	if av.Type() != bv.Type() || av.Kind() != reflect.Pointer || av.IsNil() || bv.IsNil() || av.Elem().Kind() != reflect.Struct {
		return nil, nil, false
	}
	ac, bc := reflect.New(av.Type().Elem()), reflect.New(av.Type().Elem())
	ac.Elem().Set(av.Elem())
	bc.Elem().Set(bv.Elem())
	zeroCommonFields(ac.Elem(), bc.Elem(), 2)
	ao, bo := ac.Interface().(runtime.Object), bc.Interface().(runtime.Object)
	for _, o := range []runtime.Object{ao, bo} {
		if m, err := meta.Accessor(o); err == nil {
			m.SetManagedFields(nil)
		}
	}
	return ao, bo, true
}

var typeMetaType = reflect.TypeFor[metav1.TypeMeta]()

// zeroCommonFields zeroes, in the addressable structs a and b of one type, the exported
// fields that are equal in both, and recurses depth levels into struct fields that are not.
func zeroCommonFields(a, b reflect.Value, depth int) {
	t := a.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type == typeMetaType {
			continue
		}
		fa, fb := a.Field(i), b.Field(i)
		if reflect.DeepEqual(fa.Addr().Interface(), fb.Addr().Interface()) {
			fa.SetZero()
			fb.SetZero()
			continue
		}
		if depth > 0 && f.Type.Kind() == reflect.Struct {
			zeroCommonFields(fa, fb, depth-1)
		}
	}
}

func newFieldManagerTypeConverter() fieldManagerTypeConverter {
	tc, err := servedTypes()
	if err != nil {
		panic(fmt.Sprintf("field managers' types: %v", err))
	}
	c := fieldManagerTypeConverter{TypeConverter: tc, types: map[schema.GroupVersionKind]*typed.TypedValue{}}
	for _, r := range resources {
		obj := r.newObj()
		obj.GetObjectKind().SetGroupVersionKind(r.gvk())
		t, err := c.TypeConverter.ObjectToTyped(obj)
		if err != nil {
			panic(fmt.Sprintf("type of %s: %v", r.gvk(), err))
		}
		c.types[r.gvk()] = t
	}
	return c
}

// servedTypes is a type converter of the built-in kinds the engine serves (resources), from
// their OpenAPI definitions (definitionTypes). client-go's converter
// (applyconfigurations.NewTypeConverter), generated from the same definitions, parses the
// schema of every k8s.io/api kind from YAML: about 140 ms on 2 cores and 3 MiB of heap in
// use for good (1.4 MiB live, the rest spans the parse's garbage leaves partly used), where
// this takes about 15 ms and 0.5 MiB. TestServedTypes holds the two to the same schema for
// every served kind.
func servedTypes() (managedfields.TypeConverter, error) {
	var kinds []schema.GroupVersionKind
	for _, r := range resources {
		if r.custom == nil && !slices.Contains(kinds, r.gvk()) {
			kinds = append(kinds, r.gvk())
		}
	}
	return definitionTypes(kinds)
}

// definitionTypes is a type converter of kinds, built as kube-apiserver builds its own:
// from the OpenAPI definitions generated from their Go types (package openapi's, then
// kube-aggregator's and apiextensions-apiserver's for the kinds of their groups), each
// kind's with those it refers to and tagged with its group, version and kind.
func definitionTypes(kinds []schema.GroupVersionKind) (managedfields.TypeConverter, error) {
	names := make([]string, 0, len(kinds))
	tagged := map[string][]any{} // model name -> its group version kinds
	for _, gvk := range kinds {
		obj, err := scheme.New(gvk)
		if err != nil {
			return nil, err
		}
		named, ok := obj.(interface{ OpenAPIModelName() string })
		if !ok {
			return nil, fmt.Errorf("no OpenAPI model name for %s", gvk)
		}
		name := named.OpenAPIModelName()
		names = append(names, name)
		tagged[name] = append(tagged[name], map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind})
	}
	ref := func(name string) spec.Ref { return spec.MustCreateRef("#/definitions/" + name) }
	defs, err := openapi.Definitions(ref, names...)
	if err != nil {
		return nil, err
	}
	schemas := make(map[string]*spec.Schema, len(defs))
	for name, def := range defs {
		sch := def.Schema
		if v2, ok := sch.Extensions[common.ExtensionV2Schema].(spec.Schema); ok {
			sch = v2 // a scalar of two types (intstr.IntOrString): untyped, where its v3 form (oneOf) would be deduced
		}
		schemas[name] = &sch
	}
	for name, gvks := range tagged {
		schemas[name].AddExtension("x-kubernetes-group-version-kind", gvks)
	}
	return managedfields.NewTypeConverter(schemas, false)
}

// fieldManagerObjectConvertor is the scheme, converting without copying: every kind is
// served in one version, so a conversion only sets the kind, and the engine hands the
// field managers objects of their own (the request's object, a shallow copy of the live one).
type fieldManagerObjectConvertor struct{ *runtime.Scheme }

func (c fieldManagerObjectConvertor) ConvertToVersion(in runtime.Object, gv runtime.GroupVersioner) (runtime.Object, error) {
	if out, ok, err := convertAcrossView(in, gv); ok {
		return out, err
	}
	return c.Scheme.UnsafeConvertToVersion(in, gv)
}

func init() {
	for _, r := range resources {
		if r.strategy == nil {
			r.strategy = validatedStrategy{}
		}
		r.listKind = r.kind + "List"
		r.storeKey = r.gvr.GroupResource().String()
		index[r.gvr] = r
		byType[reflect.TypeOf(r.newObj())] = r
		if r.view != nil {
			continue // resolved below, once every storage resource is indexed
		}
		byStoreKey[r.storeKey] = r
	}
}

func init() {
	for _, r := range resources {
		if r.view == nil {
			continue
		}
		r.view.storage = index[r.view.storageGVR]
		r.storeKey = r.view.storage.storeKey
		r.strategy = r.view.storage.strategy
	}
}

// storedResources are the resources whose objects the store holds in their own version:
// every resource but the views.
func storedResources() []*resource {
	out := make([]*resource, 0, len(resources))
	for _, r := range resources {
		if r.view == nil {
			out = append(out, r)
		}
	}
	return out
}

// newStoreObject is the store's constructor for a resource key.
func newStoreObject(key string) (storage.Marshaler, bool) {
	r, ok := byStoreKey[key]
	if !ok {
		return nil, false
	}
	return r.newObj(), true
}
