package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/apiserver/controllers"
)

// TestDeletedPodIsTerminating: a deleted pod shows Terminating (kubectl get pods: the Table
// printer) while the kubelet stops its containers, for the shorter of its grace period
// and the kubelet's termination delay, and is gone afterwards.
func TestDeletedPodIsTerminating(t *testing.T) {
	// A stop as long as the pods' grace periods: the test shortens them to end it.
	srv := startCluster(t, controllers.Options{StartDelay: 10 * time.Millisecond, TerminationDelay: time.Hour})
	cs := clientset(t, srv)
	cfg := restConfig(t, srv)
	ctx := cgContext(t)
	ns := cgNamespace(t, ctx, cs, "terminating")

	for _, name := range []string{"slow", "quick"} {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
		}
		cgCreatePod(t, ctx, cs, p)
		cgPoll(t, ctx, "pod "+name+" running", func(ctx context.Context) (bool, error) {
			st, err := podTableStatus(ctx, cfg, ns, name)
			return err == nil && st == "Running", err
		})
	}
	podsAPI := cs.CoreV1().Pods(ns)
	// slow: the default grace period (30 s) bounds its stop.
	if err := podsAPI.Delete(ctx, "slow", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err := podTableStatus(ctx, cfg, ns, "slow"); err != nil || st != "Terminating" {
		t.Fatalf("right after the delete: STATUS %q (%v), want Terminating", st, err)
	}
	// quick, deleted after slow with a grace period of 1 s, is stopped and removed by the
	// kubelet: once it is gone, the kubelet has long seen slow's deletion too.
	if err := podsAPI.Delete(ctx, "quick", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](1)}); err != nil {
		t.Fatal(err)
	}
	cgGone(t, ctx, "pod quick (grace period 1s)", func(ctx context.Context) error {
		_, err := podsAPI.Get(ctx, "quick", metav1.GetOptions{})
		return err
	})
	if st, err := podTableStatus(ctx, cfg, ns, "slow"); err != nil || st != "Terminating" {
		t.Fatalf("while its containers stop: STATUS %q (%v), want Terminating", st, err)
	}
	slow, err := podsAPI.Get(ctx, "slow", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slow.Status.Phase != corev1.PodRunning || slow.DeletionGracePeriodSeconds == nil || *slow.DeletionGracePeriodSeconds != 30 {
		t.Errorf("terminating pod: phase %s, deletionGracePeriodSeconds %v; want Running, 30", slow.Status.Phase, slow.DeletionGracePeriodSeconds)
	}
	// A shorter grace period ends the stop: the pod goes.
	if err := podsAPI.Delete(ctx, "slow", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](1)}); err != nil {
		t.Fatal(err)
	}
	cgGone(t, ctx, "pod slow after a 1 s grace period", func(ctx context.Context) error {
		_, err := podsAPI.Get(ctx, "slow", metav1.GetOptions{})
		return err
	})
}

// podTableStatus is the STATUS cell of a pod as kubectl get pods shows it.
func podTableStatus(ctx context.Context, cfg *rest.Config, ns, name string) (string, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", cfg.Host+"/api/v1/namespaces/"+ns+"/pods/"+name, nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", apierrors.NewNotFound(corev1.Resource("pods"), name)
	}
	var tbl metav1.Table
	if err := json.NewDecoder(resp.Body).Decode(&tbl); err != nil {
		return "", err
	}
	col := -1
	for i, c := range tbl.ColumnDefinitions {
		if c.Name == "Status" {
			col = i
		}
	}
	if col < 0 || len(tbl.Rows) != 1 {
		return "", fmt.Errorf("table without a Status column or one row: %+v", tbl)
	}
	return fmt.Sprint(tbl.Rows[0].Cells[col]), nil
}
