package sync_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/internal/metricstest"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/googlefake"
	"github.com/sheetops/sheetops/sync"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is an embedded API server, a client, an informer view and a sheet: in memory, or
// the Google backend talking to the fake Google API (the real sheets/v4 client and OAuth
// flow over HTTP).
type fixture struct {
	t         testing.TB
	ctx       context.Context
	cs        kubernetes.Interface
	dyn       dynamic.Interface
	view      *kube.View
	sheet     sheets.Sheet
	mem       *sheets.Memory // the memory backend, or nil
	fake      *googlefake.Server
	sheetID   string // the Google spreadsheet, or ""
	statePath string
	// editBook changes the sheet as a person's save would.
	editBook func(fn func(b *sheets.Book))
}

// backends are the sheets the engine scenarios run on.
var backends = []string{"memory", "google"}

// eachBackend runs a scenario on every backend, each on a fresh fixture.
func eachBackend(t *testing.T, scenario func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { scenario(t, newFixtureOn(t, b)) })
	}
}

// newFixture is a fixture on the in-memory sheet.
func newFixture(t testing.TB) *fixture { return newFixtureOn(t, "memory") }

func newFixtureOn(t testing.TB, backend string) *fixture {
	t.Helper()
	srv, err := apiserver.New(apiserver.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Logger: discard, NoControllers: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS = -1 // no client-side throttling: bursts must reach the server as bursts
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &fixture{t: t, ctx: ctx, cs: cs, dyn: dynamic.NewForConfigOrDie(cfg), statePath: filepath.Join(t.TempDir(), "state.json")}
	switch backend {
	case "memory":
		f.mem = sheets.NewMemory()
		f.sheet = f.mem
		f.editBook = f.mem.Edit
	case "google":
		f.useGoogle()
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.deploy("web", 3, "nginx:1.27")
	f.deploy("api", 2, "example/api:1.0")
	f.view, err = kube.NewView(cs, kube.Target{Namespaces: []string{"shop"}})
	if err != nil {
		t.Fatal(err)
	}
	f.view.Start(ctx)
	if err := f.view.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

const serviceAccount = "sheetops@engine-test.iam.gserviceaccount.com"

// useGoogle points the fixture at a new spreadsheet on a fake Google, shared with a
// service account whose key the backend uses.
func (f *fixture) useGoogle() {
	f.t.Helper()
	fake := googlefake.Start(f.t)
	key, err := fake.WriteServiceAccountKey(f.t.TempDir(), serviceAccount)
	if err != nil {
		f.t.Fatal(err)
	}
	id := fake.CreateSpreadsheet("engine test")
	fake.Share(id, serviceAccount, googlefake.Writer)
	s, err := google.New(f.ctx, google.Options{
		SpreadsheetID: id, CredentialsFile: key, Endpoint: fake.URL(), Logger: discard,
		ReadsPerMinute: 1_000_000, WritesPerMinute: 1_000_000, Backoff: time.Millisecond,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.fake, f.sheetID, f.sheet = fake, id, s
	f.editBook = func(fn func(b *sheets.Book)) {
		if err := fake.Edit(id, fn); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) deploy(name string, replicas int32, image string) {
	f.t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: image}}}},
		},
	}
	if _, err := f.cs.AppsV1().Deployments("shop").Create(f.ctx, d, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) engine() *sync.Engine {
	f.t.Helper()
	return f.engineWith(nil)
}

// engineWith is engine on a given clock (nil: the real one).
func (f *fixture) engineWith(clk *clocktesting.FakeClock) *sync.Engine {
	f.t.Helper()
	opts := sync.Options{Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath, Logger: discard}
	if clk != nil {
		opts.Clock = clk
	}
	e, err := sync.New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fixture) pass(e *sync.Engine) *sync.Plan {
	f.t.Helper()
	p, err := e.Pass(f.ctx)
	if err != nil {
		f.t.Fatalf("pass: %v", err)
	}
	return p
}

func (f *fixture) get(name string) *appsv1.Deployment {
	f.t.Helper()
	d, err := f.cs.AppsV1().Deployments("shop").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// waitView waits until the informer shows what ok wants.
func (f *fixture) waitView(what string, ok func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) waitReplicas(name string, n int32) {
	f.t.Helper()
	f.waitView(name+" replicas in the view", func() bool {
		for _, d := range f.view.Deployments() {
			if d.Name == name && d.Spec.Replicas != nil && *d.Spec.Replicas == n {
				return true
			}
		}
		return false
	})
}

func (f *fixture) scale(name string, n int32) {
	f.t.Helper()
	s, err := f.cs.AppsV1().Deployments("shop").GetScale(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	s.Spec.Replicas = n
	if _, err := f.cs.AppsV1().Deployments("shop").UpdateScale(f.ctx, name, s, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	f.waitReplicas(name, n)
}

// cell returns a cell of the row of namespace shop and name in a tab.
func cell(t testing.TB, b *sheets.Book, tab, name, header string) string {
	t.Helper()
	tb := b.Tab(tab)
	if tb == nil {
		t.Fatalf("no tab %s", tab)
	}
	col := slices.Index(tb.Header, header)
	nameCol := slices.Index(tb.Header, mapping.Name)
	for _, r := range tb.Rows {
		if r[nameCol] == name {
			return r[col]
		}
	}
	t.Fatalf("no row %s in %s", name, tab)
	return ""
}

func (f *fixture) read() *sheets.Book {
	f.t.Helper()
	b, err := f.sheet.Read(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// edit changes cells as a person would: rows found by Name.
func (f *fixture) edit(tab, name string, cells map[string]string) {
	f.t.Helper()
	f.editBook(func(b *sheets.Book) { setCells(f.t, b, tab, name, cells) })
}

func setCells(t testing.TB, b *sheets.Book, tab, name string, cells map[string]string) {
	tb := b.Tab(tab)
	nameCol := slices.Index(tb.Header, mapping.Name)
	for _, r := range tb.Rows {
		if r[nameCol] == name {
			for h, v := range cells {
				r[slices.Index(tb.Header, h)] = v
			}
			return
		}
	}
	t.Fatalf("no row %s in %s", name, tab)
}

func TestFirstPassRendersTabs(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		// A clock that stands still: Age cells do not tick between the two passes, so "a
		// pass with nothing new writes nothing" holds however slow the machine is.
		e := f.engineWith(clocktesting.NewFakeClock(time.Now()))
		f.pass(e)
		b := f.read()
		dep := b.Tab(mapping.DeploymentsTab)
		if dep == nil || len(dep.Rows) != 2 {
			t.Fatalf("Deployments tab = %+v", dep)
		}
		want := mapping.DefaultTabs()[0].Headers()
		if !slices.Equal(dep.Header, want) {
			t.Fatalf("header = %q, want %q", dep.Header, want)
		}
		// sorted by namespace/name; identity columns filled
		if got := cell(t, b, mapping.DeploymentsTab, "api", mapping.Replicas); got != "2" {
			t.Errorf("api replicas = %q", got)
		}
		if dep.Rows[0][1] != "api" || dep.Rows[1][1] != "web" {
			t.Errorf("rows not sorted by name: %q", dep.Rows)
		}
		if uid := cell(t, b, mapping.DeploymentsTab, "web", mapping.UID); uid != string(f.get("web").UID) {
			t.Errorf("UID cell = %q", uid)
		}
		if b.Tab(sync.SummaryTab) == nil || b.Tab(mapping.PodsTab) == nil {
			t.Error("Summary or Pods tab missing")
		}
		if f.mem != nil {
			if l := f.mem.Layout(); l == nil || l.Tab(mapping.DeploymentsTab) == nil || l.Summary == nil {
				t.Error("layout not written")
			}
		} else {
			sh, err := f.fake.Inspect(f.sheetID, mapping.DeploymentsTab)
			if err != nil {
				t.Fatal(err)
			}
			if sh.Properties.GridProperties.FrozenRowCount != 1 || len(sh.ProtectedRanges) != 1 || len(sh.ConditionalFormats) == 0 {
				t.Errorf("layout not applied: frozen %d, %d protected ranges, %d colour rules",
					sh.Properties.GridProperties.FrozenRowCount, len(sh.ProtectedRanges), len(sh.ConditionalFormats))
			}
		}
		// A second pass with nothing new writes nothing.
		before := b.Version
		f.pass(e)
		if f.read().Version != before {
			t.Error("a pass with no changes rewrote the sheet")
		}
	})
}

func TestEditScalesDeployment(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
		p := f.pass(e)
		if got := *f.get("web").Spec.Replicas; got != 5 {
			t.Fatalf("replicas = %d after edit, want 5 (plan %v)", got, p.Edits)
		}
		if api := *f.get("api").Spec.Replicas; api != 2 {
			t.Fatalf("api replicas changed to %d", api)
		}
		b := f.read()
		if s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "applied ") {
			t.Fatalf("Sync = %q, want applied HH:MM:SS", s)
		}
		if rv := cell(t, b, mapping.DeploymentsTab, "web", mapping.RV); rv != f.get("web").ResourceVersion {
			t.Errorf("row resourceVersion %s, object %s", rv, f.get("web").ResourceVersion)
		}
		// The next pass does not apply it again.
		f.waitReplicas("web", 5)
		if p := f.pass(e); p.Changes() != 0 {
			t.Errorf("second pass plans %v", p.Edits)
		}
	})
}

// TestSaveWithoutEditsIsAShortPass: once a pass had nothing to do, a save without edits
// (other bytes, the same cells) with the cluster as it was ends the next pass at the
// comparison; an edit, or a change in the cluster, makes a whole pass again.
func TestSaveWithoutEditsIsAShortPass(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e) // writes the sheet: settled
		save := func() { f.editBook(func(*sheets.Book) {}) }
		writes := e.Stats().Writes
		save()
		f.pass(e)
		if s := e.Stats(); s.Unchanged != 1 || s.Writes != writes {
			t.Fatalf("a save without edits: %d short passes (want 1), %d writes (want none)", s.Unchanged, s.Writes-writes)
		}
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
		f.pass(e)
		if got := *f.get("web").Spec.Replicas; got != 5 {
			t.Fatalf("an edit after a short pass: replicas %d, want 5", got)
		}
		f.waitReplicas("web", 5)
		f.pass(e)
		f.pass(e) // settled again
		short := e.Stats().Unchanged
		f.scale("api", 4)
		save()
		f.pass(e)
		if got := cell(t, f.read(), mapping.DeploymentsTab, "api", mapping.Replicas); got != "4" {
			t.Fatalf("a change in the cluster with a save without edits: the sheet shows %s replicas, want 4", got)
		}
		if got := e.Stats().Unchanged; got != short {
			t.Errorf("the pass after a change in the cluster was a short one")
		}
	})
}

