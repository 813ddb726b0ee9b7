package apiserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sheetops/sheetops/apiserver/auth"
)

// withOpenAPI adds the aggregated group versions to the engine's OpenAPI v3, as
// kube-apiserver's OpenAPI v3 aggregation does: /openapi/v3 lists each available aggregated
// group version, and /openapi/v3/apis/<group>/<version> of one is the aggregated server's
// own document, reached through the proxy. So kubectl explain knows aggregated kinds.
func (a *aggregator) withOpenAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/openapi/v3" {
			a.serveOpenAPIIndex(w, r, next)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/openapi/v3/apis/")
		parts := strings.Split(rest, "/")
		if !ok || len(parts) != 2 {
			next.ServeHTTP(w, r)
			return
		}
		rt := a.table.Load().byGV[schema.GroupVersion{Group: parts[0], Version: parts[1]}]
		if rt == nil || rt.local() {
			next.ServeHTTP(w, r)
			return
		}
		if err := a.s.authz.Authorize(userFrom(r), auth.Attributes{Verb: "get", Path: r.URL.Path}); err != nil {
			writeStatusError(w, err)
			return
		}
		if !rt.available || rt.transportErr != nil {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		a.forward(w, r, rt)
	})
}

// openAPIIndex is the /openapi/v3 discovery document.
type openAPIIndex struct {
	Paths map[string]openAPIPath `json:"paths"`
}

type openAPIPath struct {
	ServerRelativeURL string `json:"serverRelativeURL"`
}

// serveOpenAPIIndex answers /openapi/v3 with the engine's group versions and the available
// aggregated ones, under an ETag of the whole.
func (a *aggregator) serveOpenAPIIndex(w http.ResponseWriter, r *http.Request, next http.Handler) {
	var extra []string
	for _, routes := range a.table.Load().groups {
		for _, rt := range routes {
			if !rt.local() && rt.available {
				extra = append(extra, "apis/"+rt.gv.Group+"/"+rt.gv.Version)
			}
		}
	}
	if len(extra) == 0 {
		next.ServeHTTP(w, r)
		return
	}
	inner := r.Clone(r.Context())
	inner.Method = http.MethodGet
	inner.Header.Del("If-None-Match")
	rec := &bufferedResponse{header: http.Header{}, code: http.StatusOK}
	next.ServeHTTP(rec, inner)
	var index openAPIIndex
	if rec.code != http.StatusOK || json.Unmarshal(rec.body.Bytes(), &index) != nil {
		maps.Copy(w.Header(), rec.header)
		w.WriteHeader(rec.code)
		w.Write(rec.body.Bytes())
		return
	}
	for _, p := range extra {
		if _, ok := index.Paths[p]; !ok {
			index.Paths[p] = openAPIPath{ServerRelativeURL: "/openapi/v3/" + p}
		}
	}
	body, err := json.Marshal(index)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	etag := fmt.Sprintf(`"%X"`, sha256.Sum256(body))
	maps.Copy(w.Header(), rec.header)
	w.Header().Del("Content-Length")
	w.Header().Set("Etag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// bufferedResponse keeps what a handler writes, to be rewritten before it is sent.
type bufferedResponse struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(code int)        { b.code = code }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
