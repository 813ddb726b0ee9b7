package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/sheetops/sheetops/sheets/googlefake"
)

// googleSetup is a fake Google with a spreadsheet shared with a service account whose key
// file is in dir, and a config for the real binary that uses them.
type googleSetup struct {
	fake *googlefake.Server
	id   string
	dir  string
}

const e2eAccount = "sheetops-e2e@sheetops-test.iam.gserviceaccount.com"

func newGoogleSetup(t *testing.T) *googleSetup {
	t.Helper()
	f := googlefake.Start(t)
	dir := t.TempDir()
	key, err := f.WriteServiceAccountKey(dir, e2eAccount)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(key, filepath.Join(dir, "key.json")); err != nil {
		t.Fatal(err)
	}
	id := f.CreateSpreadsheet("SheetOps e2e")
	f.Share(id, e2eAccount, googlefake.Writer)
	return &googleSetup{fake: f, id: id, dir: dir}
}

func (g *googleSetup) config(id string) string {
	return fmt.Sprintf(`
embedded:
  addr: 127.0.0.1:0
  dataDir: apiserver
sheet:
  backend: google
  pollInterval: 200ms
  google:
    spreadsheetID: %s
    credentialsFile: key.json
    endpoint: %s
server:
  addr: 127.0.0.1:0
stateDir: state
`, id, g.fake.URL())
}

// values is a tab as a person sees it, or nil before it exists.
func (g *googleSetup) values(tab string) [][]string {
	v, err := g.fake.Values(g.id, tab)
	if err != nil {
		return nil
	}
	return v
}

// TestE2EGoogleBackend runs `sheetops run` with sheet.backend google against the fake:
// the first pass creates the tabs, and a person's Replicas edit reaches the cluster.
func TestE2EGoogleBackend(t *testing.T) {
	g := newGoogleSetup(t)
	bin := buildBinary(t)
	if err := os.WriteFile(filepath.Join(g.dir, "sheetops.yaml"), []byte(g.config(g.id)), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, dir: g.dir, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	d.cmd = exec.Command(bin, "run", "--config", "sheetops.yaml")
	d.cmd.Dir = g.dir
	d.cmd.Stdout, d.cmd.Stderr = d.stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.stop)
	kubeconfig := filepath.Join(g.dir, "apiserver", "kubeconfig")
	d.waitFor("the Deployments tab with rows and the kubeconfig", func() bool {
		_, err := os.Stat(kubeconfig)
		return err == nil && len(g.values("Deployments")) > 1
	})
	for _, tab := range []string{"Deployments", "Pods", "Summary"} {
		if !slices.Contains(g.fake.Tabs(g.id), tab) {
			t.Errorf("tab %s missing: %q", tab, g.fake.Tabs(g.id))
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	d.cs = kubernetes.NewForConfigOrDie(cfg)

	rows := g.values("Deployments")
	header := rows[0]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %s in %q", name, header)
		}
		return i
	}
	nsCol, nameCol, repCol, syncCol := col("Namespace"), col("Name"), col("Replicas"), col("Sync")
	row := rows[1]
	ns, name := row[nsCol], row[nameCol]
	was, err := strconv.Atoi(row[repCol])
	if err != nil {
		t.Fatalf("Replicas %q", row[repCol])
	}
	want := was + 2
	// A person types the new count into the cell, as in the browser.
	if err := g.fake.SetCell(g.id, fmt.Sprintf("'Deployments'!%s2", string(rune('A'+repCol))), strconv.Itoa(want)); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the edit applied to the cluster", func() bool {
		dep, err := d.cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && dep.Spec.Replicas != nil && int(*dep.Spec.Replicas) == want
	})
	d.waitFor("Sync to say applied", func() bool {
		for _, r := range g.values("Deployments")[1:] {
			if len(r) > syncCol && r[nameCol] == name && r[nsCol] == ns {
				return strings.HasPrefix(r[syncCol], "applied")
			}
		}
		return false
	})
	d.stop()
	if d.cmd.ProcessState == nil || d.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("daemon exit: %v\n%s", d.cmd.ProcessState, d.stderr)
	}
	if strings.Contains(d.stderr.String(), "PRIVATE KEY") || strings.Contains(d.stderr.String(), "ya29.") {
		t.Error("the daemon logged a secret")
	}
}

// TestE2EGoogleStartupErrors: a wrong ID or an unshared sheet stops the binary at start-up
// with one line naming the setting, and exit code 2.
func TestE2EGoogleStartupErrors(t *testing.T) {
	g := newGoogleSetup(t)
	bin := buildBinary(t)
	unshared := g.fake.CreateSpreadsheet("not shared")
	for _, tt := range []struct {
		name, id, says string
	}{
		{"unknown ID", "1doesnotexist", "sheet.google.spreadsheetID 1doesnotexist: not found"},
		{"not shared", unshared, "share the sheet with " + e2eAccount + " as Editor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(g.dir, "sheetops.yaml"), []byte(g.config(tt.id)), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "plan", "--config", "sheetops.yaml")
			cmd.Dir = g.dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 2 {
				t.Fatalf("exit: %v, want 2\n%s", err, stderr.String())
			}
			// klog or slog lines may come before; the last line is the error.
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tt.says) {
				t.Errorf("last line %q does not say %q", last, tt.says)
			}
		})
	}
}
