package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sheetops/sheetops/sheets"
)

// maxPartSize bounds what one part of a workbook may inflate to, so that a damaged or
// hostile file cannot exhaust memory.
const maxPartSize = 1 << 30

// cellKind is what a cell held in the file: text, a number or a boolean.
type cellKind uint8

const (
	kindText cellKind = iota
	kindNumber
	kindBool
)

// pkg is an opened workbook package: its parts by (lower-case) name and its worksheets in
// tab order.
type pkg struct {
	parts         map[string]*zip.File
	tabs          []tabRef
	sharedStrings string // part name, or ""
}

// tabRef is one worksheet of the workbook.
type tabRef struct {
	name string
	part string
}

// openPackage reads the workbook's structure: which worksheets it has, in order, and
// where their cells and the shared strings are. It reads no cells.
func openPackage(data []byte) (*pkg, error) {
	return openPackageAt(bytes.NewReader(data), int64(len(data)))
}

// openPackageAt is openPackage of a workbook read from r, size bytes long.
func openPackageAt(r io.ReaderAt, size int64) (*pkg, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not an xlsx workbook: %w", err)
	}
	p := &pkg{parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		p.parts[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	workbook := "xl/workbook.xml"
	if rels, err := p.rels("_rels/.rels", ""); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				workbook = r.target
				break
			}
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	raw, err := p.part(workbook)
	if err != nil {
		return nil, err
	}
	if err := xml.Unmarshal(raw, &wb); err != nil {
		return nil, fmt.Errorf("parse %s: %w", workbook, err)
	}
	relsName := path.Join(path.Dir(workbook), "_rels", path.Base(workbook)+".rels")
	rels, err := p.rels(relsName, path.Dir(workbook))
	if err != nil {
		return nil, err
	}
	targets := make(map[string]rel, len(rels))
	for _, r := range rels {
		targets[r.ID] = r
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			p.sharedStrings = r.target
		}
	}
	for _, s := range wb.Sheets {
		r, ok := targets[s.ID]
		if !ok || !strings.HasSuffix(r.Type, "/worksheet") {
			continue // a chart sheet or a dialog sheet: no cells
		}
		p.tabs = append(p.tabs, tabRef{name: s.Name, part: r.target})
	}
	return p, nil
}

type rel struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
	Mode   string `xml:"TargetMode,attr"`
	target string // resolved part name
}

