package uptime

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the binary carries the zone database; a scratch image has none
	"unicode"
	"unicode/utf8"
)

// ParseError is the error of Parse, ParseIn and ParseHoliday for text a person
// typed. Reason is short and made for a spreadsheet's Sync cell, e.g.
// `unknown weekday "Fru" (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`.
type ParseError struct {
	Cell   string // the cell as typed
	Reason string // what is wrong, without the cell
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("uptime %q: %s", e.Cell, e.Reason)
}

// ErrDefaultZone is returned by ParseIn when its default zone has no name that
// a cell could hold (time.Local, a time.FixedZone): a schedule must print as
// text that parses back to itself.
var ErrDefaultZone = errors.New("uptime: default zone has no IANA name")

// Parse parses an Uptime cell (syntax in the package documentation). An empty
// or blank cell is the zero Schedule (no schedule) and no error. Every range
// must name its time zone. Errors are *ParseError.
func Parse(cell string) (Schedule, error) {
	return ParseIn(cell, nil)
}

// ParseIn is Parse where a weekly range without a time zone is in
// defaultZone. A nil defaultZone requires every range to name its zone. The
// schedule's String names the zone either way.
func ParseIn(cell string, defaultZone *time.Location) (Schedule, error) {
	if defaultZone != nil {
		loc, ok := loadZone(defaultZone.String())
		if !ok {
			return Schedule{}, fmt.Errorf("%w: %q", ErrDefaultZone, defaultZone.String())
		}
		defaultZone = loc
	}
	text := normalize(cell)
	if text == "" {
		return Schedule{}, nil
	}
	fail := func(format string, args ...any) (Schedule, error) {
		return Schedule{}, &ParseError{Cell: cell, Reason: fmt.Sprintf(format, args...)}
	}
	switch strings.ToLower(text) {
	case "always":
		return Schedule{mode: modeAlways}, nil
	case "never":
		return Schedule{mode: modeNever}, nil
	}
	parts := strings.Split(text, ",")
	s := Schedule{mode: modeRanges, ranges: make([]timeRange, 0, len(parts))}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		var r timeRange
		var reason string
		switch lp := strings.ToLower(p); {
		case p == "":
			reason = "empty range between commas"
		case lp == "always" || lp == "never":
			reason = fmt.Sprintf("%q stands alone, not in a list of ranges", lp)
		case isAbsolute(p):
			r, reason = parseAbsolute(p)
		default:
			r, reason = parseWeekly(p, defaultZone)
		}
		if reason != "" {
			return fail("%s", reason)
		}
		s.ranges = append(s.ranges, r)
	}
	return s, nil
}

