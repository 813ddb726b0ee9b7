package apiserver_test

// Tests of what the engine's controllers and collector leave behind: nothing of a deleted
// owner survives it.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/apiserver/controllers"
)

// startCluster starts an engine that runs its controllers and simulated kubelet with opts.
func startCluster(t *testing.T, opts controllers.Options) *apiserver.Server {
	t.Helper()
	srv, err := apiserver.New(apiserver.Options{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), Controllers: opts,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestDeletedDeploymentsLeaveNothing creates and deletes deployments in a row, as
// `kubectl delete deployment` does (background propagation, while their controllers are
// busy), and expects every replica set and pod to be gone in the end, as on a real cluster.
func TestDeletedDeploymentsLeaveNothing(t *testing.T) {
	srv := startCluster(t, controllers.Options{StartDelay: 10 * time.Millisecond, TerminationDelay: 20 * time.Millisecond, Workers: 2})
	cs := clientset(t, srv)
	ctx := cgContext(t)
	ns := cgNamespace(t, ctx, cs, "cycles")

	const cycles, perCycle = 6, 3
	for c := range cycles {
		var names []string
		for i := range perCycle {
			d := cgDeployment(ns, fmt.Sprintf("web-%d", i), 2)
			d.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
			cgCreateDeployment(t, ctx, cs, d)
			names = append(names, d.Name)
		}
		// Delete while the controllers work: replica sets and pods are being created.
		cgPoll(t, ctx, fmt.Sprintf("cycle %d: replica sets created", c), func(ctx context.Context) (bool, error) {
			l, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
			return err == nil && len(l.Items) >= perCycle, err
		})
		for _, name := range names {
			if err := cs.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}); err != nil {
				t.Fatalf("delete deployment %s: %v", name, err)
			}
		}
	}
	left := ""
	err := pollFor(ctx, 60*time.Second, func(ctx context.Context) (bool, error) {
		rss, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		var names []string
		for _, rs := range rss.Items {
			names = append(names, "rs/"+rs.Name+" owner "+ownerUIDs(rs.OwnerReferences))
		}
		for _, p := range pods.Items {
			names = append(names, "pod/"+p.Name+" owner "+ownerUIDs(p.OwnerReferences))
		}
		left = strings.Join(names, ", ")
		return len(names) == 0, nil
	})
	if err != nil {
		t.Fatalf("after %d deployments were deleted, left behind: %s", cycles*perCycle, left)
	}
}

func ownerUIDs(refs []metav1.OwnerReference) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Kind+"/"+r.Name+"="+string(r.UID))
	}
	return strings.Join(out, ",")
}

func pollFor(ctx context.Context, d time.Duration, cond func(ctx context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		ok, err := cond(ctx)
		if ok {
			return nil
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestDanglingOwnerReferences: an object whose owner does not exist (no object of that
// name, or one with another UID) is collected soon after it is written, as upstream's
// garbage collector does; a dangling reference beside a live owner is removed; a reference
// to a kind the engine does not serve is left alone.
func TestDanglingOwnerReferences(t *testing.T) {
	srv := startEngine(t, "", false)
	cs := clientset(t, srv)
	ctx := cgContext(t)
	ns := cgNamespace(t, ctx, cs, "dangling")

	live := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "live", 1))
	replicaSet := func(name string, refs ...metav1.OwnerReference) *appsv1.ReplicaSet {
		t.Helper()
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}, OwnerReferences: refs},
			Spec: appsv1.ReplicaSetSpec{
				Replicas: ptr.To[int32](0),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
				},
			},
		}
		out, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create replica set %s: %v", name, err)
		}
		return out
	}
	foreign := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", UID: "0f0f0f0f-0000-4000-8000-000000000001"}
	unserved := replicaSet("unserved-kind", foreign)
	mixed := replicaSet("mixed",
		cgOwnerRef("Deployment", "gone", "0f0f0f0f-0000-4000-8000-000000000002"),
		metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: live.Name, UID: live.UID})

	replicaSet("no-such-owner", cgOwnerRef("Deployment", "nobody", "0f0f0f0f-0000-4000-8000-000000000003"))
	replicaSet("other-uid", cgOwnerRef("Deployment", live.Name, "0f0f0f0f-0000-4000-8000-000000000004"))
	pod := cgPod(ns, "orphan-pod", nil)
	pod.OwnerReferences = []metav1.OwnerReference{cgOwnerRef("ReplicaSet", "no-such-owner", "0f0f0f0f-0000-4000-8000-000000000005")}
	cgCreatePod(t, ctx, cs, pod)

	for _, name := range []string{"no-such-owner", "other-uid"} {
		cgGone(t, ctx, "replica set "+name, func(ctx context.Context) error {
			_, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
			return err
		})
	}
	cgGone(t, ctx, "pod orphan-pod", func(ctx context.Context) error {
		_, err := cs.CoreV1().Pods(ns).Get(ctx, "orphan-pod", metav1.GetOptions{})
		return err
	})
	cgPoll(t, ctx, "dangling reference removed from mixed", func(ctx context.Context) (bool, error) {
		rs, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, "mixed", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(rs.OwnerReferences) == 1 && rs.OwnerReferences[0].UID == live.UID && rs.UID == mixed.UID && rs.DeletionTimestamp == nil, nil
	})
	got, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, "unserved-kind", metav1.GetOptions{})
	if err != nil || got.UID != unserved.UID || got.DeletionTimestamp != nil {
		t.Errorf("replica set owned by an unserved kind: %v, deletionTimestamp %v; want it kept", err, got.GetDeletionTimestamp())
	}
}
