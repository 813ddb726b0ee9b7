package auth

import (
	"errors"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRuleAllows(t *testing.T) {
	tests := []struct {
		name  string
		rule  rbacv1.PolicyRule
		attrs Attributes
		want  bool
	}{
		{"exact", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, Attributes{Verb: "get", Resource: "pods", ResourceRequest: true}, true},
		{"other verb", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, Attributes{Verb: "list", Resource: "pods", ResourceRequest: true}, false},
		{"other group", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"deployments"}}, Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments", ResourceRequest: true}, false},
		{"resource does not cover subresource", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, Attributes{Verb: "get", Resource: "pods", Subresource: "log", ResourceRequest: true}, false},
		{"subresource", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods/log"}}, Attributes{Verb: "get", Resource: "pods", Subresource: "log", ResourceRequest: true}, true},
		{"star subresource", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"*/scale"}}, Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments", Subresource: "scale", ResourceRequest: true}, true},
		{"star subresource needs one", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"*/scale"}}, Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments", ResourceRequest: true}, false},
		{"resource name", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a"}}, Attributes{Verb: "get", Resource: "configmaps", Name: "a", ResourceRequest: true}, true},
		{"other resource name", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a"}}, Attributes{Verb: "get", Resource: "configmaps", Name: "b", ResourceRequest: true}, false},
		{"resource names do not cover list", rbacv1.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a"}}, Attributes{Verb: "list", Resource: "configmaps", ResourceRequest: true}, false},
		{"non-resource prefix", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/apis/*"}}, Attributes{Verb: "get", Path: "/apis/apps/v1"}, true},
		{"non-resource exact only", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/apis"}}, Attributes{Verb: "get", Path: "/apis/apps"}, false},
		{"resource rule is not a path rule", rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}, Attributes{Verb: "get", Path: "/metrics"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RuleAllows(tt.attrs, &tt.rule); got != tt.want {
				t.Errorf("RuleAllows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecideReasons(t *testing.T) {
	p := NewBootstrapPolicy()
	p.Roles = append(p.Roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "ns"},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}})
	p.Bindings = append(p.Bindings,
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "chot-reads", Namespace: "ns"},
			RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "chot"}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "sa-reads", Namespace: "ns"},
			RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "bot"}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dangling", Namespace: "other"},
			RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "missing"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "chot"}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dangling2", Namespace: "other"},
			RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "missing2"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "chot"}}},
	)
	a := NewAuthorizer(p)
	chot := User{Name: "chot", Groups: []string{GroupAuthenticated}}
	bot := ServiceAccountUser("ns", "bot", "u1")
	listPods := func(ns string) Attributes {
		return Attributes{Verb: "list", Resource: "pods", Namespace: ns, ResourceRequest: true}
	}
	tests := []struct {
		name  string
		user  User
		attrs Attributes
		want  Decision
	}{
		{"masters", admin, listPods("ns"), Decision{Allowed: true}},
		{"role binding", chot, listPods("ns"), Decision{Allowed: true, Reason: `RBAC: allowed by RoleBinding "chot-reads/ns" of Role "reader" to User "chot"`}},
		{"service account subject in the binding's namespace", bot, listPods("ns"), Decision{Allowed: true, Reason: `RBAC: allowed by RoleBinding "sa-reads/ns" of Role "reader" to ServiceAccount "bot/ns"`}},
		{"cluster role binding", viewer, listPods("kube-system"), Decision{Allowed: true, Reason: `RBAC: allowed by ClusterRoleBinding "sheetops-viewer" of ClusterRole "view" to User "sheetops-viewer"`}},
		{"no binding", chot, listPods("kube-system"), Decision{}},
		{"missing roles", chot, listPods("other"), Decision{Reason: `rbac: RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "missing2" not found]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Decide(tt.user, tt.attrs); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
	err := a.Authorize(chot, listPods("other"))
	want := `pods is forbidden: User "chot" cannot list resource "pods" in API group "" in the namespace "other": rbac: RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "missing2" not found]`
	if err == nil || err.Error() != want {
		t.Errorf("Authorize = %v\nwant %s", err, want)
	}
}

func TestBootstrapAggregation(t *testing.T) {
	p := NewBootstrapPolicy()
	a := NewAuthorizer(p)
	u := User{Name: "ed", Groups: []string{GroupAuthenticated}}
	p.ClusterBindings = append(p.ClusterBindings, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ed"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "admin"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "ed"}}})
	for _, attrs := range []Attributes{
		{Verb: "create", APIGroup: "apps", Resource: "deployments", Namespace: "x", ResourceRequest: true},                       // edit
		{Verb: "watch", Resource: "pods", Subresource: "log", Namespace: "x", ResourceRequest: true},                             // view? no: get
		{Verb: "create", APIGroup: "rbac.authorization.k8s.io", Resource: "rolebindings", Namespace: "x", ResourceRequest: true}, // admin
	} {
		if attrs.Subresource == "log" {
			attrs.Verb = "get"
		}
		if err := a.Authorize(u, attrs); err != nil {
			t.Errorf("admin: %v", err)
		}
	}
}

func TestServiceAccountTokens(t *testing.T) {
	s, err := EnsureSigningKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := TokenClaims{Namespace: "ns", ServiceAccount: ObjectRef{Name: "bot", UID: "u1"}, Audiences: []string{Issuer}, IssuedAt: now, Expiry: now.Add(time.Hour)}
	tok, err := s.Issue(claims)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok, []string{Issuer}, now)
	if err != nil || got.ServiceAccount != claims.ServiceAccount || got.Namespace != "ns" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if _, err := s.Verify(tok, []string{Issuer}, now.Add(2*time.Hour)); err != ErrTokenExpired {
		t.Errorf("expired: %v", err)
	}
	if _, err := s.Verify(tok, []string{"other"}, now); !errors.Is(err, ErrTokenAudience) {
		t.Errorf("audience: %v", err)
	}
	other, _ := EnsureSigningKey(t.TempDir())
	if _, err := other.Verify(tok, []string{Issuer}, now); err != ErrTokenInvalid {
		t.Errorf("other key: %v", err)
	}
	if _, err := s.Verify(tok[:len(tok)-2]+"AA", []string{Issuer}, now); err != ErrTokenInvalid {
		t.Errorf("tampered: %v", err)
	}
	legacy, _ := s.Issue(TokenClaims{Legacy: true, Namespace: "ns", ServiceAccount: ObjectRef{Name: "bot", UID: "u1"}, Secret: &ObjectRef{Name: "bot-token"}})
	if got, err := s.Verify(legacy, []string{Issuer}, now); err != nil || !got.Legacy || got.Secret.Name != "bot-token" {
		t.Errorf("legacy: %+v, %v", got, err)
	}
}