// normalize trims text, reads the dashes a spreadsheet's autocorrect makes
// (– — −) as '-', blanks as ' ', and drops blanks around each '-'.
func normalize(text string) string {
	text = strings.TrimSpace(text)
	clean := true
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 0x80 || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
			(c == '-' && i > 0 && text[i-1] == ' ') || (c == ' ' && i > 0 && (text[i-1] == '-' || text[i-1] == ' ')) {
			clean = false
			break
		}
	}
	if clean {
		return text
	}
	b := make([]byte, 0, len(text))
	afterDash := false
	for _, r := range text {
		switch {
		case r == '–' || r == '—' || r == '−' || r == '‐' || r == '‑':
			r = '-'
		case unicode.IsSpace(r):
			if afterDash || len(b) > 0 && b[len(b)-1] == ' ' {
				continue
			}
			r = ' '
		}
		if r == '-' {
			for len(b) > 0 && b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
		}
		afterDash = r == '-'
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

var weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

const weekdayList = "Mon, Tue, Wed, Thu, Fri, Sat, Sun"

func parseWeekly(p string, defaultZone *time.Location) (timeRange, string) {
	r := timeRange{from: time.Monday, to: time.Sunday}
	f := strings.Fields(p)
	var days, clock, zone string
	switch {
	case len(f) == 1 && hasDigit(f[0]):
		clock = f[0]
	case len(f) == 1:
		return r, fmt.Sprintf("%q needs a time range (HH:MM-HH:MM)", f[0])
	case len(f) == 2 && hasDigit(f[0]):
		clock, zone = f[0], f[1]
	case len(f) == 2:
		days, clock = f[0], f[1]
	case len(f) == 3:
		days, clock, zone = f[0], f[1], f[2]
	default:
		return r, fmt.Sprintf("%q is not a range (e.g. Mon-Fri 08:00-18:00 Europe/Berlin)", p)
	}
	if days != "" {
		ds := strings.Split(days, "-")
		if len(ds) > 2 {
			return r, fmt.Sprintf("%q is not a weekday range (e.g. Mon-Fri)", days)
		}
		var ok bool
		if r.from, ok = parseWeekday(ds[0]); !ok {
			return r, fmt.Sprintf("unknown weekday %q (%s)", ds[0], weekdayList)
		}
		r.to = r.from
		if len(ds) == 2 {
			if r.to, ok = parseWeekday(ds[1]); !ok {
				return r, fmt.Sprintf("unknown weekday %q (%s)", ds[1], weekdayList)
			}
		}
	}
	cs := strings.Split(clock, "-")
	if len(cs) != 2 {
		return r, fmt.Sprintf("%q is not a time range (HH:MM-HH:MM)", clock)
	}
	var reason string
	if r.start, reason = parseClock(cs[0], false); reason != "" {
		return r, reason
	}
	if r.end, reason = parseClock(cs[1], true); reason != "" {
		return r, reason
	}
	if r.start == r.end {
		return r, fmt.Sprintf("%s is an empty window (a whole day is 00:00-24:00)", clock)
	}
	switch {
	case zone != "":
		var ok bool
		if r.loc, ok = loadZone(zone); !ok {
			return r, fmt.Sprintf("unknown time zone %q", zone)
		}
	case defaultZone != nil:
		r.loc = defaultZone
	default:
		return r, "missing time zone (e.g. Mon-Fri 08:00-18:00 Europe/Berlin)"
	}
	r.days = dayMask(r.from, r.to)
	return r, ""
}

func parseWeekday(s string) (time.Weekday, bool) {
	for i, n := range weekdayNames {
		if strings.EqualFold(s, n) || strings.EqualFold(s, time.Weekday(i).String()) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// dayMask returns the set of weekdays from..to, wrapping past Sunday.
func dayMask(from, to time.Weekday) uint8 {
	var m uint8
	for d := from; ; d = (d + 1) % 7 {
		m |= 1 << d
		if d == to {
			return m
		}
	}
}

// parseClock parses H:MM or HH:MM into minutes of the day. An end may be 24:00.
func parseClock(s string, end bool) (int, string) {
	hs, ms, ok := strings.Cut(s, ":")
	h, okh := digits(hs, 1, 2)
	m, okm := digits(ms, 2, 2)
	if !ok || !okh || !okm {
		return 0, fmt.Sprintf("%q is not a time (HH:MM)", s)
	}
	switch {
	case h < 24 && m < 60:
		return h*60 + m, ""
	case end && h == 24 && m == 0:
		return 24 * 60, ""
	case end:
		return 0, fmt.Sprintf("%s is not a time (00:00–24:00)", s)
	case h == 24 && m == 0:
		return 0, "24:00 ends a day, it cannot start a window (00:00–23:59)"
	}
	return 0, fmt.Sprintf("%s is not a time (00:00–23:59)", s)
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// isAbsolute reports whether p starts like an RFC 3339 timestamp (YYYY-).
func isAbsolute(p string) bool {
	_, ok := digits(p[:min(4, len(p))], 4, 4)
	return ok && len(p) > 4 && p[4] == '-'
}

// parseAbsolute parses <RFC 3339>-<RFC 3339>, whole seconds, with Z or an offset.
func parseAbsolute(p string) (timeRange, string) {
	var r timeRange
	sep := -1
	for i := 5; i+5 < len(p); i++ {
		if p[i] != '-' {
			continue
		}
		if _, ok := digits(p[i+1:i+5], 4, 4); ok && p[i+5] == '-' {
			sep = i
			break
		}
	}
	if sep < 0 {
		return r, fmt.Sprintf("%q is not a range of two times (e.g. 2026-12-24T08:00:00+01:00-2026-12-24T12:00:00+01:00)", p)
	}
	var reason string
	if r.absFrom, reason = parseTimestamp(p[:sep]); reason != "" {
		return r, reason
	}
	if r.absTo, reason = parseTimestamp(p[sep+1:]); reason != "" {
		return r, reason
	}
	if !r.absFrom.Before(r.absTo) {
		return r, fmt.Sprintf("%s ends before it starts", p)
	}
	r.absolute = true
	return r, ""
}

func parseTimestamp(s string) (time.Time, string) {
	if strings.Contains(s, ".") {
		return time.Time{}, fmt.Sprintf("%s: fractions of a second are not supported", s)
	}
	t, err := time.ParseInLocation(time.RFC3339, s, time.UTC)
	if err != nil || t.Year() < 1970 {
		return time.Time{}, fmt.Sprintf("%q is not a time (e.g. 2026-12-24T08:00:00+01:00)", s)
	}
	return t, ""
}

// zones caches loaded locations by the name typed, so that a cell parsed twice
// yields the same *time.Location and parsing stays cheap when the engine
// parses every row on every poll.
var zones sync.Map // string → *time.Location

// loadZone returns the IANA zone named name. It also accepts the name in
// other letter cases (europe/berlin, utc). "Local" is refused: it would mean
// the host's zone, which in a container is UTC and elsewhere anything.
func loadZone(name string) (*time.Location, bool) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), true
	}
	if name == "" || len(name) > 64 || strings.EqualFold(name, "local") {
		return nil, false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/_+-", c) >= 0) {
			return nil, false
		}
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "//") {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		if alt := zoneCase(name); alt != name {
			loc, err = time.LoadLocation(alt)
		}
		if err != nil {
			return nil, false
		}
	}
	if v, ok := zones.Load(loc.String()); ok { // one pointer per zone, whatever the spelling
		loc = v.(*time.Location)
	} else {
		zones.Store(loc.String(), loc)
	}
	zones.Store(name, loc)
	return loc, true
}

// zoneCase returns name in the letter case of the zone database: short
// all-letter names upper case (UTC, GMT, CET), others with each word
// capitalised (America/New_York).
func zoneCase(name string) string {
	if len(name) <= 4 && !strings.ContainsAny(name, "/_+-0123456789") {
		return strings.ToUpper(name)
	}
	b := []byte(strings.ToLower(name))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}
