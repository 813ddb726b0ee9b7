//go:build unix

package xlsx

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system, all threads) this process has used: on a
// shared, busy machine it measures the work better than the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
