package apiserver

import (
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
)

// createManaged is fm.UpdateNoErrors(empty, obj, manager) for a create (live is the empty
// object of obj's kind), except that a create like the field manager's previous one reuses
// that one's managed fields.
//
// What the field managers give a create depends on the object only through the fields they
// keep: stripMeta drops apiVersion, kind and metadata's name, namespace, uid,
// creationTimestamp, selfLink, generation, resourceVersion and managedFields from every set,
// and nothing else of the chain reads them on an update. Beyond the object, it depends on
// the manager's name, the field manager (kind, version, subresource) and the time. Objects
// made by a controller differ in little more than those dropped fields: a ReplicaSet's pods
// (generateName gives each its own name), a Job's, a DaemonSet's. Working the set out again
// for each (structured-merge-diff's Compare walks the whole object by reflection) is most of
// what a create costs beyond its decoding and encoding.
//
// So each field manager remembers the last create it worked out in full: the object without
// the dropped fields (a deep copy), the manager, and the entries the create got. A create by
// the same manager whose object, without the dropped fields, is reflect.DeepEqual to the
// remembered one (equal in memory, so equal to the type converter and to Compare) gets
// copies of those entries, stamped with the time of now as the field managers stamp them.
// An object that brings managed fields of its own, or a custom resource (whose maps a
// shallow copy would share), always goes the whole way.
func createManaged(fm *managedfields.FieldManager, live, obj runtime.Object, manager string) runtime.Object {
	m, err := meta.Accessor(obj)
	if err != nil || m.GetManagedFields() != nil || isCustom(obj) {
		return fm.UpdateNoErrors(live, obj, manager)
	}
	slot := createMemoOf(fm)
	if last := slot.Load(); last != nil && last.manager == manager {
		view := shallowCopy(obj)
		stripKeptOut(view)
		if reflect.DeepEqual(view, last.view) {
			now := &metav1.Time{Time: time.Now().UTC()}
			entries := make([]metav1.ManagedFieldsEntry, len(last.entries))
			for i := range last.entries {
				last.entries[i].DeepCopyInto(&entries[i])
				entries[i].Time = now
			}
			m.SetManagedFields(entries)
			return obj
		}
	}
	view := obj.DeepCopyObject()
	stripKeptOut(view)
	out := fm.UpdateNoErrors(live, obj, manager)
	om, err := meta.Accessor(out)
	if err != nil || out != obj {
		return out
	}
	entries := om.GetManagedFields()
	if len(entries) != 1 || entries[0].Manager != manager || entries[0].Operation != metav1.ManagedFieldsOperationUpdate {
		return out
	}
	memo := &createMemo{view: view, manager: manager, entries: []metav1.ManagedFieldsEntry{*entries[0].DeepCopy()}}
	slot.Store(memo)
	return out
}

// createMemo is a field manager's last create worked out in full (createManaged).
type createMemo struct {
	view    runtime.Object // the object without the fields the field managers drop
	manager string
	entries []metav1.ManagedFieldsEntry
}

// createMemos holds each field manager's createMemo slot.
var createMemos sync.Map // *managedfields.FieldManager → *atomic.Pointer[createMemo]

func createMemoOf(fm *managedfields.FieldManager) *atomic.Pointer[createMemo] {
	if p, ok := createMemos.Load(fm); ok {
		return p.(*atomic.Pointer[createMemo])
	}
	p, _ := createMemos.LoadOrStore(fm, new(atomic.Pointer[createMemo]))
	return p.(*atomic.Pointer[createMemo])
}

// stripKeptOut zeroes in obj (a copy of a request's object: its metadata is its own) the
// fields stripMeta keeps out of every managed field set.
func stripKeptOut(obj runtime.Object) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	m.SetName("")
	m.SetNamespace("")
	m.SetUID("")
	m.SetCreationTimestamp(metav1.Time{})
	m.SetSelfLink("")
	m.SetGeneration(0)
	m.SetResourceVersion("")
	m.SetManagedFields(nil)
}
