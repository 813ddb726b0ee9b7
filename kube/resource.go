package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
)

// Resource is a kind of object the cluster serves, as a tab holds it: where the API serves
// it, its Kind, and whether its objects live in namespaces. It is comparable, so it keys maps.
type Resource struct {
	schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// String names the resource as kubectl does: "deployments.apps", "pods".
func (r Resource) String() string { return r.GroupResource().String() }

// GroupVersionKind is the resource's kind with its group and version.
func (r Resource) GroupVersionKind() schema.GroupVersionKind {
	return r.GroupVersion().WithKind(r.Kind)
}

// The resources of the default tabs.
var (
	Deployments = Resource{GroupVersionResource: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, Kind: "Deployment", Namespaced: true}
	Pods        = Resource{GroupVersionResource: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, Kind: "Pod", Namespaced: true}
)

// Resolver finds the resource a tab names the way kubectl finds the one `kubectl get`
// names: a plural, singular or short name, a Kind, each optionally with a group
// (`statefulsets.apps`, `sts`, `StatefulSet`, `hpa`), or fully qualified with a version
// (`cronjobs.v1.batch`). It asks discovery once and keeps the answer.
type Resolver struct {
	mapper  meta.RESTMapper
	schemas *Schemas
}

// NewResolver returns a resolver on the cluster's discovery.
func NewResolver(d discovery.DiscoveryInterface) *Resolver {
	cached := memory.NewMemCacheClient(d)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	return &Resolver{mapper: restmapper.NewShortcutExpander(mapper, cached, func(string) {}), schemas: NewSchemas(d)}
}

// HasField reports whether r's schema has the field at path (see Schemas.HasField).
func (r *Resolver) HasField(res Resource, path []FieldStep) (bool, error) {
	return r.schemas.HasField(res, path)
}

// Resolve returns the resource arg names, or an error saying that the cluster does not
// serve it.
func (r *Resolver) Resolve(arg string) (Resource, error) {
	name := strings.TrimSpace(arg)
	if name == "" {
		return Resource{}, fmt.Errorf("empty resource")
	}
	var gvr schema.GroupVersionResource
	var err error
	full, gr := schema.ParseResourceArg(strings.ToLower(name))
	if full != nil {
		gvr, err = r.mapper.ResourceFor(*full)
	}
	if gvr.Empty() {
		gvr, err = r.mapper.ResourceFor(gr.WithVersion(""))
	}
	var gvk schema.GroupVersionKind
	if err == nil {
		gvk, err = r.mapper.KindFor(gvr)
	} else {
		// Not a resource name: a Kind ("StatefulSet", "Deployment.apps")?
		fullKind, gk := schema.ParseKindArg(name)
		if fullKind != nil {
			gk = fullKind.GroupKind()
		}
		m, kerr := r.mapper.RESTMapping(gk)
		if kerr != nil {
			return Resource{}, fmt.Errorf("the cluster does not serve a resource %q (kubectl api-resources lists what it serves)", name)
		}
		gvr, gvk = m.Resource, m.GroupVersionKind
	}
	if err != nil {
		return Resource{}, fmt.Errorf("the cluster does not serve a resource %q (kubectl api-resources lists what it serves): %w", name, err)
	}
	m, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return Resource{}, fmt.Errorf("resource %q: %w", name, err)
	}
	return Resource{GroupVersionResource: gvr, Kind: gvk.Kind, Namespaced: m.Scope.Name() == meta.RESTScopeNameNamespace}, nil
}
