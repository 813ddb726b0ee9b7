package printers

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
)

// col is the part of a column definition the tests pin down; the
// description is checked to be present.
type col struct {
	name, typ, format string
	priority          int32
}

func TestColumnDefinitions(t *testing.T) {
	name := col{"Name", "string", "name", 0}
	age := col{"Age", "string", "", 0}
	tests := []struct {
		name string
		obj  runtime.Object
		want []col
	}{
		{
			name: "pod",
			obj:  runningPod(),
			want: []col{name, {"Ready", "string", "", 0}, {"Status", "string", "", 0}, {"Restarts", "string", "", 0}, age,
				{"IP", "string", "", 1}, {"Node", "string", "", 1}, {"Nominated Node", "string", "", 1}, {"Readiness Gates", "string", "", 1}},
		},
		{
			name: "deployment",
			obj:  deployment("web", 3, 2, 3, 2),
			want: []col{name, {"Ready", "string", "", 0}, {"Up-to-date", "string", "", 0}, {"Available", "string", "", 0}, age,
				{"Containers", "string", "", 1}, {"Images", "string", "", 1}, {"Selector", "string", "", 1}},
		},
		{
			name: "replicaset",
			obj:  replicaSet("web-7d4b9c", 3, 3, 2),
			want: []col{name, {"Desired", "integer", "", 0}, {"Current", "integer", "", 0}, {"Ready", "integer", "", 0}, age,
				{"Containers", "string", "", 1}, {"Images", "string", "", 1}, {"Selector", "string", "", 1}},
		},
		{
			name: "scale",
			obj:  &autoscalingv1.Scale{ObjectMeta: objectMeta("web", time.Hour)},
			want: []col{{"Name", "string", "", 0}, {"Desired", "integer", "", 0}, {"Available", "integer", "", 0}, age},
		},
		{
			name: "namespace",
			obj:  namespace("default", corev1.NamespaceActive, time.Hour),
			want: []col{name, {"Status", "string", "", 0}, age},
		},
		{
			name: "node",
			obj:  node("node-1"),
			want: []col{name, {"Status", "string", "", 0}, {"Roles", "string", "", 0}, age, {"Version", "string", "", 0},
				{"Internal-IP", "string", "", 1}, {"External-IP", "string", "", 1}, {"OS-Image", "string", "", 1},
				{"Kernel-Version", "string", "", 1}, {"Container-Runtime", "string", "", 1}},
		},
		{
			name: "lease",
			obj:  lease("kube-scheduler", "node-1_abc"),
			want: []col{name, {"Holder", "string", "", 0}, age},
		},
		{
			name: "other kind",
			obj:  &corev1.PodTemplate{ObjectMeta: objectMeta("settings", time.Hour)},
			want: []col{name, {"Created At", "date", "", 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.obj, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			var got []col
			for _, c := range table.ColumnDefinitions {
				got = append(got, col{c.Name, c.Type, c.Format, c.Priority})
				if c.Description == "" {
					t.Errorf("column %s has no description", c.Name)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("columns:\n got %v\nwant %v", got, tt.want)
			}
			for i, row := range table.Rows {
				if len(row.Cells) != len(table.ColumnDefinitions) {
					t.Errorf("row %d has %d cells for %d columns", i, len(row.Cells), len(table.ColumnDefinitions))
				}
			}
		})
	}
}

func TestCells(t *testing.T) {
	cordoned := node("node-2")
	cordoned.Labels = map[string]string{"kubernetes.io/role": "worker", "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}
	cordoned.Spec.Unschedulable = true
	cordoned.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}
	cordoned.Status.Addresses = append(cordoned.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "203.0.113.5"})
	cordoned.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.31.0"}

	bare := node("node-3")
	bare.Labels = nil
	bare.Status = corev1.NodeStatus{}

	noReplicas := deployment("api", 0, 0, 0, 0)
	noReplicas.Spec.Replicas = nil
	noReplicas.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"api", "web"}},
	}}
	noReplicas.Spec.Template.Spec.Containers = containers("api")

	badSelector := deployment("bad", 1, 1, 1, 1)
	badSelector.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}

	emptySelectorRS := replicaSet("empty", 0, 0, 0)
	emptySelectorRS.Spec.Selector = nil
	emptySelectorRS.Spec.Template.Spec.Containers = nil

	tests := []struct {
		name string
		obj  runtime.Object
		want []interface{}
	}{
		{
			name: "running pod",
			obj:  runningPod(),
			want: []interface{}{"web-7d4b9c-x2x8k", "2/2", "Running", "3 (2m ago)", "5d", "10.244.0.12", "node-1", "<none>", "<none>"},
		},
		{
			name: "pending pod",
			obj:  pendingPod(),
			want: []interface{}{"web-7d4b9c-pend1", "0/1", "ContainerCreating", "0", "10s", "<none>", "node-1", "<none>", "<none>"},
		},
		{
			name: "deployment two of three ready",
			obj:  deployment("web", 3, 2, 3, 2),
			want: []interface{}{"web", "2/3", int64(3), int64(2), "26h", "app,proxy", "registry.example/app:1.0,registry.example/proxy:1.0", "app=web"},
		},
		{
			name: "deployment with defaulted replicas and a set selector",
			obj:  noReplicas,
			want: []interface{}{"api", "0/1", int64(0), int64(0), "26h", "api", "registry.example/api:1.0", "tier in (api,web)"},
		},
		{
			name: "deployment with an invalid selector",
			obj:  badSelector,
			want: []interface{}{"bad", "1/1", int64(1), int64(1), "26h", "app,proxy", "registry.example/app:1.0,registry.example/proxy:1.0", "<invalid>"},
		},
		{
			name: "replicaset",
			obj:  replicaSet("web-7d4b9c", 3, 3, 2),
			want: []interface{}{"web-7d4b9c", int64(3), int64(3), int64(2), "26h", "app", "registry.example/app:1.0", "app=web,pod-template-hash=7d4b9c"},
		},
		{
			name: "replicaset without selector or containers",
			obj:  emptySelectorRS,
			want: []interface{}{"empty", int64(0), int64(0), int64(0), "26h", "", "", "<none>"},
		},
		{
			name: "scale",
			obj: &autoscalingv1.Scale{ObjectMeta: objectMeta("web", 3*time.Minute),
				Spec: autoscalingv1.ScaleSpec{Replicas: 5}, Status: autoscalingv1.ScaleStatus{Replicas: 4}},
			want: []interface{}{"web", int64(5), int64(4), "3m"},
		},
		{
			name: "active namespace",
			obj:  namespace("kube-system", corev1.NamespaceActive, 400*24*time.Hour),
			want: []interface{}{"kube-system", "Active", "400d"},
		},
		{
			name: "terminating namespace",
			obj:  namespace("old", corev1.NamespaceTerminating, 90*time.Second),
			want: []interface{}{"old", "Terminating", "90s"},
		},
		{
			name: "ready control plane node",
			obj:  node("node-1"),
			want: []interface{}{"node-1", "Ready", "control-plane", "40d", "v1.32.2", "192.168.49.2", "<none>",
				"Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "containerd://1.7.24"},
		},
		{
			name: "cordoned node in unknown state",
			obj:  cordoned,
			want: []interface{}{"node-2", "NotReady,SchedulingDisabled", "infra,worker", "40d", "v1.31.0", "192.168.49.2", "203.0.113.5",
				"<unknown>", "<unknown>", "<unknown>"},
		},
		{
			name: "node without status",
			obj:  bare,
			want: []interface{}{"node-3", "Unknown", "<none>", "40d", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
		},
		{
			name: "held lease",
			obj:  lease("kube-controller-manager", "node-1_6f1c"),
			want: []interface{}{"kube-controller-manager", "node-1_6f1c", "120m"},
		},
		{
			name: "free lease",
			obj:  lease("free", ""),
			want: []interface{}{"free", "", "120m"},
		},
		{
			name: "other kind",
			obj:  &corev1.PodTemplate{ObjectMeta: objectMeta("settings", time.Hour)},
			want: []interface{}{"settings", "2025-06-01T11:00:00Z"},
		},
		{
			name: "unstructured other kind",
			obj: &unstructured.Unstructured{Object: map[string]interface{}{
				"apiVersion": "example.com/v1", "kind": "Widget",
				"metadata": map[string]interface{}{"name": "w1", "creationTimestamp": "2025-01-02T03:04:05Z"},
			}},
			want: []interface{}{"w1", "2025-01-02T03:04:05Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.obj, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(table.Rows))
			}
			if got := table.Rows[0].Cells; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cells:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		name    string
		created metav1.Time
		want    string
	}{
		{name: "unset", created: metav1.Time{}, want: "<unknown>"},
		{name: "just now", created: ago(0), want: "0s"},
		{name: "slight clock skew", created: ago(-time.Second), want: "0s"},
		{name: "in the future", created: ago(-time.Minute), want: "<invalid>"},
		{name: "seconds", created: ago(119 * time.Second), want: "119s"},
		{name: "minutes and seconds", created: ago(3*time.Minute + 20*time.Second), want: "3m20s"},
		{name: "hours and minutes", created: ago(7*time.Hour + 5*time.Minute), want: "7h5m"},
		{name: "days and hours", created: ago(50 * time.Hour), want: "2d2h"},
		{name: "years", created: ago(3 * 365 * 24 * time.Hour), want: "3y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := namespace("ns", corev1.NamespaceActive, 0)
			ns.CreationTimestamp = tt.created
			table, err := ToTable(ns, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			if got := table.Rows[0].Cells[2]; got != tt.want {
				t.Errorf("AGE = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestZeroNowMeansWallClock(t *testing.T) {
	ns := namespace("ns", corev1.NamespaceActive, 0)
	ns.CreationTimestamp = metav1.NewTime(time.Now().Add(-10 * 24 * time.Hour))
	table, err := ToTable(ns, Options{})
	if err != nil {
		t.Fatalf("ToTable: %v", err)
	}
	if got := table.Rows[0].Cells[2]; got != "10d" {
		t.Errorf("AGE = %q, want 10d", got)
	}
}

func TestListMetadata(t *testing.T) {
	remaining := ptr(int64(7))
	tests := []struct {
		name                  string
		obj                   runtime.Object
		wantRV, wantContinue  string
		wantRemaining         *int64
		wantRows              int
		wantFirstName         string
		wantSingleObjectInRow bool
	}{
		{name: "pod list", obj: podList(runningPod(), pendingPod()), wantRV: "1234", wantContinue: "next-page", wantRemaining: remaining, wantRows: 2, wantFirstName: "web-7d4b9c-x2x8k"},
		{name: "single pod", obj: runningPod(), wantRV: "42", wantRows: 1, wantFirstName: "web-7d4b9c-x2x8k"},
		{
			name: "deployment list",
			obj: &appsv1.DeploymentList{ListMeta: metav1.ListMeta{ResourceVersion: "77", Continue: "c"},
				Items: []appsv1.Deployment{*deployment("a", 1, 1, 1, 1), *deployment("b", 1, 0, 1, 0)}},
			wantRV: "77", wantContinue: "c", wantRows: 2, wantFirstName: "a",
		},
		{
			name: "replicaset list",
			obj: &appsv1.ReplicaSetList{ListMeta: metav1.ListMeta{ResourceVersion: "78", RemainingItemCount: remaining},
				Items: []appsv1.ReplicaSet{*replicaSet("a", 1, 1, 1)}},
			wantRV: "78", wantRemaining: remaining, wantRows: 1, wantFirstName: "a",
		},
		{
			name:   "namespace list",
			obj:    &corev1.NamespaceList{ListMeta: metav1.ListMeta{ResourceVersion: "79"}, Items: []corev1.Namespace{*namespace("default", corev1.NamespaceActive, time.Hour)}},
			wantRV: "79", wantRows: 1, wantFirstName: "default",
		},
		{
			name:   "node list",
			obj:    &corev1.NodeList{ListMeta: metav1.ListMeta{ResourceVersion: "80"}, Items: []corev1.Node{*node("n1"), *node("n2")}},
			wantRV: "80", wantRows: 2, wantFirstName: "n1",
		},
		{
			name:   "lease list",
			obj:    &coordinationv1.LeaseList{ListMeta: metav1.ListMeta{ResourceVersion: "81"}, Items: []coordinationv1.Lease{*lease("l", "h")}},
			wantRV: "81", wantRows: 1, wantFirstName: "l",
		},
		{
			name: "other list",
			obj: &corev1.PodTemplateList{ListMeta: metav1.ListMeta{ResourceVersion: "82", Continue: "more"},
				Items: []corev1.PodTemplate{{ObjectMeta: objectMeta("a", time.Hour)}, {ObjectMeta: objectMeta("b", time.Hour)}}},
			wantRV: "82", wantContinue: "more", wantRows: 2, wantFirstName: "a",
		},
		{
			name: "unstructured list",
			obj: &unstructured.UnstructuredList{
				Object: map[string]interface{}{"apiVersion": "example.com/v1", "kind": "WidgetList", "metadata": map[string]interface{}{"resourceVersion": "83"}},
				Items: []unstructured.Unstructured{{Object: map[string]interface{}{
					"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]interface{}{"name": "w"},
				}}},
			},
			wantRV: "83", wantRows: 1, wantFirstName: "w",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.obj, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			if table.APIVersion != "meta.k8s.io/v1" || table.Kind != "Table" {
				t.Errorf("table type = %s/%s, want meta.k8s.io/v1 Table", table.APIVersion, table.Kind)
			}
			if table.ResourceVersion != tt.wantRV || table.Continue != tt.wantContinue {
				t.Errorf("resourceVersion, continue = %q, %q; want %q, %q", table.ResourceVersion, table.Continue, tt.wantRV, tt.wantContinue)
			}
			if !reflect.DeepEqual(table.RemainingItemCount, tt.wantRemaining) {
				t.Errorf("remainingItemCount = %v, want %v", table.RemainingItemCount, tt.wantRemaining)
			}
			if len(table.Rows) != tt.wantRows {
				t.Fatalf("got %d rows, want %d", len(table.Rows), tt.wantRows)
			}
			if got := table.Rows[0].Cells[0]; got != tt.wantFirstName {
				t.Errorf("first row name = %v, want %s", got, tt.wantFirstName)
			}
		})
	}
}

func TestEmptyListRows(t *testing.T) {
	tests := []struct {
		name     string
		obj      runtime.Object
		wantJSON string
	}{
		{name: "printed kind gives an empty array", obj: &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "5"}}, wantJSON: "[]"},
		{name: "default table gives null", obj: &corev1.PodTemplateList{ListMeta: metav1.ListMeta{ResourceVersion: "5"}}, wantJSON: "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.obj, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			var wire struct {
				Rows     json.RawMessage `json:"rows"`
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			}
			data, err := json.Marshal(table)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if err := json.Unmarshal(data, &wire); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			if string(wire.Rows) != tt.wantJSON {
				t.Errorf("rows = %s, want %s", wire.Rows, tt.wantJSON)
			}
			if wire.Metadata.ResourceVersion != "5" {
				t.Errorf("resourceVersion = %q, want 5", wire.Metadata.ResourceVersion)
			}
		})
	}
}

func TestNoHeaders(t *testing.T) {
	for _, obj := range []runtime.Object{podList(runningPod()), &corev1.PodTemplate{ObjectMeta: objectMeta("c", time.Hour)}} {
		t.Run(reflect.TypeOf(obj).Elem().Name(), func(t *testing.T) {
			table, err := ToTable(obj, Options{Now: now, NoHeaders: true})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			if table.ColumnDefinitions != nil {
				t.Errorf("columnDefinitions = %v, want nil", table.ColumnDefinitions)
			}
			if len(table.Rows) != 1 || len(table.Rows[0].Cells) == 0 {
				t.Errorf("rows = %v, want one row with cells", table.Rows)
			}
			data, err := json.Marshal(table)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !bytes.Contains(data, []byte(`"columnDefinitions":null`)) {
				t.Errorf("JSON %s lacks \"columnDefinitions\":null", data)
			}
		})
	}
}

func TestColumnDefinitionsAreCopies(t *testing.T) {
	first, err := ToTable(runningPod(), Options{Now: now})
	if err != nil {
		t.Fatalf("ToTable: %v", err)
	}
	first.ColumnDefinitions[0].Name = "changed"
	second, err := ToTable(runningPod(), Options{Now: now})
	if err != nil {
		t.Fatalf("ToTable: %v", err)
	}
	if second.ColumnDefinitions[0].Name != "Name" {
		t.Errorf("changing one table's columns changed the next table's: %q", second.ColumnDefinitions[0].Name)
	}
}

func TestIncludeObject(t *testing.T) {
	tests := []struct {
		name   string
		policy metav1.IncludeObjectPolicy
		obj    func() runtime.Object
		// check inspects the first row's object.
		check func(t *testing.T, got runtime.Object)
	}{
		{
			name: "default is metadata", policy: "", obj: func() runtime.Object { return podList(runningPod()) },
			check: wantPartial("web-7d4b9c-x2x8k"),
		},
		{
			name: "metadata", policy: metav1.IncludeMetadata, obj: func() runtime.Object { return deployment("web", 1, 1, 1, 1) },
			check: wantPartial("web"),
		},
		{
			name: "metadata of unstructured", policy: metav1.IncludeMetadata,
			obj: func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]interface{}{
					"apiVersion": "example.com/v1", "kind": "Widget",
					"metadata": map[string]interface{}{"name": "w1", "labels": map[string]interface{}{"app": "web"}},
				}}
			},
			check: wantPartial("w1"),
		},
		{
			name: "none", policy: metav1.IncludeNone, obj: func() runtime.Object { return podList(runningPod()) },
			check: func(t *testing.T, got runtime.Object) {
				if got != nil {
					t.Errorf("object = %T, want nil", got)
				}
			},
		},
		{
			name: "none keeps the metadata of the initial events bookmark", policy: metav1.IncludeNone,
			obj: func() runtime.Object {
				p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
					Name: "", ResourceVersion: "99", Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"},
				}}
				return p
			},
			check: func(t *testing.T, got runtime.Object) {
				p, ok := got.(*metav1.PartialObjectMetadata)
				if !ok {
					t.Fatalf("object = %T, want *metav1.PartialObjectMetadata", got)
				}
				if p.ResourceVersion != "99" {
					t.Errorf("resourceVersion = %q, want 99", p.ResourceVersion)
				}
			},
		},
		{
			name: "object fills in an empty type", policy: metav1.IncludeObject, obj: func() runtime.Object { return podList(pendingPod()) },
			check: wantObject[*corev1.Pod]("v1", "Pod", "web-7d4b9c-pend1"),
		},
		{
			name: "object keeps a set type", policy: metav1.IncludeObject, obj: func() runtime.Object { return runningPod() },
			check: wantObject[*corev1.Pod]("v1", "Pod", "web-7d4b9c-x2x8k"),
		},
		{
			name: "object of a group kind", policy: metav1.IncludeObject, obj: func() runtime.Object { return replicaSet("rs", 1, 1, 1) },
			check: wantObject[*appsv1.ReplicaSet]("apps/v1", "ReplicaSet", "rs"),
		},
		{
			name: "object of a lease", policy: metav1.IncludeObject, obj: func() runtime.Object { return lease("l", "h") },
			check: wantObject[*coordinationv1.Lease]("coordination.k8s.io/v1", "Lease", "l"),
		},
		{
			name: "object of a default-table kind", policy: metav1.IncludeObject,
			obj: func() runtime.Object {
				return &corev1.PodTemplateList{Items: []corev1.PodTemplate{{ObjectMeta: objectMeta("settings", time.Hour)}}}
			},
			check: wantObject[*corev1.PodTemplate]("v1", "PodTemplate", "settings"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.obj()
			before := obj.DeepCopyObject()
			table, err := ToTable(obj, Options{Now: now, IncludeObject: tt.policy})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			tt.check(t, table.Rows[0].Object.Object)
			if table.Rows[0].Object.Raw != nil {
				t.Errorf("row object has Raw bytes %q, want only Object", table.Rows[0].Object.Raw)
			}
			if !reflect.DeepEqual(obj, before) {
				t.Errorf("ToTable modified its argument")
			}
		})
	}
}

