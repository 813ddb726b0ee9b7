package apiserver

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/utils/ptr"
	kjson "sigs.k8s.io/json"
)

// TestStrategicPatchObjectAsUpstream checks that leaving untouched fields out of the
// strategic merge (patchBase) gives what upstream's whole-object merge on maps gives.
func TestStrategicPatchObjectAsUpstream(t *testing.T) {
	now := metav1.Unix(1700000000, 0)
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u", ResourceVersion: "7", CreationTimestamp: now,
			Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"a": "1"}, Finalizers: []string{"f1", "f2"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &now,
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`)}}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}}},
			TerminationGracePeriodSeconds: ptr.To[int64](30)},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}},
	}
	deploy := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", Labels: map[string]string{"app": "x"}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1"}, {Name: "s", Image: "s:1"}}}}},
	}
	cases := []struct {
		obj   runtime.Object
		patch string
	}{
		{pod, `{"metadata":{"labels":{"step":"1"}}}`},
		{pod, `{"metadata":{"labels":{"app":null}}}`},
		{pod, `{"metadata":{"$deleteFromPrimitiveList/finalizers":["f1"]}}`},
		{pod, `{"metadata":{"managedFields":[{}]}}`},
		{pod, `{"spec":{"containers":[{"name":"c","image":"i:2"}]}}`},
		{pod, `{"status":{"phase":"Failed"}}`},
		{pod, `{"$patch":"replace","metadata":{"name":"p"}}`},
		{pod, `{"metadata":null}`},
		{pod, `{"spec":{"$retainKeys":["containers"],"containers":[{"name":"c","image":"i:3"}]}}`},
		{pod, `{"kind":"Pod","apiVersion":"v1","metadata":{"annotations":{"b":"2"}}}`},
		{deploy, `{"spec":{"replicas":5}}`},
		{deploy, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"s"},{"name":"c"}],"containers":[{"name":"s","image":"s:2"}]}}}}`},
		{deploy, `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`},
	}
	for _, c := range cases {
		t.Run(c.patch, func(t *testing.T) {
			empty := func() runtime.Object {
				o := c.obj.DeepCopyObject()
				v := o.(interface{ Reset() })
				v.Reset()
				return o
			}
			got, err := strategicPatchObject(httptest.NewRecorder(), c.obj, []byte(c.patch), empty(), writeOptions{fieldValidation: "Strict"})
			if err != nil {
				t.Fatal(err)
			}
			// upstream: the whole object through its map
			curMap, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(c.obj)
			var patchMap map[string]interface{}
			if err := kjson.UnmarshalCaseSensitivePreserveInts([]byte(c.patch), &patchMap); err != nil {
				t.Fatal(err)
			}
			patched, err := strategicpatch.StrategicMergeMapPatch(curMap, patchMap, empty())
			if err != nil {
				t.Fatal(err)
			}
			want := empty()
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(patched, want); err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(got, want) {
				gm, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(got)
				t.Errorf("patched:\n got %v\nwant %v", gm, patched)
			}
		})
	}
}

// TestUpdateManagedAsFieldManager checks that comparing the objects without their common
// fields (updateManaged) records the managed fields the field manager records without it.
func TestUpdateManagedAsFieldManager(t *testing.T) {
	fm := index[corev1.SchemeGroupVersion.WithResource("pods")].fieldManager("")
	live := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	live = fm.UpdateNoErrors(&corev1.Pod{TypeMeta: live.TypeMeta}, live, "creator").(*corev1.Pod)
	for _, change := range []func(p *corev1.Pod){
		func(p *corev1.Pod) { p.Labels = map[string]string{"app": "x", "step": "1"} },
		func(p *corev1.Pod) { p.Labels = nil },
		func(p *corev1.Pod) { p.Spec.Containers = []corev1.Container{{Name: "c", Image: "i:2"}} },
		func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed; p.Annotations = map[string]string{"a": "b"} },
		func(p *corev1.Pod) {},
	} {
		a, b := live.DeepCopy(), live.DeepCopy()
		change(a)
		change(b)
		got := updateManaged(fm, live.DeepCopy(), a, "changer", false).(*corev1.Pod)
		want := fm.UpdateNoErrors(live.DeepCopy(), b, "changer").(*corev1.Pod)
		for i := range got.ManagedFields {
			got.ManagedFields[i].Time, want.ManagedFields[i].Time = nil, nil
		}
		if !equality.Semantic.DeepEqual(got.ManagedFields, want.ManagedFields) {
			t.Errorf("managed fields:\n got %+v\nwant %+v", got.ManagedFields, want.ManagedFields)
		}
	}
}