// rels reads a relationships part; targets are resolved against dir.
func (p *pkg) rels(name, dir string) ([]rel, error) {
	raw, err := p.part(name)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Rels []rel `xml:"Relationship"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var out []rel
	for _, r := range doc.Rels {
		if r.Mode == "External" {
			continue
		}
		if strings.HasPrefix(r.Target, "/") {
			r.target = strings.TrimPrefix(r.Target, "/")
		} else {
			r.target = path.Join(dir, r.Target)
		}
		out = append(out, r)
	}
	return out, nil
}

// part returns the inflated content of the named part.
func (p *pkg) part(name string) ([]byte, error) {
	f, ok := p.parts[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("part %s: %w", name, errMissingPart)
	}
	if f.UncompressedSize64 > maxPartSize {
		return nil, fmt.Errorf("part %s: larger than %d bytes", name, maxPartSize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", name, err)
	}
	defer rc.Close()
	buf := make([]byte, 0, f.UncompressedSize64+1)
	buf, err = readAll(io.LimitReader(rc, maxPartSize+1), buf)
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", name, err)
	}
	return buf, nil
}

var errMissingPart = errors.New("missing from the workbook")

func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// readSharedStrings returns the workbook's shared string table.
func (p *pkg) readSharedStrings() ([]string, error) {
	if p.sharedStrings == "" {
		return nil, nil
	}
	raw, err := p.part(p.sharedStrings)
	if errors.Is(err, errMissingPart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := &scanner{b: raw}
	var out []string
	var buf, dec []byte
	for {
		t := s.next()
		switch t.kind {
		case tokEOF:
			return out, nil
		case tokStart:
			switch string(t.name) {
			case "sst":
				if v, ok := attr(t.attrs, "uniqueCount"); ok {
					if n, err := strconv.Atoi(string(v)); err == nil && n > 0 && n < len(raw) {
						out = make([]string, 0, n)
					}
				}
			case "si":
				buf = collectString(s, "si", buf[:0])
				dec = appendDecoded(dec[:0], buf)
				out = append(out, string(dec))
			}
		case tokEmpty:
			if string(t.name) == "si" {
				out = append(out, "")
			}
		}
	}
}

// collectString appends the text of a string item (<si>, <is>) up to the end of the
// element named end: the <t> elements, directly or in rich-text runs, but not the phonetic
// runs (<rPh>), which are not part of the value.
func collectString(s *scanner, end string, buf []byte) []byte {
	inT, skip := false, 0
	for {
		t := s.next()
		switch t.kind {
		case tokEOF:
			return buf
		case tokStart:
			switch string(t.name) {
			case "t":
				inT = skip == 0
			case "rPh":
				skip++
			}
		case tokEnd:
			switch string(t.name) {
			case "t":
				inT = false
			case "rPh":
				skip--
			case end:
				return buf
			}
		case tokText:
			if inT {
				buf = appendText(buf, t.text)
			}
		case tokCDATA:
			if inT {
				buf = append(buf, t.text...)
			}
		}
	}
}

// grid is one worksheet's values: the first row, then the other non-blank rows in order,
// all as wide as the widest; kinds, when asked for, says what each cell held.
type grid struct {
	header []string
	rows   [][]string
	kinds  [][]cellKind // header first; nil unless asked for
	hashes []uint64     // per row, its rowHash (0: unknown); nil when none is known
}

// row is one row of a worksheet as parsed: its number, and its cells up to the last one
// that is not empty.
type row struct {
	n     int
	cells []string
	kinds []cellKind
	// old, when not nil, is the row of the last read that cells is the prefix of (the
	// rest of it empty): gridOfRows pads cells with it rather than with a copy.
	old []string
	// hash is rowHash of the row's XML when it was parsed on its own (parseRows), else 0.
	hash uint64
}

// chunkSize is the least worksheet XML worth parsing on a core of its own.
const chunkSize = 1 << 20

// readGrid reads one worksheet's cells. A big worksheet is cut between rows into blocks,
// parsed in parallel while the rest of it is inflated.
func (p *pkg) readGrid(ref tabRef, sst []string, withKinds bool, old *oldRows) (*grid, error) {
	f, ok := p.parts[strings.ToLower(ref.part)]
	if !ok {
		return nil, fmt.Errorf("part %s: %w", ref.part, errMissingPart)
	}
	if f.UncompressedSize64 > maxPartSize {
		return nil, fmt.Errorf("part %s: larger than %d bytes", ref.part, maxPartSize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", ref.part, err)
	}
	defer rc.Close()
	g, err := gridFrom(rc, int(f.UncompressedSize64), sst, withKinds, old, runtime.GOMAXPROCS(0), blockSize)
	if err != nil {
		return nil, fmt.Errorf("tab %s: %w", ref.name, err)
	}
	return g, nil
}

// blockSize is how much worksheet XML gridFrom hands to a core at a time.
const blockSize = 2 << 20

// blocks keeps gridFrom's buffers from one worksheet to the next (*[]byte): a daemon
// reading a 100,000-row workbook every few seconds would otherwise allocate tens of
// megabytes of them a read.
var blocks sync.Pool

// gridFrom parses a worksheet's XML as it reads it from r (size: the size it is said to
// have): it cuts it between rows into blocks of about block bytes, parsed by at most
// workers goroutines while it reads on. It cuts only where splitRows would: before a row
// that carries its number, in XML with no CDATA section or comment up to there. old is
// as for parseRows.
func gridFrom(r io.Reader, size int, sst []string, withKinds bool, old *oldRows, workers, block int) (*grid, error) {
	type result struct {
		rows []row
		err  error
	}
	var (
		results []*result
		wg      sync.WaitGroup
		sem     = make(chan struct{}, max(workers, 1))
	)
	// Buffers come back once their chunk is parsed (the rows hold copies of the text), so
	// that a worksheet is read through a few of them rather than each of its bytes once.
	free := make(chan []byte, workers+2)
	buffer := func(n int) []byte {
		select {
		case b := <-free:
			if cap(b) >= n {
				return b[:0]
			}
		default:
		}
		if b, ok := blocks.Get().(*[]byte); ok && cap(*b) >= n {
			return (*b)[:0]
		}
		return make([]byte, 0, n)
	}
	// What is left in free when the worksheet is parsed goes to blocks, for the next.
	defer func() {
		for {
			select {
			case b := <-free:
				if cap(b) <= 2*block {
					blocks.Put(&b)
				}
			default:
				return
			}
		}
	}()
	parse := func(buf []byte, from, to int) {
		res := &result{}
		results = append(results, res)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res.rows, res.err = parseRows(buf[from:to], sst, withKinds, old)
			select {
			case free <- buf:
			default:
			}
		})
	}
	r = io.LimitReader(r, maxPartSize+1)
	buf := buffer(min(max(size, 0), block) + block/4 + 1)
	var (
		rowTag  []byte  // as the first row's tag begins, once known
		start   = -1    // where the sheetData's content begins in buf, until the first cut
		cutting = true  // no reason found not to cut
		next    = block // the length of buf at which to try a cut
		checked int     // buf[:checked] holds no CDATA section nor comment
		read    int
	)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		read += n
		if read > maxPartSize {
			return nil, fmt.Errorf("larger than %d bytes", maxPartSize)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !cutting || len(buf) < next {
			continue
		}
		next = len(buf) + block // the next try, if this one does not cut
		if hasMarkupDecl(buf[max(checked-1, 0):]) {
			cutting = false // a CDATA section or comment could hold "<row ": the rest in one go
			continue
		}
		checked = len(buf)
		if rowTag == nil {
			var numbered bool
			if start, rowTag, numbered = firstRow(buf); rowTag == nil {
				continue // not in buf yet
			}
			if !numbered {
				cutting = false // rows numbered by position: each needs those before it
				continue
			}
		}
		at, numbered := lastRowStart(buf, rowTag)
		if !numbered {
			cutting = false
			continue
		}
		if at <= max(start, 0) {
			continue
		}
		from := 0
		if start >= 0 {
			from, start = start, -1
		}
		old := buf
		buf = append(buffer(max(block+block/4, 2*(len(old)-at))), old[at:]...)
		parse(old, from, at)
		checked, next = len(buf), block
	}
	if len(results) == 0 {
		wg.Wait()
		g, err := gridOf(buf, sst, withKinds, old, workers, chunkSize)
		if cap(buf) <= 2*block {
			blocks.Put(&buf)
		}
		return g, err
	}
	parse(buf, 0, len(buf))
	wg.Wait()
	parts := make([][]row, len(results))
	errs := make([]error, len(results))
	for i, res := range results {
		parts[i], errs[i] = res.rows, res.err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return gridOfRows(parts, withKinds), nil
}

// firstRow returns where the content of the sheetData begins in raw, how its first row's
// tag begins ("<row ", "<x:row ") and whether that row carries its number; rowTag is nil
// when raw does not hold them.
func firstRow(raw []byte) (start int, rowTag []byte, numbered bool) {
	s := &scanner{b: raw}
	start = -1
	for {
		t := s.next()
		switch {
		case t.kind == tokEOF:
			return -1, nil, false
		case t.kind == tokStart && string(t.name) == "sheetData":
			start = s.i
		case (t.kind == tokStart || t.kind == tokEmpty) && string(t.name) == "row":
			if start < 0 {
				return -1, nil, false
			}
			_, numbered = attr(t.attrs, "r")
			i := bytes.LastIndexByte(raw[:s.i-1], '<')
			j := i + 1
			for j < len(raw) && !isSpace(raw[j]) && raw[j] != '>' && raw[j] != '/' {
				j++
			}
			return start, append(raw[i:j:j], ' '), numbered
		}
	}
}

// lastRowStart returns where the last whole row tag in buf begins (0: none), and whether
// it carries its number.
func lastRowStart(buf, rowTag []byte) (at int, numbered bool) {
	end := len(buf)
	for range 4 {
		at = bytes.LastIndex(buf[:end], rowTag)
		if at <= 0 {
			return 0, true
		}
		r := &scanner{b: buf[at:]}
		if t := r.next(); t.kind == tokStart || t.kind == tokEmpty {
			_, ok := attr(t.attrs, "r")
			return at, ok
		}
		end = at // cut off at the end of buf: the one before
	}
	return 0, true
}

// gridOf parses a worksheet's XML in at most n chunks of at least size bytes.
func gridOf(raw []byte, sst []string, withKinds bool, old *oldRows, n, size int) (*grid, error) {
	chunks := splitRows(raw, n, size)
	parts := make([][]row, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	for i, c := range chunks {
		wg.Go(func() { parts[i], errs[i] = parseRows(c, sst, withKinds, old) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return gridOfRows(parts, withKinds), nil
}

// gridOfRows makes a grid of the rows parsed from a worksheet's chunks, in order.
func gridOfRows(parts [][]row, withKinds bool) *grid {
	n, width, sorted, last := 0, 0, true, 0
	for _, p := range parts {
		for _, r := range p {
			width = max(width, len(r.cells))
			sorted = sorted && r.n >= last
			last = r.n
		}
		n += len(p)
	}
	if !sorted {
		all := make([]row, 0, n)
		for _, p := range parts {
			all = append(all, p...)
		}
		slices.SortStableFunc(all, func(a, b row) int { return a.n - b.n })
		parts = [][]row{all}
	}
	g := &grid{rows: make([][]string, 0, n)}
	var headerKinds []cellKind
	for _, p := range parts {
		for _, r := range p {
			if r.n == 1 {
				g.header, headerKinds = r.cells, r.kinds
				continue
			}
			if len(r.cells) == 0 {
				continue // blank
			}
			if r.hash != 0 && g.hashes == nil {
				g.hashes = make([]uint64, len(g.rows), n)
			}
			if g.hashes != nil {
				g.hashes = append(g.hashes, r.hash)
			}
			// Every row as wide as the widest, so no typed cell is lost (see sheets.Tab).
			if len(r.old) >= width {
				g.rows = append(g.rows, r.old[:width:width]) // what is past cells is empty
			} else {
				g.rows = append(g.rows, padRow(r.cells, width))
			}
			if withKinds {
				g.kinds = append(g.kinds, r.kinds)
			}
		}
	}
	if len(g.rows) == 0 {
		g.rows = nil // no rows read as none
	}
	g.header = padRow(g.header, width)
	if withKinds {
		g.kinds = append([][]cellKind{headerKinds}, g.kinds...)
		for i, k := range g.kinds {
			if len(k) < width {
				g.kinds[i] = append(k, make([]cellKind, width-len(k))...)
			}
		}
	}
	return g
}

func padRow(r []string, width int) []string {
	if len(r) >= width {
		return r
	}
	if cap(r) >= width {
		n := len(r)
		r = r[:width]
		clear(r[n:])
		return r
	}
	c := make([]string, width)
	copy(c, r)
	return c
}

// splitRows returns the content of a worksheet's sheetData, cut between rows into at
// most n chunks of at least size bytes. Every chunk but the first begins with a row
// that carries its number (r), so that each can be parsed on its own; when the rows do
// not carry numbers, or the worksheet is small, there is one chunk.
func splitRows(raw []byte, n, size int) [][]byte {
	s := &scanner{b: raw}
	var start int
	var rowTag []byte // "<row " or "<x:row " as this file writes it
	for {
		t := s.next()
		if t.kind == tokEOF {
			return [][]byte{nil} // no rows
		}
		if t.kind == tokEmpty && string(t.name) == "sheetData" {
			return [][]byte{nil}
		}
		if t.kind == tokStart && string(t.name) == "sheetData" {
			start = s.i
		}
		if t.kind == tokEnd && string(t.name) == "sheetData" {
			return [][]byte{nil}
		}
		if (t.kind == tokStart || t.kind == tokEmpty) && string(t.name) == "row" {
			i := bytes.LastIndexByte(raw[:s.i-1], '<')
			j := i + 1
			for j < len(raw) && !isSpace(raw[j]) && raw[j] != '>' && raw[j] != '/' {
				j++
			}
			rowTag = append(raw[i:j:j], ' ')
			break
		}
	}
	data := raw[start:]
	n = min(n, len(data)/size)
	if n < 2 || hasMarkupDecl(data) { // a CDATA section or comment could hold "<row "
		return [][]byte{data}
	}
	var chunks [][]byte
	from := 0
	for k := 1; k < n; k++ {
		at := from + (len(data)-from)/(n-k+1)
		i := bytes.Index(data[at:], rowTag)
		if i < 0 {
			break
		}
		at += i
		r := &scanner{b: data[at:]}
		if t := r.next(); t.kind == tokEOF {
			break
		} else if _, ok := attr(t.attrs, "r"); !ok {
			return [][]byte{data} // rows numbered by position: parse them in one go
		}
		chunks = append(chunks, data[from:at])
		from = at
	}
	return append(chunks, data[from:])
}

// hasMarkupDecl reports whether b holds a CDATA section or a comment ("<!").
func hasMarkupDecl(b []byte) bool { return hasTagOf(b, '!') }

// hasInstruction reports whether b holds a processing instruction ("<?").
func hasInstruction(b []byte) bool { return hasTagOf(b, '?') }

// hasTagOf reports whether b holds '<' followed by c, a byte rare in cells (unlike '<').
func hasTagOf(b []byte, c byte) bool {
	for i := 1; i < len(b); {
		j := bytes.IndexByte(b[i:], c)
		if j < 0 {
			return false
		}
		if b[i+j-1] == '<' {
			return true
		}
		i += j + 1
	}
	return false
}

// parseRows parses rows of a worksheet's sheetData (up to its end, or the end of raw),
// and returns them in document order with their numbers.
//
// old, when not nil, is the worksheet's data rows as last read (row n at old.rows[n-2], as
// a workbook Write made them): a row whose cells are those of its old row is returned as
// that row (its prefix up to the last cell not empty, clipped), not as a new copy. After a
// program saved the workbook, most rows are as they were: reading them then allocates
// nothing. When old also has the hashes of its rows' XML (and the shared strings are
// those it was read with), a row whose XML hashes the same is not parsed at all. (Not
// with withKinds.)
func parseRows(raw []byte, sst []string, withKinds bool, old *oldRows) ([]row, error) {
	if withKinds {
		old = nil
	}
	p := &rowParser{sst: sst, withKinds: withKinds, old: old, rows: make([]row, 0, rowsIn(raw))}
	if old != nil && old.hashes != nil && !hasMarkupDecl(raw) && !hasInstruction(raw) {
		if rows, ok, err := p.bySegment(raw); err != nil || ok {
			return rows, err
		}
		p = &rowParser{sst: sst, withKinds: withKinds, old: old, rows: p.rows[:0]}
	}
	if err := p.parse(raw); err != nil {
		return nil, err
	}
	return p.rows, nil
}

// oldRows is what parseRows is given of a worksheet's last read.
type oldRows struct {
	rows [][]string
	// hashes[i], when not zero, is rowHash of the XML row rows[i] was read from (with the
	// same shared strings); nil when unknown.
	hashes []uint64
}

// rowSeed seeds rowHash: hashes are compared within this process only.
var rowSeed = maphash.MakeSeed()

// rowHash hashes a row's XML (never zero).
func rowHash(xml []byte) uint64 { return maphash.Bytes(rowSeed, xml) | 1 }

// bySegment parses raw row by row: each "<row r=…>…</row>" whose bytes hash as those of
// its old row is that row, the others are parsed (parse). ok is false, and nothing of raw
// is parsed here, unless raw is a run of such rows, with only white space between them
// (the sheetData's beginning before the first, its end after the last): rows that do not
// carry their numbers, empty rows written as "<row …/>" and prefixed tags are left to a
// parse of the whole.
func (p *rowParser) bySegment(raw []byte) (_ []row, ok bool, _ error) {
	end := []byte("</row>")
	rest := raw
	// The rows to parse come in runs, each parsed at once: a parse per row would cost
	// more than parsing the whole does.
	var run []byte // raw from the first row of the run to parse
	parseRun := func(to []byte) error {
		if run == nil {
			return nil
		}
		err := p.parse(run[:len(run)-len(to)])
		run = nil
		return err
	}
	for first := true; ; first = false {
		e := bytes.Index(rest, end)
		if e < 0 {
			break
		}
		seg := rest[:e+len(end)]
		start := bytes.Index(seg, []byte("<row"))
		if start < 0 {
			return nil, false, nil
		}
		if len(bytes.TrimSpace(seg[:start])) > 0 {
			if !first {
				return nil, false, nil
			}
			if err := p.parse(seg[:start]); err != nil { // the worksheet up to its first row
				return nil, false, err
			}
		}
		from := rest[start:] // this row and what follows
		seg, rest = seg[start:], rest[e+len(end):]
		n, single := rowNumber(seg)
		if !single {
			return nil, false, nil
		}
		h := rowHash(seg)
		if i := n - 2; i >= 0 && i < len(p.old.hashes) && i < len(p.old.rows) && p.old.hashes[i] == h {
			if err := parseRun(from); err != nil {
				return nil, false, err
			}
			o := p.old.rows[i]
			k := len(o)
			for k > 0 && o[k-1] == "" {
				k--
			}
			p.rows = append(p.rows, row{n: n, cells: o[:k:k], old: o, hash: h})
			continue
		}
		if run == nil {
			run = from
		}
	}
	if bytes.Contains(rest, []byte("<row")) {
		return nil, false, nil
	}
	if err := parseRun(rest); err != nil {
		return nil, false, err
	}
	if err := p.parse(rest); err != nil {
		return nil, false, err
	}
	return p.rows, true, nil
}

// rowNumber reads the number of the row seg holds: seg begins with its tag and ends with
// the first "</row>" after it. single is false unless the tag is "<row …>" with an r
// attribute (rows do not nest: seg then holds that row alone).
func rowNumber(seg []byte) (n int, single bool) {
	tagEnd := bytes.IndexByte(seg, '>')
	if tagEnd < 5 || tagEnd == len(seg)-1 {
		return 0, false
	}
	tag := seg[:tagEnd]
	if c := tag[4]; c != ' ' && c != '\t' && c != '\n' && c != '\r' || tag[len(tag)-1] == '/' {
		return 0, false // <rowSomething>, or an empty row
	}
	at := bytes.Index(tag, []byte(` r="`))
	if at < 0 {
		return 0, false
	}
	v := tag[at+4:]
	q := bytes.IndexByte(v, '"')
	if q < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(v[:q]))
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// rowParser parses rows of a worksheet, appending them to rows. Its scratch row and
// buffers serve every row it parses.
type rowParser struct {
	sst       []string
	withKinds bool
	old       *oldRows
	rows      []row
	cur       row // cur.cells is a scratch row, copied out at the row's end
	started   bool
	// The new text of a row's cells goes into one buffer that becomes one string: an
	// allocation per row rather than per cell.
	buf     []byte
	pending []span
	from    []int  // per cell of cur: the index in pending of its text, or -1
	width   int    // of the widest row yet: a new row has room to be padded to it
	hash    uint64 // rowHash of cur's XML, once its end tag is read
}

