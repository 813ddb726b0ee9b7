package xlsx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

func TestContract(t *testing.T) {
	sheetstest.Run(t, func(t *testing.T) sheetstest.Backend {
		path := filepath.Join(t.TempDir(), "sheetops.xlsx")
		return sheetstest.Backend{Sheet: New(path), Edit: excelizeEdit(path)}
	})
}

// TestContractOpenpyxl runs the suite with the person's saves made by openpyxl, a library
// that shares no code with excelize or with our reader.
func TestContractOpenpyxl(t *testing.T) {
	python := needOpenpyxl(t)
	sheetstest.Run(t, func(t *testing.T) sheetstest.Backend {
		path := filepath.Join(t.TempDir(), "sheetops.xlsx")
		return sheetstest.Backend{Sheet: New(path), Edit: openpyxlEdit(python, path)}
	})
}

// excelizeEdit saves the file the way a person's spreadsheet program would: it opens the
// file on its own (not through Workbook), changes cells in place and saves.
func excelizeEdit(path string) func(t *testing.T, fn func(b *sheets.Book)) {
	return func(t *testing.T, fn func(b *sheets.Book)) {
		t.Helper()
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatalf("excelize: open: %v", err)
		}
		defer f.Close()
		var before [][][]string
		book := &sheets.Book{}
		for _, name := range f.GetSheetList() {
			rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatalf("excelize: rows of %s: %v", name, err)
			}
			before = append(before, rows)
			book.Tabs = append(book.Tabs, tabOf(name, rows))
		}
		oldNames := f.GetSheetList()
		fn(book)
		for i, name := range oldNames {
			if book.Tab(name) == nil {
				if err := f.DeleteSheet(name); err != nil {
					t.Fatalf("excelize: delete %s: %v", name, err)
				}
				before[i] = nil
			}
		}
		for _, tab := range book.Tabs {
			var old [][]string
			if i := slices.Index(oldNames, tab.Name); i >= 0 {
				old = before[i]
			} else if _, err := f.NewSheet(tab.Name); err != nil {
				t.Fatalf("excelize: new sheet %s: %v", tab.Name, err)
			}
			all := append([][]string{tab.Header}, tab.Rows...)
			width := 0
			for _, r := range append(all, old...) {
				width = max(width, len(r))
			}
			for r := range max(len(all), len(old)) {
				for c := range width {
					v := ""
					if r < len(all) && c < len(all[r]) {
						v = all[r][c]
					}
					if r < len(old) && c < len(old[r]) && old[r][c] == v {
						continue
					}
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					switch x := typed(v).(type) {
					case nil:
						err = f.SetCellValue(tab.Name, cell, nil)
					case int64:
						err = f.SetCellInt(tab.Name, cell, x)
					case float64:
						err = f.SetCellFloat(tab.Name, cell, x, -1, 64)
					case string:
						err = f.SetCellStr(tab.Name, cell, x)
					}
					if err != nil {
						t.Fatalf("excelize: set %s!%s: %v", tab.Name, cell, err)
					}
				}
			}
		}
		if err := f.Save(); err != nil {
			t.Fatalf("excelize: save: %v", err)
		}
	}
}

// tabOf makes a Tab of a worksheet's rows as a person sees them: blank rows left out, rows
// padded to the width of the widest.
func tabOf(name string, rows [][]string) *sheets.Tab {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	tab := &sheets.Tab{Name: name}
	for i, r := range rows {
		if i > 0 && !slices.ContainsFunc(r, func(c string) bool { return c != "" }) {
			continue
		}
		p := make([]string, width)
		copy(p, r)
		if i == 0 {
			tab.Header = p
		} else {
			tab.Rows = append(tab.Rows, p)
		}
	}
	return tab
}

