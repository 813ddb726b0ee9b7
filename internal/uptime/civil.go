package uptime

import "time"

// Civil arithmetic on day numbers (days since 1970-01-01) and wall-clock
// seconds (seconds since 1970-01-01 00:00 on a zone's wall clock, as if it were
// UTC), and the one place where wall clock becomes instant: firstInstant.

const secondsPerDay = 86400

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// weekdayOf returns the weekday of day number d; 1970-01-01 was a Thursday.
func weekdayOf(d int64) time.Weekday {
	w := (d + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// dayNumber returns the day number of a civil date, normalising like time.Date.
func dayNumber(year int, month time.Month, day int) int64 {
	return floorDiv(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay)
}

// civil returns the civil date of day number d.
func civil(d int64) (year int, month time.Month, day int) {
	return time.Unix(d*secondsPerDay, 0).UTC().Date()
}

// wallOf returns t's wall-clock seconds in loc and the zone offset in effect.
func wallOf(t time.Time, loc *time.Location) (wall int64, offset int64) {
	_, off := t.In(loc).Zone()
	return t.Unix() + int64(off), int64(off)
}

// firstInstant returns the first instant (Unix seconds) at which the wall
// clock in loc reads wall or later:
//   - a wall-clock time that exists once is that instant;
//   - one that exists twice (the repeated hour when clocks go back) is its
//     first occurrence;
//   - one that does not exist (the skipped hour when clocks go forward) is the
//     instant the clocks jump, the first one after it.
func firstInstant(wall int64, loc *time.Location) int64 {
	d := floorDiv(wall, secondsPerDay)
	y, m, dd := civil(d)
	c := time.Date(y, m, dd, 0, 0, int(wall-d*secondsPerDay), 0, loc)
	_, off := c.Zone()
	u := c.Unix()
	switch cw := u + int64(off); {
	case cw > wall: // skipped, and c lies after the jump: the jump starts c's zone period
		start, _ := c.ZoneBounds()
		return start.Unix()
	case cw < wall: // skipped, and c lies before the jump: the jump ends c's zone period
		_, end := c.ZoneBounds()
		return end.Unix()
	}
	// The wall clock exists at u. If it also existed in the zone period before
	// (clocks went back), the earlier occurrence comes first.
	start, _ := c.ZoneBounds()
	if start.IsZero() {
		return u
	}
	_, prevOff := start.Add(-time.Second).Zone()
	if p := wall - int64(prevOff); p < start.Unix() {
		if _, o := time.Unix(p, 0).In(loc).Zone(); o == prevOff {
			return p
		}
	}
	return u
}
