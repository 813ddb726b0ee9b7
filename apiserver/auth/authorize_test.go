package auth

import (
	"errors"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	admin  = User{Name: AdminUser, UID: "1", Groups: []string{GroupMasters, GroupAuthenticated}}
	viewer = User{Name: ViewerUser, UID: "2", Groups: []string{GroupViewers, GroupAuthenticated}}
	nobody = User{Name: "u", UID: "3", Groups: []string{GroupAuthenticated}}
	// outsider has been authenticated by something that did not add system:authenticated.
	outsider = User{Name: "v", UID: "4"}
)

func TestAuthorizeAllows(t *testing.T) {
	tests := []struct {
		name  string
		user  User
		attrs Attributes
	}{
		{name: "admin deletes a pod", user: admin, attrs: Attributes{Verb: "delete", Resource: "pods", Namespace: "ns", Name: "x", ResourceRequest: true}},
		{name: "admin scales a deployment", user: admin, attrs: Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale", Namespace: "ns", Name: "d", ResourceRequest: true}},
		{name: "admin creates a namespace", user: admin, attrs: Attributes{Verb: "create", Resource: "namespaces", ResourceRequest: true}},
		{name: "admin gets /metrics", user: admin, attrs: Attributes{Verb: "get", Path: "/metrics"}},
		{name: "viewer gets a pod", user: viewer, attrs: Attributes{Verb: "get", Resource: "pods", Namespace: "ns", Name: "x", ResourceRequest: true}},
		{name: "viewer lists pods everywhere", user: viewer, attrs: Attributes{Verb: "list", Resource: "pods", ResourceRequest: true}},
		{name: "viewer watches deployments", user: viewer, attrs: Attributes{Verb: "watch", APIGroup: "apps", Resource: "deployments", Namespace: "ns", ResourceRequest: true}},
		{name: "viewer gets a scale", user: viewer, attrs: Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments", Subresource: "scale", Namespace: "ns", Name: "d", ResourceRequest: true}},
		{name: "anyone gets /api", user: nobody, attrs: Attributes{Verb: "get", Path: "/api"}},
		{name: "anyone gets /api/v1", user: nobody, attrs: Attributes{Verb: "get", Path: "/api/v1"}},
		{name: "anyone gets /apis/apps/v1", user: nobody, attrs: Attributes{Verb: "get", Path: "/apis/apps/v1"}},
		{name: "anyone gets /version", user: nobody, attrs: Attributes{Verb: "get", Path: "/version"}},
		{name: "anyone gets /openapi/v3", user: nobody, attrs: Attributes{Verb: "get", Path: "/openapi/v3"}},
		{name: "anyone gets /openapi/v2", user: nobody, attrs: Attributes{Verb: "get", Path: "/openapi/v2"}},
		{name: "anyone gets /healthz", user: nobody, attrs: Attributes{Verb: "get", Path: "/healthz"}},
		{name: "anyone gets /livez", user: nobody, attrs: Attributes{Verb: "get", Path: "/livez"}},
		{name: "anyone gets /readyz", user: nobody, attrs: Attributes{Verb: "get", Path: "/readyz"}},
		{name: "viewer gets /apis", user: viewer, attrs: Attributes{Verb: "get", Path: "/apis"}},
	}
	a := NewAuthorizer(NewBootstrapPolicy())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := a.Authorize(tt.user, tt.attrs); err != nil {
				t.Fatalf("Authorize: %v", err)
			}
		})
	}
}

