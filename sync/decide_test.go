package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sync"
)

// cluster is an in-memory ClusterView and ClusterWriter: deployments only, patches of
// Replicas understood, failures injected. It lets the engine's decisions be tested without
// an API server.
type cluster struct {
	mu      stdsync.Mutex
	deploys map[types.UID]*appsv1.Deployment
	rv      int
	changed chan struct{}
	// patchErr, when set, answers every Patch (an API failure).
	patchErr error
	patches  []string // "name=replicas", in order
}

func newCluster() *cluster {
	return &cluster{deploys: map[types.UID]*appsv1.Deployment{}, rv: 10, changed: make(chan struct{}, 1)}
}

// put creates or changes a deployment in the cluster, as another client would.
func (c *cluster) put(name string, replicas int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rv++
	for _, d := range c.deploys {
		if d.Name == name {
			d = d.DeepCopy()
			d.Spec.Replicas, d.ResourceVersion = ptr.To(replicas), strconv.Itoa(c.rv)
			c.deploys[d.UID] = d
			return
		}
	}
	uid := types.UID("uid-" + name)
	c.deploys[uid] = &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: uid, ResourceVersion: strconv.Itoa(c.rv)},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
		}},
	}
}

func (c *cluster) remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for uid, d := range c.deploys {
		if d.Name == name {
			delete(c.deploys, uid)
		}
	}
}

func (c *cluster) replicas(name string) int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.deploys {
		if d.Name == name {
			return *d.Spec.Replicas
		}
	}
	return -1
}

func (c *cluster) Objects(kind kube.Resource) []runtime.Object {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind != mapping.Deployment {
		return nil
	}
	var out []runtime.Object
	for _, name := range []string{"api", "db", "web"} {
		for _, d := range c.deploys {
			if d.Name == name {
				out = append(out, d)
			}
		}
	}
	return out
}

func (c *cluster) ByUID(kind kube.Resource, uid types.UID) (runtime.Object, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.deploys[uid]
	if !ok || kind != mapping.Deployment {
		return nil, false
	}
	return d, true
}

func (c *cluster) Changed() <-chan struct{} { return c.changed }

func (c *cluster) Get(_ context.Context, kind kube.Resource, namespace, name string) (runtime.Object, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.deploys {
		if d.Name == name {
			return d, nil
		}
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Group: "apps", Resource: "deployments"}, name)
}

