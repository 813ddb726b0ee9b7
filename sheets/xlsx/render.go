package xlsx

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/sheetops/sheetops/sheets"
)

const (
	lastRow        = excelize.TotalRows // validations and colours reach new rows a person adds
	maxFitWidth    = 60                 // characters: the widest a fitted column gets
	minFitWidth    = 6
	maxNumberDigit = 15 // whole numbers longer than this lose precision as numbers
)

// renderTab is one tab to write: its values and, for a tab copied from the existing file,
// what each cell held there (nil: the values come from the caller, see cellValue).
type renderTab struct {
	name   string
	header []string
	rows   [][]string
	kinds  [][]cellKind // header first
}

// styles are the cell styles every tab shares, made on first use.
type styles struct {
	f      *excelize.File
	font   excelize.Font // the workbook's default font, named and sized in every style
	cells  map[cellStyle]int
	colors map[sheets.Color]int // conditional formats (dxf)
}

// cellStyle is what decides a cell's style.
type cellStyle struct {
	role   role
	number bool // right-aligned with an indent, so it does not touch the next column's text
	wrap   bool
}

type role int

const (
	readOnly role = iota
	editable
	header
)

// render builds the whole workbook in memory: one worksheet per tab, in order, with
// layout's presentation. It returns, for each tab, the values it reads back as (see
// readBack), or nil where that is not certain.
func render(layout *sheets.Layout, tabs []renderTab) (*excelize.File, []*grid, error) {
	f := excelize.NewFile()
	rows := map[string]*dataRows{}
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter { return newZipWriter(w, rows) })
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	st, err := newStyles(f)
	if err != nil {
		return nil, nil, err
	}
	if len(tabs) == 0 {
		// A workbook has at least one worksheet; keep excelize's empty Sheet1.
		ok = true
		return f, nil, stamp(f)
	}
	for i, t := range tabs {
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), t.name)
		} else {
			_, err = f.NewSheet(t.name)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("tab %q: %w", t.name, err)
		}
	}
	parts := map[string]string{} // worksheet part by tab name, as excelize names them
	for id, name := range f.GetSheetMap() {
		parts[name] = "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml"
	}
	back := make([]*grid, len(tabs))
	for i, t := range tabs {
		var d *dataRows
		if back[i], d, err = renderOne(f, st, layout, t); err != nil {
			return nil, nil, fmt.Errorf("tab %q: %w", t.name, err)
		}
		if d != nil {
			part, ok := parts[t.name]
			if !ok {
				return nil, nil, fmt.Errorf("tab %q: no worksheet part", t.name)
			}
			rows[part] = d
		}
	}
	// The first tab is the active one already. (SetActiveSheet would parse every
	// streamed worksheet back into memory.)
	if err := stamp(f); err != nil {
		return nil, nil, err
	}
	ok = true
	return f, back, nil
}

// stamp records who wrote the workbook and when, and a random write id, so that every
// write gives a file with a new checksum (a new Version) even when no value changed.
func stamp(f *excelize.File) error {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	now := time.Now().UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator: "SheetOps", LastModifiedBy: "SheetOps", Created: now, Modified: now,
	}); err != nil {
		return err
	}
	return f.SetCustomProps(excelize.CustomProperty{Name: "SheetOpsWriteID", Value: hex.EncodeToString(id)})
}

// Every style names its font and its size: a font without a name is drawn in whatever
// the program falls back to (LibreOffice: a serif font).
const (
	fontFamily = "Calibri" // excelize's default, Office's default: Carlito where LibreOffice has no Calibri
	fontSize   = 11
)

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{f: f, font: excelize.Font{Family: fontFamily, Size: fontSize}, cells: map[cellStyle]int{}}
	if err := f.SetDefaultFont(fontFamily); err != nil {
		return nil, err
	}
	st.colors = map[sheets.Color]int{}
	// In a fixed order, so that the same render gives the same file.
	for _, c := range []struct {
		color sheets.Color
		fill  [2]string
	}{
		{sheets.Green, [2]string{"C6EFCE", "006100"}},
		{sheets.Yellow, [2]string{"FFEB9C", "9C5700"}},
		{sheets.Red, [2]string{"FFC7CE", "9C0006"}},
		{sheets.Grey, [2]string{"D9D9D9", "404040"}},
	} {
		fill := c.fill
		id, err := f.NewConditionalStyle(&excelize.Style{
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill[0]}},
			Font: &excelize.Font{Color: fill[1]},
		})
		if err != nil {
			return nil, err
		}
		st.colors[c.color] = id
	}
	return st, nil
}

