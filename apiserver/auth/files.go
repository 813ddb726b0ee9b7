package auth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces path with data: the bytes go to a temporary file in the same
// directory, which is given perm, synced, and renamed over path, so a reader sees the old
// file or the new one, never a part. With noClobber set an existing path is left alone and
// the error wraps fs.ErrExist.
func writeFileAtomic(path string, data []byte, perm fs.FileMode, noClobber bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600; Chmod is not subject to the umask, so perm is exact.
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if noClobber {
		// A hard link fails when path exists, which makes "create if missing" atomic.
		linkErr := os.Link(tmp, path)
		switch {
		case linkErr == nil:
			_ = os.Remove(tmp)
			syncDir(dir)
			return nil
		case errors.Is(linkErr, fs.ErrExist):
			err = fmt.Errorf("write %s: %w", path, fs.ErrExist)
			return err
		}
		// No hard links on this file system: check, then rename.
		if _, statErr := os.Lstat(path); statErr == nil {
			err = fmt.Errorf("write %s: %w", path, fs.ErrExist)
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable; failure only weakens durability, so it is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
