package googlefake

import "testing"

// FuzzParse feeds A1 ranges and field masks from requests to the parsers: they answer an
// error or a range inside the sheet, and never panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Pods", "'Pods'!A1:C", "A:Z", "1:2", "'It''s'!B2", "Sheet1!ZZZ9", "!", "'", "A1:", "sheets(properties(title),data.rowData)", "a(b(c", ")"} {
		f.Add(s)
	}
	b := &spreadsheet{sheets: []*sheet{newSheet(0, "Sheet1", 10, 5), newSheet(1, "Pods", 10, 5)}}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := b.parseRange(s); err == nil {
			if r.r0 < 0 || r.c0 < 0 || (r.r1 >= 0 && r.r1 < r.r0) || (r.c1 >= 0 && r.c1 < r.c0) {
				t.Fatalf("%q: range %+v", s, r)
			}
			r.clip().values("FORMATTED_VALUE", "ROWS")
		}
		if tree, err := parseFieldMask(s); err == nil {
			tree.paths("")
		}
	})
}

func TestParseRange(t *testing.T) {
	b := &spreadsheet{sheets: []*sheet{newSheet(0, "Sheet1", 1000, 26), newSheet(1, "It's", 1000, 26)}}
	for in, want := range map[string]string{
		"Sheet1":         "Sheet1!A1:Z1000",
		"'It''s'!B2:C":   "'It''s'!B2:C1000",
		"A:B":            "Sheet1!A1:B1000",
		"Sheet1!2:3":     "Sheet1!A2:Z3",
		"'Sheet1'!C5":    "Sheet1!C5",
		"Sheet1!AA1:AB2": "Sheet1!AA1:AB2",
		"'It''s'":        "'It''s'!A1:Z1000",
		"Sheet1!B3:A1":   "Sheet1!A1:B3",
	} {
		r, err := b.parseRange(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := r.a1(); got != want {
			t.Errorf("%s = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"Nope!A1", "'Sheet1", "Sheet1!", "Sheet1!A0", "Sheet1!ABCD1", "Sheet1!A1:!"} {
		if _, err := b.parseRange(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
