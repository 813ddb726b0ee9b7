package mapping

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sheetops/sheetops/kube"
)

// checkProjected fails unless obj projected to the tab's Keep renders every cell as obj
// does, and every editable column builds the same patch from it.
func checkProjected(t *testing.T, tb Tab, obj runtime.Object) {
	t.Helper()
	projected := kube.Project(obj.DeepCopyObject(), tb.Keep())
	at := now.Add(90 * time.Minute)
	full, slim := tb.Row(obj, at), tb.Row(projected, at)
	for i, c := range tb.Columns {
		if full[i] != slim[i] {
			t.Errorf("%s: full object %q, projected %q", c.Header, full[i], slim[i])
		}
		if c.Patch == nil {
			continue
		}
		value := full[i] + "1"
		if c.Header == Image {
			value = "example.com/other:2"
		}
		ft, fb, ferr := c.Patch(obj, value)
		st, sb, serr := c.Patch(projected, value)
		if ft != st || string(fb) != string(sb) || (ferr == nil) != (serr == nil) {
			t.Errorf("%s patch: full object %s %s %v, projected %s %s %v", c.Header, ft, fb, ferr, st, sb, serr)
		}
	}
}

// noisy adds to a pod what real pods carry and no column reads.
func noisy(p *corev1.Pod) *corev1.Pod {
	p = p.DeepCopy()
	p.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}
	p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-7d9f8b6c5"}}
	p.Spec.Tolerations = []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists}}
	p.Spec.Volumes = []corev1.Volume{{Name: "token"}}
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].Env = []corev1.EnvVar{{Name: "A", Value: "b"}}
		p.Spec.Containers[i].TerminationMessagePath = "/dev/termination-log"
	}
	for i := range p.Status.ContainerStatuses {
		p.Status.ContainerStatuses[i].ImageID = "docker.io/library/nginx@sha256:6965a10c"
		p.Status.ContainerStatuses[i].ContainerID = "sheetops://4b586519fc98"
	}
	p.Status.HostIP = "10.0.0.10"
	p.Status.QOSClass = corev1.PodQOSBestEffort
	return p
}

// TestProjectedRender: what the view keeps of an object renders every column of the
// default tabs and the presets as the whole object does, and patches it alike.
func TestProjectedRender(t *testing.T) {
	for _, name := range []string{DeploymentsTab, PodsTab} {
		if tab(t, name).Keep() == nil {
			t.Errorf("the default %s tab keeps whole objects", name)
		}
	}
	t.Run(DeploymentsTab, func(t *testing.T) {
		for _, d := range deployments() {
			checkProjected(t, tab(t, DeploymentsTab), d)
		}
	})
	t.Run(PodsTab, func(t *testing.T) {
		for _, p := range pods() {
			checkProjected(t, tab(t, PodsTab), noisy(p))
		}
	})
	objs := presetObjects()
	for _, p := range Presets {
		t.Run("preset "+p.Name, func(t *testing.T) {
			tb := presetTab(t, p)
			for _, o := range objs[p.Name] {
				checkProjected(t, tb, o)
				m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
				if err != nil {
					t.Fatal(err)
				}
				checkProjected(t, tb, &unstructured.Unstructured{Object: m})
			}
		})
	}
}

// TestProjectedPathColumns: a tab's JSONPath columns keep what they read, whatever the path
// (a list index, a wildcard, a filter, a quoted key, a recursive descent).
func TestProjectedPathColumns(t *testing.T) {
	specs := []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "CPU", Path: ".spec.containers[0].resources.requests.cpu"},
		{Header: "Env", Path: "{.spec.containers[*].env[*].name}"},
		{Header: "Ready cond", Path: `.status.conditions[?(@.type=="Ready")].status`},
		{Header: "Owner", Path: ".metadata.ownerReferences[0].name"},
		{Header: "Host", Path: ".status['hostIP']"},
		{Header: "Tier", Path: ".metadata.labels['app.kubernetes.io/tier']"},
		{Header: Sync},
	}
	tb, err := BuildTab("Custom", kube.Pods, specs)
	if err != nil {
		t.Fatal(err)
	}
	keep := tb.Keep()
	for _, want := range []string{"spec.containers.resources.requests.cpu", "spec.containers.env.name", "status.conditions", "metadata.ownerReferences.name", "status.hostIP", "metadata.labels"} {
		if !slices.Contains(keep, want) {
			t.Errorf("Keep = %q, want %q among them", keep, want)
		}
	}
	for _, p := range pods() {
		checkProjected(t, tb, noisy(p))
	}

	tb, err = BuildTab("Anything", kube.Pods, []ColumnSpec{{Header: Namespace}, {Header: Name}, {Header: "Images", Path: "..image"}, {Header: Sync}})
	if err != nil {
		t.Fatal(err)
	}
	if keep := tb.Keep(); keep != nil {
		t.Errorf("a recursive descent keeps %q, want the whole object", keep)
	}
}