// parse parses the rows of raw (whole rows, or the sheetData's end) and appends them, each
// with the hash of its XML.
func (p *rowParser) parse(raw []byte) error {
	p.started = false
	err := parseCells(raw, p.sst, func(n int) { p.flush(); p.cur.n = n }, p.cell,
		func(start, end int) { p.hash = rowHash(raw[start:end]) })
	if err != nil {
		return err
	}
	p.flush()
	return nil
}

func (p *rowParser) cell(col int, str string, text []byte, kind cellKind) {
	for len(p.cur.cells) < col {
		p.cur.cells = append(p.cur.cells, "")
		p.from = append(p.from, -1)
		if p.withKinds {
			p.cur.kinds = append(p.cur.kinds, kindText)
		}
	}
	if str != "" {
		p.cur.cells[col-1], p.from[col-1] = str, -1
	} else {
		// not empty: its text is set from buf at the end of the row
		p.cur.cells[col-1], p.from[col-1] = "\x00", len(p.pending)
		p.pending = append(p.pending, span{from: len(p.buf), to: len(p.buf) + len(text)})
		p.buf = append(p.buf, text...)
	}
	if p.withKinds {
		p.cur.kinds[col-1] = kind
	}
}

// flush ends the current row, if one was begun.
func (p *rowParser) flush() {
	if p.started {
		cur := &p.cur
		n := len(cur.cells)
		for n > 0 && cur.cells[n-1] == "" {
			n--
		}
		p.width = max(p.width, n)
		r := row{n: cur.n, hash: p.hash}
		var o []string
		if p.old != nil {
			o = oldRow(p.old.rows, cur.n)
		}
		if o != nil && sameCells(cur.cells[:n], p.from, p.buf, p.pending, o) {
			r.cells, r.old = o[:n:n], o
		} else if n > 0 {
			cells := make([]string, n, p.width)
			copy(cells, cur.cells)
			if len(p.pending) > 0 {
				all := string(p.buf)
				for j := range n {
					if k := p.from[j]; k >= 0 {
						cells[j] = all[p.pending[k].from:p.pending[k].to]
					}
				}
			}
			r.cells = cells
		}
		if p.withKinds {
			r.kinds = slices.Clone(cur.kinds[:n])
		}
		p.rows = append(p.rows, r)
	}
	p.buf, p.pending, p.hash = p.buf[:0], p.pending[:0], 0
	p.cur.cells, p.cur.kinds, p.from = p.cur.cells[:0], p.cur.kinds[:0], p.from[:0]
	p.started = true
}

