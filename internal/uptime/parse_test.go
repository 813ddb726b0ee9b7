package uptime

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, cell, want string // want: canonical String
	}{
		{"empty", "", ""},
		{"blank", "  \t ", ""},
		{"kube-downscaler example", "Mon-Fri 07:30-20:30 Europe/Berlin", "Mon-Fri 07:30-20:30 Europe/Berlin"},
		{"lower case days", "mon-fri 07:30-20:30 Europe/Berlin", "Mon-Fri 07:30-20:30 Europe/Berlin"},
		{"upper case days", "MON-FRI 07:30-20:30 Europe/Berlin", "Mon-Fri 07:30-20:30 Europe/Berlin"},
		{"full day names", "Monday-Friday 07:30-20:30 Europe/Berlin", "Mon-Fri 07:30-20:30 Europe/Berlin"},
		{"single weekday", "Sat 10:00-14:00 UTC", "Sat 10:00-14:00 UTC"},
		{"same day twice is one day", "Sat-Sat 10:00-14:00 UTC", "Sat 10:00-14:00 UTC"},
		{"week-wrapping days", "Fri-Mon 10:00-14:00 UTC", "Fri-Mon 10:00-14:00 UTC"},
		{"no days is every day", "08:00-18:00 UTC", "Mon-Sun 08:00-18:00 UTC"},
		{"one-digit hour", "Mon-Fri 7:30-9:00 UTC", "Mon-Fri 07:30-09:00 UTC"},
		{"midnight wrap", "Mon-Fri 22:00-06:00 America/New_York", "Mon-Fri 22:00-06:00 America/New_York"},
		{"end 24:00", "Sat-Sun 00:00-24:00 UTC", "Sat-Sun 00:00-24:00 UTC"},
		{"several ranges", "Mon-Fri 08:00-12:00 Europe/Berlin,Mon-Fri 13:00-18:00 Europe/Berlin",
			"Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin"},
		{"several zones", "Mon-Fri 08:00-18:00 Europe/Berlin, Mon-Fri 08:00-18:00 America/New_York",
			"Mon-Fri 08:00-18:00 Europe/Berlin, Mon-Fri 08:00-18:00 America/New_York"},
		{"blanks around dashes", " Mon - Fri  08:00 - 18:00   Europe/Berlin ", "Mon-Fri 08:00-18:00 Europe/Berlin"},
		{"autocorrected dashes", "Mon–Fri 08:00—18:00 Europe/Berlin", "Mon-Fri 08:00-18:00 Europe/Berlin"},
		{"non-breaking space", "Mon-Fri\u00a008:00-18:00\u00a0UTC", "Mon-Fri 08:00-18:00 UTC"},
		{"zone letter case", "Mon-Fri 08:00-18:00 europe/berlin", "Mon-Fri 08:00-18:00 Europe/Berlin"},
		{"zone utc lower", "Mon-Fri 08:00-18:00 utc", "Mon-Fri 08:00-18:00 UTC"},
		{"zone with underscore", "Mon-Fri 08:00-18:00 america/new_york", "Mon-Fri 08:00-18:00 America/New_York"},
		{"always", "always", "always"},
		{"Always", " Always ", "always"},
		{"never", "NEVER", "never"},
		{"absolute", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00"},
		{"absolute Z and blanks", "2026-05-16T07:00:00Z - 2026-05-16T15:00:00+00:00", "2026-05-16T07:00:00Z-2026-05-16T15:00:00Z"},
		{"absolute negative offset", "2026-05-16T09:00:00-04:00-2026-05-16T17:00:00-04:00", "2026-05-16T09:00:00-04:00-2026-05-16T17:00:00-04:00"},
		{"weekly and absolute", "Mon-Fri 08:00-18:00 Europe/Berlin, 2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00",
			"Mon-Fri 08:00-18:00 Europe/Berlin, 2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.cell)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.cell, err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.cell, got, tt.want)
			}
			if s.IsZero() != (tt.want == "") {
				t.Errorf("Parse(%q).IsZero() = %v", tt.cell, s.IsZero())
			}
			again, err := Parse(s.String())
			if err != nil {
				t.Fatalf("Parse(%q) (canonical): %v", s.String(), err)
			}
			if !again.Equal(s) {
				t.Errorf("Parse(%q) = %q, not Equal to Parse(%q)", s.String(), again, tt.cell)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, cell, reason string
	}{
		{"unknown weekday", "Mon-Fru 08:00-18:00 Europe/Berlin", `unknown weekday "Fru" (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`},
		{"unknown first weekday", "Fru-Mon 08:00-18:00 UTC", `unknown weekday "Fru" (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`},
		{"three weekdays", "Mon-Wed-Fri 08:00-18:00 UTC", `"Mon-Wed-Fri" is not a weekday range (e.g. Mon-Fri)`},
		{"hour 25", "Mon-Fri 25:00-18:00 Europe/Berlin", `25:00 is not a time (00:00–23:59)`},
		{"end hour 25", "Mon-Fri 08:00-25:00 Europe/Berlin", `25:00 is not a time (00:00–24:00)`},
		{"minute 60", "Mon-Fri 08:60-18:00 UTC", `08:60 is not a time (00:00–23:59)`},
		{"24:30 end", "Mon-Fri 08:00-24:30 UTC", `24:30 is not a time (00:00–24:00)`},
		{"24:00 start", "Mon-Fri 24:00-08:00 UTC", `24:00 ends a day, it cannot start a window (00:00–23:59)`},
		{"no minutes", "Mon-Fri 8-18 UTC", `"8" is not a time (HH:MM)`},
		{"one-digit minutes", "Mon-Fri 8:0-18:00 UTC", `"8:0" is not a time (HH:MM)`},
		{"one time", "Mon-Fri 08:00 UTC", `"08:00" is not a time range (HH:MM-HH:MM)`},
		{"empty window", "Mon-Fri 08:00-08:00 UTC", `08:00-08:00 is an empty window (a whole day is 00:00-24:00)`},
		{"unknown zone", "Mon-Fri 08:00-18:00 Europe/Berln", `unknown time zone "Europe/Berln"`},
		{"Local zone", "Mon-Fri 08:00-18:00 Local", `unknown time zone "Local"`},
		{"path zone", "Mon-Fri 08:00-18:00 ../../etc/passwd", `unknown time zone "../../etc/passwd"`},
		{"missing zone", "Mon-Fri 08:00-18:00", `missing time zone (e.g. Mon-Fri 08:00-18:00 Europe/Berlin)`},
		{"missing time", "Mon-Fri", `"Mon-Fri" needs a time range (HH:MM-HH:MM)`},
		{"too many words", "Mon-Fri 08:00-18:00 Europe/Berlin please", `"Mon-Fri 08:00-18:00 Europe/Berlin please" is not a range (e.g. Mon-Fri 08:00-18:00 Europe/Berlin)`},
		{"empty part", "Mon-Fri 08:00-18:00 UTC,, Sat 10:00-12:00 UTC", `empty range between commas`},
		{"trailing comma", "Mon-Fri 08:00-18:00 UTC,", `empty range between commas`},
		{"always in a list", "always, Mon-Fri 08:00-18:00 UTC", `"always" stands alone, not in a list of ranges`},
		{"second range bad", "Mon-Fri 08:00-18:00 UTC, Sat 10:00-12:00 Mars/Olympus", `unknown time zone "Mars/Olympus"`},
		{"absolute reversed", "2026-05-16T17:00:00Z-2026-05-16T09:00:00Z", `2026-05-16T17:00:00Z-2026-05-16T09:00:00Z ends before it starts`},
		{"absolute no zone", "2026-05-16T09:00:00-2026-05-16T17:00:00", `"2026-05-16T09:00:00" is not a time (e.g. 2026-12-24T08:00:00+01:00)`},
		{"absolute fraction", "2026-05-16T09:00:00.5Z-2026-05-16T17:00:00Z", `2026-05-16T09:00:00.5Z: fractions of a second are not supported`},
		{"absolute one time", "2026-05-16T09:00:00Z", `"2026-05-16T09:00:00Z" is not a range of two times (e.g. 2026-12-24T08:00:00+01:00-2026-12-24T12:00:00+01:00)`},
		{"absolute bad date", "2026-02-30T09:00:00Z-2026-03-01T09:00:00Z", `"2026-02-30T09:00:00Z" is not a time (e.g. 2026-12-24T08:00:00+01:00)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.cell)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %q, %v; want a *ParseError", tt.cell, s, err)
			}
			if pe.Reason != tt.reason {
				t.Errorf("Parse(%q) reason\n got %s\nwant %s", tt.cell, pe.Reason, tt.reason)
			}
			if pe.Cell != tt.cell {
				t.Errorf("ParseError.Cell = %q, want %q", pe.Cell, tt.cell)
			}
		})
	}
}

func TestParseIn(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	s, err := ParseIn("Mon-Fri 08:00-18:00", berlin)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "Mon-Fri 08:00-18:00 Europe/Berlin"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	s, err = ParseIn("Mon-Fri 08:00-18:00 America/New_York", berlin)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "Mon-Fri 08:00-18:00 America/New_York"; got != want {
		t.Errorf("a named zone wins over the default: String() = %q, want %q", got, want)
	}
	for _, loc := range []*time.Location{time.Local, time.FixedZone("X", 3600)} {
		if _, err := ParseIn("Mon-Fri 08:00-18:00", loc); !errors.Is(err, ErrDefaultZone) {
			t.Errorf("ParseIn(…, %v) error = %v, want ErrDefaultZone", loc, err)
		}
	}
}

func TestParseHoliday(t *testing.T) {
	tests := []struct {
		cell   string
		want   Date
		reason string
	}{
		{cell: "2026-12-24", want: Date{2026, time.December, 24}},
		{cell: " 2026-1-7 ", want: Date{2026, time.January, 7}},
		{cell: "24.12.2026", want: Date{2026, time.December, 24}},
		{cell: "1.5.2026", want: Date{2026, time.May, 1}},
		{cell: "46380", want: Date{2026, time.December, 24}}, // spreadsheet serial date
		{cell: "2028-02-29", want: Date{2028, time.February, 29}},
		{cell: "2026-02-29", reason: "2026-02-29 is not a date"},
		{cell: "2026-13-01", reason: "2026-13-01 is not a date"},
		{cell: "31.04.2026", reason: "2026-04-31 is not a date"},
		{cell: "12/24/2026", reason: `"12/24/2026" is ambiguous: write 2026-12-24 or 24.12.2026`},
		{cell: "Christmas", reason: `"Christmas" is not a date (2026-12-24 or 24.12.2026)`},
		{cell: "26-12-24", reason: `"26-12-24" is not a date (2026-12-24 or 24.12.2026)`},
		{cell: "12", reason: `"12" is not a date (2026-12-24 or 24.12.2026)`},
		{cell: "", reason: "empty date (2026-12-24 or 24.12.2026)"},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseHoliday(tt.cell)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseHoliday(%q) = %v, %v; want %v", tt.cell, got, err, tt.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseHoliday(%q) = %v, %v; want a *ParseError", tt.cell, got, err)
			}
			if pe.Reason != tt.reason {
				t.Errorf("ParseHoliday(%q) reason\n got %s\nwant %s", tt.cell, pe.Reason, tt.reason)
			}
		})
	}
}

func TestHolidays(t *testing.T) {
	var h Holidays
	if h.Contains(Date{2026, 12, 24}) || h.Len() != 0 {
		t.Fatal("the zero Holidays is not empty")
	}
	h.Add(Date{2026, 12, 26})
	h.Add(Date{2026, 12, 24})
	h.Add(Date{2026, 12, 24})
	if !h.Contains(Date{2026, 12, 24}) || h.Contains(Date{2026, 12, 25}) || h.Len() != 2 {
		t.Errorf("Holidays = %v", h.Dates())
	}
	if got := h.Dates(); len(got) != 2 || got[0] != (Date{2026, 12, 24}) || got[1] != (Date{2026, 12, 26}) {
		t.Errorf("Dates() = %v", got)
	}
	if got := (Date{2026, 1, 7}).String(); got != "2026-01-07" {
		t.Errorf("String() = %q", got)
	}
}

// FuzzParse: Parse never panics, fails only with a *ParseError, and what it
// accepts prints as text that parses back to the same schedule.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "always", "never", "Mon-Fri 07:30-20:30 Europe/Berlin", "Sat 10:00-14:00 UTC",
		"Mon-Fri 22:00-06:00 America/New_York, Sat-Sun 00:00-24:00 UTC", "08:00-18:00 utc",
		"Fri-Mon 7:00-9:00 europe/berlin", "2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00",
		"Mon – Fri 08:00 — 18:00 Asia/Kolkata", "Mon-Fru 25:00-26:00 Europe/Berln", ",,", "-", "2026-",
		"Mon-Fri 08:00-18:00 Etc/GMT+5", "1999-12-31T23:59:59Z-2000-01-01T00:00:00Z",
	} {
		f.Add(s)
	}
	t0 := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, cell string) {
		s, err := Parse(cell)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is not a *ParseError", cell, err)
			}
			return
		}
		text := s.String()
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", cell, text, err)
		}
		if !again.Equal(s) || again.String() != text {
			t.Fatalf("Parse(%q) = %q, which parses to %q", cell, text, again)
		}
		up := s.Up(t0, Holidays{})
		if n, ok := s.Next(t0, Holidays{}); ok && (!n.After(t0) || s.Up(n, Holidays{}) == up) {
			t.Fatalf("%q: Next(%v) = %v, Up %v → %v", text, t0, n, up, s.Up(n, Holidays{}))
		}
	})
}

func FuzzParseHoliday(f *testing.F) {
	for _, s := range []string{"2026-12-24", "24.12.2026", "46380", "12/24/2026", "2026-02-30", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		d, err := ParseHoliday(cell)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseHoliday(%q) error %v is not a *ParseError", cell, err)
			}
			return
		}
		again, err := ParseHoliday(d.String())
		if err != nil || again != d {
			t.Fatalf("ParseHoliday(%q) = %v, which parses to %v, %v", cell, d, again, err)
		}
	})
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
