package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
		attrs := requestAttributes(r)
		if user, err = s.impersonate(r, user, attrs); err != nil {
			writeStatusError(w, err)
			return
		}
		// Every request is authorized here, before routing, as upstream's filters do: a
		// request for a resource that does not exist is a 403 to a user who may not make it.
		if err := s.authz.Authorize(user, attrs); err != nil {
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

// impersonate returns the user the request's Impersonate-* headers ask for, or u when
// there are none, as kube-apiserver v1.37 with constrained impersonation decides it: the
// constrained mode that fits the wanted user (serviceaccount for a ServiceAccount name
// alone, arbitrary-node for a node name alone, user-info for any other user) needs
// "impersonate-on:<mode>:<verb>" on the request itself and "impersonate:<mode>" on each
// part of the user (authentication.k8s.io); legacy impersonation needs "impersonate" on
// each part (users, groups and serviceaccounts in the core group). Either suffices; when
// neither does, the first refusal is the answer.
func (s *Server) impersonate(r *http.Request, u auth.User, attrs auth.Attributes) (auth.User, error) {
	h := r.Header
	wanted := auth.User{Name: h.Get("Impersonate-User"), UID: h.Get("Impersonate-Uid"), Groups: h.Values("Impersonate-Group")}
	for k, vs := range h {
		rest, ok := strings.CutPrefix(k, "Impersonate-Extra-")
		if !ok || len(vs) == 0 {
			continue
		}
		key := strings.ToLower(rest)
		if un, err := url.PathUnescape(key); err == nil {
			key = un
		}
		if wanted.Extra == nil {
			wanted.Extra = map[string][]string{}
		}
		wanted.Extra[key] = append(wanted.Extra[key], vs...)
	}
	if wanted.Name == "" {
		if wanted.UID != "" || len(wanted.Groups) > 0 || len(wanted.Extra) > 0 {
			return u, apierrors.NewBadRequest(fmt.Sprintf("requested &user.DefaultInfo{Name:%q, UID:%q, Groups:%#v, Extra:%#v} without impersonating a user name",
				wanted.Name, wanted.UID, wanted.Groups, wanted.Extra))
		}
		return u, nil
	}
	for k := range h {
		if strings.HasPrefix(k, "Impersonate-") {
			h.Del(k)
		}
	}
	onlyName := wanted.UID == "" && len(wanted.Groups) == 0 && len(wanted.Extra) == 0
	_, _, isSA := auth.SplitServiceAccountUsername(wanted.Name)
	node, isNode := strings.CutPrefix(wanted.Name, "system:node:")
	isNode = isNode && node != ""
	mode := ""
	switch {
	case isNode && onlyName:
		mode = "arbitrary-node"
	case isSA && onlyName:
		mode = "serviceaccount"
	case !isNode && !isSA:
		mode = "user-info"
	}
	var first error
	if mode != "" {
		on := attrs
		on.Verb = "impersonate-on:" + mode + ":" + attrs.Verb
		err := s.authz.Authorize(u, on)
		if err == nil {
			var out auth.User
			if out, err = s.impersonateAs(u, wanted, "impersonate:"+mode, true); err == nil {
				return out, nil
			}
		}
		first = err
	}
	out, err := s.impersonateAs(u, wanted, "impersonate", false)
	if err == nil {
		return out, nil
	}
	if first == nil {
		first = err
	}
	return u, first
}

// impersonateAs checks that u may impersonate each part of wanted with verb and returns
// the user the request then runs as.
func (s *Server) impersonateAs(u, wanted auth.User, verb string, constrained bool) (auth.User, error) {
	group := ""
	if constrained {
		group = "authentication.k8s.io"
	}
	check := func(a auth.Attributes, reason string) error {
		a.Verb, a.ResourceRequest = verb, true
		if reason != "" {
			return auth.ForbiddenBecause(u, a, reason)
		}
		return s.authz.Authorize(u, a)
	}
	out := auth.User{Name: wanted.Name, UID: wanted.UID, Groups: slices.Clone(wanted.Groups), Extra: wanted.Extra}
	name := auth.Attributes{APIGroup: group, Resource: "users", Name: wanted.Name}
	if node, ok := strings.CutPrefix(wanted.Name, "system:node:"); ok && node != "" && constrained {
		name.Resource, name.Name = "nodes", node
		if len(wanted.Groups) > 0 {
			return u, check(name, fmt.Sprintf("when impersonating a node, cannot impersonate groups %q", wanted.Groups))
		}
		out.Groups = []string{"system:nodes"}
	}
	if ns, sa, ok := auth.SplitServiceAccountUsername(wanted.Name); ok {
		name.Resource, name.Namespace, name.Name = "serviceaccounts", ns, sa
		if constrained && len(wanted.Groups) > 0 {
			return u, check(name, fmt.Sprintf("when impersonating a service account, cannot impersonate groups %q", wanted.Groups))
		}
		if len(wanted.Groups) == 0 {
			out.Groups = []string{auth.GroupServiceAccounts, "system:serviceaccounts:" + ns}
		}
	}
	if err := check(name, ""); err != nil {
		return u, err
	}
	if wanted.UID != "" {
		if err := check(auth.Attributes{APIGroup: "authentication.k8s.io", Resource: "uids", Name: wanted.UID}, ""); err != nil {
			return u, err
		}
	}
	for _, g := range wanted.Groups {
		a := auth.Attributes{APIGroup: group, Resource: "groups", Name: g}
		if constrained && (g == "" || g == auth.GroupMasters) {
			msg := "impersonating the empty string group is not allowed"
			if g == auth.GroupMasters {
				msg = "impersonating the system:masters group is not allowed"
			}
			return u, check(a, msg)
		}
		if err := check(a, ""); err != nil {
			return u, err
		}
	}
	for k, vs := range wanted.Extra {
		for _, v := range vs {
			if err := check(auth.Attributes{APIGroup: "authentication.k8s.io", Resource: "userextras", Subresource: k, Name: v}, ""); err != nil {
				return u, err
			}
		}
	}
	switch {
	case out.Name == userAnonymous:
		if !slices.Contains(out.Groups, "system:unauthenticated") {
			out.Groups = append(out.Groups, "system:unauthenticated")
		}
	case !slices.Contains(out.Groups, "system:unauthenticated") && !slices.Contains(out.Groups, auth.GroupAuthenticated):
		out.Groups = append(out.Groups, auth.GroupAuthenticated)
	}
	return out, nil
}
