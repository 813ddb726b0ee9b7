package apiserver_test

// End-to-end tests with the real kubectl: every case runs the kubectl binary against a freshly
// started engine and asserts on what kubectl prints, with the text a real kube-apiserver gives.
// One engine serves all cases of TestKubectl; each case works in its own namespace.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/sheetops/sheetops/apiserver"
)

// kubectlTimeout bounds one kubectl command.
const kubectlTimeout = 30 * time.Second

// kcWait bounds a wait for something asynchronous (a watch line, a namespace going away).
const kcWait = 20 * time.Second

// kcConflictText is upstream's message for a write carrying a stale resourceVersion.
const kcConflictText = "the object has been modified; please apply your changes to the latest version and try again"

// kubectlCLI runs the real kubectl against one engine, with its own discovery cache.
type kubectlCLI struct {
	path, kubeconfig, cacheDir string
}

func newKubectl(t *testing.T, path string, srv *apiserver.Server) kubectlCLI {
	t.Helper()
	return kubectlCLI{path: path, kubeconfig: srv.KubeconfigPath(), cacheDir: t.TempDir()}
}

// command is kubectl with args, bound to the engine's kubeconfig and cache directory.
func (k kubectlCLI) command(ctx context.Context, args ...string) *exec.Cmd {
	all := append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cacheDir}, args...)
	return exec.CommandContext(ctx, k.path, all...)
}

// kubectlResult is what one kubectl command printed; err is non-nil when it exited non-zero.
type kubectlResult struct {
	stdout, stderr string
	err            error
}

func (k kubectlCLI) run(t *testing.T, args ...string) kubectlResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := k.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("kubectl %s: no answer within %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), kubectlTimeout, stdout.String(), stderr.String())
	}
	return kubectlResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// ok runs kubectl and fails the test unless it exits 0; it returns stdout.
func (k kubectlCLI) ok(t *testing.T, args ...string) string {
	t.Helper()
	res := k.run(t, args...)
	if res.err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.err, res.stdout, res.stderr)
	}
	return res.stdout
}

// fails runs kubectl and fails the test unless it exits non-zero; it returns stderr.
func (k kubectlCLI) fails(t *testing.T, args ...string) string {
	t.Helper()
	res := k.run(t, args...)
	if res.err == nil {
		t.Fatalf("kubectl %s succeeded, want an error\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.stdout, res.stderr)
	}
	var exitErr *exec.ExitError
	if !errors.As(res.err, &exitErr) {
		t.Fatalf("kubectl %s did not run: %v", strings.Join(args, " "), res.err)
	}
	return res.stderr
}

// kcWantContains fails unless got holds every one of want.
func kcWantContains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

// table splits kubectl's table output into its header and rows of whitespace-separated cells.
func kcTable(out string) (header []string, rows map[string][]string) {
	rows = map[string][]string{}
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		cells := strings.Fields(line)
		if len(cells) == 0 {
			continue
		}
		if i == 0 {
			header = cells
			continue
		}
		rows[cells[0]] = cells
	}
	return header, rows
}

// kcRowNames are the first cells of a table's rows, sorted.
func kcRowNames(rows map[string][]string) []string {
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func kcWriteManifest(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// kcDeploymentYAML is a manifest of a deployment with one container, labelled app=name.
func kcDeploymentYAML(ns, name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  replicas: %[3]d
  selector:
    matchLabels:
      app: %[2]s
  template:
    metadata:
      labels:
        app: %[2]s
    spec:
      containers:
      - name: app
        image: nginx:1.27
`, ns, name, replicas)
}

func kcPodYAML(ns, name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
spec:
  containers:
  - name: app
    image: nginx:1.27
`, name, ns)
}

// kcFixtures create the objects a case starts from, through client-go, so that a case tests
// only the kubectl command it is about.
type kcFixtures struct {
	t  *testing.T
	cs *kubernetes.Clientset
}

func (f kcFixtures) namespace(name string) {
	f.t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := f.cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("create namespace %s: %v", name, err)
	}
}

func (f kcFixtures) deployment(ns, name string, replicas int32, containers ...corev1.Container) *appsv1.Deployment {
	f.t.Helper()
	if len(containers) == 0 {
		containers = []corev1.Container{{Name: "app", Image: "nginx:1.27"}}
	}
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
	out, err := f.cs.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("create deployment %s/%s: %v", ns, name, err)
	}
	return out
}

func (f kcFixtures) pod(p *corev1.Pod) *corev1.Pod {
	f.t.Helper()
	if len(p.Spec.Containers) == 0 {
		p.Spec.Containers = []corev1.Container{{Name: "app", Image: "nginx:1.27"}}
	}
	out, err := f.cs.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("create pod %s/%s: %v", p.Namespace, p.Name, err)
	}
	return out
}

func (f kcFixtures) getDeployment(ns, name string) *appsv1.Deployment {
	f.t.Helper()
	d, err := f.cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("get deployment %s/%s: %v", ns, name, err)
	}
	return d
}

