package sync

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
)

// SummaryTab is the name of the tab with counts per namespace and phase.
const SummaryTab = "Summary"

var summaryHeader = []string{"Namespace", "Running", "Pending", "Succeeded", "Failed", "Unknown", "Deployments", "Deployments ready"}

func summaryLayout() sheets.TabLayout {
	l := sheets.TabLayout{Name: SummaryTab}
	for i, h := range summaryHeader {
		l.Columns = append(l.Columns, sheets.Column{Name: h, Number: i > 0})
	}
	return l
}

// render builds the sheet's next state from what was read, the plan (with its results) and
// the cluster: rows keep the person's order; objects new to the sheet are appended; rows of
// deleted objects go; a cell with a pending, conflicting or invalid edit keeps what was
// typed, with its row's resourceVersion (its base); every row's Sync says what happened.
func (e *Engine) render(book *sheets.Book, plan *Plan, now time.Time) *sheets.Book {
	next := &sheets.Book{Version: book.Version}
	live := map[string]bool{}
	byRow := map[string]map[int][]*Edit{}
	for i := range plan.Edits {
		ed := &plan.Edits[i]
		if byRow[ed.Tab] == nil {
			byRow[ed.Tab] = map[int][]*Edit{}
		}
		byRow[ed.Tab][ed.row] = append(byRow[ed.Tab][ed.row], ed)
	}
	for ti := range e.tabs {
		t := &e.tabs[ti]
		out := &sheets.Tab{Name: t.Name, Header: t.Headers()}
		seen := map[types.UID]bool{}
		if st := book.Tab(t.Name); st != nil && contains(st.Header, mapping.UID) {
			for i, row := range st.Rows {
				cells := cellsOf(st.Header, row)
				if r := e.renderRow(t, cells, byRow[t.Name][i], seen, now); r != nil {
					out.Rows = append(out.Rows, r)
				}
			}
		}
		for _, obj := range e.view.Objects(string(t.Kind)) {
			uid := uidOf(obj)
			live[string(uid)] = true
			if seen[uid] {
				continue
			}
			seen[uid] = true
			out.Rows = append(out.Rows, e.freshRow(t, obj, now, Outcome{}, nil))
		}
		next.Tabs = append(next.Tabs, out)
	}
	next.Tabs = append(next.Tabs, e.summary())
	if e.audit != nil {
		next.Tabs = append(next.Tabs, e.audit.tab())
	}
	for uid := range e.recent {
		live[string(uid)] = true
	}
	e.state.forget(live)
	return next
}

// freshRow renders an object and remembers the render as the base of future edits. Cells
// in held keep the sheet's value instead of the cluster's (a drift in enforce mode), and
// that value is their base. out is the row's outcome, shown in Sync.
func (e *Engine) freshRow(t *mapping.Tab, obj runtime.Object, now time.Time, out Outcome, held map[string]string) []string {
	row := t.Row(obj, now)
	uid, rv := string(uidOf(obj)), rvOf(obj)
	editable := map[string]string{}
	for i, c := range t.Columns {
		if v, ok := held[c.Header]; ok {
			row[i] = v
		}
		if c.Patch != nil {
			editable[c.Header] = row[i]
		}
		if c.Header == mapping.Sync {
			row[i] = out.Cell()
		}
	}
	e.state.remember(uid, rv, editable)
	if out.IsZero() {
		delete(e.state.Status, uid)
	} else {
		e.state.Status[uid] = out
	}
	return row
}

