package xlsx

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sheetops/sheetops/sheets"
)

// Workbook is a local .xlsx file used as a sheets.Sheet.
type Workbook struct {
	path string

	mu sync.Mutex
	// swept: temporary files a crashed process left beside the file were removed.
	swept bool
	// last is the Book of the file last read or written, by its Version: a file with the
	// same checksum has the same values, so a Read of an unchanged file (or of the file the
	// last Write made) only reads and hashes it. Nil when not every tab's values are known.
	last *sheets.Book
	// spare is the buffer of the last Read's file, kept for the next: the Book holds none
	// of its bytes.
	spare []byte
	// parsed holds the values of the worksheets last read or written, by part name: a Read
	// parses only the worksheets whose part changed (see partPrint).
	parsed map[string]*parsedTab
	// beforeCommit, when set (by tests), runs after the new file is written and before
	// the check that precedes the rename.
	beforeCommit func()
	// held: a Write was left out because a person has the file open; once they close it,
	// Version reports a change so that the caller reads and writes again.
	held bool
	// known is the version of the file the last hash found, with the file's stamp then.
	known knownVersion
	// fsLag is how far the file system's clock was behind ours at the last Write.
	fsLag time.Duration
	// stampOf is the platform's stampOf; tests replace it with a coarser one.
	stampOf func(fs.FileInfo) (fileStamp, bool)
}

var _ sheets.Sheet = (*Workbook)(nil)

// New returns the workbook at path. Nothing is read or created until Read or Write.
func New(path string) *Workbook {
	return &Workbook{path: path, stampOf: stampOf}
}

// Path returns the workbook's file name.
func (w *Workbook) Path() string { return w.path }

// Read reads every worksheet of the file. A missing file reads as an empty Book with
// Version ""; the Version of a file is the hex SHA-256 of its bytes.
func (w *Workbook) Read(ctx context.Context) (*sheets.Book, error) {
	b, err := w.ReadShared(ctx)
	if err != nil {
		return nil, err
	}
	return copyBook(b), nil
}

var _ sheets.SharedReader = (*Workbook)(nil)

