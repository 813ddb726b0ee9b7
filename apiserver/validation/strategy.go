package validation

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// now is the clock for the condition timestamps PrepareForCreate writes.
var now = metav1.Now

// semanticEqual is equality.Semantic.DeepEqual with reflect.DeepEqual first: values equal
// in memory are semantically equal too (Semantic only adds equalities: quantities by value,
// times by instant, nil and empty collections), and the standard comparison costs a
// fraction of the semantic one, which looks up an equality function at every value.
func semanticEqual(a, b any) bool {
	return reflect.DeepEqual(a, b) || equality.Semantic.DeepEqual(a, b)
}

// defaultTolerationSeconds is what the DefaultTolerationSeconds admission
// plugin tolerates not-ready and unreachable nodes for.
const defaultTolerationSeconds = int64(300)

// builtinPriorities are the PriorityClasses every cluster has.
var builtinPriorities = map[string]int32{
	"system-node-critical":    2000001000,
	"system-cluster-critical": 2000000000,
}

// PrepareForCreate mutates a typed object about to be created as upstream's
// registry strategy does, and also applies the mutations of the admission
// plugins every cluster runs on create (ServiceAccount without its token
// volume, DefaultTolerationSeconds, Priority). Call it after Default and
// after the name has been generated from generateName.
func PrepareForCreate(obj runtime.Object) {
	if prepareServedCreate(obj) {
		return
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		prepareNewPod(o)
	case *appsv1.Deployment:
		o.Status = appsv1.DeploymentStatus{}
		o.Generation = 1
	case *appsv1.ReplicaSet:
		o.Status = appsv1.ReplicaSetStatus{}
		o.Generation = 1
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
		hasKube := false
		for _, f := range o.Spec.Finalizers {
			hasKube = hasKube || f == corev1.FinalizerKubernetes
		}
		if !hasKube {
			o.Spec.Finalizers = append(o.Spec.Finalizers, corev1.FinalizerKubernetes)
		}
		canonicalizeNamespace(o)
	}
}

func prepareNewPod(pod *corev1.Pod) {
	spec := &pod.Spec
	// ServiceAccount admission (not for mirror pods).
	if _, mirror := pod.Annotations[corev1.MirrorPodAnnotationKey]; !mirror && spec.ServiceAccountName == "" {
		spec.ServiceAccountName = "default"
		spec.DeprecatedServiceAccount = "default"
	}
	// DefaultTolerationSeconds admission.
	var notReady, unreachable bool
	for _, t := range spec.Tolerations {
		noExecute := t.Effect == corev1.TaintEffectNoExecute || t.Effect == ""
		notReady = notReady || ((t.Key == corev1.TaintNodeNotReady || t.Key == "") && noExecute)
		unreachable = unreachable || ((t.Key == corev1.TaintNodeUnreachable || t.Key == "") && noExecute)
	}
	for _, add := range []struct {
		key     string
		present bool
	}{{corev1.TaintNodeNotReady, notReady}, {corev1.TaintNodeUnreachable, unreachable}} {
		if !add.present {
			spec.Tolerations = append(spec.Tolerations, corev1.Toleration{
				Key: add.key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
				TolerationSeconds: ptrTo(defaultTolerationSeconds),
			})
		}
	}
	// Priority admission, for the classes every cluster has.
	if spec.Priority == nil {
		if p, ok := builtinPriorities[spec.PriorityClassName]; ok || spec.PriorityClassName == "" {
			spec.Priority = ptrTo(p)
		}
	}
	if spec.Priority != nil && spec.PreemptionPolicy == nil {
		spec.PreemptionPolicy = ptrTo(corev1.PreemptLowerPriority)
	}

	pod.Generation = 1
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podQOS(spec)}
	if len(spec.SchedulingGates) > 0 {
		pod.Status.Conditions = []corev1.PodCondition{{
			Type:               corev1.PodScheduled,
			Status:             corev1.ConditionFalse,
			Reason:             corev1.PodReasonSchedulingGated,
			Message:            "Scheduling is blocked due to non-empty scheduling gates",
			LastTransitionTime: now(),
		}}
	}
}

