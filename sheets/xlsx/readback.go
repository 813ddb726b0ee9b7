package xlsx

import (
	"strings"
	"unicode/utf8"
)

// readBack collects, while a tab is rendered, the values it will read as (what readGrid
// returns for the worksheet written), so that the Read after a Write need not parse the
// file it wrote. It gives up (grid returns nil) at the first value whose text it cannot
// be certain of; that tab is then parsed on the next Read.
type readBack struct {
	ok    bool
	head  []string
	rows  [][]string
	cells []string // the rows' cells, one backing array
	width int      // of the rendered rows
	wide  int      // the read width: the last non-empty cell of any row, header included
	wrote bool     // a header row was written
}

func newReadBack(t renderTab, width int) *readBack {
	n := 0
	for _, r := range t.rows {
		if !blankRow(r) {
			n++
		}
	}
	return &readBack{ok: true, width: width, cells: make([]string, 0, n*width), rows: make([][]string, 0, n)}
}

// header records the header row (written whenever the tab has columns).
func (b *readBack) header(h []string) {
	b.wrote = true
	b.head = make([]string, 0, b.width)
	for j := range b.width {
		v := cellAt(h, j)
		if v != "" && !sureText(v) {
			b.ok = false
		}
		b.head = append(b.head, v)
	}
}

// row starts the next non-blank row and returns its index.
func (b *readBack) row() int {
	from := len(b.cells)
	b.cells = append(b.cells, make([]string, b.width)...)
	b.rows = append(b.rows, b.cells[from:len(b.cells):len(b.cells)])
	return len(b.rows) - 1
}

// set records cell j of row i, written as v (see cellValue) for the text s.
func (b *readBack) set(i, j int, v any, s string) {
	switch v := v.(type) {
	case int64:
		// wholeNumber: s is v in the form a number reads back as.
	case string:
		if !sureText(v) {
			b.ok = false
		}
	default: // a float reads back in a form this does not predict
		b.ok = false
	}
	b.rows[i][j] = s
}

// setText records cell j of row i, written as the text s, or as a number whose text is s.
func (b *readBack) setText(i, j int, s string, number bool) {
	if !number && !sureText(s) {
		b.ok = false
	}
	b.rows[i][j] = s
}

// grid returns the values the tab reads as, or nil when they are not certain.
func (b *readBack) grid() *grid {
	if !b.ok {
		return nil
	}
	// The reader cuts every row after its last non-empty cell and pads all to the widest.
	wide := 0
	for _, r := range append(b.rows, b.head) {
		for j := len(r) - 1; j >= wide; j-- {
			if r[j] != "" {
				wide = j + 1
				break
			}
		}
	}
	g := &grid{}
	if b.wrote {
		g.header = b.head[:wide:wide]
	}
	if len(b.rows) > 0 {
		g.rows = b.rows
		for i, r := range g.rows {
			g.rows[i] = r[:wide:wide]
		}
	}
	return g
}

// sureText reports whether the text s, written as an inline string, certainly reads back
// as s: valid UTF-8 that a cell holds whole, with no character that XML cannot carry or
// that the writer escapes or changes (control characters but tab and line feed, and the
// _xHHHH_ escapes of OOXML).
func sureText(s string) bool {
	if len(s) > maxCellBytes || strings.Contains(s, "_x") || strings.Contains(s, "_X") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			return utf8.ValidString(s[i:]) && !strings.ContainsAny(s[i:], "\uFFFE\uFFFF\uFFFD")
		}
	}
	return true
}

// maxCellBytes bounds text sureText accepts: this many bytes are at most as many UTF-16
// units, within what a cell holds (32,767), which the writer would cut.
const maxCellBytes = 32767
