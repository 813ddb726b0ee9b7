package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// A big tab's data rows take most of a write, and excelize's StreamWriter.SetRow spends
// most of that on a value's generic handling (regular expressions, escaping, allocations
// per cell). So the rows of the tabs Write renders from a Book are not given to the
// stream writer: the worksheet it makes holds the header row only, and the zip writer
// below writes the data rows into the worksheet's part, just before </sheetData>, as
// SetRow would have written them, byte for byte (TestRowsAsStreamWriter compares them).

// dataRows are the data rows of one tab, written into its worksheet part at zip time.
type dataRows struct {
	t       renderTab // kinds is nil: values are strings and whole numbers (see cellValue)
	cols    []column
	width   int
	written bool
}

// zipWriter is the workbook's zip writer: parts are deflated at the fastest level, several
// times faster than the default level for a file about a quarter larger (worksheet XML
// compresses well either way), and the data rows of the tabs in rows are written into
// their worksheet parts.
type zipWriter struct {
	*zip.Writer
	rows map[string]*dataRows // by part name
}

func newZipWriter(w io.Writer, rows map[string]*dataRows) *zipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		fw, ok := flateWriters.Get().(*flate.Writer)
		if !ok {
			var err error
			if fw, err = flate.NewWriter(out, flate.BestSpeed); err != nil {
				return nil, err
			}
		} else {
			fw.Reset(out)
		}
		return &pooledFlate{Writer: fw}, nil
	})
	return &zipWriter{Writer: zw, rows: rows}
}

// flateWriters are compressors for the next parts: each is most of a megabyte, and a
// workbook has a score of parts.
var flateWriters sync.Pool

// pooledFlate returns its compressor to flateWriters once closed.
type pooledFlate struct{ *flate.Writer }

func (p *pooledFlate) Close() error {
	if p.Writer == nil {
		return nil
	}
	err := p.Writer.Close()
	flateWriters.Put(p.Writer)
	p.Writer = nil
	return err
}

// Create starts a part; a worksheet with data rows gets them before its </sheetData>.
func (z *zipWriter) Create(name string) (io.Writer, error) {
	w, err := z.Writer.Create(name)
	if err != nil {
		return nil, err
	}
	if r, ok := z.rows[name]; ok {
		if r.written {
			return nil, fmt.Errorf("part %s twice", name)
		}
		return &splice{w: w, rows: r}, nil
	}
	return w, nil
}

// Close ends the zip file; every tab's data rows must have been written.
func (z *zipWriter) Close() error {
	for name, r := range z.rows {
		if !r.written {
			return fmt.Errorf("part %s: no </sheetData> for its rows", name)
		}
	}
	return z.Writer.Close()
}

var endSheetData = []byte("</sheetData>")

// splice passes a worksheet's XML through and writes the data rows before </sheetData>.
type splice struct {
	w    io.Writer
	rows *dataRows
	tail []byte // what may begin </sheetData>, held until the next write
}