// typed is what a spreadsheet program stores when a person types v: a number if v is one
// in its plain form, else text; nil for an empty cell.
func typed(v string) any {
	if v == "" {
		return nil
	}
	if n, ok := wholeNumber(v); ok {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f != 0 && strconv.FormatFloat(f, 'f', -1, 64) == v {
		return f
	}
	return v
}

const openpyxlScript = `
import json, re, sys
import openpyxl

def show(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)

def typed(v):
    if re.fullmatch(r"-?(0|[1-9][0-9]{0,14})", v) and v != "-0":
        return int(v), False
    try:
        f = float(v)
        if f != 0 and repr(f) == v:
            return f, False
    except ValueError:
        pass
    return v, True

cmd, path = sys.argv[1], sys.argv[2]
wb = openpyxl.load_workbook(path)
if cmd == "dump":
    out = []
    for ws in wb.worksheets:
        out.append({"name": ws.title, "rows": [[show(c) for c in r] for r in ws.iter_rows(values_only=True)]})
    json.dump(out, sys.stdout)
elif cmd == "apply":
    tabs = json.load(sys.stdin)
    names = [t["name"] for t in tabs]
    for ws in list(wb.worksheets):
        if ws.title not in names:
            wb.remove(ws)
    for t in tabs:
        ws = wb[t["name"]] if t["name"] in wb.sheetnames else wb.create_sheet(t["name"])
        rows = t["rows"]
        width = max([len(r) for r in rows] + [ws.max_column])
        for r in range(1, max(len(rows), ws.max_row) + 1):
            row = rows[r - 1] if r <= len(rows) else []
            for c in range(1, width + 1):
                v = row[c - 1] if c <= len(row) else ""
                cell = ws.cell(row=r, column=c)
                if v == "":
                    cell.value = None
                    continue
                value, text = typed(v)
                cell.value = value
                if text:
                    cell.data_type = "s"  # what a person typed as text, even "=1+1"
    wb.save(path)
elif cmd == "set":
    # set SHEET CELL KIND VALUE [NUMBER_FORMAT]
    for spec in json.load(sys.stdin):
        cell = wb[spec["sheet"]][spec["cell"]]
        kind, value = spec["kind"], spec["value"]
        if kind == "int":
            cell.value = int(value)
        elif kind == "float":
            cell.value = float(value)
        elif kind == "bool":
            cell.value = value == "TRUE"
        elif kind == "formula":
            cell.value = value
        else:
            cell.value = value
            cell.data_type = "s"
        if spec.get("format"):
            cell.number_format = spec["format"]
    wb.save(path)
elif cmd == "inspect":
    out = {}
    for ws in wb.worksheets:
        info = {
            "freeze": ws.freeze_panes,
            "hidden": sorted(k for k, d in ws.column_dimensions.items() if d.hidden),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "autofilter": ws.auto_filter.ref,
            "protected": bool(ws.protection.sheet),
            "validations": [
                {"type": dv.type, "operator": dv.operator, "formula1": dv.formula1, "formula2": dv.formula2,
                 "sqref": str(dv.sqref), "allowBlank": bool(dv.allow_blank), "error": dv.error}
                for dv in ws.data_validations.dataValidation],
            "conditional": [
                {"range": str(cf.sqref), "rules": [{"type": r.type, "formula": list(r.formula), "dxf": r.dxfId} for r in cf.rules]}
                for cf in ws.conditional_formatting],
            "charts": len(ws._charts),
            "cells": {},
        }
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 40)):
            for c in row:
                if c.value is not None:
                    info["cells"][c.coordinate] = {"type": c.data_type, "value": str(c.value),
                        "locked": bool(c.protection.locked), "bold": bool(c.font.b)}
        out[ws.title] = info
    json.dump(out, sys.stdout)
`

// needOpenpyxl returns the python that has openpyxl, or skips the test (fails it when the
// CI environment variable is set: there the dependency must be installed).
func needOpenpyxl(t testing.TB) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-openpyxl is required under CI: %v", err)
		}
		t.Skipf("python3-openpyxl not available (apt-get install python3-openpyxl): %v", err)
	}
	return python
}

func runOpenpyxl(t testing.TB, python, cmd, path string, stdin any, out any) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "openpyxl_edit.py")
	if err := os.WriteFile(script, []byte(openpyxlScript), 0o600); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(python, script, cmd, path)
	if stdin != nil {
		in, err := json.Marshal(stdin)
		if err != nil {
			t.Fatal(err)
		}
		c.Stdin = bytes.NewReader(in)
	}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("openpyxl %s: %v\n%s", cmd, err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("openpyxl %s: %v", cmd, err)
		}
	}
}

