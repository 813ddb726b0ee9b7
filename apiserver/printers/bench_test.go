package printers

import (
	"encoding/json"
	"io"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podListOf returns n running pods like runningPod, each named apart.
func podListOf(n int) *corev1.PodList {
	list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "100000"}, Items: make([]corev1.Pod, n)}
	for i := range list.Items {
		p := runningPod()
		p.TypeMeta = metav1.TypeMeta{}
		p.Name = "web-7d4b9c-" + strconv.Itoa(i)
		list.Items[i] = *p
	}
	return list
}

func BenchmarkPodListToTable(b *testing.B) {
	list := podListOf(10000)
	for _, policy := range []metav1.IncludeObjectPolicy{metav1.IncludeMetadata, metav1.IncludeNone, metav1.IncludeObject} {
		b.Run(string(policy), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ToTable(list, Options{Now: now, IncludeObject: policy}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPodListToTableJSON adds the encoding the engine does after
// converting, for scale.
func BenchmarkPodListToTableJSON(b *testing.B) {
	list := podListOf(10000)
	b.ReportAllocs()
	for b.Loop() {
		table, err := ToTable(list, Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(io.Discard).Encode(table); err != nil {
			b.Fatal(err)
		}
	}
}
