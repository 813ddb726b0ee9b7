package uptime_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sheetops/sheetops/internal/uptime"
)

func Example() {
	s, err := uptime.Parse("Mon-Fri 08:00-19:00 Europe/Berlin")
	if err != nil {
		panic(err)
	}
	var holidays uptime.Holidays
	for _, cell := range []string{"2026-12-24", "25.12.2026"} {
		d, err := uptime.ParseHoliday(cell)
		if err != nil {
			panic(err)
		}
		holidays.Add(d)
	}

	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 12, 23, 18, 0, 0, 0, berlin)
	fmt.Println("up:", s.Up(now, holidays))
	for range 3 {
		next, _ := s.Next(now, holidays)
		fmt.Println("next:", next.Format("Mon 2006-01-02 15:04 MST"), "up:", s.Up(next, holidays))
		now = next
	}
	// Output:
	// up: true
	// next: Wed 2026-12-23 19:00 CET up: false
	// next: Mon 2026-12-28 08:00 CET up: true
	// next: Mon 2026-12-28 19:00 CET up: false
}

func ExampleParse_invalid() {
	_, err := uptime.Parse("Mon-Fru 08:00-19:00 Europe/Berlin")
	var pe *uptime.ParseError
	if errors.As(err, &pe) {
		fmt.Println("invalid:", pe.Reason)
	}
	// Output:
	// invalid: unknown weekday "Fru" (Mon, Tue, Wed, Thu, Fri, Sat, Sun)
}

func ExampleSchedule_String() {
	s, _ := uptime.Parse("mon - fri 8:00 – 19:00 europe/berlin,sat 10:00-14:00 utc")
	fmt.Println(s)
	// Output:
	// Mon-Fri 08:00-19:00 Europe/Berlin, Sat 10:00-14:00 UTC
}
