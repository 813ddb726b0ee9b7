package printers_test

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sheetops/sheetops/apiserver/printers"
)

func ExampleToTable() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	list := &corev1.PodList{
		ListMeta: metav1.ListMeta{ResourceVersion: "1234"},
		Items: []corev1.Pod{{
			ObjectMeta: metav1.ObjectMeta{Name: "web-1", CreationTimestamp: metav1.NewTime(now.Add(-5 * time.Minute))},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			Status: corev1.PodStatus{
				Phase: corev1.PodPending,
				ContainerStatuses: []corev1.ContainerStatus{{
					Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
				}},
			},
		}},
	}

	table, err := printers.ToTable(list, printers.Options{Now: now})
	if err != nil {
		panic(err)
	}
	fmt.Println(table.Kind, table.APIVersion, table.ResourceVersion)
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			fmt.Print(c.Name, "|")
		}
	}
	fmt.Println()
	fmt.Println(table.Rows[0].Cells[:5]...)
	fmt.Printf("%T\n", table.Rows[0].Object.Object)
	// Output:
	// Table meta.k8s.io/v1 1234
	// Name|Ready|Status|Restarts|Age|
	// web-1 0/1 ContainerCreating 0 5m
	// *v1.PartialObjectMetadata
}
