package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sheetops/sheetops/sheets"
)

// zipOf makes a workbook package of the given parts.
func zipOf(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	nsMain = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRels = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relT   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
)

// TestReadForeignWorkbook reads a workbook written the way other programs write them:
// namespace prefixes, shared strings with rich text and phonetic runs, cells and rows
// without references, booleans, errors, formulas with cached values, escapes, CDATA,
// comments, a chart sheet, rows out of order and an empty worksheet.
func TestReadForeignWorkbook(t *testing.T) {
	data := zipOf(t, map[string]string{
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relT + `officeDocument" Target="/xl/book.xml"/></Relationships>`,
		"xl/book.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<x:workbook ` + nsMain + ` ` + nsRels + `><x:sheets>` +
			`<x:sheet name="R&amp;D" sheetId="1" r:id="rId1"/>` +
			`<x:sheet name="Chart" sheetId="2" r:id="rId3"/>` +
			`<x:sheet name="Second" sheetId="3" state="hidden" r:id="rId4"/>` +
			`<x:sheet name="Third" sheetId="4" r:id="rId5"/>` +
			`</x:sheets></x:workbook>`,
		"xl/_rels/book.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relT + `worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + relT + `sharedStrings" Target="/xl/sharedStrings.xml"/>` +
			`<Relationship Id="rId3" Type="` + relT + `chartsheet" Target="chartsheets/sheet1.xml"/>` +
			`<Relationship Id="rId4" Type="` + relT + `worksheet" Target="worksheets/sheet2.xml"/>` +
			`<Relationship Id="rId5" Type="` + relT + `worksheet" Target="worksheets/sheet3.xml"/>` +
			`<Relationship Id="rId6" Type="` + relT + `hyperlink" Target="http://example.com/" TargetMode="External"/>` +
			`</Relationships>`,
		"xl/sharedStrings.xml": `<?xml version="1.0"?><x:sst ` + nsMain + ` count="4" uniqueCount="4">` +
			`<x:si><x:t>plain</x:t></x:si>` +
			`<x:si><x:r><x:rPr><x:b/></x:rPr><x:t>rich </x:t></x:r><x:r><x:t xml:space="preserve">text </x:t></x:r>` +
			`<x:rPh sb="0" eb="1"><x:t>PHONETIC</x:t></x:rPh><x:phoneticPr fontId="1"/></x:si>` +
			"<x:si><x:t>a_x000D_b &amp; _x005F_x0041_ &#x263A; &#9731;\r\nnext</x:t></x:si>" +
			`<x:si><x:t/></x:si>` +
			`</x:sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0"?><x:worksheet ` + nsMain + `><x:dimension ref="A1:E6"/><x:sheetData>` +
			`<x:row r="1" spans="1:5"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>` +
			`<x:c r="C1" t="inlineStr" x:foo="a>b"><x:is><x:t><![CDATA[<cdata> & ]]></x:t></x:is></x:c></x:row>` +
			`<x:row><x:c t="s"><x:v>2</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#DIV/0!</x:v></x:c>` +
			`<x:c t="str"><x:f>A1&amp;"x"</x:f><x:v>plainx</x:v></x:c><x:c s="3"><x:v>3.0000000000000004</x:v></x:c><!-- a comment --></x:row>` +
			`<x:row r="6"><x:c r="C6"><x:v>1E+20</x:v></x:c></x:row>` +
			`<x:row r="4"><x:c r="A4" t="s"><x:v>3</x:v></x:c><x:c r="B4" s="2"/><x:c r="C4"><x:f>NA()</x:f></x:c></x:row>` +
			`<x:row r="5"><x:c r="B5" t="d"><x:v>2024-01-02T00:00:00Z</x:v></x:c><x:c r="D5" t="b"><x:v>0</x:v></x:c></x:row>` +
			`</x:sheetData><x:pageMargins left="0.7"/></x:worksheet>`,
		"xl/worksheets/sheet2.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`,
		"xl/worksheets/sheet3.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="2"><c r="B2"><v>7</v></c></row></sheetData></worksheet>`,
		"xl/chartsheets/sheet1.xml": `<chartsheet/>`,
	})
	got, err := readBook(data)
	if err != nil {
		t.Fatal(err)
	}
	want := &sheets.Book{Tabs: []*sheets.Tab{
		{Name: "R&D", Header: []string{"plain", "rich text ", "<cdata> & ", "", ""}, Rows: [][]string{
			{"a\rb & _x0041_ ☺ ☃\nnext", "TRUE", "#DIV/0!", "plainx", "3"},
			{"", "2024-01-02T00:00:00Z", "", "FALSE", ""},
			{"", "", "100000000000000000000", "", ""},
		}},
		{Name: "Second"},
		{Name: "Third", Header: []string{"", ""}, Rows: [][]string{{"", "7"}}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readBook:\n got %q\nwant %q", dump(got), dump(want))
	}
}

func dump(b *sheets.Book) string {
	var s strings.Builder
	for _, t := range b.Tabs {
		fmt.Fprintf(&s, "%s: %q %q; ", t.Name, t.Header, t.Rows)
	}
	return s.String()
}

func TestAppendDecimal(t *testing.T) {
	for v, want := range map[string]string{
		"3": "3", "-1": "-1", "0": "0", "-0": "0", "3.5": "3.5", "3.0": "3", "1E+20": "100000000000000000000",
		"0.30000000000000004": "0.3", "1e-7": "0.0000001", "45000.5": "45000.5", "007": "7",
		"12345678901234567": "12345678901234600", "123456789012345": "123456789012345", "x": "x",
		" 3 ": "3",
	} {
		if got := string(appendDecimal(nil, []byte(v))); got != want {
			t.Errorf("appendDecimal(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestAppendDecoded(t *testing.T) {
	for v, want := range map[string]string{
		"plain": "plain", "_x000D_": "\r", "_x005F_x0041_": "_x0041_", "_x0041": "_x0041", "_xZZZZ_": "_xZZZZ_",
		"a_x0009_b": "a\tb", "_xD83D__xDE80_": "🚀", "_x": "_x",
	} {
		if got := string(appendDecoded(nil, []byte(v))); got != want {
			t.Errorf("appendDecoded(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestColumnNames(t *testing.T) {
	for col, name := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 703: "AAA", 16384: "XFD"} {
		if got := columnName(col); got != name {
			t.Errorf("columnName(%d) = %q, want %q", col, got, name)
		}
		if got, err := refColumn([]byte(name + "12")); err != nil || got != col {
			t.Errorf("refColumn(%q) = %d, %v; want %d", name+"12", got, err, col)
		}
	}
	for _, bad := range []string{"", "12", "XFE1", "AAAA1"} {
		if _, err := refColumn([]byte(bad)); err == nil {
			t.Errorf("refColumn(%q): no error", bad)
		}
	}
}

// sheetXML makes a worksheet of n rows in excelize's style, with gaps and escapes.
func sheetXML(n int, numbered bool) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r := 1; r <= n; r++ {
		if r%7 == 3 && numbered {
			continue // a gap
		}
		if numbered {
			fmt.Fprintf(&b, `<row r="%d">`, r)
		} else {
			b.WriteString(`<row>`)
		}
		fmt.Fprintf(&b, `<c r="A%d" t="inlineStr"><is><t>row &amp; %d</t></is></c><c r="C%d"><v>%d</v></c>`, r, r, r, r*3)
		if r%5 == 0 {
			fmt.Fprintf(&b, `<c r="E%d" t="inlineStr"><is><t>_x005F_x0041_</t></is></c>`, r)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.Bytes()
}

// TestChunkedParse: a worksheet cut into chunks parses as it does whole.
func TestChunkedParse(t *testing.T) {
	for _, numbered := range []bool{true, false} {
		raw := sheetXML(5000, numbered)
		whole, err := gridOf(raw, nil, true, nil, 1, len(raw)+1)
		if err != nil {
			t.Fatal(err)
		}
		chunks := splitRows(raw, 4, 1000)
		if numbered && len(chunks) != 4 {
			t.Errorf("numbered rows: %d chunks, want 4", len(chunks))
		}
		if !numbered && len(chunks) != 1 {
			t.Errorf("unnumbered rows: %d chunks, want 1", len(chunks))
		}
		cut, err := gridOf(raw, nil, true, nil, 4, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(whole, cut) {
			t.Errorf("numbered %v: the chunked parse differs", numbered)
		}
		i := 3 // row 5
		if numbered {
			i = 2 // row 3 is missing
		}
		if got := whole.rows[i]; !reflect.DeepEqual(got, []string{"row & 5", "", "15", "", "_x0041_"}) {
			t.Errorf("numbered %v: row 5 = %q", numbered, got)
		}
		if whole.kinds[1][2] != kindNumber || whole.kinds[1][0] != kindText {
			t.Errorf("kinds of row 2 = %v", whole.kinds[1])
		}
	}
}

// TestParseReusesOldRows: a worksheet parsed with the rows of its last read gives what a
// parse without them gives, sharing (not copying) the rows that are as they were.
func TestParseReusesOldRows(t *testing.T) {
	raw := sheetXML(3000, false) // rows numbered by position: old[i] is row i+2
	fresh, err := gridFrom(bytes.NewReader(raw), len(raw), nil, false, nil, 2, 4096)
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b []string) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }
	// old: fresh's rows, but row 6 with another cell, row 9 with one more (not empty) at
	// its end, row 10 one cell wider with nothing in it, and the last 100 missing.
	old := slices.Clone(fresh.rows[:len(fresh.rows)-100])
	old[4] = slices.Clone(old[4])
	old[4][2] = "other"
	old[7] = append(slices.Clone(old[7]), "more")
	old[8] = append(slices.Clone(old[8]), "")
	shared := map[int]bool{}
	for i := range old {
		shared[i] = i != 4 && i != 7
	}
	for _, workers := range []int{1, 3} {
		got, err := gridFrom(iotest.HalfReader(bytes.NewReader(raw)), len(raw), nil, false, &oldRows{rows: old}, workers, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, fresh) {
			t.Fatalf("workers %d: a parse with old rows differs from one without", workers)
		}
		for i, r := range got.rows {
			was := fresh.rows[i] // for the rows old lacks: not shared with anything
			if i < len(old) {
				was = old[i]
			}
			if want := shared[i]; same(r, was) != want {
				t.Errorf("workers %d: row %d shared with the old one: %v, want %v", workers, i+2, !want, want)
			}
		}
	}
}

// TestParseSkipsRowsOfTheSameXML: a parse hashes each row's XML; with the hashes of the
// last read, a row whose XML is the same is not parsed again (it is the old row, whatever
// that holds), the others are, and the result is what a parse without them gives.
func TestParseSkipsRowsOfTheSameXML(t *testing.T) {
	sheet := func(n int, edited int, emptyRow bool) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		for r := 1; r <= n; r++ {
			text := fmt.Sprintf("row %d", r)
			if r == edited {
				text = "edited"
			}
			if emptyRow && r == n/2 {
				fmt.Fprintf(&b, `<row r="%d" spans="1:3"/>`, r)
				continue
			}
			fmt.Fprintf(&b, "<row r=\"%d\" spans=\"1:3\">\n<c r=\"A%d\" t=\"inlineStr\"><is><t>%s</t></is></c><c r=\"C%d\"><v>%d</v></c></row>\n", r, r, text, r, r*3)
		}
		b.WriteString(`</sheetData></worksheet>`)
		return b.Bytes()
	}
	parse := func(raw []byte, old *oldRows, workers int) *grid {
		t.Helper()
		g, err := gridFrom(bytes.NewReader(raw), len(raw), nil, false, old, workers, 4096)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	same := func(a, b []string) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }
	raw := sheet(2000, 0, false)
	first := parse(raw, nil, 1)
	for _, workers := range []int{1, 3} {
		second := parse(raw, &oldRows{rows: first.rows, hashes: first.hashes}, workers)
		if len(second.hashes) != len(second.rows) || slices.Contains(second.hashes, 0) || !slices.Equal(second.hashes, first.hashes) {
			t.Fatalf("workers %d: %d hashes of %d rows, or a zero", workers, len(second.hashes), len(second.rows))
		}
		// A marked old row shows whether its XML was parsed again.
		old := &oldRows{rows: slices.Clone(second.rows), hashes: second.hashes}
		old.rows[99] = []string{"not parsed", "", ""}
		edited := sheet(2000, 501, false)
		got := parse(edited, old, workers)
		want := parse(edited, nil, 1)
		if got.rows[99][0] != "not parsed" {
			t.Errorf("workers %d: row 101, the same XML, was parsed again", workers)
		}
		got.rows[99] = want.rows[99]
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("workers %d: a parse skipping rows differs from a whole one", workers)
		}
		if same(got.rows[499], old.rows[499]) || !same(got.rows[500], old.rows[500]) {
			t.Errorf("workers %d: the edited row 501 was not parsed, or row 502 was", workers)
		}
		// An empty row written as <row …/>: its part of the sheet is parsed whole.
		withEmpty := sheet(2000, 0, true)
		got = parse(withEmpty, &oldRows{rows: second.rows, hashes: second.hashes}, workers)
		if want := parse(withEmpty, nil, 1); !reflect.DeepEqual(got.rows, want.rows) {
			for i := range min(len(got.rows), len(want.rows)) {
				if !reflect.DeepEqual(got.rows[i], want.rows[i]) {
					t.Logf("row %d: %q, want %q", i+2, got.rows[i], want.rows[i])
					break
				}
			}
			t.Errorf("workers %d: with an empty row, the parse differs from a whole one (%d rows, want %d)", workers, len(got.rows), len(want.rows))
		}
	}
}

// TestStreamedParse: a worksheet parsed in blocks while it is read parses as it does
// whole, whatever the reads and the blocks, with rows numbered or not, and with a CDATA
// section or a comment (after which it is not cut).
func TestStreamedParse(t *testing.T) {
	withMarkup := bytes.Replace(sheetXML(3000, true), []byte(`<row r="1500">`), []byte(`<!-- <row r="9"> --><row r="1500">`), 1)
	withCDATA := bytes.Replace(sheetXML(3000, true), []byte(`<t>row &amp; 2000</t>`), []byte(`<t><![CDATA[<row r="7"><c r="A7"><v>1</v></c></row>]]></t>`), 1)
	prefixed := bytes.ReplaceAll(bytes.ReplaceAll(sheetXML(3000, true), []byte("<row "), []byte("<x:row ")), []byte("</row>"), []byte("</x:row>"))
	for name, raw := range map[string][]byte{
		"numbered":   sheetXML(5000, true),
		"unnumbered": sheetXML(5000, false),
		"comment":    withMarkup,
		"cdata":      withCDATA,
		"prefixed":   prefixed,
		"empty":      []byte(`<worksheet><sheetData/></worksheet>`),
	} {
		whole, err := gridOf(raw, nil, true, nil, 1, len(raw)+1)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range []int{64, 1000, 7777, len(raw) + 1} {
			for rname, r := range map[string]io.Reader{
				"whole": bytes.NewReader(raw),
				"half":  iotest.HalfReader(bytes.NewReader(raw)),
				"bytes": iotest.OneByteReader(bytes.NewReader(raw)),
			} {
				got, err := gridFrom(r, len(raw), nil, true, nil, 3, block)
				if err != nil {
					t.Fatalf("%s, block %d, %s reads: %v", name, block, rname, err)
				}
				if !reflect.DeepEqual(got, whole) {
					t.Errorf("%s, block %d, %s reads: the streamed parse differs", name, block, rname)
				}
			}
		}
	}
}

func wellFormed(raw []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(raw))
	depth := 0
	for {
		t, err := d.Token()
		if err == io.EOF {
			return depth == 0
		}
		if err != nil {
			return false
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// FuzzParseSheet: no worksheet makes the parser panic, and on well-formed XML a chunked
// parse agrees with a whole one.
func FuzzParseSheet(f *testing.F) {
	f.Add(sheetXML(20, true))
	f.Add(sheetXML(20, false))
	f.Add([]byte(`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="0"></row></sheetData>`))
	f.Add([]byte(`<sheetData><row r="2"><c r="B2" t="inlineStr"><is><r><t>a</t></r><rPh><t>b</t></rPh></is></c></row></sheetData>`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		sst := []string{"zero", "one"}
		whole, err := gridOf(raw, sst, true, nil, 1, len(raw)+1)
		cut, err2 := gridOf(raw, sst, true, nil, 3, 16)
		streamed, err3 := gridFrom(iotest.HalfReader(bytes.NewReader(raw)), len(raw), sst, true, nil, 3, 16)
		if !wellFormed(raw) {
			return
		}
		if (err == nil) != (err2 == nil) || (err == nil) != (err3 == nil) {
			t.Fatalf("whole: %v, chunked: %v, streamed: %v", err, err2, err3)
		}
		if err == nil && !reflect.DeepEqual(whole, cut) {
			t.Fatalf("chunked parse differs:\n%q\n%q", whole.rows, cut.rows)
		}
		if err == nil && !reflect.DeepEqual(whole, streamed) {
			t.Fatalf("streamed parse differs:\n%q\n%q", whole.rows, streamed.rows)
		}
	})
}
