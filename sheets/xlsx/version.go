package xlsx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// fileStamp is what the file system says of a file without reading it: which file it is
// (device and inode), its size, and when its content (mtime) and its inode (ctime: any
// write, rename, chmod or change of mtime) last changed, in nanoseconds.
type fileStamp struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

// knownVersion is the version of the file as a hash of it found it, and the file's stamp
// then. While the file's stamp stays the same, Version trusts it without hashing the file,
// once it is settled.
type knownVersion struct {
	stamp   fileStamp
	version string
	// settled: both times of the stamp were older than racyWindow (and the file system's
	// lag) when the hash began. A change after the hash then gives the file a later ctime
	// whatever the granularity of its timestamps; a change within the same tick of a
	// coarse clock (a second on some file systems, two on FAT) as the stamp's could keep
	// every field the same, so an unsettled stamp is never trusted.
	settled bool
	hashed  time.Time // when the hash began
}

const (
	// racyWindow covers the coarsest timestamps of the file systems a workbook may be on
	// (FAT: 2 s) and a little clock skew: a stamp younger than this is hashed again.
	racyWindow = 3 * time.Second
	// rehashAfter bounds how long a settled stamp is trusted without a hash: a safety net
	// for a file system whose clock is far behind ours.
	rehashAfter = 30 * time.Second
)

// Version returns the file's version (the hex SHA-256 of its bytes; "" when it does not
// exist) without parsing it: the cheap check a poll makes before it reads. It hashes the
// file unless its stamp (inode, size, mtime, ctime) is the one of a settled hash.
func (w *Workbook) Version(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	fi, err := os.Stat(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read workbook: %w", err)
	}
	version := ""
	st, ok := w.stampOf(fi)
	w.mu.Lock()
	known, held := w.known, w.held
	w.mu.Unlock()
	if ok && known.settled && known.stamp == st && time.Since(known.hashed) < rehashAfter {
		version = known.version
	} else {
		_, version, err = w.readFile(false)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read workbook: %w", err)
		}
	}
	if held && !w.InUse() {
		return version + "+closed", nil // the held write is due
	}
	return version, nil
}

// readFile reads the file (keep: returns its bytes) and hashes it, and notes the version
// with the file's stamp when the file did not change while it was read.
func (w *Workbook) readFile(keep bool) (data []byte, version string, err error) {
	start := time.Now()
	f, err := os.Open(w.path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	h := sha256.New()
	if keep {
		w.mu.Lock()
		data, w.spare = w.spare, nil
		w.mu.Unlock()
		if int64(cap(data)) < before.Size()+1 {
			data = make([]byte, 0, before.Size()+1)
		}
		if data, err = readAll(f, data); err != nil {
			return nil, "", err
		}
		h.Write(data)
	} else if _, err := io.Copy(h, f); err != nil {
		return nil, "", err
	}
	version = hex.EncodeToString(h.Sum(nil))
	after, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	s1, ok1 := w.stampOf(before)
	s2, ok2 := w.stampOf(after)
	if ok1 && ok2 && s1 == s2 {
		w.mu.Lock()
		margin := racyWindow + w.fsLag
		old := start.Add(-margin).UnixNano()
		w.known = knownVersion{stamp: s1, version: version, hashed: start, settled: s1.mtime < old && s1.ctime < old}
		w.mu.Unlock()
	}
	return data, version, nil
}

// noteLag measures how far the file system's clock is behind ours, from the change time of
// a file created just after start.
func (w *Workbook) noteLag(start time.Time, f *os.File) {
	fi, err := f.Stat()
	if err != nil {
		return
	}
	st, ok := w.stampOf(fi)
	if !ok {
		return
	}
	lag := max(time.Duration(start.UnixNano()-st.ctime), 0)
	w.mu.Lock()
	w.fsLag = lag
	w.mu.Unlock()
}
