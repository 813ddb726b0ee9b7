package apiserver_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestConcurrentWritesOfOnePod: writers that patch, update and apply the same pod at once,
// while others read it, lose no write (storage.Store.Update runs a write's work outside the
// store's lock and again when another write changed the object meanwhile), and every
// answer is a state that was stored. Run with -race, it also checks that no write changes
// the stored object it was given.
func TestConcurrentWritesOfOnePod(t *testing.T) {
	srv := startEngine(t, "", false)
	cs := clientset(t, srv)
	ctx := context.Background()
	pods := cs.CoreV1().Pods("default")
	if _, err := pods.Create(ctx, benchPod("default", "shared"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const writers, writes = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*writes+100)
	for w := range writers {
		wg.Go(func() {
			for i := range writes {
				key := fmt.Sprintf("w%d-%d", w, i)
				var err error
				switch w % 3 {
				case 0: // strategic merge patch
					_, err = pods.Patch(ctx, "shared", types.StrategicMergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{%q:"x"}}}`, key), metav1.PatchOptions{})
				case 1: // JSON merge patch of an annotation
					_, err = pods.Patch(ctx, "shared", types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"annotations":{%q:"x"}}}`, key), metav1.PatchOptions{})
				case 2: // server-side apply, one field manager per writer
					body := fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"shared","namespace":"default","labels":{%q:"x"}}}`, key)
					_, err = pods.Patch(ctx, "shared", types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: fmt.Sprintf("applier-%d", w)})
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", key, err)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range writers * writes {
				if _, err := pods.Get(ctx, "shared", metav1.GetOptions{}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := pods.Get(ctx, "shared", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		for i := range writes {
			key := fmt.Sprintf("w%d-%d", w, i)
			switch w % 3 {
			case 0:
				if got.Labels[key] != "x" {
					t.Errorf("label %s was lost", key)
				}
			case 1:
				if got.Annotations[key] != "x" {
					t.Errorf("annotation %s was lost", key)
				}
			case 2:
				// An applier owns only the label of its last apply: the earlier ones it
				// dropped from its configuration are removed.
				want := i == writes-1
				if _, ok := got.Labels[key]; ok != want {
					t.Errorf("applied label %s present %v, want %v", key, ok, want)
				}
			}
		}
	}
	appliers := map[string]bool{}
	for _, e := range got.ManagedFields {
		if e.Operation == metav1.ManagedFieldsOperationApply {
			appliers[e.Manager] = true
		}
	}
	for w := 2; w < writers; w += 3 {
		if m := fmt.Sprintf("applier-%d", w); !appliers[m] {
			t.Errorf("no Apply entry of %s in the managed fields: %v", m, got.ManagedFields)
		}
	}
}
