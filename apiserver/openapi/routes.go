package openapi

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	restful "github.com/emicklei/go-restful/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/version"
)

// Media types the documents list. The engine answers in JSON; watches stream
// JSON events.
var (
	mediaTypes       = []string{"application/json"}
	streamMediaTypes = []string{"application/json;stream=watch"}
	patchMediaTypes  = []string{
		string(types.JSONPatchType),
		string(types.MergePatchType),
		string(types.StrategicMergePatchType),
		string(types.ApplyYAMLPatchType),
	}
)

// Query parameters of the option types that the engine does not implement
// and that are therefore left out of the documents.
var unservedParams = map[string]bool{"shardSelector": true}

const (
	prettyDoc    = "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."
	namespaceDoc = "object name and auth scope, such as for teams and projects"
)

// deleteReturnsObject lists the resources whose DELETE answers with the
// object rather than a Status, as their kube-apiserver storage does.
var deleteReturnsObject = map[schema.GroupResource]bool{{Resource: "pods"}: true}

// noop is the handler of every documentation route; the routes are never served.
func noop(*restful.Request, *restful.Response) {}

// apiPath is the v3 document path of a group-version: "api/v1", "apis/apps/v1".
func apiPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

// webServices describes every route of the engine the way kube-apiserver's
// endpoint installer does: one web service per group-version holding the
// resources' routes, plus the discovery routes (/api, /apis, /apis/<group>)
// and /version. Each service's root path without its leading slash is the
// path of its v3 document.
func webServices(scheme *runtime.Scheme, resources []Resource) ([]*restful.WebService, error) {
	var gvs []schema.GroupVersion
	byGV := map[schema.GroupVersion][]Resource{}
	for _, r := range resources {
		gv := schema.GroupVersion{Group: r.Group, Version: r.Version}
		if _, ok := byGV[gv]; !ok {
			gvs = append(gvs, gv)
		}
		byGV[gv] = append(byGV[gv], r)
	}

	var services []*restful.WebService
	var groups []string
	for _, gv := range gvs {
		ws := newWebService("/" + apiPath(gv))
		ws.Route(ws.GET("/").To(noop).
			Doc("get available resources").
			Operation("getAPIResources").
			Returns(http.StatusOK, "OK", metav1.APIResourceList{}).
			Writes(metav1.APIResourceList{}))
		for _, r := range byGV[gv] {
			if err := addResourceRoutes(ws, scheme, r); err != nil {
				return nil, err
			}
		}
		services = append(services, ws)
		if gv.Group != "" && !slices.Contains(groups, gv.Group) {
			groups = append(groups, gv.Group)
		}
	}

	core := newWebService("/api")
	core.Route(core.GET("/").To(noop).
		Doc("get available API versions").
		Operation("getAPIVersions").
		Returns(http.StatusOK, "OK", metav1.APIVersions{}).
		Writes(metav1.APIVersions{}))
	apis := newWebService("/apis")
	apis.Route(apis.GET("/").To(noop).
		Doc("get available API versions").
		Operation("getAPIVersions").
		Returns(http.StatusOK, "OK", metav1.APIGroupList{}).
		Writes(metav1.APIGroupList{}))
	services = append(services, core, apis)
	for _, g := range groups {
		ws := newWebService("/apis/" + g)
		ws.Route(ws.GET("/").To(noop).
			Doc("get information of a group").
			Operation("getAPIGroup").
			Returns(http.StatusOK, "OK", metav1.APIGroup{}).
			Writes(metav1.APIGroup{}))
		services = append(services, ws)
	}
	ver := newWebService("/version")
	ver.Route(ver.GET("/").To(noop).
		Doc("get the version information for this server").
		Operation("getCodeVersion").
		Returns(http.StatusOK, "OK", version.Info{}).
		Writes(version.Info{}))
	return append(services, ver), nil
}

func newWebService(root string) *restful.WebService {
	ws := new(restful.WebService)
	ws.Path(root).Produces(mediaTypes...).Consumes("*/*")
	return ws
}