func (c *cluster) Patch(_ context.Context, kind kube.Resource, namespace, name string, pt types.PatchType, data []byte) (runtime.Object, error) {
	c.mu.Lock()
	if c.patchErr != nil {
		c.patches = append(c.patches, name+"=failed")
		c.mu.Unlock()
		return nil, c.patchErr
	}
	c.mu.Unlock()
	var p struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Spec struct {
			Replicas *int32 `json:"replicas"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(data, &p); err != nil || p.Spec.Replicas == nil || pt != types.MergePatchType {
		// Only Replicas edits are made here; anything else is a test mistake.
		return nil, fmt.Errorf("unexpected %s patch %s", pt, data)
	}
	cur, err := c.Get(context.Background(), kind, namespace, name)
	if err != nil {
		return nil, err
	}
	if rv := cur.(*appsv1.Deployment).ResourceVersion; p.Metadata.ResourceVersion != "" && p.Metadata.ResourceVersion != rv {
		return nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, name, errors.New("the object has been modified"))
	}
	c.put(name, *p.Spec.Replicas)
	replicas := *p.Spec.Replicas
	c.mu.Lock()
	defer c.mu.Unlock()
	c.patches = append(c.patches, fmt.Sprintf("%s=%d", name, replicas))
	for _, d := range c.deploys {
		if d.Name == name {
			return d, nil
		}
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Group: "apps", Resource: "deployments"}, name)
}

func (c *cluster) Create(context.Context, kube.Resource, runtime.Object) (runtime.Object, error) {
	return nil, apierrors.NewBadRequest("creates are not part of this test")
}

func (c *cluster) Delete(_ context.Context, kind kube.Resource, namespace, name string, uid types.UID) error {
	c.remove(name)
	return nil
}

func (c *cluster) patchLog() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.patches...)
}

// decideFixture is an engine on an in-memory cluster and sheet, its first render done.
type decideFixture struct {
	t     *testing.T
	c     *cluster
	mem   *sheets.Memory
	clock *clocktesting.FakeClock
	opts  sync.Options
	e     *sync.Engine
}

func newDecideFixture(t *testing.T, enforce bool) *decideFixture {
	t.Helper()
	f := &decideFixture{t: t, c: newCluster(), mem: sheets.NewMemory(),
		clock: clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))}
	f.c.put("web", 3)
	f.c.put("api", 2)
	f.opts = sync.Options{Sheet: f.mem, View: f.c, Writer: f.c, Clock: f.clock, Logger: discard,
		Enforce: enforce, StatePath: filepath.Join(t.TempDir(), "state.json")}
	f.e = f.newEngine()
	f.pass()
	return f
}

func (f *decideFixture) newEngine() *sync.Engine {
	f.t.Helper()
	e, err := sync.New(f.opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *decideFixture) pass() *sync.Plan {
	f.t.Helper()
	p, err := f.e.Pass(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *decideFixture) plan() *sync.Plan {
	f.t.Helper()
	p, err := f.e.Plan(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *decideFixture) edit(name string, cells map[string]string) {
	f.mem.Edit(func(b *sheets.Book) { setCells(f.t, b, mapping.DeploymentsTab, name, cells) })
}

func (f *decideFixture) cell(name, header string) string {
	f.t.Helper()
	b, err := f.mem.Read(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return cell(f.t, b, mapping.DeploymentsTab, name, header)
}

// TestDecide is the three-way decision for one editable cell (Replicas, rendered as 3):
// what the person typed × what the cluster holds now, with force, enforce mode, a gone
// object and invalid input. It runs on an in-memory cluster: no API server.
func TestDecide(t *testing.T) {
	cases := []struct {
		name    string
		enforce bool
		sheet   string // typed into Replicas; "" leaves the rendered 3
		action  string
		cluster int32 // -1: the object was deleted
		staleRV bool  // the row carries a resourceVersion SheetOps never rendered
		want    sync.Decision
		// wantIn: texts the edit's Reason must hold.
		wantIn []string
	}{
		{name: "unchanged everywhere", cluster: 3},
		{name: "cluster moved, sheet not edited", cluster: 5},
		{name: "sheet edited, cluster as rendered", sheet: "5", cluster: 3, want: sync.Apply},
		{name: "both moved to the same value", sheet: "5", cluster: 5},
		{name: "both moved apart", sheet: "6", cluster: 4, want: sync.Conflict, wantIn: []string{"3", "4", "6"}},
		{name: "both moved apart, force", sheet: "6", action: "force", cluster: 4, want: sync.Apply},
		{name: "no record of the render", sheet: "6", cluster: 3, staleRV: true, want: sync.Conflict, wantIn: []string{"6", "3", "no record"}},
		{name: "no record of the render, force", sheet: "6", action: "force", cluster: 3, staleRV: true, want: sync.Apply},
		{name: "gone, edited", sheet: "6", cluster: -1, want: sync.Gone},
		{name: "gone, not edited", cluster: -1},
		{name: "gone, delete: done already", action: "delete", cluster: -1},
		{name: "delete", action: "delete", cluster: 3, want: sync.Delete},
		{name: "not a number", sheet: "abc", cluster: 3, want: sync.Invalid, wantIn: []string{"Replicas"}},
		{name: "negative", sheet: "-1", cluster: 3, want: sync.Invalid, wantIn: []string{"Replicas"}},
		{name: "fraction", sheet: "3.5", cluster: 3, want: sync.Invalid, wantIn: []string{"Replicas"}},
		{name: "unknown action", action: "scale", cluster: 3, want: sync.Invalid, wantIn: []string{"Action"}},
		{name: "enforce: cluster moved, sheet not edited", enforce: true, cluster: 5, want: sync.Drift, wantIn: []string{"5", "3"}},
		{name: "enforce: sheet edited, cluster as rendered", enforce: true, sheet: "5", cluster: 3, want: sync.Apply},
		{name: "enforce: both moved apart", enforce: true, sheet: "6", cluster: 4, want: sync.Conflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newDecideFixture(t, tc.enforce)
			cells := map[string]string{mapping.Action: tc.action}
			if tc.sheet != "" {
				cells[mapping.Replicas] = tc.sheet
			}
			if tc.staleRV {
				cells[mapping.RV] = "9"
			}
			f.edit("web", cells)
			switch {
			case tc.cluster < 0:
				f.c.remove("web")
			case tc.cluster != 3:
				f.c.put("web", tc.cluster)
			}
			var got []sync.Edit
			for _, ed := range f.plan().Edits {
				if ed.Name == "web" {
					got = append(got, ed)
				}
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("edits = %v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].Decision != tc.want {
				t.Fatalf("edits = %v, want one %s", got, tc.want)
			}
			if got[0].Force != (tc.action == "force") {
				t.Errorf("Force = %v", got[0].Force)
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(got[0].Reason, s) {
					t.Errorf("Reason = %q, want it to name %q", got[0].Reason, s)
				}
			}
			if f.c.replicas("web") != max(tc.cluster, -1) {
				t.Errorf("a plan changed the cluster")
			}
		})
	}
}

// TestEnforceDecision: during a scheduled reconcile in enforce mode, a drift becomes an
// enforce that sends the sheet's value back.
func TestEnforceDecision(t *testing.T) {
	f := newDecideFixture(t, true)
	f.c.put("web", 7)
	f.pass()
	if s := f.cell("web", mapping.Sync); !strings.HasPrefix(s, "drift:") {
		t.Fatalf("Sync = %q, want drift", s)
	}
	p, err := f.e.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Edits) != 1 || p.Edits[0].Decision != sync.Enforce || p.Edits[0].Outcome.Kind != sync.OutcomeEnforced {
		t.Fatalf("edits = %+v, want one enforced", p.Edits)
	}
	if got := f.c.replicas("web"); got != 3 {
		t.Fatalf("replicas = %d, want 3 restored", got)
	}
}

// TestConflictNamesWhatEachSideHas: a person started from 3 in a copy opened before the
// cluster moved to 4, and typed 6. Sync names 3, 4 and 6 on every pass while the
// conflict stands, short enough for the cell; the Audit tab has the full text.
func TestConflictNamesWhatEachSideHas(t *testing.T) {
	f := newDecideFixture(t, false)
	stale, err := f.mem.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.c.put("web", 4)
	f.pass() // the sheet shows 4 now; the person's copy still 3
	setCells(t, stale, mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "6"})
	f.mem.Edit(func(b *sheets.Book) { *b = *stale }) // they save their copy

	for pass := 1; pass <= 3; pass++ {
		f.pass()
		s := f.cell("web", mapping.Sync)
		want := "conflict: Replicas was 3, you typed 6, the cluster has 4; type again or force"
		if s != want {
			t.Fatalf("pass %d: Sync = %q, want %q", pass, s, want)
		}
		if v := f.cell("web", mapping.Replicas); v != "6" {
			t.Fatalf("pass %d: typed value lost: %q", pass, v)
		}
	}
	if got := f.c.replicas("web"); got != 4 {
		t.Fatalf("conflicting edit applied: %d", got)
	}
	b, _ := f.mem.Read(context.Background())
	audit := b.Tab(sync.AuditTab)
	found := 0
	for _, r := range audit.Rows {
		if strings.Contains(r[len(r)-1], "Replicas was 3 when this row was rendered; since then the cluster changed it to 4 and the sheet to 6") {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("audit rows with the full conflict = %d, want 1: %v", found, audit.Rows)
	}
}

// TestRetryBacksOffPerEdit: an edit the API refuses with a retryable error is tried again
// after an exponential backoff, not on every pass; typing another value tries at once;
// invalid input is never sent.
func TestRetryBacksOffPerEdit(t *testing.T) {
	f := newDecideFixture(t, false)
	f.c.patchErr = apierrors.NewServiceUnavailable("the server is busy")
	f.edit("web", map[string]string{mapping.Replicas: "5"})
	f.edit("api", map[string]string{mapping.Replicas: "x"})
	f.pass()
	attempts := func() int { return len(f.c.patchLog()) }
	if attempts() != 1 {
		t.Fatalf("patches = %v, want one attempt", f.c.patchLog())
	}
	s := f.cell("web", mapping.Sync)
	if !strings.HasPrefix(s, "error: the server is busy (will retry at 12:00:0") {
		t.Fatalf("Sync = %q, want a retryable error with its time", s)
	}
	// Passes within the backoff send nothing; the typed value and the message stay.
	for range 3 {
		f.pass()
	}
	if attempts() != 1 {
		t.Fatalf("retried within the backoff: %v", f.c.patchLog())
	}
	if v := f.cell("web", mapping.Replicas); v != "5" {
		t.Fatalf("typed value lost: %q", v)
	}
	// Exponential: the waits grow.
	var waits []time.Duration
	last := f.clock.Now()
	for len(waits) < 4 {
		f.clock.Step(500 * time.Millisecond)
		f.pass()
		if n := attempts(); n > len(waits)+1 {
			waits = append(waits, f.clock.Now().Sub(last))
			last = f.clock.Now()
		}
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] <= waits[i-1] {
			t.Fatalf("waits between attempts = %v, want growing", waits)
		}
	}
	// Typing another value is tried at once; when the API recovers it is applied.
	f.c.mu.Lock()
	f.c.patchErr = nil
	f.c.mu.Unlock()
	f.edit("web", map[string]string{mapping.Replicas: "4"})
	f.pass()
	if got := f.c.replicas("web"); got != 4 {
		t.Fatalf("replicas = %d after a new value with the API back, want 4", got)
	}
	if s := f.cell("web", mapping.Sync); !strings.HasPrefix(s, "applied") {
		t.Fatalf("Sync = %q, want applied", s)
	}
	for _, p := range f.c.patchLog() {
		if strings.HasPrefix(p, "api=") {
			t.Fatalf("invalid input was sent: %v", f.c.patchLog())
		}
	}
	if s := f.cell("api", mapping.Sync); !strings.HasPrefix(s, "invalid:") {
		t.Fatalf("api Sync = %q, want invalid", s)
	}
}

// TestOutcomeCell: the one place outcomes become text, and a row's several outcomes.
func TestOutcomeCell(t *testing.T) {
	at := time.Date(2026, 3, 2, 19, 30, 5, 0, time.UTC)
	cases := []struct {
		o    sync.Outcome
		want string
	}{
		{sync.Outcome{}, ""},
		{sync.Outcome{Kind: sync.OutcomeApplied, At: at}, "applied 19:30:05"},
		{sync.Outcome{Kind: sync.OutcomeDeleted, At: at}, "deleted 19:30:05"},
		{sync.Outcome{Kind: sync.OutcomeEnforced, At: at, Message: "Replicas 7 → 3"}, "enforced 19:30:05: Replicas 7 → 3"},
		{sync.Outcome{Kind: sync.OutcomeInvalid, Message: "Replicas: not a number"}, "invalid: Replicas: not a number"},
		{sync.Outcome{Kind: sync.OutcomeError, Message: "forbidden"}, "error: forbidden"},
		{sync.Outcome{Kind: sync.OutcomeError, Message: "busy", Retryable: true, RetryAt: at}, "error: busy (will retry at 19:30:05)"},
	}
	for _, tc := range cases {
		if got := tc.o.Cell(); got != tc.want {
			t.Errorf("Cell(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}

// TestAuditNeverDropsSilently: while the audit file cannot be written, changes are still
// made, the failure is reported (AuditError, the metric, one log line) and the entries
// wait in memory; once the file is writable they are written, in order.
func TestAuditNeverDropsSilently(t *testing.T) {
	f := newDecideFixture(t, false)
	dir := t.TempDir()
	f.opts.AuditPath = filepath.Join(dir, "audit.log")
	var logs strings.Builder
	f.opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f.e = f.newEngine()
	f.pass()
	// A directory where the file should be: every write fails (also for root).
	if err := os.Mkdir(f.opts.AuditPath, 0o755); err != nil {
		t.Fatal(err)
	}
	failures := testutil.ToFloat64(auditFailures(t))
	f.edit("web", map[string]string{mapping.Replicas: "5"})
	f.pass()
	f.edit("api", map[string]string{mapping.Replicas: "4"})
	f.pass()
	if f.c.replicas("web") != 5 || f.c.replicas("api") != 4 {
		t.Fatalf("changes not made while the audit failed: web %d, api %d", f.c.replicas("web"), f.c.replicas("api"))
	}
	err := f.e.AuditError()
	if err == nil || !strings.Contains(err.Error(), "2 entries waiting") {
		t.Fatalf("AuditError = %v, want the failure with 2 entries waiting", err)
	}
	if got := testutil.ToFloat64(auditFailures(t)) - failures; got < 2 {
		t.Fatalf("audit_write_failures_total rose by %v, want at least 2", got)
	}
	if n := strings.Count(logs.String(), "cannot write the audit file"); n != 1 {
		t.Fatalf("failure logged %d times, want once:\n%s", n, logs.String())
	}
	// The Audit tab still shows them.
	b, _ := f.mem.Read(context.Background())
	if n := len(b.Tab(sync.AuditTab).Rows); n != 2 {
		t.Fatalf("Audit tab rows = %d, want 2", n)
	}

	if err := os.Remove(f.opts.AuditPath); err != nil {
		t.Fatal(err)
	}
	f.pass()
	if err := f.e.AuditError(); err != nil {
		t.Fatalf("AuditError = %v after the file became writable", err)
	}
	data, err := os.ReadFile(f.opts.AuditPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"object":"shop/web"`) || !strings.Contains(lines[1], `"object":"shop/api"`) {
		t.Fatalf("audit file = %q, want web's entry then api's", lines)
	}
	if !strings.Contains(logs.String(), "the audit file is writable again") {
		t.Fatalf("recovery not logged:\n%s", logs.String())
	}
}