func (s *splice) Write(p []byte) (int, error) {
	if s.rows.written {
		return s.w.Write(p)
	}
	buf := append(s.tail, p...)
	i := bytes.Index(buf, endSheetData)
	if i < 0 {
		keep := min(len(buf), len(endSheetData)-1)
		if _, err := s.w.Write(buf[:len(buf)-keep]); err != nil {
			return 0, err
		}
		s.tail = append(s.tail[:0:0], buf[len(buf)-keep:]...)
		return len(p), nil
	}
	s.tail = nil
	if _, err := s.w.Write(buf[:i]); err != nil {
		return 0, err
	}
	if err := pipe(s.w, s.rows.writeTo); err != nil {
		return 0, err
	}
	s.rows.written = true
	if _, err := s.w.Write(buf[i:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// pipe writes to w what write writes, from a goroutine of its own: the rows are made on
// one core while the other compresses them.
func pipe(w io.Writer, write func(*bufio.Writer) error) error {
	const size, n = 1 << 18, 4
	free, full := make(chan []byte, n), make(chan []byte, n)
	for range n {
		free <- make([]byte, 0, size)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		cw := &chunkWriter{free: free, full: full, stop: stop}
		bw := bufio.NewWriterSize(cw, size)
		err := write(bw)
		if err == nil {
			err = bw.Flush()
		}
		close(full)
		done <- err
	}()
	var werr error
	for b := range full {
		if werr == nil {
			if _, werr = w.Write(b); werr != nil {
				close(stop) // the writer stops at its next chunk
			}
		}
		free <- b[:0]
	}
	if err := <-done; werr == nil {
		werr = err
	}
	return werr
}

// chunkWriter hands what is written to it, a chunk at a time, to the goroutine that
// compresses it.
type chunkWriter struct {
	free, full chan []byte
	stop       chan struct{}
}

var errStopped = errors.New("the compressed stream failed")

func (c *chunkWriter) Write(p []byte) (int, error) {
	select {
	case <-c.stop:
		return 0, errStopped
	case b := <-c.free:
		b = append(b, p...)
		select {
		case c.full <- b:
			return len(p), nil
		case <-c.stop:
			return 0, errStopped
		}
	}
}

// writeTo writes the data rows, from row 2, as StreamWriter.SetRow does.
func (d *dataRows) writeTo(w *bufio.Writer) error {
	letters := make([]string, d.width)
	for j := range letters {
		letters[j] = columnName(j + 1)
	}
	var num [24]byte
	n := 1
	for i, r := range d.t.rows {
		if blankRow(r) {
			continue
		}
		n++
		row := strconv.AppendInt(num[:0], int64(n), 10)
		lines := 1
		for j := range d.width {
			if d.cols[j].wrap > 0 {
				lines = max(lines, wrappedLines(cellAt(r, j), d.cols[j].wrap))
			}
		}
		w.WriteString(`<row r="`)
		w.Write(row)
		w.WriteByte('"')
		if lines > 1 {
			w.WriteString(` ht="`)
			w.WriteString(strconv.FormatFloat(float64(lines)*lineHeight, 'f', -1, 64))
			w.WriteString(`" customHeight="1"`)
		}
		w.WriteByte('>')
		for j := range d.width {
			v, number := ownCell(d.t, i, j, d.cols[j].number)
			w.WriteString(`<c r="`)
			w.WriteString(letters[j])
			w.Write(row)
			w.WriteByte('"')
			if s := d.cols[j].style; s != 0 {
				w.WriteString(` s="`)
				w.Write(strconv.AppendInt(num[len(row):len(row)], int64(s), 10))
				w.WriteByte('"')
			}
			switch {
			case v == "": // styled, empty
				w.WriteString(`></c>`)
			case number:
				w.WriteString(`><v>`)
				w.WriteString(v)
				w.WriteString(`</v></c>`)
			default:
				w.WriteString(` t="inlineStr"><is><t`)
				text, preserve := inlineText(v)
				if preserve {
					w.WriteString(` xml:space="preserve"`)
				}
				w.WriteByte('>')
				w.WriteString(text)
				w.WriteString(`</t></is></c>`)
			}
		}
		w.WriteString(`</row>`)
	}
	return nil
}

// ownCell is cellValue for a tab rendered from a Book, without boxing: the cell's text,
// and whether it is written as a number (its text is then the number's: see wholeNumber).
func ownCell(t renderTab, i, j int, numberColumn bool) (text string, number bool) {
	s := cellAt(t.rows[i], j)
	if s == "" || !numberColumn {
		return s, false
	}
	_, ok := wholeNumber(s)
	return s, ok
}

// inlineText returns s as excelize writes an inline string's text (trimCellValue): cut to
// what a cell holds, escaped, with its _xHHHH_ look-alikes escaped; preserve when it
// begins or ends with white space.
func inlineText(s string) (text string, preserve bool) {
	if plainText(s) {
		return s, s[0] == ' ' || s[len(s)-1] == ' '
	}
	if countUTF16(s) > excelize.TotalCellChars {
		s = truncateUTF16(s, excelize.TotalCellChars)
	}
	if s == "" {
		return "", false
	}
	for _, c := range []byte{9, 10, 13, 32} {
		if s[0] == c || s[len(s)-1] == c {
			preserve = true
			break
		}
	}
	var buf strings.Builder
	_ = xml.EscapeText(&buf, []byte(s))
	return bstrMarshal(strings.ReplaceAll(buf.String(), "&#xA;", "\n")), preserve
}

// plainText reports whether s is written as it is: printable ASCII that needs no escape,
// with no _x that could look like an escape.
func plainText(s string) bool {
	if s == "" || len(s) > excelize.TotalCellChars {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '&', c == '<', c == '>', c == '"', c == '\'':
			return false
		case c == '_' && i+1 < len(s) && s[i+1] == 'x':
			return false
		}
	}
	return true
}

func countUTF16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateUTF16(s string, length int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > length {
			return s[:i]
		}
	}
	return s
}

// bstrMarshal escapes the text's look-alikes of OOXML's _xHHHH_ escapes, as excelize's
// function of that name does (github.com/xuri/excelize/v2, lib.go; BSD-3-Clause).
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)
