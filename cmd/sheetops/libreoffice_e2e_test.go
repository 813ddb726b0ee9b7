//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// calc is a LibreOffice started for a test, headless, driven through its UNO API by
// testdata/calc.py (python3-uno) as a person would use Calc.
type calc struct {
	t        *testing.T
	port     int
	workbook string
	script   string
}

// needLibreOffice skips the test without LibreOffice and python3-uno, and fails it under CI.
func needLibreOffice(t *testing.T) string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err == nil {
		err = exec.Command(python, "-c", "import uno").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("LibreOffice and python3-uno are required under CI (apt-get install libreoffice-calc-nogui python3-uno): %v", err)
		}
		t.Skipf("LibreOffice or python3-uno not installed: %v", err)
	}
	if testing.Short() {
		t.Skip("LibreOffice is slow to start; skipped with -short")
	}
	return soffice
}

func startCalc(t *testing.T, soffice, workbook string) *calc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	profile := t.TempDir()
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+profile, "--headless", "--invisible",
		"--norestore", "--nologo", "--nodefault", fmt.Sprintf("--accept=socket,host=127.0.0.1,port=%d;urp;", port))
	// soffice starts soffice.bin: its own process group, so that both end with the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log, err := os.Create(filepath.Join(profile, "soffice.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		log.Close()
	})
	script, err := filepath.Abs(filepath.Join("testdata", "calc.py"))
	if err != nil {
		t.Fatal(err)
	}
	return &calc{t: t, port: port, workbook: workbook, script: script}
}

// do runs commands (see testdata/calc.py) in LibreOffice and returns what they printed.
func (c *calc) do(cmds ...map[string]any) string {
	c.t.Helper()
	in, _ := json.Marshal(cmds)
	c.t.Logf("LibreOffice: %s", in)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, c.script, strconv.Itoa(c.port), c.workbook)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("LibreOffice %s: %v\n%s", in, err, out)
	}
	return string(out)
}

// read returns a tab as LibreOffice shows it, as rows by Name.
func (c *calc) read(tab string) (header []string, rows map[string]map[string]string, names []string) {
	c.t.Helper()
	var grid [][]string
	if err := json.Unmarshal([]byte(c.do(map[string]any{"do": "read", "tab": tab})), &grid); err != nil {
		c.t.Fatal(err)
	}
	header, rows = grid[0], map[string]map[string]string{}
	for _, r := range grid[1:] {
		m := map[string]string{}
		for j, h := range header {
			m[h] = r[j]
		}
		rows[m["Name"]] = m
		names = append(names, m["Name"])
	}
	return header, rows, names
}

func set(tab, name, header string, value any) map[string]any {
	return map[string]any{"do": "set", "tab": tab, "name": name, "header": header, "value": value}
}

// passes returns the daemon's count of passes (sheetops_passes_total, both results).
// settled waits until the workbook has not been written for 1.5 s.
func (d *daemon) settled() {
	d.t.Helper()
	stamp := func() string {
		fi, err := os.Stat(d.workbook)
		if err != nil {
			return ""
		}
		return fi.ModTime().String() + fmt.Sprint(fi.Size())
	}
	deadline := time.Now().Add(30 * time.Second)
	for last := stamp(); ; {
		time.Sleep(1500 * time.Millisecond)
		now := stamp()
		if now == last && now != "" {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatal("the workbook is still being rewritten after 30 s")
		}
		last = now
	}
}

func (d *daemon) passes() int {
	d.t.Helper()
	var base string
	for _, line := range strings.Split(d.stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "Health and metrics: "); ok {
			base = rest
		}
	}
	resp, err := http.Get(base)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	n := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "sheetops_passes_total{"); ok {
			_, v, _ := strings.Cut(rest, "} ")
			f, _ := strconv.ParseFloat(v, 64)
			n += int(f)
		}
	}
	return n
}

