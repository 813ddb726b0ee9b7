package validation

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// want is one expected validation error, identified by type and field path.
type want struct {
	Type  field.ErrorType
	Field string
}

func errorsOf(errs field.ErrorList) []want {
	out := []want{}
	for _, e := range errs {
		out = append(out, want{e.Type, e.Field})
	}
	return out
}

func checkErrors(t *testing.T, got field.ErrorList, expected []want) {
	t.Helper()
	if expected == nil {
		expected = []want{}
	}
	g := errorsOf(got)
	if len(g) != len(expected) {
		t.Fatalf("got %d errors %v, want %v\n%v", len(g), g, expected, got)
	}
	for i := range g {
		if g[i] != expected[i] {
			t.Fatalf("error %d is %v, want %v\nall: %v", i, g[i], expected[i], got)
		}
	}
}

func checkSame(t *testing.T, got, expected runtime.Object) {
	t.Helper()
	if !equality.Semantic.DeepEqual(got, expected) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(expected, "", "  ")
		t.Fatalf("got\n%s\nwant\n%s", g, w)
	}
}

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default"}
}

func rl(pairs ...string) corev1.ResourceList {
	list := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		list[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return list
}

// newPod is a pod as a client sends it, defaulted and prepared as the engine
// stores it.
func newPod(mutate ...func(*corev1.Pod)) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: meta("web"),
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}},
		},
	}
	for _, m := range mutate {
		m(pod)
	}
	Default(pod)
	return pod
}

func storedPod() *corev1.Pod {
	pod := newPod()
	PrepareForCreate(pod)
	pod.ResourceVersion = "7"
	pod.UID = "uid-1"
	return pod
}

func templateSpec(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
	}
}

func newDeployment(mutate ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: meta("web"),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: templateSpec(map[string]string{"app": "web"}),
		},
	}
	for _, m := range mutate {
		m(d)
	}
	Default(d)
	return d
}

func storedDeployment() *appsv1.Deployment {
	d := newDeployment()
	PrepareForCreate(d)
	d.ResourceVersion = "7"
	return d
}

func newReplicaSet(mutate ...func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: meta("web-5d4f"),
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: templateSpec(map[string]string{"app": "web"}),
		},
	}
	for _, m := range mutate {
		m(rs)
	}
	Default(rs)
	return rs
}
