package sync_test

import (
	"os"
	"path/filepath"
	"testing"

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