// rowsIn guesses how many rows raw holds, from the distance between its first two rows,
// so that parseRows grows its slice of rows once or twice rather than a dozen times.
func rowsIn(raw []byte) int {
	const most = 1 << 16 // a guess only: bounded, and grown from there when it is short
	first := bytes.Index(raw, []byte("<row"))
	if first < 0 {
		return 0
	}
	second := bytes.Index(raw[first+4:], []byte("<row"))
	if second <= 0 {
		return 1
	}
	return min(len(raw)/(second+4)+16, most)
}

// oldRow is row n of old (data rows from row 2), nil when old has none.
func oldRow(old [][]string, n int) []string {
	if i := n - 2; i >= 0 && i < len(old) {
		return old[i]
	}
	return nil
}

// sameCells reports whether a row parsed as cells (the text of cell j in buf at
// pending[from[j]] when from[j] >= 0) holds the cells of o: o's are cells' followed by
// nothing but empty ones.
func sameCells(cells []string, from []int, buf []byte, pending []span, o []string) bool {
	if len(o) < len(cells) {
		return false
	}
	for j, c := range cells {
		if k := from[j]; k >= 0 {
			if string(buf[pending[k].from:pending[k].to]) != o[j] {
				return false
			}
		} else if c != o[j] {
			return false
		}
	}
	for _, c := range o[len(cells):] {
		if c != "" {
			return false
		}
	}
	return true
}

