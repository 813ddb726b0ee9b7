package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	mapper    meta.RESTMapper
	schemas   *Schemas
	discovery discovery.DiscoveryInterface // cached

	mu   stdsync.Mutex
	crds map[Resource]crdVersion // the definitions read, by resource
}

// NewResolver returns a resolver on the cluster's discovery.
func NewResolver(d discovery.DiscoveryInterface) *Resolver {
	cached := memory.NewMemCacheClient(d)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	return &Resolver{mapper: restmapper.NewShortcutExpander(mapper, cached, func(string) {}), schemas: NewSchemas(d), discovery: cached}
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

// ReplicasPath is where the objects of res keep the replica count that its scale
// subresource moves: ".spec.replicas" for the built-in kinds, a custom resource's
// specReplicasPath, read from its CustomResourceDefinition; "" when res has no scale
// subresource. A custom resource whose definition SheetOps may not read is taken to keep
// it at .spec.replicas when its schema has that field.
func (r *Resolver) ReplicasPath(res Resource) (string, error) {
	list, err := r.discovery.ServerResourcesForGroupVersion(res.GroupVersion().String())
	if err != nil {
		return "", fmt.Errorf("discovery of %s: %w", res.GroupVersion(), err)
	}
	if !slices.ContainsFunc(list.APIResources, func(ar metav1.APIResource) bool { return ar.Name == res.Resource+"/scale" }) {
		return "", nil
	}
	if builtinGroup(res.Group) {
		return ".spec.replicas", nil
	}
	v, err := r.definition(res)
	if err != nil {
		if has, herr := r.schemas.HasField(res, []FieldStep{{Key: "spec"}, {Key: "replicas"}}); herr == nil && has {
			return ".spec.replicas", nil
		}
		return "", fmt.Errorf("has a scale subresource, but its CustomResourceDefinition cannot be read to find where it keeps its replicas: %w", err)
	}
	if v.Subresources == nil || v.Subresources.Scale == nil {
		return "", nil
	}
	return v.Subresources.Scale.SpecReplicasPath, nil
}

// PrinterColumn is one of a custom resource's additionalPrinterColumns: what `kubectl get`
// shows for it.
type PrinterColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // integer, number, string, boolean, date
	JSONPath string `json:"jsonPath"`
	Priority int32  `json:"priority"`
}

// PrinterColumns are the additionalPrinterColumns of a custom resource's version, as its
// CustomResourceDefinition declares them; none for a built-in resource (the API server
// computes theirs) or when the definition cannot be read.
func (r *Resolver) PrinterColumns(res Resource) []PrinterColumn {
	if builtinGroup(res.Group) {
		return nil
	}
	v, err := r.definition(res)
	if err != nil {
		return nil
	}
	return v.PrinterColumns
}

// crdVersion is what SheetOps reads of one version of a CustomResourceDefinition.
type crdVersion struct {
	Name         string `json:"name"`
	Subresources *struct {
		Scale *struct {
			SpecReplicasPath string `json:"specReplicasPath"`
		} `json:"scale"`
	} `json:"subresources"`
	PrinterColumns []PrinterColumn `json:"additionalPrinterColumns"`
}

// definition reads res's version of its CustomResourceDefinition (once).
func (r *Resolver) definition(res Resource) (crdVersion, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.crds[res]; ok {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := r.discovery.RESTClient().Get().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", res.GroupResource().String()).
		SetHeader("Accept", "application/json").DoRaw(ctx)
	if err != nil {
		return crdVersion{}, err
	}
	var crd struct {
		Spec struct {
			Versions []crdVersion `json:"versions"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &crd); err != nil {
		return crdVersion{}, fmt.Errorf("its CustomResourceDefinition: %w", err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name == res.Version {
			if r.crds == nil {
				r.crds = map[Resource]crdVersion{}
			}
			r.crds[res] = v
			return v, nil
		}
	}
	return crdVersion{}, fmt.Errorf("its CustomResourceDefinition has no version %s", res.Version)
}

// builtinGroup reports whether a group is one of Kubernetes' own: the core group, a
// one-word group (apps, batch, autoscaling) or one under k8s.io.
func builtinGroup(group string) bool {
	return !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io")
}
