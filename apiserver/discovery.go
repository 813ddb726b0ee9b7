package apiserver

import (
	"encoding/json"
	"net/http"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/sheetops/sheetops/apiserver/openapi"
)

var schemaGroupResourceEmpty = schema.GroupResource{}

// Version is the Kubernetes version the engine reports: the k8s.io/api release it serves,
// with the commit, tree state and time of the SheetOps build (from the Go build info; a
// build outside a git checkout, such as `go test`, reports none).
var Version = buildVersion(debug.ReadBuildInfo())

func buildVersion(bi *debug.BuildInfo, ok bool) version.Info {
	v := version.Info{
		Major:        "1",
		Minor:        "37",
		GitVersion:   "v1.37.2-sheetops",
		GitTreeState: "clean",
		BuildDate:    "1970-01-01T00:00:00Z",
		GoVersion:    runtime.Version(),
		Compiler:     runtime.Compiler,
		Platform:     runtime.GOOS + "/" + runtime.GOARCH,
	}
	if !ok {
		return v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.GitCommit = s.Value
		case "vcs.time":
			v.BuildDate = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v.GitTreeState = "dirty"
			}
		}
	}
	return v
}

func (s *Server) serveVersion(w http.ResponseWriter, r *http.Request) {
	// upstream writes the version indented, whoever asks
	data, err := json.MarshalIndent(Version, "", "  ")
	if err != nil {
		writeStatusError(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// serveRoot answers / as kube-apiserver does: the paths it serves, sorted.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	paths := []string{"/api", "/api/v1", "/apis", "/apis/", "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/openapi/v3/", "/readyz", "/version"}
	seen := map[string]bool{}
	for _, gv := range s.groupVersions() {
		if gv.Group == "" {
			continue
		}
		for _, p := range []string{"/apis/" + gv.Group, "/apis/" + gv.String()} {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	paths = append(paths, s.agg.rootPaths()...)
	sort.Strings(paths)
	writeJSON(w, http.StatusOK, &metav1.RootPaths{Paths: paths})
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, ok := r.URL.Query()["verbose"]; ok {
		name := strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0], "")
		w.Write([]byte("[+]ping ok\n[+]etcd ok\n" + name + " check passed\n"))
		return
	}
	w.Write([]byte("ok"))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := jsonMarshal(v)
	if err != nil {
		writeStatusError(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(code)
	w.Write(indentFor(w, data, mediaJSON))
}

// groups lists the served API groups ("" for core) with their versions, in discovery order.
// The custom resources' group versions follow the built-in ones.
func (s *Server) groupVersions() []schema.GroupVersion {
	if c := s.customSet(); len(c.gvs) > 0 {
		return c.allGVs
	}
	return servedGroupVersions()
}

// servedGroupVersions computes groupVersions once: the resources never change.
var servedGroupVersions = sync.OnceValue(func() []schema.GroupVersion {
	seen := map[schema.GroupVersion]bool{}
	var out []schema.GroupVersion
	for _, r := range resources {
		gv := r.gvr.GroupVersion()
		if !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	return append(out, reviewGroupVersions...)
})

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/api":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{
			TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
			Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{
				ClientCIDR: "0.0.0.0/0", ServerAddress: s.listenerAddr(),
			}},
		})
	case "/apis":
		list := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}}
		seen := map[string]bool{}
		for _, gv := range s.groupVersions() {
			if gv.Group != "" && !seen[gv.Group] {
				seen[gv.Group] = true
				list.Groups = append(list.Groups, s.apiGroup(gv))
			}
		}
		list.Groups = append(list.Groups, s.agg.apiGroups()...)
		writeJSON(w, http.StatusOK, list)
	default:
		writeStatusError(w, apierrors.NewNotFound(schemaGroupResourceEmpty, ""))
	}
}

func (s *Server) listenerAddr() string {
	if s.listener != nil {
		return s.listener.Addr().String()
	}
	return s.opts.Addr
}

// apiGroup is the APIGroup of gv's group: every served version of it, the first one
// (resources list the preferred version first) preferred.
func (s *Server) apiGroup(gv schema.GroupVersion) metav1.APIGroup {
	g := metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}, Name: gv.Group}
	for _, other := range s.groupVersions() {
		if other.Group == gv.Group {
			g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: other.String(), Version: other.Version})
		}
	}
	g.PreferredVersion = g.Versions[0]
	return g
}

