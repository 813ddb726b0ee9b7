package uptime

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

type mode uint8

const (
	modeNone   mode = iota // the zero Schedule: no schedule
	modeAlways             // "always"
	modeNever              // "never"
	modeRanges             // one or more ranges
)

// Schedule is a parsed Uptime cell: when an object is up. The zero Schedule
// is "no schedule". A Schedule is immutable and safe for concurrent use;
// compare two with Equal, not ==.
type Schedule struct {
	mode   mode
	ranges []timeRange
}

// timeRange is one comma-separated part of a cell: weekly or absolute.
type timeRange struct {
	absolute bool

	// weekly
	from, to   time.Weekday // as written, for String
	days       uint8        // bit d set: occurrences start on weekday d
	start, end int          // minutes of the day; end may be 1440 (24:00); end < start wraps past midnight
	loc        *time.Location

	// absolute: [absFrom, absTo)
	absFrom, absTo time.Time
}

func (r *timeRange) wraps() bool { return r.end < r.start }

// IsZero reports whether s is the zero Schedule, what an empty cell parses to.
func (s Schedule) IsZero() bool { return s.mode == modeNone }

// String returns the canonical text of s: weekdays as Mon..Sun, a single day
// alone (Sat), times as HH:MM, the zone by its IANA name, absolute ranges in
// RFC 3339, ranges in the order written, separated by ", ". Parse(s.String())
// is Equal to s. The zero Schedule is "".
func (s Schedule) String() string {
	switch s.mode {
	case modeNone:
		return ""
	case modeAlways:
		return "always"
	case modeNever:
		return "never"
	}
	var b strings.Builder
	for i := range s.ranges {
		if i > 0 {
			b.WriteString(", ")
		}
		r := &s.ranges[i]
		if r.absolute {
			b.WriteString(r.absFrom.Format(time.RFC3339))
			b.WriteByte('-')
			b.WriteString(r.absTo.Format(time.RFC3339))
			continue
		}
		b.WriteString(weekdayNames[r.from])
		if r.to != r.from {
			b.WriteByte('-')
			b.WriteString(weekdayNames[r.to])
		}
		fmt.Fprintf(&b, " %02d:%02d-%02d:%02d %s", r.start/60, r.start%60, r.end/60, r.end%60, r.loc)
	}
	return b.String()
}

// Equal reports whether s and o are the same schedule as written: the same
// ranges in the same order (so "Sat, Sun" and "Sun, Sat", equivalent in
// effect, are not Equal).
func (s Schedule) Equal(o Schedule) bool {
	if s.mode != o.mode || len(s.ranges) != len(o.ranges) {
		return false
	}
	for i := range s.ranges {
		a, b := &s.ranges[i], &o.ranges[i]
		if a.absolute != b.absolute {
			return false
		}
		if a.absolute {
			_, ao := a.absFrom.Zone()
			_, bo := b.absFrom.Zone()
			_, ao2 := a.absTo.Zone()
			_, bo2 := b.absTo.Zone()
			if !a.absFrom.Equal(b.absFrom) || !a.absTo.Equal(b.absTo) || ao != bo || ao2 != bo2 {
				return false
			}
			continue
		}
		if a.from != b.from || a.to != b.to || a.start != b.start || a.end != b.end || a.loc.String() != b.loc.String() {
			return false
		}
	}
	return true
}

// Up reports whether the object is up at t. The zero Schedule and "always" are
// always up, "never" never; holidays apply to weekly ranges only (see the
// package documentation).
func (s Schedule) Up(t time.Time, holidays Holidays) bool {
	switch s.mode {
	case modeNone, modeAlways:
		return true
	case modeNever:
		return false
	}
	u := t.Unix()
	for i := range s.ranges {
		if s.ranges[i].up(t, u, holidays) {
			return true
		}
	}
	return false
}

// up reports whether range r holds instant t (u is t.Unix()).
func (r *timeRange) up(t time.Time, u int64, h Holidays) bool {
	if r.absolute {
		return !t.Before(r.absFrom) && t.Before(r.absTo)
	}
	lt := t.In(r.loc)
	_, o := lt.Zone()
	off := int64(o)
	wall := u + off
	day := floorDiv(wall, secondsPerDay)
	zs, ze := lt.ZoneBounds()
	if (!zs.IsZero() && zs.Unix() > day*secondsPerDay-off) || (!ze.IsZero() && ze.Unix() <= (day+1)*secondsPerDay-off) {
		// The clocks change on this day: place every boundary exactly.
		return r.upAround(u, day, h)
	}
	// One offset all day long: wall-clock arithmetic is exact.
	sod := int(wall - day*secondsPerDay)
	wd := weekdayOf(day)
	if r.wraps() {
		today := r.days&(1<<wd) != 0 && sod >= r.start*60
		yesterday := r.days&(1<<((wd+6)%7)) != 0 && sod < r.end*60
		if !today && !yesterday {
			return false
		}
	} else if r.days&(1<<wd) == 0 || sod < r.start*60 || sod >= r.end*60 {
		return false
	}
	return !h.contains(day)
}

