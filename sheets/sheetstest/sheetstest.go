package sheetstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/sheets"
)

// Backend is one fresh, empty sheet under test.
type Backend struct {
	// Sheet is the backend under test.
	Sheet sheets.Sheet
	// Edit changes the sheet as a person's save would, independently of Sheet's Write
	// path: it hands fn the sheet's current tabs (rows padded to the header's width), then
	// saves what fn left, cell by cell: text that is a plain number is saved as a number,
	// as a spreadsheet program would; removed rows and cells are cleared; removed tabs are
	// deleted. The version of the sheet changes.
	Edit func(t *testing.T, fn func(b *sheets.Book))
}

// Run runs the contract suite: one subtest per case, each on a sheet newSheet returns.
func Run(t *testing.T, newSheet func(t *testing.T) Backend) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, b Backend)
	}{
		{"EmptySheet", testEmptySheet},
		{"RoundTrip", testRoundTrip},
		{"NumberColumns", testNumberColumns},
		{"Summary", testSummary},
		{"VersionChanges", testVersionChanges},
		{"ExternalEdit", testExternalEdit},
		{"StaleBase", testStaleBase},
		{"RowOrder", testRowOrder},
		{"TabsKept", testTabsKept},
		{"BlankAndShortRows", testBlankAndShortRows},
		{"BlankAndShortRowsFromEdit", testBlankAndShortRowsFromEdit},
		{"Shrink", testShrink},
		{"Isolation", testIsolation},
		{"Large", testLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newSheet(t))
		})
	}
}

func testEmptySheet(t *testing.T, b Backend) {
	book := read(t, b.Sheet)
	if book.Version != "" {
		t.Errorf("Version = %q, want empty", book.Version)
	}
	if len(book.Tabs) != 0 {
		t.Errorf("Tabs = %v, want none", tabNames(book))
	}
}

// tricky is text every backend must store and return exactly as text.
var tricky = []string{
	"=1+1", "+1", "-x", "@SUM(A1)", "=HYPERLINK(\"http://example.com\",\"click\")",
	"-1", "3", "007", "3.0", "1e5", "TRUE", "0x1F", "1/2", "2024-01-02",
	"日本語 ☸ ünïcødé 🚀", " padded ", "line one\nline two", "tab\there",
	"<xml> & \"quotes\" 'apos'", "_x0041_", "\u00a0", "'quoted",
}

func testRoundTrip(t *testing.T, b Backend) {
	long := strings.Repeat("long text, ", 1000)
	next := &sheets.Book{Tabs: []*sheets.Tab{
		{Name: Deployments, Header: slices.Clone(DeploymentHeader), Rows: [][]string{
			{"default", "web", "3", "3/3", "3", "3", "nginx:1.27", "5d", "", "applied 12:01:07", "uid-1/10"},
			{"default", "", "", "", "", "", "", "", "", "", "uid-2/11"},                  // empty in the middle
			{"kube-system", "dns", "2", "1/2", "1", "1", "coredns:1.11", "", "", "", ""}, // empty at the end
			{"ns", long, "=1+1", "@SUM(A1)", "-x", "+1", "=cmd|' /C calc'!A0", "", "delete", "", "uid-4/13"},
		}},
		{Name: Pods, Header: slices.Clone(PodHeader)},
	}}
	pods := next.Tab(Pods)
	for i, s := range tricky {
		pods.Rows = append(pods.Rows, []string{"ns", s, s, s, s, s, fmt.Sprintf("node-%d", i), s, s, "", s, ""})
	}
	base := read(t, b.Sheet)
	v := write(t, b.Sheet, Layout(), base, next)
	got := read(t, b.Sheet)
	if got.Version != v {
		t.Errorf("Read Version = %q, Write returned %q", got.Version, v)
	}
	wantBook(t, got, next)
}

