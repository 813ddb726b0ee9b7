package xlsx

import (
	"io/fs"
	"syscall"
)

// stampOf returns what the file system says of a file's content without reading it.
func stampOf(fi fs.FileInfo) (fileStamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{}, false
	}
	return fileStamp{
		dev:   uint64(st.Dev), //nolint:unconvert // uint32 on some platforms
		ino:   uint64(st.Ino), //nolint:unconvert
		size:  st.Size,
		mtime: st.Mtim.Nano(),
		ctime: st.Ctim.Nano(),
	}, true
}
