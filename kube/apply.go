package kube

import (
	"context"
	"errors"
	"fmt"
	"net"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Applier makes SheetOps' changes to the cluster: patches with a resourceVersion
// precondition inside the patch, creates, and deletes with a UID precondition. Every write
// carries the field manager "sheetops".
type Applier struct {
	cs kubernetes.Interface
}

// NewApplier returns an Applier using cs.
func NewApplier(cs kubernetes.Interface) *Applier { return &Applier{cs: cs} }

// Get reads an object afresh from the API server (after a 409, to decide again).
func (a *Applier) Get(ctx context.Context, kind, namespace, name string) (runtime.Object, error) {
	switch kind {
	case "Deployment":
		return a.cs.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
	case "Pod":
		return a.cs.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

// Patch applies a patch to an object.
func (a *Applier) Patch(ctx context.Context, kind, namespace, name string, pt types.PatchType, data []byte) (runtime.Object, error) {
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	switch kind {
	case "Deployment":
		return a.cs.AppsV1().Deployments(namespace).Patch(ctx, name, pt, data, opts)
	case "Pod":
		return a.cs.CoreV1().Pods(namespace).Patch(ctx, name, pt, data, opts)
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

// Create creates an object (a *appsv1.Deployment or *corev1.Pod).
func (a *Applier) Create(ctx context.Context, obj runtime.Object) (runtime.Object, error) {
	opts := metav1.CreateOptions{FieldManager: fieldManager}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return a.cs.AppsV1().Deployments(o.Namespace).Create(ctx, o, opts)
	case *corev1.Pod:
		return a.cs.CoreV1().Pods(o.Namespace).Create(ctx, o, opts)
	}
	return nil, fmt.Errorf("cannot create %T", obj)
}

// Delete deletes an object, provided it is still the one with this UID.
func (a *Applier) Delete(ctx context.Context, kind, namespace, name string, uid types.UID) error {
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
	switch kind {
	case "Deployment":
		return a.cs.AppsV1().Deployments(namespace).Delete(ctx, name, opts)
	case "Pod":
		return a.cs.CoreV1().Pods(namespace).Delete(ctx, name, opts)
	}
	return fmt.Errorf("unknown kind %q", kind)
}

// Retryable reports whether an error from the API server may go away by itself (network,
// 429, 5xx, timeouts) so the caller backs off and tries again; the rest (invalid input,
// forbidden, not found, conflicts the caller decides about) are terminal for this attempt.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsUnexpectedServerError(err) {
		return true
	}
	if s, ok := err.(apierrors.APIStatus); ok && s.Status().Code >= 500 {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}
