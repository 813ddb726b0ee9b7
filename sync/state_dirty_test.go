package sync

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStateSaveChanges: saveChanges writes the state after a change made through any of
// State's methods, and leaves the file alone (not replaced) when none was made.
func TestStateSaveChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	s.setStatus("uid-1", Outcome{Kind: OutcomeApplied, At: time.Unix(1, 0)})
	s.remember("uid-1", "7", map[string]string{"Replicas": "3"})
	s.setCreated("Deployments/shop/web", "uid-1")
	if err := s.saveChanges(path); err != nil {
		t.Fatal(err)
	}
	last, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	live := func(uid string) bool { return uid == "uid-1" }
	changes := []struct {
		name   string
		change func()
		writes bool
	}{
		{"nothing", func() {}, false},
		{"the same status", func() { s.setStatus("uid-1", Outcome{Kind: OutcomeApplied, At: time.Unix(1, 0)}) }, false},
		{"the same render", func() { s.remember("uid-1", "7", map[string]string{"Replicas": "3"}) }, false},
		{"the same creation", func() { s.setCreated("Deployments/shop/web", "uid-1") }, false},
		{"no conflicts again", func() { s.setConflicts(map[string]ConflictRecord{}, map[string]string{}) }, false},
		{"forget nothing", func() { s.forget(live) }, false},
		{"a new status", func() { s.setStatus("uid-1", Outcome{Kind: OutcomeError, Message: "x"}) }, true},
		{"a status cleared", func() { s.clearStatus("uid-1") }, true},
		{"a new render", func() { s.remember("uid-1", "8", map[string]string{"Replicas": "4"}) }, true},
		{"a conflict", func() { s.setConflicts(map[string]ConflictRecord{"uid-1/Replicas": {Sheet: "5"}}, nil) }, true},
		{"a drift", func() { s.setConflicts(s.Conflicts, map[string]string{"uid-1/Replicas": "2"}) }, true},
		{"a creation", func() { s.setCreated("Deployments/shop/api", "uid-2") }, true},
		{"an object gone", func() { s.forget(func(string) bool { return false }) }, true},
	}
	for _, c := range changes {
		c.change()
		if err := s.saveChanges(path); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if written := !os.SameFile(last, fi); written != c.writes {
			t.Errorf("%s: written %v, want %v", c.name, written, c.writes)
		}
		last = fi
	}
	loaded, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Renders)+len(loaded.Status)+len(loaded.Conflicts)+len(loaded.Drift)+len(loaded.Created) != 0 {
		t.Errorf("after every object went, the file still holds %+v", loaded)
	}
}