type pyTab struct {
	Name string     `json:"name"`
	Rows [][]string `json:"rows"`
}

// openpyxlEdit saves the file with openpyxl: load_workbook, change cells, save.
func openpyxlEdit(python, path string) func(t *testing.T, fn func(b *sheets.Book)) {
	return func(t *testing.T, fn func(b *sheets.Book)) {
		t.Helper()
		var tabs []pyTab
		runOpenpyxl(t, python, "dump", path, nil, &tabs)
		book := &sheets.Book{}
		for _, tab := range tabs {
			book.Tabs = append(book.Tabs, tabOf(tab.Name, tab.Rows))
		}
		fn(book)
		out := []pyTab{}
		for _, tab := range book.Tabs {
			rows := append([][]string{tab.Header}, tab.Rows...)
			for i, r := range rows {
				if r == nil {
					rows[i] = []string{}
				}
			}
			out = append(out, pyTab{Name: tab.Name, Rows: rows})
		}
		runOpenpyxl(t, python, "apply", path, out, nil)
	}
}

type pyCell struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Locked bool   `json:"locked"`
	Bold   bool   `json:"bold"`
}

type pyWorksheet struct {
	Freeze      *string            `json:"freeze"`
	Hidden      []string           `json:"hidden"`
	Widths      map[string]float64 `json:"widths"`
	AutoFilter  *string            `json:"autofilter"`
	Protected   bool               `json:"protected"`
	Validations []struct {
		Type       string  `json:"type"`
		Operator   *string `json:"operator"`
		Formula1   *string `json:"formula1"`
		Formula2   *string `json:"formula2"`
		Sqref      string  `json:"sqref"`
		AllowBlank bool    `json:"allowBlank"`
		Error      *string `json:"error"`
	} `json:"validations"`
	Conditional []struct {
		Range string `json:"range"`
		Rules []struct {
			Type    string   `json:"type"`
			Formula []string `json:"formula"`
		} `json:"rules"`
	} `json:"conditional"`
	Charts int               `json:"charts"`
	Cells  map[string]pyCell `json:"cells"`
}

