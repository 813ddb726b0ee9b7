package googlefake

import (
	"fmt"
	"slices"

	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/sheetops/sheetops/sheets"
)

func (s *Server) book(id string) (*spreadsheet, error) {
	b := s.books[id]
	if b == nil {
		return nil, fmt.Errorf("googlefake: no spreadsheet %q", id)
	}
	return b, nil
}

// Tabs returns the titles of a spreadsheet's tabs in order, hidden ones included.
func (s *Server) Tabs(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.books[id]
	if b == nil {
		return nil
	}
	var out []string
	for _, sh := range b.sheets {
		out = append(out, sh.title())
	}
	return out
}

// Values returns what a person sees in a tab: every row up to the last non-empty one,
// each up to its last non-empty cell, formatted.
func (s *Server) Values(id, tab string) ([][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return nil, err
	}
	sh := b.byTitle(tab)
	if sh == nil {
		return nil, fmt.Errorf("googlefake: no tab %q", tab)
	}
	var out [][]string
	for _, row := range (rect{sh: sh, r1: -1, c1: -1}).values("FORMATTED_VALUE", "ROWS") {
		r := make([]string, len(row))
		for i, v := range row {
			r[i] = v.(string)
		}
		out = append(out, r)
	}
	return out, nil
}

// CellKind says what a cell holds: "empty", "string", "number", "bool" or "formula".
func (s *Server) CellKind(id, a1 string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return "", err
	}
	r, err := b.parseRange(a1)
	if err != nil {
		return "", err
	}
	return [...]string{"empty", "string", "number", "bool", "formula"}[r.sh.at(r.r0, r.c0).kind], nil
}

// SetCell types text into one cell (A1 notation with the tab, "'Deployments'!C2") as a
// person does in the browser: numbers become numbers, "=..." a formula, "" clears it.
// The grid grows if needed, as it does when a person adds rows.
func (s *Server) SetCell(id, a1, typed string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return err
	}
	r, err := b.parseRange(a1)
	if err != nil {
		return err
	}
	if r.r0 >= r.sh.rowCount() || r.c0 >= r.sh.colCount() {
		r.sh.resize(max(r.sh.rowCount(), r.r0+1), max(r.sh.colCount(), r.c0+1))
	}
	nc := parseUserEntered(typed)
	p := r.sh.ref(r.r0, r.c0)
	p.kind, p.s, p.n, p.b = nc.kind, nc.s, nc.n, nc.b
	return nil
}

// AddTab adds an empty tab of rows × columns at the end, as a person does in the browser
// (a new sheet, then rows added at its bottom). Like Google it is refused when the
// spreadsheet would pass its limit of cells (10,000,000).
func (s *Server) AddTab(id, title string, rows, columns int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return err
	}
	work := b.clone()
	if _, err := work.addSheet(&sheetsapi.SheetProperties{Title: title, GridProperties: &sheetsapi.GridProperties{RowCount: int64(rows), ColumnCount: int64(columns)}}); err != nil {
		return err
	}
	if work.cells() > maxCells {
		return cellLimit()
	}
	s.books[id] = work
	return nil
}

