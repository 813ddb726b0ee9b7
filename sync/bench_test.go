package sync_test

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/xlsx"
	"github.com/sheetops/sheetops/sync"
)

// staticView is a cluster of fixed objects, for benchmarks of the engine itself.
type staticView struct {
	deploys, pods []runtime.Object
	byUID         map[types.UID]runtime.Object
	changed       chan struct{}
	// fresh: Objects returns new lists every time, as a view does after a change (the
	// engine then cannot take the cluster for the one its last pass rendered).
	fresh bool
}

func newStaticView(nDeploys, nPods int) *staticView {
	v := &staticView{byUID: map[types.UID]runtime.Object{}, changed: make(chan struct{})}
	created := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := 0; i < nDeploys; i++ {
		r := int32(i % 5)
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%02d", i%20), Name: fmt.Sprintf("deploy-%05d", i),
				UID: types.UID(fmt.Sprintf("d-%05d", i)), ResourceVersion: strconv.Itoa(i + 1), CreationTimestamp: created},
			Spec: appsv1.DeploymentSpec{Replicas: &r, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "app", Image: fmt.Sprintf("registry.example/app-%d:1.%d", i%50, i%7)}}}}},
			Status: appsv1.DeploymentStatus{Replicas: r, ReadyReplicas: r, UpdatedReplicas: r, AvailableReplicas: r},
		}
		v.deploys = append(v.deploys, d)
		v.byUID[d.UID] = d
	}
	for i := 0; i < nPods; i++ {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%02d", i%20), Name: fmt.Sprintf("pod-%05d", i),
				UID: types.UID(fmt.Sprintf("p-%05d", i)), ResourceVersion: strconv.Itoa(100000 + i), CreationTimestamp: created},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.244.%d.%d", i/250, i%250),
				ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, RestartCount: int32(i % 3),
					State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}},
		}
		v.pods = append(v.pods, p)
		v.byUID[p.UID] = p
	}
	return v
}

func (v *staticView) Objects(kind kube.Resource) []runtime.Object {
	objs := v.pods
	if kind == mapping.Deployment {
		objs = v.deploys
	}
	if v.fresh {
		return slices.Clone(objs)
	}
	return objs
}

func (v *staticView) ByUID(kind kube.Resource, uid types.UID) (runtime.Object, bool) {
	o, ok := v.byUID[uid]
	return o, ok
}

func (v *staticView) Changed() <-chan struct{} { return v.changed }

// patchWriter answers patches with the object at a new resourceVersion, as an API server would.
type patchWriter struct{ view *staticView }

func (w patchWriter) Get(ctx context.Context, kind kube.Resource, ns, name string) (runtime.Object, error) {
	return nil, fmt.Errorf("not used")
}

func (w patchWriter) Patch(ctx context.Context, kind kube.Resource, ns, name string, pt types.PatchType, data []byte) (runtime.Object, error) {
	for _, o := range w.view.deploys {
		d := o.(*appsv1.Deployment)
		if d.Namespace == ns && d.Name == name {
			out := d.DeepCopy()
			out.ResourceVersion += "0"
			return out, nil
		}
	}
	return nil, fmt.Errorf("no %s/%s", ns, name)
}

func (w patchWriter) Create(ctx context.Context, _ kube.Resource, obj runtime.Object) (runtime.Object, error) {
	return obj, nil
}

func (w patchWriter) Delete(ctx context.Context, kind kube.Resource, ns, name string, uid types.UID) error {
	return nil
}

// benchDeploys and benchPods are the cluster of the benchmarks; -bench-scale multiplies it
// (10: the 20,000 deployments and 100,000 pods of DESIGN.md's performance targets).
var benchDeploys, benchPods = 2000, 10000

var benchScale = flag.Int("bench-scale", 1, "multiply the benchmarks' cluster (10: 20,000 deployments and 100,000 pods)")

func init() {
	testing.Init()
	flag.Parse()
	benchDeploys *= *benchScale
	benchPods *= *benchScale
}