func testNumberColumns(t *testing.T, b Backend) {
	values := []string{"3", "10000", "0", "42", "abc", "3.5", "-1", "007", "+3", "1e3", " 3", "3 ", "0.0", "-0", "99999999999999999999", ""}
	next := &sheets.Book{Tabs: []*sheets.Tab{{Name: Deployments, Header: slices.Clone(DeploymentHeader)}}}
	for i, v := range values {
		next.Tabs[0].Rows = append(next.Tabs[0].Rows,
			[]string{"ns", fmt.Sprintf("app-%d", i), v, "1/1", v, v, "img", "1d", "", "", fmt.Sprintf("uid-%d/1", i)})
	}
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	wantBook(t, read(t, b.Sheet), next)
}

func testSummary(t *testing.T, b Backend) {
	next := Book(40, 200)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	wantBook(t, read(t, b.Sheet), next)
}

func testVersionChanges(t *testing.T, b Backend) {
	next := Book(3, 5)
	v1 := write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	if v1 == "" {
		t.Fatal("Write returned an empty version")
	}
	r1 := read(t, b.Sheet)
	if r1.Version != v1 {
		t.Fatalf("Read Version = %q, Write returned %q", r1.Version, v1)
	}
	if again := read(t, b.Sheet); again.Version != v1 {
		t.Errorf("Version moved without a write: %q then %q", v1, again.Version)
	}
	v2 := write(t, b.Sheet, Layout(), r1, next) // the same values again
	if v2 == v1 {
		t.Errorf("Version %q unchanged by a second Write", v2)
	}
	b.Edit(t, func(book *sheets.Book) { book.Tab(Deployments).Rows[0][2] = "7" })
	r3 := read(t, b.Sheet)
	if r3.Version == v2 || r3.Version == v1 || r3.Version == "" {
		t.Errorf("Version after an external edit = %q (before: %q, %q)", r3.Version, v1, v2)
	}
}

func testExternalEdit(t *testing.T, b Backend) {
	next := Book(4, 6)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	want := copyBook(next)
	edit := func(book *sheets.Book) {
		d := book.Tab(Deployments)
		d.Rows[0][2] = "5"          // a person types a number
		d.Rows[1][2] = "3.5"        // an invalid one
		d.Rows[1][6] = "nginx:1.27" // text
		d.Rows[2][8] = "delete"
		d.Rows[3][2] = "=1+1"
		d.Rows = append(d.Rows, []string{"new-ns", "new-app", "2", "", "", "", "busybox", "", "", "", ""})
		p := book.Tab(Pods)
		p.Rows = slices.Delete(p.Rows, 1, 2) // a person deletes a row
	}
	b.Edit(t, edit)
	edit(want)
	got := read(t, b.Sheet)
	wantBook(t, got, want)

	// The daemon merges and writes on top of the person's save.
	merged := copyBook(got)
	merged.Tab(Deployments).Rows[0][9] = "applied 12:01:07"
	write(t, b.Sheet, Layout(), got, merged)
	wantBook(t, read(t, b.Sheet), merged)
}

func testStaleBase(t *testing.T, b Backend) {
	empty := read(t, b.Sheet)
	next := Book(5, 10)
	write(t, b.Sheet, Layout(), empty, next)
	stale := read(t, b.Sheet)
	b.Edit(t, func(book *sheets.Book) { book.Tab(Deployments).Rows[0][2] = "9" })
	edited := read(t, b.Sheet)

	mine := copyBook(next)
	mine.Tab(Deployments).Rows[0][2] = "1"
	mine.Tab(Deployments).Rows[1][9] = "applied 12:00:00"
	for name, base := range map[string]*sheets.Book{"stale": stale, "empty": empty} {
		_, err := b.Sheet.Write(context.Background(), Layout(), base, mine)
		if !errors.Is(err, sheets.ErrModified) {
			t.Fatalf("Write from the %s base: err = %v, want ErrModified", name, err)
		}
	}
	got := read(t, b.Sheet)
	if got.Version != edited.Version {
		t.Errorf("Version after a refused Write = %q, want %q", got.Version, edited.Version)
	}
	if c := got.Tab(Deployments).Rows[0][2]; c != "9" {
		t.Errorf("the person's edit was lost: Replicas = %q, want 9", c)
	}
	wantBook(t, got, edited)
}

