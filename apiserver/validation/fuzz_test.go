package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// FuzzValidateCreate feeds what a person types into a manifest (names,
// images, labels, replica counts, rollout percentages) through the whole
// create path and checks that nothing panics and that a valid-looking result
// validates the same twice.
func FuzzValidateCreate(f *testing.F) {
	f.Add("web", "nginx:1.27", "app", int32(1), "25%", int32(80))
	f.Add("", "", "", int32(-1), "", int32(0))
	f.Add("Web_1", " nginx", "a b", int32(0), "110%", int32(70000))
	f.Add("web-", "registry.local:5000/app@sha256:abc", "x/y", int32(2147483647), "0", int32(-1))
	f.Fuzz(func(t *testing.T, name, image, label string, replicas int32, percent string, port int32) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, GenerateName: name, Namespace: name, Labels: map[string]string{label: name}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: name, Image: image,
				Ports: []corev1.ContainerPort{{Name: label, ContainerPort: port, HostPort: port}},
				Env:   []corev1.EnvVar{{Name: label, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: label}}}},
			}}},
		}
		deployment := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{label: image}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{label: name}},
					Spec:       pod.Spec,
				},
				Strategy: appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge: ptrTo(intstr.Parse(percent)), MaxUnavailable: ptrTo(intstr.FromString(percent)),
				}},
			},
		}
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}

		// Validating raw input must not panic either.
		ValidateCreate(pod.DeepCopy())
		ValidateCreate(deployment.DeepCopy())

		for _, obj := range []runtime.Object{pod, deployment, namespace} {
			Default(obj)
			PrepareForCreate(obj)
			first := ValidateCreate(obj)
			second := ValidateCreate(obj)
			if len(first) != len(second) {
				t.Fatalf("validation is not deterministic: %v then %v", first, second)
			}
			old := obj.DeepCopyObject()
			PrepareForUpdate(obj, old)
			ValidateUpdate(obj, old)
			PrepareForStatusUpdate(obj, old)
			ValidateStatusUpdate(obj, old)
		}
	})
}
