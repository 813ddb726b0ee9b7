package kube

import (
	"context"
	"errors"
	"fmt"
	"net"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
)

// Applier makes SheetOps' changes to the cluster: patches with a resourceVersion
// precondition inside the patch, creates, and deletes with a UID precondition. Every write
// carries the field manager "sheetops". Built-in resources go through the typed REST client
// (objects come back typed, as the View holds them); custom resources through the dynamic
// client (unstructured).
type Applier struct {
	cs  kubernetes.Interface
	dyn dynamic.Interface
}

// NewApplier returns an Applier using cs, and dyn for custom resources (nil: built-in
// resources only).
func NewApplier(cs kubernetes.Interface, dyn dynamic.Interface) *Applier {
	return &Applier{cs: cs, dyn: dyn}
}

// builtIn reports whether client-go knows r's kind as a Go type.
func builtIn(r Resource) bool { return scheme.Scheme.Recognizes(r.GroupVersionKind()) }

func (a *Applier) dynamicFor(r Resource, namespace string) (dynamic.ResourceInterface, error) {
	if a.dyn == nil {
		return nil, fmt.Errorf("%s: not a built-in resource, and no dynamic client", r)
	}
	if r.Namespaced {
		return a.dyn.Resource(r.GroupVersionResource).Namespace(namespace), nil
	}
	return a.dyn.Resource(r.GroupVersionResource), nil
}

// Get reads an object afresh from the API server (after a 409, to decide again).
func (a *Applier) Get(ctx context.Context, r Resource, namespace, name string) (runtime.Object, error) {
	if builtIn(r) {
		return a.cs.CoreV1().RESTClient().Get().AbsPath(resourcePath(r, namespace), name).Do(ctx).Get()
	}
	ri, err := a.dynamicFor(r, namespace)
	if err != nil {
		return nil, err
	}
	return ri.Get(ctx, name, metav1.GetOptions{})
}

// Patch applies a patch to an object.
func (a *Applier) Patch(ctx context.Context, r Resource, namespace, name string, pt types.PatchType, data []byte) (runtime.Object, error) {
	if builtIn(r) {
		return a.cs.CoreV1().RESTClient().Patch(pt).AbsPath(resourcePath(r, namespace), name).
			Param("fieldManager", fieldManager).Body(data).Do(ctx).Get()
	}
	ri, err := a.dynamicFor(r, namespace)
	if err != nil {
		return nil, err
	}
	return ri.Patch(ctx, name, pt, data, metav1.PatchOptions{FieldManager: fieldManager})
}

// Create creates an object of r (typed for a built-in resource, else unstructured).
func (a *Applier) Create(ctx context.Context, r Resource, obj runtime.Object) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", r, err)
	}
	if u, ok := obj.(*unstructured.Unstructured); ok && builtIn(r) {
		// From a create template: the typed client takes it as the Go type.
		typed, err := scheme.Scheme.New(r.GroupVersionKind())
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", r, err)
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
			return nil, fmt.Errorf("create %s: %w", r, err)
		}
		obj = typed
	} else if ok {
		ri, err := a.dynamicFor(r, m.GetNamespace())
		if err != nil {
			return nil, err
		}
		return ri.Create(ctx, u, metav1.CreateOptions{FieldManager: fieldManager})
	}
	return a.cs.CoreV1().RESTClient().Post().AbsPath(resourcePath(r, m.GetNamespace())).
		Param("fieldManager", fieldManager).Body(obj).Do(ctx).Get()
}

// Delete deletes an object, provided it is still the one with this UID.
func (a *Applier) Delete(ctx context.Context, r Resource, namespace, name string, uid types.UID) error {
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
	if builtIn(r) {
		return a.cs.CoreV1().RESTClient().Delete().AbsPath(resourcePath(r, namespace), name).
			Body(&opts).Do(ctx).Error()
	}
	ri, err := a.dynamicFor(r, namespace)
	if err != nil {
		return err
	}
	return ri.Delete(ctx, name, opts)
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
