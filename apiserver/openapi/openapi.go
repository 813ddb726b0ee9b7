package openapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	restful "github.com/emicklei/go-restful/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/builder"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/cached"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/common/restfuladapter"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Resource describes one served resource for the documents.
type Resource struct {
	Group, Version string // "" , "v1" ; "apps","v1"
	Resource, Kind string // "deployments","Deployment"
	Namespaced     bool
	Verbs          []string // e.g. get list watch create update patch delete deletecollection
	Subresources   []Subresource
}

// Subresource describes one subresource of a Resource.
type Subresource struct {
	Name                 string   // "status" or "scale"
	Group, Version, Kind string   // body type: for scale "autoscaling","v1","Scale"; for status same as parent
	Verbs                []string // get update patch
}

// Docs holds the OpenAPI v2 and v3 documents of a set of resources. The
// documents are built on first use and then kept; a Docs is safe for
// concurrent use.
type Docs struct {
	scheme    *runtime.Scheme
	resources []Resource

	servicesOnce sync.Once
	services     map[string]*restful.WebService // by v3 path: "api/v1", "apis/apps/v1", "version"
	servicesErr  error

	v2Once   sync.Once
	v2       *spec.Swagger // as served: defaults pruned
	v2Schema map[string]*spec.Schema
	v2Err    error

	v3Once sync.Once
	v3     map[string]*spec3.OpenAPI // by v3 path
	v3Err  error

	extra extraDocs // documents added at run time (extra.go)
}

// New returns the documents for the given resources; types come from scheme
// (all the k8s.io/api types above are registered in it, plus metav1 types).
// Nothing is built yet: an error in the description (a kind missing from
// scheme) surfaces when the documents are first built, from Schemas and as
// a 5xx from the handlers.
func New(scheme *runtime.Scheme, resources []Resource) *Docs {
	return &Docs{scheme: scheme, resources: slices.Clone(resources)}
}

// Register adds the handlers for /openapi/v2 and /openapi/v3 (and its
// sub-paths) to mux, for GET and HEAD.
func (d *Docs) Register(mux *http.ServeMux) {
	v2 := handler.NewOpenAPIServiceLazy(cached.Once(cached.Func(func() (*spec.Swagger, string, error) {
		s, err := d.buildV2()
		return s, "v2", err
	})))
	v2.RegisterOpenAPIVersionedService("/openapi/v2", methodMux{mux})

	v3 := handler3.NewOpenAPIService()
	d.extra.register(v2, v3)
	paths := d.v3Paths()
	for p := range paths {
		v3.UpdateGroupVersionLazy(p, cached.Once(cached.Func(func() (*spec3.OpenAPI, string, error) {
			docs, err := d.buildV3()
			if err != nil {
				return nil, "", err
			}
			return docs[p], p, nil
		})))
	}
	mux.Handle("GET /openapi/v3", http.HandlerFunc(v3.HandleDiscovery))
	mux.Handle("GET /openapi/v3/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// handler3 answers an unknown group-version with an empty 200; say 404.
		if p := strings.TrimPrefix(r.URL.Path, "/openapi/v3/"); !paths[p] && !d.extra.has(p) {
			http.NotFound(w, r)
			return
		}
		v3.HandleGroupVersion(w, r)
	}))
}

// methodMux restricts the patterns kube-openapi's handlers register to GET
// (which includes HEAD), so that they never conflict with method-specific
// patterns of the engine.
type methodMux struct{ mux *http.ServeMux }

func (m methodMux) Handle(pattern string, h http.Handler) { m.mux.Handle("GET "+pattern, h) }

// Schemas returns the v2 definitions keyed by definition name (for other
// uses, e.g. a type converter); built lazily once. The map is shared: callers
// must not modify it.
func (d *Docs) Schemas() (map[string]*spec.Schema, error) {
	if _, err := d.buildV2(); err != nil {
		return nil, err
	}
	return d.v2Schema, nil
}

// v3Paths lists the paths of the v3 documents without building anything:
// "api/v1", "apis/apps/v1", …, plus "api", "apis", "apis/<group>" and "version".
func (d *Docs) v3Paths() map[string]bool {
	paths := map[string]bool{"api": true, "apis": true, "version": true}
	for _, r := range d.resources {
		paths[apiPath(schema.GroupVersion{Group: r.Group, Version: r.Version})] = true
		if r.Group != "" {
			paths["apis/"+r.Group] = true
		}
	}
	return paths
}