// id returns the style of cells like c.
func (st *styles) id(c cellStyle) (int, error) {
	if id, ok := st.cells[c]; ok {
		return id, nil
	}
	font := st.font
	s := &excelize.Style{
		Font:      &font,
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: c.wrap},
	}
	if c.number {
		s.Alignment.Horizontal, s.Alignment.Indent = "right", 1
	}
	switch c.role {
	case header:
		font.Bold = true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}
		s.Border = []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}
		s.Alignment.Vertical = "center"
		s.Protection = &excelize.Protection{Locked: true}
	case readOnly:
		font.Color = "595959"
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
		s.Protection = &excelize.Protection{Locked: true}
	case editable:
		s.Protection = &excelize.Protection{Locked: false}
	}
	id, err := st.f.NewStyle(s)
	if err != nil {
		return 0, err
	}
	st.cells[c] = id
	return id, nil
}

// column is how one column of a tab is written.
type column struct {
	layout *sheets.Column // nil: plain, read-only text
	number bool           // whole-number text is written as a number
	style  int            // of its data cells
	head   int            // of its header cell
	wrap   float64        // a wrapping column's width; 0: the column does not wrap
}

// renderOne writes one tab through excelize's stream writer (fast enough for the biggest
// cluster). Everything the stream writer emits before the rows (sheet properties, column
// widths, hidden columns, panes) is set first; everything it emits after them (autofilter,
// conditional formats, validations, page setup, the chart's drawing) is set on the
// worksheet before Flush.
func renderOne(f *excelize.File, st *styles, layout *sheets.Layout, t renderTab) (*grid, *dataRows, error) {
	width := len(t.header)
	for _, r := range t.rows {
		width = max(width, len(r))
	}
	tl := layout.Tab(t.name)
	summary := layout != nil && layout.Summary != nil && layout.Summary.Name == t.name
	cols := make([]column, width)
	for j := range cols {
		c := &cols[j]
		if tl != nil && j < len(t.header) {
			c.layout = tl.Column(t.header[j])
		}
		cs := cellStyle{role: readOnly}
		if c.layout != nil {
			c.number = c.layout.Number
			cs.wrap = c.layout.Wrap
			if c.layout.Editable {
				cs.role = editable
			}
		}
		if summary && j > 0 {
			c.number = true // the counts the chart draws
		}
		if t.kinds != nil && c.layout == nil {
			c.number = numberColumn(t, j)
		}
		cs.number = c.number
		var err error
		if c.style, err = st.id(cs); err != nil {
			return nil, nil, err
		}
		if c.head, err = st.id(cellStyle{role: header}); err != nil {
			return nil, nil, err
		}
	}
	for j := range cols {
		if l := cols[j].layout; l != nil && l.Wrap && !l.Hidden {
			cols[j].wrap = columnWidth(t, j, l)
		}
	}
	if err := pageSetup(f, t.name, summary); err != nil {
		return nil, nil, err
	}

	sw, err := f.NewStreamWriter(t.name)
	if err != nil {
		return nil, nil, err
	}
	// Columns from the last to the first: excelize puts each new <col> before the others,
	// and spreadsheet programs expect them in ascending order.
	for j := len(cols) - 1; j >= 0; j-- {
		c := cols[j]
		if err := sw.SetColWidth(j+1, j+1, columnWidth(t, j, c.layout)); err != nil {
			return nil, nil, err
		}
		if c.layout != nil && c.layout.Hidden {
			if err := sw.SetColVisible(j+1, j+1, false); err != nil {
				return nil, nil, err
			}
		}
		if c.layout != nil && c.layout.Editable {
			// New rows a person types are unlocked in the editable columns too.
			if err := sw.SetColStyle(j+1, j+1, c.style); err != nil {
				return nil, nil, err
			}
		}
	}
	if width > 0 {
		if err := sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		}); err != nil {
			return nil, nil, err
		}
	}

	// Every row of every tab is as tall: the header a little taller for its filter button.
	values := make([]any, width)
	back := newReadBack(t, width)
	if width > 0 {
		for j := range width {
			c := excelize.Cell{StyleID: cols[j].head}
			if h := cellAt(t.header, j); h != "" {
				c.Value = h
			}
			values[j] = c
		}
		back.header(t.header)
		if err := sw.SetRow("A1", values, excelize.RowOpts{Height: headerHeight}); err != nil {
			return nil, nil, err
		}
	}
	// The data rows of a tab rendered from a Book are written by the zip writer (see
	// dataRows); those of a tab copied from the file, with its numbers, by the stream writer.
	var d *dataRows
	if t.kinds == nil && spliceRows {
		d = &dataRows{t: t, cols: cols, width: width}
	}
	n := 1
	for i, r := range t.rows {
		if blankRow(r) {
			continue
		}
		n++
		lines := 1
		row := back.row()
		for j := range width {
			if d != nil {
				if s, number := ownCell(t, i, j, cols[j].number); s != "" {
					back.setText(row, j, s, number)
				}
				continue
			}
			v := cellValue(t, i, j, cols[j].number)
			if v != nil {
				back.set(row, j, v, r[j])
			}
			values[j] = excelize.Cell{StyleID: cols[j].style, Value: v}
			if cols[j].wrap > 0 {
				lines = max(lines, wrappedLines(cellAt(r, j), cols[j].wrap))
			}
		}
		if d != nil {
			continue
		}
		var opts []excelize.RowOpts
		if lines > 1 {
			// Spreadsheet programs do not all grow a row for wrapped text when they open a
			// file (LibreOffice keeps the default height): say how tall it is.
			opts = append(opts, excelize.RowOpts{Height: float64(lines) * lineHeight})
		}
		if err := sw.SetRow("A"+strconv.Itoa(n), values, opts...); err != nil {
			return nil, nil, err
		}
	}
	if width > 0 {
		if err := f.AutoFilter(t.name, "A1:"+cellName(width, n), nil); err != nil {
			return nil, nil, err
		}
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", Scope: t.name, RefersTo: quoteTab(t.name) + "$1:$1",
		}); err != nil {
			return nil, nil, err
		}
	}
	for j, c := range cols {
		if c.layout == nil {
			continue
		}
		if err := presentColumn(f, st, t.name, j+1, c.layout); err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", c.layout.Name, err)
		}
	}
	if summary && width > 1 && n > 1 {
		if err := addChart(f, t, layout.Summary, n); err != nil {
			return nil, nil, fmt.Errorf("chart: %w", err)
		}
	}
	if d != nil && n == 1 {
		d = nil // no data rows
	}
	return back.grid(), d, sw.Flush()
}

