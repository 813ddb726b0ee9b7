package openapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/spec3"
	openapiproto "k8s.io/kube-openapi/pkg/util/proto"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// testScheme registers the types the engine serves.
func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv1.AddToScheme, coordinationv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// testResources are the resources the engine serves.
func testResources() []Resource {
	all := []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	status := func(group, kind string) Subresource {
		return Subresource{Name: "status", Group: group, Version: "v1", Kind: kind, Verbs: []string{"get", "update", "patch"}}
	}
	scale := Subresource{Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: []string{"get", "update", "patch"}}
	return []Resource{
		{Version: "v1", Resource: "namespaces", Kind: "Namespace", Verbs: all, Subresources: []Subresource{status("", "Namespace")}},
		{Version: "v1", Resource: "pods", Kind: "Pod", Namespaced: true, Verbs: all, Subresources: []Subresource{status("", "Pod")}},
		{Version: "v1", Resource: "nodes", Kind: "Node", Verbs: all, Subresources: []Subresource{status("", "Node")}},
		{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true, Verbs: all, Subresources: []Subresource{status("apps", "Deployment"), scale}},
		{Group: "apps", Version: "v1", Resource: "replicasets", Kind: "ReplicaSet", Namespaced: true, Verbs: all, Subresources: []Subresource{status("apps", "ReplicaSet"), scale}},
		{Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Kind: "Lease", Namespaced: true, Verbs: all},
	}
}

// newTestServer serves the documents of testResources.
func newTestServer(t *testing.T) (*httptest.Server, *Docs) {
	t.Helper()
	d := New(testScheme(t), testResources())
	mux := http.NewServeMux()
	d.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, d
}

// get fetches url with the given Accept header and fails the test unless
// the answer is 200.
func get(t *testing.T, url, accept string) ([]byte, http.Header) {
	t.Helper()
	body, header, err := fetch(url, accept)
	if err != nil {
		t.Fatal(err)
	}
	return body, header
}

// fetch is get for goroutines other than the test's.
func fetch(url, accept string) ([]byte, http.Header, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	return body, resp.Header, nil
}