func TestImageEditPatchesFirstContainer(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Image: "nginx:1.28"})
		f.pass(e)
		if img := f.get("web").Spec.Template.Spec.Containers[0].Image; img != "nginx:1.28" {
			t.Fatalf("image = %s", img)
		}
	})
}

func TestConflictKeepsTypedValueAndResolves(t *testing.T) {
	tests := []struct {
		name    string
		resolve map[string]string
		want    int32
	}{
		{name: "edit again", resolve: map[string]string{mapping.Replicas: "6"}, want: 6},
		{name: "force", resolve: map[string]string{mapping.Action: "force"}, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, f *fixture) {
				e := f.engine()
				f.pass(e)
				// The person types 5 while someone scales the cluster to 4.
				f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
				f.scale("web", 4)
				f.pass(e)
				if got := *f.get("web").Spec.Replicas; got != 4 {
					t.Fatalf("conflicting edit applied: replicas %d", got)
				}
				b := f.read()
				if v := cell(t, b, mapping.DeploymentsTab, "web", mapping.Replicas); v != "5" {
					t.Fatalf("typed value overwritten: %q", v)
				}
				s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync)
				if !strings.HasPrefix(s, "conflict:") || !strings.Contains(s, "4") || !strings.Contains(s, "5") {
					t.Fatalf("Sync = %q, want a conflict naming both values", s)
				}
				// Still a conflict on the next pass, still not applied.
				f.pass(e)
				if got := *f.get("web").Spec.Replicas; got != 4 {
					t.Fatalf("conflict applied on a later pass: %d", got)
				}
				f.edit(mapping.DeploymentsTab, "web", tt.resolve)
				f.pass(e)
				if got := *f.get("web").Spec.Replicas; got != tt.want {
					t.Fatalf("after resolving: replicas %d, want %d", got, tt.want)
				}
				b = f.read()
				if s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "applied") {
					t.Errorf("Sync after resolving = %q", s)
				}
				if a := cell(t, b, mapping.DeploymentsTab, "web", mapping.Action); a != "" {
					t.Errorf("Action not cleared: %q", a)
				}
			})
		})
	}
}

