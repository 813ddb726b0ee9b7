package uptime

import (
	"testing"
	"time"
)

// ts parses an RFC 3339 instant; tests write instants with the offset in
// effect, so that "02:30+02:00" and "02:30+01:00" on the autumn day differ.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustParse(t testing.TB, cell string) Schedule {
	t.Helper()
	s, err := Parse(cell)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func holidays(t testing.TB, cells ...string) Holidays {
	t.Helper()
	var h Holidays
	for _, c := range cells {
		d, err := ParseHoliday(c)
		if err != nil {
			t.Fatal(err)
		}
		h.Add(d)
	}
	return h
}

// Dates used below: 2026-06-01 is a Monday. Europe/Berlin changes clocks on
// Sunday 2026-03-29 (02:00 CET → 03:00 CEST) and Sunday 2026-10-25 (03:00 CEST
// → 02:00 CET); America/New_York on Sunday 2026-03-08 (02:00 EST → 03:00 EDT)
// and Sunday 2026-11-01 (02:00 EDT → 01:00 EST). 2026-12-24 is a Thursday.

const officeBerlin = "Mon-Fri 07:30-20:30 Europe/Berlin"

func TestUp(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		holidays []string
		at       string
		want     bool
	}{
		// a week
		{"Mon before start", officeBerlin, nil, "2026-06-01T07:29:59+02:00", false},
		{"Mon at start", officeBerlin, nil, "2026-06-01T07:30:00+02:00", true},
		{"Mon last second", officeBerlin, nil, "2026-06-01T20:29:59+02:00", true},
		{"Mon at end", officeBerlin, nil, "2026-06-01T20:30:00+02:00", false},
		{"Wed noon as UTC", officeBerlin, nil, "2026-06-03T10:00:00Z", true},
		{"Fri noon", officeBerlin, nil, "2026-06-05T12:00:00+02:00", true},
		{"Sat noon", officeBerlin, nil, "2026-06-06T12:00:00+02:00", false},
		{"Sun noon", officeBerlin, nil, "2026-06-07T12:00:00+02:00", false},
		{"winter Mon start", officeBerlin, nil, "2026-01-05T07:30:00+01:00", true},
		{"winter Mon start as UTC is an hour early", officeBerlin, nil, "2026-01-05T07:30:00Z", true},
		{"winter Mon before start", officeBerlin, nil, "2026-01-05T06:29:59Z", false},

		// midnight wrap: the window belongs to the day it starts
		{"wrap Mon early is Sunday's night", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-01T03:00:00+02:00", false},
		{"wrap Mon 22:00", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-01T22:00:00+02:00", true},
		{"wrap Tue 03:00", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-02T03:00:00+02:00", true},
		{"wrap Tue 06:00", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-02T06:00:00+02:00", false},
		{"wrap Fri 21:59", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-05T21:59:00+02:00", false},
		{"wrap Sat 05:59 is Friday's night", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-06T05:59:59+02:00", true},
		{"wrap Sat 22:00", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-06T22:00:00+02:00", false},
		{"24:00 Sat 00:00", "Sat-Sun 00:00-24:00 UTC", nil, "2026-06-06T00:00:00Z", true},
		{"24:00 Sun 23:59:59", "Sat-Sun 00:00-24:00 UTC", nil, "2026-06-07T23:59:59.999Z", true},
		{"24:00 Mon 00:00", "Sat-Sun 00:00-24:00 UTC", nil, "2026-06-08T00:00:00Z", false},

		// weekday ranges wrapping the week
		{"Fri-Mon on Fri", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-05T11:00:00Z", true},
		{"Fri-Mon on Sun", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-07T11:00:00Z", true},
		{"Fri-Mon on Mon", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-08T11:00:00Z", true},
		{"Fri-Mon on Tue", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-09T11:00:00Z", false},
		{"Fri-Mon on Thu", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-04T11:00:00Z", false},
		{"Sun-Thu on Sun", "Sun-Thu 08:00-17:00 Asia/Jerusalem", nil, "2026-06-07T08:00:00+03:00", true},
		{"Sun-Thu on Fri", "Sun-Thu 08:00-17:00 Asia/Jerusalem", nil, "2026-06-05T08:00:00+03:00", false},
		{"single day Sat", "Sat 10:00-14:00 UTC", nil, "2026-06-06T13:59:00Z", true},
		{"single day not Sun", "Sat 10:00-14:00 UTC", nil, "2026-06-07T13:59:00Z", false},

		// several ranges
		{"lunch break before", "Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin", nil, "2026-06-01T11:59:59+02:00", true},
		{"lunch break", "Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin", nil, "2026-06-01T12:30:00+02:00", false},
		{"lunch break after", "Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin", nil, "2026-06-01T13:00:00+02:00", true},
		{"two zones, New York half", "Mon-Fri 08:00-18:00 Europe/Berlin, Mon-Fri 08:00-18:00 America/New_York", nil, "2026-06-01T17:00:00-04:00", true},
		{"two zones, neither", "Mon-Fri 08:00-18:00 Europe/Berlin, Mon-Fri 08:00-18:00 America/New_York", nil, "2026-06-01T19:00:00-04:00", false},

		// DST spring, Europe/Berlin: 07:30-20:30 holds as on any day
		{"spring 07:29:59", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-03-29T07:29:59+02:00", false},
		{"spring 07:30", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-03-29T07:30:00+02:00", true},
		{"spring 20:30", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-03-29T20:30:00+02:00", false},
		// a start in the skipped hour happens when the clocks jump
		{"spring start in gap, before jump", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-03-29T01:59:59+01:00", false},
		{"spring start in gap, at jump", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-03-29T03:00:00+02:00", true},
		{"spring end in gap, before jump", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-03-29T01:59:59+01:00", true},
		{"spring end in gap, at jump", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-03-29T03:00:00+02:00", false},
		{"spring window inside gap never opens", "Mon-Sun 02:10-02:50 Europe/Berlin", nil, "2026-03-29T03:00:00+02:00", false},
		{"spring window inside gap, next day", "Mon-Sun 02:10-02:50 Europe/Berlin", nil, "2026-03-30T02:10:00+02:00", true},
		// DST autumn, Europe/Berlin: boundaries in the repeated hour happen once, the first time
		{"autumn end, first pass", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-10-25T02:29:59+02:00", true},
		{"autumn end at first 02:30", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-10-25T02:30:00+02:00", false},
		{"autumn end, second pass stays down", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-10-25T02:10:00+01:00", false},
		{"autumn start before first 02:30", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-10-25T02:29:59+02:00", false},
		{"autumn start at first 02:30", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-10-25T02:30:00+02:00", true},
		{"autumn start, second pass stays up", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-10-25T02:10:00+01:00", true},
		{"autumn 20:30", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-10-25T20:29:59+01:00", true},
		// DST, America/New_York
		{"US spring start in gap", "Mon-Sun 02:30-04:00 America/New_York", nil, "2026-03-08T03:00:00-04:00", true},
		{"US spring before gap", "Mon-Sun 02:30-04:00 America/New_York", nil, "2026-03-08T01:59:59-05:00", false},
		{"US autumn repeated 01:15 EST inside", "Mon-Sun 01:30-02:00 America/New_York", nil, "2026-11-01T01:15:00-05:00", true},
		{"US autumn 01:15 EDT before", "Mon-Sun 01:30-02:00 America/New_York", nil, "2026-11-01T01:15:00-04:00", false},
		{"US autumn 02:00 EST end", "Mon-Sun 01:30-02:00 America/New_York", nil, "2026-11-01T02:00:00-05:00", false},

		// holidays
		{"holiday down", "Mon-Fri 08:00-18:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-24T10:00:00+01:00", false},
		{"day before holiday up", "Mon-Fri 08:00-18:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-23T10:00:00+01:00", true},
		{"day after holiday up", "Mon-Fri 08:00-18:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-25T10:00:00+01:00", true},
		{"holiday in the range's zone", "Mon-Fri 00:00-24:00 America/New_York", []string{"2026-12-24"}, "2026-12-24T03:00:00Z", true}, // 22:00 on the 23rd in New York
		{"holiday in the range's zone, NY", "Mon-Fri 00:00-24:00 America/New_York", []string{"2026-12-24"}, "2026-12-24T05:00:00Z", false},
		{"wrap into holiday, evening before", "Mon-Fri 22:00-06:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-23T23:00:00+01:00", true},
		{"wrap into holiday ends at midnight", "Mon-Fri 22:00-06:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-24T00:00:00+01:00", false},
		{"wrap on holiday evening down", "Mon-Fri 22:00-06:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-24T22:00:00+01:00", false},
		{"wrap from holiday into working day up", "Mon-Fri 22:00-06:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-25T03:00:00+01:00", true},
		{"holiday on DST day", "Mon-Sun 01:00-02:30 Europe/Berlin", []string{"2026-10-25"}, "2026-10-25T01:30:00+02:00", false},
		{"absolute ignores holidays", "2026-12-24T09:00:00+01:00-2026-12-24T12:00:00+01:00", []string{"2026-12-24"}, "2026-12-24T10:00:00+01:00", true},

		// absolute, keywords
		{"absolute before", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", nil, "2026-05-16T08:59:59+02:00", false},
		{"absolute start", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", nil, "2026-05-16T07:00:00Z", true},
		{"absolute end", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", nil, "2026-05-16T17:00:00+02:00", false},
		{"always", "always", []string{"2026-12-24"}, "2026-12-24T10:00:00+01:00", true},
		{"never", "never", nil, "2026-06-01T10:00:00+02:00", false},
		{"no schedule is up", "", nil, "2026-06-01T10:00:00+02:00", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.schedule)
			at := ts(t, tt.at)
			if got := s.Up(at, holidays(t, tt.holidays...)); got != tt.want {
				t.Errorf("%q.Up(%v) = %v, want %v", tt.schedule, at, got, tt.want)
			}
		})
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		holidays []string
		from     string
		want     string // "" for no transition
	}{
		{"up, to end", officeBerlin, nil, "2026-06-01T12:00:00+02:00", "2026-06-01T20:30:00+02:00"},
		{"at start, to end", officeBerlin, nil, "2026-06-01T07:30:00+02:00", "2026-06-01T20:30:00+02:00"},
		{"at end, strictly after", officeBerlin, nil, "2026-06-01T20:30:00+02:00", "2026-06-02T07:30:00+02:00"},
		{"just before start", officeBerlin, nil, "2026-06-01T07:29:59.999+02:00", "2026-06-01T07:30:00+02:00"},
		{"Fri evening to Mon", officeBerlin, nil, "2026-06-05T20:30:00+02:00", "2026-06-08T07:30:00+02:00"},
		{"Sat to Mon", officeBerlin, nil, "2026-06-06T12:00:00+02:00", "2026-06-08T07:30:00+02:00"},
		{"result in t's location", officeBerlin, nil, "2026-06-01T10:00:00Z", "2026-06-01T18:30:00Z"},

		{"wrap, Sun to Mon night", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-05-31T12:00:00+02:00", "2026-06-01T22:00:00+02:00"},
		{"wrap, up to next morning", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-01T23:00:00+02:00", "2026-06-02T06:00:00+02:00"},
		{"wrap, Fri night to Sat morning", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-05T22:00:00+02:00", "2026-06-06T06:00:00+02:00"},
		{"wrap, Sat morning to Mon night", "Mon-Fri 22:00-06:00 Europe/Berlin", nil, "2026-06-06T06:00:00+02:00", "2026-06-08T22:00:00+02:00"},
		{"week wrap Fri-Mon, Mon to Fri", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-08T12:00:00Z", "2026-06-12T10:00:00Z"},
		{"week wrap Fri-Mon, Sat to Sat", "Fri-Mon 10:00-12:00 UTC", nil, "2026-06-06T12:00:00Z", "2026-06-07T10:00:00Z"},

		{"adjacent ranges are one window", "Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 12:00-18:00 Europe/Berlin", nil, "2026-06-01T09:00:00+02:00", "2026-06-01T18:00:00+02:00"},
		{"overlapping ranges", "Mon-Fri 08:00-14:00 UTC, Mon-Fri 12:00-18:00 UTC", nil, "2026-06-01T09:00:00Z", "2026-06-01T18:00:00Z"},
		{"lunch break", "Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin", nil, "2026-06-01T12:00:00+02:00", "2026-06-01T13:00:00+02:00"},
		{"24:00 meets 00:00", "Sat-Sun 00:00-24:00 UTC", nil, "2026-06-06T01:00:00Z", "2026-06-08T00:00:00Z"},

		{"spring start in gap", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"spring end in gap", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"spring window in gap skipped", "Mon-Sun 02:10-02:50 Europe/Berlin", nil, "2026-03-29T00:00:00+01:00", "2026-03-30T02:10:00+02:00"},
		{"spring 07:30-20:30", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-03-29T07:30:00+02:00", "2026-03-29T20:30:00+02:00"},
		{"spring 07:30 from night", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-03-28T20:30:00+01:00", "2026-03-29T07:30:00+02:00"},
		{"autumn end at first 02:30", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00"},
		{"autumn no second 02:30", "Mon-Sun 01:00-02:30 Europe/Berlin", nil, "2026-10-25T02:30:00+02:00", "2026-10-26T01:00:00+01:00"},
		{"autumn start once", "Mon-Sun 02:30-05:00 Europe/Berlin", nil, "2026-10-25T02:30:00+02:00", "2026-10-25T05:00:00+01:00"},
		{"autumn 07:30-20:30", "Mon-Sun 07:30-20:30 Europe/Berlin", nil, "2026-10-25T07:30:00+01:00", "2026-10-25T20:30:00+01:00"},
		{"US Fri to Mon across spring change", "Mon-Fri 09:00-17:00 America/New_York", nil, "2026-03-06T17:00:00-05:00", "2026-03-09T09:00:00-04:00"},
		{"US spring start in gap", "Mon-Sun 02:30-04:00 America/New_York", nil, "2026-03-08T00:00:00-05:00", "2026-03-08T03:00:00-04:00"},
		{"US autumn end after repeated hour", "Mon-Sun 01:30-02:00 America/New_York", nil, "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00"},

		{"holiday skipped", "Mon-Fri 08:00-18:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-23T18:00:00+01:00", "2026-12-25T08:00:00+01:00"},
		{"holidays over a long weekend", "Mon-Fri 08:00-18:00 Europe/Berlin", []string{"2026-12-24", "2026-12-25", "2026-12-28"}, "2026-12-23T18:00:00+01:00", "2026-12-29T08:00:00+01:00"},
		{"wrap into holiday ends at midnight", "Mon-Fri 22:00-06:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-23T22:30:00+01:00", "2026-12-24T00:00:00+01:00"},
		{"wrap from holiday up at midnight", "Mon-Fri 22:00-06:00 Europe/Berlin", []string{"2026-12-24"}, "2026-12-24T00:00:00+01:00", "2026-12-25T00:00:00+01:00"},
		{"always up but holiday", "Mon-Sun 00:00-24:00 UTC", []string{"2026-12-24"}, "2026-12-20T00:00:00Z", "2026-12-24T00:00:00Z"},
		{"a month of holidays", "Mon-Fri 08:00-18:00 UTC", []string{
			"2026-08-03", "2026-08-04", "2026-08-05", "2026-08-06", "2026-08-07",
			"2026-08-10", "2026-08-11", "2026-08-12", "2026-08-13", "2026-08-14",
			"2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21",
			"2026-08-24", "2026-08-25", "2026-08-26", "2026-08-27", "2026-08-28",
		}, "2026-07-31T18:00:00Z", "2026-08-31T08:00:00Z"},

		{"absolute, before", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", nil, "2026-05-01T00:00:00Z", "2026-05-16T07:00:00Z"},
		{"absolute, inside", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", nil, "2026-05-16T10:00:00+02:00", "2026-05-16T17:00:00+02:00"},
		{"absolute, after", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", nil, "2026-05-16T17:00:00+02:00", ""},
		{"absolute far ahead", "2030-01-01T00:00:00Z-2030-01-02T00:00:00Z", nil, "2026-05-16T17:00:00Z", "2030-01-01T00:00:00Z"},
		{"absolute holds weekly changes off", "Mon-Fri 08:00-18:00 UTC, 2026-06-01T00:00:00Z-2026-07-01T00:00:00Z", nil, "2026-06-02T00:00:00Z", "2026-07-01T00:00:00Z"},
		{"absolute covering a year", "Mon-Fri 08:00-18:00 UTC, 2026-06-01T00:00:00Z-2027-06-01T00:00:00Z", nil, "2026-06-02T00:00:00Z", "2027-06-01T00:00:00Z"},
		{"absolute inside always-up weekly", "Mon-Sun 00:00-24:00 UTC, 2035-01-01T00:00:00Z-2035-01-02T00:00:00Z", nil, "2026-06-02T00:00:00Z", ""},
		{"absolute joins a weekly window", "Mon-Fri 08:00-18:00 UTC, 2026-06-01T18:00:00Z-2026-06-01T20:00:00Z", nil, "2026-06-01T09:00:00Z", "2026-06-01T20:00:00Z"},

		{"always", "always", nil, "2026-06-01T00:00:00Z", ""},
		{"never", "never", nil, "2026-06-01T00:00:00Z", ""},
		{"no schedule", "", nil, "2026-06-01T00:00:00Z", ""},
		{"every minute of the week", "Mon-Sun 00:00-24:00 UTC", nil, "2026-06-01T00:00:00Z", ""},
		{"every minute, wrapping", "Mon-Sun 12:00-12:01 UTC, Mon-Sun 12:01-12:00 UTC", nil, "2026-06-01T00:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.schedule)
			h := holidays(t, tt.holidays...)
			from := ts(t, tt.from)
			got, ok := s.Next(from, h)
			if tt.want == "" {
				if ok {
					t.Fatalf("%q.Next(%v) = %v, want none", tt.schedule, from, got)
				}
				return
			}
			want := ts(t, tt.want)
			if !ok || !got.Equal(want) {
				t.Fatalf("%q.Next(%v) = %v, %v; want %v", tt.schedule, from, got, ok, want)
			}
			if got.Location() != from.Location() {
				t.Errorf("Next in %v, want t's location %v", got.Location(), from.Location())
			}
		})
	}
}

// TestWindowLength: 07:30-20:30 Europe/Berlin is 13 hours on every day of
// 2026, the two days the clocks change included.
func TestWindowLength(t *testing.T) {
	s := mustParse(t, "Mon-Sun 07:30-20:30 Europe/Berlin")
	at := ts(t, "2026-01-01T00:00:00+01:00")
	days := 0
	for {
		start, ok := s.Next(at, Holidays{})
		if !ok || start.Year() > 2026 {
			break
		}
		end, _ := s.Next(start, Holidays{})
		if d := end.Sub(start); d != 13*time.Hour {
			t.Errorf("window from %v lasts %v", start, d)
		}
		days++
		at = end
	}
	if days != 365 {
		t.Errorf("%d windows in 2026, want 365", days)
	}
}

// TestWalkYear walks Next through 2026 and checks the count of transitions and
// that they alternate.
func TestWalkYear(t *testing.T) {
	tests := []struct {
		schedule string
		holidays []string
		want     int
	}{
		{officeBerlin, nil, 2 * 261}, // 261 weekdays in 2026
		{officeBerlin, []string{"2026-01-01", "2026-12-24", "2026-12-25", "2026-06-06"}, 2 * 258}, // June 6 is a Saturday
		{"Mon-Fri 22:00-06:00 America/New_York", nil, 2 * 261},
		{"Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 12:00-18:00 Europe/Berlin", nil, 2 * 261},
		{"Sat-Sun 00:00-24:00 UTC", nil, 2 * 52},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			s := mustParse(t, tt.schedule)
			h := holidays(t, tt.holidays...)
			at := ts(t, "2026-01-01T00:00:00Z")
			end := ts(t, "2027-01-01T00:00:00Z")
			n := 0
			up := s.Up(at, h)
			for {
				next, ok := s.Next(at, h)
				if !ok || !next.Before(end) {
					break
				}
				if now := s.Up(next, h); now == up {
					t.Fatalf("Next(%v) = %v, but Up stays %v", at, next, up)
				}
				up = !up
				at = next
				n++
			}
			if n != tt.want {
				t.Errorf("%d transitions in 2026, want %d", n, tt.want)
			}
		})
	}
}
