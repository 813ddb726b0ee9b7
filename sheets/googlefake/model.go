package googlefake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	sheetsapi "google.golang.org/api/sheets/v4"
)

// Default grid of a new tab, as Google makes it.
const (
	defaultRows    = 1000
	defaultColumns = 26
	// maxCells is the most cells a spreadsheet may have.
	maxCells   = 10_000_000
	defaultPix = 100
)

type valueKind uint8

const (
	empty valueKind = iota
	text
	number
	boolean
	formula
)

// cell is one cell: a value (text, number, bool or formula), and its presentation.
type cell struct {
	kind       valueKind
	s          string // text, or a formula's text
	n          float64
	b          bool
	validation *sheetsapi.DataValidationRule // shared, never changed in place
	format     *sheetsapi.CellFormat         // shared, never changed in place
}

// sheet is one tab.
type sheet struct {
	props     *sheetsapi.SheetProperties
	rows      [][]cell // len <= rowCount; each row's len <= columnCount
	cols      []*sheetsapi.DimensionProperties
	protected []*sheetsapi.ProtectedRange
	rules     []*sheetsapi.ConditionalFormatRule
	charts    []*sheetsapi.EmbeddedChart
}

type spreadsheet struct {
	id, title  string
	sharers    map[string]string
	sheets     []*sheet
	nextObject int64
}

func (sh *sheet) rowCount() int { return int(sh.props.GridProperties.RowCount) }
func (sh *sheet) colCount() int { return int(sh.props.GridProperties.ColumnCount) }
func (sh *sheet) title() string { return sh.props.Title }

func (sh *sheet) at(r, c int) cell {
	if r < len(sh.rows) && c < len(sh.rows[r]) {
		return sh.rows[r][c]
	}
	return cell{}
}

// ref returns a pointer to a cell inside the grid, growing the backing slices.
func (sh *sheet) ref(r, c int) *cell {
	for len(sh.rows) <= r {
		sh.rows = append(sh.rows, nil)
	}
	if len(sh.rows[r]) <= c {
		row := make([]cell, c+1, max(c+1, sh.colCount()))
		copy(row, sh.rows[r])
		sh.rows[r] = row
	}
	return &sh.rows[r][c]
}

// resize sets the grid's size, dropping cells outside it.
func (sh *sheet) resize(rows, cols int) {
	sh.props.GridProperties.RowCount = int64(rows)
	sh.props.GridProperties.ColumnCount = int64(cols)
	if len(sh.rows) > rows {
		sh.rows = sh.rows[:rows]
	}
	for i, r := range sh.rows {
		if len(r) > cols {
			sh.rows[i] = r[:cols]
		}
	}
	for len(sh.cols) < cols {
		sh.cols = append(sh.cols, &sheetsapi.DimensionProperties{PixelSize: defaultPix})
	}
	sh.cols = sh.cols[:cols]
}

func newSheet(id int64, title string, rows, cols int) *sheet {
	sh := &sheet{props: &sheetsapi.SheetProperties{
		SheetId: id, Title: title, SheetType: "GRID",
		GridProperties: &sheetsapi.GridProperties{},
	}}
	sh.resize(rows, cols)
	return sh
}

func (b *spreadsheet) byTitle(title string) *sheet {
	for _, sh := range b.sheets {
		if sh.props.Title == title {
			return sh
		}
	}
	return nil
}

func (b *spreadsheet) byID(id int64) *sheet {
	for _, sh := range b.sheets {
		if sh.props.SheetId == id {
			return sh
		}
	}
	return nil
}

func (b *spreadsheet) reindex() {
	for i, sh := range b.sheets {
		sh.props.Index = int64(i)
	}
}

func (b *spreadsheet) cells() int {
	n := 0
	for _, sh := range b.sheets {
		n += sh.rowCount() * sh.colCount()
	}
	return n
}