func testRowOrder(t *testing.T, b Backend) {
	next := Book(6, 8)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	reversed := copyBook(next)
	for _, tab := range reversed.Tabs {
		slices.Reverse(tab.Rows)
	}
	write(t, b.Sheet, Layout(), read(t, b.Sheet), reversed)
	wantBook(t, read(t, b.Sheet), reversed)
}

func testTabsKept(t *testing.T, b Backend) {
	next := Book(3, 4)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	only := &sheets.Book{Tabs: []*sheets.Tab{copyTab(next.Tab(Deployments))}}
	only.Tabs[0].Rows[0][2] = "8"
	write(t, b.Sheet, Layout(), read(t, b.Sheet), only)
	got := read(t, b.Sheet)
	if got.Tab(Deployments) == nil || got.Tab(Pods) == nil || got.Tab(Summary) == nil {
		t.Fatalf("tabs = %v, want %s, %s and %s", tabNames(got), Deployments, Pods, Summary)
	}
	wantTab(t, got.Tab(Deployments), only.Tabs[0])
	wantTab(t, got.Tab(Pods), next.Tab(Pods))
	wantTab(t, got.Tab(Summary), next.Tab(Summary))
	if got.Tabs[0].Name != Deployments {
		t.Errorf("first tab = %q, want %q (next's tabs come first)", got.Tabs[0].Name, Deployments)
	}
}

func testBlankAndShortRows(t *testing.T, b Backend) {
	h := []string{"Namespace", "Name", "Replicas", "Sync"}
	next := &sheets.Book{Tabs: []*sheets.Tab{{Name: "Plain", Header: h, Rows: [][]string{
		{"a", "1", "2", "x"},
		{"", "", "", ""},
		nil,
		{"b"},
		{"c", "3"},
		{"", "", "", ""},
	}}}}
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	want := &sheets.Book{Tabs: []*sheets.Tab{{Name: "Plain", Header: h, Rows: [][]string{
		{"a", "1", "2", "x"},
		{"b", "", "", ""},
		{"c", "3", "", ""},
	}}}}
	wantBook(t, read(t, b.Sheet), want)
}

func testBlankAndShortRowsFromEdit(t *testing.T, b Backend) {
	next := Book(4, 0)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	want := copyBook(next)
	b.Edit(t, func(book *sheets.Book) {
		d := book.Tab(Deployments)
		d.Rows = slices.Insert(d.Rows, 2, make([]string, len(d.Header))) // a blank row in the middle
		d.Rows[3] = d.Rows[3][:2]                                        // a person clears a row's tail
		d.Rows = append(d.Rows, make([]string, len(d.Header)), []string{"late", "row"})
	})
	d := want.Tab(Deployments)
	for i := 2; i < len(d.Header); i++ {
		d.Rows[2][i] = ""
	}
	d.Rows = append(d.Rows, padTo([]string{"late", "row"}, len(d.Header)))
	wantBook(t, read(t, b.Sheet), want)
}

func testShrink(t *testing.T, b Backend) {
	next := Book(10, 12)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	fewer := copyBook(next)
	fewer.Tab(Deployments).Rows = fewer.Tab(Deployments).Rows[:3]
	fewer.Tab(Pods).Rows = nil
	narrow := &sheets.Tab{Name: Summary, Header: []string{"Namespace", "Running"}}
	for _, r := range next.Tab(Summary).Rows[:2] {
		narrow.Rows = append(narrow.Rows, slices.Clone(r[:2]))
	}
	fewer.Tabs[2] = narrow
	write(t, b.Sheet, Layout(), read(t, b.Sheet), fewer)
	wantBook(t, read(t, b.Sheet), fewer)
}