func TestKubectl(t *testing.T) {
	path := needTool(t, "/usr/bin/kubectl")
	srv := startEngine(t, "", false)
	k := newKubectl(t, path, srv)
	cs := clientset(t, srv)

	t.Run("get", func(t *testing.T) { testKubectlGet(t, k, kcFixtures{t, cs}) })
	t.Run("watch", func(t *testing.T) { testKubectlWatch(t, k, kcFixtures{t, cs}) })
	t.Run("create", func(t *testing.T) { testKubectlCreate(t, k, kcFixtures{t, cs}) })
	t.Run("apply", func(t *testing.T) { testKubectlApply(t, k, kcFixtures{t, cs}) })
	t.Run("server-side apply", func(t *testing.T) { testKubectlServerSideApply(t, k, kcFixtures{t, cs}) })
	t.Run("scale", func(t *testing.T) { testKubectlScale(t, k, kcFixtures{t, cs}) })
	t.Run("patch", func(t *testing.T) { testKubectlPatch(t, k, kcFixtures{t, cs}) })
	t.Run("delete", func(t *testing.T) { testKubectlDelete(t, k, kcFixtures{t, cs}) })
	t.Run("explain", func(t *testing.T) { testKubectlExplain(t, k) })
	t.Run("api-resources", func(t *testing.T) { testKubectlAPIResources(t, k) })
	t.Run("replace stale", func(t *testing.T) { testKubectlReplaceStale(t, k, kcFixtures{t, cs}) })
	t.Run("tokens", func(t *testing.T) { testKubectlTokens(t, k, srv, kcFixtures{t, cs}) })
	t.Run("validation", func(t *testing.T) { testKubectlValidation(t, k, kcFixtures{t, cs}) })
	t.Run("namespace lifecycle", func(t *testing.T) { testKubectlNamespaceLifecycle(t, k, kcFixtures{t, cs}) })
}

// kcUnscheduled is a scheduler nobody runs: pods naming it stay Pending, as on a real cluster.
const kcUnscheduled = "sheetops-test-unscheduled"