func wantPartial(name string) func(t *testing.T, got runtime.Object) {
	return func(t *testing.T, got runtime.Object) {
		t.Helper()
		p, ok := got.(*metav1.PartialObjectMetadata)
		if !ok {
			t.Fatalf("object = %T, want *metav1.PartialObjectMetadata", got)
		}
		if p.APIVersion != "meta.k8s.io/v1" || p.Kind != "PartialObjectMetadata" {
			t.Errorf("type = %s %s, want meta.k8s.io/v1 PartialObjectMetadata", p.APIVersion, p.Kind)
		}
		if p.Name != name || p.Labels["app"] != "web" {
			t.Errorf("metadata = %+v, want name %s with label app=web", p.ObjectMeta, name)
		}
	}
}

func wantObject[T runtime.Object](apiVersion, kind, name string) func(t *testing.T, got runtime.Object) {
	return func(t *testing.T, got runtime.Object) {
		t.Helper()
		o, ok := got.(T)
		if !ok {
			t.Fatalf("object = %T, want %T", got, *new(T))
		}
		gvk := o.GetObjectKind().GroupVersionKind()
		if gvk.GroupVersion().String() != apiVersion || gvk.Kind != kind {
			t.Errorf("type = %s %s, want %s %s", gvk.GroupVersion(), gvk.Kind, apiVersion, kind)
		}
		if n := reflect.ValueOf(o).Elem().FieldByName("ObjectMeta").FieldByName("Name").String(); n != name {
			t.Errorf("name = %q, want %q", n, name)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		obj  runtime.Object
		opts Options
		want error
	}{
		{name: "unknown include policy", obj: runningPod(), opts: Options{IncludeObject: "Everything"}, want: ErrInvalidIncludeObject},
		{name: "nil object", obj: nil, want: ErrNotAcceptable},
		{name: "nil typed pointer", obj: (*corev1.Pod)(nil), want: ErrNotAcceptable},
		{name: "object without metadata", obj: &metav1.Status{Status: metav1.StatusFailure}, want: ErrNotAcceptable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.obj, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ToTable error = %v, want %v", err, tt.want)
			}
			if table != nil {
				t.Errorf("table = %v, want nil", table)
			}
		})
	}
}

