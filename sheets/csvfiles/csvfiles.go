package csvfiles

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sheetops/sheetops/sheets"
)

// Files writes the tabs of a sheet as CSV files named after path.
type Files struct {
	path    string
	written []string
}

var _ sheets.Sheet = (*Files)(nil)

// New returns the CSV files named after path ("cluster.csv": cluster-<Tab>.csv).
func New(path string) *Files { return &Files{path: path} }

// Path returns the file of one tab.
func (c *Files) Path(tab string) string {
	ext := filepath.Ext(c.path)
	return strings.TrimSuffix(c.path, ext) + "-" + fileName(tab) + ext
}

// Written returns the files the last Write wrote, in tab order.
func (c *Files) Written() []string { return append([]string(nil), c.written...) }

// fileName makes a tab name safe as part of a file name.
func fileName(tab string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, tab)
}

// Read returns an empty Book: CSV files are written, never read back.
func (c *Files) Read(ctx context.Context) (*sheets.Book, error) {
	return &sheets.Book{}, ctx.Err()
}

// Write writes each of next's tabs to its file, without the columns layout hides.
func (c *Files) Write(ctx context.Context, layout *sheets.Layout, base, next *sheets.Book) (string, error) {
	c.written = nil
	if next == nil {
		return "", nil
	}
	seen := map[string]bool{}
	for _, t := range next.Tabs {
		if t == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		path := c.Path(t.Name)
		if seen[path] {
			return "", fmt.Errorf("write %s: two tabs share the file name", path)
		}
		seen[path] = true
		if err := writeFile(path, visible(layout.Tab(t.Name), t)); err != nil {
			return "", err
		}
		c.written = append(c.written, path)
	}
	return "", nil
}

// visible returns the tab's header and rows without the hidden columns.
func visible(l *sheets.TabLayout, t *sheets.Tab) [][]string {
	keep := make([]int, 0, len(t.Header))
	for j, h := range t.Header {
		if l != nil {
			if c := l.Column(h); c != nil && c.Hidden {
				continue
			}
		}
		keep = append(keep, j)
	}
	out := make([][]string, 0, len(t.Rows)+1)
	pick := func(r []string) []string {
		row := make([]string, len(keep))
		for i, j := range keep {
			if j < len(r) {
				row[i] = r[j]
			}
		}
		return row
	}
	out = append(out, pick(t.Header))
	for _, r := range t.Rows {
		out = append(out, pick(r))
	}
	return out
}

// writeFile writes records to path through a temporary file and a rename.
func writeFile(path string, records [][]string) (err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	var tmp *os.File
	for range 100 {
		id := make([]byte, 6)
		_, _ = rand.Read(id)
		tmp, err = os.OpenFile(filepath.Join(dir, "."+name+"."+hex.EncodeToString(id)+".tmp"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	w := csv.NewWriter(bw)
	w.UseCRLF = true
	if err := w.WriteAll(records); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