// span is where the text of a cell lies in its row's buffer.
type span struct{ from, to int }

// parseCells calls newRow at every row (with its 1-based number) and cell for every cell
// of it that shows something (with its 1-based column and its text, see cellText), in
// document order, up to the end of the sheetData or of raw; and rowEnd, when not nil, at
// the end tag of every row, with where its XML begins and ends in raw.
func parseCells(raw []byte, sst []string, newRow func(n int), cell func(col int, str string, text []byte, kind cellKind), rowEnd func(start, end int)) error {
	s := &scanner{b: raw}
	var (
		rowN, col   int
		v, is, text []byte
		rowStart    int
	)
	for {
		at := s.i
		t := s.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokEnd:
			switch string(t.name) {
			case "sheetData":
				return nil
			case "row":
				if rowEnd != nil {
					rowEnd(rowStart, s.i)
				}
			}
		case tokStart, tokEmpty:
			switch string(t.name) {
			case "row":
				rowStart = at
				rowN++
				if r, ok := attr(t.attrs, "r"); ok {
					n, err := strconv.Atoi(string(r))
					if err != nil || n < 1 {
						return fmt.Errorf("row number %q", r)
					}
					rowN = n
				}
				col = 0
				newRow(rowN)
			case "c":
				if rowN == 0 {
					continue // a cell outside any row
				}
				col++
				var typ []byte
				for _, a := range t.attrs {
					switch string(a.name) {
					case "r":
						c, err := refColumn(a.value)
						if err != nil {
							return err
						}
						col = c
					case "t":
						typ = a.value
					}
				}
				if t.kind == tokEmpty {
					continue
				}
				var hasV, hasIS bool
				v, is, hasV, hasIS = cellContent(s, v[:0], is[:0])
				if !hasV && !hasIS {
					continue
				}
				var str string
				var kind cellKind
				var err error
				str, text, kind, err = cellText(string(typ), v, is, hasIS, sst, text[:0])
				if err != nil {
					return fmt.Errorf("cell %s: %w", cellName(col, rowN), err)
				}
				if str != "" || len(text) > 0 {
					cell(col, str, text, kind)
				}
			}
		}
	}
}

