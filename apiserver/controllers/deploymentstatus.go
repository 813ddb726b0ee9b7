package controllers

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons of the deployment conditions, as upstream.
const (
	reasonReplicaSetUpdated          = "ReplicaSetUpdated"
	reasonFailedRSCreate             = "ReplicaSetCreateError"
	reasonNewReplicaSet              = "NewReplicaSetCreated"
	reasonFoundNewRS                 = "FoundNewReplicaSet"
	reasonNewRSAvailable             = "NewReplicaSetAvailable"
	reasonTimedOut                   = "ProgressDeadlineExceeded"
	reasonPaused                     = "DeploymentPaused"
	reasonResumed                    = "DeploymentResumed"
	reasonMinimumReplicasAvailable   = "MinimumReplicasAvailable"
	reasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
)

func newDeploymentCondition(t appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, message string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: message, LastUpdateTime: ts, LastTransitionTime: ts}
}

func deploymentCondition(status appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range status.Conditions {
		if status.Conditions[i].Type == t {
			c := status.Conditions[i]
			return &c
		}
	}
	return nil
}

// setDeploymentCondition adds or replaces the condition of its type, unless one with the same
// status and reason is there; lastTransitionTime is kept while the status stays the same.
func setDeploymentCondition(status *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := deploymentCondition(*status, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	status.Conditions = append(withoutDeploymentCondition(status.Conditions, c.Type), c)
}

func removeDeploymentCondition(status *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	status.Conditions = withoutDeploymentCondition(status.Conditions, t)
}

func withoutDeploymentCondition(conds []appsv1.DeploymentCondition, t appsv1.DeploymentConditionType) []appsv1.DeploymentCondition {
	var out []appsv1.DeploymentCondition
	for _, c := range conds {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

// deploymentStatus is the status the replica sets give the deployment, with its Available
// condition, as upstream's calculateStatus.
func deploymentStatus(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment, now time.Time) appsv1.DeploymentStatus {
	available := statusSum(all, statusAvailable)
	unavailable := max(specReplicas(all)-available, 0)
	status := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            statusSum(all, statusReplicas),
		UpdatedReplicas:     statusSum([]*appsv1.ReplicaSet{newRS}, statusReplicas),
		ReadyReplicas:       statusSum(all, statusReady),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		CollisionCount:      d.Status.CollisionCount,
	}
	status.Conditions = append(status.Conditions, d.Status.Conditions...)
	if available >= replicas(d.Spec.Replicas)-maxUnavailable(d) {
		setDeploymentCondition(&status, newDeploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, reasonMinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setDeploymentCondition(&status, newDeploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, reasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	return status
}

// deploymentComplete: every desired replica is updated and available and no old pod runs.
func deploymentComplete(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	want := replicas(d.Spec.Replicas)
	return s.UpdatedReplicas == want && s.Replicas == want && s.AvailableReplicas == want && s.ObservedGeneration >= d.Generation
}

// deploymentProgressing: new pods came up or became ready or available, or old pods went.
func deploymentProgressing(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	old := d.Status
	oldOld := old.Replicas - old.UpdatedReplicas
	newOld := s.Replicas - s.UpdatedReplicas
	return s.UpdatedReplicas > old.UpdatedReplicas || newOld < oldOld ||
		s.ReadyReplicas > old.ReadyReplicas || s.AvailableReplicas > old.AvailableReplicas
}

// deploymentTimedOut: the Progressing condition was last updated longer than
// progressDeadlineSeconds ago (or already says so).
func deploymentTimedOut(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := deploymentCondition(*s, appsv1.DeploymentProgressing)
	if c == nil {
		return false
	}
	switch c.Reason {
	case reasonNewRSAvailable:
		return false
	case reasonTimedOut:
		return true
	}
	return c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Before(now)
}

// rolloutStatus is deploymentStatus with the Progressing condition estimated and replica
// failures of the replica sets lifted, as upstream's syncRolloutStatus.
func rolloutStatus(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment, now time.Time) appsv1.DeploymentStatus {
	status := deploymentStatus(all, newRS, d, now)
	if !hasProgressDeadline(d) {
		removeDeploymentCondition(&status, appsv1.DeploymentProgressing)
	}
	cur := deploymentCondition(d.Status, appsv1.DeploymentProgressing)
	complete := status.Replicas == status.UpdatedReplicas && cur != nil && cur.Reason == reasonNewRSAvailable
	if hasProgressDeadline(d) && !complete {
		subject := fmt.Sprintf("Deployment %q", d.Name)
		if newRS != nil {
			subject = fmt.Sprintf("ReplicaSet %q", newRS.Name)
		}
		switch {
		case deploymentComplete(d, &status):
			setDeploymentCondition(&status, newDeploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvailable, subject+" has successfully progressed.", now))
		case deploymentProgressing(d, &status):
			c := newDeploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonReplicaSetUpdated, subject+" is progressing.", now)
			// Same reason, newer lastUpdateTime: replace it rather than let set keep the old one.
			if cur != nil {
				if cur.Status == corev1.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				removeDeploymentCondition(&status, appsv1.DeploymentProgressing)
			}
			setDeploymentCondition(&status, c)
		case deploymentTimedOut(d, &status, now):
			setDeploymentCondition(&status, newDeploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonTimedOut, subject+" has timed out progressing.", now))
		}
	}
	if failures := replicaFailures(all, newRS); len(failures) > 0 {
		setDeploymentCondition(&status, failures[0])
	} else {
		removeDeploymentCondition(&status, appsv1.DeploymentReplicaFailure)
	}
	return status
}

// replicaFailures are the ReplicaFailure conditions of the new replica set, else of the others.
func replicaFailures(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) []appsv1.DeploymentCondition {
	collect := func(rss []*appsv1.ReplicaSet) []appsv1.DeploymentCondition {
		var out []appsv1.DeploymentCondition
		for _, rs := range rss {
			if rs == nil {
				continue
			}
			for _, c := range rs.Status.Conditions {
				if c.Type == appsv1.ReplicaSetReplicaFailure {
					out = append(out, appsv1.DeploymentCondition{
						Type: appsv1.DeploymentConditionType(c.Type), Status: c.Status, Reason: c.Reason, Message: c.Message,
						LastUpdateTime: c.LastTransitionTime, LastTransitionTime: c.LastTransitionTime,
					})
				}
			}
		}
		return out
	}
	if out := collect([]*appsv1.ReplicaSet{newRS}); len(out) > 0 {
		return out
	}
	return collect(all)
}

// progressCheckAfter is when a deployment whose rollout shows no progress should be looked at
// again to see whether it timed out, or 0 for never. It is a second after the deadline, against
// the skew between the condition's (whole second) time and the queue's clock; upstream
// requeues at once, rate-limited, in the last second, which costs a burst of syncs.
func progressCheckAfter(d *appsv1.Deployment, s appsv1.DeploymentStatus, now time.Time) time.Duration {
	cur := deploymentCondition(d.Status, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || cur == nil {
		return 0
	}
	if deploymentComplete(d, &s) || cur.Reason == reasonTimedOut {
		return 0
	}
	after := cur.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(now)
	return max(after, 0) + time.Second
}