func testKubectlGet(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "get"
	f.namespace(ns)
	f.deployment(ns, "web", 2)
	for _, p := range []struct{ name, app, tier string }{{"p-a", "a", "front"}, {"p-b", "b", "front"}, {"p-c", "c", "back"}} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p.name, Labels: map[string]string{"app": p.app, "tier": p.tier}},
			Spec:       corev1.PodSpec{SchedulerName: kcUnscheduled},
		}
		if p.name == "p-c" {
			pod.Spec.NodeName = "vnode-elsewhere"
		}
		f.pod(pod)
	}
	// p-c has finished: Failed is terminal, nothing moves it again.
	pc, err := f.cs.CoreV1().Pods(ns).Get(context.Background(), "p-c", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pc.Status.Phase, pc.Status.PodIP = corev1.PodFailed, "10.1.2.3"
	pc.Status.PodIPs = []corev1.PodIP{{IP: "10.1.2.3"}}
	if _, err := f.cs.CoreV1().Pods(ns).UpdateStatus(context.Background(), pc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("set p-c Failed: %v", err)
	}

	podColumns := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
	tables := []struct {
		name       string
		args       []string
		wantHeader []string // the header starts with these
		wantRows   []string // first cells of the rows, sorted
		check      func(t *testing.T, rows map[string][]string)
	}{
		{
			name: "pods table", args: []string{"get", "pods", "-n", ns},
			wantHeader: podColumns, wantRows: []string{"p-a", "p-b", "p-c"},
			check: func(t *testing.T, rows map[string][]string) {
				if got := rows["p-c"]; len(got) != 5 || got[2] != "Failed" || got[1] != "0/1" {
					t.Errorf("p-c row = %q, want READY 0/1 STATUS Failed in 5 columns", got)
				}
				if got := rows["p-a"]; len(got) != 5 || got[2] != "Pending" {
					t.Errorf("p-a row = %q, want STATUS Pending in 5 columns", got)
				}
			},
		},
		{
			name: "deployments table", args: []string{"get", "deployments", "-n", ns},
			wantHeader: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, wantRows: []string{"web"},
			check: func(t *testing.T, rows map[string][]string) {
				if got := rows["web"]; len(got) != 5 || !strings.HasSuffix(got[1], "/2") {
					t.Errorf("web row = %q, want READY n/2 in 5 columns", got)
				}
			},
		},
		{
			name: "wide", args: []string{"get", "pods", "-n", ns, "-o", "wide"},
			wantHeader: append(podColumns, "IP", "NODE"), wantRows: []string{"p-a", "p-b", "p-c"},
			check: func(t *testing.T, rows map[string][]string) {
				if got := rows["p-c"]; len(got) < 7 || got[5] != "10.1.2.3" || got[6] != "vnode-elsewhere" {
					t.Errorf("p-c wide row = %q, want IP 10.1.2.3 NODE vnode-elsewhere", got)
				}
				if got := rows["p-a"]; len(got) < 7 || got[5] != "<none>" || got[6] != "<none>" {
					t.Errorf("p-a wide row = %q, want IP <none> NODE <none>", got)
				}
			},
		},
		{
			name: "chunk-size 1", args: []string{"get", "pods", "-n", ns, "--chunk-size=1"},
			wantHeader: podColumns, wantRows: []string{"p-a", "p-b", "p-c"},
		},
		{
			name: "label selector", args: []string{"get", "pods", "-n", ns, "-l", "tier=front"},
			wantHeader: podColumns, wantRows: []string{"p-a", "p-b"},
		},
		{
			name: "set-based label selector", args: []string{"get", "pods", "-n", ns, "-l", "app in (a,c),tier!=front"},
			wantHeader: podColumns, wantRows: []string{"p-c"},
		},
		{
			name: "field selector metadata.name", args: []string{"get", "pods", "-n", ns, "--field-selector", "metadata.name=p-b"},
			wantHeader: podColumns, wantRows: []string{"p-b"},
		},
		{
			name: "field selector status.phase", args: []string{"get", "pods", "-n", ns, "--field-selector", "status.phase=Pending"},
			wantHeader: podColumns, wantRows: []string{"p-a", "p-b"},
		},
		{
			name: "field selector spec.nodeName", args: []string{"get", "pods", "-n", ns, "--field-selector", "spec.nodeName=vnode-elsewhere"},
			wantHeader: podColumns, wantRows: []string{"p-c"},
		},
		{
			name: "field selector on deployments", args: []string{"get", "deploy", "-n", ns, "--field-selector", "metadata.name=web"},
			wantHeader: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, wantRows: []string{"web"},
		},
	}
	for _, tc := range tables {
		t.Run(tc.name, func(t *testing.T) {
			header, rows := kcTable(k.ok(t, tc.args...))
			if len(header) < len(tc.wantHeader) || !slices.Equal(header[:len(tc.wantHeader)], tc.wantHeader) {
				t.Errorf("header = %q, want it to start with %q", header, tc.wantHeader)
			}
			if got := kcRowNames(rows); !slices.Equal(got, tc.wantRows) {
				t.Errorf("rows = %q, want %q", got, tc.wantRows)
			}
			if tc.check != nil {
				tc.check(t, rows)
			}
		})
	}

	t.Run("chunk-size 1 pages", func(t *testing.T) {
		// At -v=6 kubectl logs each request: with one pod per page, the second and third
		// pages are asked for with a continue token.
		res := k.run(t, "get", "pods", "-n", ns, "--chunk-size=1", "-v=6")
		if res.err != nil {
			t.Fatalf("kubectl get --chunk-size=1: %v\n%s", res.err, res.stderr)
		}
		pages := 0
		for _, line := range strings.Split(res.stderr, "\n") {
			if strings.Contains(line, "/namespaces/get/pods?") && strings.Contains(line, "limit=1") {
				pages++
			}
		}
		if pages != 3 {
			t.Errorf("kubectl asked for %d pages of 1 pod, want 3 (one per pod)\n%s", pages, res.stderr)
		}
		if got := strings.Count(res.stderr, "continue="); got != 2 {
			t.Errorf("kubectl sent %d continue tokens, want 2\n%s", got, res.stderr)
		}
	})

	t.Run("yaml", func(t *testing.T) {
		want := f.getDeployment(ns, "web")
		var got struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name            string `json:"name"`
				Namespace       string `json:"namespace"`
				ResourceVersion string `json:"resourceVersion"`
				UID             string `json:"uid"`
			} `json:"metadata"`
			Spec appsv1.DeploymentSpec `json:"spec"`
		}
		out := k.ok(t, "get", "deploy", "web", "-n", ns, "-o", "yaml")
		if err := yaml.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("parse yaml: %v\n%s", err, out)
		}
		if got.Kind != "Deployment" || got.APIVersion != "apps/v1" {
			t.Errorf("kind, apiVersion = %q, %q, want Deployment, apps/v1", got.Kind, got.APIVersion)
		}
		if got.Metadata.Name != "web" || got.Metadata.Namespace != ns || got.Metadata.UID != string(want.UID) {
			t.Errorf("metadata = %+v, want web in %s with uid %s", got.Metadata, ns, want.UID)
		}
		if rv, err := strconv.ParseUint(got.Metadata.ResourceVersion, 10, 64); err != nil || rv == 0 {
			t.Errorf("metadata.resourceVersion = %q, want a positive integer", got.Metadata.ResourceVersion)
		}
		if got.Spec.Replicas == nil || *got.Spec.Replicas != 2 || got.Spec.Selector == nil || got.Spec.Selector.MatchLabels["app"] != "web" {
			t.Errorf("spec = %+v, want replicas 2 selecting app=web", got.Spec)
		}
		if c := got.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Image != "nginx:1.27" {
			t.Errorf("containers = %+v, want one nginx:1.27", c)
		}
	})

	t.Run("yaml list", func(t *testing.T) {
		var got struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Items      []struct {
				Kind     string            `json:"kind"`
				Metadata metav1.ObjectMeta `json:"metadata"`
			} `json:"items"`
		}
		out := k.ok(t, "get", "pods", "-n", ns, "-l", "tier=front", "-o", "yaml")
		if err := yaml.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("parse yaml: %v\n%s", err, out)
		}
		if got.Kind != "List" || got.APIVersion != "v1" || len(got.Items) != 2 {
			t.Fatalf("got %s %s with %d items, want v1 List with 2\n%s", got.APIVersion, got.Kind, len(got.Items), out)
		}
		for _, it := range got.Items {
			if it.Kind != "Pod" || it.Metadata.Labels["tier"] != "front" || it.Metadata.ResourceVersion == "" {
				t.Errorf("item %s: kind %q labels %v rv %q, want a Pod with tier=front and a resourceVersion", it.Metadata.Name, it.Kind, it.Metadata.Labels, it.Metadata.ResourceVersion)
			}
		}
	})

	// Unsupported field selectors are a 400 with the text of the resource's upstream field
	// label conversion: pods have their own list, deployments the generic one.
	unsupported := []struct {
		name, resource, want string
	}{
		{"pods", "pods", `Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo`},
		{"deployments", "deployments", `Error from server (BadRequest): Unable to find "apps/v1, Resource=deployments" that match label selector "", field selector "spec.foo=bar": "spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"`},
	}
	for _, tc := range unsupported {
		t.Run("unsupported field selector on "+tc.name, func(t *testing.T) {
			stderr := k.fails(t, "get", tc.resource, "-n", ns, "--field-selector", "spec.foo=bar")
			kcWantContains(t, "stderr", stderr, tc.want)
		})
	}
}

