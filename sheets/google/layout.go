package google

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/api/googleapi"
	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/sheetops/sheetops/sheets"
)

// part is one aspect of a tab's presentation.
type part uint

const (
	partFrozen     part = 1 << iota // the header row is frozen
	partColumns                     // hidden identity columns, column widths
	partHeader                      // the header row is bold on blue
	partReadOnly                    // read-only cells are grey
	partProtect                     // read-only cells are protected (with a warning)
	partValidation                  // editable cells carry data validation
	partColors                      // status colours (conditional formats)
	partChart                       // the summary's chart
	allParts       = partFrozen | partColumns | partHeader | partReadOnly | partProtect | partValidation | partColors | partChart
)

var partNames = []string{"frozen header", "columns", "header format", "read-only format", "protection", "validation", "colours", "chart"}

func (p part) String() string {
	var names []string
	for i, n := range partNames {
		if p&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// chartColumns are the columns a summary tab has beyond its table, for the chart.
const chartColumns = 8

// protectPrefix starts the description of the protected ranges SheetOps adds.
const protectPrefix = "SheetOps: "

func rgb(hex int) *sheetsapi.Color {
	return &sheetsapi.Color{
		Red:   float64(hex>>16&0xff) / 255,
		Green: float64(hex>>8&0xff) / 255,
		Blue:  float64(hex&0xff) / 255,
	}
}

// The colours, as in the xlsx backend.
var (
	headerFill   = 0xD9E1F2
	readOnlyFill = 0xF2F2F2
	readOnlyText = 0x595959
	statusColors = map[sheets.Color][2]int{
		sheets.Green:  {0xC6EFCE, 0x006100},
		sheets.Yellow: {0xFFEB9C, 0x9C5700},
		sheets.Red:    {0xFFC7CE, 0x9C0006},
		sheets.Grey:   {0xD9D9D9, 0x404040},
	}
)

// pixels is a width in characters as pixels of the default font.
func pixels(chars float64) int64 { return int64(chars*7 + 14) }

// fitChars is the width in characters that shows column c's header and first rows.
func fitChars(header []string, rows [][]string, c int) float64 {
	w := utf8.RuneCountInString(header[c]) + 2 // the header is bold
	for i, r := range rows {
		if i == 500 {
			break
		}
		if c < len(r) {
			for _, line := range strings.Split(r[c], "\n") {
				w = max(w, utf8.RuneCountInString(line))
			}
		}
	}
	return float64(min(max(w+1, 6), 60))
}

// columnsOf maps the layout's columns to their positions in the header; columns the header
// lacks are left out.
func columnsOf(tl *sheets.TabLayout, header []string) map[int]*sheets.Column {
	m := map[int]*sheets.Column{}
	for i := range tl.Columns {
		if c := slices.Index(header, tl.Columns[i].Name); c >= 0 {
			m[c] = &tl.Columns[i]
		}
	}
	return m
}

func hasEditable(tl *sheets.TabLayout) bool {
	return slices.ContainsFunc(tl.Columns, func(c sheets.Column) bool { return c.Editable })
}

func protectDescription(tab string, editable bool) string {
	if editable {
		return protectPrefix + tab + " is rendered from the cluster; type only in the white columns"
	}
	return protectPrefix + tab + " is rendered from the cluster"
}

// layoutRequests are the requests that give a tab the parts of its presentation.
// rows, when given, fit the widths of columns without one.
func layoutRequests(info tabInfo, tl *sheets.TabLayout, header []string, rows [][]string, summary *sheets.SummaryLayout, parts part) []*sheetsapi.Request {
	var reqs []*sheetsapi.Request
	add := func(r *sheetsapi.Request) { reqs = append(reqs, r) }
	cols := columnsOf(tl, header)
	order := make([]int, 0, len(cols))
	for c := range cols {
		order = append(order, c)
	}
	slices.Sort(order)
	sid := info.id
	column := func(c int) *sheetsapi.GridRange {
		return &sheetsapi.GridRange{SheetId: sid, StartRowIndex: 1, StartColumnIndex: int64(c), EndColumnIndex: int64(c + 1)}
	}
	editable := hasEditable(tl)
	if parts&partFrozen != 0 {
		add(&sheetsapi.Request{UpdateSheetProperties: &sheetsapi.UpdateSheetPropertiesRequest{
			Properties: &sheetsapi.SheetProperties{SheetId: sid, GridProperties: &sheetsapi.GridProperties{FrozenRowCount: 1}},
			Fields:     "gridProperties.frozenRowCount",
		}})
	}
	if parts&partColumns != 0 {
		for _, c := range order {
			col := cols[c]
			props := &sheetsapi.DimensionProperties{}
			fields := ""
			switch {
			case col.Hidden:
				props.HiddenByUser, fields = true, "hiddenByUser"
			case col.Width > 0:
				props.PixelSize, fields = pixels(col.Width), "pixelSize"
			case rows != nil:
				props.PixelSize, fields = pixels(fitChars(header, rows, c)), "pixelSize"
			default:
				continue
			}
			add(&sheetsapi.Request{UpdateDimensionProperties: &sheetsapi.UpdateDimensionPropertiesRequest{
				Range:      &sheetsapi.DimensionRange{SheetId: sid, Dimension: "COLUMNS", StartIndex: int64(c), EndIndex: int64(c + 1)},
				Properties: props, Fields: fields,
			}})
		}
		for _, c := range order {
			if cols[c].Wrap && !cols[c].Hidden {
				add(&sheetsapi.Request{RepeatCell: &sheetsapi.RepeatCellRequest{
					Range:  column(c),
					Cell:   &sheetsapi.CellData{UserEnteredFormat: &sheetsapi.CellFormat{WrapStrategy: "WRAP"}},
					Fields: "userEnteredFormat.wrapStrategy",
				}})
			}
		}
	}
	if parts&partHeader != 0 && len(header) > 0 {
		add(&sheetsapi.Request{RepeatCell: &sheetsapi.RepeatCellRequest{
			Range: &sheetsapi.GridRange{SheetId: sid, StartRowIndex: 0, EndRowIndex: 1, StartColumnIndex: 0, EndColumnIndex: int64(len(header))},
			Cell: &sheetsapi.CellData{UserEnteredFormat: &sheetsapi.CellFormat{
				BackgroundColor: rgb(headerFill), TextFormat: &sheetsapi.TextFormat{Bold: true},
			}},
			Fields: "userEnteredFormat(backgroundColor,textFormat.bold)",
		}})
	}
	if parts&partReadOnly != 0 && editable {
		// One request per run of adjacent read-only columns.
		for i := 0; i < len(order); {
			c := order[i]
			if cols[c].Editable || cols[c].Hidden {
				i++
				continue
			}
			end := c + 1
			for i++; i < len(order) && order[i] == end && !cols[end].Editable && !cols[end].Hidden; i++ {
				end++
			}
			add(&sheetsapi.Request{RepeatCell: &sheetsapi.RepeatCellRequest{
				Range: &sheetsapi.GridRange{SheetId: sid, StartRowIndex: 1, StartColumnIndex: int64(c), EndColumnIndex: int64(end)},
				Cell: &sheetsapi.CellData{UserEnteredFormat: &sheetsapi.CellFormat{
					BackgroundColor: rgb(readOnlyFill), TextFormat: &sheetsapi.TextFormat{ForegroundColor: rgb(readOnlyText)},
				}},
				Fields: "userEnteredFormat(backgroundColor,textFormat.foregroundColor)",
			}})
		}
	}
	if parts&partProtect != 0 {
		add(&sheetsapi.Request{AddProtectedRange: &sheetsapi.AddProtectedRangeRequest{ProtectedRange: protection(sid, tl, cols, order)}})
	}
	if parts&partValidation != 0 {
		for _, c := range order {
			if rule := validation(cols[c], c); rule != nil {
				add(&sheetsapi.Request{SetDataValidation: &sheetsapi.SetDataValidationRequest{Range: column(c), Rule: rule}})
			}
		}
	}
	if parts&partColors != 0 {
		rules := colorRules(sid, cols, order)
		// Each rule goes first; adding them last to first keeps their order.
		for i := len(rules) - 1; i >= 0; i-- {
			add(&sheetsapi.Request{AddConditionalFormatRule: &sheetsapi.AddConditionalFormatRuleRequest{Rule: rules[i], Index: 0}})
		}
	}
	if parts&partChart != 0 && summary != nil && summary.Name == tl.Name && len(header) > 1 {
		add(&sheetsapi.Request{AddChart: &sheetsapi.AddChartRequest{Chart: summaryChart(info, summary, header)}})
	}
	return reqs
}

// protection protects the whole tab with a warning, except the editable columns below
// the header.
func protection(sid int64, tl *sheets.TabLayout, cols map[int]*sheets.Column, order []int) *sheetsapi.ProtectedRange {
	p := &sheetsapi.ProtectedRange{
		Range:       &sheetsapi.GridRange{SheetId: sid},
		Description: protectDescription(tl.Name, hasEditable(tl)),
		WarningOnly: true,
	}
	for _, c := range order {
		if cols[c].Editable {
			p.UnprotectedRanges = append(p.UnprotectedRanges, &sheetsapi.GridRange{SheetId: sid, StartRowIndex: 1, StartColumnIndex: int64(c), EndColumnIndex: int64(c + 1)})
		}
	}
	return p
}

// validation is the data validation of an editable column, or nil.
func validation(col *sheets.Column, c int) *sheetsapi.DataValidationRule {
	if !col.Editable {
		return nil
	}
	letter := colName(c) + "2" // the first cell below the header; relative, it moves down the column
	switch {
	case col.WholeNumber != nil:
		lo, hi := col.WholeNumber.Min, col.WholeNumber.Max
		return &sheetsapi.DataValidationRule{
			Condition: &sheetsapi.BooleanCondition{Type: "CUSTOM_FORMULA", Values: []*sheetsapi.ConditionValue{{
				UserEnteredValue: fmt.Sprintf("=AND(ISNUMBER(%[1]s),%[1]s=INT(%[1]s),%[1]s>=%[2]d,%[1]s<=%[3]d)", letter, lo, hi),
			}}},
			InputMessage: fmt.Sprintf("%s: a whole number from %d to %d", col.Name, lo, hi),
			Strict:       true,
		}
	case len(col.List) > 0:
		var vals []*sheetsapi.ConditionValue
		for _, v := range col.List {
			vals = append(vals, &sheetsapi.ConditionValue{UserEnteredValue: v})
		}
		return &sheetsapi.DataValidationRule{
			Condition:    &sheetsapi.BooleanCondition{Type: "ONE_OF_LIST", Values: vals},
			InputMessage: fmt.Sprintf("%s: one of %s, or empty", col.Name, strings.Join(col.List, ", ")),
			ShowCustomUi: true,
			Strict:       true,
		}
	}
	return nil
}

// colorRules are the conditional formats of the tab's status colours.
func colorRules(sid int64, cols map[int]*sheets.Column, order []int) []*sheetsapi.ConditionalFormatRule {
	var rules []*sheetsapi.ConditionalFormatRule
	for _, c := range order {
		for _, r := range cols[c].Colors {
			colors, ok := statusColors[r.Color]
			formula, err := r.Formula(colName(c)+"2", utf8.RuneCountInString)
			if !ok || err != nil {
				continue // an unknown colour or match: nothing to draw
			}
			rules = append(rules, &sheetsapi.ConditionalFormatRule{
				Ranges: []*sheetsapi.GridRange{{SheetId: sid, StartRowIndex: 1, StartColumnIndex: int64(c), EndColumnIndex: int64(c + 1)}},
				BooleanRule: &sheetsapi.BooleanRule{
					Condition: &sheetsapi.BooleanCondition{Type: "CUSTOM_FORMULA", Values: []*sheetsapi.ConditionValue{{UserEnteredValue: "=" + formula}}},
					Format:    &sheetsapi.CellFormat{BackgroundColor: rgb(colors[0]), TextFormat: &sheetsapi.TextFormat{ForegroundColor: rgb(colors[1])}},
				},
			})
		}
	}
	return rules
}

// summaryChart is a stacked column chart of the summary table: the first column as
// categories, one series per column the layout names (every other column when it names
// none), in the layout's colours, to the right of the table.
func summaryChart(info tabInfo, summary *sheets.SummaryLayout, header []string) *sheetsapi.EmbeddedChart {
	source := func(c int) *sheetsapi.ChartData {
		return &sheetsapi.ChartData{SourceRange: &sheetsapi.ChartSourceRange{Sources: []*sheetsapi.GridRange{{
			SheetId: info.id, StartRowIndex: 0, EndRowIndex: int64(info.rows), StartColumnIndex: int64(c), EndColumnIndex: int64(c + 1),
		}}}}
	}
	spec := &sheetsapi.BasicChartSpec{
		ChartType: "COLUMN", StackedType: "STACKED", LegendPosition: "BOTTOM_LEGEND", HeaderCount: 1,
		Domains: []*sheetsapi.BasicChartDomain{{Domain: source(0)}},
	}
	series := summary.Series
	if len(series) == 0 {
		for _, h := range header[1:] {
			series = append(series, sheets.SummarySeries{Column: h})
		}
	}
	for _, s := range series {
		c := slices.Index(header, s.Column)
		if c <= 0 {
			continue
		}
		cs := &sheetsapi.BasicChartSeries{Series: source(c), TargetAxis: "LEFT_AXIS"}
		if hex, err := strconv.ParseUint(s.Color, 16, 24); err == nil && len(s.Color) == 6 {
			cs.ColorStyle = &sheetsapi.ColorStyle{RgbColor: rgb(int(hex))}
		}
		spec.Series = append(spec.Series, cs)
	}
	return &sheetsapi.EmbeddedChart{
		Spec: &sheetsapi.ChartSpec{Title: summary.ChartTitle, BasicChart: spec},
		Position: &sheetsapi.EmbeddedObjectPosition{OverlayPosition: &sheetsapi.OverlayPosition{
			AnchorCell:  &sheetsapi.GridCoordinate{SheetId: info.id, RowIndex: 1, ColumnIndex: int64(min(len(header)+1, info.cols-1))},
			WidthPixels: 560, HeightPixels: 320,
		}},
	}
}

// inspectFields are what a layout check reads of each tab.
const inspectFields = "sheets(" + tabFields +
	",protectedRanges(protectedRangeId,description,warningOnly,range,unprotectedRanges)" +
	",conditionalFormats(ranges,booleanRule(condition))" +
	",charts(chartId,spec(title))" +
	",data(rowData(values(formattedValue,dataValidation(condition),userEnteredFormat(backgroundColor,textFormat(bold)))),columnMetadata(hiddenByUser,pixelSize)))"

// inspect reads every tab's presentation and its first two rows (one spreadsheets.get).
func (s *Sheet) inspect(ctx context.Context) (*sheetsapi.Spreadsheet, error) {
	for attempt := 0; ; attempt++ {
		ranges := make([]string, 0, len(s.tabs))
		for _, t := range s.tabs {
			if t.rows >= 2 && t.cols >= 1 {
				ranges = append(ranges, a1(t.title, 0, 2, 0, t.cols))
			} else {
				ranges = append(ranges, quote(t.title))
			}
		}
		sp, err := s.svc.Spreadsheets.Get(s.id).Ranges(ranges...).Fields(googleapi.Field(inspectFields)).Context(ctx).Do()
		var ge *googleapi.Error
		if attempt == 0 && errors.As(err, &ge) && ge.Code == http.StatusBadRequest {
			// A tab was deleted, renamed or shrunk meanwhile: learn the tabs again.
			if err := s.refreshTabs(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		s.setTabs(sp.Sheets)
		return sp, nil
	}
}

// check inspects the tabs and returns the requests that restore what is missing of the
// named tabs' layout (all layout tabs when names is nil).
func (s *Sheet) check(ctx context.Context, layout *sheets.Layout, names []string) ([]*sheetsapi.Request, error) {
	sp, err := s.inspect(ctx)
	if err != nil {
		return nil, err
	}
	var reqs []*sheetsapi.Request
	for _, sh := range sp.Sheets {
		if sh.Properties == nil {
			continue
		}
		tl := layout.Tab(sh.Properties.Title)
		if tl == nil || (names != nil && !slices.Contains(names, tl.Name)) {
			continue
		}
		r, missing := repairRequests(sh, tl, layout.Summary)
		if missing != 0 {
			s.log.Info("restoring the layout", "tab", tl.Name, "missing", missing.String())
		}
		reqs = append(reqs, r...)
	}
	return reqs, nil
}

// repair checks the layout of every layout tab and restores what is missing (at most one
// spreadsheets.get and one spreadsheets.batchUpdate). Values are not touched. A failed
// batchUpdate is not sent again (it may have been applied: a second one would add rules
// and protections twice); the next Write checks the layout of the tabs it writes afresh.
func (s *Sheet) repair(ctx context.Context) error {
	s.lastCheck = s.clock.Now()
	reqs, err := s.check(ctx, s.layout, nil)
	if err != nil || len(reqs) == 0 {
		return err
	}
	_, err = s.svc.Spreadsheets.BatchUpdate(s.id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: reqs}).Context(ctx).Do()
	if err != nil {
		s.laidOut = map[string]bool{}
	}
	return err
}

// repairRequests compares a tab's presentation with its layout and returns the requests
// that add what is missing, and which parts those are.
func repairRequests(sh *sheetsapi.Sheet, tl *sheets.TabLayout, summary *sheets.SummaryLayout) ([]*sheetsapi.Request, part) {
	info := infoOf(sh.Properties)
	cell := func(r, c int) *sheetsapi.CellData {
		if len(sh.Data) == 0 {
			return nil
		}
		d := sh.Data[0]
		if r >= len(d.RowData) || d.RowData[r] == nil || c >= len(d.RowData[r].Values) {
			return nil
		}
		return d.RowData[r].Values[c]
	}
	var header []string
	if len(sh.Data) > 0 && len(sh.Data[0].RowData) > 0 && sh.Data[0].RowData[0] != nil {
		for _, v := range sh.Data[0].RowData[0].Values {
			header = append(header, v.FormattedValue)
		}
	}
	for len(header) > 0 && header[len(header)-1] == "" {
		header = header[:len(header)-1]
	}
	if len(header) == 0 {
		return nil, 0 // an empty tab: the next render writes it
	}
	cols := columnsOf(tl, header)
	order := make([]int, 0, len(cols))
	for c := range cols {
		order = append(order, c)
	}
	slices.Sort(order)
	var missing part
	var reqs []*sheetsapi.Request
	if info.frozen != 1 {
		missing |= partFrozen
	}
	meta := func(c int) *sheetsapi.DimensionProperties {
		if len(sh.Data) > 0 && c < len(sh.Data[0].ColumnMetadata) && sh.Data[0].ColumnMetadata[c] != nil {
			return sh.Data[0].ColumnMetadata[c]
		}
		return &sheetsapi.DimensionProperties{}
	}
	for _, c := range order {
		col := cols[c]
		if (col.Hidden && !meta(c).HiddenByUser) || (!col.Hidden && col.Width > 0 && meta(c).PixelSize != pixels(col.Width)) {
			missing |= partColumns
		}
	}
	if f := cell(0, 0); f == nil || f.UserEnteredFormat == nil || f.UserEnteredFormat.TextFormat == nil || !f.UserEnteredFormat.TextFormat.Bold {
		missing |= partHeader
	}
	if hasEditable(tl) {
		for _, c := range order {
			if !cols[c].Editable && !cols[c].Hidden {
				if f := cell(1, c); f == nil || f.UserEnteredFormat == nil || f.UserEnteredFormat.BackgroundColor == nil {
					missing |= partReadOnly
				}
				break
			}
		}
	}
	want := protection(info.id, tl, cols, order)
	found := false
	for _, p := range sh.ProtectedRanges {
		if !strings.HasPrefix(p.Description, protectPrefix) {
			continue
		}
		if !found && p.WarningOnly && sameColumns(p.UnprotectedRanges, want.UnprotectedRanges) {
			found = true
			continue
		}
		// Ours but out of date (or a duplicate): replace it.
		reqs = append(reqs, &sheetsapi.Request{DeleteProtectedRange: &sheetsapi.DeleteProtectedRangeRequest{ProtectedRangeId: p.ProtectedRangeId}})
	}
	if !found {
		missing |= partProtect
	}
	for _, c := range order {
		rule := validation(cols[c], c)
		if rule == nil {
			continue
		}
		if f := cell(1, c); f == nil || f.DataValidation == nil || f.DataValidation.Condition == nil || f.DataValidation.Condition.Type != rule.Condition.Type {
			missing |= partValidation
		}
	}
	if summary != nil && summary.Name == tl.Name && len(header) > 1 &&
		!slices.ContainsFunc(sh.Charts, func(c *sheetsapi.EmbeddedChart) bool { return c.Spec != nil && c.Spec.Title == summary.ChartTitle }) {
		missing |= partChart
	}
	reqs = append(reqs, layoutRequests(info, tl, header, nil, summary, missing)...)
	rules := colorRules(info.id, cols, order)
	for i := len(rules) - 1; i >= 0; i-- {
		if !slices.ContainsFunc(sh.ConditionalFormats, func(have *sheetsapi.ConditionalFormatRule) bool { return sameRule(have, rules[i]) }) {
			missing |= partColors
			reqs = append(reqs, &sheetsapi.Request{AddConditionalFormatRule: &sheetsapi.AddConditionalFormatRuleRequest{Rule: rules[i], Index: 0}})
		}
	}
	return reqs, missing
}

func sameColumns(a, b []*sheetsapi.GridRange) bool {
	key := func(rs []*sheetsapi.GridRange) []int64 {
		var k []int64
		for _, r := range rs {
			k = append(k, r.StartColumnIndex, r.EndColumnIndex, r.StartRowIndex)
		}
		return k
	}
	return slices.Equal(key(a), key(b))
}

// sameRule compares the parts of a conditional format SheetOps sets: where and when.
func sameRule(a, b *sheetsapi.ConditionalFormatRule) bool {
	if a.BooleanRule == nil || b.BooleanRule == nil || a.BooleanRule.Condition == nil || b.BooleanRule.Condition == nil {
		return false
	}
	if len(a.Ranges) != len(b.Ranges) {
		return false
	}
	for i := range a.Ranges {
		x, y := a.Ranges[i], b.Ranges[i]
		if x.SheetId != y.SheetId || x.StartRowIndex != y.StartRowIndex || x.StartColumnIndex != y.StartColumnIndex || x.EndColumnIndex != y.EndColumnIndex {
			return false
		}
	}
	ca, cb := a.BooleanRule.Condition, b.BooleanRule.Condition
	if ca.Type != cb.Type || len(ca.Values) != len(cb.Values) {
		return false
	}
	for i := range ca.Values {
		if ca.Values[i].UserEnteredValue != cb.Values[i].UserEnteredValue {
			return false
		}
	}
	return true
}