func testIsolation(t *testing.T, b Backend) {
	next := Book(2, 2)
	want := copyBook(next)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	next.Tabs[0].Rows[0][0] = "changed after Write"
	next.Tabs[0].Header[0] = "changed after Write"
	got := read(t, b.Sheet)
	got.Tabs[0].Rows[1][0] = "changed after Read"
	wantBook(t, read(t, b.Sheet), want)
}

func testLarge(t *testing.T, b Backend) {
	if testing.Short() {
		t.Skip("large book skipped with -short")
	}
	next := Book(2000, 10000)
	write(t, b.Sheet, Layout(), read(t, b.Sheet), next)
	wantBook(t, read(t, b.Sheet), next)
}

func read(t *testing.T, s sheets.Reader) *sheets.Book {
	t.Helper()
	b, err := s.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if b == nil {
		t.Fatal("Read returned a nil Book")
	}
	return b
}

func write(t *testing.T, s sheets.Writer, l *sheets.Layout, base, next *sheets.Book) string {
	t.Helper()
	v, err := s.Write(context.Background(), l, base, next)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return v
}

// wantBook compares got with want as a backend should read want back: want's tabs first,
// in order, blank rows dropped and short rows padded. got may hold more tabs.
func wantBook(t *testing.T, got, want *sheets.Book) {
	t.Helper()
	if len(got.Tabs) < len(want.Tabs) {
		t.Fatalf("tabs = %v, want %v", tabNames(got), tabNames(want))
	}
	for i, w := range want.Tabs {
		if got.Tabs[i].Name != w.Name {
			t.Fatalf("tabs = %v, want %v first", tabNames(got), tabNames(want))
		}
		wantTab(t, got.Tabs[i], w)
	}
}

func wantTab(t *testing.T, got, want *sheets.Tab) {
	t.Helper()
	width := len(want.Header)
	if !slices.Equal(got.Header, want.Header) {
		t.Errorf("tab %s: header = %q, want %q", want.Name, got.Header, want.Header)
	}
	var rows [][]string
	for _, r := range want.Rows {
		if slices.ContainsFunc(r, func(c string) bool { return c != "" }) {
			rows = append(rows, padTo(r, width))
		}
	}
	if len(got.Rows) != len(rows) {
		t.Errorf("tab %s: %d rows, want %d", want.Name, len(got.Rows), len(rows))
	}
	errs := 0
	for i := range min(len(got.Rows), len(rows)) {
		if len(got.Rows[i]) != len(got.Header) {
			t.Errorf("tab %s row %d: %d cells, header has %d", want.Name, i, len(got.Rows[i]), len(got.Header))
		}
		for j := range max(len(got.Rows[i]), len(rows[i])) {
			g, w := cell(got.Rows[i], j), cell(rows[i], j)
			if g != w {
				t.Errorf("tab %s row %d column %d: %s, want %s", want.Name, i, j, abbrev(g), abbrev(w))
				if errs++; errs == 10 {
					t.Fatalf("tab %s: too many differences", want.Name)
				}
			}
		}
	}
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func abbrev(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q… (%d bytes)", s[:60], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func padTo(r []string, width int) []string {
	c := make([]string, max(width, len(r)))
	copy(c, r)
	return c
}

func tabNames(b *sheets.Book) []string {
	var names []string
	for _, t := range b.Tabs {
		names = append(names, t.Name)
	}
	return names
}

func copyBook(b *sheets.Book) *sheets.Book {
	c := &sheets.Book{Version: b.Version}
	for _, t := range b.Tabs {
		c.Tabs = append(c.Tabs, copyTab(t))
	}
	return c
}

func copyTab(t *sheets.Tab) *sheets.Tab {
	c := &sheets.Tab{Name: t.Name, Header: slices.Clone(t.Header)}
	for _, r := range t.Rows {
		c.Rows = append(c.Rows, slices.Clone(r))
	}
	return c
}