func testKubectlWatch(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "watch"
	f.namespace(ns)
	f.deployment(ns, "counter", 0)

	// Watch the list, not the single name: kubectl watches a list from the list's
	// resourceVersion, so a change made right after the first rows is never missed. (For a
	// single name it watches from "0" and drops the first event, a synthetic ADDED.)
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	cmd := k.command(ctx, "get", "deploy", "-n", ns, "-w")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	lines := make(chan []string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- strings.Fields(sc.Text())
		}
	}()
	// waitFor reads the watch's lines until one is the counter row with READY ready.
	var seen [][]string
	waitFor := func(ready string) {
		t.Helper()
		deadline := time.After(kcWait)
		for {
			select {
			case cells, open := <-lines:
				if !open {
					t.Fatalf("kubectl get -w ended before a row with READY %s; lines %q; stderr: %s", ready, seen, stderr.String())
				}
				seen = append(seen, cells)
				if len(cells) == 5 && cells[0] == "counter" && cells[1] == ready {
					return
				}
			case <-deadline:
				t.Fatalf("no row with READY %s within %s; lines %q; stderr: %s", ready, kcWait, seen, stderr.String())
			}
		}
	}
	waitFor("0/0")
	if seen[0][0] != "NAME" || seen[0][1] != "READY" {
		t.Errorf("first line = %q, want the header", seen[0])
	}
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "counter"}, Spec: autoscalingv1.ScaleSpec{Replicas: 7}}
	if _, err := f.cs.AppsV1().Deployments(ns).UpdateScale(context.Background(), "counter", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("scale counter to 7: %v", err)
	}
	waitFor("0/7")
}

func testKubectlCreate(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "create"
	f.namespace(ns)
	cases := []struct {
		name, manifest, wantOut, wantExists string
		check                               func(t *testing.T)
	}{
		{
			name: "pod", manifest: kcPodYAML(ns, "cp"),
			wantOut: "pod/cp created\n", wantExists: `pods "cp" already exists`,
			check: func(t *testing.T) {
				p, err := f.cs.CoreV1().Pods(ns).Get(context.Background(), "cp", metav1.GetOptions{})
				if err != nil {
					t.Fatalf("get created pod: %v", err)
				}
				if len(p.Spec.Containers) != 1 || p.Spec.Containers[0].Image != "nginx:1.27" || p.UID == "" {
					t.Errorf("created pod = %+v, want one nginx:1.27 container and a uid", p.Spec.Containers)
				}
			},
		},
		{
			name: "deployment", manifest: kcDeploymentYAML(ns, "cd", 2),
			wantOut: "deployment.apps/cd created\n", wantExists: `deployments.apps "cd" already exists`,
			check: func(t *testing.T) {
				d := f.getDeployment(ns, "cd")
				if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 || d.Generation != 1 {
					t.Errorf("created deployment: replicas %v generation %d, want 2 and 1", d.Spec.Replicas, d.Generation)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := kcWriteManifest(t, tc.name+".yaml", tc.manifest)
			if got := k.ok(t, "create", "-f", path); got != tc.wantOut {
				t.Errorf("create printed %q, want %q", got, tc.wantOut)
			}
			tc.check(t)
			stderr := k.fails(t, "create", "-f", path)
			kcWantContains(t, "second create", stderr, fmt.Sprintf("Error from server (AlreadyExists): error when creating %q: %s", path, tc.wantExists))
		})
	}
}

func testKubectlApply(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "apply"
	f.namespace(ns)
	path := kcWriteManifest(t, "ca.yaml", kcDeploymentYAML(ns, "ca", 1))
	steps := []struct {
		name     string
		replicas int
		want     string
	}{
		{"first apply creates", 1, "deployment.apps/ca created\n"},
		{"changed replicas configures", 3, "deployment.apps/ca configured\n"},
		{"same manifest unchanged", 3, "deployment.apps/ca unchanged\n"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(kcDeploymentYAML(ns, "ca", st.replicas)), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := k.ok(t, "apply", "-f", path); got != st.want {
				t.Errorf("apply printed %q, want %q", got, st.want)
			}
			d := f.getDeployment(ns, "ca")
			if d.Spec.Replicas == nil || int(*d.Spec.Replicas) != st.replicas {
				t.Errorf("spec.replicas = %v, want %d", d.Spec.Replicas, st.replicas)
			}
			last := d.Annotations[corev1.LastAppliedConfigAnnotation]
			if !strings.Contains(last, fmt.Sprintf(`"replicas":%d`, st.replicas)) {
				t.Errorf("last-applied-configuration = %q, want replicas %d", last, st.replicas)
			}
		})
	}
}

// kcFieldOwned reports whether a managedFields FieldsV1 document holds the path (f:spec, f:replicas).
func kcFieldOwned(t *testing.T, e metav1.ManagedFieldsEntry, path ...string) bool {
	t.Helper()
	if e.FieldsV1 == nil {
		return false
	}
	var node map[string]any
	if err := json.Unmarshal(e.FieldsV1.Raw, &node); err != nil {
		t.Fatalf("fieldsV1 of %s: %v", e.Manager, err)
	}
	for _, p := range path {
		next, ok := node[p].(map[string]any)
		if !ok {
			return false
		}
		node = next
	}
	return true
}

