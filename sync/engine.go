package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	stdsync "sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/sheetops/sheetops/internal/uptime"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
)

// ClusterView is what the engine reads of the cluster: the informers' objects.
type ClusterView interface {
	// Objects returns the objects of a resource sorted by namespace and name. The list may
	// be shared (the view's, until the resource changes): it is not changed.
	Objects(r kube.Resource) []runtime.Object
	// ByUID finds an object of a resource by UID.
	ByUID(r kube.Resource, uid types.UID) (runtime.Object, bool)
	// Changed receives a value after cluster changes (coalesced).
	Changed() <-chan struct{}
}

// ClusterWriter is how the engine changes the cluster.
type ClusterWriter interface {
	Get(ctx context.Context, r kube.Resource, namespace, name string) (runtime.Object, error)
	Patch(ctx context.Context, r kube.Resource, namespace, name string, pt types.PatchType, data []byte) (runtime.Object, error)
	Create(ctx context.Context, r kube.Resource, obj runtime.Object) (runtime.Object, error)
	Delete(ctx context.Context, r kube.Resource, namespace, name string, uid types.UID) error
}

var (
	_ ClusterView   = (*kube.View)(nil)
	_ ClusterWriter = (*kube.Applier)(nil)
)

// Options configure an Engine.
type Options struct {
	Tabs  []mapping.Tab // default: mapping.DefaultTabs()
	Sheet sheets.Sheet
	View  ClusterView
	// Writer changes the cluster; nil makes a read-only engine (plan, export).
	Writer ClusterWriter
	// StatePath is the state file; empty keeps state in memory only.
	StatePath string
	// AuditPath is an append-only JSON-lines log of applied changes; empty: none.
	AuditPath string
	// PollInterval is how often the sheet is read. Default 2s.
	PollInterval time.Duration
	// Debounce is how long a burst of cluster changes is gathered before one render. Default 200ms.
	Debounce time.Duration
	// Enforce (reconcile.mode enforce) makes the sheet the source of truth for editable
	// fields: a cluster value that drifts from an unedited cell is reported in Sync instead
	// of rendered, and Refresh sends the sheet's value back.
	Enforce bool
	Clock   clock.WithTicker
	Logger  *slog.Logger
}

// Engine keeps a sheet and a cluster in step. One goroutine runs passes at a time.
type Engine struct {
	tabs      []mapping.Tab
	sheet     sheets.Sheet
	view      ClusterView
	writer    ClusterWriter
	statePath string
	audit     *audit
	opts      Options
	clock     clock.WithTicker
	log       *slog.Logger

	mu           stdsync.Mutex // one pass at a time
	state        *State
	recent       map[types.UID]recentObject
	lastVersion  string
	layout       *sheets.Layout
	stats        Stats
	enforcing    bool  // this pass is a scheduled reconcile in enforce mode
	refreshing   bool  // this pass is a scheduled reconcile: write even if no value changed
	sheetErr     error // the last pass's failure to read or write the sheet; nil: it worked
	passedOnce   bool  // a pass has succeeded
	failed       bool  // the last pass failed: the next poll tries again whatever the version
	retries      *retries
	schedules    map[string]uptime.Schedule // parsed Uptime texts
	nextBoundary time.Time                  // the next schedule transition; zero: none
	settled      *settledPass               // how the last pass without edits left the sheet
}

// settledPass is how a pass without edits left the sheet: its values (as read, when there
// was nothing to write, or as written), and the objects of the cluster it rendered them
// from (the view's lists, which are new lists once anything in them changed). A later pass
// that reads the same values while the view holds the same lists has nothing to do: a
// person's save without edits changes the file's bytes but none of its cells. It stops
// there rather than deciding and rendering every row again (at 100,000 rows, most of a
// pass).
type settledPass struct {
	book    *sheets.Book
	objects [][]runtime.Object
}

// recentObject is the answer of a write, newer than the informer until it catches up.
type recentObject struct {
	obj      runtime.Object
	informer string // the informer's resourceVersion when the write returned
}

// Stats counts what passes did, for tests, logs and metrics.
type Stats struct {
	Passes, Writes, Applied, Conflicts, Invalid, Errors, Retries int
	// Unchanged counts the passes that found the sheet's values and the cluster as a pass
	// with nothing to do had left them, and stopped there (see settledPass).
	Unchanged int
}

