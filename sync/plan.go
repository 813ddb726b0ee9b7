package sync

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
)

// Decision is what the engine does with one edit.
type Decision string

// The decisions.
const (
	// Apply sends a field change (with the object's resourceVersion as a precondition).
	Apply Decision = "apply"
	// Create creates the object a new row describes.
	Create Decision = "create"
	// Delete deletes the object (Action "delete").
	Delete Decision = "delete"
	// Conflict: the sheet and the cluster both changed a field since the render the person
	// edited; nothing is applied and the typed value stays.
	Conflict Decision = "conflict"
	// Invalid: what was typed cannot be applied; the typed value stays.
	Invalid Decision = "invalid"
	// Gone: the row's object no longer exists; its edit is not applied anywhere.
	Gone Decision = "gone"
	// Drift (reconcile.mode enforce): the cluster moved away from the sheet's value, which
	// nobody edited; the cell keeps the sheet's value and the next scheduled reconcile
	// restores it.
	Drift Decision = "drift"
	// Enforce (reconcile.mode enforce, during a scheduled reconcile): send the sheet's value
	// back over a drift, with the object's resourceVersion as a precondition.
	Enforce Decision = "enforce"
)

// Edit is one change a person made in the sheet, and what the engine decided about it.
type Edit struct {
	Tab       string
	Resource  kube.Resource
	Namespace string
	Name      string
	UID       types.UID
	// Column is the edited column; empty for Create and Delete.
	Column string
	// Base is what the engine rendered into the copy the person edited; Sheet what is
	// there now (canonical); Cluster what the cluster holds now.
	Base, Sheet, Cluster string
	Decision             Decision
	// Force: Action "force" asked to apply over a conflict.
	Force bool
	// Reason explains Invalid, Conflict, Gone and Drift.
	Reason string
	// Outcome is what happened; in a plan, only what was decided without the cluster
	// (conflict, invalid, gone, drift).
	Outcome Outcome

	row    int            // index of the row in the tab as read
	object runtime.Object // Apply: the object patched; Create: the object to create
	noBase bool           // Conflict: SheetOps has no record of the render the row came from
}

// Object names the edit's object as namespace/name.
func (e Edit) Object() string { return e.Namespace + "/" + e.Name }

// String is one line for `sheetops plan` and logs.
func (e Edit) String() string {
	what := fmt.Sprintf("%s %s", strings.ToLower(e.Resource.Kind), e.Object())
	switch e.Decision {
	case Apply:
		s := fmt.Sprintf("apply   %s %s: %s -> %s", what, e.Column, e.Cluster, e.Sheet)
		if e.Force {
			s += " (force)"
		}
		return s
	case Create:
		return "create  " + what
	case Delete:
		return "delete  " + what
	case Conflict:
		return fmt.Sprintf("conflict %s %s: %s", what, e.Column, e.Reason)
	case Invalid:
		return fmt.Sprintf("invalid %s: %s", what, e.Reason)
	case Gone:
		return fmt.Sprintf("gone    %s: %s", what, e.Reason)
	case Drift:
		return fmt.Sprintf("drift   %s %s: %s", what, e.Column, e.Reason)
	case Enforce:
		return fmt.Sprintf("enforce %s %s: %s -> %s", what, e.Column, e.Cluster, e.Sheet)
	}
	return string(e.Decision) + " " + what
}

// Plan is the edits of one read of the sheet, in sheet order.
type Plan struct {
	Edits []Edit
	// found holds, by tab and row, the object decide found for the row's UID (nil: none,
	// or the row was not decided), so that render looks each row up once.
	found map[string][]runtime.Object
	// Transitions are the scheduled rows' next transitions (Engine.Plan only).
	Transitions []Transition
}

// Changes counts the edits that would change the cluster.
func (p *Plan) Changes() int {
	n := 0
	for _, e := range p.Edits {
		if e.Decision == Apply || e.Decision == Create || e.Decision == Delete || e.Decision == Enforce {
			n++
		}
	}
	return n
}

// rowCells reads a sheet row's cells by header (a person may have reordered columns).
type rowCells struct {
	index map[string]int // header → column, shared by the rows of a tab
	row   []string
}

// headerIndex maps a tab's headers to their columns (the last of a repeated header).
func headerIndex(header []string) map[string]int {
	idx := make(map[string]int, len(header))
	for i, h := range header {
		idx[h] = i
	}
	return idx
}

