package xlsx

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
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

// styles are the cell styles every tab shares.
type styles struct {
	header, readOnly, editable int
	colors                     map[sheets.Color]int // conditional formats (dxf)
}

// render builds the whole workbook in memory: one worksheet per tab, in order, with
// layout's presentation.
func render(layout *sheets.Layout, tabs []renderTab) (*excelize.File, error) {
	f := excelize.NewFile()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	if len(tabs) == 0 {
		// A workbook has at least one worksheet; keep excelize's empty Sheet1.
		ok = true
		return f, stamp(f)
	}
	for i, t := range tabs {
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), t.name)
		} else {
			_, err = f.NewSheet(t.name)
		}
		if err != nil {
			return nil, fmt.Errorf("tab %q: %w", t.name, err)
		}
	}
	for _, t := range tabs {
		if err := renderOne(f, st, layout, t); err != nil {
			return nil, fmt.Errorf("tab %q: %w", t.name, err)
		}
	}
	// The first tab is the active one already. (SetActiveSheet would parse every
	// streamed worksheet back into memory.)
	if err := stamp(f); err != nil {
		return nil, err
	}
	ok = true
	return f, nil
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

func newStyles(f *excelize.File) (*styles, error) {
	var st styles
	var err error
	st.header, err = f.NewStyle(&excelize.Style{
		Font:       &excelize.Font{Bold: true},
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:     []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment:  &excelize.Alignment{Vertical: "center"},
		Protection: &excelize.Protection{Locked: true},
	})
	if err != nil {
		return nil, err
	}
	st.readOnly, err = f.NewStyle(&excelize.Style{
		Font:       &excelize.Font{Color: "595959"},
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
		Protection: &excelize.Protection{Locked: true},
	})
	if err != nil {
		return nil, err
	}
	st.editable, err = f.NewStyle(&excelize.Style{
		Protection: &excelize.Protection{Locked: false},
	})
	if err != nil {
		return nil, err
	}
	st.colors = map[sheets.Color]int{}
	for c, fill := range map[sheets.Color][2]string{
		sheets.Green:  {"C6EFCE", "006100"},
		sheets.Yellow: {"FFEB9C", "9C5700"},
		sheets.Red:    {"FFC7CE", "9C0006"},
		sheets.Grey:   {"D9D9D9", "404040"},
	} {
		id, err := f.NewConditionalStyle(&excelize.Style{
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill[0]}},
			Font: &excelize.Font{Color: fill[1]},
		})
		if err != nil {
			return nil, err
		}
		st.colors[c] = id
	}
	return &st, nil
}

// column is how one column of a tab is written.
type column struct {
	layout *sheets.Column // nil: plain, read-only text
	number bool           // whole-number text is written as a number
	style  int
}

// renderOne writes one tab through excelize's stream writer (fast enough for the biggest
// cluster). Everything the stream writer emits before the rows (column widths, hidden
// columns, panes) is set first; everything it emits after them (autofilter, conditional
// formats, validations, the chart's drawing) is set on the worksheet before Flush.
func renderOne(f *excelize.File, st *styles, layout *sheets.Layout, t renderTab) error {
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
		c.style = st.readOnly
		if c.layout != nil {
			c.number = c.layout.Number
			if c.layout.Editable {
				c.style = st.editable
			}
		}
		if summary && j > 0 {
			c.number = true // the counts the chart draws
		}
	}

	sw, err := f.NewStreamWriter(t.name)
	if err != nil {
		return err
	}
	// Columns from the last to the first: excelize puts each new <col> before the others,
	// and spreadsheet programs expect them in ascending order.
	for j := len(cols) - 1; j >= 0; j-- {
		c := cols[j]
		w := 0.0
		if c.layout != nil {
			w = c.layout.Width
		}
		if w <= 0 {
			w = fitWidth(t, j)
		}
		if err := sw.SetColWidth(j+1, j+1, w); err != nil {
			return err
		}
		if c.layout != nil && c.layout.Hidden {
			if err := sw.SetColVisible(j+1, j+1, false); err != nil {
				return err
			}
		}
		if c.style == st.editable {
			// New rows a person types are unlocked in the editable columns too.
			if err := sw.SetColStyle(j+1, j+1, st.editable); err != nil {
				return err
			}
		}
	}
	if width > 0 {
		if err := sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		}); err != nil {
			return err
		}
	}

	values := make([]any, width)
	if width > 0 {
		for j := range width {
			c := excelize.Cell{StyleID: st.header}
			if h := cellAt(t.header, j); h != "" {
				c.Value = h
			}
			values[j] = c
		}
		if err := sw.SetRow("A1", values); err != nil {
			return err
		}
	}
	n := 1
	for i, r := range t.rows {
		if blankRow(r) {
			continue
		}
		n++
		for j := range width {
			values[j] = excelize.Cell{StyleID: cols[j].style, Value: cellValue(t, i, j, cols[j].number)}
		}
		if err := sw.SetRow("A"+strconv.Itoa(n), values); err != nil {
			return err
		}
	}
	if width > 0 {
		if err := f.AutoFilter(t.name, "A1:"+cellName(width, n), nil); err != nil {
			return err
		}
	}
	for j, c := range cols {
		if c.layout == nil {
			continue
		}
		if err := presentColumn(f, st, t.name, j+1, c.layout); err != nil {
			return fmt.Errorf("column %q: %w", c.layout.Name, err)
		}
	}
	if summary && width > 1 && n > 1 {
		if err := addChart(f, t.name, layout.Summary.ChartTitle, width, n); err != nil {
			return fmt.Errorf("chart: %w", err)
		}
	}
	return sw.Flush()
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

// fitWidth returns a width that shows column j's widest value, up to maxFitWidth.
func fitWidth(t renderTab, j int) float64 {
	w := textWidth(cellAt(t.header, j)) + 3 // the header is bold and carries the filter button
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
	return float64(min(max(w+1, minFitWidth), maxFitWidth))
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

// addChart draws the summary: a stacked column chart with the first column as categories
// and one series per other column, to the right of the table.
func addChart(f *excelize.File, tab, title string, width, lastDataRow int) error {
	q := "'" + strings.ReplaceAll(tab, "'", "''") + "'!"
	categories := fmt.Sprintf("%s$A$2:$A$%d", q, lastDataRow)
	var series []excelize.ChartSeries
	for j := 2; j <= width; j++ {
		l := columnName(j)
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s$%s$1", q, l),
			Categories: categories,
			Values:     fmt.Sprintf("%s$%s$2:$%s$%d", q, l, l, lastDataRow),
		})
	}
	return f.AddChart(tab, cellName(width+2, 2), &excelize.Chart{
		Type:      excelize.ColStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 640, Height: 360},
	})
}

// utf16Len counts text as Excel does: in UTF-16 units.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
