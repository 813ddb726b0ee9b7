package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sheetops/sheetops/kube"
)

// presetResources are the presets' resources as a cluster's discovery gives them.
var presetResources = map[string]kube.Resource{
	DeploymentsTab:             kube.Deployments,
	PodsTab:                    kube.Pods,
	"StatefulSets":             {GroupVersionResource: appsv1.SchemeGroupVersion.WithResource("statefulsets"), Kind: "StatefulSet", Namespaced: true},
	"DaemonSets":               {GroupVersionResource: appsv1.SchemeGroupVersion.WithResource("daemonsets"), Kind: "DaemonSet", Namespaced: true},
	"CronJobs":                 {GroupVersionResource: batchv1.SchemeGroupVersion.WithResource("cronjobs"), Kind: "CronJob", Namespaced: true},
	"Jobs":                     {GroupVersionResource: batchv1.SchemeGroupVersion.WithResource("jobs"), Kind: "Job", Namespaced: true},
	"HorizontalPodAutoscalers": {GroupVersionResource: autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), Kind: "HorizontalPodAutoscaler", Namespaced: true},
	"Nodes":                    {GroupVersionResource: corev1.SchemeGroupVersion.WithResource("nodes"), Kind: "Node"},
	"Services":                 {GroupVersionResource: corev1.SchemeGroupVersion.WithResource("services"), Kind: "Service", Namespaced: true},
	"ConfigMaps":               {GroupVersionResource: corev1.SchemeGroupVersion.WithResource("configmaps"), Kind: "ConfigMap", Namespaced: true},
	"Namespaces":               {GroupVersionResource: corev1.SchemeGroupVersion.WithResource("namespaces"), Kind: "Namespace"},
}

// presetObjects are a few objects of each preset's resource.
func presetObjects() map[string][]runtime.Object {
	sts := &appsv1.StatefulSet{ObjectMeta: objectMeta("data", "web", 3*time.Hour, 11),
		Spec:   appsv1.StatefulSetSpec{Replicas: ptr[int32](3), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers("nginx:1.27")}}},
		Status: appsv1.StatefulSetStatus{ReadyReplicas: 2}}
	ds := &appsv1.DaemonSet{ObjectMeta: objectMeta("kube-system", "agent", 48*time.Hour, 12),
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers("example/agent:2")}}},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 1,
			UpdatedNumberScheduled: 2, NumberAvailable: 1}}
	cj := &batchv1.CronJob{ObjectMeta: objectMeta("tools", "backup", 10*24*time.Hour, 13),
		Spec:   batchv1.CronJobSpec{Schedule: "0  3 * * *", Suspend: ptr(true)},
		Status: batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "backup-1"}}, LastScheduleTime: ptr(ago(9 * time.Hour))}}
	cjNever := &batchv1.CronJob{ObjectMeta: objectMeta("tools", "report", time.Hour, 14), Spec: batchv1.CronJobSpec{Schedule: "@daily"}}
	job := &batchv1.Job{ObjectMeta: objectMeta("tools", "backup-1", 9*time.Hour, 15),
		Spec: batchv1.JobSpec{Completions: ptr[int32](1)}, Status: batchv1.JobStatus{Succeeded: 1}}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: objectMeta("shop", "web", 2*time.Hour, 16),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    ptr[int32](2), MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](80)}}}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr[int32](45)}}}}}}
	node := &corev1.Node{ObjectMeta: objectMeta("", "worker-1", 30*24*time.Hour, 17),
		Spec: corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.37.1"}, Capacity: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110")}}}
	node.Labels = map[string]string{"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}
	cp := &corev1.Node{ObjectMeta: objectMeta("", "cp-1", 30*24*time.Hour, 18)}
	svc := &corev1.Service{ObjectMeta: objectMeta("shop", "web", 5*time.Hour, 19),
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.12",
			Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}, {Port: 443, Protocol: corev1.ProtocolTCP}}}}
	cm := &corev1.ConfigMap{ObjectMeta: objectMeta("shop", "settings", time.Minute, 20),
		Data: map[string]string{"b.yaml": "", "a.conf": ""}, BinaryData: map[string][]byte{"logo.png": nil}}
	ns := &corev1.Namespace{ObjectMeta: objectMeta("", "shop", 24*time.Hour, 21), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	out := map[string][]runtime.Object{
		"StatefulSets":             {sts},
		"DaemonSets":               {ds},
		"CronJobs":                 {cj, cjNever},
		"Jobs":                     {job},
		"HorizontalPodAutoscalers": {hpa},
		"Nodes":                    {node, cp},
		"Services":                 {svc},
		"ConfigMaps":               {cm},
		"Namespaces":               {ns},
	}
	for _, d := range deployments() {
		out[DeploymentsTab] = append(out[DeploymentsTab], d)
	}
	for _, p := range pods() {
		out[PodsTab] = append(out[PodsTab], p)
	}
	return out
}

