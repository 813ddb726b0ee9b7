package sync

import (
	"bufio"
	"encoding/json"
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
		l.Columns = append(l.Columns, sheets.Column{Name: h, Width: widths[i]})
	}
	return l
}

// audit records every applied change, conflict, drift and error: appended as one JSON line
// to a file (when there is one) and kept in memory for the Audit tab.
type audit struct {
	path   string
	recent []auditEntry // oldest first, at most auditRows
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
func openAudit(path string) *audit {
	a := &audit{path: path}
	f, err := os.Open(path)
	if err != nil {
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
	data, _ := json.Marshal(en)
	f, err := os.OpenFile(a.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(append(data, '\n'))
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
