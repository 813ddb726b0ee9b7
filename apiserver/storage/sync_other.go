//go:build !linux

package storage

import "os"

// syncData is f.Sync where fdatasync is not to hand (see sync_linux.go).
func syncData(f *os.File) error { return f.Sync() }