func TestAuthorizeForbids(t *testing.T) {
	tests := []struct {
		name        string
		user        User
		attrs       Attributes
		wantMessage string
		wantDetails metav1.StatusDetails
	}{
		{
			name:        "namespaced delete",
			user:        nobody,
			attrs:       Attributes{Verb: "delete", Resource: "pods", Namespace: "ns", Name: "x", ResourceRequest: true, Path: "/api/v1/namespaces/ns/pods/x"},
			wantMessage: `pods "x" is forbidden: User "u" cannot delete resource "pods" in API group "" in the namespace "ns"`,
			wantDetails: metav1.StatusDetails{Name: "x", Kind: "pods"},
		},
		{
			name:        "viewer deletes",
			user:        viewer,
			attrs:       Attributes{Verb: "delete", Resource: "pods", Namespace: "ns", Name: "x", ResourceRequest: true},
			wantMessage: `pods "x" is forbidden: User "sheetops-viewer" cannot delete resource "pods" in API group "" in the namespace "ns"`,
			wantDetails: metav1.StatusDetails{Name: "x", Kind: "pods"},
		},
		{
			name:        "cluster-scoped",
			user:        viewer,
			attrs:       Attributes{Verb: "delete", Resource: "namespaces", Name: "ns", ResourceRequest: true},
			wantMessage: `namespaces "ns" is forbidden: User "sheetops-viewer" cannot delete resource "namespaces" in API group "" at the cluster scope`,
			wantDetails: metav1.StatusDetails{Name: "ns", Kind: "namespaces"},
		},
		{
			name:        "subresource",
			user:        viewer,
			attrs:       Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale", Namespace: "ns", Name: "d", ResourceRequest: true},
			wantMessage: `deployments.apps "d" is forbidden: User "sheetops-viewer" cannot update resource "deployments/scale" in API group "apps" in the namespace "ns"`,
			wantDetails: metav1.StatusDetails{Name: "d", Group: "apps", Kind: "deployments"},
		},
		{
			name:        "status subresource patch",
			user:        viewer,
			attrs:       Attributes{Verb: "patch", Resource: "pods", Subresource: "status", Namespace: "ns", Name: "x", ResourceRequest: true},
			wantMessage: `pods "x" is forbidden: User "sheetops-viewer" cannot patch resource "pods/status" in API group "" in the namespace "ns"`,
			wantDetails: metav1.StatusDetails{Name: "x", Kind: "pods"},
		},
		{
			name:        "list in a namespace",
			user:        nobody,
			attrs:       Attributes{Verb: "list", Resource: "pods", Namespace: "ns", ResourceRequest: true},
			wantMessage: `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "ns"`,
			wantDetails: metav1.StatusDetails{Kind: "pods"},
		},
		{
			name:        "list across namespaces",
			user:        nobody,
			attrs:       Attributes{Verb: "list", APIGroup: "apps", Resource: "deployments", ResourceRequest: true},
			wantMessage: `deployments.apps is forbidden: User "u" cannot list resource "deployments" in API group "apps" at the cluster scope`,
			wantDetails: metav1.StatusDetails{Group: "apps", Kind: "deployments"},
		},
		{
			name:        "create in a namespace",
			user:        viewer,
			attrs:       Attributes{Verb: "create", APIGroup: "apps", Resource: "deployments", Namespace: "default", ResourceRequest: true},
			wantMessage: `deployments.apps is forbidden: User "sheetops-viewer" cannot create resource "deployments" in API group "apps" in the namespace "default"`,
			wantDetails: metav1.StatusDetails{Group: "apps", Kind: "deployments"},
		},
		{
			name:        "deletecollection",
			user:        viewer,
			attrs:       Attributes{Verb: "deletecollection", APIGroup: "apps", Resource: "replicasets", Namespace: "ns", ResourceRequest: true},
			wantMessage: `replicasets.apps is forbidden: User "sheetops-viewer" cannot deletecollection resource "replicasets" in API group "apps" in the namespace "ns"`,
			wantDetails: metav1.StatusDetails{Group: "apps", Kind: "replicasets"},
		},
		{
			name:        "non-resource path",
			user:        viewer,
			attrs:       Attributes{Verb: "get", Path: "/metrics"},
			wantMessage: `forbidden: User "sheetops-viewer" cannot get path "/metrics"`,
		},
		{
			name:        "post to a discovery path",
			user:        nobody,
			attrs:       Attributes{Verb: "post", Path: "/api"},
			wantMessage: `forbidden: User "u" cannot post path "/api"`,
		},
		{
			name:        "discovery without system:authenticated",
			user:        outsider,
			attrs:       Attributes{Verb: "get", Path: "/version"},
			wantMessage: `forbidden: User "v" cannot get path "/version"`,
		},
		{
			name:        "health subpath",
			user:        nobody,
			attrs:       Attributes{Verb: "get", Path: "/healthz/ping"},
			wantMessage: `forbidden: User "u" cannot get path "/healthz/ping"`,
		},
		{
			name:        "prefix is not a path",
			user:        nobody,
			attrs:       Attributes{Verb: "get", Path: "/apiextensions"},
			wantMessage: `forbidden: User "u" cannot get path "/apiextensions"`,
		},
		{
			name:        "HTML sanitized",
			user:        User{Name: "<b>&", Groups: []string{GroupAuthenticated}},
			attrs:       Attributes{Verb: "get", Path: "/<x>"},
			wantMessage: `forbidden: User "&lt;b&gt;&amp;" cannot get path "/&lt;x&gt;"`,
		},
	}
	a := NewAuthorizer(NewBootstrapPolicy())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Authorize(tt.user, tt.attrs)
			if !apierrors.IsForbidden(err) {
				t.Fatalf("error %v, want Forbidden", err)
			}
			var se *apierrors.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error %T, want *apierrors.StatusError", err)
			}
			st := se.Status()
			if st.Code != http.StatusForbidden || st.Reason != metav1.StatusReasonForbidden || st.Status != metav1.StatusFailure {
				t.Errorf("status code %d reason %q status %q, want 403 Forbidden Failure", st.Code, st.Reason, st.Status)
			}
			if st.Message != tt.wantMessage {
				t.Errorf("message\n got %s\nwant %s", st.Message, tt.wantMessage)
			}
			if d := st.Details; d == nil || d.Name != tt.wantDetails.Name || d.Group != tt.wantDetails.Group || d.Kind != tt.wantDetails.Kind {
				t.Errorf("details %+v, want %+v", st.Details, tt.wantDetails)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	err := Unauthorized()
	if !apierrors.IsUnauthorized(err) {
		t.Fatalf("%v is not Unauthorized", err)
	}
	st := err.Status()
	if st.Code != http.StatusUnauthorized || st.Reason != metav1.StatusReasonUnauthorized || st.Message != "Unauthorized" {
		t.Errorf("status %d %q %q, want 401 Unauthorized \"Unauthorized\"", st.Code, st.Reason, st.Message)
	}
}