func testKubectlServerSideApply(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "ssa"
	f.namespace(ns)
	path := kcWriteManifest(t, "ss.yaml", kcDeploymentYAML(ns, "ss", 2))

	// managedFields reads the object as kubectl shows it with --show-managed-fields.
	managedFields := func(t *testing.T) (*appsv1.Deployment, map[string]metav1.ManagedFieldsEntry) {
		t.Helper()
		out := k.ok(t, "get", "deploy", "ss", "-n", ns, "-o", "json", "--show-managed-fields")
		var d appsv1.Deployment
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("parse json: %v\n%s", err, out)
		}
		byManager := map[string]metav1.ManagedFieldsEntry{}
		for _, e := range d.ManagedFields {
			if e.Operation == metav1.ManagedFieldsOperationApply {
				byManager[e.Manager] = e
			}
		}
		return &d, byManager
	}

	t.Run("apply", func(t *testing.T) {
		if got := k.ok(t, "apply", "--server-side", "-f", path); got != "deployment.apps/ss serverside-applied\n" {
			t.Errorf("apply --server-side printed %q", got)
		}
		d, byManager := managedFields(t)
		e, ok := byManager["kubectl"]
		if !ok {
			t.Fatalf("managedFields = %+v, want an Apply entry for manager kubectl", d.ManagedFields)
		}
		if e.APIVersion != "apps/v1" || !kcFieldOwned(t, e, "f:spec", "f:replicas") || !kcFieldOwned(t, e, "f:spec", "f:template", "f:spec", "f:containers") {
			t.Errorf("kubectl's entry = %+v, want apps/v1 owning spec.replicas and the containers", e)
		}
	})

	// Another manager changing spec.replicas, owned by kubectl, conflicts.
	if err := os.WriteFile(path, []byte(kcDeploymentYAML(ns, "ss", 4)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("conflict", func(t *testing.T) {
		stderr := k.fails(t, "apply", "--server-side", "--field-manager=other", "-f", path)
		kcWantContains(t, "stderr", stderr, `Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas`, "--force-conflicts")
		if d := f.getDeployment(ns, "ss"); *d.Spec.Replicas != 2 {
			t.Errorf("after the refused apply spec.replicas = %d, want 2", *d.Spec.Replicas)
		}
	})
	t.Run("force-conflicts", func(t *testing.T) {
		if got := k.ok(t, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", path); got != "deployment.apps/ss serverside-applied\n" {
			t.Errorf("apply --force-conflicts printed %q", got)
		}
		d, byManager := managedFields(t)
		if *d.Spec.Replicas != 4 {
			t.Errorf("spec.replicas = %d, want 4", *d.Spec.Replicas)
		}
		if !kcFieldOwned(t, byManager["other"], "f:spec", "f:replicas") {
			t.Errorf("manager other does not own spec.replicas: %+v", d.ManagedFields)
		}
		if kcFieldOwned(t, byManager["kubectl"], "f:spec", "f:replicas") {
			t.Errorf("manager kubectl still owns spec.replicas: %+v", d.ManagedFields)
		}
	})
}

func testKubectlScale(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "scale"
	f.namespace(ns)
	f.deployment(ns, "sc", 1)
	if got := k.ok(t, "scale", "deploy/sc", "-n", ns, "--replicas=5"); got != "deployment.apps/sc scaled\n" {
		t.Errorf("scale printed %q", got)
	}
	if got := k.ok(t, "get", "deploy", "sc", "-n", ns, "-o", "jsonpath={.spec.replicas}"); got != "5" {
		t.Errorf("spec.replicas = %q, want 5", got)
	}
	raw := k.ok(t, "get", "--raw", "/apis/apps/v1/namespaces/"+ns+"/deployments/sc/scale")
	var sc autoscalingv1.Scale
	if err := json.Unmarshal([]byte(raw), &sc); err != nil {
		t.Fatalf("parse scale: %v\n%s", err, raw)
	}
	if sc.Kind != "Scale" || sc.APIVersion != "autoscaling/v1" || sc.Name != "sc" || sc.Spec.Replicas != 5 || sc.Status.Selector != "app=sc" {
		t.Errorf("scale = %s, want an autoscaling/v1 Scale of sc with spec.replicas 5 and selector app=sc", raw)
	}
}

func testKubectlPatch(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "patch"
	f.namespace(ns)
	f.deployment(ns, "pt", 1, corev1.Container{Name: "app", Image: "nginx:1.27"}, corev1.Container{Name: "sidecar", Image: "busybox:1.36"})
	cases := []struct {
		name, patchType, patch string
		wantErr                string // stderr of a refused patch
		check                  func(t *testing.T, d *appsv1.Deployment)
	}{
		{
			// strategic merge matches containers by name: the sidecar stays.
			name: "strategic", patchType: "strategic",
			patch: `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				c := d.Spec.Template.Spec.Containers
				if len(c) != 2 || c[0].Name != "app" || c[0].Image != "nginx:1.28" || c[1].Name != "sidecar" || c[1].Image != "busybox:1.36" {
					t.Errorf("containers = %+v, want app nginx:1.28 and sidecar busybox:1.36", c)
				}
				if d.Generation != 2 {
					t.Errorf("generation = %d, want 2 after a template change", d.Generation)
				}
			},
		},
		{
			name: "merge", patchType: "merge",
			patch: `{"metadata":{"labels":{"patched":"merge"}},"spec":{"minReadySeconds":3}}`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				if d.Labels["patched"] != "merge" || d.Labels["app"] != "pt" || d.Spec.MinReadySeconds != 3 {
					t.Errorf("labels %v minReadySeconds %d, want patched=merge beside app=pt and 3", d.Labels, d.Spec.MinReadySeconds)
				}
			},
		},
		{
			name: "json", patchType: "json",
			patch: `[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/annotations","value":{"patched":"json"}}]`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				if *d.Spec.Replicas != 4 || d.Annotations["patched"] != "json" {
					t.Errorf("replicas %d annotations %v, want 4 and patched=json", *d.Spec.Replicas, d.Annotations)
				}
			},
		},
		{
			name: "json failed test", patchType: "json",
			patch:   `[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":9}]`,
			wantErr: "The request is invalid: the server rejected our request due to an error in our request",
			check: func(t *testing.T, d *appsv1.Deployment) {
				if *d.Spec.Replicas != 4 {
					t.Errorf("replicas = %d after a failed test op, want 4 unchanged", *d.Spec.Replicas)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"patch", "deploy", "pt", "-n", ns, "--type=" + tc.patchType, "-p", tc.patch}
			if tc.wantErr != "" {
				kcWantContains(t, "stderr", k.fails(t, args...), tc.wantErr)
			} else if got := k.ok(t, args...); got != "deployment.apps/pt patched\n" {
				t.Errorf("patch printed %q", got)
			}
			tc.check(t, f.getDeployment(ns, "pt"))
		})
	}
}

