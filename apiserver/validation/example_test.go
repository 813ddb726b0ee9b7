package validation_test

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sheetops/sheetops/apiserver/validation"
)

// The create path of a store: default, prepare, validate, and turn the
// errors into the 422 a kube-apiserver answers.
func Example() {
	replicas := int32(-1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
	validation.Default(d)
	validation.PrepareForCreate(d)
	if errs := validation.ValidateCreate(d); len(errs) > 0 {
		err := apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "Deployment"}, d.Name, errs)
		fmt.Println(err.ErrStatus.Code, err.ErrStatus.Reason)
		fmt.Println(err)
	}
	fmt.Println(d.Spec.Template.Spec.Containers[0].ImagePullPolicy, d.Generation)
	// Output:
	// 422 Invalid
	// Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0
	// Always 1
}
