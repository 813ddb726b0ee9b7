package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/apiserver/auth"
)

// Tokens of the engine's users in these tests: the admin, a viewer (get, list and watch on
// everything) and a user in no group, who may read nothing.
const (
	adminToken  = "admin-token"
	viewerToken = "viewer-token"
	nobodyToken = "nobody-token"
)

// engine starts the embedded engine (no controllers) with the three users above and returns
// a client config for each token.
func engine(t *testing.T) func(token string) kubernetes.Interface {
	t.Helper()
	config := engineConfig(t)
	return func(token string) kubernetes.Interface {
		cs, err := kubernetes.NewForConfig(config(token))
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
}

// engineConfig starts the engine as engine does and returns a client config for each token.
func engineConfig(t *testing.T) func(token string) *rest.Config {
	t.Helper()
	dir := t.TempDir()
	tokens := fmt.Sprintf("%s,%s,1,%q\n%s,%s,2,%q\n%s,nobody,3\n",
		adminToken, auth.AdminUser, auth.GroupMasters, viewerToken, auth.ViewerUser, auth.GroupViewers, nobodyToken)
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := apiserver.New(apiserver.Options{
		Addr: "127.0.0.1:0", DataDir: dir, NoControllers: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	base, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	return func(token string) *rest.Config {
		c := rest.CopyConfig(base)
		c.BearerToken = token
		return c
	}
}

func seed(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// startView builds and starts a view; it is stopped when the test ends.
func startView(t *testing.T, cs kubernetes.Interface, target Target) *View {
	t.Helper()
	v, err := NewView(cs, target)
	if err != nil {
		t.Fatal(err)
	}
	v.Start(context.Background())
	t.Cleanup(v.Stop)
	return v
}

func TestWaitForSync(t *testing.T) {
	client := engine(t)
	seed(t, client(adminToken), "shop", "web")

	tests := []struct {
		name    string
		token   string
		target  Target
		wantErr *AccessError // nil: the view syncs
	}{
		{name: "viewer, all namespaces", token: viewerToken},
		{name: "viewer, one namespace and a selector", token: viewerToken, target: Target{Namespaces: []string{"shop"}, LabelSelector: "app=web"}},
		{name: "no rights, all namespaces", token: nobodyToken, wantErr: &AccessError{Verb: "list", Resource: "deployments"}},
		{name: "no rights, one namespace", token: nobodyToken, target: Target{Namespaces: []string{"shop"}},
			wantErr: &AccessError{Verb: "list", Resource: "deployments", Namespace: "shop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := startView(t, client(tt.token), tt.target)
			// Long enough for a sync, far shorter than "forever": a refusal must come back
			// as an AccessError, never as the context's deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := v.WaitForSync(ctx)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := len(v.Deployments()); got != 1 {
					t.Fatalf("%d deployments in the view, want 1", got)
				}
				return
			}
			var ae *AccessError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *AccessError", err)
			}
			if ae.Verb != tt.wantErr.Verb || ae.Resource != tt.wantErr.Resource || ae.Namespace != tt.wantErr.Namespace {
				t.Fatalf("AccessError{%q %q %q}, want {%q %q %q}", ae.Verb, ae.Resource, ae.Namespace,
					tt.wantErr.Verb, tt.wantErr.Resource, tt.wantErr.Namespace)
			}
			if !apierrors.IsForbidden(err) {
				t.Fatalf("err = %v, want it to wrap the API server's 403", err)
			}
			if !strings.Contains(err.Error(), `cannot list resource "deployments"`) {
				t.Fatalf("err = %v, want the API server's own message", err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WaitForSync waited for the deadline: %v", err)
			}
		})
	}
}

// TestWaitForSyncInformerRefused: when the informers themselves are refused (the rights were
// taken away after the check, say), WaitForSync still returns the refusal instead of waiting.
func TestWaitForSyncInformerRefused(t *testing.T) {
	client := engine(t)
	v := startView(t, client(nobodyToken), Target{})
	v.sources = nil // skip the up-front check: only the informers can notice
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := v.WaitForSync(ctx)
	var ae *AccessError
	if !errors.As(err, &ae) || ae.Verb != "list" || !apierrors.IsForbidden(err) {
		t.Fatalf("err = %v, want a list *AccessError wrapping a 403", err)
	}
	if ae.Resource != "deployments" && ae.Resource != "pods" {
		t.Fatalf("resource %q", ae.Resource)
	}
}

func TestAccessErrorMessage(t *testing.T) {
	forbidden := apierrors.NewForbidden(corev1.Resource("pods"), "", errors.New(`User "u" cannot list resource "pods" in API group "" at the cluster scope`))
	tests := []struct {
		name string
		err  *AccessError
		want string
	}{
		{
			name: "cluster scope",
			err:  &AccessError{Verb: "list", Resource: "pods", Err: forbidden},
			want: `cluster: cannot list pods: pods is forbidden: User "u" cannot list resource "pods" in API group "" at the cluster scope (the ClusterRole needs list and watch on pods)`,
		},
		{
			name: "one namespace",
			err:  &AccessError{Verb: "watch", Resource: "deployments", Namespace: "shop", Err: errors.New("forbidden")},
			want: `cluster: cannot watch deployments in namespace shop: forbidden (the role bound in namespace shop needs list and watch on deployments)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
