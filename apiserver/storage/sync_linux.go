package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncData makes f's written data durable without its times (fdatasync): a write inside
// the file's size needs no journal commit. A write that grew the file still syncs its size.
func syncData(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}
