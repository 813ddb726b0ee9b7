package storage

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestReleaseMappedStaysInTheMap: bbolt grows its file ahead of its memory map; the pages
// released are the map's, never past its end (where the process may have the Go heap).
func TestReleaseMappedStaysInTheMap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var released [][2]uintptr
	real := dontNeed
	dontNeed = func(addr, n uintptr) {
		released = append(released, [2]uintptr{addr, n})
		real(addr, n)
	}
	defer func() { dontNeed = real }()

	val := make([]byte, 3700)
	ahead := false
	for round := 0; round < 12 && !ahead; round++ {
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("o"))
			if err != nil {
				return err
			}
			for i := range 1000 {
				if err := b.Put(fmt.Appendf(nil, "k-%d-%d", round, i), val); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		from, to := fileMapping(t, path)
		ahead = fi.Size() > int64(to-from)
		released = nil
		releaseMapped(db)
		if len(released) != 1 {
			t.Fatalf("round %d: %d ranges released, want 1", round, len(released))
		}
		if r := released[0]; r[0] != from || r[0]+r[1] > to {
			t.Fatalf("round %d: released %#x+%d MiB, outside bbolt's map %#x-%#x (file %d MiB)",
				round, r[0], r[1]>>20, from, to, fi.Size()>>20)
		}
	}
	if !ahead {
		t.Fatal("the file never grew past its map: the case this test is about did not happen")
	}
	// What was released reads back from the file.
	if err := db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("o")).Get([]byte("k-0-0")); len(v) != len(val) {
			return fmt.Errorf("k-0-0 reads %d bytes after the release, want %d", len(v), len(val))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// fileMapping is the address range where this process maps path, from /proc/self/maps.
func fileMapping(t *testing.T, path string) (from, to uintptr) {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[len(fields)-1] != path {
			continue
		}
		a, b, _ := strings.Cut(fields[0], "-")
		s, err1 := strconv.ParseUint(a, 16, 64)
		e, err2 := strconv.ParseUint(b, 16, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line in /proc/self/maps: %q", sc.Text())
		}
		return uintptr(s), uintptr(e)
	}
	t.Fatalf("%s is not mapped", path)
	return 0, 0
}