// TestOpenpyxlSeesPresentation opens a written workbook with openpyxl and checks what a
// person's spreadsheet program gets: frozen header, hidden identity columns, validations,
// colours, text cells that stay text, unlocked editable cells, no sheet protection, and
// the summary chart.
func TestOpenpyxlSeesPresentation(t *testing.T) {
	python := needOpenpyxl(t)
	path := filepath.Join(t.TempDir(), "sheetops.xlsx")
	w := New(path)
	book := sheetstest.Book(5, 10)
	dep := book.Tab(sheetstest.Deployments)
	dep.Rows[1][6] = "=1+1"
	dep.Rows[2][6] = "@SUM(A1)"
	dep.Rows[3][2] = "abc"
	if _, err := w.Write(context.Background(), sheetstest.Layout(), &sheets.Book{}, book); err != nil {
		t.Fatal(err)
	}
	var got map[string]pyWorksheet
	runOpenpyxl(t, python, "inspect", path, nil, &got)

	d := got[sheetstest.Deployments]
	if d.Freeze == nil || *d.Freeze != "A2" {
		t.Errorf("Deployments frozen at %v, want A2", d.Freeze)
	}
	if !slices.Equal(d.Hidden, []string{"K"}) {
		t.Errorf("Deployments hidden columns = %v, want [K]", d.Hidden)
	}
	if strings.ReplaceAll(ptr(d.AutoFilter), "$", "") != "A1:K6" { // excelize writes $A$1:$K$6
		t.Errorf("Deployments autofilter = %v, want A1:K6", ptr(d.AutoFilter))
	}
	if d.Protected {
		t.Error("Deployments is protected: people could not sort it")
	}
	for cell, want := range map[string]pyCell{
		"A1": {Type: "s", Value: "Namespace", Locked: true, Bold: true},
		"C2": {Type: "n", Value: "1", Locked: false},
		"C5": {Type: "s", Value: "abc", Locked: false},
		"D2": {Type: "s", Value: "0/1", Locked: true},
		"G3": {Type: "s", Value: "=1+1", Locked: false},
		"G4": {Type: "s", Value: "@SUM(A1)", Locked: false},
		"E2": {Type: "n", Value: "0", Locked: true},
	} {
		if c := d.Cells[cell]; c != want {
			t.Errorf("Deployments!%s = %+v, want %+v", cell, c, want)
		}
	}
	var whole, list bool
	for _, v := range d.Validations {
		switch {
		case v.Sqref == "C2:C1048576":
			whole = v.Type == "whole" && v.Operator != nil && *v.Operator == "between" &&
				v.Formula1 != nil && *v.Formula1 == "0" && v.Formula2 != nil && *v.Formula2 == "10000" &&
				v.Error != nil && *v.Error != ""
		case v.Sqref == "I2:I1048576":
			list = v.Type == "list" && v.Formula1 != nil && *v.Formula1 == `"delete,force"` && v.AllowBlank
		}
	}
	if !whole || !list {
		t.Errorf("Deployments validations (whole number %v, list %v): %+v", whole, list, d.Validations)
	}
	ranges := map[string]int{}
	for _, cf := range d.Conditional {
		ranges[cf.Range] = len(cf.Rules)
		for _, r := range cf.Rules {
			if r.Type != "expression" || len(r.Formula) != 1 {
				t.Errorf("conditional format on %s: %+v", cf.Range, r)
			}
		}
	}
	if ranges["D2:D1048576"] != 2 || ranges["J2:J1048576"] != 4 {
		t.Errorf("Deployments conditional formats (range: rules) = %v, want D2:D1048576: 2, J2:J1048576: 4", ranges)
	}
	if w := d.Widths["H"]; w != 8 {
		t.Errorf("Age width = %v, want 8 (from the layout)", w)
	}
	if w := d.Widths["G"]; w < 40 || w > 60 {
		t.Errorf("Image width = %v, want fitted to its content", w)
	}

	p := got[sheetstest.Pods]
	if p.Freeze == nil || *p.Freeze != "A2" || !slices.Equal(p.Hidden, []string{"L"}) {
		t.Errorf("Pods: frozen at %v, hidden %v; want A2 and [L]", p.Freeze, p.Hidden)
	}
	if len(p.Conditional) == 0 {
		t.Error("Pods has no conditional formats")
	}
	if s := got[sheetstest.Summary]; s.Charts != 1 {
		t.Errorf("Summary has %d charts, want 1", s.Charts)
	}
}