// TestStaleCopyIsAConflict is the lost update of file editing: a person opens the workbook,
// the cluster changes and the daemon renders it, then the person saves their older copy.
func TestStaleCopyIsAConflict(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		old := f.read() // the person's copy
		f.scale("web", 4)
		f.pass(e) // renders 4 into the sheet
		if v := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Replicas); v != "4" {
			t.Fatalf("cluster change not rendered: %q", v)
		}
		f.editBook(func(b *sheets.Book) {
			*b = *old
			setCells(t, b, mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
		})
		f.pass(e)
		if got := *f.get("web").Spec.Replicas; got != 4 {
			t.Fatalf("stale copy overwrote the cluster: %d", got)
		}
		if s := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "conflict:") {
			t.Fatalf("Sync = %q, want conflict", s)
		}
		// The untouched row of the stale copy follows the cluster without any change.
		if got := *f.get("api").Spec.Replicas; got != 2 {
			t.Fatalf("api changed: %d", got)
		}
	})
}

func TestInvalidInputIsKeptAndNotApplied(t *testing.T) {
	for _, v := range []string{"abc", "-1", "2.5", "", "10001"} {
		t.Run(v, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, f *fixture) {
				e := f.engine()
				f.pass(e)
				rv := f.get("web").ResourceVersion
				f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: v})
				f.pass(e)
				if d := f.get("web"); d.ResourceVersion != rv {
					t.Fatalf("object changed after invalid input %q", v)
				}
				b := f.read()
				if got := cell(t, b, mapping.DeploymentsTab, "web", mapping.Replicas); got != v {
					t.Fatalf("typed %q replaced by %q", v, got)
				}
				if s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "invalid: Replicas") {
					t.Fatalf("Sync = %q", s)
				}
			})
		})
	}
}