// canonicalizeNamespace keeps the kubernetes.io/metadata.name label equal to
// the name, which a namespace created from generateName only now has.
func canonicalizeNamespace(ns *corev1.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

// beforeUpdate is what the generic registry does around every strategy's
// PrepareForUpdate: a client can neither set the generation nor change uid,
// creation timestamp, deletion timestamp or deletion grace period.
func beforeUpdate(obj, old metav1.Object, prepare func()) {
	obj.SetGeneration(old.GetGeneration())
	prepare()
	if obj.GetUID() == "" {
		obj.SetUID(old.GetUID())
	}
	if ts := old.GetCreationTimestamp(); !ts.IsZero() {
		obj.SetCreationTimestamp(ts)
	}
	if old.GetDeletionTimestamp() != nil {
		obj.SetDeletionTimestamp(old.GetDeletionTimestamp())
	}
	if old.GetDeletionGracePeriodSeconds() != nil && obj.GetDeletionGracePeriodSeconds() == nil {
		obj.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	}
}

// PrepareForUpdate mutates obj, an update of the main resource, against old,
// the stored object: status is kept from old, and the generation moves only
// when the spec changes (for a Deployment also when its annotations change).
// A Namespace keeps its finalizers, which only the finalize subresource changes.
func PrepareForUpdate(obj, old runtime.Object) {
	if sameType(obj, old) != nil || prepareServedUpdate(obj, old) {
		return
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		prev := old.(*corev1.Pod)
		beforeUpdate(o, prev, func() {
			o.Status = prev.Status
			if !semanticEqual(o.Spec, prev.Spec) {
				o.Generation++
			}
		})
	case *appsv1.Deployment:
		prev := old.(*appsv1.Deployment)
		beforeUpdate(o, prev, func() {
			o.Status = prev.Status
			if !semanticEqual(o.Spec, prev.Spec) || !semanticEqual(o.Annotations, prev.Annotations) {
				o.Generation = prev.Generation + 1
			}
		})
	case *appsv1.ReplicaSet:
		prev := old.(*appsv1.ReplicaSet)
		beforeUpdate(o, prev, func() {
			o.Status = prev.Status
			if !semanticEqual(o.Spec, prev.Spec) {
				o.Generation = prev.Generation + 1
			}
		})
	case *corev1.Namespace:
		prev := old.(*corev1.Namespace)
		beforeUpdate(o, prev, func() {
			o.Spec.Finalizers = prev.Spec.Finalizers
			o.Status = prev.Status
			canonicalizeNamespace(o)
		})
	case *corev1.Node:
		prev := old.(*corev1.Node)
		beforeUpdate(o, prev, func() { o.Status = prev.Status })
	case metav1.Object:
		if prev, ok := old.(metav1.Object); ok {
			beforeUpdate(o, prev, func() {})
		}
	}
}

// PrepareForStatusUpdate mutates obj, an update through the status
// subresource, against old: the spec (and what else upstream protects, such
// as a Deployment's labels or a Pod's owner references) is kept from old.
func PrepareForStatusUpdate(obj, old runtime.Object) {
	if sameType(obj, old) != nil || prepareServedStatusUpdate(obj, old) {
		return
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		prev := old.(*corev1.Pod)
		beforeUpdate(o, prev, func() {
			o.Spec = prev.Spec
			o.DeletionTimestamp = prev.DeletionTimestamp
			o.OwnerReferences = prev.OwnerReferences
			if o.Status.QOSClass == "" {
				o.Status.QOSClass = prev.Status.QOSClass
			}
			preserveObservedGeneration(&o.Status, &prev.Status)
		})
	case *appsv1.Deployment:
		prev := old.(*appsv1.Deployment)
		beforeUpdate(o, prev, func() {
			o.Spec = prev.Spec
			o.Labels = prev.Labels
		})
	case *appsv1.ReplicaSet:
		prev := old.(*appsv1.ReplicaSet)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *corev1.Namespace:
		prev := old.(*corev1.Namespace)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *corev1.Node:
		prev := old.(*corev1.Node)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case metav1.Object:
		if prev, ok := old.(metav1.Object); ok {
			beforeUpdate(o, prev, func() {})
		}
	}
}

// preserveObservedGeneration keeps the old observedGeneration values a status
// writer left out, for the pod and for each condition type in order.
func preserveObservedGeneration(status, old *corev1.PodStatus) {
	if status.ObservedGeneration == 0 {
		status.ObservedGeneration = old.ObservedGeneration
	}
	byType := map[corev1.PodConditionType][]int64{}
	for _, c := range old.Conditions {
		byType[c.Type] = append(byType[c.Type], c.ObservedGeneration)
	}
	for i, c := range status.Conditions {
		var prev int64
		if gens := byType[c.Type]; len(gens) > 0 {
			prev, byType[c.Type] = gens[0], gens[1:]
		}
		if c.ObservedGeneration == 0 {
			status.Conditions[i].ObservedGeneration = prev
		}
	}
}
