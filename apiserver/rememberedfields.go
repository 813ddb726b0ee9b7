package apiserver

// Managed fields worked out once and given again to the creates and updates that would get
// the same: upstream's field managers (k8s.io/apimachinery's managedfields, which the engine
// runs for every write, as kube-apiserver does) work every write out from the start and
// keep nothing between writes, and that is most of what a write of a controller's run of
// like objects costs. Everything here only decides when their previous result is the
// result; the result itself always comes from them.

import (
	"bytes"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
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
			entries := deepCopyEntries(last.entries)
			for i := range entries {
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
	return memoSlot[createMemo](&createMemos, fm)
}

// memoSlot is fm's slot in memos, made on first use.
func memoSlot[T any](memos *sync.Map, fm *managedfields.FieldManager) *atomic.Pointer[T] {
	if p, ok := memos.Load(fm); ok {
		return p.(*atomic.Pointer[T])
	}
	p, _ := memos.LoadOrStore(fm, new(atomic.Pointer[T]))
	return p.(*atomic.Pointer[T])
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

// An update's managed fields, remembered (updateManaged).
//
// What the field managers make of an update (not an apply) depends on the two objects only
// through their comparison, the fields added, modified and removed (see updateManaged),
// and beyond that on: the managed fields of the new object, and of the live one when the
// new one has none; whether the live object has a uid (an object without managed fields
// keeps none); the manager, the field manager (kind, version, subresource), and the time
// (the manager's entry is stamped with the time of the update when the update sets fields).
// Merging the comparison into the managed fields is most of the field managers' cost:
// decoding every entry's fields from JSON, reconciling them with the schema, encoding them
// again. For a run of like updates (the same change made to objects in the same state: a
// controller's status updates, a label changed again and again) the result is the same
// each time.
//
// So each field manager remembers its last update worked out in full: the entries it was
// given, the comparison, and the entries it made. An update by the same manager that is
// given equal entries (every field of every entry, the time to the second) and whose
// comparison is equal gets copies of those entries, each carrying over the time of the entry
// given it came from, the stamped one stamped again with the time of now, all of them in
// the field managers' order. The comparison costs a quarter of the field managers' work, so
// it is made only for an update given the same entries as the one before: an update given
// others (objects in other states) costs what it did without remembering, and a run of like
// updates is recalled from its third. Only updates whose entries are all of the field manager's own
// version, and of which the field managers made no new entry but the manager's own, are
// remembered; a kind served through a view of another version, or a custom resource,
// always goes the whole way.

// updateMemo is a field manager's last update worked out in full.
type updateMemo struct {
	manager     string
	given, live []metav1.ManagedFieldsEntry // the new object's entries and the live one's (deep copies)
	liveHasUID  bool
	compare     *typed.Comparison           // nil: not made (the update was not given the entries of the one before)
	entries     []metav1.ManagedFieldsEntry // what the update got (deep copies)
	stamped     int                         // the index in entries of the one stamped with the update's time, or -1
	carried     []entryRef                  // for each of entries, the entry given whose time it carries over, if any
}

var updateMemos sync.Map // *managedfields.FieldManager → *atomic.Pointer[updateMemo]

func updateMemoOf(fm *managedfields.FieldManager) *atomic.Pointer[updateMemo] {
	return memoSlot[updateMemo](&updateMemos, fm)
}

// entryRef is an entry of an update's given entries (list 0) or of the live object's (list 1);
// list -1: none.
type entryRef struct{ list, index int }

// compareViews is the structured merge manager's comparison of the copies lc and nc
// (withoutCommonFields), or nil if they do not convert.
func compareViews(lc, nc runtime.Object) *typed.Comparison {
	tc := fieldManagerTypes()
	lt, err := tc.ObjectToTyped(lc, typed.AllowDuplicates)
	if err != nil {
		return nil
	}
	nt, err := tc.ObjectToTyped(nc, typed.AllowDuplicates)
	if err != nil {
		return nil
	}
	c, err := lt.Compare(nt)
	if err != nil {
		return nil
	}
	return c
}

// sameInputs reports whether an update by manager given the entries given and live, of a
// live object with a uid or not, is given what m was.
func (m *updateMemo) sameInputs(manager string, given, live []metav1.ManagedFieldsEntry, liveHasUID bool) bool {
	return m.manager == manager && m.liveHasUID == liveHasUID && (m.given == nil) == (given == nil) &&
		sameEntries(m.given, given) && sameEntries(m.live, live)
}

// recall gives the entries of an update given what m was (sameInputs) whose comparison is c,
// if m's comparison is c.
func (m *updateMemo) recall(given, live []metav1.ManagedFieldsEntry, c *typed.Comparison) ([]metav1.ManagedFieldsEntry, bool) {
	if m.compare == nil || !m.compare.Added.Equals(c.Added) || !m.compare.Modified.Equals(c.Modified) || !m.compare.Removed.Equals(c.Removed) {
		return nil, false
	}
	if m.entries == nil {
		return nil, true
	}
	out := make([]metav1.ManagedFieldsEntry, len(m.entries))
	lists := [2][]metav1.ManagedFieldsEntry{given, live}
	for i := range m.entries {
		m.entries[i].DeepCopyInto(&out[i])
		if r := m.carried[i]; r.list >= 0 {
			out[i].Time = lists[r.list][r.index].Time // as the field managers carry it over
		}
	}
	if m.stamped >= 0 {
		out[m.stamped].Time = &metav1.Time{Time: time.Now().UTC()}
		sortEntries(out)
	}
	return out, true
}

// rememberUpdate makes the memo of an update by manager that was given the entries given and
// live (their slices as they were before the update), whose comparison is c (nil if not
// made) and which got out, or nil if it is not one to remember.
func rememberUpdate(manager, version string, given, live []metav1.ManagedFieldsEntry, liveHasUID bool, c *typed.Comparison, out []metav1.ManagedFieldsEntry) *updateMemo {
	times := map[*metav1.Time]entryRef{}
	for l, in := range [][]metav1.ManagedFieldsEntry{given, live} {
		for i, e := range in {
			if e.APIVersion != version || e.FieldsType != "FieldsV1" {
				return nil
			}
			if e.Time != nil {
				times[e.Time] = entryRef{l, i}
			}
		}
	}
	m := &updateMemo{manager: manager, given: deepCopyEntries(given), live: deepCopyEntries(live), liveHasUID: liveHasUID}
	if c == nil {
		return m // what it was given, to tell the next update like it
	}
	m.compare, m.entries, m.stamped, m.carried = c, deepCopyEntries(out), -1, make([]entryRef, len(out))
	for i, e := range out {
		m.carried[i] = entryRef{-1, -1}
		if r, ok := times[e.Time]; ok && e.Time != nil {
			m.carried[i] = r // carried over from an entry given
			continue
		}
		// An entry the field managers made: only the manager's own, stamped with the time.
		if m.stamped >= 0 || e.Time == nil || e.Manager != manager || e.Operation != metav1.ManagedFieldsOperationUpdate {
			return nil
		}
		m.stamped = i
	}
	return m
}

// deepCopyEntries copies in, nil as nil and empty as empty (the field managers tell them apart).
func deepCopyEntries(in []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	if in == nil {
		return nil
	}
	out := make([]metav1.ManagedFieldsEntry, len(in))
	for i := range in {
		in[i].DeepCopyInto(&out[i])
	}
	return out
}

// sameEntries reports whether a and b are equal entry by entry, in every field, their times
// to the second: the field managers read no more of a time (they order entries by its
// second), and a time is stored and sent in seconds.
func sameEntries(a, b []metav1.ManagedFieldsEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		p, q := &a[i], &b[i]
		if p.Manager != q.Manager || p.Operation != q.Operation || p.APIVersion != q.APIVersion ||
			p.FieldsType != q.FieldsType || p.Subresource != q.Subresource {
			return false
		}
		if (p.Time == nil) != (q.Time == nil) || p.Time != nil && p.Time.Unix() != q.Time.Unix() {
			return false
		}
		if (p.FieldsV1 == nil) != (q.FieldsV1 == nil) || p.FieldsV1 != nil && !bytes.Equal(p.FieldsV1.Raw, q.FieldsV1.Raw) {
			return false
		}
	}
	return true
}

// sortEntries puts entries in the field managers' order: by operation, then time (in
// seconds), manager, API version and subresource (the order of the encoded managed fields
// in k8s.io/apimachinery's managedfields).
func sortEntries(entries []metav1.ManagedFieldsEntry) {
	seconds := func(t *metav1.Time) int64 {
		if t == nil {
			return 0
		}
		return t.Unix()
	}
	sort.Slice(entries, func(i, j int) bool {
		p, q := entries[i], entries[j]
		if p.Operation != q.Operation {
			return p.Operation < q.Operation
		}
		if ps, qs := seconds(p.Time), seconds(q.Time); ps != qs {
			return ps < qs
		}
		if p.Manager != q.Manager {
			return p.Manager < q.Manager
		}
		if p.APIVersion != q.APIVersion {
			return p.APIVersion < q.APIVersion
		}
		return p.Subresource < q.Subresource
	})
}

// updateRemembered is updateManaged's way with a remembered update: the entries, if the
// update is like fm's last one worked out in full, else fm's whole way, remembered.
func updateRemembered(fm *managedfields.FieldManager, live, obj, lc, nc runtime.Object, manager string) runtime.Object {
	om, err := meta.Accessor(obj)
	if err != nil {
		return fm.UpdateNoErrors(live, obj, manager)
	}
	lm, err := meta.Accessor(live)
	if err != nil {
		return fm.UpdateNoErrors(live, obj, manager)
	}
	given, liveFields, liveHasUID := om.GetManagedFields(), lm.GetManagedFields(), lm.GetUID() != ""
	slot := updateMemoOf(fm)
	var c *typed.Comparison
	if m := slot.Load(); m != nil && m.sameInputs(manager, given, liveFields, liveHasUID) {
		if c = compareViews(lc, nc); c != nil {
			if entries, ok := m.recall(given, liveFields, c); ok {
				om.SetManagedFields(entries)
				return obj
			}
		}
	}
	out := fm.UpdateNoErrors(live, obj, manager)
	entries := om.GetManagedFields()
	if out != obj || len(entries) > 0 && len(liveFields) > 0 && &entries[0] == &liveFields[0] {
		return out // not an update's own result (UpdateNoErrors restores the live entries on an error)
	}
	version := obj.GetObjectKind().GroupVersionKind().GroupVersion().String()
	if m := rememberUpdate(manager, version, given, liveFields, liveHasUID, c, entries); m != nil {
		slot.Store(m)
	}
	return out
}