func TestRowIdentityIsTheUID(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		// Sort the rows the other way, insert a blank row above, then edit web.
		f.editBook(func(b *sheets.Book) {
			tb := b.Tab(mapping.DeploymentsTab)
			slices.Reverse(tb.Rows)
			tb.Rows = append([][]string{make([]string, len(tb.Header))}, tb.Rows...)
			setCells(t, b, mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "7"})
		})
		f.pass(e)
		if web, api := *f.get("web").Spec.Replicas, *f.get("api").Spec.Replicas; web != 7 || api != 2 {
			t.Fatalf("web %d api %d, want 7 and 2", web, api)
		}
		// The person's order is kept.
		b := f.read()
		if rows := b.Tab(mapping.DeploymentsTab).Rows; rows[0][1] != "web" {
			t.Errorf("order not kept: %q", rows)
		}
	})
}

func TestCreateAndDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.editBook(func(b *sheets.Book) {
			tb := b.Tab(mapping.DeploymentsTab)
			row := make([]string, len(tb.Header))
			set := map[string]string{mapping.Namespace: "shop", mapping.Name: "cache", mapping.Image: "redis:7", mapping.Replicas: "2"}
			for h, v := range set {
				row[slices.Index(tb.Header, h)] = v
			}
			bad := make([]string, len(tb.Header))
			bad[slices.Index(tb.Header, mapping.Namespace)] = "shop"
			bad[slices.Index(tb.Header, mapping.Name)] = "broken"
			tb.Rows = append(tb.Rows, row, bad)
			setCells(t, b, mapping.DeploymentsTab, "api", map[string]string{mapping.Action: "delete"})
		})
		f.pass(e)
		d := f.get("cache")
		if *d.Spec.Replicas != 2 || d.Spec.Template.Spec.Containers[0].Image != "redis:7" {
			t.Fatalf("created %+v", d.Spec)
		}
		if _, err := f.cs.AppsV1().Deployments("shop").Get(f.ctx, "api", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("api not deleted: %v", err)
		}
		if _, err := f.cs.AppsV1().Deployments("shop").Get(f.ctx, "broken", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("an invalid create row was applied: %v", err)
		}
		b := f.read()
		if uid := cell(t, b, mapping.DeploymentsTab, "cache", mapping.UID); uid != string(d.UID) {
			t.Errorf("created row has UID %q, want %q", uid, d.UID)
		}
		if s := cell(t, b, mapping.DeploymentsTab, "broken", mapping.Sync); !strings.HasPrefix(s, "invalid:") {
			t.Errorf("invalid create Sync = %q", s)
		}
		f.waitView("api gone and cache there", func() bool {
			var names []string
			for _, d := range f.view.Deployments() {
				names = append(names, d.Name)
			}
			return slices.Equal(names, []string{"cache", "web"})
		})
		f.pass(e)
		for _, r := range f.read().Tab(mapping.DeploymentsTab).Rows {
			if r[1] == "api" {
				t.Errorf("deleted object's row still there: %q", r)
			}
		}
		// The create is not repeated by later passes or after a restart.
		e2 := f.engine()
		if p := f.pass(e2); p.Changes() != 0 {
			t.Errorf("restart plans %v", p.Edits)
		}
	})
}

