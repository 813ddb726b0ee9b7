package controllers

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// rolloutRolling is one step of a RollingUpdate: scale the new replica set up as far as
// maxSurge allows, else the old ones down as far as maxUnavailable allows, else clean up.
func (c *deploymentController) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, old, err := c.replicaSetsAndSyncRevision(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet(nil), old...), newRS)

	scaledUp, err := c.reconcileNewReplicaSet(ctx, all, newRS, d)
	if err != nil {
		return err
	}
	if scaledUp {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	scaledDown, err := c.reconcileOldReplicaSets(ctx, all, activeReplicaSets(old), newRS, d)
	if err != nil {
		return err
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanup(ctx, old, d); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, all, newRS, d)
}

func (c *deploymentController) reconcileNewReplicaSet(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	want := replicas(d.Spec.Replicas)
	switch have := replicas(newRS.Spec.Replicas); {
	case have == want:
		return false, nil
	case have > want:
		scaled, _, err := c.scaleReplicaSetIfNeeded(ctx, newRS, want, d)
		return scaled, err
	}
	count, err := newRSReplicas(d, all, newRS)
	if err != nil {
		return false, err
	}
	scaled, _, err := c.scaleReplicaSetIfNeeded(ctx, newRS, count, d)
	return scaled, err
}

// oldScaleDown is how far the old replica sets may shrink now: all pods but the minimum
// available and the new replica set's unavailable ones (those are not counted on).
func oldScaleDown(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	minAvailable := replicas(d.Spec.Replicas) - maxUnavailable(d)
	newUnavailable := replicas(newRS.Spec.Replicas) - newRS.Status.AvailableReplicas
	return specReplicas(all) - minAvailable - newUnavailable
}

func (c *deploymentController) reconcileOldReplicaSets(ctx context.Context, all, old []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	if specReplicas(old) == 0 {
		return false, nil
	}
	maxScaledDown := oldScaleDown(all, newRS, d)
	if maxScaledDown <= 0 {
		return false, nil
	}
	// Unhealthy old replicas first: removing them costs no availability, and they would
	// otherwise block the rollout.
	old, cleaned, err := c.cleanupUnhealthyReplicas(ctx, old, d, maxScaledDown)
	if err != nil {
		return false, err
	}
	all = append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	scaledDown, err := c.scaleDownOldForRollingUpdate(ctx, all, old, d)
	if err != nil {
		return false, err
	}
	return cleaned+scaledDown > 0, nil
}

func (c *deploymentController) cleanupUnhealthyReplicas(ctx context.Context, old []*appsv1.ReplicaSet, d *appsv1.Deployment, maxCleanup int32) ([]*appsv1.ReplicaSet, int32, error) {
	sort.Sort(byCreation(old))
	var total int32
	for i, rs := range old {
		if total >= maxCleanup {
			break
		}
		have := replicas(rs.Spec.Replicas)
		if have == 0 || have == rs.Status.AvailableReplicas {
			continue
		}
		down := min(maxCleanup-total, have-rs.Status.AvailableReplicas)
		size := have - down
		if size > have {
			return nil, 0, fmt.Errorf("when cleaning up unhealthy replicas, got invalid request to scale down %s/%s %d -> %d", rs.Namespace, rs.Name, have, size)
		}
		_, updated, err := c.scaleReplicaSetIfNeeded(ctx, rs, size, d)
		if err != nil {
			return nil, total, err
		}
		total += down
		old[i] = updated
	}
	return old, total, nil
}

func (c *deploymentController) scaleDownOldForRollingUpdate(ctx context.Context, all, old []*appsv1.ReplicaSet, d *appsv1.Deployment) (int32, error) {
	minAvailable := replicas(d.Spec.Replicas) - maxUnavailable(d)
	available := statusSum(all, statusAvailable)
	if available <= minAvailable {
		return 0, nil
	}
	sort.Sort(byCreation(old))
	var total int32
	budget := available - minAvailable
	for _, rs := range old {
		if total >= budget {
			break
		}
		have := replicas(rs.Spec.Replicas)
		if have == 0 {
			continue
		}
		down := min(have, budget-total)
		if _, _, err := c.scaleReplicaSetIfNeeded(ctx, rs, have-down, d); err != nil {
			return total, err
		}
		total += down
	}
	return total, nil
}

// rolloutRecreate is one step of a Recreate rollout: scale every old replica set to zero,
// wait for their pods to be gone, then create and scale up the new one.
func (c *deploymentController) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, pods map[types.UID][]*corev1.Pod) error {
	// No new replica set yet: it must not start pods before the old ones are gone.
	newRS, old, err := c.replicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet(nil), old...), newRS)

	scaledDown := false
	for _, rs := range activeReplicaSets(old) {
		scaled, _, err := c.scaleReplicaSetIfNeeded(ctx, rs, 0, d)
		if err != nil {
			return err
		}
		scaledDown = scaledDown || scaled
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if oldPodsRunning(newRS, old, pods) {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if newRS == nil {
		if newRS, old, err = c.replicaSetsAndSyncRevision(ctx, d, rsList, true); err != nil {
			return err
		}
		all = append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	}
	if _, _, err := c.scaleReplicaSetIfNeeded(ctx, newRS, replicas(d.Spec.Replicas), d); err != nil {
		return err
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanup(ctx, old, d); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, all, newRS, d)
}

// oldPodsRunning reports whether an old replica set still has pods, or a pod of one is not
// finished (terminating pods count: Recreate waits for them).
func oldPodsRunning(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, pods map[types.UID][]*corev1.Pod) bool {
	if statusSum(old, statusReplicas) > 0 {
		return true
	}
	for uid, list := range pods {
		if newRS != nil && newRS.UID == uid {
			continue
		}
		for _, p := range list {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return true
			}
		}
	}
	return false
}