// cellContent reads a cell's children up to </c>: the value (<v>) and an inline string
// (<is>); a formula (<f>) is skipped, its cached value is what the cell shows.
func cellContent(s *scanner, v, is []byte) (_, _ []byte, hasV, hasIS bool) {
	for {
		t := s.next()
		switch t.kind {
		case tokEOF:
			return v, is, hasV, hasIS
		case tokEnd:
			if string(t.name) == "c" {
				return v, is, hasV, hasIS
			}
		case tokStart:
			switch string(t.name) {
			case "v":
				hasV = true
				v = collectText(s, "v", v)
			case "is":
				hasIS = true
				is = collectString(s, "is", is)
			case "f", "extLst":
				skipTo(s, string(t.name))
			}
		}
	}
}

// collectText appends the character data up to the end of the element named end.
func collectText(s *scanner, end string, buf []byte) []byte {
	for {
		t := s.next()
		switch t.kind {
		case tokEOF:
			return buf
		case tokText:
			buf = appendText(buf, t.text)
		case tokCDATA:
			buf = append(buf, t.text...)
		case tokEnd:
			if string(t.name) == end {
				return buf
			}
		}
	}
}

// skipTo skips past the end of the element named end (which must not nest).
func skipTo(s *scanner, end string) {
	for {
		t := s.next()
		if t.kind == tokEOF || (t.kind == tokEnd && string(t.name) == end) {
			return
		}
	}
}