// TestCreateManagedAsFieldManager checks that a create reusing the previous create's
// managed fields (createManaged) records what the field manager records for it in full, and
// that only a create that differs from the previous one in the fields the field managers
// drop reuses them.
func TestCreateManagedAsFieldManager(t *testing.T) {
	fm := index[corev1.SchemeGroupVersion.WithResource("pods")].fieldManager("")
	base := func() *corev1.Pod {
		return &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: "p-1", Namespace: "ns", UID: "u-1", CreationTimestamp: metav1.Unix(1700000000, 0),
				GenerateName: "p-", Labels: map[string]string{"app": "x"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}}}},
		}
	}
	cases := []struct {
		name    string
		manager string
		change  func(p *corev1.Pod)
		works   bool // works the fields out in full and remembers them (an object with managed fields of its own: in full, not remembered)
	}{
		{"first", "m", func(p *corev1.Pod) {}, true},
		{"another name, uid, time and namespace", "m", func(p *corev1.Pod) {
			p.Name, p.UID, p.Namespace, p.CreationTimestamp, p.ResourceVersion, p.Generation = "p-2", "u-2", "other", metav1.Unix(1800000000, 0), "9", 3
		}, false},
		{"a label's value", "m", func(p *corev1.Pod) { p.Labels["app"] = "y" }, true},
		{"the same again", "m", func(p *corev1.Pod) { p.Labels["app"] = "y"; p.Name = "p-3" }, false},
		{"another label", "m", func(p *corev1.Pod) { p.Labels["tier"] = "web" }, true},
		{"another manager", "n", func(p *corev1.Pod) { p.Labels["tier"] = "web" }, true},
		{"no generateName", "n", func(p *corev1.Pod) { p.Labels["tier"] = "web"; p.GenerateName = "" }, true},
		{"a second container", "n", func(p *corev1.Pod) {
			p.Labels["tier"] = "web"
			p.GenerateName = ""
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "s", Image: "s:1"})
		}, true},
		{"its own managed fields", "n", func(p *corev1.Pod) {
			p.Labels["tier"] = "web"
			p.GenerateName = ""
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "s", Image: "s:1"})
			p.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "x", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:app":{}}}}`)}}}
		}, false},
	}
	for _, c := range cases {
		a, b := base(), base()
		c.change(a)
		c.change(b)
		before := createMemoOf(fm).Load()
		start := time.Now().Add(-time.Second)
		got := createManaged(fm, &corev1.Pod{TypeMeta: a.TypeMeta}, a, c.manager).(*corev1.Pod)
		want := fm.UpdateNoErrors(&corev1.Pod{TypeMeta: b.TypeMeta}, b, c.manager).(*corev1.Pod)
		if worked := createMemoOf(fm).Load() != before; worked != c.works {
			t.Errorf("%s: worked the fields out and remembered them: %v, want %v", c.name, worked, c.works)
		}
		if len(got.ManagedFields) == 0 {
			t.Fatalf("%s: no managed fields", c.name)
		}
		for i := range got.ManagedFields {
			if tm := got.ManagedFields[i].Time; tm == nil || tm.Time.Before(start) {
				t.Errorf("%s: entry %d's time is %v, want now", c.name, i, tm)
			}
			got.ManagedFields[i].Time, want.ManagedFields[i].Time = nil, nil
		}
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("%s: managed fields:\n got %+v\nwant %+v", c.name, got.ManagedFields, want.ManagedFields)
		}
	}
}