func TestEditOnGoneObjectIsReported(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "9"})
		if err := f.cs.AppsV1().Deployments("shop").Delete(f.ctx, "web", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.waitView("web gone", func() bool { return len(f.view.Deployments()) == 1 })
		f.pass(e)
		if s := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "error:") {
			t.Fatalf("Sync = %q", s)
		}
		if got := *f.get("api").Spec.Replicas; got != 2 {
			t.Fatalf("the edit landed on another object: api %d", got)
		}
	})
}

func TestRestartKeepsPendingAndDoesNotReapply(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
		f.scale("web", 4)
		f.edit(mapping.DeploymentsTab, "api", map[string]string{mapping.Replicas: "3"})
		f.pass(e) // api applied, web in conflict
		f.waitReplicas("api", 3)
		f.scale("api", 1) // later change from outside: a restart must not re-apply 3
		e2 := f.engine()
		p := f.pass(e2)
		if got := *f.get("api").Spec.Replicas; got != 1 {
			t.Fatalf("restart re-applied an old edit: api %d", got)
		}
		if got := *f.get("web").Spec.Replicas; got != 4 {
			t.Fatalf("restart applied a conflicting edit: web %d", got)
		}
		if s := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "conflict:") {
			t.Fatalf("pending conflict forgotten after restart: %q (plan %v)", s, p.Edits)
		}
	})
}

// racySheet lands a person's save between the engine's read and its first write.
type racySheet struct {
	sheets.Sheet
	once func()
}

func (r *racySheet) Write(ctx context.Context, l *sheets.Layout, base, next *sheets.Book) (string, error) {
	if r.once != nil {
		r.once()
		r.once = nil
	}
	return r.Sheet.Write(ctx, l, base, next)
}