// cellText returns the text a cell shows: strings as they are; numbers in plain decimal,
// rounded to the 15 significant digits a spreadsheet shows and never in a number format
// (3 is "3", never "3.0" nor a date); booleans as TRUE and FALSE; errors as their code.
// The text is either str, when it exists already (a shared string), or appended to buf.
func cellText(typ string, v, is []byte, hasIS bool, sst []string, buf []byte) (str string, _ []byte, _ cellKind, _ error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil || i < 0 || i >= len(sst) {
			return "", buf, kindText, fmt.Errorf("shared string %q of %d", v, len(sst))
		}
		return sst[i], buf, kindText, nil
	case "inlineStr":
		if !hasIS {
			return "", appendDecoded(buf, v), kindText, nil
		}
		return "", appendDecoded(buf, is), kindText, nil
	case "str", "e", "d":
		return "", appendDecoded(buf, v), kindText, nil
	case "b":
		switch strings.TrimSpace(string(v)) {
		case "1", "true":
			return "TRUE", buf, kindBool, nil
		case "0", "false":
			return "FALSE", buf, kindBool, nil
		}
		return "", append(buf, v...), kindText, nil
	}
	return "", appendDecimal(buf, v), kindNumber, nil
}

// appendDecimal appends a number cell's value as a person sees it in a General cell, but
// without exponent: at most 15 significant digits, no trailing zeros, "3" not "3.0".
func appendDecimal(buf, v []byte) []byte {
	if isPlainInteger(v) {
		return append(buf, v...)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return append(buf, v...)
	}
	if f == 0 {
		return append(buf, '0')
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'e', 14, 64), 64)
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}

