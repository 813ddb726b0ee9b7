package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// awkward are values whose written form is not the text itself (escaped, cut, typed), or
// that a reader might change.
var awkward = []string{
	"=1+1", "+1", "-1", "@x", " lead", "trail ", " ", "\ttab", "a\nb", "a\r\nb", "cr\r", "\x01ctl", "del\x7f",
	"_x0041_", "_X0041_", "emoji 🚀", "\uFFFD", "\uFFFE", "\xff\xfe", "日本語", strings.Repeat("x", 40000),
	strings.Repeat("é", 20000), "007", "3", "-0", "1e5", "3.5", "0", "-12", "123456789012345678", "TRUE", "&amp;", "<b>",
}

// TestReadOfOwnWrite: the Read after a Write returns what a parse of the file returns, and
// does not parse the file when every value's written form is known.
func TestReadOfOwnWrite(t *testing.T) {
	layout := sheetstest.Layout()
	plain := sheetstest.Book(20, 100)
	odd := sheetstest.Book(5, 5)
	for i, v := range awkward {
		dep := odd.Tab(sheetstest.Deployments)
		r := dep.Rows[i%len(dep.Rows)]
		r[i%len(r)] = v
		r[2] = v // Replicas: a Number column
	}
	odd.Tabs = append(odd.Tabs,
		&sheets.Tab{Name: "Ragged", Header: []string{"A", "", ""}, Rows: [][]string{{"1"}, {}, {"", "", ""}, {"", "x"}, {"y", "", ""}}},
		&sheets.Tab{Name: "Empty"},
		&sheets.Tab{Name: "HeaderOnly", Header: []string{"", "H", ""}},
		&sheets.Tab{Name: "NoHeader", Rows: [][]string{{"", "v"}}},
	)
	for _, c := range []struct {
		name  string
		book  *sheets.Book
		known bool // every tab's values known after the Write
	}{
		{"plain", plain, true},
		{"awkward", odd, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sheetops.xlsx")
			w := New(path)
			v, err := w.Write(context.Background(), layout, nil, c.book)
			if err != nil {
				t.Fatal(err)
			}
			if known := w.last != nil && w.last.Version == v; known != c.known {
				t.Errorf("values of every tab known after the Write: %v, want %v", known, c.known)
			}
			got, err := w.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want, err := New(path).Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Read after Write differs from a parse of the file:\n got %q\nwant %q", dump(got), dump(want))
			}
			if got.Version != v {
				t.Errorf("Version = %s, want %s", got.Version, v)
			}
		})
	}
}

// TestReadParsesOnlyChangedWorksheets: after a save, a worksheet whose part has the same
// CRC-32 and size is not parsed again, and one whose content changed is, even when its
// size and the file's mtime stay the same; the result is what a full parse returns.
func TestReadParsesOnlyChangedWorksheets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheetops.xlsx")
	book := &sheets.Book{Tabs: []*sheets.Tab{
		{Name: "A", Header: []string{"Name", "Value"}, Rows: [][]string{{"a1", "aaaa"}, {"a2", "x"}}},
		{Name: "B", Header: []string{"Name", "Value"}, Rows: [][]string{{"b1", "bbbb"}, {"b2", "y"}}},
	}}
	if _, err := New(path).Write(context.Background(), nil, nil, book); err != nil {
		t.Fatal(err)
	}
	w := New(path)
	first, err := w.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// The same parts, compressed anew: nothing to parse, and the values are the same.
	recompress(t, path, 9)
	got, err := w.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Version == first.Version {
		t.Fatal("recompressed file: same version")
	}
	full, err := New(path).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, full) {
		t.Errorf("Read reusing parsed worksheets:\n got %q\nwant %q", dump(got), dump(full))
	}

	// Mark what Read remembers, to see which worksheets it parses.
	for _, p := range w.parsed {
		p.rows = [][]string{{"remembered", p.rows[0][1]}}
	}
	recompress(t, path, 1)
	got, err = w.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range got.Tabs {
		if len(tab.Rows) != 1 || tab.Rows[0][0] != "remembered" {
			t.Errorf("tab %s parsed again though its part did not change: %q", tab.Name, tab.Rows)
		}
	}

	// B's content changes, with the same size; the file keeps its mtime.
	rewriteZip(t, path, func(_ string, data []byte) []byte { return data }) // stored: sizes as they are
	if _, err := w.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	changedPart := ""
	rewriteZip(t, path, func(name string, data []byte) []byte {
		if bytes.Contains(data, []byte("bbbb")) {
			changedPart = name
			return bytes.ReplaceAll(data, []byte("bbbb"), []byte("cccc"))
		}
		return data
	})
	if changedPart == "" {
		t.Fatal("no part holds B's value")
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if fi2, err := os.Stat(path); err != nil || fi2.Size() != fi.Size() || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Fatalf("the save changed the file's size or mtime: %v", err)
	}
	got, err = w.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Tab("A"); a.Rows[0][0] != "remembered" {
		t.Errorf("tab A parsed again though its part did not change: %q", a.Rows)
	}
	if b := got.Tab("B"); !reflect.DeepEqual(b.Rows, [][]string{{"b1", "cccc"}, {"b2", "y"}}) {
		t.Errorf("tab B after a save of the same size = %q, want the saved values", b.Rows)
	}
	// A version check sees it too.
	v, err := w.Version(context.Background())
	if err != nil || v != got.Version {
		t.Errorf("Version = %s, %v; want %s", v, err, got.Version)
	}
}

// rewriteZip replaces the file with one holding its parts as edit returns them, in order,
// stored (not compressed).
func rewriteZip(tb testing.TB, path string, edit func(name string, data []byte) []byte) {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		if err != nil {
			tb.Fatal(err)
		}
		rc.Close()
		dst, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := dst.Write(edit(f.Name, data)); err != nil {
			tb.Fatal(err)
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
}
