package differential

// The identity scenario: RBAC decisions and their Forbidden messages (namespaced, cluster
// scope, subresources, resource names, non-resource URLs, missing roles), access and
// rules reviews, SelfSubjectReview, impersonation, ServiceAccount tokens (TokenRequest,
// TokenReview, their use) and x509 client certificates, on both servers.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// writeClientCA writes a CA for client certificates (ca.crt, ca.key) into dir and returns
// the path of ca.crt.
func writeClientCA(dir string) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "differential-client-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "ca.crt")
	return path, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// clientCert is a client certificate for cn in orgs signed by the CA in caDir, or
// self-signed when caDir is empty.
func clientCert(caDir, cn string, orgs ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	parent, signer := tmpl, any(key)
	if caDir != "" {
		pair, err := tls.LoadX509KeyPair(filepath.Join(caDir, "ca.crt"), filepath.Join(caDir, "ca.key"))
		if err != nil {
			return tls.Certificate{}, err
		}
		if parent, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return tls.Certificate{}, err
		}
		signer = pair.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// certClient is a JSON client of s that authenticates with cert only.
func certClient(s *server, cert tls.Certificate) (rest.Interface, error) {
	c := rest.CopyConfig(s.admin)
	c.BearerToken, c.BearerTokenFile = "", ""
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	keyDER, err := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		return nil, err
	}
	c.TLSClientConfig.CertData = certPEM
	c.TLSClientConfig.KeyData = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return jsonClient(c, "")
}

// asUser is a JSON admin client that impersonates user (and groups).
func asUser(s *server, token, user string, groups ...string) (rest.Interface, error) {
	c := rest.CopyConfig(s.admin)
	c.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	if token == "" {
		token = c.BearerToken
	}
	return jsonClient(c, token)
}

func init() {
	allowList = append(allowList, &allowance{
		Keys:   []string{"identity/ssrr*.status"},
		Equal:  sameRules,
		Reason: "kube-apiserver visits role bindings in its informer cache's order (a Go map's), the engine in name order: the rules are compared as sets",
	})
}

// sameRules compares two SubjectRulesReviewStatus values with their rule lists sorted.
func sameRules(ev, uv string) bool {
	norm := func(v string) string {
		var st map[string]any
		if json.Unmarshal([]byte(v), &st) != nil {
			return v
		}
		for _, k := range []string{"resourceRules", "nonResourceRules"} {
			rules, _ := st[k].([]any)
			sort.Slice(rules, func(i, j int) bool {
				a, _ := json.Marshal(rules[i])
				b, _ := json.Marshal(rules[j])
				return string(a) < string(b)
			})
		}
		out, _ := json.Marshal(st)
		return string(out)
	}
	return norm(ev) == norm(uv)
}

