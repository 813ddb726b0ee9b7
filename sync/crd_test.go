package sync_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sync"
)

var (
	crdsGVR         = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	workerPoolsGVR  = schema.GroupVersionResource{Group: "demo.sheetops.io", Version: "v1", Resource: "workerpools"}
	workerPoolsTab  = "Worker Pools"
	workerPoolsYAML = map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "workerpools.demo.sheetops.io"},
		"spec": map[string]any{
			"group": "demo.sheetops.io", "scope": "Namespaced",
			"names": map[string]any{"plural": "workerpools", "singular": "workerpool", "kind": "WorkerPool", "shortNames": []any{"wp"}},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "properties": map[string]any{
					"spec": map[string]any{"type": "object", "properties": map[string]any{
						"replicas": map[string]any{"type": "integer", "minimum": int64(0), "default": int64(1)},
						"queue":    map[string]any{"type": "string"},
					}},
					"status": map[string]any{"type": "object", "properties": map[string]any{
						"replicas": map[string]any{"type": "integer"},
					}},
				}}},
				"subresources": map[string]any{"status": map[string]any{}, "scale": map[string]any{
					"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
				"additionalPrinterColumns": []any{
					map[string]any{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
					map[string]any{"name": "Queue", "type": "string", "jsonPath": ".spec.queue"},
					map[string]any{"name": "Current", "type": "integer", "jsonPath": ".status.replicas", "priority": int64(1)},
					map[string]any{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
				},
			}},
		},
	}
)

