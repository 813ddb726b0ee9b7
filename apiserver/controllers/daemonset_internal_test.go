package controllers

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testNode(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

// TestShouldRunDaemonPod: node selector, required node affinity and taints decide which
// nodes want a daemon pod, as upstream's nodeShouldRunDaemonPod.
func TestShouldRunDaemonPod(t *testing.T) {
	ssd := map[string]string{"disk": "ssd", "zone": "a"}
	tests := []struct {
		name string
		spec func(*corev1.PodSpec)
		node *corev1.Node
		want bool
	}{
		{"any node", nil, testNode("n", nil), true},
		{"node selector matches", func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"disk": "ssd"} }, testNode("n", ssd), true},
		{"node selector misses", func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"disk": "hdd"} }, testNode("n", ssd), false},
		{"affinity In", func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}}}}}}
		}, testNode("n", ssd), true},
		{"affinity terms ORed", func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{
					{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"c"}}}},
					{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n"}}}},
				}}}}
		}, testNode("n", ssd), true},
		{"affinity DoesNotExist", func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpDoesNotExist}}}}}}}
		}, testNode("n", ssd), false},
		{"untolerated NoSchedule taint", nil, testNode("n", nil, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}), false},
		{"PreferNoSchedule taint", nil, testNode("n", nil, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectPreferNoSchedule}), true},
		{"tolerated taint", func(s *corev1.PodSpec) {
			s.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db"}}
		}, testNode("n", nil, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoExecute}), true},
		{"unschedulable and not-ready nodes", nil, testNode("n", nil,
			corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule},
			corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := &appsv1.DaemonSet{}
			if tt.spec != nil {
				tt.spec(&ds.Spec.Template.Spec)
			}
			if got := shouldRunDaemonPod(ds, tt.node); got != tt.want {
				t.Errorf("shouldRunDaemonPod = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRollingUpdateVictims: old pods that are not available go first; available ones only
// while fewer than maxUnavailable nodes lack an available pod.
func TestRollingUpdateVictims(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pod := func(node, hash string, ready bool, readySince time.Duration) *corev1.Pod {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: node + "-" + hash, Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
			Spec: corev1.PodSpec{NodeName: node},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status,
				LastTransitionTime: metav1.NewTime(now.Add(-readySince))}}}}
	}
	var nodes []*corev1.Node
	for i := range 4 {
		nodes = append(nodes, testNode(fmt.Sprintf("n%d", i), nil))
	}
	tests := []struct {
		name           string
		maxUnavailable intstr.IntOrString
		minReady       int32
		pods           map[string][]*corev1.Pod
		want           []string
	}{
		{"one at a time", intstr.FromInt32(1), 0, map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true, time.Hour)}, "n1": {pod("n1", "old", true, time.Hour)},
			"n2": {pod("n2", "new", true, time.Hour)}, "n3": {pod("n3", "new", true, time.Hour)}}, []string{"n0-old"}},
		{"an update in flight uses the budget", intstr.FromInt32(1), 0, map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true, time.Hour)}, "n1": {pod("n1", "new", false, 0)},
			"n2": {pod("n2", "new", true, time.Hour)}, "n3": {pod("n3", "new", true, time.Hour)}}, nil},
		{"unavailable old pods go at once", intstr.FromInt32(1), 0, map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", false, 0)}, "n1": {pod("n1", "old", false, 0)},
			"n2": {pod("n2", "old", true, time.Hour)}, "n3": {pod("n3", "new", true, time.Hour)}}, []string{"n0-old", "n1-old"}},
		{"percent rounds up", intstr.FromString("30%"), 0, map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true, time.Hour)}, "n1": {pod("n1", "old", true, time.Hour)},
			"n2": {pod("n2", "old", true, time.Hour)}, "n3": {pod("n3", "old", true, time.Hour)}}, []string{"n0-old", "n1-old"}},
		{"minReadySeconds not yet met", intstr.FromInt32(1), 60, map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true, time.Hour)}, "n1": {pod("n1", "new", true, 10*time.Second)},
			"n2": {pod("n2", "new", true, time.Hour)}, "n3": {pod("n3", "new", true, time.Hour)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{MinReadySeconds: tt.minReady, UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &tt.maxUnavailable}}}}
			c := &daemonSetController{now: func() time.Time { return now }}
			var got []string
			for _, p := range c.rollingUpdateVictims(ds, nodes, tt.pods, "new") {
				got = append(got, p.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("victims %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSurgeUpdate: with maxSurge, new pods start beside available old ones up to the surge,
// at once where the old pod is unavailable, and an old pod goes when its successor is available.
func TestSurgeUpdate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pod := func(node, hash string, ready bool) *corev1.Pod {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: node + "-" + hash, Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))}}}}
	}
	var nodes []*corev1.Node
	for i := range 4 {
		nodes = append(nodes, testNode(fmt.Sprintf("n%d", i), nil))
	}
	tests := []struct {
		name         string
		pods         map[string][]*corev1.Pod
		wantRemove   []string
		wantCreateOn []string
	}{
		{"surge one node", map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true)}, "n1": {pod("n1", "old", true)}, "n2": {pod("n2", "old", true)}, "n3": {pod("n3", "old", true)}},
			nil, []string{"n0"}},
		{"wait for the surged pod", map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true), pod("n0", "new", false)}, "n1": {pod("n1", "old", true)}, "n2": {pod("n2", "old", true)}, "n3": {pod("n3", "old", true)}},
			nil, nil},
		{"old pod goes once the new one is available", map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", true), pod("n0", "new", true)}, "n1": {pod("n1", "old", true)}, "n2": {pod("n2", "new", true)}, "n3": {pod("n3", "new", true)}},
			[]string{"n0-old"}, []string{"n1"}},
		{"unavailable old pods are replaced at once", map[string][]*corev1.Pod{
			"n0": {pod("n0", "old", false)}, "n1": {pod("n1", "old", false)}, "n2": {pod("n2", "old", true)}, "n3": {pod("n3", "new", true)}},
			nil, []string{"n0", "n1", "n2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: ptrTo(intstr.FromInt32(1)), MaxUnavailable: ptrTo(intstr.FromInt32(0))}}}}
			c := &daemonSetController{now: func() time.Time { return now }}
			remove, create := c.surgeUpdate(ds, nodes, tt.pods, "new")
			var removed []string
			for _, p := range remove {
				removed = append(removed, p.Name)
			}
			if !slices.Equal(removed, tt.wantRemove) || !slices.Equal(create, tt.wantCreateOn) {
				t.Errorf("remove %v create on %v, want %v and %v", removed, create, tt.wantRemove, tt.wantCreateOn)
			}
		})
	}
}
