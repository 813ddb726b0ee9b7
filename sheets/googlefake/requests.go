package googlefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	sheetsapi "google.golang.org/api/sheets/v4"
)

// batchUpdate applies a spreadsheets.batchUpdate all or nothing, like Google.
func (s *Server) batchUpdate(id string, r *http.Request) (any, error) {
	var body struct {
		Requests                     []map[string]json.RawMessage `json:"requests"`
		IncludeSpreadsheetInResponse bool                         `json:"includeSpreadsheetInResponse"`
		ResponseRanges               []string                     `json:"responseRanges"`
		ResponseIncludeGridData      bool                         `json:"responseIncludeGridData"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return nil, invalid("Invalid JSON payload received. %v", err)
	}
	if len(body.Requests) == 0 {
		return nil, invalid("Must specify at least one request.")
	}
	work := s.books[id].clone()
	replies := make([]map[string]any, 0, len(body.Requests))
	for i, req := range body.Requests {
		if len(req) != 1 {
			return nil, invalid("Invalid requests[%d]: exactly one kind of request must be set, got %d", i, len(req))
		}
		for kind, raw := range req {
			before := work.cells()
			reply, err := work.apply(kind, raw)
			if n := work.cells(); err == nil && n > maxCells && n > before {
				// Google checks each request as it applies it, with this message.
				err = cellLimit()
			}
			if err != nil {
				msg := err.Error()
				if ae, ok := err.(*apiError); ok {
					msg = ae.message
				}
				return nil, invalid("Invalid requests[%d].%s: %s", i, kind, msg)
			}
			if reply == nil {
				reply = map[string]any{}
			}
			replies = append(replies, reply)
		}
	}
	s.books[id] = work
	out := map[string]any{"spreadsheetId": id, "replies": replies}
	if body.IncludeSpreadsheetInResponse {
		v, err := work.get(nil)
		if err != nil {
			return nil, err
		}
		out["updatedSpreadsheet"] = v
	}
	return out, nil
}

// cellLimit is Google's refusal of a change that would pass the cell limit (400
// INVALID_ARGUMENT; a spreadsheets.batchUpdate prefixes it with the request,
// "Invalid requests[0].updateSheetProperties: ").
func cellLimit() *apiError {
	return invalid("This action would increase the number of cells in the workbook above the limit of %d cells.", maxCells)
}

// decodeStrict decodes a request, refusing fields the API does not have.
func decodeStrict(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("Invalid JSON payload received. %v", err)
	}
	return nil
}

// apply carries out one request on the working copy and returns its reply.
func (b *spreadsheet) apply(kind string, raw json.RawMessage) (map[string]any, error) {
	switch kind {
	case "addSheet":
		var req sheetsapi.AddSheetRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		props, err := b.addSheet(req.Properties)
		if err != nil {
			return nil, err
		}
		return map[string]any{"addSheet": map[string]any{"properties": props}}, nil
	case "deleteSheet":
		var req sheetsapi.DeleteSheetRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		sh := b.byID(req.SheetId)
		if sh == nil {
			return nil, invalid("No grid with id: %d", req.SheetId)
		}
		visible := 0
		for _, o := range b.sheets {
			if o != sh && !o.props.Hidden {
				visible++
			}
		}
		if visible == 0 {
			return nil, invalid("You can't remove all the visible sheets in a document.")
		}
		b.sheets = slices.DeleteFunc(b.sheets, func(o *sheet) bool { return o == sh })
		b.reindex()
		return nil, nil
	case "updateSheetProperties":
		var req sheetsapi.UpdateSheetPropertiesRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		if req.Properties == nil {
			return nil, invalid("properties is required")
		}
		return nil, b.updateSheetProperties(req.Properties, req.Fields)
	case "appendDimension":
		var req sheetsapi.AppendDimensionRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		sh := b.byID(req.SheetId)
		if sh == nil {
			return nil, invalid("No grid with id: %d", req.SheetId)
		}
		if req.Length <= 0 {
			return nil, invalid("length must be positive")
		}
		switch req.Dimension {
		case "ROWS":
			sh.resize(sh.rowCount()+int(req.Length), sh.colCount())
		case "COLUMNS":
			sh.resize(sh.rowCount(), sh.colCount()+int(req.Length))
		default:
			return nil, invalid("dimension must be ROWS or COLUMNS")
		}
		return nil, nil
	case "updateDimensionProperties":
		var req sheetsapi.UpdateDimensionPropertiesRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		return nil, b.updateDimension(&req)
	case "addProtectedRange":
		var req sheetsapi.AddProtectedRangeRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		p := req.ProtectedRange
		if p == nil || p.Range == nil {
			return nil, invalid("protectedRange.range is required")
		}
		sh := b.byID(p.Range.SheetId)
		if sh == nil {
			return nil, invalid("No grid with id: %d", p.Range.SheetId)
		}
		for _, u := range p.UnprotectedRanges {
			if u.SheetId != p.Range.SheetId {
				return nil, invalid("unprotectedRanges must be on the protected range's sheet")
			}
		}
		for _, o := range sh.protected {
			if p.ProtectedRangeId != 0 && o.ProtectedRangeId == p.ProtectedRangeId {
				return nil, invalid("A protected range with ID %d already exists", p.ProtectedRangeId)
			}
		}
		c := *p
		if c.ProtectedRangeId == 0 {
			c.ProtectedRangeId = b.newObjectID()
		}
		c.RequestingUserCanEdit = true
		sh.protected = append(sh.protected, &c)
		return map[string]any{"addProtectedRange": map[string]any{"protectedRange": &c}}, nil
	case "deleteProtectedRange":
		var req sheetsapi.DeleteProtectedRangeRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		for _, sh := range b.sheets {
			for i, p := range sh.protected {
				if p.ProtectedRangeId == req.ProtectedRangeId {
					sh.protected = slices.Delete(slices.Clone(sh.protected), i, i+1)
					return nil, nil
				}
			}
		}
		return nil, invalid("No protected range with id: %d", req.ProtectedRangeId)
	case "setDataValidation":
		var req sheetsapi.SetDataValidationRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		r, err := b.gridRange(req.Range)
		if err != nil {
			return nil, err
		}
		if req.Rule != nil && (req.Rule.Condition == nil || req.Rule.Condition.Type == "") {
			return nil, invalid("rule.condition.type is required")
		}
		for row := r.r0; row < r.r1; row++ {
			for c := r.c0; c < r.c1; c++ {
				r.sh.ref(row, c).validation = req.Rule
			}
		}
		return nil, nil
	case "addConditionalFormatRule":
		var req sheetsapi.AddConditionalFormatRuleRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		rule := req.Rule
		if rule == nil || len(rule.Ranges) == 0 {
			return nil, invalid("rule.ranges is required")
		}
		if (rule.BooleanRule == nil) == (rule.GradientRule == nil) {
			return nil, invalid("exactly one of rule.booleanRule and rule.gradientRule must be set")
		}
		sh := b.byID(rule.Ranges[0].SheetId)
		if sh == nil {
			return nil, invalid("No grid with id: %d", rule.Ranges[0].SheetId)
		}
		for _, g := range rule.Ranges {
			if _, err := b.gridRange(g); err != nil {
				return nil, err
			}
			if g.SheetId != rule.Ranges[0].SheetId {
				return nil, invalid("All ranges of a conditional format rule must be on one sheet")
			}
		}
		if req.Index < 0 || int(req.Index) > len(sh.rules) {
			return nil, invalid("index %d is out of range", req.Index)
		}
		sh.rules = slices.Insert(slices.Clone(sh.rules), int(req.Index), rule)
		return nil, nil
	case "deleteConditionalFormatRule":
		var req sheetsapi.DeleteConditionalFormatRuleRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		sh := b.byID(req.SheetId)
		if sh == nil {
			return nil, invalid("No grid with id: %d", req.SheetId)
		}
		if req.Index < 0 || int(req.Index) >= len(sh.rules) {
			return nil, invalid("No conditional format on sheet %d at index %d", req.SheetId, req.Index)
		}
		rule := sh.rules[req.Index]
		sh.rules = slices.Delete(slices.Clone(sh.rules), int(req.Index), int(req.Index)+1)
		return map[string]any{"deleteConditionalFormatRule": map[string]any{"rule": rule}}, nil
	case "addChart":
		var req sheetsapi.AddChartRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		ch := req.Chart
		if ch == nil || ch.Spec == nil || ch.Position == nil || ch.Position.OverlayPosition == nil || ch.Position.OverlayPosition.AnchorCell == nil {
			return nil, invalid("chart.spec and chart.position.overlayPosition.anchorCell are required")
		}
		sh := b.byID(ch.Position.OverlayPosition.AnchorCell.SheetId)
		if sh == nil {
			return nil, invalid("No grid with id: %d", ch.Position.OverlayPosition.AnchorCell.SheetId)
		}
		if ch.Spec.BasicChart != nil {
			for _, d := range ch.Spec.BasicChart.Domains {
				if err := b.chartData(d.Domain); err != nil {
					return nil, err
				}
			}
			for _, s := range ch.Spec.BasicChart.Series {
				if err := b.chartData(s.Series); err != nil {
					return nil, err
				}
			}
		}
		c := *ch
		if c.ChartId == 0 {
			c.ChartId = b.newObjectID()
		}
		sh.charts = append(slices.Clone(sh.charts), &c)
		return map[string]any{"addChart": map[string]any{"chart": &c}}, nil
	case "repeatCell":
		var req sheetsapi.RepeatCellRequest
		if err := decodeStrict(raw, &req); err != nil {
			return nil, err
		}
		return nil, b.repeatCell(&req)
	}
	return nil, invalid("Unknown or unsupported request kind %q", kind)
}

func (b *spreadsheet) newObjectID() int64 {
	b.nextObject++
	return 1_000_000 + b.nextObject*7919
}

func (b *spreadsheet) addSheet(p *sheetsapi.SheetProperties) (*sheetsapi.SheetProperties, error) {
	props := &sheetsapi.SheetProperties{}
	if p != nil {
		c := *p
		props = &c
	}
	if props.Title == "" {
		for n := len(b.sheets) + 1; ; n++ {
			if t := fmt.Sprintf("Sheet%d", n); b.byTitle(t) == nil {
				props.Title = t
				break
			}
		}
	}
	if b.byTitle(props.Title) != nil {
		return nil, invalid("A sheet with the name %q already exists. Please enter another name.", props.Title)
	}
	if props.SheetId == 0 {
		props.SheetId = b.newObjectID()
	} else if b.byID(props.SheetId) != nil {
		return nil, invalid("A sheet with the id %d already exists.", props.SheetId)
	}
	rows, cols := defaultRows, defaultColumns
	frozen := int64(0)
	if g := props.GridProperties; g != nil {
		if g.RowCount > 0 {
			rows = int(g.RowCount)
		}
		if g.ColumnCount > 0 {
			cols = int(g.ColumnCount)
		}
		frozen = g.FrozenRowCount
	}
	if frozen < 0 || frozen >= int64(rows) {
		return nil, invalid("frozenRowCount %d must be less than the number of rows %d", frozen, rows)
	}
	sh := newSheet(props.SheetId, props.Title, rows, cols)
	sh.props.Hidden = props.Hidden
	sh.props.GridProperties.FrozenRowCount = frozen
	idx := len(b.sheets)
	if p != nil && (slices.Contains(p.ForceSendFields, "Index") || props.Index > 0) {
		idx = min(int(props.Index), len(b.sheets))
	}
	b.sheets = slices.Insert(b.sheets, idx, sh)
	b.reindex()
	out := *sh.props
	g := *sh.props.GridProperties
	out.GridProperties = &g
	return &out, nil
}

func (b *spreadsheet) updateSheetProperties(p *sheetsapi.SheetProperties, fields string) error {
	sh := b.byID(p.SheetId)
	if sh == nil {
		return invalid("No grid with id: %d", p.SheetId)
	}
	next := *sh.props
	g := *sh.props.GridProperties
	next.GridProperties = &g
	if err := updateMasked(&next, p, fields); err != nil {
		return err
	}
	if next.GridProperties == nil {
		next.GridProperties = &sheetsapi.GridProperties{}
	}
	if next.SheetId != sh.props.SheetId {
		return invalid("sheetId cannot be changed")
	}
	if next.Title == "" {
		return invalid("title must not be empty")
	}
	if o := b.byTitle(next.Title); o != nil && o != sh {
		return invalid("A sheet with the name %q already exists. Please enter another name.", next.Title)
	}
	ng := next.GridProperties
	if ng.RowCount < 1 || ng.ColumnCount < 1 {
		return invalid("rowCount and columnCount must be at least 1")
	}
	if ng.FrozenRowCount < 0 || ng.FrozenRowCount >= ng.RowCount {
		return invalid("frozenRowCount %d must be less than the number of rows %d", ng.FrozenRowCount, ng.RowCount)
	}
	if next.Hidden && !sh.props.Hidden {
		visible := 0
		for _, o := range b.sheets {
			if o != sh && !o.props.Hidden {
				visible++
			}
		}
		if visible == 0 {
			return invalid("You can't hide all the sheets in a document.")
		}
	}
	idx := int(next.Index)
	sh.props = &next
	sh.resize(int(ng.RowCount), int(ng.ColumnCount))
	if idx != slices.Index(b.sheets, sh) {
		b.sheets = slices.DeleteFunc(b.sheets, func(o *sheet) bool { return o == sh })
		b.sheets = slices.Insert(b.sheets, min(max(idx, 0), len(b.sheets)), sh)
	}
	b.reindex()
	return nil
}

func (b *spreadsheet) updateDimension(req *sheetsapi.UpdateDimensionPropertiesRequest) error {
	if req.Range == nil || req.Properties == nil {
		return invalid("range and properties are required")
	}
	sh := b.byID(req.Range.SheetId)
	if sh == nil {
		return invalid("No grid with id: %d", req.Range.SheetId)
	}
	n := sh.colCount()
	if req.Range.Dimension == "ROWS" {
		n = sh.rowCount()
	} else if req.Range.Dimension != "COLUMNS" {
		return invalid("range.dimension must be ROWS or COLUMNS")
	}
	start, end := int(req.Range.StartIndex), int(req.Range.EndIndex)
	if end == 0 {
		end = n
	}
	if start < 0 || end > n || start >= end {
		return invalid("Range (%d..%d) exceeds grid limits. Max rows: %d, max columns: %d", start, end, sh.rowCount(), sh.colCount())
	}
	if req.Range.Dimension == "ROWS" {
		// Row heights and hidden rows are accepted and not kept.
		var d sheetsapi.DimensionProperties
		return updateMasked(&d, req.Properties, req.Fields)
	}
	for i := start; i < end; i++ {
		d := *sh.cols[i]
		if err := updateMasked(&d, req.Properties, req.Fields); err != nil {
			return err
		}
		sh.cols[i] = &d
	}
	return nil
}

// gridRange resolves a GridRange (open ends run to the grid's edge) and checks it.
func (b *spreadsheet) gridRange(g *sheetsapi.GridRange) (rect, error) {
	if g == nil {
		return rect{}, invalid("range is required")
	}
	sh := b.byID(g.SheetId)
	if sh == nil {
		return rect{}, invalid("No grid with id: %d", g.SheetId)
	}
	r := rect{sh: sh, r0: int(g.StartRowIndex), c0: int(g.StartColumnIndex), r1: int(g.EndRowIndex), c1: int(g.EndColumnIndex)}
	if r.r1 == 0 {
		r.r1 = sh.rowCount()
	}
	if r.c1 == 0 {
		r.c1 = sh.colCount()
	}
	if r.r0 < 0 || r.c0 < 0 || r.r1 > sh.rowCount() || r.c1 > sh.colCount() || r.r0 > r.r1 || r.c0 > r.c1 {
		return rect{}, exceeds(fmt.Sprintf("%s!R%dC%d:R%dC%d", quoteTitle(sh.title()), r.r0+1, r.c0+1, r.r1, r.c1), sh)
	}
	return r, nil
}

func (b *spreadsheet) chartData(d *sheetsapi.ChartData) error {
	if d == nil || d.SourceRange == nil {
		return invalid("chart data needs a sourceRange")
	}
	for _, g := range d.SourceRange.Sources {
		if _, err := b.gridRange(g); err != nil {
			return err
		}
	}
	return nil
}

// repeatCell sets the masked fields of every cell in the range from req.Cell.
func (b *spreadsheet) repeatCell(req *sheetsapi.RepeatCellRequest) error {
	r, err := b.gridRange(req.Range)
	if err != nil {
		return err
	}
	tree, err := parseFieldMask(req.Fields)
	if err != nil || req.Fields == "" {
		return invalid("fields is required")
	}
	src := req.Cell
	if src == nil {
		src = &sheetsapi.CellData{}
	}
	for _, p := range tree.paths("") {
		switch {
		case p == "userEnteredFormat" || len(p) > len("userEnteredFormat.") && p[:len("userEnteredFormat.")] == "userEnteredFormat.":
		case p == "dataValidation", p == "userEnteredValue", p == "note":
		default:
			return invalid("Invalid field mask: repeatCell cannot set %s", p)
		}
	}
	var formatMask []string
	for _, p := range tree.paths("") {
		if sub, ok := cutPrefix(p, "userEnteredFormat"); ok {
			formatMask = append(formatMask, sub)
		}
	}
	// Cells that share a format share the result: the range may be large.
	formats := map[*sheetsapi.CellFormat]*sheetsapi.CellFormat{}
	newFormat := func(old *sheetsapi.CellFormat) (*sheetsapi.CellFormat, error) {
		if f, ok := formats[old]; ok {
			return f, nil
		}
		var f sheetsapi.CellFormat
		if old != nil {
			f = *old
		}
		mask := ""
		for i, m := range formatMask {
			if i > 0 {
				mask += ","
			}
			if m == "" {
				m = "*"
			}
			mask += m
		}
		var err error
		if mask == "*" || slices.Contains(formatMask, "") {
			if src.UserEnteredFormat != nil {
				f = *src.UserEnteredFormat
			} else {
				f = sheetsapi.CellFormat{}
			}
		} else {
			err = updateMasked(&f, src.UserEnteredFormat, mask)
		}
		if err != nil {
			return nil, err
		}
		res := &f
		if string(mustJSON(&f)) == "{}" {
			res = nil
		}
		formats[old] = res
		return res, nil
	}
	for row := r.r0; row < r.r1; row++ {
		for c := r.c0; c < r.c1; c++ {
			p := r.sh.ref(row, c)
			if len(formatMask) > 0 {
				f, err := newFormat(p.format)
				if err != nil {
					return err
				}
				p.format = f
			}
			if hasKey(tree, "dataValidation") {
				p.validation = src.DataValidation
			}
			if hasKey(tree, "userEnteredValue") {
				nc := cell{}
				if v := src.UserEnteredValue; v != nil {
					switch {
					case v.StringValue != nil && *v.StringValue != "":
						nc = cell{kind: text, s: *v.StringValue}
					case v.NumberValue != nil:
						nc = cell{kind: number, n: *v.NumberValue}
					case v.BoolValue != nil:
						nc = cell{kind: boolean, b: *v.BoolValue}
					case v.FormulaValue != nil:
						nc = cell{kind: formula, s: *v.FormulaValue}
					}
				}
				p.kind, p.s, p.n, p.b = nc.kind, nc.s, nc.n, nc.b
			}
		}
	}
	return nil
}

func hasKey(t fieldTree, k string) bool {
	_, ok := t[k]
	return ok
}

func cutPrefix(p, prefix string) (string, bool) {
	if p == prefix {
		return "", true
	}
	if len(p) > len(prefix)+1 && p[:len(prefix)+1] == prefix+"." {
		return p[len(prefix)+1:], true
	}
	return "", false
}
