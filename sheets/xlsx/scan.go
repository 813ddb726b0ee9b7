package xlsx

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small pull tokenizer for the two big parts of a workbook, the worksheets and
// the shared strings, where encoding/xml is several times too slow for a poll pass. It
// knows what those parts contain: elements, attributes, character data, entity and
// character references, CDATA sections, comments and processing instructions. Element and
// attribute names are matched by their local part, so any namespace prefix works.
type scanner struct {
	b     []byte
	i     int
	attrs []attribute // of the last tag; reused
}

// attribute is one attribute of a tag: its local name and raw (escaped) value.
type attribute struct {
	name, value []byte
}

type tokenKind uint8

const (
	tokEOF   tokenKind = iota
	tokStart           // <name attrs>
	tokEnd             // </name>
	tokEmpty           // <name attrs/>
	tokText            // character data, still escaped
	tokCDATA           // a CDATA section's content, literal
)

type token struct {
	kind  tokenKind
	name  []byte      // local name of an element
	attrs []attribute // of a start or empty element; valid until the next token
	text  []byte      // tokText, tokCDATA
}

// next returns the next token. Malformed input ends the scan with tokEOF; callers check
// that they saw the end of what they were reading.
func (s *scanner) next() token {
	for s.i < len(s.b) {
		if s.b[s.i] != '<' {
			j := bytes.IndexByte(s.b[s.i:], '<')
			if j < 0 {
				j = len(s.b) - s.i
			}
			t := token{kind: tokText, text: s.b[s.i : s.i+j]}
			s.i += j
			return t
		}
		rest := s.b[s.i:]
		if len(rest) > 1 && (rest[1] == '!' || rest[1] == '?') {
			switch {
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				j := bytes.Index(rest, []byte("]]>"))
				if j < 0 {
					s.i = len(s.b)
					return token{}
				}
				s.i += j + 3
				return token{kind: tokCDATA, text: rest[9:j]}
			case bytes.HasPrefix(rest, []byte("<!--")):
				j := bytes.Index(rest, []byte("-->"))
				if j < 0 {
					s.i = len(s.b)
					return token{}
				}
				s.i += j + 3
				continue
			case rest[1] == '?':
				j := bytes.Index(rest, []byte("?>"))
				if j < 0 {
					s.i = len(s.b)
					return token{}
				}
				s.i += j + 2
				continue
			default: // DOCTYPE: none in OOXML; skip to '>'
				j := bytes.IndexByte(rest, '>')
				if j < 0 {
					s.i = len(s.b)
					return token{}
				}
				s.i += j + 1
				continue
			}
		}
		if len(rest) > 1 && rest[1] == '/' {
			j := bytes.IndexByte(rest, '>')
			if j < 0 {
				s.i = len(s.b)
				return token{}
			}
			s.i += j + 1
			n := 2
			for n < j && !isSpace(rest[n]) {
				n++
			}
			return token{kind: tokEnd, name: localName(rest[2:n])}
		}
		t, n := s.tag(rest)
		if n < 0 {
			s.i = len(s.b)
			return token{}
		}
		s.i += n
		return t
	}
	return token{}
}

// tag parses the start or empty-element tag at the start of b, with its attributes, and
// returns it with its length, or -1 if it is malformed.
func (s *scanner) tag(b []byte) (token, int) {
	i := 1
	for i < len(b) && !isSpace(b[i]) && b[i] != '>' && b[i] != '/' {
		i++
	}
	t := token{kind: tokStart, name: localName(b[1:i])}
	s.attrs = s.attrs[:0]
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return t, -1
		}
		switch b[i] {
		case '>':
			t.attrs = s.attrs
			return t, i + 1
		case '/':
			if i+1 < len(b) && b[i+1] == '>' {
				t.kind, t.attrs = tokEmpty, s.attrs
				return t, i + 2
			}
			return t, -1
		}
		start := i
		for i < len(b) && b[i] != '=' && !isSpace(b[i]) && b[i] != '>' {
			i++
		}
		name := localName(b[start:i])
		for i < len(b) && (isSpace(b[i]) || b[i] == '=') {
			i++
		}
		if i >= len(b) || (b[i] != '"' && b[i] != '\'') {
			return t, -1
		}
		k := bytes.IndexByte(b[i+1:], b[i])
		if k < 0 {
			return t, -1
		}
		s.attrs = append(s.attrs, attribute{name: name, value: b[i+1 : i+1+k]})
		i += k + 2
	}
}

func localName(name []byte) []byte {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// attr returns the raw (escaped) value of the attribute with the given local name.
func attr(attrs []attribute, name string) ([]byte, bool) {
	for _, a := range attrs {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

// appendText appends character data to dst, resolving entity and character references
// and normalising line ends as an XML parser does (a literal CR LF or CR is a LF; an
// escaped &#xD; stays a CR).
func appendText(dst []byte, raw []byte) []byte {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '&':
			j := bytes.IndexByte(raw[i:], ';')
			if j < 0 {
				dst = append(dst, raw[i:]...)
				return dst
			}
			ref := raw[i+1 : i+j]
			if r, ok := resolveRef(ref); ok {
				dst = utf8.AppendRune(dst, r)
			} else {
				dst = append(dst, raw[i:i+j+1]...)
			}
			i += j
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func resolveRef(ref []byte) (rune, bool) {
	switch string(ref) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' || ref[1] == 'X' {
		n, err = strconv.ParseUint(string(ref[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ref[1:]), 10, 32)
	}
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	return rune(n), true
}

// unescapeAttr returns an attribute value as text.
func unescapeAttr(raw []byte) string {
	return string(appendText(nil, raw))
}

// appendDecoded appends s to dst with the _xHHHH_ escapes resolved that OOXML uses in
// string values for characters XML cannot carry (ECMA-376 Part 1, 22.9.2.19 ST_Xstring):
// "_x000D_" is a CR and "_x005F_" a literal underscore, so "_x005F_x0041_" is "_x0041_".
func appendDecoded(dst, s []byte) []byte {
	if !bytes.Contains(s, []byte("_x")) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); {
		if r, ok := escapeAt(s, i); ok {
			i += 7
			if utf16.IsSurrogate(r) {
				if r2, ok := escapeAt(s, i); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 7
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		}
		dst = append(dst, s[i])
		i++
	}
	return dst
}

// escapeAt returns the character of the _xHHHH_ escape at s[i:], if there is one.
func escapeAt(s []byte, i int) (rune, bool) {
	if i+7 > len(s) || s[i] != '_' || s[i+1] != 'x' || s[i+6] != '_' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s[i+2:i+6]), 16, 16)
	return rune(n), err == nil
}