// addResourceRoutes adds the routes of r and its subresources to ws.
func addResourceRoutes(ws *restful.WebService, scheme *runtime.Scheme, r Resource) error {
	gv := schema.GroupVersion{Group: r.Group, Version: r.Version}
	kindGVK := gv.WithKind(r.Kind)
	object, err := scheme.New(kindGVK)
	if err != nil {
		return fmt.Errorf("resource %s: %w", r.Resource, err)
	}
	list, err := scheme.New(gv.WithKind(r.Kind + "List"))
	if err != nil {
		return fmt.Errorf("resource %s: %w", r.Resource, err)
	}
	deleted := any(&metav1.Status{})
	if deleteReturnsObject[gv.WithResource(r.Resource).GroupResource()] {
		deleted = object
	}

	rt := resourceRoutes{
		ws:         ws,
		kind:       r.Kind,
		gvk:        kindGVK,
		namespaced: r.Namespaced,
		verbs:      r.Verbs,
		object:     object,
		list:       list,
		deleted:    deleted,
	}
	collection := "/" + r.Resource
	if r.Namespaced {
		collection = "/namespaces/{namespace}/" + r.Resource
	}
	item := collection + "/{name}"
	rt.add(collection, item, "", false)
	if r.Namespaced {
		rt.add("/"+r.Resource, "", "", true)
	}

	for _, sub := range r.Subresources {
		body, err := scheme.New(schema.GroupVersionKind{Group: sub.Group, Version: sub.Version, Kind: sub.Kind})
		if err != nil {
			return fmt.Errorf("resource %s/%s: %w", r.Resource, sub.Name, err)
		}
		srt := rt
		srt.gvk = schema.GroupVersionKind{Group: sub.Group, Version: sub.Version, Kind: sub.Kind}
		srt.verbs = sub.Verbs
		srt.object = body
		srt.list = nil
		srt.add("", item+"/"+sub.Name, sub.Name, false)
	}
	return nil
}

// resourceRoutes holds what the routes of one resource or subresource share.
type resourceRoutes struct {
	ws         *restful.WebService
	kind       string                  // kind of the parent resource, used in operation names
	gvk        schema.GroupVersionKind // kind of the request and response bodies
	namespaced bool
	verbs      []string
	object     any // sample of the body kind
	list       any // sample of the list kind; nil for subresources
	deleted    any // sample of what DELETE returns
}

func (rt resourceRoutes) has(verb string) bool { return slices.Contains(rt.verbs, verb) }