// isPlainInteger reports whether v is a whole number as strconv.Itoa writes it with at
// most 15 digits, which is its own plain decimal form.
func isPlainInteger(v []byte) bool {
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 15 || (d[0] == '0' && (len(d) > 1 || len(v) > 1)) {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// refColumn returns the 1-based column of a cell reference such as "AB12".
func refColumn(ref []byte) (int, error) {
	col := 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		case c == '$':
		default:
			if col == 0 || col > maxColumns {
				return 0, fmt.Errorf("cell reference %q", ref)
			}
			return col, nil
		}
		if col > maxColumns {
			return 0, fmt.Errorf("cell reference %q", ref)
		}
	}
	if col == 0 {
		return 0, fmt.Errorf("cell reference %q", ref)
	}
	return col, nil
}

const maxColumns = 16384

// cellName returns the A1 name of a cell.
func cellName(col, row int) string {
	return columnName(col) + strconv.Itoa(row)
}

// columnName returns the letters of a 1-based column: 1 is A, 27 is AA.
func columnName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

// partPrint identifies what a worksheet reads as without reading it: the CRC-32 and size
// of its part as the zip directory declares them, and those of the shared strings its
// cells may refer to. A worksheet is parsed again whenever its print changes; when it does
// not, its part holds the same bytes (but for a change that keeps the part's size and its
// CRC-32, a chance of 1 in 2³² for a change that is not a single burst of at most 32 bits,
// which CRC-32 always detects), and reads as the same values.
type partPrint struct {
	crc, sstCRC   uint32
	size, sstSize uint64
}

// printOf returns the print of the worksheet part named part; ok is false when the zip
// directory does not say enough to trust it.
func (p *pkg) printOf(part string) (_ partPrint, ok bool) {
	f, found := p.parts[strings.ToLower(part)]
	if !found || f.Method != zip.Store && f.Method != zip.Deflate {
		return partPrint{}, false
	}
	pp := partPrint{crc: f.CRC32, size: f.UncompressedSize64}
	if p.sharedStrings != "" {
		if s, found := p.parts[strings.ToLower(p.sharedStrings)]; found {
			pp.sstCRC, pp.sstSize = s.CRC32, s.UncompressedSize64
		}
	}
	return pp, true
}

// parsedTab is a worksheet's values as they read, by the print of the part they read from.
// Its slices are never changed: Read hands out copies.
type parsedTab struct {
	print  partPrint
	header []string
	rows   [][]string
	hashes []uint64 // see grid
}

// readBook reads every worksheet of a workbook's bytes as text. Worksheets are inflated
// and parsed in parallel.
func readBook(data []byte) (*sheets.Book, error) {
	b, _, err := readBookReusing(data, nil)
	return b, err
}

// readBookReusing is readBook, but a worksheet whose print is in parsed is not parsed: its
// values are parsed's. It returns the prints of the worksheets it read, for the next read.
// The Book shares its slices with them.
func readBookReusing(data []byte, parsed map[string]*parsedTab) (*sheets.Book, map[string]*parsedTab, error) {
	p, err := openPackage(data)
	if err != nil {
		return nil, nil, err
	}
	grids := make([]*grid, len(p.tabs))
	prints := make([]partPrint, len(p.tabs))
	trusted := make([]bool, len(p.tabs))
	toParse := 0
	for i, ref := range p.tabs {
		prints[i], trusted[i] = p.printOf(ref.part)
		if t, ok := parsed[strings.ToLower(ref.part)]; ok && trusted[i] && t.print == prints[i] {
			grids[i] = &grid{header: t.header, rows: t.rows, hashes: t.hashes}
			continue
		}
		toParse++
	}
	if toParse > 0 {
		sst, err := p.readSharedStrings()
		if err != nil {
			return nil, nil, err
		}
		errs := make([]error, len(p.tabs))
		var wg sync.WaitGroup
		for i, ref := range p.tabs {
			if grids[i] != nil {
				continue
			}
			var old *oldRows // the rows last read or written: most are the same
			if t, ok := parsed[strings.ToLower(ref.part)]; ok {
				old = &oldRows{rows: t.rows}
				if t.print.sstCRC == prints[i].sstCRC && t.print.sstSize == prints[i].sstSize {
					old.hashes = t.hashes // their XML means what it meant then
				}
			}
			wg.Go(func() { grids[i], errs[i] = p.readGrid(ref, sst, false, old) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, nil, err
		}
	}
	b := &sheets.Book{Tabs: make([]*sheets.Tab, len(p.tabs))}
	next := make(map[string]*parsedTab, len(p.tabs))
	for i, ref := range p.tabs {
		b.Tabs[i] = &sheets.Tab{Name: ref.name, Header: grids[i].header, Rows: grids[i].rows}
		if trusted[i] {
			next[strings.ToLower(ref.part)] = &parsedTab{print: prints[i], header: grids[i].header, rows: grids[i].rows, hashes: grids[i].hashes}
		}
	}
	return b, next, nil
}
