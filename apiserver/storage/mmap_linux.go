package storage

import (
	"bytes"
	"os"
	"strconv"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped drops the pages of the file's memory map from the process's resident set
// (madvise MADV_DONTNEED) once Open has read every object, and after every flush: they stay
// in the page cache, and the few that later transactions read come back on demand. Without
// it the whole file counts as the engine's resident memory (about 6 KB per stored pod at
// load, and as much again once writes have gone through most of the tree).
//
// Only the mapping itself is released, whatever the file's size: bbolt grows the file
// ahead of its map (35 MiB of file behind a 32 MiB map, say), and MADV_DONTNEED past the
// map's end would zero whatever the process has mapped there, the Go heap included.
func releaseMapped(db *bolt.DB) {
	start := db.Info().Data
	if n := mappedLength(start); n > 0 {
		// The mapping is read-only and shared: dropping its pages loses nothing.
		dontNeed(start, n)
	}
}

// dontNeed is madvise(addr, n, MADV_DONTNEED) (a variable for the test).
var dontNeed = func(addr, n uintptr) {
	syscall.Syscall(syscall.SYS_MADVISE, addr, n, syscall.MADV_DONTNEED)
}

// mappedLength is the length of the memory mapping that begins at start, read from
// /proc/self/maps; 0 when none begins there or the file cannot be read.
func mappedLength(start uintptr) uintptr {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(maps) {
		// "start-end perms offset dev inode path", the addresses in hex
		addrs, _, _ := bytes.Cut(line, []byte(" "))
		from, to, ok := bytes.Cut(addrs, []byte("-"))
		if !ok {
			continue
		}
		s, err1 := strconv.ParseUint(string(from), 16, 64)
		e, err2 := strconv.ParseUint(string(to), 16, 64)
		if err1 == nil && err2 == nil && uintptr(s) == start && e > s {
			return uintptr(e - s)
		}
	}
	return 0
}