func testKubectlDelete(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "delete"
	f.namespace(ns)
	f.pod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dp"}})
	f.deployment(ns, "dd", 1)
	cases := []struct {
		name, resource, objName, wantOut, wantNotFound string
	}{
		{"pod", "pod", "dp", `pod "dp" deleted`, `Error from server (NotFound): pods "dp" not found`},
		{"deployment", "deploy", "dd", `deployment.apps "dd" deleted`, `Error from server (NotFound): deployments.apps "dd" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.ok(t, "delete", tc.resource, tc.objName, "-n", ns); strings.TrimSpace(got) != tc.wantOut {
				t.Errorf("delete printed %q, want %q", got, tc.wantOut)
			}
			stderr := k.fails(t, "get", tc.resource, tc.objName, "-n", ns)
			kcWantContains(t, "get after delete", stderr, tc.wantNotFound)
			stderr = k.fails(t, "delete", tc.resource, tc.objName, "-n", ns)
			kcWantContains(t, "second delete", stderr, tc.wantNotFound)
		})
	}
}

func testKubectlExplain(t *testing.T, k kubectlCLI) {
	cases := []struct {
		name, field string
		want        []string
	}{
		{"deployment.spec.replicas", "deployment.spec.replicas", []string{"KIND:       Deployment", "VERSION:    v1", "FIELD: replicas <integer>", "DESCRIPTION:", "Number of desired pods"}},
		{"pod.spec.containers.image", "pod.spec.containers.image", []string{"KIND:       Pod", "FIELD: image <string>", "DESCRIPTION:"}},
		{"namespace", "namespaces", []string{"KIND:       Namespace", "FIELDS:", "spec\t<NamespaceSpec>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kcWantContains(t, "explain", k.ok(t, "explain", tc.field), tc.want...)
		})
	}
	t.Run("unknown field", func(t *testing.T) {
		kcWantContains(t, "stderr", k.fails(t, "explain", "deployment.spec.nosuchfield"), `field "nosuchfield" does not exist`)
	})
}

func testKubectlAPIResources(t *testing.T, k kubectlCLI) {
	header, rows := kcTable(k.ok(t, "api-resources"))
	if want := []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}; !slices.Equal(header, want) {
		t.Errorf("header = %q, want %q", header, want)
	}
	for _, want := range [][]string{
		{"pods", "po", "v1", "true", "Pod"},
		{"deployments", "deploy", "apps/v1", "true", "Deployment"},
		{"replicasets", "rs", "apps/v1", "true", "ReplicaSet"},
		{"namespaces", "ns", "v1", "false", "Namespace"},
	} {
		t.Run(want[0], func(t *testing.T) {
			if got := rows[want[0]]; !slices.Equal(got, want) {
				t.Errorf("row = %q, want %q", got, want)
			}
		})
	}
	t.Run("category all", func(t *testing.T) {
		_, rows := kcTable(k.ok(t, "api-resources", "--categories=all", "-o", "wide"))
		for _, name := range []string{"pods", "deployments", "replicasets"} {
			if _, ok := rows[name]; !ok {
				t.Errorf("api-resources --categories=all lacks %s: %q", name, kcRowNames(rows))
			}
		}
		if _, ok := rows["namespaces"]; ok {
			t.Errorf("namespaces is in category all")
		}
	})
}

func testKubectlReplaceStale(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "replace"
	f.namespace(ns)
	f.deployment(ns, "rp", 1)
	stale := kcWriteManifest(t, "rp.yaml", k.ok(t, "get", "deploy", "rp", "-n", ns, "-o", "yaml"))
	k.ok(t, "scale", "deploy/rp", "-n", ns, "--replicas=3")

	stderr := k.fails(t, "replace", "-f", stale)
	want := fmt.Sprintf(`Error from server (Conflict): error when replacing %q: Operation cannot be fulfilled on deployments.apps "rp": %s`, stale, kcConflictText)
	kcWantContains(t, "stderr", stderr, want)
	if d := f.getDeployment(ns, "rp"); *d.Spec.Replicas != 3 {
		t.Errorf("spec.replicas = %d after the refused replace, want 3", *d.Spec.Replicas)
	}
}

func testKubectlTokens(t *testing.T, k kubectlCLI, srv *apiserver.Server, f kcFixtures) {
	const ns = "authz"
	f.namespace(ns)
	f.deployment(ns, "x", 1)
	viewer := srv.Tokens().Viewer
	podFile := kcWriteManifest(t, "vp.yaml", kcPodYAML(ns, "vp"))
	cases := []struct {
		name    string
		args    []string
		wantErr string // empty: the command succeeds
		wantRow string // the first cell of a row the command prints
	}{
		{name: "viewer get", args: []string{"--token", viewer, "get", "deploy", "x", "-n", ns}, wantRow: "x"},
		{name: "viewer list", args: []string{"--token", viewer, "get", "deploy", "-n", ns}, wantRow: "x"},
		{
			name: "viewer delete", args: []string{"--token", viewer, "delete", "deploy", "x", "-n", ns},
			wantErr: `Error from server (Forbidden): deployments.apps "x" is forbidden: User "sheetops-viewer" cannot delete resource "deployments" in API group "apps" in the namespace "authz"`,
		},
		{
			name: "viewer scale", args: []string{"--token", viewer, "scale", "deploy/x", "-n", ns, "--replicas=2"},
			wantErr: `Error from server (Forbidden): deployments.apps "x" is forbidden: User "sheetops-viewer" cannot patch resource "deployments/scale" in API group "apps" in the namespace "authz"`,
		},
		{
			name: "viewer create", args: []string{"--token", viewer, "create", "-f", podFile},
			wantErr: fmt.Sprintf(`Error from server (Forbidden): error when creating %q: pods is forbidden: User "sheetops-viewer" cannot create resource "pods" in API group "" in the namespace "authz"`, podFile),
		},
		{
			name: "wrong token", args: []string{"--token", "not-a-token", "get", "deploy", "-n", ns},
			wantErr: "error: You must be logged in to the server (Unauthorized)",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantErr != "" {
				kcWantContains(t, "stderr", k.fails(t, tc.args...), tc.wantErr)
				return
			}
			out := k.ok(t, tc.args...)
			if _, rows := kcTable(out); rows[tc.wantRow] == nil {
				t.Errorf("no row %s in:\n%s", tc.wantRow, out)
			}
		})
	}
	t.Run("nothing changed", func(t *testing.T) {
		if d := f.getDeployment(ns, "x"); *d.Spec.Replicas != 1 || d.DeletionTimestamp != nil {
			t.Errorf("deployment x: replicas %d deletionTimestamp %v, want 1 and unset", *d.Spec.Replicas, d.DeletionTimestamp)
		}
		if _, err := f.cs.CoreV1().Pods(ns).Get(context.Background(), "vp", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("get pod vp: %v, want NotFound", err)
		}
	})
}

func testKubectlValidation(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "valid"
	f.namespace(ns)
	badName := validation.IsDNS1123Subdomain("Bad_Name")
	if len(badName) == 0 {
		t.Fatal("Bad_Name passes IsDNS1123Subdomain")
	}
	cases := []struct {
		name, manifest string
		want           func(path string) string
	}{
		{
			name:     "unknown field",
			manifest: strings.Replace(kcDeploymentYAML(ns, "unknown", 1), "  replicas: 1\n", "  replicas: 1\n  foo: 1\n", 1),
			want: func(path string) string {
				return fmt.Sprintf(`Error from server (BadRequest): error when creating %q: Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`, path)
			},
		},
		{
			name:     "negative replicas",
			manifest: kcDeploymentYAML(ns, "negative", -1),
			want: func(string) string {
				return `The Deployment "negative" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`
			},
		},
		{
			name:     "pod without image",
			manifest: strings.Replace(kcPodYAML(ns, "noimage"), "    image: nginx:1.27\n", "", 1),
			want: func(string) string {
				return `The Pod "noimage" is invalid: spec.containers[0].image: Required value`
			},
		},
		{
			name:     "bad name",
			manifest: kcPodYAML(ns, "Bad_Name"),
			want: func(string) string {
				return fmt.Sprintf(`The Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": %s`, badName[0])
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := kcWriteManifest(t, "m.yaml", tc.manifest)
			kcWantContains(t, "stderr", k.fails(t, "create", "-f", path), tc.want(path))
		})
	}
	t.Run("nothing created", func(t *testing.T) {
		if got := k.run(t, "get", "deploy,pods", "-n", ns); got.err != nil || got.stdout != "" {
			t.Errorf("get deploy,pods: stdout %q err %v, want nothing", got.stdout, got.err)
		}
	})
}

