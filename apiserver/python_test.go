package apiserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pySummary is what testdata/python_client.py prints.
type pySummary struct {
	Count               int        `json:"count"`
	Names               []string   `json:"names"`
	ListResourceVersion string     `json:"list_resource_version"`
	SelectedCount       int        `json:"selected_count"`
	WatchSawChange      bool       `json:"watch_saw_change"`
	WatchEvents         [][]string `json:"watch_events"`
	PatchedReplicas     int32      `json:"patched_replicas"`
	ScaleReplicas       int32      `json:"scale_replicas"`
	StaleReplaceStatus  int        `json:"stale_replace_status"`
	StaleReplaceReason  string     `json:"stale_replace_reason"`
	StaleReplaceMessage string     `json:"stale_replace_message"`
	Errors              []string   `json:"errors"`
}

// needPythonClient returns the Python interpreter when the official Kubernetes client
// (Debian's python3-kubernetes) imports; without it the test skips, or fails under CI.
func needPythonClient(t *testing.T) string {
	t.Helper()
	python := needTool(t, "/usr/bin/python3")
	if out, err := exec.Command(python, "-c", "import kubernetes").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-kubernetes is required under CI: import kubernetes: %v\n%s", err, out)
		}
		t.Skipf("python3-kubernetes not installed: %v", err)
	}
	return python
}

// TestPythonClient drives the engine with the official Python client through the
// kubeconfig the engine wrote.
func TestPythonClient(t *testing.T) {
	python := needPythonClient(t)
	srv := startEngine(t, "", false)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cs := clientset(t, srv)
	ns := cgNamespace(t, ctx, cs, "python")
	other := cgNamespace(t, ctx, cs, "python-other")
	for _, d := range []struct{ ns, name string }{{ns, "web"}, {ns, "api"}, {ns, "worker"}, {other, "elsewhere"}} {
		dep := cgDeployment(d.ns, d.name, 1)
		dep.Labels["created-by"] = "go"
		cgCreateDeployment(t, ctx, cs, dep)
	}
	notMine := cgDeployment(ns, "unlabelled", 2)
	cgCreateDeployment(t, ctx, cs, notMine)

	cmd := exec.CommandContext(ctx, python, "testdata/python_client.py", srv.KubeconfigPath(), ns, "web")
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python client: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var got pySummary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("summary: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("python summary: %+v", got)

	checks := []struct {
		name      string
		ok        bool
		got, want any
	}{
		{"deployments listed in the namespace", got.Count == 4, got.Count, 4},
		{"names listed", slices.Equal(got.Names, []string{"api", "unlabelled", "web", "worker"}), got.Names, []string{"api", "unlabelled", "web", "worker"}},
		{"list resourceVersion", got.ListResourceVersion != "", got.ListResourceVersion, "set"},
		{"created-by=go across namespaces", got.SelectedCount == 4, got.SelectedCount, 4},
		{"watch saw the annotation", got.WatchSawChange, got.WatchEvents, "MODIFIED web with python-watch=seen"},
		{"replicas after patch", got.PatchedReplicas == 4, got.PatchedReplicas, 4},
		{"scale after patch", got.ScaleReplicas == 4, got.ScaleReplicas, 4},
		{"stale replace status", got.StaleReplaceStatus == 409, got.StaleReplaceStatus, 409},
		{"stale replace reason", got.StaleReplaceReason == string(metav1.StatusReasonConflict), got.StaleReplaceReason, metav1.StatusReasonConflict},
		{"stale replace message", got.StaleReplaceMessage == `Operation cannot be fulfilled on deployments.apps "web": `+conflictMessage, got.StaleReplaceMessage, `Operation cannot be fulfilled on deployments.apps "web": ` + conflictMessage},
		{"no errors in the script's threads", len(got.Errors) == 0, got.Errors, "none"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}

	t.Run("go sees what python wrote", func(t *testing.T) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *d.Spec.Replicas != 4 || d.Annotations["python-watch"] != "seen" {
			t.Errorf("web: replicas %d annotations %v, want 4 and python-watch=seen (the stale replace to 7 must not land)", *d.Spec.Replicas, d.Annotations)
		}
	})
}

// TestPythonCustomObjects drives custom resources with the Python client's
// ApiextensionsV1Api and CustomObjectsApi.
func TestPythonCustomObjects(t *testing.T) {
	python := needPythonClient(t)
	srv := startEngine(t, "", false)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	ns := cgNamespace(t, ctx, clientset(t, srv), "python-crd")
	cmd := exec.CommandContext(ctx, python, "testdata/python_custom_objects.py", srv.KubeconfigPath(), ns)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python client: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var got struct {
		Established     string     `json:"established"`
		CreatedReplicas int        `json:"created_replicas"`
		GotQueue        string     `json:"got_queue"`
		Listed          []string   `json:"listed"`
		WatchEvents     [][]string `json:"watch_events"`
		StatusReplicas  int        `json:"status_replicas"`
		Scale           []int      `json:"scale"`
		ClusterCount    int        `json:"cluster_count"`
		InvalidStatus   int        `json:"invalid_status"`
		InvalidReason   string     `json:"invalid_reason"`
		DeletedStatus   int        `json:"deleted_status"`
		Errors          []string   `json:"errors"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("summary: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("python summary: %+v", got)
	want := `{Established:True CreatedReplicas:1 GotQueue:orders Listed:[orders] WatchEvents:[[MODIFIED orders urgent]] StatusReplicas:2 Scale:[4 2] ClusterCount:1 InvalidStatus:422 InvalidReason:Invalid DeletedStatus:404 Errors:[]}`
	if s := fmt.Sprintf("%+v", got); s != want {
		t.Errorf("summary\n got %s\nwant %s", s, want)
	}
}
