package apiserver

import (
	"io"
	"log/slog"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestBootstrapFields checks the managed fields set directly on the objects the engine
// creates at start against what the field manager records for the same objects.
func TestBootstrapFields(t *testing.T) {
	srv, err := New(Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), NoControllers: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct {
		name         string
		resource, ns string
		stored       string
		twin         runtime.Object
	}{
		{"namespace", "namespaces", "", "kube-public", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-twin"}}},
		{"service", "services", "default", "kubernetes", func() runtime.Object {
			svc := kubernetesServiceObject(6443)
			svc.Name = "kubernetes-twin"
			svc.Spec.ClusterIP = "10.96.0.2"
			return svc
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, err := srv.store.Get(tc.resource, tc.ns, tc.stored)
			if err != nil {
				t.Fatal(err)
			}
			res := byStoreKey[tc.resource]
			twin, err := srv.createObjectManaged(requestInfo{verb: "create", res: res, gvr: res.gvr, namespace: tc.ns}, tc.twin, internalWrite, false)
			if err != nil {
				t.Fatal(err)
			}
			got, want := stored.(metav1.Object).GetManagedFields(), twin.(metav1.Object).GetManagedFields()
			t.Logf("field manager: %s", want[0].FieldsV1.Raw)
			if len(got) != 1 || len(want) != 1 || string(got[0].FieldsV1.Raw) != string(want[0].FieldsV1.Raw) ||
				got[0].Manager != want[0].Manager || got[0].Operation != want[0].Operation || got[0].APIVersion != want[0].APIVersion {
				t.Fatalf("bootstrap managed fields %+v, the field manager's %+v", got, want)
			}
		})
	}
}
