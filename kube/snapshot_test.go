package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	stdsync "sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// contentTypes records the Content-Type of every response the clients of a config receive
// (each client its transport: record).
type contentTypes struct {
	mu   stdsync.Mutex
	seen map[string]int
}

func (c *contentTypes) wrap(next http.RoundTripper) http.RoundTripper {
	return record{c, next}
}

type record struct {
	c    *contentTypes
	next http.RoundTripper
}

func (r record) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil && strings.Contains(req.URL.Path, "/deployments") {
		r.c.mu.Lock()
		r.c.seen[resp.Header.Get("Content-Type")]++
		r.c.mu.Unlock()
	}
	return resp, err
}

// TestSnapshot: a snapshot lists each source once, page by page (here pages of 2), in
// protobuf for built-in kinds, keeps only the sources' namespaces and selector, and sorts
// by namespace and name; a refused list is an AccessError naming the resource.
func TestSnapshot(t *testing.T) {
	config := engineConfig(t)
	cs, err := kubernetes.NewForConfig(config(adminToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"b", "a"} {
		for i := 5; i > 0; i-- {
			seed(t, cs, ns, fmt.Sprintf("web-%d", i))
		}
	}
	if _, err := cs.CoordinationV1().Leases("b").Create(context.Background(), &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "lock"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := NewResolver(cs.Discovery())
	leases, _ := r.Resolve("leases")
	defer func(n int64) { snapshotPageSize = n }(snapshotPageSize)
	snapshotPageSize = 2

	rc := config(adminToken)
	types := &contentTypes{seen: map[string]int{}}
	rc.Wrap(types.wrap)
	s, err := TakeSnapshot(context.Background(), rc, nil, []Source{
		{Resource: Deployments, Namespaces: []string{"a", "b"}, LabelSelector: "app!=web-3"},
		{Resource: leases},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range s.Objects(Deployments) {
		d := o.(*appsv1.Deployment)
		got = append(got, d.Namespace+"/"+d.Name)
		if len(d.ManagedFields) > 0 {
			t.Errorf("%s keeps its managed fields", d.Name)
		}
		if o2, ok := s.ByUID(Deployments, d.UID); !ok || o2 != o {
			t.Errorf("ByUID(%s) = %v, %v", d.Name, o2, ok)
		}
	}
	want := "a/web-1 a/web-2 a/web-4 a/web-5 b/web-1 b/web-2 b/web-4 b/web-5"
	if strings.Join(got, " ") != want {
		t.Errorf("deployments = %v, want %s", got, want)
	}
	if n := len(s.Objects(leases)); n != 1 {
		t.Errorf("%d leases, want 1", n)
	}
	// Two namespaces of 4 matching deployments in pages of 2: 4 lists, all in protobuf.
	if types.seen["application/vnd.kubernetes.protobuf"] != 4 || len(types.seen) != 1 {
		t.Errorf("deployment list responses by Content-Type = %v, want 4 protobuf", types.seen)
	}

	_, err = TakeSnapshot(context.Background(), config(nobodyToken), nil, []Source{{Resource: Deployments}})
	var ae *AccessError
	if !errors.As(err, &ae) || ae.Verb != "list" || ae.Resource != "deployments" {
		t.Fatalf("snapshot as nobody: %v, want an AccessError for list deployments", err)
	}
}
