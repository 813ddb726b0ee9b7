package sync

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
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

// summaryChart is the Summary's chart: the pods of each namespace stacked by phase, each
// phase in a colour of its own (the deployment counts stay in the table).
func summaryChart() *sheets.SummaryLayout {
	return &sheets.SummaryLayout{Name: SummaryTab, ChartTitle: "Pods by phase per namespace", Series: []sheets.SummarySeries{
		{Column: "Running", Color: "2E7D32"},   // green
		{Column: "Pending", Color: "F9A825"},   // amber
		{Column: "Succeeded", Color: "78909C"}, // blue-grey: done
		{Column: "Failed", Color: "C62828"},    // red
		{Column: "Unknown", Color: "6A1B9A"},   // purple
	}}
}

// clusterScoped is the Summary's row of cluster-scoped objects (nodes, namespaces, …).
const clusterScoped = "(cluster)"

// summaryTabs are the tabs the Summary counts besides pods and deployments: one column each.
func summaryTabs(tabs []mapping.Tab) []*mapping.Tab {
	var out []*mapping.Tab
	for i := range tabs {
		if r := tabs[i].Resource; r != mapping.Pod && r != mapping.Deployment {
			out = append(out, &tabs[i])
		}
	}
	return out
}

// summaryHeaderOf is the Summary's header: pods by phase and deployments, then a column per
// other tab.
func summaryHeaderOf(tabs []mapping.Tab) []string {
	h := slices.Clone(summaryHeader)
	for _, t := range summaryTabs(tabs) {
		h = append(h, t.Name)
	}
	for _, t := range tabs {
		if t.Column(mapping.Uptime) != nil {
			return append(h, savedHeader)
		}
	}
	return h
}

// savedHeader is the Summary's column of replica-hours saved by schedules.
const savedHeader = "Replica-hours saved (7 days)"

func summaryLayout(tabs []mapping.Tab) sheets.TabLayout {
	l := sheets.TabLayout{Name: SummaryTab}
	for i, h := range summaryHeaderOf(tabs) {
		l.Columns = append(l.Columns, sheets.Column{Name: h, Number: i > 0})
	}
	return l
}

// render builds the sheet's next state from what was read, the plan (with its results) and
// the cluster: rows keep the person's order; objects new to the sheet go where they belong
// in it (see placeRows); rows of deleted objects go; a cell with a pending, conflicting or
// invalid edit keeps what was typed, with its row's resourceVersion (its base); every row's
// Sync says what happened.
func (e *Engine) render(book *sheets.Book, plan *Plan, now time.Time) *sheets.Book {
	next := &sheets.Book{Version: book.Version}
	objects := make([][]runtime.Object, len(e.tabs))
	for ti := range e.tabs {
		objects[ti] = e.view.Objects(e.tabs[ti].Resource)
	}
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
		seen := make(map[types.UID]bool, len(objects[ti]))
		var added [][]string
		if st := book.Tab(t.Name); st != nil && contains(st.Header, mapping.UID) {
			index := headerIndex(st.Header)
			found := plan.found[t.Name]
			out.Rows = make([][]string, 0, len(st.Rows))
			for i, row := range st.Rows {
				cells := cellsOf(index, row)
				var known runtime.Object
				if i < len(found) {
					known = found[i]
				}
				if r := e.renderRow(t, cells, byRow[t.Name][i], known, seen, now); r != nil {
					out.Rows = append(out.Rows, r)
				}
			}
		}
		for _, obj := range objects[ti] {
			if !mark(seen, uidOf(obj)) {
				continue
			}
			added = append(added, e.freshRow(t, obj, now, Outcome{}, nil))
		}
		out.Rows = placeRows(t, out.Rows, added)
		next.Tabs = append(next.Tabs, out)
	}
	next.Tabs = append(next.Tabs, e.summary(now))
	if e.audit != nil {
		next.Tabs = append(next.Tabs, e.audit.tab())
	}
	e.state.forget(e.live)
	return next
}

// mark adds k to set, and reports whether it was not there yet (one hash and probe of the
// set, not two: the sets hold a key per row).
func mark[K comparable](set map[K]bool, k K) bool {
	n := len(set)
	set[k] = true
	return len(set) > n
}

// live reports whether the object of uid exists: in a tab's resource, or written by this
// engine and not yet seen by the informers. (The state keeps far fewer objects than the
// tabs show: asking the view costs less than a set of every row's UID.)
func (e *Engine) live(uid string) bool {
	if _, ok := e.recent[types.UID(uid)]; ok {
		return true
	}
	for ti := range e.tabs {
		if ti > 0 && e.tabs[ti].Resource == e.tabs[ti-1].Resource {
			continue
		}
		if _, ok := e.view.ByUID(e.tabs[ti].Resource, types.UID(uid)); ok {
			return true
		}
	}
	return false
}

