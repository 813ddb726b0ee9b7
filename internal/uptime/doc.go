// Package uptime parses and evaluates the office-hours schedules of the Uptime
// column: when a scheduled object is up, and when that next changes.
//
// The engine parses a cell with Parse (or ParseIn, to supply a default time
// zone), asks Up on every poll whether the object should be up now, and Next
// when the next transition is (for `sheetops plan` and to know when to look
// again). Holidays come from the Holidays tab through ParseHoliday. Nothing
// here blocks, reads a clock or keeps state: time is always an argument, and
// a Schedule or Holidays may be shared by any number of goroutines (Holidays.Add
// excepted).
//
// # Syntax
//
// The syntax is kube-downscaler's `downscaler/uptime` annotation, with a few
// additions that a spreadsheet calls for:
//
//	Mon-Fri 07:30-20:30 Europe/Berlin
//	Mon-Fri 08:00-12:00 Europe/Berlin, Mon-Fri 13:00-18:00 Europe/Berlin
//	Sat 10:00-14:00 UTC
//	Sun-Thu 08:00-17:00 Asia/Jerusalem
//	Mon-Fri 22:00-06:00 America/New_York
//	2026-12-24T08:00:00+01:00-2026-12-24T12:00:00+01:00
//	always
//	never
//
// A cell is empty (no schedule: the zero Schedule, no error), one of the
// keywords always or never, alone, or a list of ranges separated by commas;
// the object is up when any range holds. A weekly range is written
// "[DAYS] START-END [ZONE]":
//
//   - DAYS is a weekday (Sat) or a range of weekdays (Mon-Fri), by three-letter
//     or full English name in any letter case. A range may wrap the week end:
//     Fri-Mon is Fri, Sat, Sun, Mon. Without DAYS, every day (Mon-Sun).
//   - START and END are H:MM or HH:MM on a 24-hour clock, START 00:00–23:59,
//     END 00:00–24:00. START is inside the window, END is not (08:00-18:00 is
//     down again at 18:00). 00:00-24:00 is the whole day; START equal to END is
//     refused as an empty window.
//   - END before START wraps past midnight: the window starts at START on each
//     of DAYS and ends at END on the next day. Mon-Fri 22:00-06:00 is up from
//     Monday 22:00 to Tuesday 06:00, …, Friday 22:00 to Saturday 06:00, and
//     not Monday 00:00-06:00 (that is Sunday's night). DAYS name the days the
//     window starts. (Python kube-downscaler never matches such a range;
//     GoKubeDownscaler matches by the weekday of the moment, so it has Monday
//     00:00-06:00 and not Saturday 00:00-06:00. We follow what the text says.)
//   - ZONE is an IANA time zone name (Europe/Berlin, America/New_York, UTC),
//     also accepted in another letter case (europe/berlin). kube-downscaler
//     requires it and so does Parse; ParseIn takes a default zone for ranges
//     that omit it. "Local" is refused: it would be whatever the host is set
//     to. Each range has its own zone.
//
// An absolute range is two RFC 3339 timestamps with whole seconds and Z or a
// UTC offset, joined by '-': 2026-05-16T09:00:00+02:00-2026-05-16T17:00:00+02:00.
// It is up from the first instant to just before the second (kube-downscaler
// includes the second; GoKubeDownscaler, and we, do not).
//
// Blanks around '-' and ',' are ignored, and the dashes that autocorrect
// types (– — −) read as '-'. Errors are *ParseError whose Reason is made for a
// Sync cell: `unknown weekday "Fru" (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`,
// `25:00 is not a time (00:00–23:59)`, `unknown time zone "Europe/Berln"`.
// String writes the canonical form (Mon-Fri 07:30-20:30 Europe/Berlin), which
// kube-downscaler reads too unless it uses a single weekday, omitted weekdays,
// or 24:00.
//
// # Time zones and daylight saving time
//
// A weekly range is evaluated on the wall clock of its zone, and each of its
// boundaries happens exactly once, at the first instant the wall clock shows
// that time or later:
//
//   - A normal day: 07:30-20:30 Europe/Berlin is 13 hours, and still 13 hours
//     on the last Sunday of March (02:00 → 03:00) and of October
//     (03:00 → 02:00), since both ends lie outside the changed hour.
//   - A boundary in the skipped hour (02:30 on the last Sunday of March in
//     Berlin) happens when the clocks jump, at 03:00 CEST, the first instant
//     after it. A window that lies wholly in the skipped hour does not happen
//     that day.
//   - A boundary in the repeated hour (02:30 on the last Sunday of October)
//     happens at its first occurrence, 02:30 CEST, and not again at 02:30 CET.
//     So 01:00-02:30 lasts 1½ hours that day and 02:30-05:00 lasts 3½.
//
// Go's time package and its zone database do the arithmetic; the package
// imports time/tzdata so the binary carries the database.
//
// # Holidays
//
// A holiday is a civil date. On it, each weekly range is down from 00:00 to
// 24:00 of that date in the range's own zone (the first instants the wall
// clock shows them, as above), whatever the range says. A window that starts
// the evening before and wraps past midnight into a holiday ends at midnight;
// a window that starts on a holiday evening and wraps into a working day comes
// up at midnight for the part after it. The holiday is the calendar day, not
// the windows that touch it. Absolute ranges, always and never ignore holidays:
// an absolute range is a deliberate exception (the demo on a holiday), and
// always means always.
//
// # Next
//
// Next returns the first instant strictly after t at which Up changes. Ranges
// that meet or overlap (Mon-Fri 08:00-12:00 and 12:00-18:00) are one window:
// nothing changes at 12:00. The search is bounded: a weekly schedule that
// changes at all changes within 8 days, each holiday can postpone that by at
// most a week, and an absolute range until it ends; beyond about ten years
// Next gives up and reports no transition.
//
// # Cost
//
// Up is a few zone look-ups and integer arithmetic per range (tens of
// nanoseconds), more on the two days a year the clocks change; Next is a few
// microseconds. Both allocate nothing. See the benchmarks.
//
// # Why our own
//
// No Go library parses kube-downscaler's syntax and is kept up: kube-downscaler
// is Python (archived, continued as caas-team/py-kube-downscaler);
// caas-team/GoKubeDownscaler parses it in an internal package, without a
// "next transition" or holidays; xinau/go-businesshours parses a single range
// and evaluates the wall clock without a DST rule. The syntax is small, the
// semantics (wrap, DST, holidays, Next) are ours to pin down, and the standard
// library has the zone database, so we write it here.
package uptime
