package google

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	sheetsapi "google.golang.org/api/sheets/v4"
)

// encodedLen is the size of v as the API client sends it: encoding/json's Encoder, with a
// newline.
func encodedLen(t testing.TB, v any) int {
	t.Helper()
	var b strings.Builder
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Len()
}

func checkStringLen(t *testing.T, s string) {
	got, want := jsonStringLen(s), encodedLen(t, s)-1
	controls := 0
	for _, b := range []byte(s) {
		if b < 0x20 {
			controls++
		}
	}
	if got < want || got > want+4*controls {
		t.Errorf("jsonStringLen(%q) = %d, encoding/json writes %d", s, got, want)
	}
}

func TestJSONStringLen(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "<html> & friends", "tab\tnew\nline\r\b\f\x01\x1f",
		"ünïcödé 日本語 🚀", "\u2028\u2029", "bad \xff utf-8 \xc3", "=SUM(A1)", strings.Repeat("x", 50000),
	} {
		checkStringLen(t, s)
	}
}

func FuzzJSONStringLen(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<>&", "\x00\x7f", "\u2028", "\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(checkStringLen)
}

// TestValueBatches: the batches hold every value of the ranges once, in order, each
// request's JSON within the limit; a row larger than the limit goes alone.
func TestValueBatches(t *testing.T) {
	var ranges []valueRange
	for i := range 50 {
		vr := valueRange{title: "Pods", r0: 1 + i*100, c0: i % 3}
		for r := range 100 {
			vr.rows = append(vr.rows, []any{fmt.Sprintf("<row %d/%d>", i, r), int64(r * 1000), strings.Repeat("é", r%17)})
		}
		ranges = append(ranges, vr)
	}
	huge := valueRange{title: "Huge 'tab'", r0: 7, rows: [][]any{{strings.Repeat("y", 9000)}}}
	ranges = append(ranges, huge, valueRange{title: "_sheetops", rows: [][]any{{"SheetOps write", "abc"}}})
	const limit = 8000
	batches := valueBatches(ranges, limit)
	type cell struct {
		title string
		r, c  int
		v     any
	}
	flat := func(rs []valueRange) []cell {
		var out []cell
		for _, vr := range rs {
			for i, row := range vr.rows {
				for j, v := range row {
					out = append(out, cell{vr.title, vr.r0 + i, vr.c0 + j, v})
				}
			}
		}
		return out
	}
	var all []valueRange
	for i, b := range batches {
		all = append(all, b...)
		n := encodedLen(t, &sheetsapi.BatchUpdateValuesRequest{ValueInputOption: "RAW", Data: apiRanges(b)})
		alone := len(b) == 1 && len(b[0].rows) == 1 && b[0].title == huge.title
		if n > limit && !alone {
			t.Errorf("batch %d: %d bytes of JSON, over %d", i, n, limit)
		}
		if n < limit/2 && i < len(batches)-2 && !alone && len(batches[i+1]) > 0 && batches[i+1][0].title != huge.title {
			t.Errorf("batch %d: %d bytes only", i, n)
		}
	}
	want, got := flat(ranges), flat(all)
	if len(got) != len(want) {
		t.Fatalf("%d cells in the batches, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cell %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if last := batches[len(batches)-1]; last[len(last)-1].title != "_sheetops" {
		t.Errorf("the write ID is not last")
	}
}

// TestChangedRangesStack: the runs of consecutive rows that change the same columns make
// one range, even when the rows change other columns too.
func TestChangedRangesStack(t *testing.T) {
	var next grid
	for r := range 1000 {
		row := []string{"ns", fmt.Sprint("app-", r), "3", "", "", fmt.Sprint("uid-", r)}
		if r%10 == 5 {
			row[4] = "applied"
		}
		next = append(next, row)
	}
	got := changedRanges("Deployments", nil, next, func(int) bool { return false })
	// Columns A:C for every row in one range; F alone, or E:F on every tenth row.
	if len(got) > 2*100+2 {
		t.Errorf("%d ranges", len(got))
	}
	if got[0].r0 != 0 || got[0].c0 != 0 || len(got[0].rows) != 1000 || got[0].width() != 3 {
		t.Errorf("first range: row %d col %d, %d×%d", got[0].r0, got[0].c0, len(got[0].rows), got[0].width())
	}
	if a := applied(&snapshot{}, [][]valueRange{got}); len(a["Deployments"]) != 1000 {
		t.Fatalf("applied: %d rows", len(a["Deployments"]))
	} else if versionOf([]namedGrid{{"Deployments", a["Deployments"]}}) != versionOf([]namedGrid{{"Deployments", next.trimmed()}}) {
		t.Error("the ranges do not rebuild the grid")
	}
}
