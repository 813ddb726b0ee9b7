package kube

import (
	"context"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func fullPod() *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", UID: "u1", ResourceVersion: "7",
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"sheetops.io/uptime": "Mon-Fri 08:00-18:00 UTC"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web"}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
		Spec: corev1.PodSpec{
			Containers:  []corev1.Container{{Name: "c", Image: "nginx:1.27", Env: []corev1.EnvVar{{Name: "A"}}}},
			Tolerations: []corev1.Toleration{{Key: "k"}},
			NodeName:    "node-a",
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "10.0.0.1",
			ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, ImageID: "sha256:1"}}},
	}
}

// TestProject: a projection keeps the fields named, every object's identity, labels and
// annotations, and drops the rest; without one only managed fields go.
func TestProject(t *testing.T) {
	keep := []string{"spec.containers.image", "status.phase", "status.containerStatuses.ready"}
	want := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", UID: "u1", ResourceVersion: "7",
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"sheetops.io/uptime": "Mon-Fri 08:00-18:00 UTC"}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Image: "nginx:1.27"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Ready: true}}},
	}
	t.Run("typed", func(t *testing.T) {
		if got := Project(fullPod(), keep); !reflect.DeepEqual(got, want) {
			t.Errorf("Project = %#v\nwant %#v", got, want)
		}
	})
	t.Run("unstructured", func(t *testing.T) {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fullPod())
		if err != nil {
			t.Fatal(err)
		}
		got := Project(&unstructured.Unstructured{Object: m}, keep).(*unstructured.Unstructured).Object
		if len(got["spec"].(map[string]any)) != 1 || len(got["status"].(map[string]any)) != 2 {
			t.Errorf("Project kept %v", got)
		}
		var p corev1.Pod
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(got, &p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&p, want) {
			t.Errorf("Project = %v\nwant %#v", got, want)
		}
	})
	t.Run("whole", func(t *testing.T) {
		p := fullPod()
		p.ManagedFields = nil
		if got := Project(fullPod(), nil); !reflect.DeepEqual(got, p) {
			t.Errorf("Project(nil) = %#v\nwant %#v", got, p)
		}
	})
}

// TestNewProjection: sources of one resource share what any of them keeps; one that keeps
// whole objects keeps them for all.
func TestNewProjection(t *testing.T) {
	p := newProjection([]Source{{Resource: Pods, Keep: []string{"status.phase"}}, {Resource: Pods, Keep: []string{"spec.nodeName"}}})
	if p == nil || p.keep["status"]["phase"] != nil || p.keep["spec"] == nil {
		t.Fatalf("projection keeps %v", p)
	}
	if _, ok := p.keep["spec"]["nodeName"]; !ok {
		t.Errorf("projection keeps %v, want spec.nodeName", p.keep)
	}
	if p := newProjection([]Source{{Resource: Pods, Keep: []string{"status.phase"}}, {Resource: Pods}}); p != nil {
		t.Errorf("projection keeps %v, want whole objects", p.keep)
	}
}

// BenchmarkProject is the projection of one decoded pod as the informer stores it.
func BenchmarkProject(b *testing.B) {
	keep := []string{"spec.containers.image", "spec.containers.name", "status.phase", "status.conditions.type", "status.containerStatuses.ready", "spec.nodeName"}
	p := newProjection([]Source{{Resource: Pods, Keep: keep}})
	pods := make([]*corev1.Pod, 1000)
	b.ReportAllocs()
	i := len(pods)
	for b.Loop() {
		if i == len(pods) {
			b.StopTimer()
			for j := range pods {
				pods[j] = fullPod()
			}
			i = 0
			b.StartTimer()
		}
		p.transform(pods[i])
		i++
	}
}

// TestViewKeepsProjection: a view whose source names the fields it reads stores only those
// (and identity, labels, annotations); Objects and ByUID follow updates and deletes.
func TestViewKeepsProjection(t *testing.T) {
	cs := engine(t)(adminToken)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seed(t, cs, "shop", "web")
	v, err := NewViewOf(cs, nil, []Source{{Resource: Deployments, Namespaces: []string{"shop"}, Keep: []string{"spec.template.spec.containers.image", "spec.replicas"}}})
	if err != nil {
		t.Fatal(err)
	}
	v.Start(ctx)
	defer v.Stop()
	if err := v.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	d := v.Deployments()[0]
	if d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" || d.Spec.Replicas == nil || d.Labels["app"] != "web" || d.ResourceVersion == "" {
		t.Errorf("the view lost a field it keeps: %+v", d)
	}
	if d.Spec.Selector != nil || d.Spec.Template.Spec.Containers[0].Name != "" || d.Spec.Template.Labels != nil {
		t.Errorf("the view kept fields no source reads: %+v", d.Spec)
	}
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}`)
	if _, err := cs.AppsV1().Deployments("shop").Patch(ctx, "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if ctx.Err() != nil {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the new image", func() bool {
		o, ok := v.ByUID(Deployments, d.UID)
		objs := v.Objects(Deployments)
		return ok && o.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Image == "nginx:1.28" &&
			len(objs) == 1 && objs[0] == o
	})
	if err := cs.AppsV1().Deployments("shop").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("the delete", func() bool {
		_, ok := v.ByUID(Deployments, d.UID)
		return !ok && len(v.Objects(Deployments)) == 0
	})
}