// New makes an engine, loading the state file.
func New(opts Options) (*Engine, error) {
	if opts.Sheet == nil || opts.View == nil {
		return nil, errors.New("sync: Sheet and View are required")
	}
	if opts.Tabs == nil {
		opts.Tabs = mapping.DefaultTabs()
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 200 * time.Millisecond
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	st := newState()
	if opts.StatePath != "" {
		var err error
		if st, err = LoadState(opts.StatePath); err != nil {
			return nil, err
		}
	}
	e := &Engine{
		tabs: opts.Tabs, sheet: opts.Sheet, view: opts.View, writer: opts.Writer,
		statePath: opts.StatePath, opts: opts, clock: opts.Clock, log: opts.Logger.With("component", "sync"),
		state: st, recent: map[types.UID]recentObject{}, retries: newRetries(opts.PollInterval),
		schedules: map[string]uptime.Schedule{},
	}
	if opts.Writer != nil {
		e.audit = openAudit(opts.AuditPath, e.log)
	}
	e.layout = &sheets.Layout{Summary: summaryChart()}
	for _, t := range e.tabs {
		l := t.Layout()
		for i := range l.Columns {
			if l.Columns[i].Name == mapping.Sync {
				l.Columns[i].Colors = syncColors()
				l.Columns[i].Wrap = true // a conflict's text is read whole; the Audit tab has the rest
				l.Columns[i].Result = true
			}
		}
		e.layout.Tabs = append(e.layout.Tabs, l)
	}
	e.layout.Tabs = append(e.layout.Tabs, summaryLayout(e.tabs))
	if e.scheduled() {
		e.layout.Tabs = append(e.layout.Tabs, holidaysLayout())
	}
	if e.audit != nil {
		e.layout.Tabs = append(e.layout.Tabs, auditLayout())
	}
	return e, nil
}

// Stats returns the counters so far.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// current is the newest known state of an object: a write's answer until the informer moves on.
func (e *Engine) current(res kube.Resource, uid types.UID) (runtime.Object, bool) {
	obj, ok := e.view.ByUID(res, uid)
	if r, had := e.recent[uid]; had {
		if !ok {
			if r.informer == "" {
				return r.obj, true // created by us; the informer has not seen it yet
			}
			delete(e.recent, uid)
			return nil, false
		}
		if rvOf(obj) == r.informer {
			return r.obj, true
		}
		delete(e.recent, uid)
	}
	return obj, ok
}

func rvOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetResourceVersion()
}

func uidOf(obj runtime.Object) types.UID {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetUID()
}

// Plan reads the sheet and returns what a pass would do, changing nothing.
func (e *Engine) Plan(ctx context.Context) (*Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	book, err := sheets.ReadShared(ctx, e.sheet)
	if err != nil {
		return nil, fmt.Errorf("read sheet: %w", err)
	}
	now := e.clock.Now()
	plan := e.decide(book, now)
	if e.scheduled() {
		days, _ := holidays(book)
		plan.Transitions = e.forecast(days, now)
	}
	return plan, nil
}

// maxMerges bounds how often one pass reads again after a save landed during it.
const maxMerges = 5

// Pass reads the sheet, applies the edits, and writes the sheet back (statuses and the
// cluster's current state), merging with any save that lands meanwhile. It returns the plan
// with each edit's Result.
func (e *Engine) Pass(ctx context.Context) (*Plan, error) { return e.pass(ctx) }

// Refresh is the scheduled full pass (reconcile.schedule): a pass that runs whether or not
// the sheet or the cluster changed, so that every row is rendered afresh (Age, statuses)
// and any edit is picked up. With Options.Enforce it also sends the sheet's values back
// where the cluster drifted.
func (e *Engine) Refresh(ctx context.Context) (*Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.enforcing, e.refreshing = e.opts.Enforce, true
	defer func() { e.enforcing, e.refreshing = false, false }()
	plan, err := e.passLocked(ctx)
	if r, ok := e.sheet.(layoutRepairer); ok && err == nil {
		if rerr := r.RepairLayout(ctx); rerr != nil {
			e.log.Warn("layout repair failed; the next reconcile tries again", "err", rerr)
		}
	}
	return plan, err
}

// layoutRepairer is the optional layout check of a backend whose writes send only changed
// cells (Google): a scheduled reconcile asks it to restore removed formatting. Backends that
// lay the sheet out anew on every write (xlsx) need no such call.
type layoutRepairer interface {
	RepairLayout(ctx context.Context) error
}

// SheetError is the last pass's failure to read or write the sheet, nil when it worked:
// the daemon is not ready while the sheet is unreachable.
func (e *Engine) SheetError() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sheetErr
}

// AuditError is why the audit file cannot be written now (its entries wait in memory), nil
// when it is up to date.
func (e *Engine) AuditError() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.audit == nil {
		return nil
	}
	return e.audit.err
}