// auditFailures finds the engine's audit failure counter among its collectors.
func auditFailures(t *testing.T) prometheus.Collector {
	t.Helper()
	for _, c := range sync.Collectors() {
		ch := make(chan *prometheus.Desc, 4)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			if strings.Contains(d.String(), `"sheetops_audit_write_failures_total"`) {
				return c
			}
		}
	}
	t.Fatal("no sheetops_audit_write_failures_total")
	return nil
}

// TestSyncColoursFollowTheKind: the Sync column's colour rules colour every outcome kind's
// cell text, with the kind's colour, on the layout the engine hands to the backends.
func TestSyncColoursFollowTheKind(t *testing.T) {
	f := newDecideFixture(t, false)
	layout := f.mem.Layout()
	at := time.Date(2026, 3, 2, 19, 30, 5, 0, time.UTC)
	kinds := []sync.OutcomeKind{sync.OutcomeApplied, sync.OutcomeDeleted, sync.OutcomeEnforced,
		sync.OutcomeDrift, sync.OutcomeConflict, sync.OutcomeInvalid, sync.OutcomeError}
	for _, tl := range layout.Tabs {
		if tl.Name != mapping.DeploymentsTab && tl.Name != mapping.PodsTab {
			continue
		}
		var rules []sheets.ColorRule
		for _, c := range tl.Columns {
			if c.Name == mapping.Sync {
				rules = c.Colors
			}
		}
		outcomes := []sync.Outcome{{Kind: sync.OutcomeScaled, At: at, Scaled: "scaled down", Message: "Replicas 3 → 0"},
			{Kind: sync.OutcomeScaled, At: at, Scaled: "resumed", Message: "Suspend true → false"}}
		for _, k := range kinds {
			outcomes = append(outcomes, sync.Outcome{Kind: k, At: at, Message: "something"})
		}
		for _, o := range outcomes {
			k, text := o.Kind, o.Cell()
			var got sheets.Color
			for _, r := range rules {
				if r.Match == sheets.Prefix && strings.HasPrefix(text, r.Value) {
					got = r.Color
					break
				}
			}
			if got == "" || got != k.Color() {
				t.Errorf("%s: %q is coloured %q, want %q", tl.Name, text, got, k.Color())
			}
		}
	}
}

