package apiserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPythonClientServiceAccount calls the engine with the official Python client and a
// ServiceAccount token from a TokenRequest, bound to a namespaced Role: what the Role
// allows works, the rest is upstream's 403.
func TestPythonClientServiceAccount(t *testing.T) {
	python := needPythonClient(t)
	srv := startEngine(t, "", false)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cs := clientset(t, srv)
	ns := cgNamespace(t, ctx, cs, "python-sa")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}, metav1.CreateOptions{}))
	must(cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader"}}, metav1.CreateOptions{}))
	must(cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}, metav1.CreateOptions{}))
	must(cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "reader", Namespace: ns}}}, metav1.CreateOptions{}))
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "reader", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile, tokenFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "token")
	os.WriteFile(caFile, srv.CACertPEM(), 0o600)
	os.WriteFile(tokenFile, []byte(tr.Status.Token), 0o600)

	cmd := exec.CommandContext(ctx, python, "testdata/python_serviceaccount.py", srv.URL(), caFile, tokenFile, ns)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python client: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	var got struct {
		Listed               []string       `json:"listed"`
		DeleteStatus         int            `json:"delete_status"`
		DeleteBody           map[string]any `json:"delete_body"`
		OtherNamespaceStatus int            `json:"other_namespace_status"`
		ReviewAllowed        bool           `json:"review_allowed"`
		ReviewReason         string         `json:"review_reason"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("summary: %v\n%s", err, stdout.String())
	}
	user := "system:serviceaccount:" + ns + ":reader"
	if !slices.Equal(got.Listed, []string{"p"}) {
		t.Errorf("listed %v, want [p]", got.Listed)
	}
	if got.DeleteStatus != 403 || got.DeleteBody["message"] != `pods "p" is forbidden: User "`+user+`" cannot delete resource "pods" in API group "" in the namespace "`+ns+`"` ||
		got.DeleteBody["reason"] != "Forbidden" {
		t.Errorf("delete: %d %v", got.DeleteStatus, got.DeleteBody)
	}
	if got.OtherNamespaceStatus != 403 {
		t.Errorf("list in default: %d, want 403", got.OtherNamespaceStatus)
	}
	if want := `RBAC: allowed by RoleBinding "reader/` + ns + `" of Role "pod-reader" to ServiceAccount "reader/` + ns + `"`; !got.ReviewAllowed || got.ReviewReason != want {
		t.Errorf("review: %v %q, want allowed %q", got.ReviewAllowed, got.ReviewReason, want)
	}
}
