package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// The end-to-end tests run the real binary on the embedded engine and edit the workbook with
// an independent library (openpyxl, from Debian's python3-openpyxl), as a person's
// spreadsheet program would.

const python = "/usr/bin/python3"

func needOpenpyxl(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-openpyxl is required under CI: %v", err)
		}
		t.Skipf("python3-openpyxl not installed: %v", err)
	}
}

var binary string

func buildBinary(t *testing.T) string {
	t.Helper()
	if binary != "" {
		return binary
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("sheetops-e2e-%d", os.Getpid()))
	cmd := exec.Command("go", "build", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	binary = out
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.Remove(binary)
	}
	os.Exit(code)
}

// daemon is a running `sheetops run` in its own directory.
type daemon struct {
	t        *testing.T
	dir      string
	workbook string
	cmd      *exec.Cmd
	stdout   *syncBuffer
	stderr   *syncBuffer
	log      *syncBuffer // stderr, safe to read while the daemon runs (startAttached)
	cs       kubernetes.Interface
}

func startDaemon(t *testing.T, dir string) *daemon {
	t.Helper()
	return startDaemonWith(t, dir, defaultE2EConfig)
}

const defaultE2EConfig = `
embedded:
  addr: 127.0.0.1:0
  dataDir: apiserver
sheet:
  pollInterval: 200ms
  xlsx:
    path: book.xlsx
server:
  addr: 127.0.0.1:0
stateDir: state
`

// startDaemonWith runs `sheetops run` with a config in dir (a new temporary one when empty).
func startDaemonWith(t *testing.T, dir, config string) *daemon {
	t.Helper()
	needOpenpyxl(t)
	bin := buildBinary(t)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "sheetops.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, dir: dir, workbook: filepath.Join(dir, "book.xlsx"), stderr: &syncBuffer{}}
	// The engine writes a new kubeconfig (a new port) each start; wait for this start's.
	kubeconfig := filepath.Join(dir, "apiserver", "kubeconfig")
	os.Remove(kubeconfig)
	d.cmd = exec.Command(bin, "run", "--config", "sheetops.yaml")
	d.cmd.Dir = dir
	d.stdout = &syncBuffer{}
	d.cmd.Stdout = d.stdout
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.stop()
		if t.Failed() && d.log == nil {
			t.Logf("daemon log:\n%s", d.stderr)
		}
	})
	d.waitFor("the workbook and the kubeconfig", func() bool {
		_, err1 := os.Stat(d.workbook)
		_, err2 := os.Stat(kubeconfig)
		return err1 == nil && err2 == nil
	})
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	d.cs = kubernetes.NewForConfigOrDie(cfg)
	return d
}

// stop sends SIGTERM and waits: the daemon must exit 0.
func (d *daemon) stop() {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			d.t.Errorf("daemon exit: %v\n%s", err, d.stderr)
		}
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		d.t.Errorf("daemon did not stop on SIGINT\n%s", d.stderr)
	}
}

func (d *daemon) waitFor(what string, ok func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			log := d.stderr.String()
			if d.log != nil {
				log = d.log.String()
			}
			d.t.Fatalf("timed out waiting for %s\ndaemon log:\n%s", what, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// py runs a Python snippet with openpyxl against the workbook; it gets `wb`, `ws(name)`
// and `row(ws, name)`, and may call `save()`. It returns what the snippet printed.
func (d *daemon) py(code string) string {
	d.t.Helper()
	prelude := `
import json, openpyxl, sys
path = sys.argv[1]
wb = openpyxl.load_workbook(path)
def ws(name): return wb[name]
def header(w): return [c.value for c in w[1]]
def row(w, name):
    h = header(w)
    for r in w.iter_rows(min_row=2):
        if r[h.index("Name")].value == name:
            return {h[i]: r[i] for i in range(len(h))}
    raise SystemExit("no row " + name)
def save(): wb.save(path)
`
	cmd := exec.Command(python, "-c", prelude+code, d.workbook)
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("python: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// cellValue reads one cell of the row of name in a tab.
func (d *daemon) cellValue(tab, name, header string) string {
	return d.py(fmt.Sprintf(`v = row(ws(%q), %q)[%q].value
print("" if v is None else v)`, tab, name, header))
}

// scale changes replicas from outside, as kubectl scale does (a merge patch of the Scale).
func (d *daemon) scale(ns, name string, n int32) {
	d.t.Helper()
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, n)
	if _, err := d.cs.AppsV1().Deployments(ns).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}, "scale"); err != nil {
		d.t.Fatal(err)
	}
}

func (d *daemon) replicas(ns, name string) int32 {
	d.t.Helper()
	dep, err := d.cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		d.t.Fatal(err)
	}
	return *dep.Spec.Replicas
}