// Edit changes the spreadsheet as a person's edits in the browser would. fn gets the
// visible tabs as a person sees them (header = the first row; the other rows down to the
// last non-empty one, each padded to the header's width); what fn leaves is saved cell by
// cell: a plain number ("5", "-1", "2.5") as a number, other text as text (never a
// formula), "" as an empty cell. Tabs fn adds are created, tabs it removes are deleted,
// cells past what it leaves are cleared; presentation (formats, validation) is kept.
// Hidden tabs are neither shown nor touched.
func (s *Server) Edit(id string, fn func(b *sheets.Book)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return err
	}
	book := &sheets.Book{}
	for _, sh := range b.sheets {
		if !sh.props.Hidden {
			book.Tabs = append(book.Tabs, personTab(sh))
		}
	}
	fn(book)
	work := b.clone()
	seen := map[string]bool{}
	for _, t := range book.Tabs {
		if t == nil || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		sh := work.byTitle(t.Name)
		if sh == nil {
			if _, err := work.addSheet(&sheetsapi.SheetProperties{Title: t.Name}); err != nil {
				return err
			}
			sh = work.byTitle(t.Name)
		}
		grid := append([][]string{t.Header}, t.Rows...)
		width := 0
		for _, r := range grid {
			width = max(width, len(r))
		}
		sh.resize(max(sh.rowCount(), len(grid)), max(sh.colCount(), width))
		for r := range max(len(grid), len(sh.rows)) {
			var want []string
			if r < len(grid) {
				want = grid[r]
			}
			have := 0
			if r < len(sh.rows) {
				have = len(sh.rows[r])
			}
			for c := range max(len(want), have) {
				w := ""
				if c < len(want) {
					w = want[c]
				}
				cur := sh.at(r, c)
				if cur.kind != formula && cur.formatted() == w {
					continue
				}
				nc := cell{}
				if n, ok := plainNumber(w); ok {
					nc = cell{kind: number, n: n}
				} else if w != "" {
					nc = cell{kind: text, s: w}
				}
				p := sh.ref(r, c)
				p.kind, p.s, p.n, p.b = nc.kind, nc.s, nc.n, nc.b
			}
		}
	}
	work.sheets = slices.DeleteFunc(work.sheets, func(sh *sheet) bool { return !sh.props.Hidden && !seen[sh.title()] })
	visible := 0
	for _, sh := range work.sheets {
		if !sh.props.Hidden {
			visible++
		}
	}
	if visible == 0 {
		return fmt.Errorf("googlefake: Edit would remove every visible tab")
	}
	work.reindex()
	s.books[id] = work
	return nil
}

// personTab is a tab as a person sees it.
func personTab(sh *sheet) *sheets.Tab {
	t := &sheets.Tab{Name: sh.title()}
	vals := (rect{sh: sh, r1: -1, c1: -1}).values("FORMATTED_VALUE", "ROWS")
	for i, row := range vals {
		r := make([]string, len(row))
		for j, v := range row {
			r[j] = v.(string)
		}
		if i == 0 {
			t.Header = r
			continue
		}
		if len(r) < len(vals[0]) {
			r = append(r, make([]string, len(vals[0])-len(r))...)
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// DeleteFormatting removes a tab's presentation as a person might by accident: protected
// ranges, conditional formats, charts, data validation and cell formats, the frozen rows,
// hidden columns and column widths. Values are kept.
func (s *Server) DeleteFormatting(id, tab string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return err
	}
	sh := b.byTitle(tab)
	if sh == nil {
		return fmt.Errorf("googlefake: no tab %q", tab)
	}
	sh.protected, sh.rules, sh.charts = nil, nil, nil
	for _, row := range sh.rows {
		for i := range row {
			row[i].validation, row[i].format = nil, nil
		}
	}
	sh.props.GridProperties.FrozenRowCount = 0
	for i := range sh.cols {
		sh.cols[i] = &sheetsapi.DimensionProperties{PixelSize: defaultPix}
	}
	return nil
}

// Inspect returns a tab as spreadsheets.get answers it with grid data for the rows in use
// (at least the first two): properties, protected ranges, conditional formats, charts,
// column metadata and every cell's value, format and validation.
func (s *Server) Inspect(id, tab string) (*sheetsapi.Sheet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.book(id)
	if err != nil {
		return nil, err
	}
	sh := b.byTitle(tab)
	if sh == nil {
		return nil, fmt.Errorf("googlefake: no tab %q", tab)
	}
	rows := min(max(len(sh.rows), 2), sh.rowCount())
	return sh.api(true, []rect{{sh: sh, r1: rows, c1: sh.colCount()}}), nil
}
