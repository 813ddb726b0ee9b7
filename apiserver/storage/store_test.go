package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

func newPod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
}

func openTest(t *testing.T, path string, history int) *Store {
	t.Helper()
	s, err := Open(Options{Path: path, History: history, New: func(resource string) (Marshaler, bool) {
		if resource == "pods" {
			return &corev1.Pod{}, true
		}
		return nil, false
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rvOf(obj runtime.Object) string { return obj.(*corev1.Pod).ResourceVersion }

func TestCreateGetUpdateDeletePersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTest(t, path, 0)
	if _, err := s.Create("pods", newPod("a", "p1", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("pods", newPod("a", "p1", nil)); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("duplicate create: got %v, want AlreadyExists", err)
	}
	out, _, err := s.Update("pods", "a", "p1", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod).DeepCopy()
		p.Labels = map[string]string{"x": "y"}
		return p, nil
	})
	if err != nil || rvOf(out) != "2" {
		t.Fatalf("update: rv %v err %v, want 2", rvOf(out), err)
	}
	// A no-op update does not bump the revision.
	same, _, err := s.Update("pods", "a", "p1", func(cur runtime.Object) (runtime.Object, error) { return cur.DeepCopyObject(), nil })
	if err != nil || rvOf(same) != "2" || s.Revision() != 2 {
		t.Fatalf("no-op update: rv %s revision %d err %v", rvOf(same), s.Revision(), err)
	}
	if _, err := s.Create("pods", newPod("b", "p2", nil)); err != nil {
		t.Fatal(err)
	}
	gone, err := s.Delete("pods", "b", "p2", nil)
	if err != nil || rvOf(gone) != "4" {
		t.Fatalf("delete: rv %v err %v", rvOf(gone), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, path, 0)
	defer s.Close()
	if s.Revision() != 4 {
		t.Fatalf("revision after restart = %d, want 4", s.Revision())
	}
	got, err := s.Get("pods", "a", "p1")
	if err != nil || got.(*corev1.Pod).Labels["x"] != "y" || rvOf(got) != "2" {
		t.Fatalf("get after restart: %v %v", got, err)
	}
	if _, err := s.Get("pods", "b", "p2"); !apierrors.IsNotFound(err) {
		t.Fatalf("deleted pod after restart: %v", err)
	}
	// The history is not kept across restarts: an older revision is expired, the current one is not.
	if _, err := s.Watch("pods", WatchOptions{Since: 2}); !errors.Is(err, ErrExpired) {
		t.Fatalf("watch from 2 after restart: %v, want ErrExpired", err)
	}
	w, err := s.Watch("pods", WatchOptions{Since: 4})
	if err != nil {
		t.Fatal(err)
	}
	w.Stop()
}

func TestListPagesAndSnapshot(t *testing.T) {
	s := openTest(t, "", 0)
	for _, n := range []string{"p1", "p2", "p3", "p4"} {
		s.Create("pods", newPod("ns", n, map[string]string{"n": n}))
	}
	s.Create("pods", newPod("other", "p0", nil))
	page, err := s.List("pods", ListOptions{Namespace: "ns", Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Next != "ns/p2" || page.Remaining != 2 {
		t.Fatalf("first page: %d items next %q remaining %d err %v", len(page.Items), page.Next, page.Remaining, err)
	}
	// Changes after the first page do not show in the rest of the snapshot.
	s.Delete("pods", "ns", "p3", nil)
	s.Create("pods", newPod("ns", "p5", nil))
	s.Delete("pods", "other", "p0", nil) // a past state outside the namespace
	if _, _, err := s.Update("pods", "ns", "p4", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod).DeepCopy()
		p.Labels = map[string]string{"n": "changed"}
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	one, err := s.List("pods", ListOptions{Namespace: "ns", After: page.Next, AtRV: page.RV, Limit: 1})
	if err != nil || len(one.Items) != 1 || one.Items[0].(*corev1.Pod).Name != "p3" || one.Remaining != 1 {
		t.Fatalf("second page of one: %d items remaining %d err %v, want [p3] with 1 remaining", len(one.Items), one.Remaining, err)
	}
	rest, err := s.List("pods", ListOptions{Namespace: "ns", After: page.Next, AtRV: page.RV})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range rest.Items {
		names = append(names, o.(*corev1.Pod).Name)
	}
	if len(names) != 2 || names[0] != "p3" || names[1] != "p4" || rest.RV != page.RV {
		t.Fatalf("second page = %v at %d, want [p3 p4] at %d", names, rest.RV, page.RV)
	}
	if l := rest.Items[1].(*corev1.Pod).Labels["n"]; l != "p4" {
		t.Fatalf("p4 in the snapshot has label n=%q, want its value then, p4", l)
	}
	now, _ := s.List("pods", ListOptions{})
	if len(now.Items) != 4 {
		t.Fatalf("current list has %d items, want 4", len(now.Items))
	}
	all, _ := s.List("pods", ListOptions{AtRV: page.RV})
	if len(all.Items) != 5 {
		t.Fatalf("list of every namespace at the first page's revision has %d items, want 5", len(all.Items))
	}
}

func TestWatchSelectorTransitionsAndExpiry(t *testing.T) {
	s := openTest(t, "", 3)
	match := func(o runtime.Object) bool { return o.(*corev1.Pod).Labels["app"] == "web" }
	w, err := s.Watch("pods", WatchOptions{Match: match, Since: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	s.Create("pods", newPod("ns", "p", map[string]string{"app": "web"}))
	relabel := func(v string) {
		s.Update("pods", "ns", "p", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod).DeepCopy()
			p.Labels = map[string]string{"app": v}
			return p, nil
		})
	}
	relabel("db")  // leaves the selector: DELETED
	relabel("web") // comes back: ADDED
	var got []watch.EventType
	deadline := time.After(2 * time.Second)
	for len(got) < 3 {
		evs, ok := w.Next(deadline2(deadline))
		if !ok {
			t.Fatal("watch ended")
		}
		for _, e := range evs {
			got = append(got, e.Type)
		}
	}
	want := []watch.EventType{watch.Added, watch.Deleted, watch.Added}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events = %v, want %v", got, want)
		}
	}
	// History of 3 events: revision 1 has scrolled out after a fourth write.
	relabel("x")
	if _, err := s.Watch("pods", WatchOptions{Since: 0}); !errors.Is(err, ErrExpired) {
		t.Fatalf("watch from 0 with history scrolled: %v, want ErrExpired", err)
	}
	if _, err := s.Watch("pods", WatchOptions{Since: 1}); err != nil {
		t.Fatalf("watch from 1: %v", err)
	}
}

// TestHistoryGrows checks that the history, grown as events come (by doubling, from 256)
// up to its size and a ring from then on, replays every kept event in order and expires
// the revisions before them.
func TestHistoryGrows(t *testing.T) {
	const size = 600
	for _, writes := range []int{1, 256, 257, 599, 600, 601, 1000, 1500} {
		t.Run(strconv.Itoa(writes), func(t *testing.T) {
			s := openTest(t, "", size)
			defer s.Close()
			s.Create("pods", newPod("ns", "p", nil))
			for i := 1; i < writes; i++ {
				s.Update("pods", "ns", "p", func(cur runtime.Object) (runtime.Object, error) {
					p := cur.(*corev1.Pod).DeepCopy()
					p.Labels = map[string]string{"n": strconv.Itoa(i)}
					return p, nil
				})
			}
			if s.Revision() != uint64(writes) {
				t.Fatalf("revision %d, want %d", s.Revision(), writes)
			}
			kept := min(writes, size)
			first := uint64(writes-kept) + 1 // the oldest kept event's revision
			if first > 1 {
				if _, err := s.Watch("pods", WatchOptions{Since: first - 2}); !errors.Is(err, ErrExpired) {
					t.Fatalf("watch from %d: %v, want ErrExpired", first-2, err)
				}
			}
			w, err := s.Watch("pods", WatchOptions{Since: first - 1})
			if err != nil {
				t.Fatalf("watch from %d: %v", first-1, err)
			}
			defer w.Stop()
			deadline := deadline2(time.After(2 * time.Second))
			for want := first; want <= uint64(writes); {
				evs, ok := w.Next(deadline)
				if !ok {
					t.Fatalf("watch ended at revision %d of %d", want, writes)
				}
				for _, e := range evs {
					if e.RV != want {
						t.Fatalf("event at revision %d, want %d", e.RV, want)
					}
					want++
				}
			}
		})
	}
}

func deadline2(after <-chan time.Time) <-chan struct{} {
	c := make(chan struct{})
	go func() { <-after; close(c) }()
	return c
}

// TestEncoded checks the stored encodings that responses and lists are written from: they
// are the current object's Marshal, for the current object only, and survive a restart.
func TestEncoded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTest(t, path, 0)
	created, err := s.Create("pods", newPod("a", "p1", map[string]string{"x": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, obj runtime.Object) {
		t.Helper()
		raw, ok := s.Encoded("pods", obj)
		want, _ := obj.(*corev1.Pod).Marshal()
		if !ok || string(raw) != string(want) {
			t.Fatalf("Encoded: %v, bytes equal %v", ok, string(raw) == string(want))
		}
	}
	check(s, created)
	updated, _, err := s.Update("pods", "a", "p1", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod).DeepCopy()
		p.Labels["x"] = "2"
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check(s, updated)
	if _, ok := s.Encoded("pods", created); ok {
		t.Fatal("Encoded answers for an object that is no longer stored")
	}
	page, err := s.List("pods", ListOptions{Raw: true})
	if err != nil || len(page.Raw) != 1 || page.Items != nil {
		t.Fatalf("list: %d raw, %d items, %v", len(page.Raw), len(page.Items), err)
	}
	if want, _ := updated.(*corev1.Pod).Marshal(); string(page.Raw[0]) != string(want) {
		t.Fatal("listed encoding differs from the item's")
	}
	// A snapshot list from before the update has the past state's encoding.
	past, err := s.List("pods", ListOptions{Raw: true, AtRV: 1})
	if err != nil || len(past.Raw) != 1 {
		t.Fatalf("snapshot list: %+v, %v", past.Raw, err)
	}
	if want, _ := created.(*corev1.Pod).Marshal(); string(past.Raw[0]) != string(want) {
		t.Fatal("the snapshot's encoding is not the past state's")
	}
	// Raw with a selector decodes to match, and returns encodings only.
	sel, err := s.List("pods", ListOptions{Raw: true, Match: func(o runtime.Object) bool { return o.(*corev1.Pod).Labels["x"] == "2" }})
	if err != nil || len(sel.Raw) != 1 || sel.Items != nil {
		t.Fatalf("selected list: %d raw, %d items, %v", len(sel.Raw), len(sel.Items), err)
	}
	s.Close()
	s = openTest(t, path, 0)
	defer s.Close()
	reloaded, err := s.Get("pods", "a", "p1")
	if err != nil {
		t.Fatal(err)
	}
	check(s, reloaded)
}

// addLabel is an update that adds label k=v to a pod.
func addLabel(k, v string) UpdateFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod).DeepCopy()
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
		return p, nil
	}
}

// TestUpdateRunsAgainOnANewerState: an update whose object another write changed while it
// ran outside the lock runs again on the new state, so no write is lost; after
// optimisticTries such losses it runs under the lock, and ends.
func TestUpdateRunsAgainOnANewerState(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store.db"), 0)
	if _, err := s.Create("pods", newPod("ns", "p", nil)); err != nil {
		t.Fatal(err)
	}
	for _, losses := range []int{1, optimisticTries} {
		calls := 0
		var seen []string // the resourceVersions the update was given
		out, _, err := s.Update("pods", "ns", "p", func(cur runtime.Object) (runtime.Object, error) {
			calls++
			seen = append(seen, rvOf(cur))
			if calls <= losses {
				// Another writer changes the object meanwhile (this call is outside the lock:
				// under it, this would never return).
				if _, _, err := s.Update("pods", "ns", "p", addLabel(fmt.Sprintf("other-%d-%d", losses, calls), "x")); err != nil {
					return nil, err
				}
			}
			return addLabel(fmt.Sprintf("mine-%d", losses), "y")(cur)
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != losses+1 {
			t.Fatalf("%d losses: the update ran %d times (given revisions %v), want %d", losses, calls, seen, losses+1)
		}
		distinct := map[string]bool{}
		for _, rv := range seen {
			distinct[rv] = true
		}
		if len(distinct) != len(seen) {
			t.Fatalf("%d losses: the update was given the same revision twice: %v", losses, seen)
		}
		labels := out.(*corev1.Pod).Labels
		for i := 1; i <= losses; i++ {
			if labels[fmt.Sprintf("other-%d-%d", losses, i)] != "x" {
				t.Fatalf("%d losses: the other writer's change %d was lost: %v", losses, i, labels)
			}
		}
		if labels[fmt.Sprintf("mine-%d", losses)] != "y" {
			t.Fatalf("%d losses: the update's own change is missing: %v", losses, labels)
		}
		got, err := s.Get("pods", "ns", "p")
		if err != nil || rvOf(got) != rvOf(out) {
			t.Fatalf("stored %v (err %v), returned %s", got, err, rvOf(out))
		}
	}
}