// freshRow renders an object and remembers the render as the base of future edits. Cells
// in held keep the sheet's value instead of the cluster's (a drift in enforce mode), and
// that value is their base. out is the row's outcome, shown in Sync.
func (e *Engine) freshRow(t *mapping.Tab, obj runtime.Object, now time.Time, out Outcome, held map[string]string) []string {
	row := t.Row(obj, now)
	uid, rv := string(uidOf(obj)), rvOf(obj)
	editables := 0 // 0: the tab edits no field of its objects
	for i := range t.Columns {
		c := &t.Columns[i]
		if v, ok := held[c.Header]; ok {
			row[i] = v
		}
		if c.Patch != nil {
			editables++
		}
		if c.Header == mapping.Sync {
			row[i] = out.Cell()
		}
	}
	// Most renders are as remembered (the same object, rendered again): nothing to record.
	if editables > 0 {
		if prev, ok := e.state.base(uid, rv); !ok || !sameEditable(t, row, prev, editables) {
			editable := make(map[string]string, editables)
			for i := range t.Columns {
				if c := &t.Columns[i]; c.Patch != nil {
					editable[c.Header] = row[i]
				}
			}
			e.state.remember(uid, rv, editable)
		}
	}
	if out.IsZero() {
		e.state.clearStatus(uid)
	} else {
		e.state.setStatus(uid, out)
	}
	return row
}

// sameEditable reports whether row's editable cells (n of them) are those of prev, a
// remembered render.
func sameEditable(t *mapping.Tab, row []string, prev map[string]string, n int) bool {
	if len(prev) != n {
		return false
	}
	for i := range t.Columns {
		if c := &t.Columns[i]; c.Patch != nil {
			if v, ok := prev[c.Header]; !ok || v != row[i] {
				return false
			}
		}
	}
	return true
}