// TestWireShape encodes tables the two ways the engine may (encoding/json
// and apimachinery's JSON serializer) and reads them back the way kubectl
// does, into a metav1.Table.
func TestWireShape(t *testing.T) {
	serializer := jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, jsonserializer.SerializerOptions{})
	encoders := []struct {
		name   string
		encode func(*metav1.Table) ([]byte, error)
	}{
		{name: "encoding/json", encode: func(t *metav1.Table) ([]byte, error) { return json.Marshal(t) }},
		{name: "apimachinery serializer", encode: func(t *metav1.Table) ([]byte, error) {
			var buf bytes.Buffer
			err := serializer.Encode(t, &buf)
			return buf.Bytes(), err
		}},
	}
	policies := []struct {
		policy                 metav1.IncludeObjectPolicy
		wantKind, wantAPIGroup string
	}{
		{policy: metav1.IncludeMetadata, wantKind: "PartialObjectMetadata", wantAPIGroup: "meta.k8s.io/v1"},
		{policy: metav1.IncludeObject, wantKind: "Deployment", wantAPIGroup: "apps/v1"},
		{policy: metav1.IncludeNone},
	}
	list := &appsv1.DeploymentList{
		ListMeta: metav1.ListMeta{ResourceVersion: "900", Continue: "tok"},
		Items:    []appsv1.Deployment{*deployment("web", 3, 2, 3, 2), *deployment("api", 1, 1, 1, 1)},
	}
	for _, enc := range encoders {
		for _, p := range policies {
			t.Run(enc.name+"/"+string(p.policy), func(t *testing.T) {
				table, err := ToTable(list, Options{Now: now, IncludeObject: p.policy})
				if err != nil {
					t.Fatalf("ToTable: %v", err)
				}
				data, err := enc.encode(table)
				if err != nil {
					t.Fatalf("encode: %v", err)
				}

				// The raw shape: top-level type and metadata, and each row's
				// cells and object.
				var wire struct {
					Kind       string `json:"kind"`
					APIVersion string `json:"apiVersion"`
					Metadata   struct {
						ResourceVersion string `json:"resourceVersion"`
						Continue        string `json:"continue"`
					} `json:"metadata"`
					ColumnDefinitions []map[string]interface{} `json:"columnDefinitions"`
					Rows              []struct {
						Cells  []interface{}   `json:"cells"`
						Object json.RawMessage `json:"object"`
					} `json:"rows"`
				}
				if err := json.Unmarshal(data, &wire); err != nil {
					t.Fatalf("unmarshal %s: %v", data, err)
				}
				if wire.Kind != "Table" || wire.APIVersion != "meta.k8s.io/v1" {
					t.Errorf("kind, apiVersion = %q, %q; want Table, meta.k8s.io/v1", wire.Kind, wire.APIVersion)
				}
				if wire.Metadata.ResourceVersion != "900" || wire.Metadata.Continue != "tok" {
					t.Errorf("metadata = %+v, want resourceVersion 900, continue tok", wire.Metadata)
				}
				if len(wire.ColumnDefinitions) != 8 || wire.ColumnDefinitions[0]["format"] != "name" {
					t.Errorf("columnDefinitions = %v, want 8 starting with a name-format column", wire.ColumnDefinitions)
				}
				if len(wire.Rows) != 2 {
					t.Fatalf("got %d rows, want 2", len(wire.Rows))
				}
				for i, row := range wire.Rows {
					if p.policy == metav1.IncludeNone {
						if string(row.Object) != "null" {
							t.Errorf("row %d object = %s, want null", i, row.Object)
						}
						continue
					}
					var obj struct {
						Kind       string `json:"kind"`
						APIVersion string `json:"apiVersion"`
						Metadata   struct {
							Name string `json:"name"`
						} `json:"metadata"`
					}
					if err := json.Unmarshal(row.Object, &obj); err != nil {
						t.Fatalf("row %d object %s: %v", i, row.Object, err)
					}
					if obj.Kind != p.wantKind || obj.APIVersion != p.wantAPIGroup || obj.Metadata.Name != list.Items[i].Name {
						t.Errorf("row %d object = %+v, want %s %s named %s", i, obj, p.wantAPIGroup, p.wantKind, list.Items[i].Name)
					}
				}

				// Read back as kubectl does and compare the cells.
				var decoded metav1.Table
				if _, _, err := serializer.Decode(data, nil, &decoded); err != nil {
					t.Fatalf("decode: %v", err)
				}
				if !reflect.DeepEqual(decoded.ColumnDefinitions, table.ColumnDefinitions) {
					t.Errorf("decoded columns differ:\n got %+v\nwant %+v", decoded.ColumnDefinitions, table.ColumnDefinitions)
				}
				for i := range table.Rows {
					if !reflect.DeepEqual(decoded.Rows[i].Cells, table.Rows[i].Cells) {
						t.Errorf("row %d decoded cells = %#v, want %#v", i, decoded.Rows[i].Cells, table.Rows[i].Cells)
					}
				}
			})
		}
	}
}

