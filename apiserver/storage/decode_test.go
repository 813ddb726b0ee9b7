package storage

import (
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestMetaOnly checks the metadata decoded alone (GetMeta, ListOptions.MetaOnly): the
// object's metadata without its managed fields, whatever the field order around them.
func TestMetaOnly(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store.db"), 0)
	defer s.Close()
	now := metav1.Now().Rfc3339Copy()
	tests := []struct {
		name string
		pod  *corev1.Pod
	}{
		{"bare", newPod("ns", "bare", nil)},
		{"labels", newPod("ns", "labels", map[string]string{"a": "1", "b": "2"})},
		{"everything", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Namespace: "ns", Name: "everything", GenerateName: "every", UID: "u-1", Labels: map[string]string{"app": "x"},
			Annotations: map[string]string{"note": "y"}, Finalizers: []string{"f"}, CreationTimestamp: now,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "u-0"}},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "a", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{}}`)}},
				{Manager: "b", Operation: metav1.ManagedFieldsOperationApply, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}},
			},
		}, Spec: corev1.PodSpec{NodeName: "n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created, err := s.Create("pods", tt.pod)
			if err != nil {
				t.Fatal(err)
			}
			want := created.(*corev1.Pod).ObjectMeta.DeepCopy()
			want.ManagedFields = nil
			got, err := s.GetMeta("pods", "ns", tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if !sameMeta(got, want) {
				t.Errorf("GetMeta:\n got %+v\nwant %+v", got, want)
			}
			page, err := s.List("pods", ListOptions{Namespace: "ns", MetaOnly: true, Match: func(o runtime.Object) bool {
				return o.(*metav1.PartialObjectMetadata).Name == tt.name
			}})
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("list: %d items, %v", len(page.Items), err)
			}
			if got := &page.Items[0].(*metav1.PartialObjectMetadata).ObjectMeta; !sameMeta(got, want) {
				t.Errorf("MetaOnly list:\n got %+v\nwant %+v", got, want)
			}
		})
	}
	if ok, _ := unmarshalMetadata([]byte(`{"metadata":{}}`), &metav1.ObjectMeta{}); ok {
		t.Error("JSON taken for protobuf")
	}
}

// sameMeta compares metadata by their encodings (times decode in the local zone).
func sameMeta(a, b *metav1.ObjectMeta) bool {
	x, _ := a.Marshal()
	y, _ := b.Marshal()
	return string(x) == string(y)
}

// TestGetDecodesOnce checks that Get hands out the same object for the same state (so that
// Encoded recognizes it) and a new one once the state changed.
func TestGetDecodesOnce(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store.db"), 0)
	defer s.Close()
	if _, err := s.Create("pods", newPod("ns", "p", map[string]string{"x": "1"})); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Get("pods", "ns", "p")
	b, _ := s.Get("pods", "ns", "p")
	if a != b {
		t.Fatal("the same state decoded twice")
	}
	if _, ok := s.Encoded("pods", a); !ok {
		t.Fatal("Encoded does not recognize what Get returned")
	}
	if _, _, err := s.Update("pods", "ns", "p", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod).DeepCopy()
		p.Labels["x"] = "2"
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Get("pods", "ns", "p")
	if c == a || c.(*corev1.Pod).Labels["x"] != "2" {
		t.Fatal("Get returned a past state")
	}
	if _, ok := s.Encoded("pods", a); ok {
		t.Fatal("Encoded answers for a past state")
	}
}

// TestInitialEvents checks a watch's initial events: those of its namespace and selector,
// decoded, or left as encodings for a raw watch without a selector.
func TestInitialEvents(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store.db"), 0)
	defer s.Close()
	for _, p := range []*corev1.Pod{
		newPod("a", "p1", map[string]string{"x": "1"}), newPod("a", "p2", nil),
		newPod("b", "p3", map[string]string{"x": "1"}), newPod("c", "p4", nil),
	} {
		if _, err := s.Create("pods", p); err != nil {
			t.Fatal(err)
		}
	}
	labeled := func(o runtime.Object) bool { return o.(*corev1.Pod).Labels["x"] == "1" }
	tests := []struct {
		name string
		opts WatchOptions
		want []string
		raw  bool // events come with encodings only
	}{
		{"all", WatchOptions{}, []string{"a/p1", "a/p2", "b/p3", "c/p4"}, false},
		{"namespace", WatchOptions{Namespace: "a"}, []string{"a/p1", "a/p2"}, false},
		{"raw namespace", WatchOptions{Namespace: "b", Raw: true}, []string{"b/p3"}, true},
		{"raw selector", WatchOptions{Match: labeled, Raw: true}, []string{"a/p1", "b/p3"}, false},
		{"namespace and selector", WatchOptions{Namespace: "a", Match: labeled}, []string{"a/p1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Initial = true
			w, err := s.Watch("pods", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			events, ok := w.Next(nil)
			if !ok || len(events) == 0 || events[len(events)-1].Type != InitialEventsEnd {
				t.Fatalf("events %+v, %v", events, ok)
			}
			var got []string
			for _, ev := range events[:len(events)-1] {
				var p corev1.Pod
				if err := p.Unmarshal(ev.Data); err != nil {
					t.Fatal(err)
				}
				if (ev.Object == nil) != tt.raw {
					t.Errorf("%s: object %v, want raw %v", p.Name, ev.Object != nil, tt.raw)
				}
				if ev.Object != nil && ev.Object.(*corev1.Pod).Name != p.Name {
					t.Errorf("object %s, encoding %s", ev.Object.(*corev1.Pod).Name, p.Name)
				}
				got = append(got, p.Namespace+"/"+p.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("initial events %v, want %v", got, tt.want)
			}
		})
	}
}