func TestSaveDuringPassIsMerged(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		racy := &racySheet{Sheet: f.sheet}
		f.sheet = racy
		e := f.engine()
		f.pass(e)
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
		racy.once = func() { f.edit(mapping.DeploymentsTab, "api", map[string]string{mapping.Replicas: "4"}) }
		f.pass(e)
		if web, api := *f.get("web").Spec.Replicas, *f.get("api").Spec.Replicas; web != 5 || api != 4 {
			t.Fatalf("web %d api %d, want 5 and 4: the save during the pass was lost", web, api)
		}
		b := f.read()
		for _, name := range []string{"web", "api"} {
			if s := cell(t, b, mapping.DeploymentsTab, name, mapping.Sync); !strings.HasPrefix(s, "applied") {
				t.Errorf("%s Sync = %q", name, s)
			}
		}
	})
}

func TestPlanChangesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
		before := f.read().Version
		p, err := e.Plan(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p.Changes() != 1 || !strings.Contains(p.String(), "apply") || !strings.Contains(p.String(), "3 -> 5") {
			t.Fatalf("plan = %s", p)
		}
		if *f.get("web").Spec.Replicas != 3 || f.read().Version != before {
			t.Fatal("plan changed something")
		}
	})
}

// TestBurstOfChangesIsDebounced: informer handlers only signal; a burst of cluster changes
// becomes a handful of writes, not one per change.
func TestBurstOfChangesIsDebounced(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan error, 1)
		go func() { done <- e.Run(ctx) }()
		f.waitView("first pass", func() bool { return e.Stats().Writes >= 1 })
		start := e.Stats().Writes
		const changes = 1000
		for i := 0; i < changes; i++ {
			patch := []byte(`{"metadata":{"labels":{"n":"` + strconv.Itoa(i) + `"}}}`)
			if _, err := f.cs.AppsV1().Deployments("shop").Patch(f.ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		f.waitView("the last change rendered", func() bool {
			d, ok := f.view.ByUID(kube.Deployments, f.get("web").UID)
			if !ok || d.(*appsv1.Deployment).Labels["n"] != strconv.Itoa(changes-1) {
				return false
			}
			b := f.read()
			return cell(t, b, mapping.DeploymentsTab, "web", mapping.RV) == f.get("web").ResourceVersion
		})
		writes := e.Stats().Writes - start
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if writes < 1 || writes > changes/20 {
			t.Fatalf("%d changes made %d writes; want a handful", changes, writes)
		}
		t.Logf("%d changes, %d writes", changes, writes)
	})
}

func TestRefresh(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		e := f.engine()
		f.pass(e)
		f.scale("web", 7)
		if _, err := e.Refresh(f.ctx); err != nil {
			t.Fatal(err)
		}
		if v := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Replicas); v != "7" {
			t.Fatalf("refresh rendered %q, want 7", v)
		}
	})
}