func presetTab(t *testing.T, p Preset) Tab {
	t.Helper()
	r, ok := presetResources[p.Name]
	if !ok {
		t.Fatalf("no resource for preset %s", p.Name)
	}
	tb, err := BuildTab(p.Name, r, p.Columns)
	if err != nil {
		t.Fatalf("preset %s: %v", p.Name, err)
	}
	return tb
}

// TestPresetsRender: each preset's rows, as golden files (go test -update rewrites them).
// The Deployments and Pods presets render exactly as the default tabs.
func TestPresetsRender(t *testing.T) {
	objs := presetObjects()
	for _, p := range Presets {
		t.Run(p.Name, func(t *testing.T) {
			tb := presetTab(t, p)
			checkGolden(t, "preset-"+strings.ToLower(p.Name), renderCSV(t, tb, objs[p.Name]))
			if p.Name == DeploymentsTab || p.Name == PodsTab {
				def := tab(t, p.Name)
				if got, want := string(renderCSV(t, tb, objs[p.Name])), string(renderCSV(t, def, objs[p.Name])); got != want {
					t.Fatalf("preset renders\n%s\nthe default tab\n%s", got, want)
				}
			}
			// Typed and unstructured objects render alike (custom resources come unstructured).
			for _, o := range objs[p.Name] {
				m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
				if err != nil {
					t.Fatal(err)
				}
				u := &unstructured.Unstructured{Object: m}
				typedRow, uRow := tb.Row(o, now), tb.Row(u, now)
				for i, c := range tb.Columns {
					if c.Func() && typedRow[i] != uRow[i] {
						continue // typed-only functions (Deployments, Pods, Services, ConfigMaps)
					}
					if typedRow[i] != uRow[i] {
						t.Errorf("%s: typed %q, unstructured %q", c.Header, typedRow[i], uRow[i])
					}
				}
			}
		})
	}
}

