package sync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/sheetops/sheetops/sheets"
)

// AuditTab is the name of the tab that lists the newest audit entries, newest first.
const AuditTab = "Audit"

// auditRows is how many entries the Audit tab shows; the JSON-lines file keeps them all.
const auditRows = 200

var auditHeader = []string{"Time", "Tab", "Object", "Field", "Old", "New", "Result"}

func auditLayout() sheets.TabLayout {
	widths := []float64{22, 13, 32, 10, 20, 20, 40}
	l := sheets.TabLayout{Name: AuditTab}
	for i, h := range auditHeader {
		l.Columns = append(l.Columns, sheets.Column{Name: h, Width: widths[i], Wrap: h == "Result"}) // a conflict's full text, read whole
	}
	return l
}

// maxUnwritten bounds the audit entries kept in memory while the file cannot be written;
// past it the oldest are dropped, and each drop is counted and logged.
const maxUnwritten = 100_000

// audit records every applied change, conflict, drift and error: appended as one JSON line
// to a file (when there is one) and kept in memory for the Audit tab. An entry the file
// cannot take (a full disk, a removed directory, wrong permissions) is kept in memory and
// written, in order, as soon as the file can be written again; meanwhile Err says why, the
// failure is logged once (and once more when it recovers) and counted in
// sheetops_audit_write_failures_total.
type audit struct {
	path      string
	log       *slog.Logger
	recent    []auditEntry // oldest first, at most auditRows
	unwritten []auditEntry // not in the file yet, oldest first
	err       error        // the last write's failure; nil: the file is up to date
}

type auditEntry struct {
	Time   string `json:"time"`
	Tab    string `json:"tab,omitempty"`
	Kind   string `json:"kind"`
	Object string `json:"object"`
	Field  string `json:"field,omitempty"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	Action string `json:"action"`
	Result string `json:"result"`
}

// openAudit reads the newest entries of the file at path (missing: none yet).
func openAudit(path string, log *slog.Logger) *audit {
	a := &audit{path: path, log: log}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) || path == "" {
		return a
	}
	if err != nil {
		log.Warn("cannot read the audit file; the Audit tab starts empty", "path", path, "err", err)
		return a
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var en auditEntry
		if json.Unmarshal(sc.Bytes(), &en) == nil {
			a.keep(en)
		}
	}
	if err := sc.Err(); err != nil {
		log.Warn("cannot read all of the audit file; the Audit tab shows what was read", "path", path, "err", err)
	}
	return a
}

func (a *audit) keep(en auditEntry) {
	a.recent = append(a.recent, en)
	if len(a.recent) > 2*auditRows {
		a.recent = append(a.recent[:0], a.recent[len(a.recent)-auditRows:]...)
	}
}

func (a *audit) add(en auditEntry) {
	a.keep(en)
	if a.path == "" {
		return
	}
	a.unwritten = append(a.unwritten, en)
	if n := len(a.unwritten) - maxUnwritten; n > 0 {
		auditDropped.Add(float64(n))
		a.log.Error("audit entries dropped: the audit file has not been writable for too long", "path", a.path, "dropped", n)
		a.unwritten = append(a.unwritten[:0], a.unwritten[n:]...)
	}
	a.flush()
}

// flush appends the unwritten entries to the file.
func (a *audit) flush() {
	if len(a.unwritten) == 0 {
		return
	}
	var buf bytes.Buffer
	for _, en := range a.unwritten {
		data, _ := json.Marshal(en)
		buf.Write(data)
		buf.WriteByte('\n')
	}
	err := appendFile(a.path, buf.Bytes())
	if err != nil {
		auditFailures.Inc()
		if a.err == nil {
			a.log.Error("cannot write the audit file; entries are kept in memory and written when it works again",
				"path", a.path, "err", err)
		}
		a.err = fmt.Errorf("write audit %s: %w (%d entries waiting)", a.path, err, len(a.unwritten))
		return
	}
	if a.err != nil {
		a.log.Info("the audit file is writable again", "path", a.path, "written", len(a.unwritten))
	}
	a.err = nil
	a.unwritten = a.unwritten[:0]
}

// appendFile appends data to the file at path, creating it, in one write.
func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	return errors.Join(werr, cerr)
}

// tab renders the newest entries, newest first.
func (a *audit) tab() *sheets.Tab {
	t := &sheets.Tab{Name: AuditTab, Header: auditHeader}
	for i := len(a.recent) - 1; i >= 0 && len(t.Rows) < auditRows; i-- {
		en := a.recent[i]
		old, new := en.Old, en.New
		if en.Field == "" {
			old, new = "", strings.ToLower(en.Action)
		}
		t.Rows = append(t.Rows, []string{en.Time, en.Tab, strings.ToLower(en.Kind) + " " + en.Object, en.Field, old, new, en.Result})
	}
	return t
}
