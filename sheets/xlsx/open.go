package xlsx

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/sheetops/sheetops/sheets"
)

// lockFiles are the files a spreadsheet program keeps beside a workbook while it has it
// open: LibreOffice's .~lock.NAME# and Excel's owner file ~$NAME (for long names Excel
// drops the name's first two characters).
func lockFiles(target string) []string {
	dir, name := filepath.Split(target)
	files := []string{filepath.Join(dir, ".~lock."+name+"#"), filepath.Join(dir, "~$"+name)}
	if r := []rune(name); len(r) > 2 {
		files = append(files, filepath.Join(dir, "~$"+string(r[2:])))
	}
	return files
}

// InUse reports whether a spreadsheet program has the workbook open: one of their lock
// files is beside it. (A program that crashed may leave its lock file behind; removing it
// ends this.)
func (w *Workbook) InUse() bool {
	target := w.path
	if t, err := filepath.EvalSymlinks(w.path); err == nil {
		target = t
	}
	return inUse(target)
}

func inUse(target string) bool {
	for _, f := range lockFiles(target) {
		if fi, err := os.Lstat(f); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

// resultsChanged reports whether next tells the person something base does not: a tab
// that is new or laid out anew, or a change in the results (the non-empty cells of the
// Result columns, wherever their rows are). Cluster changes alone (Age, status, new pods)
// are not results.
func resultsChanged(layout *sheets.Layout, base, next *sheets.Book) bool {
	if next == nil {
		return false
	}
	for _, nt := range next.Tabs {
		if nt == nil {
			continue
		}
		tl := layout.Tab(nt.Name)
		if tl == nil {
			continue
		}
		bt := base.Tab(nt.Name)
		if bt == nil || !slices.Equal(bt.Header, nt.Header) {
			return true
		}
		for j, h := range nt.Header {
			if c := tl.Column(h); c == nil || !c.Result {
				continue
			}
			if !sameResults(bt.Rows, nt.Rows, j) {
				return true
			}
		}
	}
	return false
}

// sameResults compares the non-empty cells of column j as multisets.
func sameResults(a, b [][]string, j int) bool {
	count := map[string]int{}
	for _, r := range a {
		if v := cellAt(r, j); v != "" {
			count[v]++
		}
	}
	for _, r := range b {
		if v := cellAt(r, j); v != "" {
			count[v]--
			if count[v] < 0 {
				return false
			}
		}
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