// clone copies the spreadsheet deeply enough that changing the copy leaves b as it was
// (shared formats and validation rules are never changed in place).
func (b *spreadsheet) clone() *spreadsheet {
	c := &spreadsheet{id: b.id, title: b.title, sharers: b.sharers, nextObject: b.nextObject}
	for _, sh := range b.sheets {
		n := &sheet{}
		p := *sh.props
		g := *sh.props.GridProperties
		p.GridProperties = &g
		n.props = &p
		n.rows = make([][]cell, len(sh.rows))
		for i, r := range sh.rows {
			n.rows[i] = append([]cell(nil), r...)
		}
		for _, d := range sh.cols {
			dc := *d
			n.cols = append(n.cols, &dc)
		}
		n.protected = append(n.protected, sh.protected...)
		n.rules = append(n.rules, sh.rules...)
		n.charts = append(n.charts, sh.charts...)
		c.sheets = append(c.sheets, n)
	}
	return c
}

// rect is a range of cells: rows [r0, r1), columns [c0, c1) of a sheet; r1 or c1 is -1
// when the range is open to the end of the grid.
type rect struct {
	sh             *sheet
	r0, r1, c0, c1 int
	// cell: the range was one cell ("A1"); values written to it may extend beyond it.
	cell bool
}

// bounded reports whether the range names its last row and column.
func (r rect) bounded() bool { return r.r1 >= 0 && r.c1 >= 0 }

// clip returns the range with open ends closed at the grid's edge.
func (r rect) clip() rect {
	if r.r1 < 0 {
		r.r1 = r.sh.rowCount()
	}
	if r.c1 < 0 {
		r.c1 = r.sh.colCount()
	}
	return r
}

// a1 writes the range as Google answers it: 'Tab'!A1:C3.
func (r rect) a1() string {
	r = r.clip()
	name := quoteTitle(r.sh.title())
	if r.r1 <= r.r0 || r.c1 <= r.c0 {
		return name
	}
	first := colName(r.c0) + strconv.Itoa(r.r0+1)
	last := colName(r.c1-1) + strconv.Itoa(r.r1)
	if first == last {
		return name + "!" + first
	}
	return name + "!" + first + ":" + last
}

func (r rect) checkGrid(orig string) error {
	if (r.r1 >= 0 && r.r1 > r.sh.rowCount()) || (r.c1 >= 0 && r.c1 > r.sh.colCount()) ||
		r.r0 >= r.sh.rowCount() || r.c0 >= r.sh.colCount() {
		return exceeds(orig, r.sh)
	}
	return nil
}

func exceeds(what string, sh *sheet) error {
	return invalid("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d", what, sh.rowCount(), sh.colCount())
}

// quoteTitle quotes a tab's title for A1 notation when it needs it.
func quoteTitle(t string) string {
	plain := t != ""
	for i, r := range t {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		if _, _, ok := parsePoint(t); ok { // looks like a cell reference
			plain = false
		}
	}
	if plain {
		return t
	}
	return "'" + strings.ReplaceAll(t, "'", "''") + "'"
}

// colName is the letters of a 0-based column: 0 is A, 26 is AA.
func colName(c int) string {
	s := ""
	for c++; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}

// parsePoint parses one end of an A1 range: letters and/or digits. col and row are 0-based,
// -1 when absent.
func parsePoint(s string) (col, row int, ok bool) {
	i := 0
	col, row = -1, -1
	for i < len(s) && (s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z') {
		i++
	}
	if i > 3 {
		return 0, 0, false
	}
	if i > 0 {
		c := 0
		for _, ch := range strings.ToUpper(s[:i]) {
			c = c*26 + int(ch-'A'+1)
		}
		col = c - 1
	}
	if i < len(s) {
		n, err := strconv.Atoi(s[i:])
		if err != nil || n < 1 || s[i] == '+' || s[i] == '-' {
			return 0, 0, false
		}
		row = n - 1
	}
	return col, row, i > 0 || row >= 0
}