// occurrence returns the instants [s, e) of r's occurrence starting on day d.
func (r *timeRange) occurrence(d int64) (s, e int64) {
	s = firstInstant(d*secondsPerDay+int64(r.start)*60, r.loc)
	endDay := d
	if r.wraps() {
		endDay++
	}
	e = firstInstant(endDay*secondsPerDay+int64(r.end)*60, r.loc)
	return s, e
}

// dayBounds returns the instants [s, e) of day d in r's zone.
func (r *timeRange) dayBounds(d int64) (s, e int64) {
	return firstInstant(d*secondsPerDay, r.loc), firstInstant((d+1)*secondsPerDay, r.loc)
}

// upAround is up for a day on which the clocks change; day is u's wall day.
// It uses the same instants that Next's candidates are made of.
func (r *timeRange) upAround(u, day int64, h Holidays) bool {
	up := false
	for d := day - 2; d <= day+1 && !up; d++ {
		if r.days&(1<<weekdayOf(d)) == 0 {
			continue
		}
		s, e := r.occurrence(d)
		up = s <= u && u < e
	}
	if !up {
		return false
	}
	for d := day - 1; d <= day+1; d++ {
		if h.contains(d) {
			if s, e := r.dayBounds(d); s <= u && u < e {
				return false
			}
		}
	}
	return true
}

// maxHorizon bounds Next's search: about ten years.
const maxHorizon = 3660 * secondsPerDay

// Next returns the first instant strictly after t at which Up changes (up to
// down or down to up), in t's location, and true; or false if there is none:
// the zero Schedule, "always", "never", a schedule that is up or down for
// good (Mon-Sun 00:00-24:00 UTC without holidays), or no change within about
// ten years. Ranges that meet or overlap are one window: no change where they
// meet. Up(Next(t)) != Up(t), and Up is Up(t) throughout [t, Next(t)).
func (s Schedule) Next(t time.Time, holidays Holidays) (time.Time, bool) {
	if s.mode != modeRanges {
		return time.Time{}, false
	}
	u := t.Unix()
	cur := s.Up(t, holidays)
	var buf [64]int64

	weekly := false
	for i := range s.ranges {
		weekly = weekly || !s.ranges[i].absolute
	}
	if !weekly { // only absolute ranges: their ends are all the candidates
		c := s.candidates(buf[:0], u, u, holidays)
		slices.Sort(c)
		for _, x := range c {
			if x > u && s.Up(time.Unix(x, 0), holidays) != cur {
				return time.Unix(x, 0).In(t.Location()), true
			}
		}
		return time.Time{}, false
	}

	// A weekly schedule that changes at all changes within 8 days; each
	// holiday can hold a change off by at most a week. Past that, nothing
	// changes, except where absolute ranges held changes off: the search
	// jumps over them and looks as far again after.
	span := int64(7*(holidays.countFrom(floorDiv(u, secondsPerDay)-2)+2)+2) * secondsPerDay
	limit := u + span
	lo, hi := u, u+2*secondsPerDay
	for lo <= limit && lo <= u+maxHorizon {
		if end, ok := s.coveredUntil(u, lo, hi); ok {
			lo, hi = end, end+2*secondsPerDay
			limit = max(limit, end+span)
			continue
		}
		c := s.candidates(buf[:0], lo, hi, holidays)
		slices.Sort(c)
		prev := int64(-1 << 63)
		for _, x := range c {
			if x <= u || x < lo || x >= hi || x == prev {
				continue
			}
			prev = x
			if s.Up(time.Unix(x, 0), holidays) != cur {
				return time.Unix(x, 0).In(t.Location()), true
			}
		}
		lo, hi = hi, hi+7*secondsPerDay
	}
	return time.Time{}, false
}

// coveredUntil reports whether an absolute range holds all of [lo, hi), having
// begun before lo was reached (at or before u, or before lo and so already
// looked at): then Up is true from lo until the range ends, which it returns.
func (s Schedule) coveredUntil(u, lo, hi int64) (int64, bool) {
	for i := range s.ranges {
		r := &s.ranges[i]
		if !r.absolute {
			continue
		}
		from, to := r.absFrom.Unix(), r.absTo.Unix()
		if (from <= u || from < lo) && hi <= to {
			return to, true
		}
	}
	return 0, false
}

// candidates appends to c every instant in [lo, hi) at which Up may change
// (and some outside it): the starts and ends of occurrences, of holidays in
// each weekly range's zone, and of absolute ranges.
func (s Schedule) candidates(c []int64, lo, hi int64, h Holidays) []int64 {
	for i := range s.ranges {
		r := &s.ranges[i]
		if r.absolute {
			c = append(c, r.absFrom.Unix(), r.absTo.Unix())
			continue
		}
		wlo, _ := wallOf(time.Unix(lo, 0), r.loc)
		whi, _ := wallOf(time.Unix(hi, 0), r.loc)
		for d := floorDiv(wlo, secondsPerDay) - 2; d <= floorDiv(whi, secondsPerDay)+1; d++ {
			if r.days&(1<<weekdayOf(d)) != 0 {
				s, e := r.occurrence(d)
				c = append(c, s, e)
			}
			if h.contains(d) {
				s, e := r.dayBounds(d)
				c = append(c, s, e)
			}
		}
	}
	return c
}
