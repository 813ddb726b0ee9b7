package apiserver_test

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestKubectlCRD drives custom resources with the real kubectl: apply a CRD and an object
// of it, get them with the CRD's printer columns, explain the kind from the OpenAPI
// documents, scale it through the scale subresource, and delete the CRD with its objects.
func TestKubectlCRD(t *testing.T) {
	path := needTool(t, "/usr/bin/kubectl")
	srv := startEngine(t, "", false)
	k := newKubectl(t, path, srv)
	k.ok(t, "create", "namespace", "crd")

	crd, err := os.ReadFile("demo-workerpools.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := k.ok(t, "apply", "-f", kcWriteManifest(t, "crd.yaml", string(crd)))
	kcWantContains(t, "apply CRD", out, "customresourcedefinition.apiextensions.k8s.io/workerpools.demo.sheetops.io created")
	k.ok(t, "wait", "--for=condition=Established", "--timeout=10s", "crd/workerpools.demo.sheetops.io")

	wp := `apiVersion: demo.sheetops.io/v1
kind: WorkerPool
metadata:
  name: orders
  namespace: crd
spec:
  replicas: 3
  queue: orders
`
	kcWantContains(t, "apply CR", k.ok(t, "apply", "-f", kcWriteManifest(t, "wp.yaml", wp)), "workerpool.demo.sheetops.io/orders created")
	kcWantContains(t, "apply CR again", k.ok(t, "apply", "-f", kcWriteManifest(t, "wp.yaml", strings.Replace(wp, "queue: orders", "queue: urgent", 1))),
		"workerpool.demo.sheetops.io/orders configured")
	kcWantContains(t, "server-side apply", k.ok(t, "apply", "--server-side", "-f", kcWriteManifest(t, "wp2.yaml", strings.Replace(wp, "name: orders", "name: emails", 1))),
		"workerpool.demo.sheetops.io/emails serverside-applied")

	header, rows := kcTable(k.ok(t, "get", "workerpools", "-n", "crd"))
	if strings.Join(header, " ") != "NAME REPLICAS QUEUE AGE" {
		t.Errorf("header %v, want the printer columns", header)
	}
	if r := rows["orders"]; len(r) < 3 || r[1] != "3" || r[2] != "urgent" {
		t.Errorf("orders row %v", r)
	}
	// the short name, and the CRD in the crd table
	_, rows = kcTable(k.ok(t, "get", "wp", "-n", "crd"))
	if len(rows) != 2 {
		t.Errorf("get wp: rows %v", rows)
	}
	kcWantContains(t, "get crd", k.ok(t, "get", "crd"), "workerpools.demo.sheetops.io")
	kcWantContains(t, "get -o yaml", k.ok(t, "get", "workerpool", "orders", "-n", "crd", "-o", "yaml"), "apiVersion: demo.sheetops.io/v1", "kind: WorkerPool", "queue: urgent")

	// explain from /openapi/v3
	kcWantContains(t, "explain", k.ok(t, "explain", "workerpools.spec"), "KIND:       WorkerPool", "GROUP:      demo.sheetops.io", "replicas\t<integer>", "queue\t<string>")
	kcWantContains(t, "explain field", k.ok(t, "explain", "workerpool.spec.replicas"), "FIELD: replicas <integer>")

	// validation: the schema refuses, kubectl says why
	bad := strings.Replace(wp, "replicas: 3", "replicas: -1", 1)
	kcWantContains(t, "invalid", k.fails(t, "apply", "-f", kcWriteManifest(t, "bad.yaml", strings.Replace(bad, "name: orders", "name: bad", 1))),
		"spec.replicas", "should be greater than or equal to 0")
	kcWantContains(t, "unknown field", k.fails(t, "apply", "-f", kcWriteManifest(t, "unknown.yaml", strings.Replace(wp, "queue: orders", "queue: orders\n  color: red", 1))),
		`unknown field "spec.color"`)

	// scale through the scale subresource
	kcWantContains(t, "scale", k.ok(t, "scale", "workerpool/orders", "-n", "crd", "--replicas=5"), "workerpool.demo.sheetops.io/orders scaled")
	_, rows = kcTable(k.ok(t, "get", "workerpools", "-n", "crd"))
	if r := rows["orders"]; len(r) < 2 || r[1] != "5" {
		t.Errorf("orders after scale %v", r)
	}
	// patch types
	k.ok(t, "patch", "workerpool", "orders", "-n", "crd", "--type=merge", "-p", `{"spec":{"queue":"merged"}}`)
	k.ok(t, "patch", "workerpool", "orders", "-n", "crd", "--type=json", "-p", `[{"op":"replace","path":"/spec/replicas","value":2}]`)
	kcWantContains(t, "strategic patch", k.fails(t, "patch", "workerpool", "orders", "-n", "crd", "-p", `{"spec":{"queue":"x"}}`),
		"application/merge-patch+json")

	// deleting the CRD deletes its objects
	kcWantContains(t, "delete crd", k.ok(t, "delete", "-f", kcWriteManifest(t, "crd.yaml", string(crd)), "--timeout=20s"),
		`customresourcedefinition.apiextensions.k8s.io "workerpools.demo.sheetops.io" deleted`)
	deadline := time.Now().Add(kcWait)
	for {
		res := k.run(t, "get", "crd", "workerpools.demo.sheetops.io")
		if res.err != nil && strings.Contains(res.stderr, "NotFound") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CRD still there: %s %s", res.stdout, res.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	kcWantContains(t, "get after delete", k.fails(t, "get", "workerpools.demo.sheetops.io", "-n", "crd"), "the server doesn't have a resource type")
}