// resourceList is the APIResourceList of one group version.
func (s *Server) resourceList(gv schema.GroupVersion) *metav1.APIResourceList {
	list := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: gv.String(),
		APIResources: []metav1.APIResource{},
	}
	custom := false
	for _, r := range s.servedResources() {
		if r.gvr.GroupVersion() != gv {
			continue
		}
		ar := metav1.APIResource{
			Name: r.gvr.Resource, SingularName: r.singular, Namespaced: r.namespaced, Kind: r.kind,
			Verbs: resourceVerbs, ShortNames: r.shortNames, Categories: r.categories,
		}
		if r.custom != nil {
			custom = true
			ar.Verbs, ar.StorageVersionHash = customVerbs, customStorageVersionHash(r)
		}
		list.APIResources = append(list.APIResources, ar)
		for _, sub := range r.subs {
			ar := metav1.APIResource{Name: r.gvr.Resource + "/" + sub, Namespaced: r.namespaced, Kind: r.kind, Verbs: metav1.Verbs{"get", "patch", "update"}}
			switch sub {
			case subScale:
				ar.Group, ar.Version, ar.Kind = "autoscaling", "v1", "Scale"
			case subFinalize:
				ar.Verbs = metav1.Verbs{"update"}
			case subBinding:
				ar.Kind, ar.Verbs = "Binding", metav1.Verbs{"create"}
			case subLog:
				ar.Verbs = metav1.Verbs{"get"}
			}
			list.APIResources = append(list.APIResources, ar)
		}
	}
	list.APIResources = append(list.APIResources, reviewDiscovery(gv)...)
	if !custom { // upstream lists a CRD's resources as it adds them: main, status, scale
		sort.SliceStable(list.APIResources, func(i, j int) bool { return list.APIResources[i].Name < list.APIResources[j].Name })
	}
	return list
}

// serveGroupPaths answers /api/v1, /apis/{group} and /apis/{group}/{version}; ok is false for other paths.
func (s *Server) serveGroupPaths(w http.ResponseWriter, r *http.Request) bool {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	served := func(gv schema.GroupVersion) bool {
		for _, g := range s.groupVersions() {
			if g == gv {
				return true
			}
		}
		return false
	}
	switch {
	case len(parts) == 2 && parts[0] == "api":
		gv := schema.GroupVersion{Version: parts[1]}
		if !served(gv) {
			writeStatusError(w, apierrors.NewNotFound(schemaGroupResourceEmpty, ""))
			return true
		}
		writeJSON(w, http.StatusOK, s.resourceList(gv))
		return true
	case len(parts) == 2 && parts[0] == "apis":
		for _, gv := range s.groupVersions() {
			if gv.Group == parts[1] && gv.Group != "" {
				g := s.apiGroup(gv)
				writeJSON(w, http.StatusOK, &g)
				return true
			}
		}
		writeStatusError(w, apierrors.NewNotFound(schemaGroupResourceEmpty, ""))
		return true
	case len(parts) == 3 && parts[0] == "apis":
		gv := schema.GroupVersion{Group: parts[1], Version: parts[2]}
		if !served(gv) {
			http.NotFound(w, r) // upstream's mux answers an unknown group version in plain text
			return true
		}
		writeJSON(w, http.StatusOK, s.resourceList(gv))
		return true
	}
	return false
}

// openapiResources describes the served resources for the OpenAPI documents.
func openapiResources() []openapi.Resource {
	var out []openapi.Resource
	for _, r := range resources {
		or := openapi.Resource{
			Group: r.gvr.Group, Version: r.gvr.Version, Resource: r.gvr.Resource, Kind: r.kind,
			Namespaced: r.namespaced, Verbs: resourceVerbs,
		}
		for _, sub := range r.subs {
			if sub == subBinding || sub == subLog {
				continue // documented by upstream under the pod; not needed by clients
			}
			os := openapi.Subresource{Name: sub, Group: r.gvr.Group, Version: r.gvr.Version, Kind: r.kind, Verbs: []string{"get", "patch", "update"}}
			switch sub {
			case subScale:
				os.Group, os.Version, os.Kind = "autoscaling", "v1", "Scale"
			case subFinalize:
				os.Verbs = []string{"update"}
			}
			or.Subresources = append(or.Subresources, os)
		}
		out = append(out, or)
	}
	return out
}