// TestPathPatch: an edited JSONPath column's patch: a merge patch carrying the
// resourceVersion, or a JSON patch through a list index.
func TestPathPatch(t *testing.T) {
	sts := presetObjects()["StatefulSets"][0]
	cases := []struct {
		path  string
		typ   ValueType
		value string
		pt    types.PatchType
		want  string
	}{
		{".spec.replicas", ValueType{Type: TypeInteger}, "5", types.MergePatchType, `{"metadata":{"resourceVersion":"11"},"spec":{"replicas":5}}`},
		{"{.spec.replicas}", ValueType{Type: TypeInteger}, "", types.MergePatchType, `{"metadata":{"resourceVersion":"11"},"spec":{"replicas":null}}`},
		{"spec.minReadySeconds", ValueType{Type: TypeInteger}, "7", types.MergePatchType, `{"metadata":{"resourceVersion":"11"},"spec":{"minReadySeconds":7}}`},
		{".metadata.labels['app.kubernetes.io/name']", ValueType{}, "web", types.MergePatchType, `{"metadata":{"labels":{"app.kubernetes.io/name":"web"},"resourceVersion":"11"}}`},
		{".metadata.annotations['example.com/off']", ValueType{Type: TypeInteger}, "2.0", types.MergePatchType, `{"metadata":{"annotations":{"example.com/off":"2"},"resourceVersion":"11"}}`},
		{".metadata.annotations.paused", ValueType{Type: TypeBoolean}, "TRUE", types.MergePatchType, `{"metadata":{"annotations":{"paused":"true"},"resourceVersion":"11"}}`},
		{".metadata.annotations.paused", ValueType{Type: TypeBoolean}, "", types.MergePatchType, `{"metadata":{"annotations":{"paused":null},"resourceVersion":"11"}}`},
		{".spec.template.spec.containers[0].image", ValueType{Type: TypeImage}, "nginx:1.28", types.JSONPatchType,
			`[{"op":"replace","path":"/metadata/resourceVersion","value":"11"},{"op":"add","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"}]`},
	}
	for _, tc := range cases {
		p, err := compilePath(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		c := pathColumn(p, ColumnSpec{Header: "X", Path: tc.path, Editable: true, Type: tc.typ})
		pt, body, err := c.Patch(sts, tc.value)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if pt != tc.pt || !jsonEqual(t, body, tc.want) {
			t.Errorf("%s = %s %s, want %s %s", tc.path, pt, body, tc.pt, tc.want)
		}
	}
	for _, bad := range []string{".spec.template.spec.containers[*].image", "..image", ".spec.containers[?(@.name==\"a\")].image"} {
		p, err := compilePath(bad)
		if err != nil {
			continue // not even a JSONPath
		}
		if p.editable() {
			t.Errorf("%s is editable, want read-only", bad)
		}
	}
	if _, err := compilePath(".spec.replicas["); err == nil {
		t.Error("a broken JSONPath compiled")
	}
}

func jsonEqual(t *testing.T, a []byte, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// TestBuildTabErrors: a column that cannot be built names its index.
func TestBuildTabErrors(t *testing.T) {
	nodes := presetResources["Nodes"]
	for _, tc := range []struct {
		r     kube.Resource
		specs []ColumnSpec
		index int // -1: not a column's error
	}{
		{nodes, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: Sync}}, 0},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: "Phase"}, {Header: Sync}}, 2},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: "P", Path: ".status.phase", Func: "pod.status"}, {Header: Sync}}, 2},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: "P", Func: "pod.nothing"}, {Header: Sync}}, 2},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: "S", Func: "pod.status", Editable: true}, {Header: Sync}}, 2},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: UID}, {Header: Sync}}, 2},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: Name}, {Header: Sync}}, 2},
		{kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}}, -1},
	} {
		_, err := BuildTab("T", tc.r, tc.specs)
		var ce *ColumnError
		switch {
		case err == nil:
			t.Errorf("%v: no error", tc.specs)
		case tc.index >= 0 && (!errorsAs(err, &ce) || ce.Index != tc.index):
			t.Errorf("%v: %v, want an error of columns[%d]", tc.specs, err, tc.index)
		}
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// TestPathFilter: read-only columns may use filters, as kubectl's custom columns do.
func TestPathFilter(t *testing.T) {
	node := presetObjects()["Nodes"][0]
	p, err := compilePath(`.status.conditions[?(@.type=="Ready")].status`)
	if err != nil {
		t.Fatal(err)
	}
	if p.editable() {
		t.Fatal("a filter path is editable")
	}
	c := pathColumn(p, ColumnSpec{Header: "Ready", Path: p.expr})
	if got := c.Value(node, now); got != "True" {
		t.Fatalf("Ready = %q, want True", got)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"conditions": []any{
		map[string]any{"type": "Issuing", "status": "False"}, map[string]any{"type": "Ready", "status": "True"}}}}}
	if got := c.Value(u, now); got != "True" {
		t.Fatalf("Ready of a custom resource = %q, want True", got)
	}
}

// TestTypedWalkMatchesJSON: a single-field path read from a typed object's struct gives what
// the object's JSON holds there (nil for what JSON omits), as its unstructured form does.
func TestTypedWalkMatchesJSON(t *testing.T) {
	paths := []string{".spec.replicas", ".status.readyReplicas", ".metadata.labels", ".metadata.creationTimestamp",
		".metadata.name", ".spec.template.spec.containers[0].image", ".spec.template.spec.containers[3].image",
		".spec.suspend", ".status.lastScheduleTime", ".spec.ports[0].targetPort", ".spec.ports[1].nodePort",
		".status.capacity.pods", ".status.capacity", ".spec.unschedulable", ".data", ".binaryData", ".status.phase",
		".spec.metrics[0].resource.target", ".status.conditions[0]", ".spec.nodeName", ".spec.containers", ".nothing.here"}
	for name, objs := range presetObjects() {
		for _, o := range objs {
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range paths {
				p, err := compilePath(path)
				if err != nil {
					t.Fatal(err)
				}
				typed, _ := p.lookup(o)
				want := walkMap(m, p.segments)
				if !jsonEqualValues(typed, want) {
					t.Errorf("%s %s: typed %#v, JSON %#v", name, path, typed, want)
				}
			}
		}
	}
}

func jsonEqualValues(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
