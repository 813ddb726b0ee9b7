package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// TestRowsAsStreamWriter: the data rows the zip writer writes into a worksheet are, byte
// for byte, what excelize's stream writer writes for them.
func TestRowsAsStreamWriter(t *testing.T) {
	layout := sheetstest.Layout()
	book := sheetstest.Book(60, 200)
	dep := book.Tab(sheetstest.Deployments)
	values := append(slicesOf(awkward), "_x005F_", "_x005F_x0041_", "a_x0041_b", "_x12G4_", "\"quoted\" 'single'",
		"tail\n", "\n", "\r\n", "x\ty", strings.Repeat("\U0001F680", 20000), strings.Repeat("y", 32767), strings.Repeat("z", 32768))
	for i, v := range values {
		r := dep.Rows[i%len(dep.Rows)]
		r[i%len(r)] = v
		r[2] = v // Replicas: a Number column
	}
	// Rows that wrap (the Sync column wraps in the layout) get a height.
	for i := range 5 {
		dep.Rows[10+i][9] = strings.Repeat("conflict: a long explanation ", i*3+1)
	}
	dep.Rows[20] = make([]string, len(dep.Rows[20])) // blank: left out
	book.Tabs = append(book.Tabs, &sheets.Tab{Name: "Plain", Header: []string{"A", "B"}, Rows: [][]string{{"1", ""}, {"", "2"}, {}}})
	tabs, err := tabsToWrite(nil, book)
	if err != nil {
		t.Fatal(err)
	}
	parts := func(splice bool) map[string][]byte {
		t.Helper()
		spliceRows = splice
		defer func() { spliceRows = true }()
		f, _, err := render(layout, tabs)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, zf := range zr.File {
			if !strings.HasPrefix(zf.Name, "xl/worksheets/") {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			out[zf.Name], err = io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			rc.Close()
		}
		return out
	}
	want, got := parts(false), parts(true)
	if len(got) != len(want) || len(want) < len(tabs) {
		t.Fatalf("%d worksheet parts, want %d (at least %d)", len(got), len(want), len(tabs))
	}
	for name, w := range want {
		g := got[name]
		if !bytes.Equal(g, w) {
			i := 0
			for i < min(len(g), len(w)) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s differs from the stream writer's at byte %d:\n got …%.200q\nwant …%.200q", name, i, g[max(i-40, 0):], w[max(i-40, 0):])
		}
	}
}

func slicesOf(s []string) []string { return append([]string(nil), s...) }

// TestPipe: what the writer goroutine writes arrives whole and in order, and a failure of
// either side is returned (without a goroutine left waiting).
func TestPipe(t *testing.T) {
	want := strings.Repeat("0123456789abcdef", 100_000)
	var got bytes.Buffer
	err := pipe(&got, func(w *bufio.Writer) error {
		for i := 0; i < len(want); i += 1000 {
			w.WriteString(want[i:min(i+1000, len(want))])
		}
		return nil
	})
	if err != nil || got.String() != want {
		t.Fatalf("pipe: %v, %d bytes of %d, equal %v", err, got.Len(), len(want), got.String() == want)
	}
	failing := errors.New("disk full")
	err = pipe(failWriter{failing}, func(w *bufio.Writer) error {
		for range 100 {
			w.WriteString(want)
		}
		return nil
	})
	if !errors.Is(err, failing) {
		t.Errorf("pipe into a failing writer: %v, want %v", err, failing)
	}
	rowsFailed := errors.New("rows failed")
	err = pipe(io.Discard, func(w *bufio.Writer) error { w.WriteString(want); return rowsFailed })
	if !errors.Is(err, rowsFailed) {
		t.Errorf("pipe of failing rows: %v, want %v", err, rowsFailed)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
