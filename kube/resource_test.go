package kube

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// TestResolve: a tab's resource is found as kubectl finds what `kubectl get` names.
func TestResolve(t *testing.T) {
	r := NewResolver(engine(t)(adminToken).Discovery())
	for _, tc := range []struct {
		arg  string
		want Resource
	}{
		{"deployments", Deployments},
		{"deploy", Deployments},
		{"deployment", Deployments},
		{"Deployment", Deployments},
		{"deployments.apps", Deployments},
		{"deployments.v1.apps", Deployments},
		{"po", Pods},
		{"pods", Pods},
		{"Pod", Pods},
		{"nodes", Resource{GroupVersionResource: corev1.SchemeGroupVersion.WithResource("nodes"), Kind: "Node"}},
		{"ns", Resource{GroupVersionResource: corev1.SchemeGroupVersion.WithResource("namespaces"), Kind: "Namespace"}},
		{"leases.coordination.k8s.io", Resource{GroupVersionResource: coordinationv1.SchemeGroupVersion.WithResource("leases"), Kind: "Lease", Namespaced: true}},
	} {
		got, err := r.Resolve(tc.arg)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v", tc.arg, got, err, tc.want)
		}
	}
	for _, arg := range []string{"", "deploymentz", "widgets.example.com", "Deployment.batch"} {
		if got, err := r.Resolve(arg); err == nil {
			t.Errorf("Resolve(%q) = %+v, want an error", arg, got)
		}
	}
}

// TestViewOfAnyResource: the view watches whatever resources its sources name (here a
// cluster-scoped one and a namespaced one besides deployments), and the Applier patches and
// deletes them, with their preconditions.
func TestViewOfAnyResource(t *testing.T) {
	cs := engine(t)(adminToken)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seed(t, cs, "shop", "web")
	if _, err := cs.CoordinationV1().Leases("shop").Create(ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "lock"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("a")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := NewResolver(cs.Discovery())
	namespaces, _ := r.Resolve("namespaces")
	leases, _ := r.Resolve("leases")
	v, err := NewViewOf(cs, nil, []Source{
		{Resource: namespaces, Namespaces: []string{"shop"}}, // cluster-scoped: namespaces do not apply
		{Resource: leases, Namespaces: []string{"shop"}},
		{Resource: Deployments, Namespaces: []string{"shop"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v.Start(ctx)
	defer v.Stop()
	if err := v.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	names := func(res Resource) []string {
		var out []string
		for _, o := range v.Objects(res) {
			switch o := o.(type) {
			case *corev1.Namespace:
				out = append(out, o.Name)
			case *coordinationv1.Lease:
				out = append(out, o.Namespace+"/"+o.Name)
			}
		}
		return out
	}
	if got := names(leases); len(got) != 1 || got[0] != "shop/lock" {
		t.Fatalf("leases = %v, want shop/lock", got)
	}
	if got := names(namespaces); len(got) < 3 { // default, kube-system, shop, …
		t.Fatalf("namespaces = %v, want every namespace", got)
	}
	lease := v.Objects(leases)[0].(*coordinationv1.Lease)
	if o, ok := v.ByUID(leases, lease.UID); !ok || o != lease {
		t.Fatalf("ByUID = %v, %v", o, ok)
	}

	a := NewApplier(cs, nil)
	patch := []byte(`{"metadata":{"resourceVersion":"` + lease.ResourceVersion + `"},"spec":{"holderIdentity":"b"}}`)
	out, err := a.Patch(ctx, leases, "shop", "lock", types.MergePatchType, patch)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*coordinationv1.Lease); *got.Spec.HolderIdentity != "b" {
		t.Fatalf("patched lease holder = %q", *got.Spec.HolderIdentity)
	}
	// The same patch again carries a stale resourceVersion: 409.
	if _, err := a.Patch(ctx, leases, "shop", "lock", types.MergePatchType, patch); err == nil || !isConflict(err) {
		t.Fatalf("stale patch = %v, want a conflict", err)
	}
	if err := a.Delete(ctx, leases, "shop", "lock", "not-its-uid"); err == nil {
		t.Fatal("delete with another UID succeeded")
	}
	if err := a.Delete(ctx, leases, "shop", "lock", lease.UID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(v.Objects(leases)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the view still holds the deleted lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isConflict(err error) bool { return apierrors.IsConflict(err) }