// spliceRows: the data rows of tabs rendered from a Book are written by the zip writer
// (see dataRows); tests turn it off to compare with the stream writer's rows.
var spliceRows = true

// headerHeight is the header row's height in points: room for the bold text and the
// filter button. Data rows keep the default height, the same on every tab (every style
// names the same font and size).
const headerHeight = 18

// lineHeight is the height in points of one line of text in the workbook's font.
const lineHeight = 15

// wrappedLines estimates how many lines s takes in a wrapping column width characters
// wide. (A width counts the font's widest digits: a line holds more letters than that, in
// Calibri and in the wider fonts LibreOffice draws it with where it has no Calibri; that
// spare room is what word wrapping loses at the line ends.)
func wrappedLines(s string, width float64) int {
	perLine := max(int(width), 1)
	lines := 0
	for _, line := range strings.Split(s, "\n") {
		lines += max((textWidth(line)+perLine-1)/perLine, 1)
	}
	return lines
}

// pageSetup prints a tab landscape, as wide as one page, with the header row on every
// page; the summary (a short table and its chart) on one page.
func pageSetup(f *excelize.File, tab string, summary bool) error {
	fit := true
	if err := f.SetSheetProps(tab, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	landscape, wide, tall := "landscape", 1, 0
	if summary {
		tall = 1
	}
	return f.SetPageLayout(tab, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall})
}

