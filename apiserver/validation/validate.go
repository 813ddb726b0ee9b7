package validation

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateCreate validates a typed object about to be created, after Default
// and PrepareForCreate. An unknown type yields no errors.
func ValidateCreate(obj runtime.Object) field.ErrorList {
	if errs, ok := validateServedCreate(obj); ok {
		return errs
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return validatePodCreate(o)
	case *corev1.Namespace:
		return validateNamespaceCreate(o)
	case *corev1.Node:
		return validateNodeCreate(o)
	case *appsv1.Deployment:
		return validateDeploymentCreate(o)
	case *appsv1.ReplicaSet:
		return validateReplicaSetCreate(o)
	case *coordinationv1.Lease:
		return validateLeaseCreate(o)
	case *autoscalingv1.Scale:
		return validateScale(o)
	}
	return nil
}

// ValidateUpdate validates an update of the main resource; old is the stored
// object and obj has been through Default and PrepareForUpdate. An unknown
// type yields no errors; old of another type than obj is an internal error.
func ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	if errs := sameType(obj, old); errs != nil {
		return errs
	}
	if errs, ok := validateServedUpdate(obj, old, false); ok {
		return errs
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return validatePodUpdate(o, old.(*corev1.Pod))
	case *corev1.Namespace:
		errs := validateNamespaceCreate(o)
		return append(errs, validateObjectMetaUpdate(&o.ObjectMeta, &old.(*corev1.Namespace).ObjectMeta)...)
	case *corev1.Node:
		return append(validateNodeCreate(o), validateNodeUpdate(o, old.(*corev1.Node))...)
	case *appsv1.Deployment:
		return validateDeploymentUpdate(o, old.(*appsv1.Deployment))
	case *appsv1.ReplicaSet:
		return validateReplicaSetUpdate(o, old.(*appsv1.ReplicaSet))
	case *coordinationv1.Lease:
		errs := validateObjectMetaUpdate(&o.ObjectMeta, &old.(*coordinationv1.Lease).ObjectMeta)
		return append(errs, validateLeaseSpec(&o.Spec, field.NewPath("spec"))...)
	case *autoscalingv1.Scale:
		return validateScale(o)
	}
	return nil
}

// ValidateStatusUpdate validates an update through the status subresource;
// obj has been through PrepareForStatusUpdate.
func ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	if errs := sameType(obj, old); errs != nil {
		return errs
	}
	if errs, ok := validateServedUpdate(obj, old, true); ok {
		return errs
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return validatePodStatusUpdate(o, old.(*corev1.Pod))
	case *corev1.Namespace:
		return validateNamespaceStatusUpdate(o, old.(*corev1.Namespace))
	case *corev1.Node:
		return append(validateNodeCreate(o), validateNodeUpdate(o, old.(*corev1.Node))...)
	case *appsv1.Deployment:
		return validateDeploymentStatusUpdate(o, old.(*appsv1.Deployment))
	case *appsv1.ReplicaSet:
		return validateReplicaSetStatusUpdate(o, old.(*appsv1.ReplicaSet))
	case *coordinationv1.Lease:
		return ValidateUpdate(obj, old)
	case *autoscalingv1.Scale:
		return validateScale(o)
	}
	return nil
}

func sameType(obj, old runtime.Object) field.ErrorList {
	if fmt.Sprintf("%T", obj) != fmt.Sprintf("%T", old) {
		return field.ErrorList{field.InternalError(field.NewPath(""), fmt.Errorf("old object is %T, not %T", old, obj))}
	}
	return nil
}
