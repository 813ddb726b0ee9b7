package controllers_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDefaultServiceAccount: every namespace gets a "default" ServiceAccount, and gets it
// back when it is deleted.
func TestDefaultServiceAccount(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	sas := cluster.client.CoreV1().ServiceAccounts(ns)
	hasDefault := func(ctx context.Context) (bool, string, error) {
		sa, err := sas.Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, "no default ServiceAccount yet", nil
		}
		if err != nil {
			return false, "", err
		}
		return true, string(sa.UID), nil
	}
	waitFor(t, "the default ServiceAccount", hasDefault)
	first, err := sas.Get(ctx, "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sas.Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new default ServiceAccount", func(ctx context.Context) (bool, string, error) {
		sa, err := sas.Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, "deleted, not back yet", nil
		}
		if err != nil {
			return false, "", err
		}
		return sa.UID != first.UID, "still the deleted one", nil
	})
	if _, err := cluster.client.CoreV1().ServiceAccounts("kube-system").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		waitFor(t, "kube-system's default ServiceAccount", func(ctx context.Context) (bool, string, error) {
			_, err := cluster.client.CoreV1().ServiceAccounts("kube-system").Get(ctx, "default", metav1.GetOptions{})
			return err == nil, "none yet", nil
		})
	}
}
