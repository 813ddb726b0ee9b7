package printers

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// kubectlRender prints a Table as kubectl get's human-readable printer does:
// upper-cased headers, priority-1 columns only when wide, cells separated
// by at least three spaces, nothing at all for an empty table.
func kubectlRender(table *metav1.Table, wide bool) string {
	var buf bytes.Buffer
	if len(table.Rows) == 0 {
		return ""
	}
	w := tabwriter.NewWriter(&buf, 6, 4, 3, ' ', 0)
	var cells []string
	for _, c := range table.ColumnDefinitions {
		if wide || c.Priority == 0 {
			cells = append(cells, strings.ToUpper(c.Name))
		}
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
	for _, row := range table.Rows {
		cells = cells[:0]
		for i, cell := range row.Cells {
			if i < len(table.ColumnDefinitions) && (wide || table.ColumnDefinitions[i].Priority == 0) {
				cells = append(cells, fmt.Sprint(cell))
			}
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	w.Flush()
	return buf.String()
}

// overTheWire encodes table as the engine sends it and decodes it as
// kubectl reads it.
func overTheWire(t *testing.T, table *metav1.Table) *metav1.Table {
	t.Helper()
	data, err := json.Marshal(table)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	s := jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, jsonserializer.SerializerOptions{})
	var out metav1.Table
	if _, _, err := s.Decode(data, nil, &out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &out
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
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
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGoldenKubectlOutput renders what `kubectl get <resource>` and
// `kubectl get <resource> -o wide` print for realistic objects.
func TestGoldenKubectlOutput(t *testing.T) {
	cordoned := node("worker-1")
	cordoned.Labels = map[string]string{"node-role.kubernetes.io/worker": ""}
	cordoned.Spec.Unschedulable = true
	cordoned.Status.Addresses = append(cordoned.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "203.0.113.5"})

	tests := []struct {
		resource string
		obj      runtime.Object
	}{
		{resource: "pods", obj: podList(runningPod(), pendingPod(), crashLoopPod(), terminatingPod(), completedPod())},
		{resource: "deployments", obj: &appsv1.DeploymentList{Items: []appsv1.Deployment{
			*deployment("web", 3, 2, 3, 2), *deployment("api", 1, 1, 1, 1), *deployment("batch", 0, 0, 0, 0),
		}}},
		{resource: "replicasets", obj: &appsv1.ReplicaSetList{Items: []appsv1.ReplicaSet{
			*replicaSet("web-7d4b9c", 3, 3, 2), *replicaSet("web-5f6d8", 0, 0, 0),
		}}},
		{resource: "namespaces", obj: &corev1.NamespaceList{Items: []corev1.Namespace{
			*namespace("default", corev1.NamespaceActive, 40*24*time.Hour),
			*namespace("kube-system", corev1.NamespaceActive, 40*24*time.Hour),
			*namespace("team-a", corev1.NamespaceTerminating, 5*time.Minute),
		}}},
		{resource: "nodes", obj: &corev1.NodeList{Items: []corev1.Node{*node("control-plane"), *cordoned}}},
		{resource: "leases", obj: &coordinationv1.LeaseList{Items: []coordinationv1.Lease{
			*lease("kube-controller-manager", "control-plane_6f1c2b"), *lease("kube-scheduler", "control-plane_0a9e"),
		}}},
		{resource: "configmaps", obj: &corev1.ConfigMapList{Items: []corev1.ConfigMap{
			{ObjectMeta: objectMeta("kube-root-ca.crt", 40*24*time.Hour)}, {ObjectMeta: objectMeta("settings", 3*time.Minute)},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			table, err := ToTable(tt.obj, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			received := overTheWire(t, table)
			var out bytes.Buffer
			fmt.Fprintf(&out, "$ kubectl get %s\n%s\n", tt.resource, kubectlRender(received, false))
			fmt.Fprintf(&out, "$ kubectl get %s -o wide\n%s", tt.resource, kubectlRender(received, true))
			checkGolden(t, tt.resource+".txt", out.Bytes())
		})
	}
}

// TestGoldenJSON pins the exact bytes of a pod list's Table.
func TestGoldenJSON(t *testing.T) {
	table, err := ToTable(podList(runningPod(), completedPod()), Options{Now: now})
	if err != nil {
		t.Fatalf("ToTable: %v", err)
	}
	data, err := json.MarshalIndent(table, "", "  ")
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	checkGolden(t, "pods.json", append(data, '\n'))
}
