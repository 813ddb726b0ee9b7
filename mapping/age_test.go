package mapping

import (
	"math/rand/v2"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// TestHumanDuration: humanDuration is duration.HumanDuration, at every half second of the
// first hours, every minute of the first month, every hour of nine years, and at random
// durations up to a century.
func TestHumanDuration(t *testing.T) {
	check := func(d time.Duration) {
		t.Helper()
		if got, want := humanDuration(d), duration.HumanDuration(d); got != want {
			t.Fatalf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for d := -5 * time.Second; d < 10*time.Hour; d += 500 * time.Millisecond {
		check(d)
	}
	for d := 10 * time.Hour; d < 31*24*time.Hour; d += time.Minute {
		check(d)
	}
	for d := 31 * 24 * time.Hour; d < 9*365*24*time.Hour; d += time.Hour {
		check(d)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(time.Duration(r.Int64N(int64(100 * 365 * 24 * time.Hour))))
	}
}
