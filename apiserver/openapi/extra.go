package openapi

import (
	"fmt"
	"strings"
	"sync"

	"k8s.io/kube-openapi/pkg/common"

	"k8s.io/kube-openapi/pkg/cached"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// extraDocs are documents of resources added while the engine runs (custom resources):
// v3 documents served beside the built-in ones, and a v2 document that merges them in.
type extraDocs struct {
	mu  sync.Mutex
	v2  *handler.OpenAPIService
	v3  *handler3.OpenAPIService
	gen int
	v3s map[string]bool // paths served
}

func (e *extraDocs) register(v2 *handler.OpenAPIService, v3 *handler3.OpenAPIService) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.v2, e.v3 = v2, v3
}

func (e *extraDocs) has(path string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.v3s[path]
}

// SetExtra replaces the documents added at run time: v3 maps v3 paths
// ("apis/<group>/<version>") to their documents' builders (called on the first request
// for the path), served beside the built-in ones (a path
// the built-in documents have is left to them); merge, unless nil, makes the v2 document
// from the built-in one (which it must not change), lazily on the next request for it.
// It takes effect once Register has been called; before that it does nothing.
func (d *Docs) SetExtra(v3 map[string]func() (*spec3.OpenAPI, error), merge func(static *spec.Swagger) (*spec.Swagger, error)) {
	e := &d.extra
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.v3 == nil {
		return
	}
	builtin := d.v3Paths()
	for p := range e.v3s {
		if _, ok := v3[p]; !ok {
			e.v3.DeleteGroupVersion(p)
		}
	}
	e.v3s = map[string]bool{}
	e.gen++
	gen := e.gen
	for p, build := range v3 {
		if builtin[p] {
			continue
		}
		e.v3.UpdateGroupVersionLazy(p, cached.Once(cached.Func(func() (*spec3.OpenAPI, string, error) {
			doc, err := build()
			return doc, fmt.Sprintf("%s-%d", p, gen), err
		})))
		e.v3s[p] = true
	}
	e.v2.UpdateSpecLazy(cached.Once(cached.Func(func() (*spec.Swagger, string, error) {
		static, err := d.buildV2()
		if err != nil || merge == nil {
			return static, fmt.Sprintf("v2-%d", gen), err
		}
		merged, err := merge(static)
		return merged, fmt.Sprintf("v2-%d", gen), err
	})))
}

// MetaSchemas are the definitions of k8s.io/apimachinery's types (ObjectMeta, ListMeta and
// what they refer to) by model name, as in the v2 document, without building it: what
// a custom resource's schema refers to. The map is shared: callers must not modify it.
var MetaSchemas = sync.OnceValue(func() map[string]*spec.Schema {
	out := map[string]*spec.Schema{}
	defs := GetOpenAPIDefinitions(func(name string) spec.Ref {
		return spec.MustCreateRef("#/definitions/" + common.EscapeJsonPointer(friendlyName(name)))
	})
	for name, def := range defs {
		if !strings.HasPrefix(name, "k8s.io/apimachinery/") {
			continue
		}
		s := def.Schema
		out[friendlyName(name)] = &s
	}
	return out
})
