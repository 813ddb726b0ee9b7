package uptime

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Date is a civil date: a day in no particular zone. A holiday is a Date; it is
// placed in time by each schedule's own zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Holidays is a set of dates on which every weekly range is down all day (see
// the package documentation). The zero value is an empty set, ready to use.
// Reads (Up, Next, Contains) may run concurrently; Add may not run alongside
// them.
type Holidays struct {
	days map[int64]struct{} // day numbers
}

// NewHolidays returns the set of the given dates.
func NewHolidays(dates ...Date) Holidays {
	var h Holidays
	for _, d := range dates {
		h.Add(d)
	}
	return h
}

// Add puts d in the set. An out-of-range date normalises as in time.Date
// (2026-02-30 is 2026-03-02); ParseHoliday never returns one.
func (h *Holidays) Add(d Date) {
	if h.days == nil {
		h.days = make(map[int64]struct{})
	}
	h.days[dayNumber(d.Year, d.Month, d.Day)] = struct{}{}
}

// Contains reports whether d is in the set.
func (h Holidays) Contains(d Date) bool {
	return h.contains(dayNumber(d.Year, d.Month, d.Day))
}

// Len returns the number of dates in the set.
func (h Holidays) Len() int { return len(h.days) }

// Dates returns the dates in the set, in order.
func (h Holidays) Dates() []Date {
	ds := make([]int64, 0, len(h.days))
	for d := range h.days {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	out := make([]Date, len(ds))
	for i, d := range ds {
		y, m, dd := civil(d)
		out[i] = Date{y, m, dd}
	}
	return out
}

func (h Holidays) contains(day int64) bool {
	if len(h.days) == 0 {
		return false
	}
	_, ok := h.days[day]
	return ok
}

// countFrom returns how many dates in the set are on or after day.
func (h Holidays) countFrom(day int64) int {
	n := 0
	for d := range h.days {
		if d >= day {
			n++
		}
	}
	return n
}

// Spreadsheet serial dates (days since 1899-12-30, as Excel's 1900 date system
// and Google Sheets count them) accepted by ParseHoliday: 1970-01-01 through
// 9999-12-31.
const (
	serialEpochDay = -25569 // day number of 1899-12-30
	minSerial      = 25569
	maxSerial      = 2958465
)

// ParseHoliday parses a Holidays tab's Date cell. It accepts
//
//	2026-12-24   ISO 8601 (month and day may have one digit: 2026-1-7)
//	24.12.2026   day first, as written in Germany and much of Europe
//	46380        a spreadsheet serial date (a date cell read unformatted)
//
// and rejects 12/24/2026 and 24/12/2026: with slashes, the order of day and
// month is not knowable. Errors are *ParseError.
func ParseHoliday(cell string) (Date, error) {
	s := strings.TrimSpace(cell)
	fail := func(format string, args ...any) (Date, error) {
		return Date{}, &ParseError{Cell: cell, Reason: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return fail("empty date (2026-12-24 or 24.12.2026)")
	}
	var y, m, d int
	var ok bool
	switch {
	case strings.Contains(s, "/"):
		return fail("%q is ambiguous: write 2026-12-24 or 24.12.2026", s)
	case strings.Count(s, "-") == 2:
		p := strings.Split(s, "-")
		y, ok = digits(p[0], 4, 4)
		if ok {
			m, ok = digits(p[1], 1, 2)
		}
		if ok {
			d, ok = digits(p[2], 1, 2)
		}
	case strings.Count(s, ".") == 2:
		p := strings.Split(s, ".")
		d, ok = digits(p[0], 1, 2)
		if ok {
			m, ok = digits(p[1], 1, 2)
		}
		if ok {
			y, ok = digits(p[2], 4, 4)
		}
	default:
		n, okn := digits(s, 1, 7)
		if okn && n >= minSerial && n <= maxSerial {
			yy, mm, dd := civil(serialEpochDay + int64(n))
			return Date{yy, mm, dd}, nil
		}
	}
	if !ok {
		return fail("%q is not a date (2026-12-24 or 24.12.2026)", s)
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return fail("%s is not a date", Date{y, time.Month(m), d})
	}
	return Date{y, time.Month(m), d}, nil
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// digits parses s as a decimal number of min to max ASCII digits.
func digits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