// webServices builds the route descriptions once.
func (d *Docs) webServices() (map[string]*restful.WebService, error) {
	d.servicesOnce.Do(func() {
		list, err := webServices(d.scheme, d.resources)
		if err != nil {
			d.servicesErr = fmt.Errorf("describe routes: %w", err)
			return
		}
		d.services = make(map[string]*restful.WebService, len(list))
		for _, ws := range list {
			d.services[strings.TrimPrefix(ws.RootPath(), "/")] = ws
		}
	})
	return d.services, d.servicesErr
}

// buildV2 builds the v2 document once.
func (d *Docs) buildV2() (*spec.Swagger, error) {
	d.v2Once.Do(func() {
		services, err := d.webServices()
		if err != nil {
			d.v2Err = err
			return
		}
		list := make([]*restful.WebService, 0, len(services))
		for _, ws := range services {
			list = append(list, ws)
		}
		namer := newDefinitionNamer(d.scheme)
		s, err := builder.BuildOpenAPISpecFromRoutes(restfuladapter.AdaptWebServices(list), &common.Config{
			ProtocolList:                   []string{"https"},
			Info:                           info(),
			DefaultResponse:                &spec.Response{ResponseProps: spec.ResponseProps{Description: "Default Response."}},
			CommonResponses:                map[int]spec.Response{http.StatusUnauthorized: {ResponseProps: spec.ResponseProps{Description: "Unauthorized"}}},
			GetDefinitions:                 allDefinitions,
			GetOperationIDAndTagsFromRoute: operationIDAndTags,
			GetDefinitionName:              namer.name,
			SecurityDefinitions: &spec.SecurityDefinitions{"BearerToken": &spec.SecurityScheme{SecuritySchemeProps: spec.SecuritySchemeProps{
				Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication",
			}}},
			DefaultSecurity: []map[string][]string{{"BearerToken": {}}},
		})
		if err != nil {
			d.v2Err = fmt.Errorf("build openapi v2: %w", err)
			return
		}
		s.Definitions = handler.PruneDefaults(s.Definitions)
		d.v2 = s
		d.v2Schema = make(map[string]*spec.Schema, len(s.Definitions))
		for name := range s.Definitions {
			def := s.Definitions[name]
			d.v2Schema[name] = &def
		}
	})
	return d.v2, d.v2Err
}

// buildV3 builds every v3 document once; they share one set of definitions.
func (d *Docs) buildV3() (map[string]*spec3.OpenAPI, error) {
	d.v3Once.Do(func() {
		services, err := d.webServices()
		if err != nil {
			d.v3Err = err
			return
		}
		namer := newDefinitionNamer(d.scheme)
		definitions := allDefinitions(func(name string) spec.Ref {
			n, _ := namer.name(name)
			return spec.MustCreateRef("#/components/schemas/" + common.EscapeJsonPointer(n))
		})
		d.v3 = make(map[string]*spec3.OpenAPI, len(services))
		for p, ws := range services {
			doc, err := builder3.BuildOpenAPISpecFromRoutes(restfuladapter.AdaptWebServices([]*restful.WebService{ws}), &common.OpenAPIV3Config{
				Info:                           info(),
				DefaultResponse:                &spec3.Response{ResponseProps: spec3.ResponseProps{Description: "Default Response."}},
				CommonResponses:                map[int]*spec3.Response{http.StatusUnauthorized: {ResponseProps: spec3.ResponseProps{Description: "Unauthorized"}}},
				Definitions:                    definitions,
				GetOperationIDAndTagsFromRoute: operationIDAndTags,
				GetDefinitionName:              namer.name,
				SecuritySchemes: spec3.SecuritySchemes{"BearerToken": &spec3.SecurityScheme{SecuritySchemeProps: spec3.SecuritySchemeProps{
					Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication",
				}}},
			})
			if err != nil {
				d.v3Err = fmt.Errorf("build openapi v3 %s: %w", p, err)
				return
			}
			doc.SecurityRequirement = []map[string][]string{{"BearerToken": {}}}
			d.v3[p] = doc
		}
	})
	return d.v3, d.v3Err
}

func info() *spec.Info {
	return &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "unversioned"}}
}
