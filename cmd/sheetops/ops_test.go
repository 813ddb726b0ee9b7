package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/internal/metricstest"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sync"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// emptyView is a cluster with nothing in it.
type emptyView struct{}

func (emptyView) Objects(kube.Resource) []runtime.Object                { return nil }
func (emptyView) ByUID(kube.Resource, types.UID) (runtime.Object, bool) { return nil, false }
func (emptyView) Changed() <-chan struct{}                              { return nil }

func TestExportScheduleKeepsTheNewestOnAFakeClock(t *testing.T) {
	dir := t.TempDir()
	clk := clocktesting.NewFakeClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	cfg := sync.DefaultConfig()
	cfg.Export = sync.ExportConfig{Schedule: "0 * * * *", Dir: dir, Keep: 3}
	stop, err := startSchedules(context.Background(), cfg, nil, emptyView{}, nil, clk, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	exports := func() []string {
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		return names
	}
	done := func() float64 { return exportRuns(t) }
	before := done()
	for hour := 10; hour <= 14; hour++ {
		waitUntil(t, "the scheduler waits on the clock", clk.HasWaiters)
		clk.Step(time.Hour)
		want := fmt.Sprintf("sheetops-20261122-%02d0000.xlsx", hour)
		waitUntil(t, want, func() bool { return slices.Contains(exports(), want) && len(exports()) <= 3 })
		// The run is over (else the next hour's time would be skipped as overlapping).
		waitUntil(t, "the export run to end", func() bool { return done()-before == float64(hour-9) })
	}
	want := []string{"sheetops-20261122-120000.xlsx", "sheetops-20261122-130000.xlsx", "sheetops-20261122-140000.xlsx"}
	if got := exports(); !slices.Equal(got, want) {
		t.Fatalf("exports %v, want %v", got, want)
	}
}

// exportRuns is sheetops_scheduled_runs_total{job="export",result="ok"}.
func exportRuns(t *testing.T) float64 {
	t.Helper()
	return metricstest.Counter(t, sync.Collectors(), "sheetops_scheduled_runs_total", map[string]string{"job": "export", "result": "ok"})
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// engineProcess is an embedded engine started by the test (not by a daemon), so that
// daemons can be pointed at it, and it can be stopped and started under them.
type engineProcess struct {
	t    *testing.T
	dir  string
	addr string
	srv  *apiserver.Server
	cs   kubernetes.Interface
}

func startEngineAt(t *testing.T, dir, addr string) *engineProcess {
	t.Helper()
	srv, err := apiserver.New(apiserver.Options{Addr: addr, DataDir: dir, Logger: quietLog, NoControllers: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	e := &engineProcess{t: t, dir: dir, addr: addr, srv: srv, cs: kubernetes.NewForConfigOrDie(cfg)}
	t.Cleanup(func() { e.srv.Close() })
	return e
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (e *engineProcess) deploy(ns, name string, replicas int32) {
	e.t.Helper()
	ctx := context.Background()
	e.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "nginx:1.27"}}}},
		},
	}
	if _, err := e.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *engineProcess) replicas(ns, name string) int32 {
	e.t.Helper()
	d, err := e.cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return *d.Spec.Replicas
}

// startAttached runs `sheetops run` in dir with config; the workbook is workbook (which
// may be shared by several daemons). It does not wait for anything.
func startAttached(t *testing.T, dir, workbook, config string) *daemon {
	t.Helper()
	needOpenpyxl(t)
	bin := buildBinary(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sheetops.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, dir: dir, workbook: workbook, stderr: &syncBuffer{}, stdout: &syncBuffer{}}
	d.cmd = exec.Command(bin, "run", "--config", "sheetops.yaml")
	d.cmd.Dir = dir
	d.cmd.Stdout = d.stdout
	stderr := &syncBuffer{}
	d.cmd.Stderr = stderr
	d.log = stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop() })
	return d
}