func TestE2EScaleImageInvalidAndSort(t *testing.T) {
	d := startDaemon(t, "")
	// Sort the rows by name descending (as a person would in LibreOffice), then edit web.
	d.py(`
w = ws("Deployments")
h = header(w)
rows = [[c.value for c in r] for r in w.iter_rows(min_row=2)]
rows.sort(key=lambda r: r[h.index("Name")], reverse=True)
for i, r in enumerate(rows):
    for j, v in enumerate(r):
        w.cell(row=i+2, column=j+1, value=v)
row(w, "web")["Replicas"].value = 5
row(w, "api")["Replicas"].value = "abc"
row(w, "worker")["Image"].value = "ghcr.io/example/shop-worker:2.5.0"
save()`)
	d.waitFor("web scaled to 5", func() bool { return d.replicas("shop", "web") == 5 })
	d.waitFor("worker image rolled", func() bool {
		dep, err := d.cs.AppsV1().Deployments("shop").Get(context.Background(), "worker", metav1.GetOptions{})
		return err == nil && dep.Spec.Template.Spec.Containers[0].Image == "ghcr.io/example/shop-worker:2.5.0"
	})
	d.waitFor("Sync of web", func() bool { return strings.HasPrefix(d.cellValue("Deployments", "web", "Sync"), "applied") })
	if got := d.replicas("shop", "api"); got != 2 {
		t.Fatalf("invalid input applied: api %d", got)
	}
	if s := d.cellValue("Deployments", "api", "Sync"); !strings.HasPrefix(s, "invalid:") {
		t.Fatalf("api Sync = %q", s)
	}
	if v := d.cellValue("Deployments", "api", "Replicas"); v != "abc" {
		t.Fatalf("typed value lost: %q", v)
	}
	// Sorting did not move any edit onto another object.
	for name, want := range map[string]int32{"postgres": 1, "redis": 1, "etl": 0, "grafana": 1} {
		ns := "data"
		if name == "grafana" {
			ns = "tools"
		}
		if got := d.replicas(ns, name); got != want {
			t.Errorf("%s replicas %d, want %d", name, got, want)
		}
	}
	// kubectl-side changes reach the workbook.
	d.scale("data", "redis", 4)
	d.waitFor("redis 4 in the workbook", func() bool { return d.cellValue("Deployments", "redis", "Replicas") == "4" })
}