func (e *Engine) pass(ctx context.Context) (*Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.passLocked(ctx)
}

func (e *Engine) passLocked(ctx context.Context) (*Plan, error) {
	// A change signalled before this pass is in what it reads of the view (the informers
	// update their stores before they signal): it asks for no pass after this one.
	select {
	case <-e.view.Changed():
	default:
	}
	start := e.clock.Now()
	plan, err := e.passOnce(ctx)
	passSeconds.Observe(e.clock.Since(start).Seconds())
	// A sheet too large for its backend will not fit by trying again: the next pass comes
	// with the next change (of the sheet or the cluster), not every poll.
	e.failed = err != nil && !errors.Is(err, sheets.ErrTooLarge)
	if err != nil {
		passes.WithLabelValues("error").Inc()
		return plan, err
	}
	passes.WithLabelValues("ok").Inc()
	lastSync.Set(float64(e.clock.Now().UnixNano()) / 1e9)
	e.passedOnce = true
	return plan, nil
}

func (e *Engine) passOnce(ctx context.Context) (*Plan, error) {
	e.stats.Passes++
	if e.audit != nil {
		e.audit.flush() // entries a failed write left waiting
	}
	var all Plan
	for attempt := 0; attempt < maxMerges; attempt++ {
		// The engine only looks at what it reads: the backend need not copy it.
		book, err := sheets.ReadShared(ctx, e.sheet)
		if err != nil {
			e.sheetErr = fmt.Errorf("read sheet: %w", err)
			return &all, e.sheetErr
		}
		e.sheetErr = nil
		now := e.clock.Now()
		settled, objects := e.settled, e.objectLists()
		e.settled = nil
		if settled != nil && !e.refreshing && !e.retries.due(now) && sameObjects(settled.objects, objects) && sameBook(settled.book, book) {
			e.settled = settled
			e.lastVersion = book.Version
			e.stats.Unchanged++
			return &all, nil
		}
		plan := e.decide(book, now)
		e.apply(ctx, plan, now)
		var hol *sheets.Tab
		if e.scheduled() {
			var days uptime.Holidays
			days, hol = holidays(book)
			e.nextBoundary = e.applySchedules(ctx, book, plan, days, now)
		}
		all.Edits = append(all.Edits, plan.Edits...)
		renderStart := e.clock.Now()
		next := e.render(book, plan, now)
		if hol != nil {
			next.Tabs = append(next.Tabs, hol)
		}
		if e.statePath != "" {
			if err := e.state.saveChanges(e.statePath); err != nil {
				return &all, err
			}
		}
		// A scheduled reconcile writes even when no value changed: the write lays out the
		// sheet again (formatting, validation, protection someone removed).
		if book.Version != "" && sameValues(book, next, e.clockColumns()) && !e.refreshing {
			e.lastVersion = book.Version
			e.settle(book, plan, objects)
			return &all, nil
		}
		v, err := e.sheet.Write(ctx, e.layout, book, next)
		renderSeconds.Observe(e.clock.Since(renderStart).Seconds())
		if errors.Is(err, sheets.ErrModified) {
			e.log.Info("the sheet was saved during the pass; reading it again to merge")
			continue
		}
		if err != nil {
			e.sheetErr = fmt.Errorf("write sheet: %w", err)
			if errors.Is(err, sheets.ErrTooLarge) {
				e.lastVersion = book.Version // wait for the sheet or the cluster to change
			}
			return &all, e.sheetErr
		}
		e.stats.Writes++
		renders.Inc()
		e.lastVersion = v
		e.settle(next, plan, objects) // the sheet now holds next's values
		return &all, nil
	}
	return &all, fmt.Errorf("write sheet: it kept changing during %d attempts; will try again", maxMerges)
}

// settle records a pass that ends with the sheet holding book's values, rendered from the
// view's lists objects, unless it had something to do or the cluster changed meanwhile.
func (e *Engine) settle(book *sheets.Book, plan *Plan, objects [][]runtime.Object) {
	if len(plan.Edits) == 0 && len(e.recent) == 0 && !e.scheduled() && sameObjects(objects, e.objectLists()) {
		e.settled = &settledPass{book: book, objects: objects}
	}
}

// objectLists are the view's lists of what a pass renders: each tab's resource, and the
// pods and deployments the Summary counts.
func (e *Engine) objectLists() [][]runtime.Object {
	lists := make([][]runtime.Object, 0, len(e.tabs)+2)
	for i := range e.tabs {
		lists = append(lists, e.view.Objects(e.tabs[i].Resource))
	}
	return append(lists, e.view.Objects(mapping.Pod), e.view.Objects(mapping.Deployment))
}

