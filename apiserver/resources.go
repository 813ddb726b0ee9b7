package apiserver

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"

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
	// owner: objects of this kind can own others (cascading deletion looks for dependents).
	owner bool

	newObj   func() storage.Marshaler
	newList  func() runtime.Object
	managers map[string]*managedfields.FieldManager // by subresource ("" for the main resource)
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
var resources = []*resource{
	{
		gvr: corev1.SchemeGroupVersion.WithResource("namespaces"), kind: "Namespace", singular: "namespace",
		shortNames: []string{"ns"}, subs: []string{subStatus, subFinalize}, returnDeleted: true, fieldLabelConversion: true,
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
		shortNames: []string{"po"}, categories: []string{"all"}, subs: []string{subBinding, subStatus}, returnDeleted: true, fieldLabelConversion: true,
		fields: podFields,
		newObj: func() storage.Marshaler { return &corev1.Pod{} }, newList: func() runtime.Object { return &corev1.PodList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("deployments"), kind: "Deployment", singular: "deployment", namespaced: true,
		shortNames: []string{"deploy"}, categories: []string{"all"}, subs: []string{subScale, subStatus}, owner: true,
		newObj: func() storage.Marshaler { return &appsv1.Deployment{} }, newList: func() runtime.Object { return &appsv1.DeploymentList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("replicasets"), kind: "ReplicaSet", singular: "replicaset", namespaced: true,
		shortNames: []string{"rs"}, categories: []string{"all"}, subs: []string{subScale, subStatus}, owner: true,
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

// resourceIndex finds a resource by group, version and plural name.
type resourceIndex map[schema.GroupVersionResource]*resource

// byStoreKey finds a resource by its store key.
var byStoreKey = map[string]*resource{}

var index = resourceIndex{}

// objectDefaulter applies our defaults for the field managers.
type objectDefaulter struct{}

func (objectDefaulter) Default(obj runtime.Object) { defaultObject(obj) }

func init() {
	typeConverter := applyconfigurations.NewTypeConverter(scheme)
	for _, r := range resources {
		r.listKind = r.kind + "List"
		r.storeKey = r.gvr.GroupResource().String()
		index[r.gvr] = r
		byStoreKey[r.storeKey] = r
		r.managers = map[string]*managedfields.FieldManager{}
		for _, sub := range append([]string{""}, r.subs...) {
			if sub == subScale || sub == subFinalize || sub == subBinding {
				continue
			}
			fm, err := managedfields.NewDefaultFieldManager(typeConverter, scheme, objectDefaulter{}, scheme,
				r.gvk(), r.gvr.GroupVersion(), sub, nil)
			if err != nil {
				panic(fmt.Sprintf("field manager for %s: %v", r.gvr, err))
			}
			r.managers[sub] = fm
		}
	}
}

// newStoreObject is the store's constructor for a resource key.
func newStoreObject(key string) (storage.Marshaler, bool) {
	r, ok := byStoreKey[key]
	if !ok {
		return nil, false
	}
	return r.newObj(), true
}
