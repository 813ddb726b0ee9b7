package controllers

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func intOrStr(s string) *intstr.IntOrString {
	v := intstr.Parse(s)
	return &v
}

// TestResolveFenceposts has upstream's cases (deployment_util_test.go) and the defaults.
func TestResolveFenceposts(t *testing.T) {
	tests := []struct {
		name                      string
		surge, unavailable        *intstr.IntOrString
		desired                   int32
		wantSurge, wantUnavailble int32
		wantErr                   bool
	}{
		{"both zero percent resolve to one unavailable", intOrStr("0%"), intOrStr("0%"), 0, 0, 1, false},
		{"percent rounds surge up and unavailable down", intOrStr("39%"), intOrStr("39%"), 10, 4, 3, false},
		{"bad surge", intstrPtr(intstr.FromString("oops")), intOrStr("39%"), 10, 0, 0, true},
		{"bad unavailable", intOrStr("55%"), intstrPtr(intstr.FromString("urg")), 10, 0, 0, true},
		{"no surge", nil, intOrStr("39%"), 10, 0, 3, false},
		{"no unavailable", intOrStr("39%"), nil, 10, 4, 0, false},
		{"neither", nil, nil, 10, 0, 1, false},
		{"defaults of 3", intOrStr("25%"), intOrStr("25%"), 3, 1, 0, false},
		{"defaults of 10", intOrStr("25%"), intOrStr("25%"), 10, 3, 2, false},
		{"defaults of 1", intOrStr("25%"), intOrStr("25%"), 1, 1, 0, false},
		{"integers", intOrStr("2"), intOrStr("1"), 5, 2, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			surge, unavailable, err := resolveFenceposts(tt.surge, tt.unavailable, tt.desired)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (surge != tt.wantSurge || unavailable != tt.wantUnavailble) {
				t.Errorf("resolveFenceposts = %d, %d; want %d, %d", surge, unavailable, tt.wantSurge, tt.wantUnavailble)
			}
		})
	}
}

func intstrPtr(v intstr.IntOrString) *intstr.IntOrString { return &v }

func deployment(replicas int32, strategy appsv1.DeploymentStrategyType, surge, unavailable string) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "d-uid", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: nginxTemplate("nginx:1.27"),
			Strategy: appsv1.DeploymentStrategy{Type: strategy},
		},
	}
	if strategy == appsv1.RollingUpdateDeploymentStrategyType {
		d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: intOrStr(surge), MaxUnavailable: intOrStr(unavailable)}
	}
	return d
}

func replicaSet(name string, replicas int32, created time.Time) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name + "-uid"), CreationTimestamp: metav1.NewTime(created)},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &replicas},
	}
}

func TestMaxSurgeAndUnavailable(t *testing.T) {
	tests := []struct {
		name                  string
		d                     *appsv1.Deployment
		wantSurge, wantUnavlb int32
	}{
		{"rolling defaults", deployment(4, appsv1.RollingUpdateDeploymentStrategyType, "25%", "25%"), 1, 1},
		{"unavailable capped at replicas", deployment(2, appsv1.RollingUpdateDeploymentStrategyType, "0", "5"), 0, 2},
		{"zero replicas", deployment(0, appsv1.RollingUpdateDeploymentStrategyType, "1", "1"), 1, 0},
		{"recreate", deployment(3, appsv1.RecreateDeploymentStrategyType, "", ""), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maxSurge(tt.d); got != tt.wantSurge {
				t.Errorf("maxSurge = %d, want %d", got, tt.wantSurge)
			}
			if got := maxUnavailable(tt.d); got != tt.wantUnavlb {
				t.Errorf("maxUnavailable = %d, want %d", got, tt.wantUnavlb)
			}
		})
	}
}

func TestNewRSReplicas(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name      string
		d         *appsv1.Deployment
		newRS     int32
		oldRS     int32
		wantCount int32
	}{
		{"surge by one", deployment(5, appsv1.RollingUpdateDeploymentStrategyType, "1", "0"), 0, 5, 1},
		{"at max surge: stay", deployment(5, appsv1.RollingUpdateDeploymentStrategyType, "1", "0"), 1, 5, 1},
		{"never above replicas", deployment(6, appsv1.RollingUpdateDeploymentStrategyType, "10", "0"), 2, 0, 6},
		{"percent surge rounds up", deployment(3, appsv1.RollingUpdateDeploymentStrategyType, "25%", "25%"), 0, 3, 1},
		{"recreate takes all", deployment(3, appsv1.RecreateDeploymentStrategyType, "", ""), 0, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newRS := replicaSet("new", tt.newRS, now)
			all := []*appsv1.ReplicaSet{replicaSet("old", tt.oldRS, now.Add(-time.Hour)), newRS}
			got, err := newRSReplicas(tt.d, all, newRS)
			if err != nil || got != tt.wantCount {
				t.Errorf("newRSReplicas = %d, %v; want %d", got, err, tt.wantCount)
			}
		})
	}
}

func TestOldScaleDown(t *testing.T) {
	// 10 replicas, maxUnavailable 2: with 10 old and 3 new of which 1 available, the old may
	// lose 13 - 8 - 2 = 3.
	d := deployment(10, appsv1.RollingUpdateDeploymentStrategyType, "3", "2")
	now := time.Now()
	old, newRS := replicaSet("old", 10, now.Add(-time.Hour)), replicaSet("new", 3, now)
	newRS.Status.AvailableReplicas = 1
	if got := oldScaleDown([]*appsv1.ReplicaSet{old, newRS}, newRS, d); got != 3 {
		t.Errorf("oldScaleDown = %d, want 3", got)
	}
}