// gvkList reads an x-kubernetes-group-version-kind list of a decoded schema.
func gvkList(v any) []map[string]any {
	var out []map[string]any
	list, _ := v.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func hasGVK(list []map[string]any, gvk schema.GroupVersionKind) bool {
	for _, e := range list {
		if e["group"] == gvk.Group && e["version"] == gvk.Version && e["kind"] == gvk.Kind {
			return true
		}
	}
	return false
}

// unresolvedRefs walks a decoded document and returns every "$ref" that
// does not point at an existing entry of the document.
func unresolvedRefs(doc map[string]any) []string {
	var missing []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && lookupRef(doc, ref) == nil {
				missing = append(missing, ref)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return missing
}

// lookupRef resolves a local JSON pointer such as "#/definitions/x".
func lookupRef(doc map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

func TestV2Document(t *testing.T) {
	srv, _ := newTestServer(t)

	tests := []struct {
		name   string
		accept string
		decode func(t *testing.T, body []byte) *openapi_v2.Document
	}{
		{
			name:   "json",
			accept: "application/json",
			decode: func(t *testing.T, body []byte) *openapi_v2.Document {
				doc, err := openapi_v2.ParseDocument(body)
				if err != nil {
					t.Fatalf("parse json: %v", err)
				}
				return doc
			},
		},
		{
			name:   "protobuf as kubectl asks for it",
			accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
			decode: func(t *testing.T, body []byte) *openapi_v2.Document {
				doc := &openapi_v2.Document{}
				if err := proto.Unmarshal(body, doc); err != nil {
					t.Fatalf("unmarshal protobuf: %v", err)
				}
				return doc
			},
		},
		{
			name:   "protobuf",
			accept: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
			decode: func(t *testing.T, body []byte) *openapi_v2.Document {
				doc := &openapi_v2.Document{}
				if err := proto.Unmarshal(body, doc); err != nil {
					t.Fatalf("unmarshal protobuf: %v", err)
				}
				return doc
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := get(t, srv.URL+"/openapi/v2", tt.accept)
			doc := tt.decode(t, body)

			// kubectl builds its models from the gnostic document like this.
			models, err := openapiproto.NewOpenAPIData(doc)
			if err != nil {
				t.Fatalf("kubectl models: %v", err)
			}
			if models.LookupModel("io.k8s.api.apps.v1.Deployment") == nil {
				t.Error("kubectl models: no io.k8s.api.apps.v1.Deployment")
			}

			raw, err := doc.YAMLValue("")
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := yaml.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			if missing := unresolvedRefs(m); len(missing) > 0 {
				t.Errorf("%d unresolved $ref, first %q", len(missing), missing[0])
			}

			defs, _ := m["definitions"].(map[string]any)
			kinds := []schema.GroupVersionKind{
				{Group: "apps", Version: "v1", Kind: "Deployment"},
				{Group: "apps", Version: "v1", Kind: "ReplicaSet"},
				{Group: "", Version: "v1", Kind: "Pod"},
				{Group: "", Version: "v1", Kind: "Namespace"},
				{Group: "", Version: "v1", Kind: "Node"},
				{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"},
				{Group: "autoscaling", Version: "v1", Kind: "Scale"},
				{Group: "", Version: "v1", Kind: "Status"},
				{Group: "apps", Version: "v1", Kind: "DeleteOptions"},
				{Group: "apps", Version: "v1", Kind: "WatchEvent"},
			}
			for _, gvk := range kinds {
				found := false
				for _, def := range defs {
					if d, ok := def.(map[string]any); ok && hasGVK(gvkList(d[extensionGVK]), gvk) {
						found = true
					}
				}
				if !found {
					t.Errorf("no definition has the extension for %v", gvk)
				}
			}
			deployment, _ := defs["io.k8s.api.apps.v1.Deployment"].(map[string]any)
			if !hasGVK(gvkList(deployment[extensionGVK]), schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}) {
				t.Errorf("io.k8s.api.apps.v1.Deployment extension = %v", deployment[extensionGVK])
			}

			paths, _ := m["paths"].(map[string]any)
			item, _ := paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].(map[string]any)
			patch, _ := item["patch"].(map[string]any)
			if patch == nil {
				t.Fatal("no patch operation on deployments/{name}")
			}
			if got := patch[extensionAction]; got != "patch" {
				t.Errorf("patch %s = %v", extensionAction, got)
			}
			var names []string
			for _, p := range patch["parameters"].([]any) {
				p := p.(map[string]any)
				if ref, ok := p["$ref"].(string); ok {
					p, _ = lookupRef(m, ref).(map[string]any)
				}
				names = append(names, p["name"].(string))
			}
			for _, want := range []string{"fieldValidation", "fieldManager", "dryRun", "force", "body"} {
				if !slices.Contains(names, want) {
					t.Errorf("patch parameters %v lack %s", names, want)
				}
			}
		})
	}
}

func TestV3Discovery(t *testing.T) {
	srv, _ := newTestServer(t)
	body, header := get(t, srv.URL+"/openapi/v3", "")
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var disc struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &disc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1", "api", "apis", "apis/apps", "version"} {
		t.Run(p, func(t *testing.T) {
			u := disc.Paths[p].ServerRelativeURL
			if !strings.HasPrefix(u, "/openapi/v3/"+p+"?hash=") {
				t.Fatalf("serverRelativeURL = %q", u)
			}
			body, header := get(t, srv.URL+u, "application/json")
			if header.Get("Cache-Control") == "" {
				t.Error("no Cache-Control on a hashed URL")
			}
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if missing := unresolvedRefs(doc); len(missing) > 0 {
				t.Errorf("%d unresolved $ref, first %q", len(missing), missing[0])
			}
			get(t, srv.URL+u, "application/com.github.proto-openapi.spec.v3@v1.0+protobuf")
		})
	}
}

func TestV3UnknownGroupVersion(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, p := range []string{"/openapi/v3/apis/batch/v1", "/openapi/v3/api/v2", "/openapi/v3/"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

// newRoot reads the v3 documents through client-go as kubectl does.
func newRoot(t *testing.T, url string) openapi3.Root {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: url})
	if err != nil {
		t.Fatal(err)
	}
	return openapi3.NewRoot(dc.OpenAPIV3())
}

// schemaByGVK finds the schema carrying gvk in its extension, as kubectl
// explain does.
func schemaByGVK(doc *spec3.OpenAPI, gvk schema.GroupVersionKind) (string, bool) {
	for name, s := range doc.Components.Schemas {
		if hasGVK(gvkList(s.Extensions[extensionGVK]), gvk) {
			return name, true
		}
	}
	return "", false
}

func TestV3ThroughClientGo(t *testing.T) {
	srv, _ := newTestServer(t)
	root := newRoot(t, srv.URL)

	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []schema.GroupVersion{{Version: "v1"}, {Group: "apps", Version: "v1"}, {Group: "coordination.k8s.io", Version: "v1"}} {
		if !slices.Contains(gvs, want) {
			t.Errorf("GroupVersions() = %v, lacks %v", gvs, want)
		}
	}

	tests := []struct {
		gvk      schema.GroupVersionKind
		path     []string // field path from the kind's schema
		wantType string
	}{
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, []string{"spec", "replicas"}, "integer"},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}, []string{"spec", "template", "spec", "containers"}, "array"},
		{schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, []string{"spec", "replicas"}, "integer"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, []string{"spec", "containers"}, "array"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Node"}, []string{"spec", "unschedulable"}, "boolean"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, []string{"status", "phase"}, "string"},
		{schema.GroupVersionKind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}, []string{"spec", "holderIdentity"}, "string"},
	}
	for _, tt := range tests {
		t.Run(tt.gvk.Kind, func(t *testing.T) {
			gv := tt.gvk.GroupVersion()
			if tt.gvk.Kind == "Scale" {
				gv = schema.GroupVersion{Group: "apps", Version: "v1"} // served under apps/v1
			}
			doc, err := root.GVSpec(gv)
			if err != nil {
				t.Fatal(err)
			}
			name, ok := schemaByGVK(doc, tt.gvk)
			if !ok {
				t.Fatalf("no schema with the extension for %v", tt.gvk)
			}
			s := doc.Components.Schemas[name]
			for _, field := range tt.path {
				prop, ok := s.Properties[field]
				if !ok {
					t.Fatalf("%s: no field %q", name, field)
				}
				s = &prop
				// Follow $ref, directly or wrapped in a single allOf.
				for {
					ref := s.Ref.String()
					if ref == "" && len(s.AllOf) == 1 {
						ref = s.AllOf[0].Ref.String()
					}
					if ref == "" {
						break
					}
					next, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
					if !ok {
						t.Fatalf("unresolved %s", ref)
					}
					s = next
				}
			}
			if len(s.Type) != 1 || s.Type[0] != tt.wantType {
				t.Errorf("%v %s: type %v, want %s", tt.gvk, strings.Join(tt.path, "."), s.Type, tt.wantType)
			}
		})
	}
}

