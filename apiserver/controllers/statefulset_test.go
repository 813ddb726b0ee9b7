package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// statefulSetSettled waits until the set's pods are exactly names, all running and ready
// with image, and its status says the rollout is complete.
func statefulSetSettled(t *testing.T, ns, name, image string, names ...string) *appsv1.StatefulSet {
	t.Helper()
	var set *appsv1.StatefulSet
	waitFor(t, fmt.Sprintf("statefulset %s to run %v", name, names), func(ctx context.Context) (bool, string, error) {
		pods, err := cluster.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
		if err != nil {
			return false, "", err
		}
		var got []string
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || !isReady(&p) || p.Spec.Containers[0].Image != image {
				return false, "pod " + p.Name + " not settled", nil
			}
			got = append(got, p.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			return false, fmt.Sprintf("pods %v", got), nil
		}
		set, err = cluster.client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		st := set.Status
		done := st.ObservedGeneration == set.Generation && st.ReadyReplicas == int32(len(names)) && st.UpdatedReplicas == int32(len(names)) &&
			st.CurrentRevision == st.UpdateRevision && st.Replicas == int32(len(names))
		return done, fmt.Sprintf("status %+v", st), nil
	})
	return set
}

// TestStatefulSetStableNames: a statefulset's pods are web-0, web-1, … with their
// hostnames, scale down from the highest ordinal, and a new template rolls out.
func TestStatefulSetStableNames(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	labels := map[string]string{"app": "web"}
	replicas := int32(3)
	_, err := cluster.client.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: &replicas, ServiceName: "web", Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.26"}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set := statefulSetSettled(t, ns, "web", "nginx:1.26", "web-0", "web-1", "web-2")
	p, err := cluster.client.CoreV1().Pods(ns).Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.GetControllerOf(p)
	if p.Spec.Hostname != "web-1" || p.Spec.Subdomain != "web" || p.Labels["statefulset.kubernetes.io/pod-name"] != "web-1" ||
		p.Labels["apps.kubernetes.io/pod-index"] != "1" || p.Labels["controller-revision-hash"] != set.Status.UpdateRevision || ref == nil || ref.UID != set.UID {
		t.Errorf("pod web-1: hostname %q subdomain %q labels %v controller %+v", p.Spec.Hostname, p.Spec.Subdomain, p.Labels, ref)
	}
	if _, err := cluster.client.AppsV1().ControllerRevisions(ns).Get(ctx, set.Status.UpdateRevision, metav1.GetOptions{}); err != nil {
		t.Errorf("controller revision %s: %v", set.Status.UpdateRevision, err)
	}

	edit := func(change func(*appsv1.StatefulSet)) {
		t.Helper()
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s, err := cluster.client.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return err
			}
			change(s)
			_, err = cluster.client.AppsV1().StatefulSets(ns).Update(ctx, s, metav1.UpdateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	edit(func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptrTo(int32(2)) })
	statefulSetSettled(t, ns, "web", "nginx:1.26", "web-0", "web-1")

	edit(func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "nginx:1.27" })
	after := statefulSetSettled(t, ns, "web", "nginx:1.27", "web-0", "web-1")
	if after.Status.UpdateRevision == set.Status.UpdateRevision {
		t.Errorf("update revision %s did not change with the template", after.Status.UpdateRevision)
	}
}

func ptrTo[T any](v T) *T { return &v }
