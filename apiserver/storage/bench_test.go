package storage

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func benchStore(b *testing.B, sync bool) *Store {
	b.Helper()
	s, err := Open(Options{Path: filepath.Join(b.TempDir(), "store.db"), NoSync: !sync, New: func(resource string) (Marshaler, bool) {
		return &corev1.Pod{}, resource == "pods"
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func benchStorePod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name, Labels: map[string]string{"app": "bench"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.27"}}},
	}
}

// BenchmarkCreate creates pods in the store from 1 and 8 goroutines, with fsync on every
// commit and without: with fsync, concurrent writers share commits (group commit).
func BenchmarkCreate(b *testing.B) {
	for _, sync := range []bool{true, false} {
		for _, writers := range []int{1, 8} {
			b.Run(fmt.Sprintf("fsync=%v/writers=%d", sync, writers), func(b *testing.B) {
				s := benchStore(b, sync)
				var seq atomic.Int64
				b.SetParallelism((writers + 1) / 2) // GOMAXPROCS is 2 on the development machine
				if writers == 1 {
					for b.Loop() {
						if _, err := s.Create("pods", benchStorePod(fmt.Sprint(seq.Add(1)))); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.Create("pods", benchStorePod(fmt.Sprint(seq.Add(1)))); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// filledStore is a store without fsync that holds n pods, p-000000 onwards, in namespace bench.
func filledStore(b *testing.B, n int) *Store {
	s := benchStore(b, false)
	for i := range n {
		if _, err := s.Create("pods", benchStorePod(fmt.Sprintf("p-%06d", i))); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkCreateAmong100k creates pods, without fsync, in a store that holds 100,000 pods
// already, each new one at a random place in their order: what keeping the keys in order
// costs a create at that size (the fill is not timed).
func BenchmarkCreateAmong100k(b *testing.B) {
	const n = 100000
	s := filledStore(b, n)
	rnd := rand.New(rand.NewPCG(1, 2))
	seq := 0
	for b.Loop() {
		seq++
		if _, err := s.Create("pods", benchStorePod(fmt.Sprintf("p-%06d-%d", rnd.IntN(n), seq))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPagesAmong100kWithChanges lists 100,000 pods in pages of 500, as a
// reflector does, from a snapshot that later writes have changed: every page after the
// first reads the objects as they were at the first page's revision.
func BenchmarkListPagesAmong100kWithChanges(b *testing.B) {
	const n = 100000
	s := filledStore(b, n)
	want := n // the pods at the first page's revision
	for b.Loop() {
		page, err := s.List("pods", ListOptions{Limit: 500, Raw: true})
		if err != nil {
			b.Fatal(err)
		}
		rv, listed := page.RV, len(page.Raw)
		// a write after the snapshot, so the pages after the first read the past
		if _, err := s.Create("pods", benchStorePod(fmt.Sprintf("q-%d", rv))); err != nil {
			b.Fatal(err)
		}
		for page.Next != "" {
			if page, err = s.List("pods", ListOptions{Limit: 500, Raw: true, After: page.Next, AtRV: rv}); err != nil {
				b.Fatal(err)
			}
			listed += len(page.Raw)
		}
		if listed != want {
			b.Fatalf("listed %d pods, want %d", listed, want)
		}
		want++
	}
}