// TestFieldValidationSupported replicates cli-runtime's queryParamVerifierV3:
// kubectl sends fieldValidation=Strict and skips client-side validation only
// when a PATCH operation whose group-version-kind extension matches the
// object's kind lists a fieldValidation parameter. kubectl stops at the first
// matching operation it meets in map order, so every such operation must
// list it.
func TestFieldValidationSupported(t *testing.T) {
	srv, _ := newTestServer(t)
	root := newRoot(t, srv.URL)
	tests := []struct {
		gv   schema.GroupVersion // document
		kind schema.GroupVersionKind
	}{
		{schema.GroupVersion{Version: "v1"}, schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}},
		{schema.GroupVersion{Version: "v1"}, schema.GroupVersionKind{Version: "v1", Kind: "Pod"}},
		{schema.GroupVersion{Version: "v1"}, schema.GroupVersionKind{Version: "v1", Kind: "Node"}},
		{schema.GroupVersion{Group: "apps", Version: "v1"}, schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}},
		{schema.GroupVersion{Group: "apps", Version: "v1"}, schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}},
		{schema.GroupVersion{Group: "apps", Version: "v1"}, schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}},
		{schema.GroupVersion{Group: "coordination.k8s.io", Version: "v1"}, schema.GroupVersionKind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.Kind, func(t *testing.T) {
			doc, err := root.GVSpec(tt.gv)
			if err != nil {
				t.Fatal(err)
			}
			if doc == nil || doc.Paths == nil {
				t.Fatal("invalid OpenAPI V3 document")
			}
			matched := 0
			for path, item := range doc.Paths.Paths {
				op := item.Patch
				if op == nil {
					continue
				}
				var gvk map[string]string
				if err := op.Extensions.GetObject(extensionGVK, &gvk); err != nil {
					continue
				}
				if gvk["group"] != tt.kind.Group || gvk["version"] != tt.kind.Version || gvk["kind"] != tt.kind.Kind {
					continue
				}
				matched++
				if !slices.ContainsFunc(op.Parameters, func(p *spec3.Parameter) bool { return p.Name == "fieldValidation" }) {
					t.Errorf("PATCH %s lacks fieldValidation", path)
				}
			}
			if matched == 0 {
				t.Errorf("no PATCH operation carries %v", tt.kind)
			}
		})
	}
}

func TestSchemasMakeATypeConverter(t *testing.T) {
	d := New(testScheme(t), testResources())
	schemas, err := d.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"io.k8s.api.apps.v1.Deployment", "io.k8s.api.core.v1.Pod", "io.k8s.api.autoscaling.v1.Scale", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"} {
		if schemas[name] == nil {
			t.Errorf("Schemas() lacks %s", name)
		}
	}
	tc, err := managedfields.NewTypeConverter(schemas, false)
	if err != nil {
		t.Fatalf("type converter: %v", err)
	}
	tests := []runtime.Object{
		&appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)},
		},
		&corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			Spec:     corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
		},
		&coordinationv1.Lease{TypeMeta: metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"}},
	}
	for _, obj := range tests {
		t.Run(obj.GetObjectKind().GroupVersionKind().Kind, func(t *testing.T) {
			if _, err := tc.ObjectToTyped(obj); err != nil {
				t.Errorf("ObjectToTyped: %v", err)
			}
		})
	}
}