func testKubectlNamespaceLifecycle(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "lifecycle"
	f.namespace(ns)
	f.deployment(ns, "lw", 1)
	f.pod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "lp"}})

	t.Run("get all", func(t *testing.T) {
		// One table per resource, separated by a blank line, each with its own header.
		out := k.ok(t, "get", "all", "-n", ns)
		headers := map[string][]string{}
		for _, block := range strings.Split(strings.TrimSpace(out), "\n\n") {
			header, rows := kcTable(block)
			for name := range rows {
				headers[name] = header
			}
		}
		for _, want := range []struct {
			row    string
			header []string
		}{
			{"pod/lp", []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}},
			{"deployment.apps/lw", []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}},
		} {
			if got, ok := headers[want.row]; !ok || !slices.Equal(got, want.header) {
				t.Errorf("get all: row %s under header %q, want it under %q\n%s", want.row, got, want.header, out)
			}
		}
	})

	t.Run("delete namespace", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), kcWait)
		defer cancel()
		w, err := f.cs.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", ns).String()})
		if err != nil {
			t.Fatalf("watch namespace: %v", err)
		}
		defer w.Stop()

		if got := k.ok(t, "delete", "ns", ns); strings.TrimSpace(got) != fmt.Sprintf("namespace %q deleted", ns) {
			t.Errorf("delete ns printed %q", got)
		}
		// The namespace passes through Terminating before it goes.
		terminating, deleted := false, false
		for !deleted {
			select {
			case ev, open := <-w.ResultChan():
				if !open {
					t.Fatalf("namespace watch ended before DELETED (terminating seen: %v)", terminating)
				}
				n, _ := ev.Object.(*corev1.Namespace)
				switch {
				case n == nil:
					t.Fatalf("watch event %s carries %T", ev.Type, ev.Object)
				case ev.Type == watch.Modified && n.Status.Phase == corev1.NamespaceTerminating && n.DeletionTimestamp != nil:
					terminating = true
				case ev.Type == watch.Deleted:
					deleted = true
				}
			case <-ctx.Done():
				t.Fatalf("namespace %s not deleted within %s", ns, kcWait)
			}
		}
		if !terminating {
			t.Errorf("namespace %s was deleted without a Terminating phase", ns)
		}

		deadline := time.Now().Add(kcWait)
		for {
			res := k.run(t, "get", "ns", ns)
			if res.err != nil {
				kcWantContains(t, "get ns", res.stderr, fmt.Sprintf(`Error from server (NotFound): namespaces %q not found`, ns))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("get ns %s still answers after %s:\n%s", ns, kcWait, res.stdout)
			}
			time.Sleep(100 * time.Millisecond)
		}
		res := k.run(t, "get", "all", "-n", ns)
		if res.err != nil || res.stdout != "" {
			t.Errorf("get all in the deleted namespace: stdout %q err %v, want nothing", res.stdout, res.err)
		}
		kcWantContains(t, "get all", res.stderr, fmt.Sprintf("No resources found in %s namespace.", ns))
		for _, kind := range []struct {
			name string
			list func() (int, error)
		}{
			{"pods", func() (int, error) {
				l, err := f.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
				if err != nil {
					return 0, err
				}
				return len(l.Items), nil
			}},
			{"deployments", func() (int, error) {
				l, err := f.cs.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{})
				if err != nil {
					return 0, err
				}
				return len(l.Items), nil
			}},
		} {
			if n, err := kind.list(); err != nil || n != 0 {
				t.Errorf("%s left in %s: %d (err %v), want none", kind.name, ns, n, err)
			}
		}
	})
}