func scenarioIdentity(ctx context.Context, s *server, ns string, r *record) {
	rbac := s.cs.RbacV1()
	user, dangler := "chot-"+ns, "dangler-"+ns
	_, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}}}, metav1.CreateOptions{})
	r.must("setup-role", err)
	_, err = rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "cm-a"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a"}, Verbs: []string{"get"}}}}, metav1.CreateOptions{})
	r.must("setup-role-names", err)
	for name, ref := range map[string]rbacv1.RoleRef{
		"pod-reader": {Kind: "Role", Name: "pod-reader"},
		"cm-a":       {Kind: "Role", Name: "cm-a"},
	} {
		_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: ref.Kind, Name: ref.Name}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}, metav1.CreateOptions{})
		r.must("setup-binding-"+name, err)
	}
	_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dangling"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "missing-" + ns}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: dangler}}}, metav1.CreateOptions{})
	r.must("setup-binding-dangling", err)
	// one missing role per user: kube-apiserver visits bindings in no fixed order
	_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dangling-role"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "missing"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: dangler + "-2"}}}, metav1.CreateOptions{})
	r.must("setup-binding-dangling-role", err)

	// Validation of the RBAC kinds.
	r.resp("invalid-role", call(ctx, s.rc, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/"+ns+"/roles", nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"bad"},"rules":[{"apiGroups":[""],"resources":["pods"]},{"verbs":["get"],"nonResourceURLs":["/x"]}]}`))
	r.resp("invalid-binding", call(ctx, s.rc, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/"+ns+"/rolebindings", nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"bad"},"roleRef":{"kind":"Pod","name":"x"},"subjects":[{"kind":"Robot","name":"r"}]}`))
	r.resp("change-roleref", call(ctx, s.rc, "PATCH", "/apis/rbac.authorization.k8s.io/v1/namespaces/"+ns+"/rolebindings/cm-a", nil, ctMergePatch,
		`{"roleRef":{"name":"pod-reader"}}`))
	res := call(ctx, s.rc, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/"+ns+"/rolebindings/pod-reader", nil, "", nil)
	r.resp("get-binding", res, "roleRef", "subjects")

	chot, err := asUser(s, "", user)
	r.must("client", err)
	r.resp("user-list-pods", call(ctx, chot, "GET", podsPath(ns), nil, "", nil))
	r.resp("user-list-pods-elsewhere", call(ctx, chot, "GET", podsPath("default"), nil, "", nil))
	r.resp("user-delete-pod", call(ctx, chot, "DELETE", podsPath(ns)+"/p", nil, "", nil))
	r.resp("user-get-node", call(ctx, chot, "GET", "/api/v1/nodes/n1", nil, "", nil))
	r.resp("user-list-nodes", call(ctx, chot, "GET", "/api/v1/nodes", nil, "", nil))
	r.resp("user-pod-log", call(ctx, chot, "GET", podsPath(ns)+"/p/log", nil, "", nil))
	r.resp("user-scale", call(ctx, chot, "GET", deploysPath(ns)+"/d/scale", nil, "", nil))
	r.resp("user-named-configmap", call(ctx, chot, "GET", "/api/v1/namespaces/"+ns+"/configmaps/a", nil, "", nil))
	r.resp("user-other-configmap", call(ctx, chot, "GET", "/api/v1/namespaces/"+ns+"/configmaps/b", nil, "", nil))
	r.resp("user-list-configmaps", call(ctx, chot, "GET", "/api/v1/namespaces/"+ns+"/configmaps", nil, "", nil))
	r.resp("user-unknown-resource", call(ctx, chot, "GET", "/api/v1/namespaces/"+ns+"/gizmos", nil, "", nil))
	r.resp("user-get-namespace", call(ctx, chot, "GET", "/api/v1/namespaces/"+ns, nil, "", nil))
	r.resp("user-path", call(ctx, chot, "GET", "/logs", nil, "", nil))
	r.resp("user-discovery", call(ctx, chot, "GET", "/apis", nil, "", nil))
	r.resp("user-post-path", call(ctx, chot, "POST", "/api", nil, "", `{}`))

	dang, err := asUser(s, "", dangler)
	r.must("client", err)
	r.resp("dangler-list-pods", call(ctx, dang, "GET", podsPath(ns), nil, "", nil))
	dang2, err := asUser(s, "", dangler+"-2")
	r.must("client", err)
	r.resp("dangler-2-get-pod", call(ctx, dang2, "GET", podsPath(ns)+"/p", nil, "", nil))

	// Escalation prevention: chot may write roles and bindings in ns, but only grant what
	// chot holds.
	_, err = rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "rbac-writer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles", "rolebindings"}, Verbs: []string{"create", "update", "patch"}}}}, metav1.CreateOptions{})
	r.must("setup-writer", err)
	_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rbac-writer"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "rbac-writer"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}, metav1.CreateOptions{})
	r.must("setup-writer-binding", err)
	// kube-apiserver's authorizer sees the new binding through its informer, a moment later
	// (once it answered the escalation's attempt "cannot create resource roles")
	waitAllowed(ctx, chot, fmt.Sprintf(`{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"group":"rbac.authorization.k8s.io","verb":"create","resource":"roles","namespace":%q}}}`, ns))
	rolesPath := "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/roles"
	bindingsPath := "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings"
	r.resp("escalate-role", call(ctx, chot, "POST", rolesPath, nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"secrets"},"rules":[{"apiGroups":[""],"resources":["secrets","pods"],"verbs":["get","list"]},{"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["d"],"verbs":["delete"]}]}`))
	r.resp("held-role", call(ctx, chot, "POST", rolesPath, nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"pods"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}`), "rules")
	r.resp("held-role-patch", call(ctx, chot, "PATCH", rolesPath+"/pods", nil, ctMergePatch, `{"metadata":{"labels":{"a":"b"}}}`), "metadata.labels", "rules")
	r.resp("escalate-role-patch", call(ctx, chot, "PATCH", rolesPath+"/pods", nil, ctMergePatch, `{"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]}`))
	r.resp("escalate-binding", call(ctx, chot, "POST", bindingsPath, nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"x"}]}`))
	r.resp("held-binding", call(ctx, chot, "POST", bindingsPath, nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"cm"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm-a"},"subjects":[{"kind":"User","name":"x"}]}`), "roleRef", "subjects")
	r.resp("binding-missing-role", call(ctx, chot, "POST", bindingsPath, nil, "",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"nothing"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"nothing"},"subjects":[{"kind":"User","name":"x"}]}`))

	// Reviews.
	ssar := func(verb, resource, namespace string) string {
		return fmt.Sprintf(`{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":%q,"resource":%q,"namespace":%q}}}`, verb, resource, namespace)
	}
	review := []string{"status", "spec", "metadata.managedFields", "metadata.namespace", "metadata.name"}
	r.resp("ssar-allowed", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", ssar("list", "pods", ns)), review...)
	r.resp("ssar-denied", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", ssar("delete", "pods", ns)), review...)
	r.resp("ssar-missing-roles", call(ctx, dang, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", ssar("list", "pods", ns)), review...)
	r.resp("ssar-path", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "",
		`{"spec":{"nonResourceAttributes":{"verb":"get","path":"/apis"}}}`), review...)
	r.resp("ssar-admin", call(ctx, s.rc, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", ssar("delete", "nodes", "")), review...)
	r.resp("ssar-empty", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", `{"spec":{}}`))
	r.resp("sar", call(ctx, s.rc, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", nil, "",
		fmt.Sprintf(`{"spec":{"user":%q,"resourceAttributes":{"verb":"watch","resource":"pods","namespace":%q}}}`, user, ns)), review...)
	r.resp("sar-group", call(ctx, s.rc, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", nil, "",
		`{"spec":{"groups":["system:masters"],"nonResourceAttributes":{"verb":"get","path":"/metrics"}}}`), review...)
	r.resp("sar-nobody", call(ctx, s.rc, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", nil, "",
		`{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}`))
	r.resp("sar-as-user", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", nil, "",
		`{"spec":{"user":"x","resourceAttributes":{"verb":"get","resource":"pods"}}}`))
	r.resp("local-sar", call(ctx, s.rc, "POST", "/apis/authorization.k8s.io/v1/namespaces/"+ns+"/localsubjectaccessreviews", nil, "",
		fmt.Sprintf(`{"spec":{"user":%q,"resourceAttributes":{"verb":"get","resource":"pods","namespace":%q}}}`, user, ns)), review...)
	r.resp("local-sar-other-namespace", call(ctx, s.rc, "POST", "/apis/authorization.k8s.io/v1/namespaces/"+ns+"/localsubjectaccessreviews", nil, "",
		fmt.Sprintf(`{"spec":{"user":%q,"resourceAttributes":{"verb":"get","resource":"pods","namespace":"default"}}}`, user)))
	r.resp("ssrr", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", nil, "",
		fmt.Sprintf(`{"spec":{"namespace":%q}}`, ns)), "status", "spec", "metadata")
	r.resp("ssrr-missing-roles", call(ctx, dang, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", nil, "",
		fmt.Sprintf(`{"spec":{"namespace":%q}}`, ns)), "status")
	r.resp("ssrr-no-namespace", call(ctx, chot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", nil, "", `{"spec":{}}`))
	r.resp("whoami", call(ctx, chot, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, "", `{}`), "status")

	// Impersonation.
	withGroups, err := asUser(s, "", user, "devs")
	r.must("client", err)
	r.resp("whoami-groups", call(ctx, withGroups, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, "", `{}`), "status")
	asSA, err := asUser(s, "", "system:serviceaccount:"+ns+":bot")
	r.must("client", err)
	r.resp("whoami-sa", call(ctx, asSA, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, "", `{}`), "status")
	viewerAs, err := asUser(s, s.viewerToken(), user)
	r.must("client", err)
	r.resp("impersonate-forbidden", call(ctx, viewerAs, "GET", podsPath(ns), nil, "", nil))
	viewerAsSA, err := asUser(s, s.viewerToken(), "system:serviceaccount:"+ns+":bot")
	r.must("client", err)
	r.resp("impersonate-sa-forbidden", call(ctx, viewerAsSA, "GET", podsPath(ns), nil, "", nil))

	// ServiceAccount tokens.
	_, err = s.cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "bot"}}, metav1.CreateOptions{})
	r.must("setup-sa", err)
	tr := call(ctx, s.rc, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/bot/token", nil, "", `{"spec":{}}`)
	r.resp("token-request", tr, "metadata.name", "metadata.namespace", "spec", "metadata.managedFields")
	token, _ := lookup(tr.obj, "status.token").(string)
	r.set("token-request.has-token", token != "")
	r.resp("token-request-short", call(ctx, s.rc, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/bot/token", nil, "", `{"spec":{"expirationSeconds":60}}`))
	r.resp("token-request-missing", call(ctx, s.rc, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/nobody/token", nil, "", `{"spec":{}}`))
	r.resp("token-request-bound-missing", call(ctx, s.rc, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/bot/token", nil, "",
		`{"spec":{"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"nope"}}}`))
	r.resp("token-request-as-user", call(ctx, chot, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/bot/token", nil, "", `{"spec":{}}`))
	r.resp("token-review", call(ctx, s.rc, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", nil, "",
		fmt.Sprintf(`{"spec":{"token":%q}}`, token)), "status.authenticated", "status.user.username", "status.user.groups", "status.audiences", "status.error")
	r.resp("token-review-audience", call(ctx, s.rc, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", nil, "",
		fmt.Sprintf(`{"spec":{"token":%q,"audiences":["vault"]}}`, token)), "status")
	r.resp("token-review-bad", call(ctx, s.rc, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", nil, "",
		`{"spec":{"token":"not-a-token"}}`), "status")
	r.resp("token-review-empty", call(ctx, s.rc, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", nil, "", `{"spec":{}}`))
	bot, err := jsonClient(s.admin, token)
	r.must("client", err)
	r.resp("sa-list-pods", call(ctx, bot, "GET", podsPath(ns), nil, "", nil))
	r.resp("sa-whoami", call(ctx, bot, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, "", `{}`), "status.userInfo.username", "status.userInfo.groups")
	_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bot"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "bot"}}}, metav1.CreateOptions{})
	r.must("setup-sa-binding", err)
	// kube-apiserver's authorizer sees a new binding through its informer, a moment later
	bound := call(ctx, bot, "GET", podsPath(ns), nil, "", nil)
	for deadline := time.Now().Add(10 * time.Second); bound.code == 403 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		bound = call(ctx, bot, "GET", podsPath(ns), nil, "", nil)
	}
	r.resp("sa-list-pods-bound", bound)
	r.resp("sa-ssar", call(ctx, bot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", ssar("get", "pods", ns)), "status")
	r.must("delete-sa", s.cs.CoreV1().ServiceAccounts(ns).Delete(ctx, "bot", metav1.DeleteOptions{}))
	// kube-apiserver keeps a successful token authentication for 10 s (its token cache)
	deadline := time.Now().Add(15 * time.Second)
	res = call(ctx, bot, "GET", podsPath(ns), nil, "", nil)
	for res.code != 401 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		res = call(ctx, bot, "GET", podsPath(ns), nil, "", nil)
	}
	r.resp("sa-deleted", res)

	// CertificateSigningRequests: who asked, what may be asked, who may approve.
	csrBody := func(name string, orgs ...string) string {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: user, Organization: orgs}}, key)
		req := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
		return fmt.Sprintf(`{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":%q},"spec":{"request":%q,"signerName":"kubernetes.io/kube-apiserver-client","expirationSeconds":3600,"usages":["client auth"]}}`, name, req)
	}
	csrs := "/apis/certificates.k8s.io/v1/certificatesigningrequests"
	csrName := "csr-" + ns
	r.resp("csr-masters", call(ctx, s.rc, "POST", csrs, nil, "", csrBody("masters-"+ns, "system:masters")))
	r.resp("csr-invalid", call(ctx, s.rc, "POST", csrs, nil, "",
		`{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"bad-`+ns+`"},"spec":{"request":"bm90IGEgY3Ny","signerName":"kubernetes.io/kube-apiserver-client","usages":["client auth"]}}`))
	created := call(ctx, s.rc, "POST", csrs, nil, "", csrBody(csrName, "devs"))
	r.resp("csr-create", created, "spec.username", "spec.groups", "spec.uid", "spec.signerName", "spec.usages", "spec.expirationSeconds", "status")
	_, err = rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "csr-updater-" + ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"certificates.k8s.io"}, Resources: []string{"certificatesigningrequests", "certificatesigningrequests/approval"}, Verbs: []string{"get", "update"}}}}, metav1.CreateOptions{})
	r.must("setup-csr-role", err)
	_, err = rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "csr-updater-" + ns},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "csr-updater-" + ns}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}, metav1.CreateOptions{})
	r.must("setup-csr-binding", err)
	approval := func(c rest.Interface) response {
		cur := call(ctx, s.rc, "GET", csrs+"/"+csrName, nil, "", nil)
		obj := cur.obj
		if obj == nil {
			return cur
		}
		st, _ := obj["status"].(map[string]any)
		if st == nil {
			st = map[string]any{}
		}
		st["conditions"] = []any{map[string]any{"type": "Approved", "status": "True", "reason": "Differential", "message": "approved by the scenario"}}
		obj["status"] = st
		return call(ctx, c, "PUT", csrs+"/"+csrName+"/approval", nil, "", obj)
	}
	r.resp("csr-approve-forbidden", approval(chot))
	approved := approval(s.rc)
	r.resp("csr-approve", approved, "status.conditions.0.type", "status.conditions.0.status", "status.conditions.0.reason", "status.conditions.0.message", "spec.username")
	r.set("csr-approve.lastUpdateTime", lookup(approved.obj, "status.conditions.0.lastUpdateTime") != nil)
	r.resp("csr-deny-too", call(ctx, s.rc, "PUT", csrs+"/"+csrName+"/approval", nil, "", func() map[string]any {
		obj := approved.obj
		// the engine's signer may have written the certificate meanwhile
		delete(obj["metadata"].(map[string]any), "resourceVersion")
		obj["status"].(map[string]any)["conditions"] = append(obj["status"].(map[string]any)["conditions"].([]any),
			map[string]any{"type": "Denied", "status": "True", "reason": "Differential"})
		return obj
	}()))
	r.must("csr-cleanup", s.cs.CertificatesV1().CertificateSigningRequests().Delete(ctx, csrName, metav1.DeleteOptions{}))

	// x509 client certificates.
	cert, err := clientCert(s.caDir, user, "devs")
	r.must("cert", err)
	cc, err := certClient(s, cert)
	r.must("client", err)
	r.resp("cert-list-pods", call(ctx, cc, "GET", podsPath(ns), nil, "", nil))
	r.resp("cert-list-pods-elsewhere", call(ctx, cc, "GET", podsPath("kube-system"), nil, "", nil))
	who := call(ctx, cc, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, "", `{}`)
	r.resp("cert-whoami", who, "status.userInfo.username", "status.userInfo.groups", "status.userInfo.uid")
	ids, _ := lookup(who.obj, "status.userInfo.extra").(map[string]any)["authentication.kubernetes.io/credential-id"].([]any)
	r.set("cert-whoami.credential-id", len(ids) == 1 && strings.HasPrefix(fmt.Sprint(ids[0]), "X509SHA256="))
	foreign, err := clientCert("", user)
	r.must("cert", err)
	fc, err := certClient(s, foreign)
	r.must("client", err)
	r.resp("foreign-cert", call(ctx, fc, "GET", podsPath(ns), nil, "", nil))
}

// waitAllowed asks the SelfSubjectAccessReview ssar as c for up to 10 s, until it is allowed.
func waitAllowed(ctx context.Context, c rest.Interface, ssar string) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res := call(ctx, c, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil, "", ssar)
		if status, _ := res.obj["status"].(map[string]any); status["allowed"] == true {
			return
		}
	}
}
