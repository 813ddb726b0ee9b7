package xlsx

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sheetops/sheetops/sheets"
)

// TestOpenWorkbookGetsOnlyResults: while a spreadsheet program has the workbook open (its
// lock file is beside it), a write that carries no new result leaves the file alone; a
// new result is written; once the program closes the file, the held write is due.
func TestOpenWorkbookGetsOnlyResults(t *testing.T) {
	layout := &sheets.Layout{Tabs: []sheets.TabLayout{{Name: "Pods", Columns: []sheets.Column{
		{Name: "Name"}, {Name: "Age"}, {Name: "Sync", Result: true}, {Name: "UID", Hidden: true},
	}}}}
	book := func(rows ...[]string) *sheets.Book {
		return &sheets.Book{Tabs: []*sheets.Tab{{Name: "Pods", Header: []string{"Name", "Age", "Sync", "UID"}, Rows: rows}}}
	}
	first := book([]string{"web", "1m", "", "u1"}, []string{"api", "1m", "applied 12:00:00", "u2"})
	for _, c := range []struct {
		name    string
		lock    string // beside book.xlsx; "" none
		next    *sheets.Book
		written bool
	}{
		{"closed: churn is written", "", book([]string{"web", "2m", "", "u1"}, []string{"api", "2m", "applied 12:00:00", "u2"}), true},
		{"LibreOffice: churn waits", ".~lock.book.xlsx#", book([]string{"web", "2m", "", "u1"}, []string{"api", "2m", "applied 12:00:00", "u2"}), false},
		{"Excel: churn waits", "~$book.xlsx", book([]string{"web", "2m", "", "u1"}, []string{"api", "2m", "applied 12:00:00", "u2"}), false},
		{"Excel, long name: churn waits", "~$ok.xlsx", book([]string{"web", "2m", "", "u1"}, []string{"api", "2m", "applied 12:00:00", "u2"}), false},
		{"open: new pods and moved rows are churn", ".~lock.book.xlsx#", book([]string{"api", "2m", "applied 12:00:00", "u2"}, []string{"db", "0m", "", "u3"}, []string{"web", "2m", "", "u1"}), false},
		{"open: a result is written", ".~lock.book.xlsx#", book([]string{"web", "2m", "invalid: abc is not a number", "u1"}, []string{"api", "2m", "applied 12:00:00", "u2"}), true},
		{"open: a result that goes is written", ".~lock.book.xlsx#", book([]string{"web", "2m", "", "u1"}), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "book.xlsx")
			w := New(path)
			ctx := context.Background()
			if _, err := w.Write(ctx, layout, nil, first); err != nil {
				t.Fatal(err)
			}
			if c.lock != "" {
				if err := os.WriteFile(filepath.Join(dir, c.lock), []byte(",person,host,01.01.2026 12:00,file:///home/person/.config/libreoffice/4;"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			base, err := w.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			v, err := w.Write(ctx, layout, base, c.next)
			if err != nil {
				t.Fatal(err)
			}
			if got := v != base.Version; got != c.written {
				t.Fatalf("written = %v, want %v", got, c.written)
			}
			now, err := w.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if now != v {
				t.Fatalf("Version = %s, want the write's %s", now, v)
			}
			if c.written || c.lock == "" {
				return
			}
			// Closed: the held write is due, once.
			if err := os.Remove(filepath.Join(dir, c.lock)); err != nil {
				t.Fatal(err)
			}
			if now, _ := w.Version(ctx); now == v {
				t.Fatal("the file was closed with a write held, and Version did not change")
			}
			again, err := w.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(ctx, layout, again, c.next); err != nil {
				t.Fatal(err)
			}
			got, _ := w.Read(ctx)
			if cell := got.Tabs[0].Rows[0][1]; cell != "2m" {
				t.Errorf("after closing, Age = %q, want the held 2m", cell)
			}
			if now, _ := w.Version(ctx); now != got.Version {
				t.Errorf("Version %s after the held write, want %s", now, got.Version)
			}
		})
	}
}
