package xlsx

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestMain checks, in every test that writes a workbook, that what Write remembers for the
// next Read is exactly what a parse of the file it wrote returns.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		rememberHook = func(path string, w written) {
			if err := checkRemembered(path, w); err != nil {
				panic(err)
			}
		}
	}
	os.Exit(m.Run())
}

// checkRemembered parses the file at path in full and compares it with w.
func checkRemembered(path string, w written) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b, err := readBook(data)
	if err != nil {
		return err
	}
	p, err := openPackage(data)
	if err != nil {
		return err
	}
	if w.book != nil {
		if len(w.book.Tabs) != len(b.Tabs) {
			return fmt.Errorf("remembered %d tabs, the file has %d", len(w.book.Tabs), len(b.Tabs))
		}
		for i, t := range b.Tabs {
			if !reflect.DeepEqual(t, w.book.Tabs[i]) {
				return fmt.Errorf("tab %s: remembered %q, the file reads %q", t.Name, w.book.Tabs[i], t)
			}
		}
	}
	for i, ref := range p.tabs {
		got, ok := w.parsed[strings.ToLower(ref.part)]
		if !ok {
			continue
		}
		want := &parsedTab{print: got.print, header: b.Tabs[i].Header, rows: b.Tabs[i].Rows}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("tab %s: remembered %q %q, the file reads %q %q", ref.name, got.header, got.rows, want.header, want.rows)
		}
		if pp, _ := p.printOf(ref.part); pp != got.print {
			return fmt.Errorf("tab %s: remembered print %v, the file's is %v", ref.name, got.print, pp)
		}
	}
	return nil
}
