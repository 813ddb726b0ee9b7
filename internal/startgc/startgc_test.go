package startgc

import (
	"os"
	"runtime/debug"
	"strconv"
	"testing"
)

func TestRestore(t *testing.T) {
	// Until Restore, the collector is off (a setting of -1).
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("before Restore the collector's setting is %d, want -1 (off)", got)
	}
	want := 100 // GOGC's default
	switch v := os.Getenv("GOGC"); v {
	case "":
	case "off":
		want = -1
	default:
		want, _ = strconv.Atoi(v)
	}
	if percent != want {
		t.Fatalf("the setting kept for Restore is %d, want GOGC's %d", percent, want)
	}
	Restore()
	if got := debug.SetGCPercent(percent); got != percent {
		t.Fatalf("after Restore the collector's setting is %d, want %d", got, percent)
	}
	Restore() // once only: the setting stays
	if got := debug.SetGCPercent(percent); got != percent {
		t.Fatalf("a second Restore changed the setting to %d", got)
	}
}
