package csvfiles

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/sheets"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	f := New(filepath.Join(dir, "cluster.csv"))
	layout := &sheets.Layout{Tabs: []sheets.TabLayout{{Name: "Deployments", Columns: []sheets.Column{
		{Name: "Name"}, {Name: "Image"}, {Name: "UID", Hidden: true},
	}}}}
	next := &sheets.Book{Tabs: []*sheets.Tab{
		{Name: "Deployments", Header: []string{"Name", "Image", "UID"}, Rows: [][]string{
			{"web", "nginx:1.27", "u1"},
			{"a,b", `say "hi"`, "u2"},
			{"multi", "line\nbreak", "u3"},
			{"=1+1", "", "u4"},
			{"short"}, // padded
		}},
		{Name: "Pods/x", Header: []string{"Name"}},
	}}
	if _, err := f.Write(context.Background(), layout, nil, next); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "cluster-Deployments.csv"), filepath.Join(dir, "cluster-Pods_x.csv")}
	if !slices.Equal(f.Written(), want) {
		t.Fatalf("written %v, want %v", f.Written(), want)
	}
	raw, err := os.ReadFile(want[0])
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := "Name,Image\r\nweb,nginx:1.27\r\n\"a,b\",\"say \"\"hi\"\"\"\r\nmulti,\"line\r\nbreak\"\r\n=1+1,\r\nshort,\r\n"
	if string(raw) != wantRaw {
		t.Errorf("file:\n%q\nwant\n%q", raw, wantRaw)
	}
	// An RFC 4180 reader gets the values back exactly.
	records, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if records[2][1] != `say "hi"` || records[3][1] != "line\nbreak" {
		t.Errorf("read back %q", records)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left in the directory: %v", entries)
	}
}

func TestWriteFailsCleanly(t *testing.T) {
	f := New(filepath.Join(t.TempDir(), "missing", "cluster.csv"))
	next := &sheets.Book{Tabs: []*sheets.Tab{{Name: "Pods", Header: []string{"Name"}}}}
	if _, err := f.Write(context.Background(), nil, nil, next); err == nil {
		t.Fatal("wrote into a directory that does not exist")
	}
	if b, err := f.Read(context.Background()); err != nil || len(b.Tabs) != 0 || b.Version != "" {
		t.Fatalf("Read = %+v, %v; want an empty book", b, err)
	}
}
