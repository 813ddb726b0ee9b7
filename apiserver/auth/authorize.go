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

// Authorizer decides whether a user may make a request as kube-apiserver started with
// --authorization-mode=RBAC does: members of system:masters may do everything (upstream's
// privileged-group authorizer, which runs first), everyone else what RBAC allows. It is
// safe for concurrent use; what it reads of the policy is the policy's business.
type Authorizer struct {
	policy Policy
}

// NewAuthorizer returns the engine's authorizer over the stored RBAC policy.
func NewAuthorizer(policy Policy) *Authorizer {
	return &Authorizer{policy: policy}
}

// Decide returns upstream's decision and reason for the request attrs describes.
func (a *Authorizer) Decide(u User, attrs Attributes) Decision {
	if slices.Contains(u.Groups, GroupMasters) {
		return Decision{Allowed: true}
	}
	return decideRBAC(a.policy, u, attrs)
}

// Authorize returns nil when u may make the request attrs describes, and otherwise a 403
// Forbidden *apierrors.StatusError whose message is upstream's, e.g.
//
//	pods "x" is forbidden: User "u" cannot delete resource "pods" in API group "" in the namespace "ns"
func (a *Authorizer) Authorize(u User, attrs Attributes) error {
	d := a.Decide(u, attrs)
	if d.Allowed {
		return nil
	}
	return ForbiddenBecause(u, attrs, d.Reason)
}

// sanitizer keeps an error message from looking like HTML, as upstream does.
var sanitizer = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;")

// Forbidden returns the 403 Status error upstream's kube-apiserver sends when u may not make
// the request attrs describes (k8s.io/apiserver responsewriters.ForbiddenStatusError with
// an empty reason, which is what RBAC gives).
func Forbidden(u User, attrs Attributes) *apierrors.StatusError {
	return ForbiddenBecause(u, attrs, "")
}

// ForbiddenBecause is Forbidden with the authorizer's reason appended after ": ", as
// upstream appends it (RBAC names the missing roles of the user's bindings).
func ForbiddenBecause(u User, attrs Attributes, reason string) *apierrors.StatusError {
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
	msg = sanitizer.Replace(msg)
	if reason != "" {
		msg += ": " + reason
	}
	return apierrors.NewForbidden(gr, name, forbiddenReason(msg))
}

// forbiddenReason is an error whose text is exactly the message, without a wrap.
type forbiddenReason string

func (r forbiddenReason) Error() string { return string(r) }

// Unauthorized returns the 401 Status error upstream sends for a request without valid
// credentials: reason Unauthorized, message "Unauthorized".
func Unauthorized() *apierrors.StatusError {
	return apierrors.NewUnauthorized("Unauthorized")
}