// add adds the routes at the collection path and the item path. sub names a
// subresource (item routes only); allNamespaces marks the cluster-wide list
// of a namespaced resource.
func (rt resourceRoutes) add(collection, item, sub string, allNamespaces bool) {
	ws := rt.ws
	scope := ""
	if rt.namespaced && !allNamespaces {
		scope = "Namespaced"
	}
	suffix := ""
	if allNamespaces {
		suffix = "ForAllNamespaces"
	}
	name := scope + rt.kind + title(sub) + suffix
	var collectionParams, itemParams []*restful.Parameter
	if rt.namespaced && !allNamespaces {
		collectionParams = append(collectionParams, ws.PathParameter("namespace", namespaceDoc).DataType("string"))
	}
	itemParams = append(slices.Clone(collectionParams), ws.PathParameter("name", "name of the "+rt.kind).DataType("string"))

	var routes []*restful.RouteBuilder
	route := func(b *restful.RouteBuilder, action string, params []*restful.Parameter) *restful.RouteBuilder {
		b.To(noop).
			Param(ws.QueryParameter("pretty", prettyDoc)).
			Metadata(extensionGVK, metav1.GroupVersionKind{Group: rt.gvk.Group, Version: rt.gvk.Version, Kind: rt.gvk.Kind}).
			Metadata(extensionAction, action)
		for _, p := range params {
			b.Param(p)
		}
		routes = append(routes, b)
		return b
	}
	thing := rt.kind
	if sub != "" {
		thing = sub + " of the specified " + rt.kind
	}

	if collection != "" && rt.list != nil {
		if rt.has("list") {
			doc := "list objects of kind " + rt.kind
			if rt.has("watch") {
				doc = "list or watch objects of kind " + rt.kind
			}
			b := route(ws.GET(collection), "list", collectionParams).
				Doc(doc).
				Operation("list"+name).
				Produces(append(slices.Clone(mediaTypes), streamMediaTypes...)...).
				Returns(http.StatusOK, "OK", rt.list).
				Writes(rt.list)
			addOptionParams(ws, b, &metav1.ListOptions{})
		}
		if rt.has("create") && !allNamespaces {
			b := route(ws.POST(collection), "post", collectionParams).
				Doc("create "+article(rt.kind)+rt.kind).
				Operation("create"+name).
				Reads(rt.object).
				Returns(http.StatusOK, "OK", rt.object).
				Returns(http.StatusCreated, "Created", rt.object).
				Returns(http.StatusAccepted, "Accepted", rt.object).
				Writes(rt.object)
			addOptionParams(ws, b, &metav1.CreateOptions{})
		}
		if rt.has("deletecollection") && !allNamespaces {
			b := route(ws.DELETE(collection), "deletecollection", collectionParams).
				Doc("delete collection of "+rt.kind).
				Operation("deletecollection"+name).
				Reads(&metav1.DeleteOptions{}).
				Returns(http.StatusOK, "OK", &metav1.Status{}).
				Writes(&metav1.Status{})
			b.ParameterNamed("body").Required(false)
			addOptionParams(ws, b, &metav1.ListOptions{}, "watch", "allowWatchBookmarks")
			addOptionParams(ws, b, &metav1.DeleteOptions{})
		}
		if rt.has("watch") && rt.has("list") {
			b := route(ws.GET("/watch"+collection), "watchlist", collectionParams).
				Doc("watch individual changes to a list of "+rt.kind+". deprecated: use the 'watch' parameter with a list operation instead.").
				Operation("watch"+scope+rt.kind+"List"+suffix).
				Produces(append(slices.Clone(mediaTypes), streamMediaTypes...)...).
				Returns(http.StatusOK, "OK", &metav1.WatchEvent{}).
				Writes(&metav1.WatchEvent{})
			addOptionParams(ws, b, &metav1.ListOptions{})
		}
	}

	if item != "" {
		if rt.has("get") {
			doc := "read the specified " + rt.kind
			if sub != "" {
				doc = "read " + thing
			}
			route(ws.GET(item), "get", itemParams).
				Doc(doc).
				Operation("read"+name).
				Returns(http.StatusOK, "OK", rt.object).
				Writes(rt.object)
		}
		if rt.has("update") {
			doc := "replace the specified " + rt.kind
			if sub != "" {
				doc = "replace " + thing
			}
			b := route(ws.PUT(item), "put", itemParams).
				Doc(doc).
				Operation("replace"+name).
				Reads(rt.object).
				Returns(http.StatusOK, "OK", rt.object).
				Returns(http.StatusCreated, "Created", rt.object).
				Writes(rt.object)
			addOptionParams(ws, b, &metav1.UpdateOptions{})
		}
		if rt.has("patch") {
			doc := "partially update the specified " + rt.kind
			if sub != "" {
				doc = "partially update " + thing
			}
			b := route(ws.PATCH(item), "patch", itemParams).
				Doc(doc).
				Operation("patch"+name).
				Consumes(patchMediaTypes...).
				Reads(metav1.Patch{}).
				Returns(http.StatusOK, "OK", rt.object).
				Returns(http.StatusCreated, "Created", rt.object).
				Writes(rt.object)
			addOptionParams(ws, b, &metav1.PatchOptions{})
		}
		if rt.has("delete") && sub == "" {
			b := route(ws.DELETE(item), "delete", itemParams).
				Doc("delete "+article(rt.kind)+rt.kind).
				Operation("delete"+name).
				Reads(&metav1.DeleteOptions{}).
				Returns(http.StatusOK, "OK", rt.deleted).
				Returns(http.StatusAccepted, "Accepted", rt.deleted).
				Writes(rt.deleted)
			b.ParameterNamed("body").Required(false)
			addOptionParams(ws, b, &metav1.DeleteOptions{})
		}
		if rt.has("watch") && sub == "" {
			b := route(ws.GET("/watch"+item), "watch", itemParams).
				Doc("watch changes to an object of kind "+rt.kind+". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.").
				Operation("watch"+name).
				Produces(append(slices.Clone(mediaTypes), streamMediaTypes...)...).
				Returns(http.StatusOK, "OK", &metav1.WatchEvent{}).
				Writes(&metav1.WatchEvent{})
			addOptionParams(ws, b, &metav1.ListOptions{})
		}
	}
	for _, b := range routes {
		ws.Route(b)
	}
}

// swaggerDoc is implemented by the option types; it documents their fields.
type swaggerDoc interface{ SwaggerDoc() map[string]string }

// addOptionParams adds a query parameter for every top-level scalar field of
// the option struct opts, named by its JSON name and described by the type's
// SwaggerDoc, as kube-apiserver's installer does. Fields named in exclude and
// unservedParams are left out.
func addOptionParams(ws *restful.WebService, b *restful.RouteBuilder, opts any, exclude ...string) {
	t := reflect.TypeOf(opts).Elem()
	var docs map[string]string
	if d, ok := opts.(swaggerDoc); ok {
		docs = d.SwaggerDoc()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if jsonName == "" || slices.Contains(exclude, jsonName) || unservedParams[jsonName] {
			continue
		}
		dataType := jsonType(f.Type)
		if dataType == "" {
			continue
		}
		b.Param(ws.QueryParameter(jsonName, docs[jsonName]).DataType(dataType))
	}
}

// jsonType is the OpenAPI type of a query parameter of Go type t, or "" when
// t is not a scalar (nested structs such as preconditions are body-only).
// Lists are documented by their element type, as kube-apiserver does.
func jsonType(t reflect.Type) string {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	}
	return ""
}

// title upper-cases the first letter: "status" → "Status".
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// article is " a " or " an " before kind, as in "create a Pod".
func article(kind string) string {
	if kind != "" && strings.ContainsRune("AEIOUaeiou", rune(kind[0])) {
		return "an "
	}
	return "a "
}