// numberColumn reports whether a copied tab's column j holds numbers (then it is aligned
// as numbers are).
func numberColumn(t renderTab, j int) bool {
	seen := false
	for i := 1; i < len(t.kinds); i++ {
		if j < len(t.kinds[i]) && cellAt(t.rows[i-1], j) != "" {
			if t.kinds[i][j] != kindNumber {
				return false
			}
			seen = true
		}
	}
	return seen
}

// cellValue returns what to store in a data cell (row i, column j): nil for an empty
// cell, an int64 for a whole number in a Number column (or a number in a copied tab), and
// otherwise the text, which the stream writer stores as an inline string, never a formula.
func cellValue(t renderTab, i, j int, number bool) any {
	s := cellAt(t.rows[i], j)
	if s == "" {
		return nil
	}
	if t.kinds != nil {
		if i+1 < len(t.kinds) && j < len(t.kinds[i+1]) && t.kinds[i+1][j] == kindNumber {
			if n, ok := wholeNumber(s); ok {
				return n
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return f
			}
		}
		return s
	}
	if number {
		if n, ok := wholeNumber(s); ok {
			return n
		}
	}
	return s
}

// wholeNumber reports whether s is a whole number written as strconv.Itoa would write it
// (so that it reads back as the same text) and small enough to be exact as a number.
func wholeNumber(s string) (int64, bool) {
	if !isPlainInteger([]byte(s)) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func cellAt(r []string, j int) string {
	if j < len(r) {
		return r[j]
	}
	return ""
}

func blankRow(r []string) bool {
	for _, c := range r {
		if c != "" {
			return false
		}
	}
	return true
}

// columnWidth is column j's width in characters: fitted to the content, at most the
// layout's width (a wrapping column keeps the layout's width: its text wraps in it) or
// maxFitWidth, and never narrower than its header with the filter button beside it.
func columnWidth(t renderTab, j int, c *sheets.Column) float64 {
	w := fitWidth(t, j)
	if c != nil && c.Width > 0 {
		w = min(w, c.Width)
		if c.Wrap {
			w = c.Width
		}
	}
	return max(w, headerWidth(cellAt(t.header, j)))
}

// headerWidth is the width a header needs: its bold text, about a tenth wider than
// regular, and the filter button beside it (about three characters and a margin).
func headerWidth(h string) float64 {
	if h == "" {
		return 0
	}
	return float64(min((textWidth(h)*11+9)/10+4, maxFitWidth))
}

// fitWidth returns a width that shows column j's widest value, up to maxFitWidth.
func fitWidth(t renderTab, j int) float64 {
	w := 0
	for _, r := range t.rows {
		if j < len(r) {
			if n := textWidth(r[j]); n > w {
				w = n
				if w >= maxFitWidth {
					break
				}
			}
		}
	}
	return float64(min(max(w+2, minFitWidth), maxFitWidth))
}

// textWidth is the width of the longest line of s in characters, counting East Asian wide
// characters twice.
func textWidth(s string) int {
	if isASCII(s) && !strings.Contains(s, "\n") {
		return len(s)
	}
	w, line := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			line = 0
			continue
		case r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
			(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
			(r >= 0xFFE0 && r <= 0xFFE6) || r >= 0x1F300):
			line += 2
		default:
			line++
		}
		w = max(w, line)
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// presentColumn adds a column's validation and colours, from row 2 to the sheet's last
// row, so that rows a person adds get them too.
func presentColumn(f *excelize.File, st *styles, tab string, col int, c *sheets.Column) error {
	letter := columnName(col)
	ref := letter + "2:" + letter + strconv.Itoa(lastRow)
	if c.Editable && c.WholeNumber != nil {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ref
		if err := dv.SetRange(c.WholeNumber.Min, c.WholeNumber.Max,
			excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, c.Name,
			fmt.Sprintf("%s must be a whole number from %d to %d.", c.Name, c.WholeNumber.Min, c.WholeNumber.Max))
		if err := f.AddDataValidation(tab, dv); err != nil {
			return err
		}
	}
	if c.Editable && len(c.List) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ref
		if err := dv.SetDropList(c.List); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, c.Name,
			fmt.Sprintf("%s is one of: %s; or empty.", c.Name, strings.Join(c.List, ", ")))
		if err := f.AddDataValidation(tab, dv); err != nil {
			return err
		}
	}
	if len(c.Colors) == 0 {
		return nil
	}
	var rules []excelize.ConditionalFormatOptions
	for _, r := range c.Colors {
		dxf, ok := st.colors[r.Color]
		if !ok {
			return fmt.Errorf("unknown colour %q", r.Color)
		}
		formula, err := r.Formula(letter+"2", utf16Len)
		if err != nil {
			return err
		}
		rules = append(rules, excelize.ConditionalFormatOptions{Type: "formula", Criteria: formula, Format: &dxf})
	}
	return f.SetConditionalFormat(tab, ref, rules)
}

