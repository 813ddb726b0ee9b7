package google

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	sheetsapi "google.golang.org/api/sheets/v4"
)

// maxRequestBytes is the most JSON one write request carries. Google advises keeping a
// request's payload under 2 MB; the plan cuts its requests at batchBytes, a margin below.
const (
	maxRequestBytes = 2_000_000
	batchBytes      = maxRequestBytes - 100_000
)

// jsonStringLen is the length of s encoded as a JSON string by encoding/json (HTML
// characters escaped, as the API client's encoder does), or a little more: every control
// character counts as a six-byte \u escape.
func jsonStringLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\':
				n += 2
			case b < 0x20 || b == '<' || b == '>' || b == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6 // \ufffd
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// jsonValueLen is the encoded length of a value of a valueRange (a string or an int64).
func jsonValueLen(v any) int {
	switch v := v.(type) {
	case string:
		return jsonStringLen(v)
	case int64:
		var b [20]byte
		return len(strconv.AppendInt(b[:0], v, 10))
	}
	b, _ := json.Marshal(v)
	return len(b)
}

// jsonRowLen is the encoded length of a row of values: [v,v,...].
func jsonRowLen(row []any) int {
	n := 2 + max(len(row)-1, 0)
	for _, v := range row {
		n += jsonValueLen(v)
	}
	return n
}

// The JSON around a values.batchUpdate's ranges and around one range's rows.
const (
	valuesEnvelope = len(`{"data":[],"valueInputOption":"RAW"}` + "\n")
	rangeEnvelope  = len(`{"majorDimension":"ROWS","range":,"values":[]},`)
)

// valueBatches cuts value ranges into the data of values.batchUpdate requests, in order,
// each at most limit bytes of JSON: a range that does not fit in what is left of a
// request is cut between rows, the rest going on in the next. A single row larger than
// limit goes alone in a request (Google's advice is not a hard limit).
func valueBatches(ranges []valueRange, limit int) [][]valueRange {
	var batches [][]valueRange
	var batch []valueRange
	size := valuesEnvelope
	flush := func() {
		if len(batch) > 0 {
			batches = append(batches, batch)
		}
		batch, size = nil, valuesEnvelope
	}
	for _, vr := range ranges {
		// The A1 range's length depends on the rows a piece covers; its longest form
		// bounds it: the range of the whole rectangle.
		head := rangeEnvelope + jsonStringLen(a1(vr.title, vr.r0, vr.r0+len(vr.rows), vr.c0, vr.c0+max(vr.width(), 1)))
		rows := vr.rows
		r0 := vr.r0
		for len(rows) > 0 {
			n, used := 0, head
			for n < len(rows) {
				l := jsonRowLen(rows[n]) + 1
				if size+used+l > limit && (n > 0 || len(batch) > 0) {
					break
				}
				used += l
				n++
			}
			if n == 0 {
				flush() // not one row fits in what is left: a new request
				continue
			}
			batch = append(batch, valueRange{title: vr.title, r0: r0, c0: vr.c0, rows: rows[:n:n]})
			size += used
			rows, r0 = rows[n:], r0+n
			if len(rows) > 0 {
				flush()
			}
		}
	}
	flush()
	return batches
}

// requestBatches cuts a spreadsheets.batchUpdate's requests into requests of at most
// limit bytes of JSON, in order. A request larger than limit goes alone.
func requestBatches(reqs []*sheetsapi.Request, limit int) ([][]*sheetsapi.Request, error) {
	const envelope = len(`{"requests":[]}` + "\n")
	var batches [][]*sheetsapi.Request
	var batch []*sheetsapi.Request
	size := envelope
	for _, r := range reqs {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		l := len(b) + 1
		if size+l > limit && len(batch) > 0 {
			batches = append(batches, batch)
			batch, size = nil, envelope
		}
		batch = append(batch, r)
		size += l
	}
	if len(batch) > 0 {
		batches = append(batches, batch)
	}
	return batches, nil
}

// apiRanges converts a batch of value ranges for the API.
func apiRanges(batch []valueRange) []*sheetsapi.ValueRange {
	out := make([]*sheetsapi.ValueRange, len(batch))
	for i, vr := range batch {
		out[i] = vr.api()
	}
	return out
}

// applied returns the grids of the tabs that batches write, as a read finds them after
// those batches landed on cur's values.
func applied(cur *snapshot, batches [][]valueRange) map[string]grid {
	out := map[string]grid{}
	for _, batch := range batches {
		for _, vr := range batch {
			g, ok := out[vr.title]
			if !ok {
				old, _ := cur.grid(vr.title)
				g = append(grid(nil), old...)
			}
			for i, row := range vr.rows {
				r := vr.r0 + i
				for len(g) <= r {
					g = append(g, nil)
				}
				need := vr.c0 + len(row)
				line := make([]string, max(len(g[r]), need))
				copy(line, g[r])
				for j, v := range row {
					line[vr.c0+j] = valueText(v)
				}
				g[r] = line
			}
			out[vr.title] = g
		}
	}
	for t, g := range out {
		out[t] = g.trimmed()
	}
	return out
}

// valueText is a written value as a read returns it.
func valueText(v any) string {
	if n, ok := v.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return text(v)
}
