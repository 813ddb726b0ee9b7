package controllers_test

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestServiceEndpoints: a service's Endpoints and EndpointSlice list the ready pods its
// selector matches, on the container port its target names, and follow the pods.
func TestServiceEndpoints(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newDeployment(t, ns, "web", 2, "nginx:1.27", func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	})
	_, err := cluster.client.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"team": "a"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	endpointsOf := func(n int) func(ctx context.Context) (bool, string, error) {
		return func(ctx context.Context) (bool, string, error) {
			ep, err := cluster.client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, "no endpoints yet", nil
			}
			if err != nil {
				return false, "", err
			}
			if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != n || len(ep.Subsets[0].NotReadyAddresses) != 0 ||
				len(ep.Subsets[0].Ports) != 1 || ep.Subsets[0].Ports[0].Port != 8080 || ep.Subsets[0].Ports[0].Name != "http" {
				return false, fmt.Sprintf("subsets %+v", ep.Subsets), nil
			}
			slices, err := cluster.client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
			if err != nil {
				return false, "", err
			}
			if len(slices.Items) != 1 || len(slices.Items[0].Endpoints) != n || len(slices.Items[0].Ports) != 1 || *slices.Items[0].Ports[0].Port != 8080 {
				return false, fmt.Sprintf("slices %+v", slices.Items), nil
			}
			for _, e := range slices.Items[0].Endpoints {
				if e.Conditions.Ready == nil || !*e.Conditions.Ready || e.TargetRef == nil || e.TargetRef.Kind != "Pod" {
					return false, fmt.Sprintf("endpoint %+v", e), nil
				}
			}
			return true, "", nil
		}
	}
	waitFor(t, "endpoints of both pods", endpointsOf(2))
	updateDeployment(t, ns, "web", func(d *appsv1.Deployment) { d.Spec.Replicas = ptrTo(int32(1)) })
	waitFor(t, "endpoints of one pod", endpointsOf(1))
	if err := cluster.client.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the endpoints to go with the service", func(ctx context.Context) (bool, string, error) {
		_, err := cluster.client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), "still there", nil
	})
}