// parseRange resolves A1 notation ("'Pods'!A1:C", "Pods", "A1:B2") against the spreadsheet.
func (b *spreadsheet) parseRange(s string) (rect, error) {
	bad := invalid("Unable to parse range: %s", s)
	var title, ref string
	hasRef := false
	switch {
	case strings.HasPrefix(s, "'"):
		var sb strings.Builder
		i := 1
		for ; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					sb.WriteByte('\'')
					i++
					continue
				}
				break
			}
			sb.WriteByte(s[i])
		}
		if i >= len(s) {
			return rect{}, bad
		}
		title = sb.String()
		rest := s[i+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, "!") {
				return rect{}, bad
			}
			ref, hasRef = rest[1:], true
		}
	case strings.Contains(s, "!"):
		title, ref, _ = strings.Cut(s, "!")
		hasRef = true
	default:
		if b.byTitle(s) != nil {
			title = s
		} else {
			ref, hasRef = s, true
		}
	}
	var sh *sheet
	if title == "" && hasRef {
		if len(b.sheets) == 0 {
			return rect{}, bad
		}
		sh = b.sheets[0]
	} else if sh = b.byTitle(title); sh == nil {
		return rect{}, bad
	}
	r := rect{sh: sh, r1: -1, c1: -1}
	if !hasRef {
		return r, nil
	}
	first, last, two := strings.Cut(ref, ":")
	c0, r0, ok := parsePoint(first)
	if !ok {
		return rect{}, bad
	}
	if !two {
		if c0 < 0 || r0 < 0 {
			return rect{}, bad
		}
		return rect{sh: sh, r0: r0, r1: r0 + 1, c0: c0, c1: c0 + 1, cell: true}, nil
	}
	c1, r1, ok := parsePoint(last)
	if !ok {
		return rect{}, bad
	}
	// "A:B" (columns), "1:2" (rows), "A1:B" (open rows), "A1:2" (open columns), "A1:B2".
	if (c0 < 0) != (c1 < 0) && r0 < 0 {
		return rect{}, bad
	}
	r.c0, r.r0 = max(c0, 0), max(r0, 0)
	if c1 >= 0 {
		r.c1 = c1 + 1
	}
	if r1 >= 0 {
		r.r1 = r1 + 1
	}
	if (r.c1 >= 0 && r.c1 <= r.c0) || (r.r1 >= 0 && r.r1 <= r.r0) {
		// Google accepts reversed ends; normalise them.
		if r.c1 >= 0 && r.c1 <= r.c0 {
			r.c0, r.c1 = r.c1-1, r.c0+1
		}
		if r.r1 >= 0 && r.r1 <= r.r0 {
			r.r0, r.r1 = r.r1-1, r.r0+1
		}
	}
	return r, nil
}