func TestBuildErrorSurfaces(t *testing.T) {
	s := runtime.NewScheme() // nothing registered
	d := New(s, testResources())
	if _, err := d.Schemas(); err == nil {
		t.Error("Schemas() succeeded with kinds missing from the scheme")
	}
	mux := http.NewServeMux()
	d.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, p := range []string{"/openapi/v2", "/openapi/v3"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 500 {
			t.Errorf("GET %s: status %d, want a 5xx", p, resp.StatusCode)
		}
	}
}

func TestConcurrentFirstRequests(t *testing.T) {
	srv, _ := newTestServer(t)
	paths := []struct{ path, accept string }{
		{"/openapi/v2", "application/json"},
		{"/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"},
		{"/openapi/v3", ""},
		{"/openapi/v3/apis/apps/v1", "application/json"},
		{"/openapi/v3/api/v1", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"},
	}
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Go(func() {
			if _, _, err := fetch(srv.URL+p.path, p.accept); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestRegisterIsLazy(t *testing.T) {
	d := New(testScheme(t), testResources())
	d.Register(http.NewServeMux())
	if d.v2 != nil || d.v3 != nil || d.services != nil {
		t.Error("Register built documents")
	}
}

func TestOperationIDAndTags(t *testing.T) {
	tests := []struct {
		op, path string
		wantID   string
		wantTags []string
	}{
		{"readNamespacedDeployment", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "readAppsV1NamespacedDeployment", []string{"apps_v1"}},
		{"deletecollectionNamespacedPod", "/api/v1/namespaces/{namespace}/pods", "deleteCoreV1CollectionNamespacedPod", []string{"core_v1"}},
		{"listLeaseForAllNamespaces", "/apis/coordination.k8s.io/v1/leases", "listCoordinationV1LeaseForAllNamespaces", []string{"coordination_v1"}},
		{"getAPIVersions", "/api/", "getCoreAPIVersions", []string{"core"}},
		{"getAPIVersions", "/apis/", "getAPIVersions", []string{"apis"}},
		{"getAPIGroup", "/apis/coordination.k8s.io/", "getCoordinationAPIGroup", []string{"coordination"}},
		{"getCodeVersion", "/version/", "getCodeVersion", []string{"version"}},
	}
	for _, tt := range tests {
		t.Run(tt.wantID, func(t *testing.T) {
			id, tags, err := operationIDAndTags(fakeRoute{op: tt.op, path: tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if id != tt.wantID || !slices.Equal(tags, tt.wantTags) {
				t.Errorf("got %q %v, want %q %v", id, tags, tt.wantID, tt.wantTags)
			}
		})
	}
	if _, _, err := operationIDAndTags(fakeRoute{op: "frobnicate", path: "/api/v1/"}); err == nil {
		t.Error("operation without a verb accepted")
	}
}

func TestFriendlyName(t *testing.T) {
	tests := map[string]string{
		"k8s.io/api/apps/v1.Deployment":  "io.k8s.api.apps.v1.Deployment",
		"io.k8s.api.apps.v1.Deployment":  "io.k8s.api.apps.v1.Deployment",
		"example.com/pkg/thing/v1.Thing": "com.example.pkg.thing.v1.Thing",
	}
	for in, want := range tests {
		if got := friendlyName(in); got != want {
			t.Errorf("friendlyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeRoute implements common.Route for the operation-ID test.
type fakeRoute struct{ op, path string }

func (r fakeRoute) Method() string                 { return http.MethodGet }
func (r fakeRoute) Path() string                   { return r.path }
func (r fakeRoute) OperationName() string          { return r.op }
func (r fakeRoute) Parameters() []common.Parameter { return nil }
func (r fakeRoute) Description() string            { return "" }
func (r fakeRoute) Consumes() []string             { return nil }
func (r fakeRoute) Produces() []string             { return nil }
func (r fakeRoute) Metadata() map[string]any       { return nil }
func (r fakeRoute) RequestPayloadSample() any      { return nil }
func (r fakeRoute) ResponsePayloadSample() any     { return nil }
func (r fakeRoute) StatusCodeResponses() []common.StatusCodeResponse {
	return nil
}

func BenchmarkBuild(b *testing.B) {
	scheme := testScheme(b)
	resources := testResources()
	for b.Loop() {
		d := New(scheme, resources)
		if _, err := d.buildV2(); err != nil {
			b.Fatal(err)
		}
		if _, err := d.buildV3(); err != nil {
			b.Fatal(err)
		}
	}
}