// TestColumnsInOrder: the <col> elements of every worksheet are in ascending order, as
// Excel requires.
func TestColumnsInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheetops.xlsx")
	if _, err := New(path).Write(context.Background(), sheetstest.Layout(), nil, sheetstest.Book(3, 3)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := openPackage(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range p.tabs {
		raw, err := p.part(ref.part)
		if err != nil {
			t.Fatal(err)
		}
		s := &scanner{b: raw}
		last, n := 0, 0
		for tok := s.next(); tok.kind != tokEOF; tok = s.next() {
			if tok.kind == tokEmpty && string(tok.name) == "col" {
				v, _ := attr(tok.attrs, "min")
				first, _ := strconv.Atoi(string(v))
				if first <= last {
					t.Errorf("tab %s: <col min=%d> after min=%d", ref.name, first, last)
				}
				last = first
				n++
			}
		}
		if n == 0 {
			t.Errorf("tab %s: no <col> elements", ref.name)
		}
	}
}

// TestReadsWhatPeopleType checks values a person's program stores: numbers, decimals,
// dates, booleans, formulas and text that looks like a formula.
func TestReadsWhatPeopleType(t *testing.T) {
	python := needOpenpyxl(t)
	path := filepath.Join(t.TempDir(), "sheetops.xlsx")
	w := New(path)
	if _, err := w.Write(context.Background(), sheetstest.Layout(), nil, sheetstest.Book(12, 0)); err != nil {
		t.Fatal(err)
	}
	type set struct {
		Sheet  string `json:"sheet"`
		Cell   string `json:"cell"`
		Kind   string `json:"kind"`
		Value  string `json:"value"`
		Format string `json:"format,omitempty"`
	}
	cases := []struct {
		set  set
		want string
	}{
		{set{Cell: "C2", Kind: "int", Value: "3"}, "3"},
		{set{Cell: "C3", Kind: "float", Value: "3.5"}, "3.5"},
		{set{Cell: "C4", Kind: "float", Value: "3.0"}, "3"},
		{set{Cell: "C5", Kind: "int", Value: "10000", Format: "#,##0"}, "10000"},
		{set{Cell: "C6", Kind: "float", Value: "45000", Format: "yyyy-mm-dd"}, "45000"},
		{set{Cell: "C7", Kind: "float", Value: "0.30000000000000004"}, "0.3"},
		{set{Cell: "C8", Kind: "float", Value: "1e20"}, "100000000000000000000"},
		{set{Cell: "C9", Kind: "int", Value: "-1"}, "-1"},
		{set{Cell: "C10", Kind: "bool", Value: "TRUE"}, "TRUE"},
		{set{Cell: "C11", Kind: "text", Value: "=1+1"}, "=1+1"},
		{set{Cell: "C12", Kind: "text", Value: "007", Format: "@"}, "007"},
		{set{Cell: "C13", Kind: "float", Value: "0.000001"}, "0.000001"},
	}
	var specs []set
	for _, c := range cases {
		c.set.Sheet = sheetstest.Deployments
		specs = append(specs, c.set)
	}
	runOpenpyxl(t, python, "set", path, specs, nil)
	book, err := w.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dep := book.Tab(sheetstest.Deployments)
	for i, c := range cases {
		if got := dep.Rows[i][2]; got != c.want {
			t.Errorf("%s typed as %s %q (format %q) reads %q, want %q", c.set.Cell, c.set.Kind, c.set.Value, c.set.Format, got, c.want)
		}
	}
}

// TestStaleWriteLeavesFileUntouched: a Write from a stale base changes no byte of the file
// and leaves no temporary file behind.
func TestStaleWriteLeavesFileUntouched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheetops.xlsx")
	w := New(path)
	ctx := context.Background()
	if _, err := w.Write(ctx, sheetstest.Layout(), nil, sheetstest.Book(3, 3)); err != nil {
		t.Fatal(err)
	}
	stale, err := w.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	excelizeEdit(path)(t, func(b *sheets.Book) { b.Tab(sheetstest.Deployments).Rows[0][2] = "9" })
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, sheetstest.Layout(), stale, sheetstest.Book(4, 4)); !errors.Is(err, sheets.ErrModified) {
		t.Fatalf("Write from a stale base: %v, want ErrModified", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a refused Write changed the file")
	}
	wantOnlyFile(t, dir, "sheetops.xlsx")
}

// TestSaveRace: a person saves (with openpyxl) after the daemon read the file and while it
// renders; the daemon's Write is refused and the person's save is intact. The save lands
// at the last moment, after the temporary file is written and just before the check that
// precedes the rename.
func TestSaveRace(t *testing.T) {
	python := needOpenpyxl(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "sheetops.xlsx")
	w := New(path)
	ctx := context.Background()
	if _, err := w.Write(ctx, sheetstest.Layout(), nil, sheetstest.Book(3, 3)); err != nil {
		t.Fatal(err)
	}
	for _, late := range []bool{false, true} {
		t.Run(map[bool]string{false: "SavedBeforeWrite", true: "SavedDuringWrite"}[late], func(t *testing.T) {
			old, err := w.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			replicas := strconv.Itoa(len(old.Tab(sheetstest.Deployments).Rows[0][2]) + 40)
			save := func() {
				openpyxlEdit(python, path)(t, func(b *sheets.Book) {
					b.Tab(sheetstest.Deployments).Rows[0][2] = replicas
				})
			}
			if late {
				w.beforeCommit = save
				defer func() { w.beforeCommit = nil }()
			} else {
				save()
			}
			saved, err := os.ReadFile(path)
			if late {
				saved = nil
			}
			next := sheetstest.Book(3, 3)
			next.Tab(sheetstest.Deployments).Rows[0][2] = "1"
			if _, err = w.Write(ctx, sheetstest.Layout(), old, next); !errors.Is(err, sheets.ErrModified) {
				t.Fatalf("Write after the person's save: %v, want ErrModified", err)
			}
			if saved != nil {
				after, _ := os.ReadFile(path)
				if !bytes.Equal(saved, after) {
					t.Error("the person's saved file was changed")
				}
			}
			got, err := w.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c := got.Tab(sheetstest.Deployments).Rows[0][2]; c != replicas {
				t.Errorf("Replicas = %q, want the person's %q", c, replicas)
			}
			wantOnlyFile(t, dir, "sheetops.xlsx")
		})
	}
}

func TestKeepsModeAndFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.xlsx")
	link := filepath.Join(dir, "sheetops.xlsx")
	ctx := context.Background()
	if _, err := New(real).Write(ctx, nil, nil, sheetstest.Book(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.xlsx", link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	w := New(link)
	base, err := w.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, sheetstest.Layout(), base, sheetstest.Book(2, 2)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	fi, err = os.Stat(real)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v (%v), want 0640", fi.Mode().Perm(), err)
	}
	got, err := w.Read(ctx)
	if err != nil || len(got.Tab(sheetstest.Deployments).Rows) != 2 {
		t.Errorf("Read through the link: %v", err)
	}
}

// TestFailedWriteLeavesNoTempFile: a Write that fails while building the workbook leaves
// the file as it was and no temporary file.
func TestFailedWriteLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheetops.xlsx")
	w := New(path)
	ctx := context.Background()
	v, err := w.Write(ctx, nil, nil, sheetstest.Book(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	for name, next := range map[string]*sheets.Book{
		"bad tab name":  {Tabs: []*sheets.Tab{{Name: "a/b:c", Header: []string{"x"}}}},
		"long tab name": {Tabs: []*sheets.Tab{{Name: strings.Repeat("x", 40), Header: []string{"x"}}}},
		"tab twice":     {Tabs: []*sheets.Tab{{Name: "x"}, {Name: "x"}}},
	} {
		if _, err := w.Write(ctx, nil, &sheets.Book{Version: v}, next); err == nil || errors.Is(err, sheets.ErrModified) {
			t.Errorf("%s: Write = %v, want an error", name, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := w.Write(cancelled, nil, &sheets.Book{Version: v}, sheetstest.Book(2, 2)); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context = %v", err)
	}
	wantOnlyFile(t, dir, "sheetops.xlsx")
	if now, _ := fileChecksum(path); now != v {
		t.Error("a failed Write changed the file")
	}
}

// TestSweepsStaleTempFiles: temporary files a crashed process left are removed by the
// first Write; recent ones (another writer's, in flight) are not.
func TestSweepsStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheetops.xlsx")
	stale := filepath.Join(dir, ".sheetops.xlsx.sheetops-0123456789ab.tmp")
	fresh := filepath.Join(dir, ".sheetops.xlsx.sheetops-ba9876543210.tmp")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := New(path).Write(context.Background(), nil, nil, sheetstest.Book(1, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file removed: %v", err)
	}
}

func TestMissingAndEmptyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheetops.xlsx")
	w := New(path)
	ctx := context.Background()
	b, err := w.Read(ctx)
	if err != nil || b.Version != "" || len(b.Tabs) != 0 {
		t.Fatalf("missing file: %+v, %v", b, err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = w.Read(ctx)
	if err != nil || b.Version == "" || len(b.Tabs) != 0 {
		t.Fatalf("empty file: %+v, %v", b, err)
	}
	if _, err := w.Write(ctx, nil, &sheets.Book{}, sheetstest.Book(1, 1)); !errors.Is(err, sheets.ErrModified) {
		t.Errorf("Write over an empty file with the base of a missing one: %v", err)
	}
	if _, err := w.Write(ctx, nil, b, sheetstest.Book(1, 1)); err != nil {
		t.Errorf("Write over an empty file: %v", err)
	}
	if err := os.WriteFile(path, []byte("not a workbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Read(ctx); err == nil {
		t.Error("Read of a file that is not a workbook: no error")
	}
}

// TestNoTabs: a Book without tabs still makes a valid workbook.
func TestNoTabs(t *testing.T) {
	w := New(filepath.Join(t.TempDir(), "sheetops.xlsx"))
	if _, err := w.Write(context.Background(), nil, nil, &sheets.Book{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCopiedTabKeepsNumbers: a tab a person added, which next does not have, is copied
// with its numbers still numbers and its text still text.
func TestCopiedTabKeepsNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheetops.xlsx")
	w := New(path)
	ctx := context.Background()
	if _, err := w.Write(ctx, nil, nil, sheetstest.Book(1, 1)); err != nil {
		t.Fatal(err)
	}
	excelizeEdit(path)(t, func(b *sheets.Book) {
		b.Tabs = append(b.Tabs, &sheets.Tab{Name: "Notes", Header: []string{"Item", "Cost"},
			Rows: [][]string{{"disks", "3.5"}, {"007", "12"}}})
	})
	base, err := w.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, nil, base, sheetstest.Book(2, 2)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A number cell has no type attribute (excelize: CellTypeUnset); text is a string.
	for cell, want := range map[string]excelize.CellType{"B2": excelize.CellTypeUnset, "B3": excelize.CellTypeUnset, "A3": excelize.CellTypeInlineString} {
		typ, err := f.GetCellType("Notes", cell)
		if err != nil || typ != want {
			t.Errorf("Notes!%s type = %v (%v), want %v", cell, typ, err, want)
		}
	}
	got, _ := w.Read(ctx)
	if n := got.Tab("Notes"); n == nil || !slices.Equal(n.Rows[0], []string{"disks", "3.5"}) || !slices.Equal(n.Rows[1], []string{"007", "12"}) {
		t.Errorf("Notes = %+v", n)
	}
}

func ptr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func wantOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{name}) {
		t.Errorf("files in the directory: %v, want only %s", names, name)
	}
}

// TestLibreOfficeRoundTrip opens a written workbook in LibreOffice, which saves it as a
// new file, and reads that back: LibreOffice takes our file as is, and we read what it
// writes (shared strings, its own styles). Skipped without soffice, except under CI.
func TestLibreOfficeRoundTrip(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("LibreOffice (soffice) is required under CI: apt-get install libreoffice-calc-nogui")
		}
		t.Skip("LibreOffice (soffice) not installed")
	}
	if testing.Short() {
		t.Skip("LibreOffice is slow to start; skipped with -short")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in", "sheetops.xlsx")
	if err := os.Mkdir(filepath.Dir(in), 0o755); err != nil {
		t.Fatal(err)
	}
	book := sheetstest.Book(30, 60)
	dep := book.Tab(sheetstest.Deployments)
	for i, s := range []string{"=1+1", "@SUM(A1)", "-x", "+1", "日本語 🚀", "a\nb", "_x0041_", " padded ", "007", "TRUE"} {
		dep.Rows[i][6] = s
		dep.Rows[i][9] = s
	}
	dep.Rows[0][2] = "abc"
	if _, err := New(in).Write(context.Background(), sheetstest.Layout(), nil, book); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	got, err := New(filepath.Join(out, "sheetops.xlsx")).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range book.Tabs {
		g := got.Tab(want.Name)
		if g == nil {
			t.Fatalf("LibreOffice's file has no tab %s", want.Name)
		}
		if !slices.Equal(g.Header, want.Header) || len(g.Rows) != len(want.Rows) {
			t.Fatalf("tab %s: header %q, %d rows; want %q, %d rows", want.Name, g.Header, len(g.Rows), want.Header, len(want.Rows))
		}
		for i := range want.Rows {
			if !slices.Equal(g.Rows[i], want.Rows[i]) {
				t.Errorf("tab %s row %d:\n got %q\nwant %q", want.Name, i, g.Rows[i], want.Rows[i])
			}
		}
	}
}