// tooLargeSheet is a sheet whose backend refuses every write as too large, with a version.
type tooLargeSheet struct{ *sheets.Memory }

func (tooLargeSheet) Write(context.Context, *sheets.Layout, *sheets.Book, *sheets.Book) (string, error) {
	return "", fmt.Errorf("the spreadsheet would need 10,046,410 cells: %w", sheets.ErrTooLarge)
}
func (tooLargeSheet) Version(context.Context) (string, error) { return "v1", nil }
func (tooLargeSheet) Read(context.Context) (*sheets.Book, error) {
	return &sheets.Book{Version: "v1"}, nil
}

// TestTooLargeIsNotRetriedEveryPoll: a render the backend cannot hold fails the pass with
// the backend's message (for /readyz), and polls do not read the sheet again and again
// for it; the next change does.
func TestTooLargeIsNotRetriedEveryPoll(t *testing.T) {
	c := newCluster()
	c.put("web", 3)
	sheet := tooLargeSheet{sheets.NewMemory()}
	e, err := sync.New(sync.Options{Sheet: sheet, View: c, Writer: c, Logger: discard,
		Clock: clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pass(context.Background()); !errors.Is(err, sheets.ErrTooLarge) {
		t.Fatalf("pass = %v, want ErrTooLarge", err)
	}
	if err := e.SheetError(); err == nil || !strings.Contains(err.Error(), "10,046,410 cells") {
		t.Fatalf("SheetError = %v, want the backend's message", err)
	}
	if e.SheetChanged(context.Background()) {
		t.Fatal("a poll wants to try the too-large write again")
	}
}