// ReadShared is Read without the copy: the Book's rows are those the workbook keeps of the
// file (see sheets.SharedReader). At 100,000 rows the copy is a million strings a pass.
func (w *Workbook) ReadShared(ctx context.Context) (*sheets.Book, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, version, err := w.readFile(true)
	if errors.Is(err, fs.ErrNotExist) {
		return &sheets.Book{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	if !w.InUse() {
		w.mu.Lock()
		w.held = false
		w.mu.Unlock()
	}
	if len(data) == 0 {
		return &sheets.Book{Version: version}, nil
	}
	w.mu.Lock()
	last, parsed := w.last, w.parsed
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.spare = data[:0]
		w.mu.Unlock()
	}()
	if last != nil && last.Version == version {
		return shareBook(last), nil
	}
	b, parsed, err := readBookReusing(data, parsed)
	if err != nil {
		return nil, fmt.Errorf("read workbook %s: %w", w.path, err)
	}
	b.Version = version
	w.mu.Lock()
	w.last, w.parsed = b, parsed
	w.mu.Unlock()
	return shareBook(b), nil
}

// shareBook returns a Book with b's rows: new Book and Tabs, each Rows slice clipped to
// its length, so that an append does not write into b's.
func shareBook(b *sheets.Book) *sheets.Book {
	c := &sheets.Book{Version: b.Version, Tabs: make([]*sheets.Tab, len(b.Tabs))}
	for i, t := range b.Tabs {
		c.Tabs[i] = &sheets.Tab{Name: t.Name, Header: slices.Clip(t.Header), Rows: slices.Clip(t.Rows)}
	}
	return c
}

// copyBook returns a copy of b that shares only the (immutable) strings.
func copyBook(b *sheets.Book) *sheets.Book {
	c := &sheets.Book{Version: b.Version, Tabs: make([]*sheets.Tab, len(b.Tabs))}
	for i, t := range b.Tabs {
		n := &sheets.Tab{Name: t.Name, Header: slices.Clone(t.Header)}
		if t.Rows != nil {
			n.Rows = make([][]string, len(t.Rows))
			// One backing array for all the rows' cells.
			cells := 0
			for _, r := range t.Rows {
				cells += len(r)
			}
			all := make([]string, 0, cells)
			for j, r := range t.Rows {
				all = append(all, r...)
				n.Rows[j] = all[len(all)-len(r) : len(all) : len(all)]
			}
		}
		c.Tabs[i] = n
	}
	return c
}

// Write replaces the file with a workbook holding next's tabs, in order, followed by the
// file's other worksheets copied as values, all with layout's presentation. It builds the
// workbook in a temporary file beside the target, and renames it over the target only if
// the file still has base's checksum, checked just before the rename; otherwise it
// removes the temporary file and returns sheets.ErrModified. The file keeps its mode.
// A symbolic link is followed: the file it names is replaced.
func (w *Workbook) Write(ctx context.Context, layout *sheets.Layout, base, next *sheets.Book) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	baseVersion := ""
	if base != nil {
		baseVersion = base.Version
	}
	target := w.path
	if t, err := filepath.EvalSymlinks(w.path); err == nil {
		target = t
	}
	data, err := os.ReadFile(target)
	exists := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("write workbook: %w", err)
	}
	current := ""
	if exists {
		current = checksum(data)
	}
	if current != baseVersion {
		return "", sheets.ErrModified
	}
	if exists && inUse(target) && !resultsChanged(layout, base, next) {
		// A person has the file open: a write would make their program ask, at their next
		// save, whether to overwrite it, and show nothing until they reload. Only results
		// are worth that; the cluster's own changes wait until the file is closed.
		w.mu.Lock()
		w.held = true
		w.mu.Unlock()
		return baseVersion, nil
	}
	tabs, err := tabsToWrite(data, next)
	if err != nil {
		return "", fmt.Errorf("write workbook %s: %w", w.path, err)
	}
	f, back, err := render(layout, tabs)
	if err != nil {
		return "", fmt.Errorf("write workbook %s: %w", w.path, err)
	}
	defer f.Close()

	mode := fs.FileMode(0o666) // less the umask, as for any new file
	if exists {
		if fi, err := os.Stat(target); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	created := time.Now()
	tmp, err := createTemp(target, mode)
	if err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	w.noteLag(created, tmp)
	renamed := false
	defer func() {
		if !renamed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<16)
	if _, err := f.WriteTo(bw); err != nil {
		return "", fmt.Errorf("write workbook %s: %w", tmp.Name(), err)
	}
	if err := bw.Flush(); err != nil {
		return "", fmt.Errorf("write workbook %s: %w", tmp.Name(), err)
	}
	if exists {
		// Set the mode exactly: the umask applied when the file was created.
		if err := tmp.Chmod(mode); err != nil {
			return "", fmt.Errorf("write workbook %s: %w", tmp.Name(), err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("write workbook %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write workbook %s: %w", tmp.Name(), err)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	version := hex.EncodeToString(h.Sum(nil))
	mem := remember(tmp.Name(), version, tabs, back)
	if w.beforeCommit != nil {
		w.beforeCommit()
	}
	// The last moment: has anyone saved the file since base was read?
	now, err := fileChecksum(target)
	if err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	if now != baseVersion {
		return "", sheets.ErrModified
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	renamed = true
	w.mu.Lock()
	w.last, w.parsed = mem.book, mem.parsed
	w.mu.Unlock()
	syncDir(filepath.Dir(target))
	if !w.swept {
		w.swept = true
		sweepTemps(target, tmp.Name())
	}
	return version, nil
}

// written is what the next Read will find in a file Write made.
type written struct {
	book   *sheets.Book          // nil unless every tab's values are known
	parsed map[string]*parsedTab // the worksheets whose values are known
}

// remember returns the values of the file Write made (at path, with the given version)
// for the next Read: the Book when every tab's values are known, and the worksheets' values
// by their parts' prints. What it cannot know is left out; the next Read parses it.
func remember(path, version string, tabs []renderTab, back []*grid) written {
	f, err := os.Open(path)
	if err != nil {
		return written{}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return written{}
	}
	p, err := openPackageAt(f, fi.Size())
	if err != nil || len(p.tabs) != len(back) {
		return written{}
	}
	book := &sheets.Book{Version: version, Tabs: make([]*sheets.Tab, len(tabs))}
	parsed := make(map[string]*parsedTab, len(tabs))
	for i, ref := range p.tabs {
		g := back[i]
		pp, ok := p.printOf(ref.part)
		if g == nil || !ok || ref.name != tabs[i].name {
			book = nil
			continue
		}
		parsed[strings.ToLower(ref.part)] = &parsedTab{print: pp, header: g.header, rows: g.rows}
		if book != nil {
			book.Tabs[i] = &sheets.Tab{Name: ref.name, Header: g.header, Rows: g.rows}
		}
	}
	m := written{book: book, parsed: parsed}
	if rememberHook != nil {
		rememberHook(path, m)
	}
	return m
}

// rememberHook, when set (by tests), is given every file Write made with what remember
// returned for it.
var rememberHook func(path string, m written)

// staleTemp is the age after which a temporary file beside the workbook is taken for one
// that a crashed process left behind.
const staleTemp = 10 * time.Minute

// sweepTemps removes, on a best-effort basis, the temporary files of target that are
// older than staleTemp, but not keep.
func sweepTemps(target, keep string) {
	dir, name := filepath.Split(target)
	matches, _ := filepath.Glob(filepath.Join(dir, "."+escapeGlob(name)+".sheetops-*.tmp"))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && m != keep && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleTemp {
			_ = os.Remove(m)
		}
	}
}

func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// tabsToWrite returns next's tabs followed by the existing file's worksheets that next
// lacks, with what each of their cells held (numbers stay numbers).
func tabsToWrite(existing []byte, next *sheets.Book) ([]renderTab, error) {
	var tabs []renderTab
	names := map[string]bool{}
	if next != nil {
		for _, t := range next.Tabs {
			if t == nil {
				continue
			}
			if names[t.Name] {
				return nil, fmt.Errorf("tab %q twice", t.Name)
			}
			names[t.Name] = true
			tabs = append(tabs, renderTab{name: t.Name, header: t.Header, rows: t.Rows})
		}
	}
	if len(existing) == 0 {
		return tabs, nil
	}
	p, err := openPackage(existing)
	if err != nil {
		return nil, err
	}
	var sst []string
	loaded := false
	for _, ref := range p.tabs {
		if names[ref.name] {
			continue
		}
		if !loaded {
			if sst, err = p.readSharedStrings(); err != nil {
				return nil, err
			}
			loaded = true
		}
		g, err := p.readGrid(ref, sst, true, nil)
		if err != nil {
			return nil, err
		}
		tabs = append(tabs, renderTab{name: ref.name, header: g.header, rows: g.rows, kinds: g.kinds})
	}
	return tabs, nil
}

func checksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// fileChecksum returns the checksum of the file at path, or "" if there is none.
func fileChecksum(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// createTemp creates a new, hidden file beside target for the next version of it.
func createTemp(target string, mode fs.FileMode) (*os.File, error) {
	dir, name := filepath.Split(target)
	for range 100 {
		id := make([]byte, 6)
		_, _ = rand.Read(id)
		tmp := filepath.Join(dir, "."+name+".sheetops-"+hex.EncodeToString(id)+".tmp")
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create a temporary file beside %s: too many attempts", target)
}

// syncDir makes a rename in dir durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
