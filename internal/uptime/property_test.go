package uptime

import (
	"math/rand/v2"
	"testing"
	"time"
)

// propertySchedules are evaluated at random instants by the property tests:
// zones with and without DST (north and south), wraps, several ranges,
// absolute ranges.
var propertySchedules = []string{
	officeBerlin,
	"Mon-Sun 02:30-05:00 Europe/Berlin",
	"Mon-Sun 01:00-02:30 Europe/Berlin",
	"Mon-Sun 02:10-02:50 Europe/Berlin",
	"Mon-Fri 22:00-06:00 Europe/Berlin",
	"Fri-Mon 23:30-02:30 America/New_York",
	"Mon-Fri 09:00-17:00 America/New_York, Sat 01:30-02:00 America/New_York",
	"Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 12:00-18:00 Europe/Berlin, Sat-Sun 00:00-24:00 UTC",
	"Sun-Thu 08:00-17:00 Asia/Jerusalem",
	"Mon-Sun 23:00-01:00 America/Santiago", // clocks change at midnight
	"Mon-Sat 00:00-24:00 Australia/Lord_Howe, Sun 03:00-04:00 Asia/Kolkata",
	"Tue 00:00-00:01 Pacific/Apia",
	"Mon-Fri 08:00-18:00 UTC, 2026-06-01T00:00:00Z-2026-07-01T00:00:00Z, 2027-03-28T01:30:00+01:00-2027-03-28T04:00:00+02:00",
}

var propertyHolidays = []string{
	"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-10-25",
	"2026-12-24", "2026-12-25", "2026-12-26", "2027-03-28", "2027-03-29", "2027-12-24",
}

// randomInstant returns an instant in 2026–2027, on a day the clocks change
// in Europe/Berlin or America/New_York one time in four.
func randomInstant(r *rand.Rand) time.Time {
	if r.IntN(4) == 0 {
		days := []string{"2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2027-03-14", "2027-03-28", "2027-10-31", "2027-11-07", "2026-04-05", "2026-09-06"}
		d, _ := time.Parse(time.DateOnly, days[r.IntN(len(days))])
		return d.Add(time.Duration(r.Int64N(int64(36*time.Hour))) - 6*time.Hour)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return start.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
}

// TestNextFlipsUp: for random t, Up is Up(t) up to just before Next(t) and
// flips at Next(t); between them it does not change.
func TestNextFlipsUp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for _, cell := range propertySchedules {
		s := mustParse(t, cell)
		for _, h := range []Holidays{{}, holidays(t, propertyHolidays...)} {
			for range n {
				at := randomInstant(r)
				up := s.Up(at, h)
				next, ok := s.Next(at, h)
				if !ok {
					t.Fatalf("%q: Next(%v): no transition", cell, at)
				}
				if !next.After(at) {
					t.Fatalf("%q: Next(%v) = %v, not after", cell, at, next)
				}
				if s.Up(next, h) == up {
					t.Fatalf("%q: Next(%v) = %v, but Up there is still %v", cell, at, next, up)
				}
				if before := next.Add(-time.Nanosecond); s.Up(before, h) != up {
					t.Fatalf("%q: Next(%v) = %v, but Up(%v) = %v", cell, at, next, before, !up)
				}
				between := at.Add(time.Duration(r.Int64N(int64(next.Sub(at)))))
				if s.Up(between, h) != up {
					t.Fatalf("%q: Up changes at %v, before Next(%v) = %v", cell, between, at, next)
				}
				// a whole-second boundary: just before it is the other state
				if next.Nanosecond() != 0 {
					t.Fatalf("%q: Next(%v) = %v is not a whole second", cell, at, next)
				}
			}
		}
	}
}

// TestUpFastPathExact: the wall-clock arithmetic Up uses on ordinary days gives
// what the exact instants (used on days the clocks change, and by Next) give.
func TestUpFastPathExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	h := holidays(t, propertyHolidays...)
	for _, cell := range propertySchedules {
		s := mustParse(t, cell)
		for i := range s.ranges {
			tr := &s.ranges[i]
			if tr.absolute {
				continue
			}
			for range 2000 {
				at := randomInstant(r)
				u := at.Unix()
				wall, _ := wallOf(at, tr.loc)
				if fast, exact := tr.up(at, u, h), tr.upAround(u, floorDiv(wall, secondsPerDay), h); fast != exact {
					t.Fatalf("%q at %v: up = %v, exact = %v", cell, at.In(tr.loc), fast, exact)
				}
			}
		}
	}
}

// TestFirstInstant pins the DST rule at its source.
func TestFirstInstant(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		name, wall, want string
	}{
		{"ordinary", "2026-06-01T07:30:00", "2026-06-01T07:30:00+02:00"},
		{"skipped hour: the jump", "2026-03-29T02:30:00", "2026-03-29T03:00:00+02:00"},
		{"start of skipped hour: the jump", "2026-03-29T02:00:00", "2026-03-29T03:00:00+02:00"},
		{"after skipped hour", "2026-03-29T03:00:00", "2026-03-29T03:00:00+02:00"},
		{"repeated hour: first time", "2026-10-25T02:30:00", "2026-10-25T02:30:00+02:00"},
		{"start of repeated hour: first time", "2026-10-25T02:00:00", "2026-10-25T02:00:00+02:00"},
		{"after repeated hour", "2026-10-25T03:00:00", "2026-10-25T03:00:00+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := time.Parse("2006-01-02T15:04:05", tt.wall)
			if err != nil {
				t.Fatal(err)
			}
			got := time.Unix(firstInstant(w.Unix(), berlin), 0)
			if want := ts(t, tt.want); !got.Equal(want) {
				t.Errorf("firstInstant(%s) = %v, want %v", tt.wall, got.In(berlin), want)
			}
		})
	}
}
