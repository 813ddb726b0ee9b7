package xlsx

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sheetops/sheetops/sheets"
)

// coarse makes a Workbook see timestamps as a file system with a granularity of two
// seconds (FAT) records them: a save within the same two seconds keeps them.
func coarse(fi fs.FileInfo) (fileStamp, bool) {
	st, ok := stampOf(fi)
	const tick = int64(2 * time.Second)
	st.mtime -= st.mtime % tick
	st.ctime -= st.ctime % tick
	return st, ok
}

// TestVersionSeesSaveWithSameStamp: a save that keeps the file's inode, size, and (on a file
// system with coarse timestamps) its mtime and ctime is still seen.
func TestVersionSeesSaveWithSameStamp(t *testing.T) {
	for _, stamps := range []struct {
		name string
		fn   func(fs.FileInfo) (fileStamp, bool)
	}{{"fine", stampOf}, {"coarse", coarse}} {
		t.Run(stamps.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "book.xlsx")
			w := New(path)
			w.stampOf = stamps.fn
			a, b := bytes.Repeat([]byte("a"), 4096), bytes.Repeat([]byte("b"), 4096)
			if err := os.WriteFile(path, a, 0o600); err != nil {
				t.Fatal(err)
			}
			va, err := w.Version(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if va != checksum(a) {
				t.Fatalf("Version = %s, want %s", va, checksum(a))
			}
			// In place, same size: only the content and (maybe) the timestamps' last digits change.
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			vb, err := w.Version(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if vb != checksum(b) {
				t.Fatalf("Version after a save of the same size = %s, want %s", vb, checksum(b))
			}
		})
	}
}

// TestVersionTrustsSettledStamp: the stamp of a file that has not changed for a while is
// trusted without a hash, and any change of the file ends that.
func TestVersionTrustsSettledStamp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.xlsx")
	data := bytes.Repeat([]byte("a"), 4096)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	w := New(path)
	// The file's ctime is now (Chtimes sets it): see it an hour old, as a file saved long ago.
	w.stampOf = func(fi fs.FileInfo) (fileStamp, bool) {
		st, ok := stampOf(fi)
		st.ctime -= int64(time.Hour)
		return st, ok
	}
	v, err := w.Version(context.Background())
	if err != nil || v != checksum(data) {
		t.Fatalf("Version = %s, %v; want %s", v, err, checksum(data))
	}
	if !w.known.settled {
		t.Fatalf("a file unchanged for an hour: stamp not settled")
	}
	// Trusted: a version noted for this stamp is what Version says, without a hash.
	w.known.version = "noted"
	if v, _ := w.Version(context.Background()); v != "noted" {
		t.Fatalf("Version of a settled stamp = %s, want the noted version", v)
	}
	// Any write changes the ctime, even one that puts the old mtime back.
	changed := bytes.Repeat([]byte("b"), 4096)
	if err := os.WriteFile(path, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	w.stampOf = stampOf
	if v, _ := w.Version(context.Background()); v != checksum(changed) {
		t.Fatalf("Version after a save that kept size and mtime = %s, want %s", v, checksum(changed))
	}
}

// TestVersionAfterWrite: the Version a poll finds after a Write is the one Write returned,
// and after a person's save with the same size, theirs.
func TestVersionAfterWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.xlsx")
	w := New(path)
	w.stampOf = coarse
	v, err := w.Write(context.Background(), nil, nil, &sheets.Book{Tabs: []*sheets.Tab{tabOf("T", [][]string{{"A"}, {"1"}})}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Version(context.Background()); got != v {
		t.Fatalf("Version after Write = %s, want %s", got, v)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0xff // the zip comment's length, say: same size, other bytes
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Version(context.Background()); got != checksum(data) {
		t.Fatalf("Version after a save = %s, want %s", got, checksum(data))
	}
}
