package mapping

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func tab(t testing.TB, name string) Tab {
	t.Helper()
	for _, tb := range DefaultTabs() {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("no default tab %q", name)
	return Tab{}
}

// renderCSV renders the header row and one row per object as CSV, which shows empty cells.
func renderCSV(t *testing.T, tb Tab, objs []runtime.Object) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(tb.Headers()); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		row := tb.Row(o, now)
		if len(row) != len(tb.Columns) {
			t.Fatalf("row has %d cells, want %d", len(row), len(tb.Columns))
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendered rows (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestGoldenRows(t *testing.T) {
	t.Run("Deployments", func(t *testing.T) {
		var objs []runtime.Object
		for _, d := range deployments() {
			objs = append(objs, d)
		}
		checkGolden(t, "deployments", renderCSV(t, tab(t, DeploymentsTab), objs))
	})
	t.Run("Pods", func(t *testing.T) {
		var objs []runtime.Object
		for _, p := range pods() {
			objs = append(objs, p)
		}
		checkGolden(t, "pods", renderCSV(t, tab(t, PodsTab), objs))
	})
}

// cells renders obj on a tab and returns its cells by header.
func cells(tb Tab, obj runtime.Object, at time.Time) map[string]string {
	row := tb.Row(obj, at)
	m := make(map[string]string, len(row))
	for i, c := range tb.Columns {
		m[c.Header] = row[i]
	}
	return m
}

func TestPodStatus(t *testing.T) {
	pods := tab(t, PodsTab)
	base := func() *corev1.Pod {
		p := newPod("ns", "p", time.Hour, "app:1", "side:1")
		p.Status.Phase = corev1.PodRunning
		return p
	}
	tests := []struct {
		name                    string
		mutate                  func(*corev1.Pod)
		ready, status, restarts string
	}{
		{"running", func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{status("app", true, 1, running(time.Hour)), status("side", true, 2, running(time.Hour))}
		}, "2/2", "Running", "3"},
		{"phase only", func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }, "0/2", "Pending", "0"},
		{"status reason", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed; p.Status.Reason = "Evicted" }, "0/2", "Evicted", "0"},
		{"terminated without reason, by signal", func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Signal: 9, ExitCode: 137}}}}
		}, "0/2", "Signal:9", "0"},
		{"terminated without reason, by exit code", func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3}}}}
		}, "0/2", "ExitCode:3", "0"},
		{"completed with a container running and ready", func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{status("app", true, 0, running(time.Hour)), status("side", false, 0, terminated("Completed", 0))}
		}, "1/2", "Running", "0"},
		{"completed with a container running, pod not ready", func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{status("app", true, 0, running(time.Hour)), status("side", false, 0, terminated("Completed", 0))}
		}, "1/2", "NotReady", "0"},
		{"the first container's reason wins, as in kubectl", func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{status("app", false, 0, terminated("Completed", 0)), status("side", false, 0, terminated("Error", 1))}
		}, "0/2", "Completed", "0"},
		{"init waiting", func(p *corev1.Pod) {
			p.Spec.InitContainers = containers("init:1", "init2:1")
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{status("init", false, 2, waiting("CrashLoopBackOff"))}
		}, "0/2", "Init:CrashLoopBackOff", "2"},
		{"init failed", func(p *corev1.Pod) {
			p.Spec.InitContainers = containers("init:1")
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{status("init", false, 0, terminated("", 1))}
		}, "0/2", "Init:ExitCode:1", "0"},
		{"init second of two", func(p *corev1.Pod) {
			p.Spec.InitContainers = containers("init:1", "init2:1")
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{status("init", false, 0, terminated("Completed", 0)), status("init2", false, 0, running(time.Second))}
		}, "0/2", "Init:1/2", "0"},
		{"terminating", func(p *corev1.Pod) { p.DeletionTimestamp = ptr(ago(time.Second)) }, "0/2", "Terminating", "0"},
		{"terminating after success stays completed", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.DeletionTimestamp = ptr(ago(time.Second))
			p.Status.ContainerStatuses = []corev1.ContainerStatus{status("app", false, 0, terminated("Completed", 0))}
		}, "0/2", "Completed", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.mutate(p)
			got := cells(pods, p, now)
			if got[Ready] != tt.ready || got[Status] != tt.status || got[Restarts] != tt.restarts {
				t.Errorf("Ready, Status, Restarts = %q, %q, %q; want %q, %q, %q",
					got[Ready], got[Status], got[Restarts], tt.ready, tt.status, tt.restarts)
			}
			// Row summarizes the pod once for the three columns; each column's Value
			// summarizes it on its own: they agree.
			for _, c := range pods.Columns {
				if c.Value != nil && c.Value(p, now) != got[c.Header] {
					t.Errorf("%s: Value %q, Row %q", c.Header, c.Value(p, now), got[c.Header])
				}
			}
		})
	}
}

