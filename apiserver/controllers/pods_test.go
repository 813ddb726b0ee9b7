package controllers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

type podOpt func(*corev1.Pod)

func testPod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:       corev1.PodSpec{NodeName: "sheetops-node", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func unassigned(p *corev1.Pod)        { p.Spec.NodeName = "" }
func phase(ph corev1.PodPhase) podOpt { return func(p *corev1.Pod) { p.Status.Phase = ph } }
func readySince(t time.Time) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t)})
	}
}
func created(t time.Time) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t) }
}
func cost(v string) podOpt {
	return func(p *corev1.Pod) { p.Annotations = map[string]string{podDeletionCostAnnotation: v} }
}
func restartCount(n int32) podOpt {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", RestartCount: n}}
	}
}

// TestRankedPods checks each of upstream's ranking rules: the first pod of each pair is
// deleted before the second.
func TestRankedPods(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ready := readySince(now.Add(-time.Hour))
	tests := []struct {
		name         string
		first, then  *corev1.Pod
		rankF, rankT int
	}{
		{"unassigned before assigned", testPod("a", unassigned, phase(corev1.PodPending)), testPod("b", phase(corev1.PodPending)), 0, 0},
		{"pending before running", testPod("a", phase(corev1.PodPending)), testPod("b"), 0, 0},
		{"unknown before running", testPod("a", phase(corev1.PodUnknown)), testPod("b"), 0, 0},
		{"not ready before ready", testPod("a"), testPod("b", ready), 0, 0},
		{"lower deletion cost first", testPod("a", ready, cost("-5")), testPod("b", ready), 0, 0},
		{"invalid deletion cost counts as zero", testPod("a", ready, cost("x")), testPod("b", ready, cost("1")), 0, 0},
		{"doubled up before alone", testPod("a", ready), testPod("b", ready), 3, 1},
		{"ready recently before ready long", testPod("a", readySince(now.Add(-time.Minute))), testPod("b", readySince(now.Add(-48*time.Hour))), 0, 0},
		{"more restarts first", testPod("a", restartCount(4)), testPod("b", restartCount(1)), 0, 0},
		{"newer before older", testPod("a", created(now.Add(-time.Minute))), testPod("b", created(now.Add(-48*time.Hour))), 0, 0},
		{"zero creation time first", testPod("a"), testPod("b", created(now.Add(-time.Hour))), 0, 0},
		{"similar age: by uid", testPod("a", created(now.Add(-100*time.Second))), testPod("b", created(now.Add(-101*time.Second))), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := rankedPods{pods: []*corev1.Pod{tt.first, tt.then}, rank: []int{tt.rankF, tt.rankT}, now: now}
			if !s.Less(0, 1) {
				t.Errorf("%s does not sort before %s", tt.first.Name, tt.then.Name)
			}
			if s.Less(1, 0) {
				t.Errorf("%s sorts before %s too", tt.then.Name, tt.first.Name)
			}
		})
	}
}

func TestPodsToDelete(t *testing.T) {
	now := time.Now()
	running := testPod("running", readySince(now.Add(-time.Hour)), created(now.Add(-2*time.Hour)))
	young := testPod("young", readySince(now.Add(-time.Second)), created(now.Add(-10*time.Second)))
	pending := testPod("pending", phase(corev1.PodPending), created(now))
	notReady := testPod("not-ready", created(now.Add(-time.Hour)))
	pods := []*corev1.Pod{running, young, pending, notReady}
	got := podsToDelete(pods, pods, 3, now)
	want := []string{"pending", "not-ready", "young"}
	for i, p := range got {
		if p.Name != want[i] {
			t.Fatalf("podsToDelete = %v, want %v", names(got), want)
		}
	}
	if pods[0] != running {
		t.Error("podsToDelete reordered its argument")
	}
	if all := podsToDelete(pods, pods, 4, now); len(all) != 4 {
		t.Errorf("deleting all: got %d pods", len(all))
	}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestIsPodAvailable(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		pod      *corev1.Pod
		minReady int32
		want     bool
	}{
		{"not ready", testPod("a"), 0, false},
		{"ready, no minReadySeconds", testPod("a", readySince(now)), 0, true},
		{"ready for less than minReadySeconds", testPod("a", readySince(now.Add(-5*time.Second))), 10, false},
		{"ready for longer", testPod("a", readySince(now.Add(-11*time.Second))), 10, true},
	}
	for _, tt := range tests {
		if got := isPodAvailable(tt.pod, tt.minReady, now); got != tt.want {
			t.Errorf("%s: isPodAvailable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