func TestKubectlDemo(t *testing.T) {
	path := needTool(t, "/usr/bin/kubectl")
	srv := startEngine(t, "", true)
	k := newKubectl(t, path, srv)
	header, _ := kcTable(k.ok(t, "get", "deploy", "-A"))
	if want := []string{"NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}; !slices.Equal(header, want) {
		t.Errorf("header = %q, want %q", header, want)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(k.ok(t, "get", "deploy", "-A", "--no-headers")), "\n") {
		if cells := strings.Fields(line); len(cells) == 6 {
			rows[cells[0]+"/"+cells[1]] = cells
		}
	}
	for _, want := range []struct {
		name     string
		replicas int
	}{
		{"shop/web", 3}, {"shop/api", 2}, {"shop/worker", 1}, {"data/postgres", 1}, {"tools/grafana", 1},
	} {
		t.Run(want.name, func(t *testing.T) {
			row, ok := rows[want.name]
			if !ok {
				t.Fatalf("get deploy -A has no %s: %q", want.name, kcRowNames(rows))
			}
			if !strings.HasSuffix(row[2], fmt.Sprintf("/%d", want.replicas)) {
				t.Errorf("%s READY = %q, want n/%d", want.name, row[2], want.replicas)
			}
		})
	}
	// The other kinds the presets show: one of each.
	out := k.ok(t, "get", "sts,ds,cronjob,hpa", "-A", "--no-headers", "-o", "name")
	for _, want := range []string{"statefulset.apps/postgres-replica", "daemonset.apps/node-exporter",
		"cronjob.batch/nightly-report", "horizontalpodautoscaler.autoscaling/api"} {
		if !strings.Contains(out, want) {
			t.Errorf("get sts,ds,cronjob,hpa -A has no %s:\n%s", want, out)
		}
	}
	// The demo CRD and its WorkerPools, with their printer columns.
	wp := k.ok(t, "get", "wp", "-A")
	if lines := strings.Split(strings.TrimSpace(wp), "\n"); len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "NAMESPACE NAME REPLICAS QUEUE AGE" {
		t.Errorf("get wp -A:\n%s", wp)
	}
	for _, want := range [][]string{{"shop", "orders", "3", "orders"}, {"shop", "emails", "2", "emails"}, {"api", "reports", "1", "reports"}} {
		if !slices.ContainsFunc(strings.Split(wp, "\n"), func(l string) bool {
			f := strings.Fields(l)
			return len(f) >= 4 && slices.Equal(f[:4], want)
		}) {
			t.Errorf("get wp -A has no %v:\n%s", want, wp)
		}
	}
}