// TestRowSummarizesEachPod: the pod summary Row computes once for its row's columns is the
// row's own pod's, on a tab whose columns are the named functions too.
func TestRowSummarizesEachPod(t *testing.T) {
	tb, err := BuildTab("P", Pod, []ColumnSpec{{Header: Namespace}, {Header: Name},
		{Header: "S", Func: "pod.status"}, {Header: "R", Func: "pod.restarts"}, {Header: "Ready", Func: "pod.ready"}, {Header: Sync}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := newPod("ns", "a", time.Hour, "app:1"), newPod("ns", "b", time.Hour, "app:1")
	a.Status.Phase = corev1.PodRunning
	b.Status.Phase, b.Status.Reason = corev1.PodFailed, "Evicted"
	b.Status.ContainerStatuses = []corev1.ContainerStatus{status("app", false, 4, terminated("Error", 1))}
	for _, p := range []*corev1.Pod{a, b, a} {
		got := tb.Row(p, now)
		for i, c := range tb.Columns {
			if c.Value == nil {
				continue // Sync
			}
			if want := c.Value(p, now); got[i] != want {
				t.Errorf("pod %s, %s: Row %q, Value %q", p.Name, c.Header, got[i], want)
			}
		}
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		age  time.Duration
		want string
	}{
		{30 * time.Second, "30s"},
		{90 * time.Second, "90s"},
		{5 * time.Minute, "5m"},
		{3*time.Hour + 20*time.Minute, "3h20m"},
		{10*day + 3*time.Hour, "10d"},
		{400 * day, "400d"},
		{-time.Hour, "<invalid>"}, // created in the future: the clocks disagree
	}
	deploys := tab(t, DeploymentsTab)
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			d := newDeployment("ns", "d", ptr[int32](1), 0, 0, 0, "img")
			d.CreationTimestamp = ago(tt.age)
			if got := cells(deploys, d, now)[Age]; got != tt.want {
				t.Errorf("Age of an object %v old = %q, want %q", tt.age, got, tt.want)
			}
		})
	}
}

// TestTextFromClusterUnchanged: text that a spreadsheet would take for a formula is rendered as
// it is; writing it as text is the backends' job.
func TestTextFromClusterUnchanged(t *testing.T) {
	for _, text := range []string{"=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"} {
		t.Run(text, func(t *testing.T) {
			d := newDeployment(text, text, ptr[int32](1), 1, 1, 1, text)
			got := cells(tab(t, DeploymentsTab), d, now)
			for _, h := range []string{Namespace, Name, Image} {
				if got[h] != text {
					t.Errorf("Deployments %s = %q, want %q", h, got[h], text)
				}
			}
			p := newPod(text, text, time.Hour, text)
			p.Spec.NodeName = text
			p.Status.PodIP = text
			p.Status.Phase = corev1.PodPhase(text)
			got = cells(tab(t, PodsTab), p, now)
			for _, h := range []string{Namespace, Name, Image, Node, IP, Status} {
				if got[h] != text {
					t.Errorf("Pods %s = %q, want %q", h, got[h], text)
				}
			}
		})
	}
}

// TestRowOfAnotherKind: a tab renders only metadata of an object of another kind, never panics.
func TestRowOfAnotherKind(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm", UID: "u", ResourceVersion: "7", CreationTimestamp: ago(time.Minute)}}
	for _, tb := range DefaultTabs() {
		t.Run(tb.Name, func(t *testing.T) {
			got := cells(tb, cm, now)
			want := map[string]string{Namespace: "ns", Name: "cm", UID: "u", RV: "7", Age: "60s"}
			for h, v := range got {
				if v != want[h] {
					t.Errorf("%s = %q, want %q", h, v, want[h])
				}
			}
		})
	}
	var d *appsv1.Deployment
	_ = tab(t, DeploymentsTab).Column(Replicas).Value(d, now) // a typed nil renders "" too
}
