package auth

import (
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Attributes describe a request to authorize, as upstream's authorizer.Attributes do.
type Attributes struct {
	// Verb is the Kubernetes verb (get, list, watch, create, update, patch, delete,
	// deletecollection) for a resource request, or the lower-case verb of the HTTP method
	// (get for GET and HEAD, post, put, delete, ...) for a non-resource request.
	Verb string
	// APIGroup is "" for the core group.
	APIGroup    string
	Resource    string
	Subresource string
	// Namespace is "" for cluster-scoped resources and for requests across all namespaces.
	Namespace string
	// Name is "" for collection requests (list, watch, create, deletecollection).
	Name string
	// ResourceRequest tells a request for an API resource from one for a plain path
	// (/version, /healthz, discovery).
	ResourceRequest bool
	// Path is the request's URL path; non-resource rules match it.
	Path string
}

// rule grants verbs to a group, the way an RBAC PolicyRule bound to a group does.
type rule struct {
	group string
	// verbs; "*" is every verb.
	verbs []string
	// resources grants the verbs on every resource and subresource.
	resources bool
	// paths are non-resource URLs: exact, or a prefix ending in "*"; "*" is every path.
	paths []string
}

// Authorizer decides whether a user may make a request. It is immutable and safe for
// concurrent use.
type Authorizer struct {
	rules []rule
}

// discoveryPaths are the non-resource URLs upstream's system:discovery and
// system:public-info-viewer cluster roles grant to every authenticated user.
var discoveryPaths = []string{
	"/api", "/api/*",
	"/apis", "/apis/*",
	"/openapi", "/openapi/*",
	"/version", "/version/",
	"/healthz", "/livez", "/readyz",
}

// NewAuthorizer returns the engine's fixed policy:
//   - system:masters may do everything;
//   - sheetops:viewers may get, list and watch every resource and subresource;
//   - system:authenticated may get the discovery, OpenAPI, version and health paths.
func NewAuthorizer() *Authorizer {
	return &Authorizer{rules: []rule{
		{group: GroupMasters, verbs: []string{"*"}, resources: true, paths: []string{"*"}},
		{group: GroupViewers, verbs: []string{"get", "list", "watch"}, resources: true},
		{group: GroupAuthenticated, verbs: []string{"get"}, paths: discoveryPaths},
	}}
}

// Authorize returns nil when u may make the request attrs describes, and otherwise a 403
// Forbidden *apierrors.StatusError whose message is upstream's, e.g.
//
//	pods "x" is forbidden: User "u" cannot delete resource "pods" in API group "" in the namespace "ns"
func (a *Authorizer) Authorize(u User, attrs Attributes) error {
	for _, r := range a.rules {
		if r.allows(u, attrs) {
			return nil
		}
	}
	return Forbidden(u, attrs)
}

func (r rule) allows(u User, attrs Attributes) bool {
	if !slices.Contains(u.Groups, r.group) {
		return false
	}
	if !slices.Contains(r.verbs, "*") && !slices.Contains(r.verbs, attrs.Verb) {
		return false
	}
	if attrs.ResourceRequest {
		return r.resources
	}
	return slices.ContainsFunc(r.paths, func(p string) bool { return pathMatches(p, attrs.Path) })
}

// pathMatches matches a non-resource URL as RBAC does: "*" matches every path, a trailing
// "*" matches a prefix, anything else only itself.
func pathMatches(pattern, path string) bool {
	if pattern == "*" || pattern == path {
		return true
	}
	prefix, ok := strings.CutSuffix(pattern, "*")
	return ok && strings.HasPrefix(path, prefix)
}

// sanitizer keeps an error message from looking like HTML, as upstream does.
var sanitizer = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;")

// Forbidden returns the 403 Status error upstream's kube-apiserver sends when u may not make
// the request attrs describes (k8s.io/apiserver responsewriters.ForbiddenStatusError with
// an empty reason, which is what RBAC gives).
func Forbidden(u User, attrs Attributes) *apierrors.StatusError {
	var msg string
	var gr schema.GroupResource
	switch {
	case !attrs.ResourceRequest:
		msg = fmt.Sprintf("User %q cannot %s path %q", u.Name, attrs.Verb, attrs.Path)
	default:
		gr = schema.GroupResource{Group: attrs.APIGroup, Resource: attrs.Resource}
		resource := attrs.Resource
		if attrs.Subresource != "" {
			resource += "/" + attrs.Subresource
		}
		if attrs.Namespace != "" {
			msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q in the namespace %q",
				u.Name, attrs.Verb, resource, attrs.APIGroup, attrs.Namespace)
		} else {
			msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q at the cluster scope",
				u.Name, attrs.Verb, resource, attrs.APIGroup)
		}
	}
	name := attrs.Name
	if !attrs.ResourceRequest {
		name = ""
	}
	return apierrors.NewForbidden(gr, name, forbiddenReason(sanitizer.Replace(msg)))
}

// forbiddenReason is an error whose text is exactly the message, without a wrap.
type forbiddenReason string

func (r forbiddenReason) Error() string { return string(r) }

// Unauthorized returns the 401 Status error upstream sends for a request without valid
// credentials: reason Unauthorized, message "Unauthorized".
func Unauthorized() *apierrors.StatusError {
	return apierrors.NewUnauthorized("Unauthorized")
}