// TestGoogleSteadyStateCostsOneReadPerPoll counts the requests at the fake Google server:
// a poll that finds nothing new is one values.batchGet and nothing else; a person's edit
// costs the version check and one values.batchUpdate.
func TestGoogleSteadyStateCostsOneReadPerPoll(t *testing.T) {
	f := newFixtureOn(t, "google")
	clk := clocktesting.NewFakeClock(time.Now())
	const poll = 2 * time.Second
	e, err := sync.New(sync.Options{Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath,
		Logger: discard, Clock: clk, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() { cancel(); <-done }()
	f.waitView("the first pass", func() bool { return e.Stats().Writes >= 1 })
	f.waitView("the poll ticker", clk.HasWaiters)
	// Let a render debounced from the informers' first events (its timer is on the fake
	// clock too) run first: it is not a poll's cost.
	clk.Step(poll)
	time.Sleep(200 * time.Millisecond)
	f.fake.ResetCounts()
	const polls = 5
	for i := 1; i <= polls; i++ {
		clk.Step(poll)
		f.waitView("a poll", func() bool { return f.fake.Count(googlefake.BatchGet) >= i })
	}
	time.Sleep(50 * time.Millisecond) // anything a poll did beyond its read would show by now
	got := f.fake.Counts()
	if got[googlefake.BatchGet] != polls || got[googlefake.ValuesBatchUpdate] != 0 || got[googlefake.BatchUpdate] != 0 || got[googlefake.Get] != 0 {
		t.Errorf("%d polls with no change cost %v, want %d values.batchGet only", polls, got, polls)
	}

	f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
	f.fake.ResetCounts()
	clk.Step(poll)
	f.waitView("the edit applied", func() bool { return *f.get("web").Spec.Replicas == 5 })
	f.waitView("the statuses written", func() bool { return f.fake.Count(googlefake.ValuesBatchUpdate) >= 1 })
	time.Sleep(50 * time.Millisecond)
	got = f.fake.Counts()
	// The poll's read (reused by the pass) and the write's version check.
	if got[googlefake.BatchGet] != 2 || got[googlefake.ValuesBatchUpdate] != 1 || got[googlefake.BatchUpdate] != 0 {
		t.Errorf("a poll that applies an edit cost %v, want 2 values.batchGet and 1 values.batchUpdate", got)
	}
	t.Logf("steady state: %d polls, %d reads; an edit: %v", polls, polls, got)
}

// TestGoogleBurstOfPodChangesCostsAFewWrites: 1,000 pod changes in a burst reach the
// Google sheet in a bounded handful of writes (debounced renders, one values.batchUpdate
// each), and the sheet ends up showing the last of them.
func TestGoogleBurstOfPodChangesCostsAFewWrites(t *testing.T) {
	f := newFixtureOn(t, "google")
	const pods = 10
	for i := range pods {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "worker-" + strconv.Itoa(i)},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: "busybox:1.36"}}}}
		if _, err := f.cs.CoreV1().Pods("shop").Create(f.ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.waitView("the pods", func() bool { return len(f.view.Objects(kube.Pods)) == pods })
	e := f.engine()
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	f.waitView("the first pass", func() bool { return e.Stats().Writes >= 1 })
	f.fake.ResetCounts()
	const changes = 1000
	for i := range changes {
		patch := []byte(`{"metadata":{"labels":{"n":"` + strconv.Itoa(i) + `"}}}`)
		if _, err := f.cs.CoreV1().Pods("shop").Patch(f.ctx, "worker-"+strconv.Itoa(i%pods), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.waitView("the last changes rendered", func() bool {
		b := f.read()
		for i := range pods {
			p, err := f.cs.CoreV1().Pods("shop").Get(f.ctx, "worker-"+strconv.Itoa(i), metav1.GetOptions{})
			if err != nil || cell(t, b, mapping.PodsTab, p.Name, mapping.RV) != p.ResourceVersion {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := f.fake.Counts()
	writes := got[googlefake.ValuesBatchUpdate] + got[googlefake.BatchUpdate]
	if got[googlefake.ValuesBatchUpdate] < 1 || writes > changes/50 || got[googlefake.BatchUpdate] > 1 {
		t.Fatalf("%d pod changes cost %v; want a handful of writes (at most %d)", changes, got, changes/50)
	}
	t.Logf("%d pod changes: %d values.batchUpdate, %d spreadsheets.batchUpdate, %d values.batchGet",
		changes, got[googlefake.ValuesBatchUpdate], got[googlefake.BatchUpdate], got[googlefake.BatchGet])
}

// TestRunAfterAPassStartsWithoutAnother: the daemon makes the first pass before it is
// ready, then runs the engine; Run does not pass again at once for nothing new (at 100,000
// pods that is seconds), and still passes on the next change.
func TestRunAfterAPassStartsWithoutAnother(t *testing.T) {
	f := newFixture(t)
	e, err := sync.New(sync.Options{Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath,
		Logger: discard, PollInterval: time.Hour, Debounce: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	ok := func() float64 {
		return metricstest.Counter(t, sync.Collectors(), "sheetops_passes_total", map[string]string{"result": "ok"})
	}
	before := ok()
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	if got := ok() - before; got != 0 {
		t.Fatalf("Run made %v passes with nothing new", got)
	}
	f.scale("web", 4) // a cluster change: the next pass comes
	f.waitView("a pass after the change", func() bool { return ok() > before })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