// chartPalette colours the summary's series that the layout gives no colour: distinct
// hues, none of them near another.
var chartPalette = []string{"2E7D32", "F9A825", "1565C0", "C62828", "6A1B9A", "00838F", "EF6C00", "5D4037"}

// The chart's size in pixels: it fits a 1366-pixel-wide window beside the program's row
// headers and side bar.
const (
	chartWidth  = 640
	chartHeight = 320
)

// addChart draws the summary: a stacked column chart with the first column as categories
// and one series per column the layout names (every other column when it names none),
// under the table, from column A, where a 1366-pixel window shows it whatever the width of
// the table's font (beside the table it would start past the window's right edge).
func addChart(f *excelize.File, t renderTab, sl *sheets.SummaryLayout, lastDataRow int) error {
	q := quoteTab(t.name)
	categories := fmt.Sprintf("%s$A$2:$A$%d", q, lastDataRow)
	series := sl.Series
	if len(series) == 0 {
		for _, h := range t.header[min(1, len(t.header)):] {
			series = append(series, sheets.SummarySeries{Column: h})
		}
	}
	var out []excelize.ChartSeries
	for i, s := range series {
		j := slices.Index(t.header, s.Column)
		if j <= 0 {
			continue // a column the table does not have: nothing to draw
		}
		color := s.Color
		if color == "" {
			color = chartPalette[i%len(chartPalette)]
		}
		l := columnName(j + 1)
		out = append(out, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s$%s$1", q, l),
			Categories: categories,
			Values:     fmt.Sprintf("%s$%s$2:$%s$%d", q, l, l, lastDataRow),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
		})
	}
	if len(out) == 0 {
		return nil
	}
	axisFont := excelize.Font{Family: fontFamily, Size: 10, Color: "262626"}
	return f.AddChart(t.name, cellName(1, lastDataRow+2), &excelize.Chart{
		Type:   excelize.ColStacked,
		Series: out,
		Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: sl.ChartTitle,
			Font: &excelize.Font{Family: fontFamily, Size: 12, Bold: true, Color: "262626"}}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		XAxis:     excelize.ChartAxis{Font: axisFont},
		YAxis:     excelize.ChartAxis{Font: axisFont, MajorGridLines: true},
		Dimension: excelize.ChartDimension{Width: chartWidth, Height: chartHeight},
		Format:    excelize.GraphicOptions{Positioning: "oneCell"},
	})
}

func quoteTab(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'!" }

// utf16Len counts text as Excel does: in UTF-16 units.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