func benchEngine(b *testing.B, sheet sheets.Sheet, view *staticView) *sync.Engine {
	b.Helper()
	// With a state file, as the daemon has: every pass saves it.
	e, err := sync.New(sync.Options{Sheet: sheet, View: view, Writer: patchWriter{view}, Logger: discard,
		StatePath: filepath.Join(b.TempDir(), "state.json")})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkFirstRender is the first full render of 2,000 deployments and 10,000 pods into a
// new workbook (target: under 2 s).
func BenchmarkFirstRender(b *testing.B) {
	view := newStaticView(benchDeploys, benchPods)
	ctx := context.Background()
	dir := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		path := filepath.Join(dir, fmt.Sprintf("book-%d.xlsx", i))
		i++
		if _, err := benchEngine(b, xlsx.New(path), view).Pass(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollNoEdits is a poll of a workbook nobody edited since the last pass: the
// daemon checks the file's version and stops there (target: under 200 ms).
func BenchmarkPollNoEdits(b *testing.B) {
	view := newStaticView(benchDeploys, benchPods)
	ctx := context.Background()
	e := benchEngine(b, xlsx.New(filepath.Join(b.TempDir(), "book.xlsx")), view)
	if _, err := e.Pass(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if e.SheetChanged(ctx) {
			b.Fatal("an unedited workbook counts as changed")
		}
	}
}

// BenchmarkPassNoEdits is a full pass over a workbook with no edits (after a cluster change
// that changed no cell): read, decide, render, compare; nothing is written.
func BenchmarkPassNoEdits(b *testing.B) {
	view := newStaticView(benchDeploys, benchPods)
	view.fresh = true
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "book.xlsx")
	e := benchEngine(b, xlsx.New(path), view)
	if _, err := e.Pass(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Pass(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if e.Stats().Writes != 1 {
		b.Fatalf("passes with no edits wrote the workbook: %d writes", e.Stats().Writes)
	}
	// The live heap with the objects, the engine's state and the workbook's last read.
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	goruntime.KeepAlive(e)
	goruntime.KeepAlive(view)
}

// BenchmarkPassSaveWithoutEdits is the pass after a person's save without edits, with the
// cluster as the last pass rendered it: every worksheet's bytes changed (a newline after
// its root element, as in test/scale/daemon.sh), none of its cells. The pass reads the
// workbook, parsing the worksheets again, finds the values of the last pass and stops.
func BenchmarkPassSaveWithoutEdits(b *testing.B) {
	view := newStaticView(benchDeploys, benchPods)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "book.xlsx")
	e := benchEngine(b, xlsx.New(path), view)
	if _, err := e.Pass(ctx); err != nil { // writes the workbook
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		touchWorksheets(b, path)
		b.StartTimer()
		if _, err := e.Pass(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if s := e.Stats(); s.Writes != 1 || s.Unchanged != b.N {
		b.Fatalf("%d writes (want 1), %d short passes (want %d)", s.Writes, s.Unchanged, b.N)
	}
}

// touchWorksheets rewrites the workbook at path with a newline after each worksheet's XML:
// other bytes, the same cells.
func touchWorksheets(b *testing.B, path string) {
	b.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml") {
			data = append(data, '\n')
		}
		fw, err := w.Create(f.Name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPoll100Edits is a pass that finds 100 replica edits, applies them and writes the
// statuses back (the API server's part is a stub here: this measures SheetOps).
func BenchmarkPoll100Edits(b *testing.B) {
	view := newStaticView(benchDeploys, benchPods)
	ctx := context.Background()
	mem := sheets.NewMemory()
	e := benchEngine(b, mem, view)
	if _, err := e.Pass(ctx); err != nil {
		b.Fatal(err)
	}
	round := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		round++
		mem.Edit(func(book *sheets.Book) {
			tb := book.Tab(mapping.DeploymentsTab)
			col := slices.Index(tb.Header, mapping.Replicas)
			for i := 0; i < 100; i++ {
				tb.Rows[i*7][col] = strconv.Itoa(100 + round)
			}
		})
		b.StartTimer()
		p, err := e.Pass(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if p.Changes() != 100 {
			b.Fatalf("%d changes, want 100", p.Changes())
		}
	}
}

// runEngine starts Run on a fixture with a short poll interval and returns its engine.
func runEngine(b *testing.B, f *fixture, poll time.Duration) *sync.Engine {
	e, err := sync.New(sync.Options{Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil), PollInterval: poll, Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	f.waitView("first pass", func() bool { return e.Stats().Writes >= 1 })
	return e
}

// BenchmarkChangeToCell measures a cluster change (a scale through the API) until the
// sheet shows it: informer, debounce (200 ms) and one pass. Target: under 1 s.
func BenchmarkChangeToCell(b *testing.B) {
	f := newFixture(b)
	runEngine(b, f, time.Hour)
	n := int32(3)
	for b.Loop() {
		n = n%9 + 1
		patch := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
		if _, err := f.cs.AppsV1().Deployments("shop").Patch(f.ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		want := strconv.Itoa(int(n))
		f.waitView("the cell", func() bool { return cell(b, f.read(), mapping.DeploymentsTab, "web", mapping.Replicas) == want })
	}
}

// BenchmarkEditToPatch measures an edit saved in the sheet until the API server has it, with
// a 100 ms poll interval. Target: within one poll interval + 100 ms.
func BenchmarkEditToPatch(b *testing.B) {
	f := newFixture(b)
	runEngine(b, f, 100*time.Millisecond)
	n := int32(3)
	for b.Loop() {
		n = n%9 + 1
		f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: strconv.Itoa(int(n))})
		f.waitView("the patch", func() bool { return *f.get("web").Spec.Replicas == n })
		// The next edit is made on the rendered result, as a person would see it (an edit
		// on an older render of a changed field is a conflict, by design).
		b.StopTimer()
		f.waitView("the render", func() bool {
			return cell(b, f.read(), mapping.DeploymentsTab, "web", mapping.RV) == f.get("web").ResourceVersion
		})
		b.StartTimer()
	}
}