// renderRow renders one row of the sheet as read; nil drops it. known is the object the
// plan found for the row's UID (nil: none, or not looked up).
func (e *Engine) renderRow(t *mapping.Tab, cells rowCells, edits []*Edit, known runtime.Object, seen map[types.UID]bool, now time.Time) []string {
	out, pending, held, cleared := outcome(edits)
	uid := types.UID(strings.TrimSpace(cells.get(mapping.UID)))
	typed := func() []string {
		row := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			row[i] = cells.get(c.Header)
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
	if len(edits) > 0 && seen[uid] {
		return typed() // a duplicate row, reported
	}
	// The object decide found, unless this pass changed it since (a write's answer is
	// newer than the informer) or the row has edits.
	obj, ok := known, known != nil
	if _, written := e.recent[uid]; !ok || written || len(edits) > 0 {
		obj, ok = e.current(t.Resource, uid)
	}
	if !ok || !mark(seen, uid) {
		if len(pending) > 0 {
			return typed() // an edit for a gone object stays visible until the person removes it
		}
		return nil
	}
	if prev := e.state.Status[string(uid)]; out.IsZero() && prev.Kind.Done() {
		// A change made earlier stays in Sync until the row has news: also when the pass
		// that made it could not write the sheet.
		out = prev
	}
	if len(pending) == 0 {
		var keep map[string]string
		for h := range held {
			if keep == nil {
				keep = map[string]string{}
			}
			keep[h] = cells.get(h)
		}
		row := e.freshRow(t, obj, now, out, keep)
		if !cleared {
			if i := columnIndex(t, mapping.Action); i >= 0 {
				row[i] = keepAction(cells.get(mapping.Action))
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
			row[i] = cells.get(c.Header)
		}
	}
	e.state.setStatus(string(uid), out)
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
	if len(edits) == 0 {
		return Outcome{}, nil, nil, false // most rows: nothing allocated
	}
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

// summary counts pods per namespace and phase, deployments and ready ones, and the objects
// of every other tab (cluster-scoped ones in a row of their own).
func (e *Engine) summary(now time.Time) *sheets.Tab {
	type counts struct {
		phases         map[corev1.PodPhase]int
		deploys, ready int
		tabs           map[string]int
	}
	byNS := map[string]*counts{}
	get := func(ns string) *counts {
		c := byNS[ns]
		if c == nil {
			c = &counts{phases: map[corev1.PodPhase]int{}, tabs: map[string]int{}}
			byNS[ns] = c
		}
		return c
	}
	for _, obj := range e.view.Objects(mapping.Pod) {
		p := obj.(*corev1.Pod)
		phase := p.Status.Phase
		if phase == "" {
			phase = corev1.PodPending
		}
		get(p.Namespace).phases[phase]++
	}
	for _, obj := range e.view.Objects(mapping.Deployment) {
		m, _ := meta.Accessor(obj)
		c := get(m.GetNamespace())
		c.deploys++
		if readyDeployment(obj) {
			c.ready++
		}
	}
	others := summaryTabs(e.tabs)
	for _, t := range others {
		for _, obj := range e.view.Objects(t.Resource) {
			ns := clusterScoped
			if m, err := meta.Accessor(obj); err == nil && t.Resource.Namespaced {
				ns = m.GetNamespace()
			}
			get(ns).tabs[t.Name]++
		}
	}
	header := summaryHeaderOf(e.tabs)
	var saved map[string]float64
	if header[len(header)-1] == savedHeader {
		saved = e.replicaHoursSaved(now)
		for ns := range saved {
			get(ns)
		}
	}
	names := make([]string, 0, len(byNS))
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	tab := &sheets.Tab{Name: SummaryTab, Header: header}
	for _, ns := range names {
		c := byNS[ns]
		row := []string{ns,
			fmt.Sprint(c.phases[corev1.PodRunning]), fmt.Sprint(c.phases[corev1.PodPending]),
			fmt.Sprint(c.phases[corev1.PodSucceeded]), fmt.Sprint(c.phases[corev1.PodFailed]),
			fmt.Sprint(c.phases[corev1.PodUnknown]), fmt.Sprint(c.deploys), fmt.Sprint(c.ready)}
		for _, t := range others {
			row = append(row, fmt.Sprint(c.tabs[t.Name]))
		}
		if saved != nil {
			row = append(row, strconv.FormatFloat(saved[ns], 'f', 1, 64))
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab
}

// placeRows puts the rows of objects new to the sheet (added, in namespace/name order)
// among the sheet's rows where they belong: in namespace/name order, or in the order of the
// person's own sort when they sorted by another column. The sheet's rows keep their order.
func placeRows(t *mapping.Tab, rows, added [][]string) [][]string {
	if len(added) == 0 {
		return rows
	}
	if len(rows) == 0 {
		return added
	}
	uid := columnIndex(t, mapping.UID)
	keyed := rows // the rows of objects: rows a person typed (no UID yet) say nothing of the order
	if uid >= 0 {
		keyed = make([][]string, 0, len(rows))
		for _, r := range rows {
			if r[uid] != "" {
				keyed = append(keyed, r)
			}
		}
	}
	order := sheetOrder(t, keyed)
	slices.SortStableFunc(added, order)
	out := make([][]string, 0, len(rows)+len(added))
	i := 0
	for _, a := range added {
		for i < len(rows) && ((uid >= 0 && rows[i][uid] == "") || order(rows[i], a) <= 0) {
			out = append(out, rows[i])
			i++
		}
		out = append(out, a)
	}
	return append(out, rows[i:]...)
}

// sheetOrder is the order rows are in: namespace and name, unless the person sorted by
// another column (the leftmost visible one the rows are sorted by, ascending or
// descending, numbers as numbers), with ties in namespace/name order.
func sheetOrder(t *mapping.Tab, rows [][]string) func(a, b []string) int {
	ns, name := columnIndex(t, mapping.Namespace), columnIndex(t, mapping.Name)
	byName := func(a, b []string) int {
		if ns >= 0 {
			if c := compareCells(a[ns], b[ns]); c != 0 {
				return c
			}
		}
		if name >= 0 {
			return compareCells(a[name], b[name])
		}
		return 0
	}
	if sortedBy(rows, byName) {
		return byName
	}
	for j, c := range t.Columns {
		if c.Hidden || !distinct(rows, j) {
			continue
		}
		for _, dir := range []int{1, -1} {
			if sortedBy(rows, func(a, b []string) int { return compareKey(a[j], b[j], dir) }) {
				return func(a, b []string) int {
					if c := compareKey(a[j], b[j], dir); c != 0 {
						return c
					}
					return byName(a, b)
				}
			}
		}
	}
	return byName
}

// sortedBy reports whether rows are in cmp's order.
func sortedBy(rows [][]string, cmp func(a, b []string) int) bool {
	for i := 1; i < len(rows); i++ {
		if cmp(rows[i-1], rows[i]) > 0 {
			return false
		}
	}
	return true
}

// distinct reports whether column j holds at least two different values: a column that
// is the same in every row says nothing about how the rows are sorted.
func distinct(rows [][]string, j int) bool {
	if len(rows) == 0 {
		return false
	}
	for _, r := range rows[1:] {
		if r[j] != rows[0][j] {
			return true
		}
	}
	return false
}

// compareKey compares two cells of the sort column in direction dir (1 ascending, -1
// descending); empty cells go last either way, as spreadsheet programs sort them.
func compareKey(a, b string, dir int) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return dir * compareCells(a, b)
}

// compareCells compares two cells as a spreadsheet sorts them: numbers by value and before
// text, text without regard to case.
func compareCells(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(x, y)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