func TestE2ECreateDeleteAndConflict(t *testing.T) {
	d := startDaemon(t, "")
	d.py(`
w = ws("Deployments")
h = header(w)
r = w.max_row + 1
for k, v in {"Namespace": "shop", "Name": "cache", "Image": "redis:7", "Replicas": 2}.items():
    w.cell(row=r, column=h.index(k)+1, value=v)
row(w, "etl")["Action"].value = "delete"
save()`)
	d.waitFor("cache created", func() bool {
		_, err := d.cs.AppsV1().Deployments("shop").Get(context.Background(), "cache", metav1.GetOptions{})
		return err == nil
	})
	d.waitFor("etl deleted", func() bool {
		_, err := d.cs.AppsV1().Deployments("data").Get(context.Background(), "etl", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	d.waitFor("cache row has its UID", func() bool { return d.cellValue("Deployments", "cache", "UID") != "" })

	// Conflict: the person's copy is opened, the cluster changes and is rendered, then the
	// person saves the old copy with an edit.
	old := filepath.Join(d.dir, "old.xlsx")
	copyFile(t, d.workbook, old)
	d.scale("shop", "worker", 4)
	d.waitFor("worker 4 rendered", func() bool { return d.cellValue("Deployments", "worker", "Replicas") == "4" })
	out, err := exec.Command(python, "-c", `
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
w = wb["Deployments"]
h = [c.value for c in w[1]]
for r in w.iter_rows(min_row=2):
    if r[h.index("Name")].value == "worker":
        r[h.index("Replicas")].value = 6
wb.save(sys.argv[2])`, old, d.workbook).CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	d.waitFor("conflict reported", func() bool { return strings.HasPrefix(d.cellValue("Deployments", "worker", "Sync"), "conflict:") })
	if got := d.replicas("shop", "worker"); got != 4 {
		t.Fatalf("stale copy overwrote the cluster: %d", got)
	}
	if v := d.cellValue("Deployments", "worker", "Replicas"); v != "6" {
		t.Fatalf("typed value lost in a conflict: %q", v)
	}
}

func TestE2ERestartKeepsPendingEdit(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir)
	d.stop()
	// Edited while the daemon was down.
	d.py(`
row(ws("Deployments"), "web")["Replicas"].value = 7
save()`)
	d2 := startDaemon(t, dir)
	d2.waitFor("web scaled after restart", func() bool { return d2.replicas("shop", "web") == 7 })
	// Another restart does not apply it again over a later change.
	d2.scale("shop", "web", 2)
	d2.waitFor("2 rendered", func() bool { return d2.cellValue("Deployments", "web", "Replicas") == "2" })
	d2.stop()
	d3 := startDaemon(t, dir)
	time.Sleep(time.Second)
	if got := d3.replicas("shop", "web"); got != 2 {
		t.Fatalf("a restart re-applied an old edit: %d", got)
	}
}

func TestE2EPlanApplyExport(t *testing.T) {
	d := startDaemon(t, "")
	d.stop()
	d.py(`
row(ws("Deployments"), "web")["Replicas"].value = 4
row(ws("Deployments"), "api")["Replicas"].value = -1
save()`)
	bin := buildBinary(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = d.dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("plan", "--config", "sheetops.yaml")
	if err != nil || !strings.Contains(out, "shop/web Replicas: 3 -> 4") || !strings.Contains(out, "invalid") {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	out, err = run("apply", "--config", "sheetops.yaml")
	if err == nil || !strings.Contains(out, "applied") {
		t.Fatalf("apply with an invalid cell must fail after applying the rest: %v\n%s", err, out)
	}
	d2 := startDaemon(t, d.dir)
	out, err = run("export", "--kubeconfig", filepath.Join(d2.dir, "apiserver", "kubeconfig"), "-n", "shop", "-o", "shop.xlsx")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	check := exec.Command(python, "-c", `
import json, openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
w = wb["Deployments"]
h = [c.value for c in w[1]]
print(json.dumps({r[h.index("Name")]: r[h.index("Replicas")] for r in w.iter_rows(min_row=2, values_only=True)}))`, filepath.Join(d.dir, "shop.xlsx"))
	b, err := check.CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, b)
	}
	var got map[string]int
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v %s", err, b)
	}
	if got["web"] != 4 || got["api"] != 2 || len(got) != 3 {
		t.Fatalf("export = %v, want shop's three deployments with web 4", got)
	}

	// Any preset: the tabs given, the same rows as the daemon renders.
	out, err = run("export", "--kubeconfig", filepath.Join(d2.dir, "apiserver", "kubeconfig"), "--tabs", "Deployments,Nodes,Namespaces", "-o", "more.xlsx")
	if err != nil || !strings.Contains(out, "1 nodes") || !strings.Contains(out, "namespaces") {
		t.Fatalf("export --tabs: %v\n%s", err, out)
	}
	check = exec.Command(python, "-c", `
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
print(",".join(wb.sheetnames))
print(",".join(str(c.value) for c in wb["Nodes"][2]))`, filepath.Join(d.dir, "more.xlsx"))
	b, err = check.CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "Deployments,Nodes,Namespaces,Summary" || !strings.HasPrefix(lines[1], "sheetops-node,false,Ready") {
		t.Fatalf("export --tabs wrote %q", lines)
	}
	// A custom resource's tab (the demo's WorkerPool CRD) from a config: its printer
	// columns by default, listed through the dynamic client.
	crdConfig := "cluster:\n  kubeconfig: " + filepath.Join(d2.dir, "apiserver", "kubeconfig") + "\ntabs:\n- {name: Worker Pools, resource: wp}\n"
	if err := os.WriteFile(filepath.Join(d.dir, "pools.yaml"), []byte(crdConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run("export", "--config", "pools.yaml", "-o", "pools.xlsx")
	if err != nil || !strings.Contains(out, "3 worker pools") {
		t.Fatalf("export of the WorkerPool tab: %v\n%s", err, out)
	}
	check = exec.Command(python, "-c", `
import openpyxl, sys
w = openpyxl.load_workbook(sys.argv[1])["Worker Pools"]
for r in w.iter_rows(values_only=True):
    print(",".join(str(v) for v in r[:4]))`, filepath.Join(d.dir, "pools.xlsx"))
	b, err = check.CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, b)
	}
	if got := strings.TrimSpace(string(b)); got != "Namespace,Name,Replicas,Queue\napi,reports,1,reports\nshop,emails,2,emails\nshop,orders,3,orders" {
		t.Fatalf("Worker Pools tab:\n%s", got)
	}
	if out, err := run("export", "--tabs", "Gadgets", "-o", "x.xlsx"); err == nil || !strings.Contains(out, `--tabs: "Gadgets" is not a preset`) {
		t.Fatalf("export --tabs Gadgets: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test's reader.
type syncBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPruneExportsKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	names := []string{"sheetops-20260101-000000.xlsx", "sheetops-20260101-000100.xlsx", "sheetops-20260101-000200.xlsx", "notes.txt"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := pruneExports(dir, 2); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{"notes.txt", "sheetops-20260101-000100.xlsx", "sheetops-20260101-000200.xlsx"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("left %v, want %v", got, want)
	}
}

func TestE2EScheduledExport(t *testing.T) {
	dir := t.TempDir()
	config := `
embedded:
  addr: 127.0.0.1:0
  dataDir: apiserver
sheet:
  xlsx:
    path: book.xlsx
server:
  addr: 127.0.0.1:0
stateDir: state
export:
  schedule: "@every 1s"
  dir: exports
  keep: 2
reconcile:
  schedule: "@every 1s"
`
	d := startDaemonWith(t, dir, config)
	d.waitFor("three exports pruned to two", func() bool {
		entries, _ := os.ReadDir(filepath.Join(dir, "exports"))
		n := 0
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "sheetops-") {
				n++
			}
		}
		return n == 2 && strings.Count(d.stderr.String(), "exported") >= 3
	})
	// The daemon's own listener: health, readiness and metrics.
	var base string
	for _, line := range strings.Split(d.stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "Health and metrics: "); ok {
			base = strings.TrimSuffix(rest, "/metrics")
		}
	}
	if base == "" {
		t.Fatalf("no listener address in the output:\n%s", d.stdout.String())
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ok"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	checkMetrics(t, base+"/metrics")
}

// checkMetrics scrapes /metrics, parses it with the Prometheus text parser and checks the
// families an operator relies on.
func checkMetrics(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f := families[name]
		if f == nil {
			return 0, false
		}
	metrics:
		for _, m := range f.GetMetric() {
			for k, v := range labels {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
		return 0, false
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"sheetops_leader", nil, 1},
		{"sheetops_polls_total", nil, 1},
		{"sheetops_passes_total", map[string]string{"result": "ok"}, 1},
		{"sheetops_renders_total", nil, 1},
		{"sheetops_pass_duration_seconds", nil, 1},
		{"sheetops_render_duration_seconds", nil, 1},
		{"sheetops_poll_duration_seconds", nil, 1},
		{"sheetops_last_successful_sync_timestamp_seconds", nil, float64(time.Now().Add(-time.Hour).Unix())},
		{"sheetops_scheduled_runs_total", map[string]string{"job": "export", "result": "ok"}, 3},
		{"sheetops_scheduled_runs_total", map[string]string{"job": "reconcile", "result": "ok"}, 1},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	} {
		v, ok := value(c.name, c.labels)
		if !ok || v < c.min {
			t.Errorf("metric %s%v = %v (present %v), want at least %v", c.name, c.labels, v, ok, c.min)
		}
	}
	for _, name := range []string{"sheetops_edits_total", "sheetops_changes_total", "sheetops_api_errors_total"} {
		if f := families[name]; f != nil && f.GetType().String() != "COUNTER" {
			t.Errorf("%s is a %s, want a counter", name, f.GetType())
		}
	}
}
