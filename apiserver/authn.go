package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/sheetops/sheetops/apiserver/auth"
)

// Who a request is, as kube-apiserver's filters decide it (authentication, then
// impersonation, then authorization of non-resource paths; resource requests are
// authorized in serveAPI):
//
//   - a client certificate the engine's CA signed for client auth (CN the user, O the
//     groups); one that does not verify is a 401;
//   - else a bearer token: from the token file, or a ServiceAccount JWT the engine signed
//     (checked against the ServiceAccount and any object it is bound to, by UID); any
//     other bearer token is a 401;
//   - else system:anonymous in system:unauthenticated. RBAC decides what it may do (the
//     bootstrap policy lets it read /healthz, /livez, /readyz and /version); a request it
//     may not make is a 401 Unauthorized rather than upstream's 403, as CONFORMANCE.md
//     (fact 13) asks.
//
// Impersonate-User, -Group, -Uid and -Extra-* then replace the user when the
// authenticated one may "impersonate" each of them, as upstream's impersonation filter
// checks and words it.

const userAnonymous = "system:anonymous"

var anonymousUser = auth.User{Name: userAnonymous, Groups: []string{"system:unauthenticated"}}

// authenticate returns the request's user; an error means 401.
func (s *Server) authenticate(r *http.Request) (auth.User, error) {
	u, ok, err := s.certs.AuthenticateRequest(r)
	if ok {
		return u, nil
	}
	if u, ok := s.authn.AuthenticateRequest(r); ok {
		return u, nil
	}
	token, hasToken := bearerToken(r)
	if hasToken {
		u, err := s.serviceAccountUser(token, serviceAccountAudiences)
		if err != nil {
			return auth.User{}, err
		}
		r.Header.Del("Authorization")
		return u, nil
	}
	if err != nil {
		return auth.User{}, err
	}
	return anonymousUser, nil
}

// serviceAccountAudiences are the audiences the engine accepts on requests (upstream's
// --api-audiences, which defaults to the issuer).
var serviceAccountAudiences = []string{auth.Issuer}

