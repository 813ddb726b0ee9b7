// Package startgc keeps the garbage collector off while the program's packages initialize.
//
// The binary links about 1,300 packages, and the 520 that have init functions allocate about
// 7 MB; with the collector on, two or three collections run during initialization and cost
// several milliseconds of a start that `sheetops apiserver` wants under 50 ms, while most of
// what the inits allocate stays live (3 of 4 MB at the second collection). The package is
// imported by main and has few imports of its own, so it initializes among the first
// packages (Go initializes, at each step, the first package by import path whose imports are
// initialized); main calls Restore.
package startgc

import (
	"runtime/debug"
	"sync"
)

// percent is the collector's setting before init turned it off: GOGC, 100 by default.
var percent = debug.SetGCPercent(-1)

var once sync.Once

// Restore gives the collector back its setting. Later calls do nothing.
func Restore() {
	once.Do(func() { debug.SetGCPercent(percent) })
}