// TestE2ELibreOffice edits the workbook in a real LibreOffice Calc, kept open as a person
// keeps it: scale, image, invalid input, create and delete in one save; a save of the
// copy LibreOffice still shows after SheetOps wrote the results; closing and opening it
// again; a sort, then an edit. While the workbook is open SheetOps writes results only; when it is closed, the
// cluster's changes follow.
func TestE2ELibreOffice(t *testing.T) {
	soffice := needLibreOffice(t)
	d := startDaemon(t, "")
	lo := startCalc(t, soffice, d.workbook)
	ctx := context.Background()
	deploy := func(ns, name string) (*appsv1.Deployment, bool) {
		dep, err := d.cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return dep, true
	}
	const dep = "Deployments"

	// Open it once the demo has settled (its pods running, the workbook written for that):
	// a workbook replaced while LibreOffice loads it is one LibreOffice will not save over
	// without asking (as a person would see), which a hidden instance cannot.
	d.settled()
	lo.do(map[string]any{"do": "open"})
	lock := filepath.Join(d.dir, ".~lock.book.xlsx#")
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("LibreOffice has the workbook open but no lock file: %v", err)
	}

	// A cluster change while the workbook is open is not written into it.
	opened, err := os.ReadFile(d.workbook)
	if err != nil {
		t.Fatal(err)
	}
	before := d.passes()
	d.scale("data", "redis", 2)
	d.waitFor("a pass after the cluster change", func() bool { return d.passes() > before })
	if now, _ := os.ReadFile(d.workbook); string(now) != string(opened) {
		t.Fatal("SheetOps rewrote the open workbook for a cluster change alone")
	}

	// One save: scale, image, invalid, create, delete.
	lo.do(
		set(dep, "web", "Replicas", 5),
		set(dep, "api", "Replicas", "abc"),
		set(dep, "worker", "Image", "ghcr.io/example/shop-worker:2.5.0"),
		map[string]any{"do": "append", "tab": dep, "cells": map[string]any{"Namespace": "shop", "Name": "cache", "Image": "redis:7", "Replicas": 2}},
		set(dep, "etl", "Action", "delete"),
		map[string]any{"do": "save"},
	)
	d.waitFor("web scaled to 5", func() bool { return d.replicas("shop", "web") == 5 })
	d.waitFor("worker's image", func() bool {
		w, _ := deploy("shop", "worker")
		return w.Spec.Template.Spec.Containers[0].Image == "ghcr.io/example/shop-worker:2.5.0"
	})
	d.waitFor("cache created", func() bool { _, ok := deploy("shop", "cache"); return ok })
	d.waitFor("etl deleted", func() bool { _, ok := deploy("data", "etl"); return !ok })
	d.waitFor("the results in the workbook", func() bool {
		return strings.HasPrefix(d.cellValue(dep, "web", "Sync"), "applied") && d.cellValue(dep, "cache", "UID") != ""
	})
	if got := d.replicas("shop", "api"); got != 2 {
		t.Fatalf("invalid input applied: api %d", got)
	}

	// The copy LibreOffice shows is now older than the file: the person edits it and saves.
	lo.do(set(dep, "grafana", "Replicas", 3), map[string]any{"do": "save"})
	d.waitFor("grafana scaled to 3", func() bool { return d.replicas("tools", "grafana") == 3 })
	d.waitFor("grafana's result", func() bool { return strings.HasPrefix(d.cellValue(dep, "grafana", "Sync"), "applied") })
	if got := d.replicas("shop", "web"); got != 5 {
		t.Errorf("the stale copy changed web: %d", got)
	}
	if _, ok := deploy("data", "etl"); ok {
		t.Error("the stale copy brought etl back")
	}
	list, err := d.cs.AppsV1().Deployments("shop").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caches := 0
	for _, x := range list.Items {
		if x.Name == "cache" {
			caches++
		}
	}
	if caches != 1 {
		t.Errorf("%d cache deployments", caches)
	}

	// Closed and opened again: the results are there. (Closing releases the lock, so the
	// daemon writes the cluster's changes it held; the person opens what it wrote, as
	// settled() waits for. Opened while the file is replaced, LibreOffice would keep the
	// older copy and refuse to save over the newer without asking.)
	lo.do(map[string]any{"do": "close"})
	d.settled()
	lo.do(map[string]any{"do": "open"})
	_, rows, _ := lo.read(dep)
	for name, want := range map[string]string{"web": "applied", "worker": "applied", "grafana": "applied", "cache": "applied", "api": "invalid:"} {
		if s := rows[name]["Sync"]; !strings.HasPrefix(s, want) {
			t.Errorf("LibreOffice shows %s's Sync %q, want %s…", name, s, want)
		}
	}
	if v := rows["api"]["Replicas"]; v != "abc" {
		t.Errorf("api's typed Replicas = %q, want abc kept", v)
	}
	if rows["cache"]["UID"] == "" {
		t.Error("the created row has no UID")
	}

	// Sort by name, descending, then edit: the edit lands on its object.
	lo.do(map[string]any{"do": "sort", "tab": dep, "header": "Name", "descending": true},
		set(dep, "redis", "Replicas", 4), map[string]any{"do": "save"})
	d.waitFor("redis scaled to 4", func() bool { return d.replicas("data", "redis") == 4 })
	for name, want := range map[string]int32{"postgres": 1, "prometheus": 1, "grafana": 3, "web": 5, "worker": 1} {
		ns := map[string]string{"postgres": "data", "prometheus": "tools", "grafana": "tools"}[name]
		if ns == "" {
			ns = "shop"
		}
		if got := d.replicas(ns, name); got != want {
			t.Errorf("after the sort, %s has %d replicas, want %d", name, got, want)
		}
	}

	// A deployment made while the workbook is open appears once it is closed, where it
	// belongs in the person's sort.
	before = d.passes()
	bar := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "bar", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "bar"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "bar"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "bar", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := d.cs.AppsV1().Deployments("shop").Create(ctx, bar, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d.waitFor("a pass after the create", func() bool { return d.passes() > before })
	lo.do(map[string]any{"do": "close"})
	d.waitFor("bar in the workbook", func() bool {
		return d.py(`print(any(r[1] == "bar" for r in ws("Deployments").iter_rows(min_row=2, values_only=True)))`) == "True"
	})
	order := d.py(`print(",".join(r[1] for r in ws("Deployments").iter_rows(min_row=2, values_only=True) if r[1] != "etl"))`)
	if want := "worker,web,redis,prometheus,postgres,grafana,cache,bar,api"; order != want {
		t.Errorf("rows after the close: %s, want %s (name descending, bar where it belongs)", order, want)
	}
}
