package apiserver

import (
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/validation"
)

// strategy is what is a kind's own in the generic registry (registry.go), in the shape of
// upstream's rest.RESTCreateStrategy, RESTUpdateStrategy and status strategies: defaults,
// what the server sets on create and update, and validation. The registry calls them in
// upstream's order (see package validation) on objects it owns (never stored ones).
//
// A kind may add the optional behaviours below: scaler (a scale subresource), deleter
// (grace periods and deletion rules), allocator (values the server hands out, such as a
// service's cluster IP).
type strategy interface {
	Default(obj runtime.Object)
	PrepareForCreate(obj runtime.Object)
	ValidateCreate(obj runtime.Object) field.ErrorList
	PrepareForUpdate(obj, old runtime.Object)
	ValidateUpdate(obj, old runtime.Object) field.ErrorList
	PrepareForStatusUpdate(obj, old runtime.Object)
	ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList
}

// scaler is a kind with a scale subresource: the autoscaling/v1 Scale view of an object,
// and a copy of it with other replicas.
type scaler interface {
	scale(obj runtime.Object) *autoscalingv1.Scale
	withReplicas(obj runtime.Object, replicas int32) runtime.Object
}

// deleter is a kind with its own deletion rules.
type deleter interface {
	// checkDelete refuses a delete before anything is read (a protected namespace).
	checkDelete(name string) error
	// gracePeriod is the seconds a delete of obj waits: -1 none (the kind has no grace
	// period), 0 at once, more while something (the kubelet) finishes.
	gracePeriod(obj runtime.Object, opts *metav1.DeleteOptions) int64
	// markDeleting changes a copy being marked for deletion beyond its metadata and
	// reports whether the kind always deletes that way (a namespace, which terminates).
	markDeleting(obj runtime.Object) bool
}

// allocator is a kind whose objects get values the server hands out on create (a
// service's cluster IP and node ports). allocate runs under Server.allocMu, just before
// the object is stored, so that two creates never get the same value.
type allocator interface {
	allocate(s *Server, obj runtime.Object) field.ErrorList
}

// validatedStrategy is the strategy of every kind whose defaults and rules live in package
// validation, which implements them by type as upstream's strategies do by kind.
type validatedStrategy struct{}

func (validatedStrategy) Default(obj runtime.Object)          { validation.Default(obj) }
func (validatedStrategy) PrepareForCreate(obj runtime.Object) { validation.PrepareForCreate(obj) }
func (validatedStrategy) ValidateCreate(obj runtime.Object) field.ErrorList {
	return validation.ValidateCreate(obj)
}
func (validatedStrategy) PrepareForUpdate(obj, old runtime.Object) {
	validation.PrepareForUpdate(obj, old)
}
func (validatedStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return validation.ValidateUpdate(obj, old)
}
func (validatedStrategy) PrepareForStatusUpdate(obj, old runtime.Object) {
	validation.PrepareForStatusUpdate(obj, old)
}
func (validatedStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	return validation.ValidateStatusUpdate(obj, old)
}

// podStrategy: pods that a kubelet runs get a grace period when deleted.
type podStrategy struct{ validatedStrategy }

func (podStrategy) checkDelete(string) error { return nil }

// gracePeriod is the grace period a DELETE gives a pod that a kubelet runs: the
// request's, else the pod's terminationGracePeriodSeconds, else 30. It is 0 for a pod no node
// runs (unbound, or finished), which goes at once as upstream.
func (podStrategy) gracePeriod(obj runtime.Object, opts *metav1.DeleteOptions) int64 {
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	return max(grace, 0)
}

func (podStrategy) markDeleting(runtime.Object) bool { return false }

// namespaceStrategy: a namespace terminates (the collector empties it, then drops its
// finalizer), and the built-in ones cannot be deleted.
type namespaceStrategy struct{ validatedStrategy }

// protectedNamespaces cannot be deleted, as upstream's namespace lifecycle admission says.
var protectedNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

func (namespaceStrategy) checkDelete(name string) error {
	if protectedNamespaces[name] {
		return apierrors.NewForbidden(corev1.Resource("namespaces"), name, errors.New("this namespace may not be deleted"))
	}
	return nil
}

func (namespaceStrategy) gracePeriod(runtime.Object, *metav1.DeleteOptions) int64 { return -1 }

func (namespaceStrategy) markDeleting(obj runtime.Object) bool {
	obj.(*corev1.Namespace).Status.Phase = corev1.NamespaceTerminating
	return true
}

// replicated is the strategy of a kind with spec.replicas, a label selector and
// status.replicas: its scale subresource.
type replicated[T runtime.Object] struct {
	validatedStrategy
	// fields returns the object's metadata, spec.replicas, selector and status.replicas.
	fields func(T) (*metav1.ObjectMeta, **int32, *metav1.LabelSelector, int32)
}

func (s replicated[T]) scale(obj runtime.Object) *autoscalingv1.Scale {
	om, replicas, selector, current := s.fields(obj.(T))
	sc := &autoscalingv1.Scale{}
	sc.ObjectMeta = metav1.ObjectMeta{Name: om.Name, Namespace: om.Namespace, UID: om.UID, ResourceVersion: om.ResourceVersion, CreationTimestamp: om.CreationTimestamp}
	sc.Spec.Replicas = replicasOf(*replicas)
	sc.Status.Replicas = current
	sc.Status.Selector = selectorString(selector)
	return sc
}

func (s replicated[T]) withReplicas(obj runtime.Object, n int32) runtime.Object {
	next := obj.DeepCopyObject().(T)
	_, replicas, _, _ := s.fields(next)
	*replicas = &n
	return next
}

var (
	deploymentStrategy = replicated[*appsv1.Deployment]{fields: func(o *appsv1.Deployment) (*metav1.ObjectMeta, **int32, *metav1.LabelSelector, int32) {
		return &o.ObjectMeta, &o.Spec.Replicas, o.Spec.Selector, o.Status.Replicas
	}}
	replicaSetStrategy = replicated[*appsv1.ReplicaSet]{fields: func(o *appsv1.ReplicaSet) (*metav1.ObjectMeta, **int32, *metav1.LabelSelector, int32) {
		return &o.ObjectMeta, &o.Spec.Replicas, o.Spec.Selector, o.Status.Replicas
	}}
)

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func selectorString(ls *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return ""
	}
	return sel.String()
}
