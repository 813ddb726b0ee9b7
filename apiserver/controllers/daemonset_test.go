package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
)

// testNodeTaint keeps the nodes the daemon set tests create free of the daemon sets of
// other tests: only a set that tolerates it runs there.
var testNodeTaint = corev1.Taint{Key: "sheetops.test/extra-node", Value: "true", Effect: corev1.TaintEffectNoSchedule}

func newDaemonSet(t *testing.T, ns, name, image string, edit func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	t.Helper()
	labels := map[string]string{"app": name}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: image}}}},
		},
	}
	if edit != nil {
		edit(ds)
	}
	out, err := cluster.client.AppsV1().DaemonSets(ns).Create(context.Background(), ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create daemon set: %v", err)
	}
	return out
}

// daemonSetRolledOut waits for what kubectl rollout status ds waits for: the latest
// generation observed, every desired pod updated and available.
func daemonSetRolledOut(t *testing.T, ns, name string, desired int32) *appsv1.DaemonSet {
	t.Helper()
	var ds *appsv1.DaemonSet
	waitFor(t, "daemon set "+name+" rolled out", func(ctx context.Context) (bool, string, error) {
		var err error
		ds, err = cluster.client.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		s := ds.Status
		return s.ObservedGeneration >= ds.Generation && s.DesiredNumberScheduled == desired && s.UpdatedNumberScheduled == desired &&
			s.NumberAvailable == desired && s.NumberReady == desired && s.CurrentNumberScheduled == desired, fmt.Sprintf("generation %d status %+v", ds.Generation, s), nil
	})
	return ds
}

// TestDaemonSetRunsOnePodPerNode: a daemon set runs one pod on the node, with upstream's
// labels, tolerations, affinity and revision; a new template rolls out and a rollback
// renumbers the old revision.
func TestDaemonSetRunsOnePodPerNode(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newDaemonSet(t, ns, "agent", "fluentd:1.16", nil)
	ds := daemonSetRolledOut(t, ns, "agent", 1)
	if ds.Annotations["deprecated.daemonset.template.generation"] != "1" {
		t.Errorf("template generation annotation %q, want 1", ds.Annotations["deprecated.daemonset.template.generation"])
	}
	pods := podsSettled(t, ns, map[string]string{"app": "agent"}, 1)
	p := pods[0]
	hash := p.Labels["controller-revision-hash"]
	ref := metav1.GetControllerOf(&p)
	if !strings.HasPrefix(p.Name, "agent-") || len(p.Name) != len("agent-")+5 || p.Spec.NodeName != "sheetops-node" ||
		p.Labels["pod-template-generation"] != "1" || hash == "" || ref == nil || ref.UID != ds.UID || ref.Kind != "DaemonSet" {
		t.Errorf("pod %s: node %q labels %v controller %+v", p.Name, p.Spec.NodeName, p.Labels, ref)
	}
	if a := p.Spec.Affinity; a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil ||
		fmt.Sprint(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields) != "[{metadata.name In [sheetops-node]}]" {
		t.Errorf("pod affinity %+v", p.Spec.Affinity)
	}
	if len(p.Spec.Tolerations) != 6 {
		t.Errorf("pod tolerations %v, want upstream's six daemon tolerations", p.Spec.Tolerations)
	}
	rev, err := cluster.client.AppsV1().ControllerRevisions(ns).Get(ctx, "agent-"+hash, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("controller revision: %v", err)
	}
	if rev.Revision != 1 || rev.Labels["controller-revision-hash"] != hash || !strings.Contains(string(rev.Data.Raw), `"$patch":"replace"`) {
		t.Errorf("revision %d labels %v data %s", rev.Revision, rev.Labels, rev.Data.Raw)
	}

	edit := func(change func(*appsv1.DaemonSet)) {
		t.Helper()
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			d, err := cluster.client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
			if err != nil {
				return err
			}
			change(d)
			_, err = cluster.client.AppsV1().DaemonSets(ns).Update(ctx, d, metav1.UpdateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	edit(func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.Containers[0].Image = "fluentd:1.17" })
	ds = daemonSetRolledOut(t, ns, "agent", 1)
	pods = podsSettled(t, ns, map[string]string{"app": "agent"}, 1)
	if pods[0].Spec.Containers[0].Image != "fluentd:1.17" || pods[0].Labels["pod-template-generation"] != "2" || pods[0].Labels["controller-revision-hash"] == hash {
		t.Errorf("after the update: pod %s image %s labels %v", pods[0].Name, pods[0].Spec.Containers[0].Image, pods[0].Labels)
	}

	// a rollback to the first template makes its revision the newest again
	edit(func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.Containers[0].Image = "fluentd:1.16" })
	daemonSetRolledOut(t, ns, "agent", 1)
	waitFor(t, "the first revision renumbered", func(ctx context.Context) (bool, string, error) {
		rev, err := cluster.client.AppsV1().ControllerRevisions(ns).Get(ctx, "agent-"+hash, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return rev.Revision == 3, fmt.Sprintf("revision %d", rev.Revision), nil
	})
	podsSettled(t, ns, map[string]string{"app": "agent"}, 1)
}

// TestDaemonSetFollowsNodes: a node that matches the set's node selector and whose taint it
// tolerates gets a pod (bound there, never run: no kubelet serves it); when the node goes,
// so does the pod.
func TestDaemonSetFollowsNodes(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	nodeName := ns + "-extra"
	newDaemonSet(t, ns, "agent", "fluentd:1.16", func(d *appsv1.DaemonSet) {
		d.Spec.Template.Spec.NodeSelector = map[string]string{"sheetops.test/pool": ns}
		d.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: testNodeTaint.Key, Operator: corev1.TolerationOpExists}}
	})
	daemonSetRolledOut(t, ns, "agent", 0)

	for _, n := range []*corev1.Node{
		{ObjectMeta: metav1.ObjectMeta{Name: nodeName, Labels: map[string]string{"sheetops.test/pool": ns}}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{testNodeTaint}}},
		// matches the selector, but a taint the set does not tolerate keeps it out
		{ObjectMeta: metav1.ObjectMeta{Name: nodeName + "-tainted", Labels: map[string]string{"sheetops.test/pool": ns}},
			Spec: corev1.NodeSpec{Taints: []corev1.Taint{testNodeTaint, {Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoExecute}}}},
	} {
		if _, err := cluster.client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cluster.client.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{})
		})
	}
	waitFor(t, "a pod bound to the new node", func(ctx context.Context) (bool, string, error) {
		pods, err := podsOf(ctx, ns, map[string]string{"app": "agent"})
		if err != nil {
			return false, "", err
		}
		ds, err := cluster.client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		state := fmt.Sprintf("%d pods, status %+v", len(pods), ds.Status)
		return len(pods) == 1 && pods[0].Spec.NodeName == nodeName && ds.Status.DesiredNumberScheduled == 1 && ds.Status.CurrentNumberScheduled == 1 &&
			ds.Status.NumberAvailable == 0 && ds.Status.NumberUnavailable == 1, state, nil
	})
	if err := cluster.client.CoreV1().Nodes().Delete(ctx, nodeName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pod of the deleted node gone", func(ctx context.Context) (bool, string, error) {
		pods, err := podsOf(ctx, ns, map[string]string{"app": "agent"})
		if err != nil {
			return false, "", err
		}
		ds, err := cluster.client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(pods) == 0 && ds.Status.DesiredNumberScheduled == 0, fmt.Sprintf("%d pods, status %+v", len(pods), ds.Status), nil
	})
}