// createWorkerPools defines the WorkerPool CRD (as `sheetops apiserver --demo` does), waits
// until it is established and creates the pools named, with their replicas, in shop.
func (f *fixture) createWorkerPools(pools map[string]int64) {
	f.t.Helper()
	if _, err := f.dyn.Resource(crdsGVR).Create(f.ctx, &unstructured.Unstructured{Object: workerPoolsYAML}, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		crd, err := f.dyn.Resource(crdsGVR).Get(f.ctx, "workerpools.demo.sheetops.io", metav1.GetOptions{})
		if err != nil {
			f.t.Fatal(err)
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		established := false
		for _, c := range conds {
			c, _ := c.(map[string]any)
			established = established || (c["type"] == "Established" && c["status"] == "True")
		}
		if established {
			break
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the CRD is not Established after 10 s: %v", conds)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Discovery may take a moment to list the new resource.
	for name, replicas := range pools {
		wp := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"replicas": replicas, "queue": name},
		}}
		for {
			_, err := f.dyn.Resource(workerPoolsGVR).Namespace("shop").Create(f.ctx, wp, metav1.CreateOptions{})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				f.t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (f *fixture) poolReplicas(name string) int64 {
	f.t.Helper()
	wp, err := f.dyn.Resource(workerPoolsGVR).Namespace("shop").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	n, _, _ := unstructured.NestedInt64(wp.Object, "spec", "replicas")
	return n
}

// TestCustomResourceTab: a tab of a custom resource (the WorkerPool CRD of the demo) with
// JSONPath columns shows its objects, applies an edit of an editable column with the
// resourceVersion precondition, refuses invalid input in the Sync column, and its Uptime
// scales the objects through the replicas path of the CRD's scale subresource.
func TestCustomResourceTab(t *testing.T) {
	eachBackend(t, testCustomResourceTab)
}

func testCustomResourceTab(t *testing.T, f *fixture) {
	f.createWorkerPools(map[string]int64{"orders": 3, "emails": 2})
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Name: workerPoolsTab, Resource: "wp", Columns: []sync.ColumnConfig{
		{Header: "Namespace"}, {Header: "Name"},
		{Header: "Replicas", Path: ".spec.replicas", Editable: true, Type: "integer", Min: ptr.To[int64](0)},
		{Header: "Queue", Path: ".spec.queue"},
		{Header: "Uptime"}, {Header: "Off Replicas"}, {Header: "Action"}, {Header: "Sync"}}}}
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	if tabs[0].ReplicasPath != ".spec.replicas" || !tabs[0].Scalable() {
		t.Fatalf("ReplicasPath = %q, want the CRD's .spec.replicas", tabs[0].ReplicasPath)
	}
	// Without columns, a custom resource's tab shows the printer columns kubectl shows.
	plain := sync.DefaultConfig()
	plain.Tabs = []sync.TabConfig{{Name: "Pools", Resource: "workerpools.demo.sheetops.io"}}
	ptabs, err := plain.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	var headers []string
	for _, c := range ptabs[0].Columns {
		if !c.Hidden {
			headers = append(headers, c.Header)
		}
	}
	if got := strings.Join(headers, ","); got != "Namespace,Name,Replicas,Queue,Age,Action,Sync" {
		t.Fatalf("default columns of a custom resource tab = %s", got)
	}

	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)) // Monday noon
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.viewOf(tabs), Writer: kube.NewApplier(f.cs, f.dyn),
		StatePath: f.statePath, Logger: discard, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	if got := cellOf(t, f.read().Tab(workerPoolsTab), "orders", "Queue"); got != "orders" {
		t.Fatalf("orders Queue = %q", got)
	}
	if got := cellOf(t, f.read().Tab(workerPoolsTab), "emails", "Replicas"); got != "2" {
		t.Fatalf("emails Replicas = %q", got)
	}

	// An edit is a merge patch of the custom resource.
	f.edit(workerPoolsTab, "emails", map[string]string{"Replicas": "5"})
	f.pass(e)
	if n := f.poolReplicas("emails"); n != 5 {
		t.Fatalf("emails replicas = %d after the edit, want 5", n)
	}
	if s := cellOf(t, f.read().Tab(workerPoolsTab), "emails", "Sync"); !strings.HasPrefix(s, "applied") {
		t.Fatalf("emails Sync = %q", s)
	}
	// Invalid input is reported, kept, and sent nowhere.
	f.edit(workerPoolsTab, "emails", map[string]string{"Replicas": "-1"})
	f.pass(e)
	if s := cellOf(t, f.read().Tab(workerPoolsTab), "emails", "Sync"); !strings.HasPrefix(s, "invalid:") {
		t.Fatalf("emails Sync = %q after -1, want invalid", s)
	}
	if got := cellOf(t, f.read().Tab(workerPoolsTab), "emails", "Replicas"); got != "-1" {
		t.Fatalf("typed value lost: %q", got)
	}
	if n := f.poolReplicas("emails"); n != 5 {
		t.Fatalf("emails replicas = %d, want 5 kept", n)
	}
	f.edit(workerPoolsTab, "emails", map[string]string{"Replicas": "5"})

	// Office hours: down to Off Replicas at 18:00, back at 08:00.
	f.edit(workerPoolsTab, "orders", map[string]string{"Uptime": "Mon-Fri 08:00-18:00 UTC", "Off Replicas": "1"})
	f.pass(e)
	if n := f.poolReplicas("orders"); n != 3 {
		t.Fatalf("orders scaled at noon: %d", n)
	}
	clk.SetTime(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC))
	if !e.SheetChanged(context.Background()) {
		t.Fatal("no pass due at 18:00")
	}
	f.pass(e)
	if n := f.poolReplicas("orders"); n != 1 {
		t.Fatalf("orders replicas = %d at 18:00, want 1", n)
	}
	if s := cellOf(t, f.read().Tab(workerPoolsTab), "orders", "Sync"); s != "scaled down 18:00 (schedule): Replicas 3 → 1" {
		t.Fatalf("orders Sync = %q", s)
	}
	clk.SetTime(time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC))
	f.pass(e)
	if n := f.poolReplicas("orders"); n != 3 {
		t.Fatalf("orders replicas = %d at 08:00, want 3", n)
	}
}
