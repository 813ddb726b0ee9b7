//go:build !linux

package storage

import bolt "go.etcd.io/bbolt"

// releaseMapped is a no-op where the memory map is not released (see mmap_linux.go).
func releaseMapped(*bolt.DB) {}
