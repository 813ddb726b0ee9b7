package mapping

import (
	"strconv"
	"time"
)

// humanDuration is k8s.io/apimachinery/pkg/util/duration.HumanDuration ("5m", "3d4h") made
// with one allocation instead of fmt's: the Age of every row is rendered on every pass.
// TestHumanDuration holds it to the original.
func humanDuration(d time.Duration) string {
	// Up to 2 seconds in the future is "now": machines' clocks differ.
	if seconds := int(d.Seconds()); seconds < -1 {
		return "<invalid>"
	} else if seconds < 0 {
		return "0s"
	} else if seconds < 60*2 {
		return units(seconds, 's', 0, 0)
	}
	minutes := int(d / time.Minute)
	if minutes < 10 {
		return units(minutes, 'm', int(d/time.Second)%60, 's')
	} else if minutes < 60*3 {
		return units(minutes, 'm', 0, 0)
	}
	hours := int(d / time.Hour)
	if hours < 8 {
		return units(hours, 'h', int(d/time.Minute)%60, 'm')
	} else if hours < 48 {
		return units(hours, 'h', 0, 0)
	} else if hours < 24*8 {
		return units(hours/24, 'd', hours%24, 'h')
	} else if hours < 24*365*2 {
		return units(hours/24, 'd', 0, 0)
	} else if hours < 24*365*8 {
		return units(hours/24/365, 'y', (hours/24)%365, 'd')
	}
	return units(hours/24/365, 'y', 0, 0)
}

// units writes n and its unit, then m and its unit when m is not 0.
func units(n int, unit byte, m int, unit2 byte) string {
	var buf [24]byte
	b := strconv.AppendInt(buf[:0], int64(n), 10)
	b = append(b, unit)
	if m != 0 {
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, unit2)
	}
	return string(b)
}