// TestUpdateRememberedAsFieldManager checks that an update given a remembered update's
// entries (updateManaged with remember) records what the field manager records for it in
// full, through a run of updates that each differ from the one before in one of the things
// the result depends on, and that only an update like the remembered one reuses it.
func TestUpdateRememberedAsFieldManager(t *testing.T) {
	fm := index[corev1.SchemeGroupVersion.WithResource("pods")].fieldManager("")
	stored := func(p *corev1.Pod) *corev1.Pod { // as the store gives it back: times in seconds
		p = p.DeepCopy()
		for i := range p.ManagedFields {
			if tm := p.ManagedFields[i].Time; tm != nil {
				p.ManagedFields[i].Time = ptr.To(metav1.Unix(tm.Unix(), 0))
			}
		}
		return p
	}
	created := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u", Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1"}}},
	}
	created = fm.UpdateNoErrors(&corev1.Pod{TypeMeta: created.TypeMeta}, created, "creator").(*corev1.Pod)
	created.ManagedFields[0].Time = ptr.To(metav1.Unix(1700000000, 0))
	live := stored(created)
	changed := func(p *corev1.Pod) *corev1.Pod { // changer's first update: it owns the label step
		n := p.DeepCopy()
		n.Labels = map[string]string{"app": "x", "step": "0"}
		return stored(fm.UpdateNoErrors(p.DeepCopy(), n, "changer").(*corev1.Pod))
	}(live)
	noUID := live.DeepCopy()
	noUID.UID = ""
	bare := live.DeepCopy()
	bare.ManagedFields = nil
	fraction := live.DeepCopy()
	fraction.ManagedFields[0].Time = ptr.To(metav1.NewTime(time.Unix(1700000000, 5e8)))
	later := live.DeepCopy()
	later.ManagedFields[0].Time = ptr.To(metav1.Unix(1700000060, 0))
	crowded := live.DeepCopy() // ten managers of updates: an eleventh caps them
	for i := range 9 {
		n := crowded.DeepCopy()
		n.Annotations = map[string]string{fmt.Sprintf("a%d", i): "x"}
		crowded = stored(fm.UpdateNoErrors(crowded.DeepCopy(), n, fmt.Sprintf("m%d", i)).(*corev1.Pod))
		crowded.ManagedFields[len(crowded.ManagedFields)-1].Time = ptr.To(metav1.Unix(int64(1700000100+i), 0))
	}
	otherVersion := live.DeepCopy()
	otherVersion.ManagedFields[0].APIVersion = "v1beta1"
	label := func(k, v string) func(p *corev1.Pod) {
		return func(p *corev1.Pod) { p.Labels = map[string]string{"app": "x", k: v} }
	}
	cases := []struct {
		name    string
		live    *corev1.Pod
		manager string
		change  func(p *corev1.Pod)
		memo    string // what becomes of the remembered update: "recalled", "replaced" (worked out in full and remembered) or "none" (worked out in full, not remembered)
	}{
		{"first", live, "changer", label("step", "1"), "replaced"},
		{"another value", live, "changer", label("step", "2"), "replaced"}, // given the same: its comparison is made
		{"a third value", live, "changer", label("step", "3"), "recalled"},
		{"the live entry's time a fraction of a second on", fraction, "changer", label("step", "4"), "recalled"},
		{"the live entry of another time", later, "changer", label("step", "5"), "replaced"},
		{"a live object without a uid", noUID, "changer", label("step", "6"), "replaced"},
		{"another manager", live, "other", label("step", "7"), "replaced"},
		{"the same again", live, "other", label("step", "8"), "replaced"},
		{"another label", live, "other", label("tier", "web"), "replaced"},
		{"that label again", live, "other", label("tier", "db"), "recalled"},
		{"taking a field from another manager", changed, "creator", label("step", "9"), "replaced"},
		{"again", changed, "creator", label("step", "10"), "replaced"},
		{"a third time", changed, "creator", label("step", "11"), "recalled"},
		{"no change", changed, "changer", func(p *corev1.Pod) {}, "replaced"},
		{"no change again", changed, "changer", func(p *corev1.Pod) {}, "replaced"},
		{"no change a third time", changed, "changer", func(p *corev1.Pod) {}, "recalled"},
		{"a label removed", changed, "changer", func(p *corev1.Pod) { delete(p.Labels, "app") }, "replaced"},
		{"managed fields reset", changed, "changer", func(p *corev1.Pod) { p.ManagedFields = []metav1.ManagedFieldsEntry{}; p.Labels["step"] = "12" }, "replaced"},
		{"reset again", changed, "changer", func(p *corev1.Pod) { p.ManagedFields = []metav1.ManagedFieldsEntry{}; p.Labels["step"] = "13" }, "replaced"},
		{"reset a third time", changed, "changer", func(p *corev1.Pod) { p.ManagedFields = []metav1.ManagedFieldsEntry{}; p.Labels["step"] = "14" }, "recalled"},
		{"managed fields dropped", changed, "changer", func(p *corev1.Pod) { p.ManagedFields = nil; p.Labels["step"] = "15" }, "replaced"},
		{"no managed fields at all", bare, "changer", label("step", "16"), "replaced"},
		{"none again", bare, "changer", label("step", "17"), "replaced"},
		{"none a third time", bare, "changer", label("step", "18"), "recalled"},
		{"an eleventh manager", crowded, "changer", label("step", "19"), "replaced"},
		{"an eleventh manager again", crowded, "changer", label("step", "20"), "replaced"},
		{"an eleventh manager a third time", crowded, "changer", label("step", "21"), "recalled"},
		{"an entry of another version", otherVersion, "changer", label("step", "22"), "none"},
		{"that again", otherVersion, "changer", label("step", "23"), "none"},
	}
	for _, c := range cases {
		a, b := c.live.DeepCopy(), c.live.DeepCopy()
		c.change(a)
		c.change(b)
		given := map[time.Time]bool{}
		for _, e := range append(slices.Clone(c.live.ManagedFields), a.ManagedFields...) {
			if e.Time != nil {
				given[e.Time.Time] = true
			}
		}
		if c.memo == "none" {
			updateMemoOf(fm).Store(nil)
		}
		before := updateMemoOf(fm).Load()
		start := time.Now()
		got := updateManaged(fm, c.live.DeepCopy(), a, c.manager, true).(*corev1.Pod)
		want := fm.UpdateNoErrors(c.live.DeepCopy(), b, c.manager).(*corev1.Pod)
		memo := "replaced"
		switch after := updateMemoOf(fm).Load(); {
		case after == before && before == nil:
			memo = "none"
		case after == before:
			memo = "recalled"
		}
		if memo != c.memo {
			t.Errorf("%s: the remembered update was %s, want %s", c.name, memo, c.memo)
		}
		if (got.ManagedFields == nil) != (want.ManagedFields == nil) || len(got.ManagedFields) != len(want.ManagedFields) {
			t.Errorf("%s: managed fields:\n got %+v\nwant %+v", c.name, got.ManagedFields, want.ManagedFields)
			continue
		}
		for i := range got.ManagedFields {
			g, w := got.ManagedFields[i], want.ManagedFields[i]
			if w.Time != nil && !given[w.Time.Time] { // stamped with the time of the update
				if g.Time == nil || g.Time.Time.Before(start) || g.Time.Sub(w.Time.Time).Abs() > time.Second {
					t.Errorf("%s: entry %d's time is %v, want the time of the update (%v)", c.name, i, g.Time, w.Time)
				}
				g.Time, w.Time = nil, nil
			}
			if !equality.Semantic.DeepEqual(g, w) {
				t.Errorf("%s: entry %d:\n got %+v\nwant %+v", c.name, i, g, w)
			}
		}
	}
	// A recalled entry stamped again takes its place in the field managers' order: here the
	// remembered stamp is made older than the creator's entry, the new one is newer.
	a, b := live.DeepCopy(), live.DeepCopy()
	label("step", "24")(a)
	label("step", "24")(b)
	updateManaged(fm, live.DeepCopy(), live.DeepCopy(), "changer", true)
	updateManaged(fm, live.DeepCopy(), a.DeepCopy(), "changer", true)
	m := *updateMemoOf(fm).Load()
	m.entries = deepCopyEntries(m.entries)
	if m.stamped < 0 || len(m.entries) != 2 {
		t.Fatalf("remembered %+v, want two entries, one stamped", m.entries)
	}
	m.entries[m.stamped].Time = ptr.To(metav1.Unix(1600000000, 0))
	sortEntries(m.entries)
	m.stamped = 0
	updateMemoOf(fm).Store(&m)
	got := updateManaged(fm, live.DeepCopy(), a, "changer", true).(*corev1.Pod)
	want := fm.UpdateNoErrors(live.DeepCopy(), b, "changer").(*corev1.Pod)
	if updateMemoOf(fm).Load() != &m {
		t.Errorf("the update was not recalled")
	}
	for i := range want.ManagedFields {
		if got.ManagedFields[i].Manager != want.ManagedFields[i].Manager {
			t.Errorf("entry %d is %s's, want %s's", i, got.ManagedFields[i].Manager, want.ManagedFields[i].Manager)
		}
	}
}