// formatNumber is a number as the default "automatic" format shows it.
func formatNumber(n float64) string {
	if math.Abs(n) >= 1e15 {
		return strings.ToUpper(strconv.FormatFloat(n, 'E', -1, 64))
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// value is a cell's value as a value range carries it under a render option.
func (c cell) value(render string) any {
	switch c.kind {
	case text:
		return c.s
	case number:
		if render == "FORMATTED_VALUE" {
			return formatNumber(c.n)
		}
		return c.n
	case boolean:
		if render == "FORMATTED_VALUE" {
			if c.b {
				return "TRUE"
			}
			return "FALSE"
		}
		return c.b
	case formula:
		if render == "FORMULA" {
			return c.s
		}
		return "#NAME?"
	}
	return ""
}

// formatted is the text a person sees in the cell.
func (c cell) formatted() string {
	v := c.value("FORMATTED_VALUE")
	return v.(string)
}

// values returns the cells of r, trimmed of trailing empty cells and rows.
func (r rect) values(render, major string) [][]any {
	r = r.clip()
	var out [][]any
	if major == "COLUMNS" {
		for c := r.c0; c < min(r.c1, r.sh.colCount()); c++ {
			var col []any
			last := -1
			for row := r.r0; row < min(r.r1, r.sh.rowCount()); row++ {
				cl := r.sh.at(row, c)
				col = append(col, cl.value(render))
				if cl.kind != empty {
					last = row - r.r0
				}
			}
			out = append(out, col[:last+1])
		}
	} else {
		for row := r.r0; row < min(r.r1, r.sh.rowCount()); row++ {
			var vals []any
			last := -1
			for c := r.c0; c < min(r.c1, r.sh.colCount()); c++ {
				cl := r.sh.at(row, c)
				vals = append(vals, cl.value(render))
				if cl.kind != empty {
					last = c - r.c0
				}
			}
			out = append(out, vals[:last+1])
		}
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	for i := range out {
		if out[i] == nil {
			out[i] = []any{}
		}
	}
	return out
}

func (b *spreadsheet) batchGet(q url.Values) (any, error) {
	render := q.Get("valueRenderOption")
	switch render {
	case "":
		render = "FORMATTED_VALUE"
	case "FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA":
	default:
		return nil, invalid("Invalid value at 'value_render_option' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), %q", render)
	}
	major := q.Get("majorDimension")
	switch major {
	case "", "DIMENSION_UNSPECIFIED":
		major = "ROWS"
	case "ROWS", "COLUMNS":
	default:
		return nil, invalid("Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), %q", major)
	}
	type valueRange struct {
		Range          string  `json:"range"`
		MajorDimension string  `json:"majorDimension"`
		Values         [][]any `json:"values,omitempty"`
	}
	out := []valueRange{}
	for _, s := range q["ranges"] {
		r, err := b.parseRange(s)
		if err != nil {
			return nil, err
		}
		if r.bounded() {
			if err := r.checkGrid(s); err != nil {
				return nil, err
			}
		}
		out = append(out, valueRange{Range: r.a1(), MajorDimension: major, Values: r.values(render, major)})
	}
	return map[string]any{"spreadsheetId": b.id, "valueRanges": out}, nil
}

// parseUserEntered reads text as if a person typed it: numbers, booleans and formulas are
// recognised; a leading apostrophe keeps the rest as text. Dates are left as text.
func parseUserEntered(s string) cell {
	switch {
	case s == "":
		return cell{}
	case strings.HasPrefix(s, "'"):
		return cell{kind: text, s: s[1:]}
	case strings.HasPrefix(s, "=") && len(s) > 1:
		return cell{kind: formula, s: s}
	case strings.EqualFold(s, "TRUE"):
		return cell{kind: boolean, b: true}
	case strings.EqualFold(s, "FALSE"):
		return cell{kind: boolean}
	}
	if n, ok := plainNumber(strings.TrimSpace(s)); ok {
		return cell{kind: number, n: n}
	}
	return cell{kind: text, s: s}
}

// plainNumber parses a decimal number such as a person types: "3", "-1", "2.5", "1e3".
func plainNumber(s string) (float64, bool) {
	if s == "" || strings.Trim(s, "0123456789.eE+-") != "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, false
	}
	return n, true
}

func (b *spreadsheet) valuesBatchUpdate(r *http.Request) (any, error) {
	var req sheetsapi.BatchUpdateValuesRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, invalid("Invalid JSON payload received. %v", err)
	}
	switch req.ValueInputOption {
	case "RAW", "USER_ENTERED":
	case "":
		return nil, invalid("'valueInputOption' is required but not specified")
	default:
		return nil, invalid("Invalid value at 'data.value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), %q", req.ValueInputOption)
	}
	type write struct {
		rect
		major  string
		values [][]any
	}
	var writes []write
	for i, d := range req.Data {
		if d == nil {
			return nil, invalid("Invalid data[%d]: missing range", i)
		}
		rg, err := b.parseRange(d.Range)
		if err != nil {
			return nil, err
		}
		major := d.MajorDimension
		if major == "" || major == "DIMENSION_UNSPECIFIED" {
			major = "ROWS"
		}
		if major != "ROWS" && major != "COLUMNS" {
			return nil, invalid("Invalid data[%d]: majorDimension %q", i, major)
		}
		height, width := len(d.Values), 0
		for _, row := range d.Values {
			width = max(width, len(row))
		}
		if major == "COLUMNS" {
			height, width = width, height
		}
		if rg.cell {
			rg.r1, rg.c1 = -1, -1
		}
		if rg.bounded() {
			if rg.r0+height > rg.r1 {
				return nil, invalid("Requested writing within range [%s], but tried writing to row [%d]", d.Range, rg.r0+height)
			}
			if rg.c0+width > rg.c1 {
				return nil, invalid("Requested writing within range [%s], but tried writing to column [%s]", d.Range, colName(rg.c0+width-1))
			}
		}
		sh := rg.sh
		if rg.r0+height > sh.rowCount() || rg.c0+width > sh.colCount() || (rg.bounded() && (rg.r1 > sh.rowCount() || rg.c1 > sh.colCount())) {
			r0, c0 := rg.r0, rg.c0
			if rg.r0+height > sh.rowCount() || rg.r1 > sh.rowCount() {
				r0 = max(r0, sh.rowCount())
			} else {
				c0 = max(c0, sh.colCount())
			}
			return nil, exceeds(quoteTitle(sh.title())+"!"+colName(c0)+strconv.Itoa(r0+1), sh)
		}
		for _, row := range d.Values {
			for _, v := range row {
				switch v.(type) {
				case nil, string, float64, bool:
				default:
					return nil, invalid("Invalid values[%d]: %T", i, v)
				}
			}
		}
		writes = append(writes, write{rg, major, d.Values})
	}
	type response struct {
		SpreadsheetID  string `json:"spreadsheetId"`
		UpdatedRange   string `json:"updatedRange"`
		UpdatedRows    int    `json:"updatedRows"`
		UpdatedColumns int    `json:"updatedColumns"`
		UpdatedCells   int    `json:"updatedCells"`
	}
	var responses []response
	total := response{}
	touched := map[*sheet]bool{}
	for _, w := range writes {
		cells, rows, cols := 0, 0, 0
		for i, row := range w.values {
			for j, v := range row {
				r, c := w.r0+i, w.c0+j
				if w.major == "COLUMNS" {
					r, c = w.r0+j, w.c0+i
				}
				if v == nil {
					continue
				}
				var nc cell
				switch v := v.(type) {
				case string:
					if req.ValueInputOption == "RAW" {
						if v != "" {
							nc = cell{kind: text, s: v}
						}
					} else {
						nc = parseUserEntered(v)
					}
				case float64:
					nc = cell{kind: number, n: v}
				case bool:
					nc = cell{kind: boolean, b: v}
				}
				p := w.sh.ref(r, c)
				p.kind, p.s, p.n, p.b = nc.kind, nc.s, nc.n, nc.b
				cells++
				rows = max(rows, r-w.r0+1)
				cols = max(cols, c-w.c0+1)
			}
		}
		touched[w.sh] = true
		ext := rect{sh: w.sh, r0: w.r0, c0: w.c0, r1: w.r0 + max(rows, 1), c1: w.c0 + max(cols, 1)}
		responses = append(responses, response{b.id, ext.a1(), rows, cols, cells})
		total.UpdatedRows += rows
		total.UpdatedColumns = max(total.UpdatedColumns, cols)
		total.UpdatedCells += cells
	}
	return map[string]any{
		"spreadsheetId":       b.id,
		"totalUpdatedRows":    total.UpdatedRows,
		"totalUpdatedColumns": total.UpdatedColumns,
		"totalUpdatedCells":   total.UpdatedCells,
		"totalUpdatedSheets":  len(touched),
		"responses":           responses,
	}, nil
}

// get answers spreadsheets.get: properties, tabs, and grid data for the ranges asked.
func (b *spreadsheet) get(q url.Values) (any, error) {
	fields := q.Get("fields")
	mask, err := parseFieldMask(fields)
	if err != nil {
		return nil, err
	}
	withData := q.Get("includeGridData") == "true"
	if fields != "" {
		withData = mask.mentions("sheets", "data")
	}
	ranges := map[*sheet][]rect{}
	for _, s := range q["ranges"] {
		r, err := b.parseRange(s)
		if err != nil {
			return nil, err
		}
		if r.bounded() {
			if err := r.checkGrid(s); err != nil {
				return nil, err
			}
		}
		ranges[r.sh] = append(ranges[r.sh], r)
	}
	if len(q["ranges"]) == 0 {
		for _, sh := range b.sheets {
			ranges[sh] = []rect{{sh: sh, r1: -1, c1: -1}}
		}
	}
	out := &sheetsapi.Spreadsheet{
		SpreadsheetId:  b.id,
		SpreadsheetUrl: "https://docs.google.com/spreadsheets/d/" + b.id + "/edit",
		Properties:     &sheetsapi.SpreadsheetProperties{Title: b.title, Locale: "en_US", TimeZone: "Etc/GMT", AutoRecalc: "ON_CHANGE"},
	}
	for _, sh := range b.sheets {
		if ranges[sh] == nil {
			continue
		}
		out.Sheets = append(out.Sheets, sh.api(withData, ranges[sh]))
	}
	return mask.filter(out)
}

// api is the tab as spreadsheets.get answers it.
func (sh *sheet) api(withData bool, ranges []rect) *sheetsapi.Sheet {
	p := *sh.props
	g := *sh.props.GridProperties
	p.GridProperties = &g
	s := &sheetsapi.Sheet{Properties: &p, ProtectedRanges: sh.protected, ConditionalFormats: sh.rules, Charts: sh.charts}
	if !withData {
		return s
	}
	for _, r := range ranges {
		r = r.clip()
		if r.r1 > sh.rowCount() {
			r.r1 = sh.rowCount()
		}
		if r.c1 > sh.colCount() {
			r.c1 = sh.colCount()
		}
		gd := &sheetsapi.GridData{StartRow: int64(r.r0), StartColumn: int64(r.c0)}
		for c := r.c0; c < r.c1; c++ {
			d := *sh.cols[c]
			gd.ColumnMetadata = append(gd.ColumnMetadata, &d)
		}
		// Rows past the last one with content are left out, as Google does.
		last := min(r.r1, len(sh.rows))
		for row := r.r0; row < last; row++ {
			rd := &sheetsapi.RowData{}
			for c := r.c0; c < r.c1; c++ {
				rd.Values = append(rd.Values, sh.at(row, c).api())
			}
			gd.RowData = append(gd.RowData, rd)
		}
		s.Data = append(s.Data, gd)
	}
	return s
}

// api is the cell as CellData.
func (c cell) api() *sheetsapi.CellData {
	d := &sheetsapi.CellData{DataValidation: c.validation, UserEnteredFormat: c.format}
	if c.kind == empty {
		return d
	}
	d.FormattedValue = c.formatted()
	v := &sheetsapi.ExtendedValue{}
	switch c.kind {
	case text:
		s := c.s
		v.StringValue = &s
	case number:
		n := c.n
		v.NumberValue = &n
	case boolean:
		b := c.b
		v.BoolValue = &b
	case formula:
		f := c.s
		v.FormulaValue = &f
		d.EffectiveValue = &sheetsapi.ExtendedValue{ErrorValue: &sheetsapi.ErrorValue{Type: "NAME", Message: "the fake does not evaluate formulas"}}
	}
	d.UserEnteredValue = v
	if d.EffectiveValue == nil {
		d.EffectiveValue = v
	}
	return d
}

// mustJSON is for values the fake built itself.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("googlefake: %v", err))
	}
	return b
}