func bearerToken(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// errTokenInvalid is every reason a ServiceAccount token is refused: the caller answers
// 401 and says no more, as upstream.
var errTokenInvalid = errors.New("invalid bearer token")

// serviceAccountUser verifies a ServiceAccount token and that what it names still
// exists: the ServiceAccount (same UID, not being deleted), the object a bound token is
// bound to, and for a legacy token its Secret holding this very token.
func (s *Server) serviceAccountUser(token string, audiences []string) (auth.User, error) {
	if s.signer == nil {
		return auth.User{}, errTokenInvalid
	}
	c, err := s.signer.Verify(token, audiences, time.Now())
	if err != nil {
		return auth.User{}, fmt.Errorf("%w: %w", errTokenInvalid, err)
	}
	obj, err := s.store.Get("serviceaccounts", c.Namespace, c.ServiceAccount.Name)
	if err != nil {
		return auth.User{}, errTokenInvalid
	}
	sa := obj.(*corev1.ServiceAccount)
	if sa.DeletionTimestamp != nil || (c.ServiceAccount.UID != "" && string(sa.UID) != c.ServiceAccount.UID) {
		return auth.User{}, errTokenInvalid
	}
	u := auth.ServiceAccountUser(c.Namespace, c.ServiceAccount.Name, string(sa.UID))
	if c.Legacy {
		obj, err := s.store.Get("secrets", c.Namespace, c.Secret.Name)
		if err != nil {
			return auth.User{}, errTokenInvalid
		}
		sec := obj.(*corev1.Secret)
		if sec.DeletionTimestamp != nil || string(sec.Data[corev1.ServiceAccountTokenKey]) != token ||
			sec.Annotations[corev1.ServiceAccountUIDKey] != string(sa.UID) {
			return auth.User{}, errTokenInvalid
		}
		return u, nil
	}
	u.Extra = map[string][]string{}
	if c.JTI != "" {
		u.Extra["authentication.kubernetes.io/credential-id"] = []string{"JTI=" + c.JTI}
	}
	for _, b := range []struct {
		ref   *auth.ObjectRef
		key   string
		extra string
	}{{c.Pod, "pods", "pod"}, {c.Secret, "secrets", ""}, {c.Node, "nodes", "node"}} {
		if b.ref == nil {
			continue
		}
		ns := c.Namespace
		if b.key == "nodes" {
			ns = ""
		}
		obj, err := s.store.Get(b.key, ns, b.ref.Name)
		if err != nil {
			return auth.User{}, errTokenInvalid
		}
		m, err := meta.Accessor(obj)
		if err != nil || string(m.GetUID()) != b.ref.UID || m.GetDeletionTimestamp() != nil {
			return auth.User{}, errTokenInvalid
		}
		if b.extra != "" {
			u.Extra["authentication.kubernetes.io/"+b.extra+"-name"] = []string{b.ref.Name}
			u.Extra["authentication.kubernetes.io/"+b.extra+"-uid"] = []string{b.ref.UID}
		}
	}
	if len(u.Extra) == 0 {
		u.Extra = nil
	}
	return u, nil
}

func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := s.authenticate(r)
		if err != nil {
			writeStatusError(w, auth.Unauthorized())
			return
		}
		if user, err = s.impersonate(r, user); err != nil {
			writeStatusError(w, err)
			return
		}
		// Every request is authorized here, before routing, as upstream's filters do: a
		// request for a resource that does not exist is a 403 to a user who may not make it.
		if err := s.authz.Authorize(user, requestAttributes(r)); err != nil {
			if user.Name == userAnonymous {
				err = auth.Unauthorized()
			}
			writeStatusError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// requestAttributes describes a request for authorization, as upstream's request info
// does: a resource request from its path and method, anything else a non-resource URL
// with the method's lower-case verb.
func requestAttributes(r *http.Request) auth.Attributes {
	if ri, ok := parseResourcePath(r.Method, r.URL.Path, lenientBool(r.URL.Query().Get("watch"))); ok {
		ns := ri.namespace
		if ri.gvr.Group == "" && ri.gvr.Resource == "namespaces" {
			ns = ri.name // upstream's request info names a namespace as its own namespace
		}
		return auth.Attributes{
			Verb: ri.verb, APIGroup: ri.gvr.Group, Resource: ri.gvr.Resource, Subresource: ri.subresource,
			Namespace: ns, Name: ri.name, ResourceRequest: true, Path: r.URL.Path,
		}
	}
	verb := strings.ToLower(r.Method)
	if r.Method == http.MethodHead {
		verb = "get"
	}
	return auth.Attributes{Verb: verb, Path: r.URL.Path}
}

// impersonate returns the user the request's Impersonate-* headers ask for, after
// checking that u may impersonate each part, or u when there are none.
func (s *Server) impersonate(r *http.Request, u auth.User) (auth.User, error) {
	h := r.Header
	name := h.Get("Impersonate-User")
	groupsSpecified := len(h.Values("Impersonate-Group")) > 0
	uid := h.Get("Impersonate-Uid")
	extra := map[string][]string{}
	for k, vs := range h {
		if rest, ok := strings.CutPrefix(k, "Impersonate-Extra-"); ok {
			key := strings.ToLower(rest)
			if un, err := url.PathUnescape(key); err == nil {
				key = un
			}
			extra[key] = append(extra[key], vs...)
		}
	}
	if name == "" {
		if groupsSpecified || len(extra) > 0 || uid != "" {
			return u, apierrors.NewBadRequest("requested impersonation of groups, extras or a uid without impersonating a user")
		}
		return u, nil
	}
	check := func(a auth.Attributes) error {
		a.Verb, a.ResourceRequest = "impersonate", true
		return s.authz.Authorize(u, a)
	}
	var groups []string
	if ns, sa, ok := auth.SplitServiceAccountUsername(name); ok {
		if err := check(auth.Attributes{Resource: "serviceaccounts", Namespace: ns, Name: sa}); err != nil {
			return u, err
		}
		if !groupsSpecified {
			groups = []string{auth.GroupServiceAccounts, "system:serviceaccounts:" + ns}
		}
	} else if err := check(auth.Attributes{Resource: "users", Name: name}); err != nil {
		return u, err
	}
	for _, g := range h.Values("Impersonate-Group") {
		if err := check(auth.Attributes{Resource: "groups", Name: g}); err != nil {
			return u, err
		}
		groups = append(groups, g)
	}
	for k, vs := range extra {
		for _, v := range vs {
			if err := check(auth.Attributes{APIGroup: "authentication.k8s.io", Resource: "userextras", Subresource: k, Name: v}); err != nil {
				return u, err
			}
		}
	}
	if uid != "" {
		if err := check(auth.Attributes{APIGroup: "authentication.k8s.io", Resource: "uids", Name: uid}); err != nil {
			return u, err
		}
	}
	if name != userAnonymous {
		if !contains(groups, auth.GroupAuthenticated) && !contains(groups, "system:unauthenticated") {
			groups = append(groups, auth.GroupAuthenticated)
		}
	} else if !contains(groups, "system:unauthenticated") {
		groups = append(groups, "system:unauthenticated")
	}
	for k := range h {
		if strings.HasPrefix(k, "Impersonate-") {
			h.Del(k)
		}
	}
	if len(extra) == 0 {
		extra = nil
	}
	return auth.User{Name: name, UID: uid, Groups: groups, Extra: extra}, nil
}