// sameObjects reports whether a and b are the same lists (not lists of equal objects: the
// view makes a new list when a resource changes).
func sameObjects(a, b [][]runtime.Object) bool {
	return slices.EqualFunc(a, b, func(x, y []runtime.Object) bool {
		return len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	})
}

// sameBook reports whether a and b hold the same tabs with the same cells. Rows a
// backend shares between reads compare by identity first.
func sameBook(a, b *sheets.Book) bool {
	return slices.EqualFunc(a.Tabs, b.Tabs, func(x, y *sheets.Tab) bool {
		return x.Name == y.Name && slices.Equal(x.Header, y.Header) && slices.EqualFunc(x.Rows, y.Rows, func(r, s []string) bool {
			return len(r) == len(s) && (len(r) == 0 || &r[0] == &s[0] || slices.Equal(r, s))
		})
	})
}

// sameValues reports whether next would change nothing in book (the tabs next holds) but
// the cells of clock columns (by tab, the columns whose values move with time alone, such
// as Age): those are written with the next change, so that a pass with nothing new (a
// person's save without edits, a poll) does not rewrite the sheet because ages ticked.
func sameValues(book, next *sheets.Book, clock map[string][]bool) bool {
	for _, nt := range next.Tabs {
		bt := book.Tab(nt.Name)
		if bt == nil || !equalRow(bt.Header, nt.Header, nil) || len(bt.Rows) != len(nt.Rows) {
			return false
		}
		skip := clock[nt.Name]
		for i := range nt.Rows {
			if !equalRow(bt.Rows[i], nt.Rows[i], skip) {
				return false
			}
		}
	}
	return true
}

// equalRow reports whether a and b hold the same cells, those marked in skip aside.
func equalRow(a, b []string, skip []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && (i >= len(skip) || !skip[i]) {
			return false
		}
	}
	return true
}

// clockColumns marks, by tab, the columns whose values move with time alone; nil for a
// tab without any.
func (e *Engine) clockColumns() map[string][]bool {
	var out map[string][]bool
	for _, t := range e.tabs {
		for i, c := range t.Columns {
			if !c.Clock {
				continue
			}
			if out == nil {
				out = map[string][]bool{}
			}
			if out[t.Name] == nil {
				out[t.Name] = make([]bool, len(t.Columns))
			}
			out[t.Name][i] = true
		}
	}
	return out
}

// versioner is the optional cheap check of a backend: the sheet's version without reading it.
type versioner interface {
	Version(ctx context.Context) (string, error)
}

// Run keeps the sheet and the cluster in step until ctx ends: a pass when the sheet changes
// (checked every poll interval) and after each burst of cluster changes (debounced). It
// finishes the pass in flight and saves the state before returning.
func (e *Engine) Run(ctx context.Context) error {
	// The first pass, unless one has been made (the daemon makes it before it is ready):
	// another at once would find nothing new, at the cost of a whole pass on a large sheet.
	e.mu.Lock()
	passed := e.passedOnce
	e.mu.Unlock()
	if !passed {
		if _, err := e.Pass(ctx); err != nil {
			e.log.Error("first pass", "err", err)
		}
	}
	poll := e.clock.NewTicker(e.opts.PollInterval)
	defer poll.Stop()
	var debounce <-chan time.Time
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.view.Changed():
			if debounce == nil {
				debounce = e.clock.After(e.opts.Debounce)
			}
			continue
		case <-debounce:
			debounce = nil
		case <-poll.C():
			if !e.SheetChanged(ctx) {
				continue
			}
		}
		// A pass in flight finishes even if ctx ends meanwhile: edits are never half-applied.
		_, err := e.Pass(context.WithoutCancel(ctx))
		switch {
		case err != nil && !failing:
			e.log.Error("pass failed; retrying every poll interval", "err", err)
			failing = true
		case err == nil && failing:
			e.log.Info("passes work again")
			failing = false
		}
	}
}

// SheetChanged reports whether the sheet may hold new edits since the last pass: a poll
// that finds it false does nothing more (backends with a cheap version check make that
// cheap; others always answer true).
func (e *Engine) SheetChanged(ctx context.Context) bool {
	polls.Inc()
	v, ok := e.sheet.(versioner)
	if !ok {
		return true
	}
	start := e.clock.Now()
	cur, err := v.Version(ctx)
	pollSeconds.Observe(e.clock.Since(start).Seconds())
	if err != nil {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	return cur != e.lastVersion || e.failed || e.retries.due(now) || (!e.nextBoundary.IsZero() && !now.Before(e.nextBoundary))
}

func isConflict(err error) bool { return apierrors.IsConflict(err) }
