package sync_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sync"
)

// TestStateSavedOnlyWhenChanged: a Save of what the file holds already writes nothing (the
// file is not replaced); a change, or a file gone, is written.
func TestStateSavedOnlyWhenChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := sync.LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	save := func() os.FileInfo {
		t.Helper()
		if err := s.Save(path); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	first := save()
	if again := save(); !os.SameFile(first, again) {
		t.Errorf("an unchanged state was written again")
	}
	s.Created["Deployments/shop/web"] = "uid-1"
	changed := save()
	if os.SameFile(first, changed) {
		t.Errorf("a changed state was not written")
	}
	loaded, err := sync.LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Created["Deployments/shop/web"] != "uid-1" {
		t.Errorf("the file holds %v", loaded.Created)
	}
	if err := loaded.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); !os.SameFile(fi, changed) {
		t.Errorf("a state saved as it was read was written again")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	save()
}

// TestStateFollowsTheCluster: the state remembers each render of an object once per
// resourceVersion (a render as remembered is not recorded again; a new one is), and forgets
// the objects that are gone from the cluster.
func TestStateFollowsTheCluster(t *testing.T) {
	f := newDecideFixture(t, false)
	renders := func() map[string]map[string]map[string]string {
		t.Helper()
		s, err := sync.LoadState(f.opts.StatePath)
		if err != nil {
			t.Fatal(err)
		}
		return s.Renders
	}
	uid := func(name string) string {
		for _, o := range f.c.Objects(mapping.Deployment) {
			if m := o.(metav1.Object); m.GetName() == name {
				return string(m.GetUID())
			}
		}
		t.Fatalf("no deployment %s", name)
		return ""
	}
	web, api := uid("web"), uid("api")
	before := renders()
	if len(before[web]) != 1 || len(before[api]) != 1 {
		t.Fatalf("renders after the first pass: %v", before)
	}

	f.pass() // nothing changed
	if got := renders(); !reflect.DeepEqual(got, before) {
		t.Errorf("a pass without changes changed the renders: %v, was %v", got, before)
	}

	f.c.put("web", 5) // a new resourceVersion
	f.c.remove("api")
	f.pass()
	got := renders()
	if _, ok := got[api]; ok {
		t.Errorf("api is gone but its renders are kept: %v", got[api])
	}
	if len(got[web]) != 2 {
		t.Fatalf("web's renders: %v, want the first and the one at 5 replicas", got[web])
	}
	var five bool
	for _, cells := range got[web] {
		five = five || cells[mapping.Replicas] == "5"
	}
	if !five {
		t.Errorf("web's renders: %v, want one of 5 replicas", got[web])
	}
}