// renderRow renders one row of the sheet as read; nil drops it.
func (e *Engine) renderRow(t *mapping.Tab, cells rowCells, edits []*Edit, seen map[types.UID]bool, now time.Time) []string {
	out, pending, held, cleared := outcome(edits)
	uid := types.UID(strings.TrimSpace(cells[mapping.UID]))
	typed := func() []string {
		row := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			row[i] = cells[c.Header]
			if c.Header == mapping.Sync {
				row[i] = out.Cell()
			}
		}
		return row
	}
	if uid == "" {
		for _, ed := range edits {
			if ed.Decision == Create && ed.UID != "" {
				seen[ed.UID] = true
				return e.freshRow(t, ed.object, now, out, nil)
			}
		}
		if len(edits) == 0 && cells.blank() {
			return nil
		}
		return typed()
	}
	if seen[uid] && len(edits) > 0 {
		return typed() // a duplicate row, reported
	}
	obj, ok := e.current(t.Kind, uid)
	if !ok || seen[uid] {
		if len(pending) > 0 {
			return typed() // an edit for a gone object stays visible until the person removes it
		}
		return nil
	}
	seen[uid] = true
	if prev := e.state.Status[string(uid)]; out.IsZero() && prev.Kind.Done() {
		// A change made earlier stays in Sync until the row has news: also when the pass
		// that made it could not write the sheet.
		out = prev
	}
	if len(pending) == 0 {
		keep := map[string]string{}
		for h := range held {
			keep[h] = cells[h]
		}
		row := e.freshRow(t, obj, now, out, keep)
		if !cleared {
			if i := columnIndex(t, mapping.Action); i >= 0 {
				row[i] = keepAction(cells[mapping.Action])
			}
		}
		return row
	}
	// Pending edits: keep what was typed in those cells and the row's resourceVersion, so
	// the next pass decides against the same base; the rest follows the cluster.
	row := t.Row(obj, now)
	for i, c := range t.Columns {
		switch {
		case c.Header == mapping.Sync:
			row[i] = out.Cell()
		case c.Header == mapping.RV, pending[c.Header], held[c.Header], c.Header == mapping.Action && !cleared:
			row[i] = cells[c.Header]
		}
	}
	e.state.Status[string(uid)] = out
	return row
}

// keepAction keeps an Action cell that was not acted on (for example "force" with nothing
// to force); an empty or acted-on one is cleared.
func keepAction(cell string) string {
	if a, err := mapping.ParseAction(cell); err == nil && a == mapping.ForceAction {
		return ""
	}
	return cell
}

func columnIndex(t *mapping.Tab, header string) int {
	for i, c := range t.Columns {
		if c.Header == header {
			return i
		}
	}
	return -1
}

// outcome summarises a row's edits: the row's outcome, the columns whose typed values must
// stay (pending: unresolved; held: a drift the sheet keeps in enforce mode), and whether the
// Action cell was acted on and is cleared.
func outcome(edits []*Edit) (out Outcome, pending, held map[string]bool, cleared bool) {
	pending, held = map[string]bool{}, map[string]bool{}
	outs := make([]Outcome, 0, len(edits))
	for _, ed := range edits {
		outs = append(outs, ed.Outcome)
		if ed.Decision == Drift {
			held[ed.Column] = true
			continue
		}
		// Unresolved: not applied (yet), or only planned (a plan, a read-only engine).
		unresolved := ed.Decision == Conflict || ed.Decision == Invalid || ed.Decision == Gone ||
			ed.Outcome.Kind.Unresolved() || (ed.Outcome.IsZero() && (ed.Decision == Apply || ed.Decision == Delete))
		if unresolved {
			col := ed.Column
			if col == "" {
				col = mapping.Action
			}
			pending[col] = true
		} else if ed.Decision == Delete || ed.Force {
			cleared = true
		}
	}
	return rowOutcome(outs), pending, held, cleared
}

// summary counts pods per namespace and phase, and deployments and ready ones.
func (e *Engine) summary() *sheets.Tab {
	type counts struct {
		phases         map[corev1.PodPhase]int
		deploys, ready int
	}
	byNS := map[string]*counts{}
	get := func(ns string) *counts {
		c := byNS[ns]
		if c == nil {
			c = &counts{phases: map[corev1.PodPhase]int{}}
			byNS[ns] = c
		}
		return c
	}
	for _, obj := range e.view.Objects(string(mapping.Pod)) {
		p := obj.(*corev1.Pod)
		phase := p.Status.Phase
		if phase == "" {
			phase = corev1.PodPending
		}
		get(p.Namespace).phases[phase]++
	}
	for _, obj := range e.view.Objects(string(mapping.Deployment)) {
		m, _ := meta.Accessor(obj)
		c := get(m.GetNamespace())
		c.deploys++
		if readyDeployment(obj) {
			c.ready++
		}
	}
	names := make([]string, 0, len(byNS))
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	tab := &sheets.Tab{Name: SummaryTab, Header: summaryHeader}
	for _, ns := range names {
		c := byNS[ns]
		tab.Rows = append(tab.Rows, []string{ns,
			fmt.Sprint(c.phases[corev1.PodRunning]), fmt.Sprint(c.phases[corev1.PodPending]),
			fmt.Sprint(c.phases[corev1.PodSucceeded]), fmt.Sprint(c.phases[corev1.PodFailed]),
			fmt.Sprint(c.phases[corev1.PodUnknown]), fmt.Sprint(c.deploys), fmt.Sprint(c.ready)})
	}
	return tab
}
