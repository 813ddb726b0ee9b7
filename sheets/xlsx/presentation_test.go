package xlsx

import (
	"archive/zip"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// TestPrintAndFonts: every cell style names its font and size; every tab prints
// landscape, one page wide, with the header row on every page; numbers are right-aligned
// with an indent; headers are wide enough for their filter button.
func TestPrintAndFonts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheetops.xlsx")
	layout := sheetstest.Layout()
	layout.Summary.Series = []sheets.SummarySeries{{Column: "Running", Color: "2E7D32"}, {Column: "Failed"}}
	if _, err := New(path).Write(context.Background(), layout, nil, sheetstest.Book(5, 10)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tab := range f.GetSheetList() {
		t.Run(tab, func(t *testing.T) {
			pl, err := f.GetPageLayout(tab)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
				t.Errorf("page layout %+v, want landscape, one page wide", pl)
			}
			props, err := f.GetSheetProps(tab)
			if err != nil {
				t.Fatal(err)
			}
			if props.FitToPage == nil || !*props.FitToPage {
				t.Error("fit to page is off")
			}
			titles := false
			for _, dn := range f.GetDefinedName() {
				if dn.Name == "_xlnm.Print_Titles" && dn.Scope == tab && dn.RefersTo == "'"+tab+"'!$1:$1" {
					titles = true
				}
			}
			if !titles {
				t.Errorf("no print titles for %s: %+v", tab, f.GetDefinedName())
			}
			for _, cell := range []string{"A1", "A2", "B2", "C2"} {
				id, err := f.GetCellStyle(tab, cell)
				if err != nil {
					t.Fatal(err)
				}
				st, err := f.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				if st.Font == nil || st.Font.Family != "Calibri" || st.Font.Size != 11 {
					t.Errorf("%s!%s font %+v, want Calibri 11", tab, cell, st.Font)
				}
			}
		})
	}
	// Replicas (a Number column) is right-aligned with an indent; the header is not.
	for cell, want := range map[string]string{"C2": "right", "C1": "", "B2": ""} {
		id, _ := f.GetCellStyle(sheetstest.Deployments, cell)
		st, _ := f.GetStyle(id)
		if got := st.Alignment.Horizontal; got != want {
			t.Errorf("Deployments!%s aligned %q, want %q", cell, got, want)
		}
	}
	for _, h := range []struct {
		col    string
		header string
	}{{"A", "Namespace"}, {"C", "Replicas"}} {
		w, err := f.GetColWidth(sheetstest.Deployments, h.col)
		if err != nil {
			t.Fatal(err)
		}
		if w < float64(len(h.header))*1.1+3 {
			t.Errorf("column %s (%s) is %v wide: the filter button covers the header", h.col, h.header, w)
		}
	}
	// The chart draws only the series the layout names, in the layout's colour.
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	found := false
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, "xl/charts/chart") {
			continue
		}
		found = true
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if n := strings.Count(string(b), "<ser>"); n != 2 {
			t.Errorf("the chart has %d series, want 2 (Running, Failed)", n)
		}
		if !strings.Contains(string(b), "2E7D32") {
			t.Error("Running is not drawn in the layout's colour")
		}
	}
	if !found {
		t.Error("no chart")
	}
}

func TestWrappedLines(t *testing.T) {
	for _, c := range []struct {
		text  string
		width float64
		want  int
	}{
		{"", 40, 1},
		{"applied 12:01:07", 40, 1},
		{"invalid: Replicas: not a whole number", 40, 1},
		{"conflict: Replicas was 3, you typed 6, the cluster has 4; type again or force", 40, 2},
		{"a\nb\nc", 40, 3},
		{"x", 0, 1},
	} {
		if got := wrappedLines(c.text, c.width); got != c.want {
			t.Errorf("wrappedLines(%q, %v) = %d, want %d", c.text, c.width, got, c.want)
		}
	}
}