func cellsOf(index map[string]int, row []string) rowCells { return rowCells{index, row} }

// get is the cell under header h; "" when the tab or the row has none.
func (c rowCells) get(h string) string {
	if i, ok := c.index[h]; ok && i < len(c.row) {
		return c.row[i]
	}
	return ""
}

// asMap is the cells by header, for building an object from a new row.
func (c rowCells) asMap() map[string]string {
	m := make(map[string]string, len(c.index))
	for h := range c.index {
		m[h] = c.get(h)
	}
	return m
}

// blank: a row without any content a person could have meant (Sync alone does not count).
func (c rowCells) blank() bool {
	for h, i := range c.index {
		if i < len(c.row) && h != mapping.Sync && strings.TrimSpace(c.row[i]) != "" {
			return false
		}
	}
	return true
}

// decide builds the plan for a read of the sheet: the three-way decision for every editable
// cell, creates, deletes, invalid input and conflicts. It changes nothing.
func (e *Engine) decide(book *sheets.Book, now time.Time) *Plan {
	plan := &Plan{}
	for ti := range e.tabs {
		t := &e.tabs[ti]
		st := book.Tab(t.Name)
		if st == nil {
			continue
		}
		if !contains(st.Header, mapping.UID) {
			e.log.Warn("tab has no UID column; rendering it afresh", "tab", t.Name)
			continue
		}
		seen := make(map[string]bool, len(st.Rows))
		found := make([]runtime.Object, len(st.Rows))
		if plan.found == nil {
			plan.found = map[string][]runtime.Object{}
		}
		plan.found[t.Name] = found
		index := headerIndex(st.Header)
		for i, row := range st.Rows {
			cells := cellsOf(index, row)
			uid := strings.TrimSpace(cells.get(mapping.UID))
			add := func(ed Edit) {
				ed.Tab, ed.Resource, ed.row = t.Name, t.Resource, i
				if ed.Namespace == "" {
					ed.Namespace, ed.Name = strings.TrimSpace(cells.get(mapping.Namespace)), strings.TrimSpace(cells.get(mapping.Name))
				}
				plan.Edits = append(plan.Edits, ed)
			}
			if uid == "" {
				if cells.blank() {
					continue
				}
				obj, err := t.NewObject(cells.asMap())
				if err != nil {
					add(Edit{Decision: Invalid, Reason: err.Error()})
					continue
				}
				add(Edit{Decision: Create, object: obj})
				continue
			}
			if !mark(seen, uid) {
				add(Edit{UID: types.UID(uid), Decision: Invalid, Reason: "another row above is the same object; remove this copy"})
				continue
			}
			obj, exists := e.current(t.Resource, types.UID(uid))
			if exists {
				found[i] = obj
			}
			e.decideRow(t, cells, obj, exists, now, add)
		}
	}
	return plan
}

