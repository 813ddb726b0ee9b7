package apiserver

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sheetops/sheetops/apiserver/auth"
)

// requestInfo is what the URL and method say about a resource request.
type requestInfo struct {
	verb        string // get list watch create update patch delete deletecollection
	res         *resource
	gvr         schema.GroupVersionResource
	namespace   string
	name        string
	subresource string
	// view is the resource the request names when it is a view (views.go); res is then
	// the view's storage resource.
	view *resource
	// user made the request; nil for the engine's own writes.
	user *auth.User
	// policy is the RBAC policy as it was when the request came, for the admission of
	// kinds whose writes depend on the writer (admitter), which runs under the store's
	// write lock and so cannot read the store.
	policy auth.Policy
}

// served is the resource whose version the client speaks: the view, or res.
func (ri requestInfo) served() *resource {
	if ri.view != nil {
		return ri.view
	}
	return ri.res
}

// selection is the resource whose field selectors a list or watch takes.
func (ri requestInfo) selection() *resource { return ri.served() }

// toStored converts a decoded object of the served version into the stored one, checking
// the rules of the view's version first on create.
func (ri requestInfo) toStored(obj runtime.Object, create bool) (runtime.Object, error) {
	if ri.view == nil {
		return obj, nil
	}
	stored := ri.view.view.fromView(obj)
	if create && ri.view.view.validate != nil {
		m, _ := meta.Accessor(stored)
		if m.GetNamespace() == "" && ri.res.namespaced {
			m.SetNamespace(ri.namespace) // as the create pipeline will
		}
		if errs := ri.view.view.validate(stored); len(errs) > 0 {
			return nil, apierrors.NewInvalid(ri.res.gvk().GroupKind(), m.GetName(), errs)
		}
	}
	return stored, nil
}

// checkViewUpdate holds an update through a view to the rules of the view's version.
func (ri requestInfo) checkViewUpdate(obj, cur runtime.Object) error {
	if ri.view == nil || ri.view.view.validateUpdate == nil || ri.subresource != "" {
		return nil
	}
	m, _ := meta.Accessor(obj)
	if errs := ri.view.view.validateUpdate(obj, cur); len(errs) > 0 {
		return apierrors.NewInvalid(ri.res.gvk().GroupKind(), m.GetName(), errs)
	}
	return nil
}

// parseResourcePath turns /api/v1/namespaces/ns/pods/name/status (and the /apis/group/version
// form, the cluster-scoped form, and the legacy /watch/ prefix) into a requestInfo.
// ok is false for paths that are not resource paths.
func parseResourcePath(method, path string, watchParam bool) (ri requestInfo, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var gv schema.GroupVersion
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		gv = schema.GroupVersion{Version: parts[1]}
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		gv = schema.GroupVersion{Group: parts[1], Version: parts[2]}
		parts = parts[3:]
	default:
		return ri, false
	}
	legacyWatch := false
	if parts[0] == "watch" {
		legacyWatch = true
		parts = parts[1:]
	}
	// namespaces/{ns}/{resource}... unless it is the namespaces resource itself
	if len(parts) >= 3 && parts[0] == "namespaces" {
		ri.namespace = parts[1]
		parts = parts[2:]
	}
	if len(parts) == 0 || len(parts) > 3 {
		return ri, false
	}
	ri.gvr = gv.WithResource(parts[0])
	if len(parts) >= 2 {
		ri.name = parts[1]
	}
	if len(parts) == 3 {
		ri.subresource = parts[2]
	}
	// a namespaced path for /namespaces/{name}/{sub} parsed above as namespace+resource: undo
	if ri.namespace != "" && ri.gvr.Resource != "" && len(parts) == 1 && isNamespaceSub(parts[0]) {
		ri.name, ri.subresource, ri.namespace = ri.namespace, parts[0], ""
		ri.gvr = gv.WithResource("namespaces")
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		switch {
		case legacyWatch || watchParam:
			ri.verb = "watch"
		case ri.name == "":
			ri.verb = "list"
		default:
			ri.verb = "get"
		}
	case http.MethodPost:
		ri.verb = "create"
	case http.MethodPut:
		ri.verb = "update"
	case http.MethodPatch:
		ri.verb = "patch"
	case http.MethodDelete:
		if ri.name == "" {
			ri.verb = "deletecollection"
		} else {
			ri.verb = "delete"
		}
	default:
		ri.verb = strings.ToLower(method)
	}
	return ri, true
}

func isNamespaceSub(s string) bool { return s == subStatus || s == subFinalize }
