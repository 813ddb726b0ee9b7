package google

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/sheetops/sheetops/sheets"
)

// grid is the text of one tab as the API returns it: trailing empty cells of each row and
// trailing empty rows left out.
type grid [][]string

// text renders a value of an UNFORMATTED_VALUE read as the text a person sees: numbers in
// plain decimal ("3", "2.5"), booleans as TRUE and FALSE.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Sprint(v)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	}
	return fmt.Sprint(v)
}

// toGrid converts a value range to text, trimmed.
func toGrid(values [][]any) grid {
	g := make(grid, len(values))
	for i, row := range values {
		r := make([]string, len(row))
		for j, v := range row {
			r[j] = text(v)
		}
		g[i] = r
	}
	return g.trimmed()
}

// trimmed drops trailing empty cells of each row and trailing empty rows, as a read does.
func (g grid) trimmed() grid {
	out := make(grid, len(g))
	for i, r := range g {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		out[i] = r[:n]
	}
	n := len(out)
	for n > 0 && len(out[n-1]) == 0 {
		n--
	}
	return out[:n]
}

func (g grid) cell(r, c int) string {
	if r < len(g) && c < len(g[r]) {
		return g[r][c]
	}
	return ""
}

func (g grid) rowLen(r int) int {
	if r < len(g) {
		return len(g[r])
	}
	return 0
}

// namedGrid is a tab's title and text.
type namedGrid struct {
	title string
	grid  grid
}

// versionOf hashes the tabs' titles and text, in order, into a version.
func versionOf(tabs []namedGrid) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	put := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	for _, t := range tabs {
		put(t.title)
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(t.grid)))])
		for _, r := range t.grid {
			h.Write(n[:binary.PutUvarint(n[:], uint64(len(r)))])
			for _, c := range r {
				put(c)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// bookTab is a tab as Read returns it: the first row is the header; blank rows dropped;
// header and rows padded to the widest of them.
func bookTab(title string, g grid) *sheets.Tab {
	t := &sheets.Tab{Name: title}
	if len(g) == 0 {
		return t
	}
	width := len(g[0])
	for _, r := range g[1:] {
		width = max(width, len(r)) // trimmed: a non-empty row ends in a non-empty cell
	}
	t.Header = pad(g[0], width)
	for _, r := range g[1:] {
		if len(r) == 0 {
			continue
		}
		t.Rows = append(t.Rows, pad(r, width))
	}
	return t
}

func pad(r []string, width int) []string {
	c := make([]string, max(width, len(r)))
	copy(c, r)
	return c
}

// quote is a tab's title in A1 notation, always quoted.
func quote(title string) string {
	return "'" + strings.ReplaceAll(title, "'", "''") + "'"
}

// colName is the letters of a 0-based column: 0 is A, 26 is AA.
func colName(c int) string {
	s := ""
	for c++; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}

// a1 is the range of rows [r0, r1) and columns [c0, c1) of a tab.
func a1(title string, r0, r1, c0, c1 int) string {
	return fmt.Sprintf("%s!%s%d:%s%d", quote(title), colName(c0), r0+1, colName(c1-1), r1)
}

// wholeNumber reports whether s is a whole number written the way it reads back from a
// number cell ("3", "-12", not "007", "+3", "-0" or "3.0"), small enough to be exact.
func wholeNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s || n > 1e15 || n < -1e15 {
		return 0, false
	}
	return n, true
}

// valueRange is a rectangle of values to write: rows from row r0 and column c0 of a tab,
// as the API takes them (strings, and int64 for whole numbers in Number columns).
type valueRange struct {
	title  string
	r0, c0 int
	rows   [][]any
}

// width is the number of columns the range covers.
func (v valueRange) width() int {
	w := 0
	for _, r := range v.rows {
		w = max(w, len(r))
	}
	return w
}

// api is the range as the API takes it.
func (v valueRange) api() *sheetsapi.ValueRange {
	return &sheetsapi.ValueRange{Range: a1(v.title, v.r0, v.r0+len(v.rows), v.c0, v.c0+v.width()), MajorDimension: "ROWS", Values: v.rows}
}

// changedRanges returns the value ranges that turn old into next: runs of changed cells
// in each row, stacked into rectangles where consecutive rows change the same columns
// (a run continues the rectangle of the row above that has its columns, whatever other
// runs the rows have). A cell next lacks is cleared. number says whether a column holds
// numbers (Number columns: whole numbers are sent as numbers); the header row is always
// text.
func changedRanges(title string, old, next grid, number func(col int) bool) []valueRange {
	type rect struct{ r0, r1, c0, c1 int }
	type run struct{ c0, c1, rect int }
	var rects []rect
	var above, here []run // the runs of the previous row and of this one
	for r := range max(len(old), len(next)) {
		w := max(old.rowLen(r), next.rowLen(r))
		here = here[:0]
		for c := 0; c < w; {
			if old.cell(r, c) == next.cell(r, c) {
				c++
				continue
			}
			start := c
			for c < w && old.cell(r, c) != next.cell(r, c) {
				c++
			}
			i := -1
			for _, a := range above {
				if a.c0 == start && a.c1 == c {
					i = a.rect
					break
				}
			}
			if i >= 0 {
				rects[i].r1 = r + 1
			} else {
				i = len(rects)
				rects = append(rects, rect{r, r + 1, start, c})
			}
			here = append(here, run{start, c, i})
		}
		above, here = here, above
	}
	out := make([]valueRange, 0, len(rects))
	for _, rc := range rects {
		vr := valueRange{title: title, r0: rc.r0, c0: rc.c0, rows: make([][]any, 0, rc.r1-rc.r0)}
		for r := rc.r0; r < rc.r1; r++ {
			row := make([]any, 0, rc.c1-rc.c0)
			for c := rc.c0; c < rc.c1; c++ {
				s := next.cell(r, c)
				if r > 0 && number(c) {
					if n, ok := wholeNumber(s); ok {
						row = append(row, n)
						continue
					}
				}
				row = append(row, s)
			}
			vr.rows = append(vr.rows, row)
		}
		out = append(out, vr)
	}
	return out
}
