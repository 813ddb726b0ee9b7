package storage

import (
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped drops the pages of the file's memory map from the process's resident set
// (madvise MADV_DONTNEED) once Open has read every object, and after every flush: they stay
// in the page cache, and the few that later transactions read come back on demand. Without
// it the whole file counts as the engine's resident memory (about 6 KB per stored pod at
// load, and as much again once writes have gone through most of the tree).
func releaseMapped(db *bolt.DB) {
	fi, err := os.Stat(db.Path())
	if err != nil || fi.Size() == 0 {
		return
	}
	// bbolt maps at least the whole file; the mapping is read-only and shared, so dropping
	// the pages loses nothing.
	syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(fi.Size()), syscall.MADV_DONTNEED)
}
