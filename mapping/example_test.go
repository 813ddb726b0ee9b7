package mapping_test

import (
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sheetops/sheetops/mapping"
)

func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "shop", Name: "web", UID: "7f0c", ResourceVersion: "4711",
			CreationTimestamp: metav1.NewTime(now.Add(-50 * time.Hour)),
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: func(n int32) *int32 { return &n }(3),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}},
			}},
		},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2},
	}
	deployments := mapping.DefaultTabs()[0]

	// Render: one row of text, in the tab's column order.
	fmt.Printf("%q\n", deployments.Headers())
	fmt.Printf("%q\n", deployments.Row(d, now))

	// A person typed "5.0" into Replicas: parse it into the canonical value...
	replicas := deployments.Column(mapping.Replicas)
	value, err := replicas.Parse(" 5.0 ")
	fmt.Println(value, err)

	// ...and build the PATCH, with the resourceVersion as a precondition.
	pt, body, err := replicas.Patch(d, value)
	fmt.Println(pt, string(body), err)

	// What cannot be applied is an *InvalidError with a reason for the Sync column.
	if _, err := replicas.Parse("3.5"); errors.Is(err, mapping.ErrInvalid) {
		fmt.Println("invalid:", err)
	}

	// Output:
	// ["Namespace" "Name" "Replicas" "Ready" "Up-to-date" "Available" "Image" "Age" "Action" "Sync" "UID" "Resource Version"]
	// ["shop" "web" "3" "2/3" "3" "2" "nginx:1.27" "2d2h" "" "" "7f0c" "4711"]
	// 5 <nil>
	// application/merge-patch+json {"metadata":{"resourceVersion":"4711"},"spec":{"replicas":5}} <nil>
	// invalid: not a whole number
}

func ExampleTab_NewObject() {
	pods := mapping.DefaultTabs()[1]
	obj, err := pods.NewObject(map[string]string{
		mapping.Namespace: "tools", mapping.Name: "debug", mapping.Image: "ghcr.io/acme/net_tools:2",
	})
	p := obj.(*corev1.Pod)
	fmt.Println(p.Namespace, p.Name, p.Spec.Containers[0].Name, p.Spec.Containers[0].Image, err)

	_, err = mapping.DefaultTabs()[0].NewObject(map[string]string{
		mapping.Namespace: "shop", mapping.Name: "web", mapping.Replicas: "-1", mapping.Image: "nginx",
	})
	fmt.Println(err)
	// Output:
	// tools debug net-tools ghcr.io/acme/net_tools:2 <nil>
	// Replicas: must be 0 to 10000
}
