package apiserver

import (
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// TestBootstrapFields checks the managed fields of every object the engine writes at
// start, recorded by bootstrapTypes' field managers, against those the field managers'
// own type converter records: two engines start, one with each, and their objects of
// bootstrapKinds must carry the same managed fields (all but their times).
func TestBootstrapFields(t *testing.T) {
	if _, err := bootstrapTypes(); err != nil {
		t.Fatalf("bootstrapTypes: %v", err)
	}
	start := func(full bool) *Server {
		srv, err := New(Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), NoControllers: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		srv.fullStartTypes = full
		if err := srv.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		return srv
	}
	got, want := start(false), start(true)
	for _, gvk := range bootstrapKinds {
		t.Run(gvk.Kind, func(t *testing.T) {
			g, w := managedFieldsOf(t, got, gvk), managedFieldsOf(t, want, gvk)
			if len(w) == 0 {
				t.Fatalf("no %s written at start", gvk.Kind)
			}
			for name, wf := range w {
				gf, ok := g[name]
				switch {
				case !ok:
					t.Errorf("%s %s: missing", gvk.Kind, name)
				case gf != wf:
					t.Errorf("%s %s: managed fields\n%s\nthe field managers' own\n%s", gvk.Kind, name, gf, wf)
				}
			}
			if len(g) != len(w) {
				t.Errorf("%d objects of %s, want %d", len(g), gvk.Kind, len(w))
			}
		})
	}
}

// managedFieldsOf is the managed fields, without their times and by manager, of the stored objects of a
// kind, by namespace/name, as JSON.
func managedFieldsOf(t *testing.T, srv *Server, gvk schema.GroupVersionKind) map[string]string {
	t.Helper()
	i := slices.IndexFunc(resources, func(r *resource) bool { return r.gvk() == gvk })
	if i < 0 {
		t.Fatalf("no resource serves %s", gvk)
	}
	page, err := srv.store.List(resources[i].storeKey, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, obj := range page.Items {
		m := obj.(metav1.Object)
		fields := m.GetManagedFields()
		if len(fields) == 0 {
			t.Errorf("%s %s/%s: no managed fields", gvk.Kind, m.GetNamespace(), m.GetName())
		}
		for i := range fields {
			fields[i].Time = nil
		}
		// Entries are ordered by time, then manager (as upstream's field manager orders
		// them): where a role's creation and its aggregation fall in different seconds in
		// one engine and the same second in the other, the order differs, not the fields.
		slices.SortFunc(fields, func(a, b metav1.ManagedFieldsEntry) int { return strings.Compare(a.Manager, b.Manager) })
		data, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		out[m.GetNamespace()+"/"+m.GetName()] = string(data)
	}
	return out
}