func TestUnstructuredOfPrintedKind(t *testing.T) {
	toUnstructured := func(obj runtime.Object) map[string]interface{} {
		t.Helper()
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	pod := runningPod()
	list := podList(runningPod(), pendingPod())
	list.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}
	ulist := &unstructured.UnstructuredList{}
	ulist.SetUnstructuredContent(toUnstructured(list))
	deploy := deployment("web", 3, 2, 3, 2)
	deploy.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}

	tests := []struct {
		name      string
		obj       runtime.Object
		wantCells [][]interface{}
		wantRV    string
	}{
		{
			name:      "pod",
			obj:       &unstructured.Unstructured{Object: toUnstructured(pod)},
			wantCells: [][]interface{}{{"web-7d4b9c-x2x8k", "2/2", "Running", "3 (2m ago)", "5d", "10.244.0.12", "node-1", "<none>", "<none>"}},
			wantRV:    "42",
		},
		{
			name: "pod list",
			obj:  ulist,
			wantCells: [][]interface{}{
				{"web-7d4b9c-x2x8k", "2/2", "Running", "3 (2m ago)", "5d", "10.244.0.12", "node-1", "<none>", "<none>"},
				{"web-7d4b9c-pend1", "0/1", "ContainerCreating", "0", "10s", "<none>", "node-1", "<none>", "<none>"},
			},
			wantRV: "1234",
		},
		{
			name:      "deployment",
			obj:       &unstructured.Unstructured{Object: toUnstructured(deploy)},
			wantCells: [][]interface{}{{"web", "2/3", int64(3), int64(2), "26h", "app,proxy", "registry.example/app:1.0,registry.example/proxy:1.0", "app=web"}},
			wantRV:    "42",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.obj, Options{Now: now, IncludeObject: metav1.IncludeObject})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			if table.ResourceVersion != tt.wantRV {
				t.Errorf("resourceVersion = %q, want %q", table.ResourceVersion, tt.wantRV)
			}
			if len(table.Rows) != len(tt.wantCells) {
				t.Fatalf("got %d rows, want %d", len(table.Rows), len(tt.wantCells))
			}
			for i, row := range table.Rows {
				if !reflect.DeepEqual(row.Cells, tt.wantCells[i]) {
					t.Errorf("row %d cells:\n got %#v\nwant %#v", i, row.Cells, tt.wantCells[i])
				}
				if gvk := row.Object.Object.GetObjectKind().GroupVersionKind(); gvk.Kind == "" || gvk.Version == "" {
					t.Errorf("row %d object %T has no kind or version", i, row.Object.Object)
				}
			}
		})
	}

	t.Run("malformed", func(t *testing.T) {
		bad := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "v1", "kind": "Pod", "metadata": map[string]interface{}{"name": "p"}, "spec": "not an object",
		}}
		if _, err := ToTable(bad, Options{Now: now}); err == nil {
			t.Error("ToTable of a malformed unstructured pod succeeded, want an error")
		}
	})
}
