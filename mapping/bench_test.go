package mapping

import (
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// manyPods returns n pods cycling through the fixtures, each with its own name and UID.
func manyPods(n int) []runtime.Object {
	fixtures := pods()
	objs := make([]runtime.Object, n)
	for i := range objs {
		p := fixtures[i%len(fixtures)].DeepCopy()
		p.Name += "-" + strconv.Itoa(i)
		p.UID = types.UID("pod-" + strconv.Itoa(i))
		objs[i] = p
	}
	return objs
}

func manyDeployments(n int) []runtime.Object {
	fixtures := deployments()
	objs := make([]runtime.Object, n)
	for i := range objs {
		d := fixtures[i%len(fixtures)].DeepCopy()
		d.Name += "-" + strconv.Itoa(i)
		d.UID = types.UID("deploy-" + strconv.Itoa(i))
		objs[i] = d
	}
	return objs
}

func benchmarkRender(b *testing.B, tb Tab, objs []runtime.Object) {
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range objs {
			_ = tb.Row(o, now)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/row")
}

// BenchmarkRenderPods renders every row of a 10,000-pod tab.
func BenchmarkRenderPods(b *testing.B) {
	benchmarkRender(b, tab(b, PodsTab), manyPods(10000))
}

// BenchmarkRenderDeployments renders every row of a 2,000-deployment tab.
func BenchmarkRenderDeployments(b *testing.B) {
	benchmarkRender(b, tab(b, DeploymentsTab), manyDeployments(2000))
}

// pathTab is a custom tab of pods with JSONPath columns only (no named functions).
func pathTab(b *testing.B) Tab {
	b.Helper()
	tb, err := BuildTab("P", Pod, []ColumnSpec{{Header: Namespace}, {Header: Name},
		{Header: "Phase", Path: ".status.phase"}, {Header: "Node", Path: ".spec.nodeName"},
		{Header: "IP", Path: ".status.podIP"}, {Header: "Image", Path: ".spec.containers[0].image", Editable: true, Type: ValueType{Type: TypeImage}},
		{Header: Labels}, {Header: Age}, {Header: Action}, {Header: Sync}})
	if err != nil {
		b.Fatal(err)
	}
	return tb
}

// BenchmarkRenderPathColumnsTyped renders 10,000 typed pods (as the typed informers hold
// built-in kinds) through JSONPath columns.
func BenchmarkRenderPathColumnsTyped(b *testing.B) {
	benchmarkRender(b, pathTab(b), manyPods(10000))
}

// BenchmarkRenderPathColumnsUnstructured renders 10,000 unstructured pods (as dynamic
// informers hold custom resources) through JSONPath columns.
func BenchmarkRenderPathColumnsUnstructured(b *testing.B) {
	objs := manyPods(10000)
	for i, o := range objs {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			b.Fatal(err)
		}
		objs[i] = &unstructured.Unstructured{Object: m}
	}
	benchmarkRender(b, pathTab(b), objs)
}
