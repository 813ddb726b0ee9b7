package uptime

import (
	"testing"
	"time"
)

// The engine asks Up for every scheduled row on every poll (20,000 rows every
// 2 s is 10,000 calls a second) and Next for `sheetops plan`.

func benchInstants(b *testing.B, from string) []time.Time {
	at := ts(b, from)
	out := make([]time.Time, 1024)
	for i := range out {
		out[i] = at.Add(time.Duration(i) * 37 * time.Minute) // about a month, every time of day
	}
	return out
}

func BenchmarkUp(b *testing.B) {
	cases := []struct{ name, cell, from string }{
		{"office", officeBerlin, "2026-06-01T00:00:00Z"},
		{"office/DST-day", officeBerlin, "2026-03-29T00:00:00Z"},
		{"three-ranges-two-zones", "Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin, Sat 10:00-14:00 America/New_York", "2026-06-01T00:00:00Z"},
		{"wrap", "Mon-Fri 22:00-06:00 Europe/Berlin", "2026-06-01T00:00:00Z"},
	}
	h := holidays(b, propertyHolidays...)
	for _, c := range cases {
		s := mustParse(b, c.cell)
		at := benchInstants(b, c.from)
		if c.name == "office/DST-day" {
			for i := range at { // stay on the day the clocks change
				at[i] = ts(b, "2026-03-29T00:00:00+01:00").Add(time.Duration(i%24) * time.Hour)
			}
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s.Up(at[i%len(at)], h)
			}
		})
	}
}

func BenchmarkNext(b *testing.B) {
	cases := []struct{ name, cell string }{
		{"office", officeBerlin},
		{"wrap", "Mon-Fri 22:00-06:00 Europe/Berlin"},
		{"weekend-only", "Sat 10:00-14:00 UTC"},
	}
	h := holidays(b, propertyHolidays...)
	for _, c := range cases {
		s := mustParse(b, c.cell)
		at := benchInstants(b, "2026-06-01T00:00:00Z")
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s.Next(at[i%len(at)], h)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin"); err != nil {
			b.Fatal(err)
		}
	}
}