// auditLines returns the daemon's audit log lines that contain every one of parts.
func (d *daemon) auditLines(parts ...string) []string {
	data, _ := os.ReadFile(filepath.Join(d.dir, "state", "audit.log"))
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		ok := line != ""
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// setReplicas types a value into the Replicas cell of a row and saves, as a person would.
func (d *daemon) setReplicas(name string, n int) {
	d.t.Helper()
	d.py(fmt.Sprintf(`row(ws("Deployments"), %q)["Replicas"].value = %d
save()`, name, n))
}

func attachedConfig(kubeconfig, workbook, extra string) string {
	return fmt.Sprintf(`
cluster:
  embedded: false
  kubeconfig: %s
sheet:
  pollInterval: 200ms
  xlsx:
    path: %s
server:
  addr: 127.0.0.1:0
stateDir: state
%s`, kubeconfig, workbook, extra)
}

func TestE2ELeaderElectionOnlyTheLeaderWrites(t *testing.T) {
	root := t.TempDir()
	eng := startEngineAt(t, filepath.Join(root, "engine"), "127.0.0.1:0")
	eng.deploy("shop", "web", 2)
	workbook := filepath.Join(root, "book.xlsx")
	le := `leaderElection:
  enabled: true
  namespace: default
  leaseDuration: 3s
  renewDeadline: 2s
  retryPeriod: 500ms
`
	config := attachedConfig(eng.srv.KubeconfigPath(), workbook, le)

	a := startAttached(t, filepath.Join(root, "a"), workbook, config)
	a.waitFor("a to lead", func() bool { return strings.Contains(a.stdout.String(), "SheetOps is keeping") })
	a.waitFor("the workbook", func() bool { _, err := os.Stat(workbook); return err == nil })
	b := startAttached(t, filepath.Join(root, "b"), workbook, config)
	b.waitFor("b to stand by", func() bool { return strings.Contains(b.log.String(), "standby") })

	a.setReplicas("web", 3)
	a.waitFor("the edit applied by the leader", func() bool { return eng.replicas("shop", "web") == 3 })
	a.waitFor("the leader's audit entry", func() bool { return len(a.auditLines(`"new":"3"`, `"result":"applied"`)) == 1 })
	if strings.Contains(b.stdout.String(), "SheetOps is keeping") {
		t.Fatalf("the standby started working while the leader runs:\n%s", b.log.String())
	}
	if _, err := os.Stat(filepath.Join(b.dir, "state", "audit.log")); err == nil {
		t.Fatal("the standby wrote an audit log: it applied something")
	}
	lease, err := eng.cs.CoordinationV1().Leases("default").Get(context.Background(), "sheetops", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	holder := *lease.Spec.HolderIdentity

	// The leader dies without releasing the lease: the standby takes over once it expires.
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	b.waitFor("b to take over", func() bool { return strings.Contains(b.stdout.String(), "SheetOps is keeping") })
	lease, err = eng.cs.CoordinationV1().Leases("default").Get(context.Background(), "sheetops", metav1.GetOptions{})
	if err != nil || *lease.Spec.HolderIdentity == holder {
		t.Fatalf("lease still held by %s (err %v)", holder, err)
	}
	b.setReplicas("web", 5)
	b.waitFor("the edit applied by the new leader", func() bool { return eng.replicas("shop", "web") == 5 })
	b.waitFor("the new leader's audit entry", func() bool { return len(b.auditLines(`"new":"5"`, `"result":"applied"`)) == 1 })
	if n := len(b.auditLines(`"new":"3"`)); n != 0 {
		t.Fatalf("the new leader applied the old edit again (%d entries)", n)
	}
	if !strings.HasPrefix(b.cellValue("Deployments", "web", "Sync"), "applied") {
		t.Errorf("Sync after failover = %q", b.cellValue("Deployments", "web", "Sync"))
	}
}

func TestE2EEngineRestartUnderTheDaemon(t *testing.T) {
	root := t.TempDir()
	addr := freeAddr(t)
	engineDir := filepath.Join(root, "engine")
	eng := startEngineAt(t, engineDir, addr)
	eng.deploy("shop", "web", 2)
	workbook := filepath.Join(root, "book.xlsx")
	d := startAttached(t, filepath.Join(root, "d"), workbook, attachedConfig(eng.srv.KubeconfigPath(), workbook, ""))
	d.waitFor("the workbook", func() bool {
		_, err := os.Stat(workbook)
		return err == nil && d.cellValue("Deployments", "web", "Replicas") == "2"
	})

	d.setReplicas("web", 3)
	d.waitFor("the first edit", func() bool { return eng.replicas("shop", "web") == 3 })

	// The API server goes away; an edit made meanwhile waits, with what was typed kept.
	eng.srv.Close()
	d.setReplicas("web", 4)
	d.waitFor("the edit to wait for the server", func() bool {
		return strings.Contains(d.cellValue("Deployments", "web", "Sync"), "will retry")
	})
	if v := d.cellValue("Deployments", "web", "Replicas"); v != "4" {
		t.Fatalf("typed value lost while the server was away: %q", v)
	}

	// Back on the same address and data: the edit is applied, once; nothing twice.
	eng = startEngineAt(t, engineDir, addr)
	d.waitFor("the waiting edit", func() bool { return eng.replicas("shop", "web") == 4 })
	d.waitFor("the Sync column", func() bool { return strings.HasPrefix(d.cellValue("Deployments", "web", "Sync"), "applied") })
	time.Sleep(time.Second) // a few more polls: nothing may be applied again
	if n := len(d.auditLines(`"new":"3"`, `"result":"applied"`)); n != 1 {
		t.Errorf("edit to 3 applied %d times", n)
	}
	if n := len(d.auditLines(`"new":"4"`, `"result":"applied"`)); n != 1 {
		t.Errorf("edit to 4 applied %d times:\n%s", n, strings.Join(d.auditLines(), "\n"))
	}
}

func TestE2EDebugLogsHoldNoToken(t *testing.T) {
	root := t.TempDir()
	eng := startEngineAt(t, filepath.Join(root, "engine"), "127.0.0.1:0")
	eng.deploy("shop", "web", 2)
	workbook := filepath.Join(root, "book.xlsx")
	d := startAttached(t, filepath.Join(root, "d"), workbook, attachedConfig(eng.srv.KubeconfigPath(), workbook, "log:\n  level: debug\n  format: json\n"))
	d.waitFor("the workbook", func() bool { _, err := os.Stat(workbook); return err == nil })
	d.setReplicas("web", 3)
	d.waitFor("the edit", func() bool { return eng.replicas("shop", "web") == 3 })
	d.stop()
	kc, err := clientcmd.LoadFromFile(eng.srv.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, a := range kc.AuthInfos {
		if a.Token != "" {
			tokens = append(tokens, a.Token)
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no token in the engine's kubeconfig")
	}
	logs := d.log.String() + d.stdout.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) && !strings.Contains(logs, `"level":"INFO"`) {
		t.Fatalf("no JSON log lines:\n%.500s", logs)
	}
	// log.format json: every line on stdout and stderr is a record a log collector can
	// read, the start-up notices included, and durations are text.
	var keeping map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a line that is not JSON in JSON mode: %q", line)
		}
		if rec["msg"] == "keeping the sheet in step with the cluster" {
			keeping = rec
		}
	}
	if keeping == nil || keeping["every"] != "200ms" {
		t.Fatalf("start-up record = %v, want one with every=\"200ms\"", keeping)
	}
	for _, tok := range tokens {
		if strings.Contains(logs, tok) {
			t.Fatal("the daemon logged the cluster's bearer token")
		}
	}
}

// TestGCPercent: the next collection comes at max(160 MiB, 1.25× the live heap), within
// GOGC 25–100.
func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{20 << 20, 100}, // 2× is 40 MiB, under the floor: 100 at most
		{100 << 20, 60}, // 160 MiB
		{128 << 20, 25}, // 160 MiB is 1.25×
		{600 << 20, 25}, // a large cluster's informers: 750 MiB, not 1.2 GB
		{4 << 30, 25},
	} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