// TestDaemonSetOnDelete: with OnDelete a new template waits until the user deletes the pod.
func TestDaemonSetOnDelete(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newDaemonSet(t, ns, "agent", "fluentd:1.16", func(d *appsv1.DaemonSet) {
		d.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	})
	daemonSetRolledOut(t, ns, "agent", 1)
	old := podsSettled(t, ns, map[string]string{"app": "agent"}, 1)[0]
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := cluster.client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return err
		}
		d.Spec.Template.Spec.Containers[0].Image = "fluentd:1.17"
		_, err = cluster.client.AppsV1().DaemonSets(ns).Update(ctx, d, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new generation observed, the pod not updated", func(ctx context.Context) (bool, string, error) {
		d, err := cluster.client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return d.Status.ObservedGeneration == d.Generation && d.Status.UpdatedNumberScheduled == 0 && d.Status.NumberAvailable == 1, fmt.Sprintf("%+v", d.Status), nil
	})
	if p, err := cluster.client.CoreV1().Pods(ns).Get(ctx, old.Name, metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("OnDelete replaced the pod by itself: %v", err)
	}
	if err := cluster.client.CoreV1().Pods(ns).Delete(ctx, old.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	daemonSetRolledOut(t, ns, "agent", 1)
	if p := podsSettled(t, ns, map[string]string{"app": "agent"}, 1)[0]; p.Spec.Containers[0].Image != "fluentd:1.17" {
		t.Errorf("the pod made after the delete runs %s, want fluentd:1.17", p.Spec.Containers[0].Image)
	}
}

// TestDaemonSetSurge: with maxSurge the new pod starts beside the old one, which goes once
// the new one is available: the node never lacks an available pod.
func TestDaemonSetSurge(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newDaemonSet(t, ns, "agent", "fluentd:1.16", func(d *appsv1.DaemonSet) {
		d.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: ptrTo(intstr.FromInt32(1)), MaxUnavailable: ptrTo(intstr.FromInt32(0))}}
	})
	daemonSetRolledOut(t, ns, "agent", 1)
	old := podsSettled(t, ns, map[string]string{"app": "agent"}, 1)[0]
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := cluster.client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return err
		}
		d.Spec.Template.Spec.Containers[0].Image = "fluentd:1.17"
		_, err = cluster.client.AppsV1().DaemonSets(ns).Update(ctx, d, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sawBoth := false
	waitFor(t, "the surged pod to replace the old one", func(ctx context.Context) (bool, string, error) {
		pods, err := podsOf(ctx, ns, map[string]string{"app": "agent"})
		if err != nil {
			return false, "", err
		}
		oldRuns, newReady := false, false
		for _, p := range pods {
			if p.Name == old.Name && p.DeletionTimestamp == nil {
				oldRuns = true
			}
			if p.Spec.Containers[0].Image == "fluentd:1.17" && isReady(&p) {
				newReady = true
			}
		}
		sawBoth = sawBoth || (oldRuns && len(pods) == 2)
		return !oldRuns && newReady, fmt.Sprintf("%d pods, old running %v", len(pods), oldRuns), nil
	})
	if !sawBoth {
		t.Errorf("never saw the new pod beside the old one")
	}
	daemonSetRolledOut(t, ns, "agent", 1)
}