// decideRow decides the edits of one row of an existing object: obj is the object of its
// UID now, if exists.
func (e *Engine) decideRow(t *mapping.Tab, cells rowCells, obj runtime.Object, exists bool, now time.Time, add func(Edit)) {
	uid, rv := strings.TrimSpace(cells.get(mapping.UID)), strings.TrimSpace(cells.get(mapping.RV))
	action, aerr := mapping.ParseAction(cells.get(mapping.Action))
	// The base is of the editable cells: a tab without any (Pods) has none to look up.
	var (
		base      map[string]string
		baseKnown bool
	)
	patches := hasPatches(t)
	if patches {
		base, baseKnown = e.state.base(uid, rv)
	}
	ident := Edit{UID: types.UID(uid)}
	if exists {
		m, _ := meta.Accessor(obj)
		ident.Namespace, ident.Name = m.GetNamespace(), m.GetName()
		if patches && !baseKnown && rv != "" && rv == m.GetResourceVersion() {
			// No record of this render (a new leader, a lost state file), but the row was
			// rendered from the object as it is now: what was rendered is what it holds.
			base, baseKnown = t.Editable(obj, now), true
		}
	}
	if aerr != nil {
		ed := ident
		ed.Column, ed.Decision, ed.Reason = mapping.Action, Invalid, aerr.Error()
		add(ed)
		return
	}
	if !exists {
		// A delete of what is gone already is done: the row goes. Other edits of a gone
		// object are reported.
		edited := false
		for _, c := range t.Columns {
			if c.Patch == nil || c.Parse == nil {
				continue
			}
			if v, err := c.Parse(cells.get(c.Header)); err == nil && baseKnown && v != base[c.Header] {
				edited = true
			}
		}
		if edited {
			ed := ident
			ed.Decision, ed.Reason = Gone, "the object no longer exists; the edit was not applied"
			add(ed)
		}
		return
	}
	if action == mapping.DeleteAction {
		ed := ident
		ed.Decision, ed.object = Delete, obj
		add(ed)
		return
	}
	force := action == mapping.ForceAction
	for ci := range t.Columns {
		c := &t.Columns[ci]
		if c.Patch == nil || c.Parse == nil {
			continue
		}
		ed := ident
		ed.Column, ed.Force, ed.object = c.Header, force, obj
		cell := cells.get(c.Header)
		if c.Resolve != nil {
			cell = c.Resolve(cell, now) // "+3h": from now
		}
		sheetVal, err := c.Parse(cell)
		if err != nil {
			ed.Decision, ed.Reason = Invalid, c.Header+": "+err.Error()
			add(ed)
			continue
		}
		clusterVal := c.Value(obj, now)
		ed.Sheet, ed.Cluster = sheetVal, clusterVal
		b, ok := base[c.Header]
		ok = ok && baseKnown
		key := uid + "/" + c.Header
		if prev, had := e.state.Conflicts[key]; had {
			if sheetVal == prev.Sheet && !force {
				if sheetVal != clusterVal {
					// Still the value that conflicted: the same conflict, against what the
					// person started from.
					ed.Base, ed.noBase = prev.Base, prev.NoBase
					ed.Decision = Conflict
					ed.Reason = conflictOutcome(&ed).Detail
					add(ed)
				}
				continue
			}
			// Typed again after seeing the conflict: the base is what the cluster said then.
			b, ok = prev.Cluster, true
		}
		ed.Base = b
		drifted, knownDrift := e.state.Drift[key]
		knownDrift = knownDrift && e.opts.Enforce && drifted == clusterVal
		switch {
		case sheetVal == clusterVal:
			// nothing to do: the cluster already has it
		case ok && sheetVal == b && e.opts.Enforce:
			// not edited, and the sheet is the source of truth: a drift
			if e.enforcing {
				ed.Decision = Enforce
			} else {
				ed.Decision, ed.Reason = Drift, fmt.Sprintf("%s is %s in the cluster; the next scheduled reconcile sets it back to %s", c.Header, clusterVal, sheetVal)
			}
			add(ed)
		case ok && sheetVal == b:
			// not edited: the cell follows the cluster on the next render
		case force || (ok && clusterVal == b) || knownDrift:
			ed.Decision = Apply
			add(ed)
		case !ok:
			ed.Decision, ed.noBase = Conflict, true
			ed.Reason = conflictOutcome(&ed).Detail
			add(ed)
		default:
			ed.Decision = Conflict
			ed.Reason = conflictOutcome(&ed).Detail
			add(ed)
		}
	}
}

// hasPatches reports whether a tab has editable cells (columns with a Patch).
func hasPatches(t *mapping.Tab) bool {
	for i := range t.Columns {
		if t.Columns[i].Patch != nil {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// String lists the plan for people: changes first, then what will not be applied.
func (p *Plan) String() string {
	var b strings.Builder
	for _, t := range p.Transitions {
		fmt.Fprintf(&b, "%-12s %s\n", t.Tab, t)
	}
	if len(p.Edits) == 0 {
		b.WriteString("No changes: the sheet and the cluster agree.\n")
		return b.String()
	}
	edits := append([]Edit(nil), p.Edits...)
	rank := map[Decision]int{Create: 0, Apply: 1, Delete: 2, Conflict: 3, Invalid: 4, Gone: 5}
	sort.SliceStable(edits, func(i, j int) bool { return rank[edits[i].Decision] < rank[edits[j].Decision] })
	for _, e := range edits {
		fmt.Fprintf(&b, "%-12s %s\n", e.Tab, e.String())
	}
	fmt.Fprintf(&b, "%d change(s) to apply, %d not applicable.\n", p.Changes(), len(p.Edits)-p.Changes())
	return b.String()
}