func TestReplicaSetProportion(t *testing.T) {
	// Scaling 10 (+3 surge, annotated max 13) to 20 (+3 surge: 23) during a rollout of a 6/4
	// split gives the 6 five and a half of ten more, rounded.
	d := deployment(20, appsv1.RollingUpdateDeploymentStrategyType, "3", "0")
	rs := replicaSet("a", 6, time.Now())
	rs.Annotations = map[string]string{maxReplicasAnnotation: "13"}
	if got := replicaSetProportion(rs, d, 10, 0); got != 5 {
		t.Errorf("proportion = %d, want 5 (6*23/13 = 10.6 → 11, minus 6)", got)
	}
	if got := replicaSetProportion(rs, d, 10, 8); got != 2 {
		t.Errorf("proportion with 8 of 10 handed out = %d, want the 2 left", got)
	}
}

func TestSetNewReplicaSetAnnotations(t *testing.T) {
	d := deployment(3, appsv1.RollingUpdateDeploymentStrategyType, "25%", "25%")
	d.Annotations = map[string]string{"team": "a", corev1.LastAppliedConfigAnnotation: "{}", revisionAnnotation: "7"}
	rs := replicaSet("web-1", 0, time.Now())
	if !setNewReplicaSetAnnotations(d, rs, "4", false) {
		t.Fatal("reported no change")
	}
	want := map[string]string{"team": "a", revisionAnnotation: "4", desiredReplicasAnnotation: "3", maxReplicasAnnotation: "4"}
	if len(rs.Annotations) != len(want) {
		t.Errorf("annotations = %v, want %v", rs.Annotations, want)
	}
	for k, v := range want {
		if rs.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, rs.Annotations[k], v)
		}
	}
	// Rolled back to: the revision moves on and the old one goes into the history.
	setNewReplicaSetAnnotations(d, rs, "6", true)
	setNewReplicaSetAnnotations(d, rs, "9", true)
	if rs.Annotations[revisionAnnotation] != "9" || rs.Annotations[revisionHistoryAnnotation] != "4,6" {
		t.Errorf("revision %q history %q, want 9 and 4,6", rs.Annotations[revisionAnnotation], rs.Annotations[revisionHistoryAnnotation])
	}
	if setNewReplicaSetAnnotations(d, rs, "5", true) {
		t.Error("an older revision changed the replica set")
	}
}

func TestFindNewReplicaSet(t *testing.T) {
	d := deployment(3, appsv1.RollingUpdateDeploymentStrategyType, "25%", "25%")
	now := time.Now()
	withTemplate := func(name, image string, created time.Time) *appsv1.ReplicaSet {
		rs := replicaSet(name, 1, created)
		rs.Spec.Template = nginxTemplate(image)
		rs.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = name
		return rs
	}
	old := withTemplate("old", "nginx:1.26", now.Add(-2*time.Hour))
	match2 := withTemplate("b", "nginx:1.27", now)
	match1 := withTemplate("a", "nginx:1.27", now.Add(-time.Hour))
	rss := []*appsv1.ReplicaSet{old, match2, match1}
	if got := findNewReplicaSet(d, rss); got != match1 {
		t.Errorf("new replica set = %v, want the oldest matching one (a)", got.Name)
	}
	if got := findOldReplicaSets(d, rss); len(got) != 2 {
		t.Errorf("old replica sets = %d, want 2", len(got))
	}
}

func TestRolloutStatusConditions(t *testing.T) {
	now := time.Now()
	deadline := int32(600)
	tests := []struct {
		name          string
		available     int32
		updated       int32
		lastUpdate    time.Duration // how long ago the Progressing condition was updated
		reason        string
		wantAvailable corev1.ConditionStatus
		wantReason    string
	}{
		{"complete", 3, 3, time.Minute, reasonReplicaSetUpdated, corev1.ConditionTrue, reasonNewRSAvailable},
		{"progressing", 1, 2, time.Minute, reasonNewReplicaSet, corev1.ConditionFalse, reasonReplicaSetUpdated},
		{"stuck past the deadline", 0, 0, 11 * time.Minute, reasonNewReplicaSet, corev1.ConditionFalse, reasonTimedOut},
		{"stuck within the deadline", 0, 0, time.Minute, reasonNewReplicaSet, corev1.ConditionFalse, reasonNewReplicaSet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(3, appsv1.RollingUpdateDeploymentStrategyType, "25%", "0")
			d.Spec.ProgressDeadlineSeconds = &deadline
			d.Status.Conditions = []appsv1.DeploymentCondition{newDeploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, tt.reason, "", now.Add(-tt.lastUpdate))}
			newRS := replicaSet("web-new", 3, now)
			newRS.Status = appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: tt.available, AvailableReplicas: tt.available}
			if tt.updated == 0 {
				newRS.Status.Replicas = 0
			}
			d.Status.UpdatedReplicas = 0
			s := rolloutStatus([]*appsv1.ReplicaSet{newRS}, newRS, d, now)
			if c := deploymentCondition(s, appsv1.DeploymentAvailable); c == nil || c.Status != tt.wantAvailable {
				t.Errorf("Available = %+v, want %s", c, tt.wantAvailable)
			}
			if c := deploymentCondition(s, appsv1.DeploymentProgressing); c == nil || c.Reason != tt.wantReason {
				t.Errorf("Progressing = %+v, want reason %s", c, tt.wantReason)
			}
		})
	}
}
