package kube

import (
	"reflect"
	"slices"
	"strings"
	stdsync "sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// alwaysKept are the fields the view keeps of every object, whatever its sources read: its
// kind, its identity (rows are keyed by UID and carry the resourceVersion that patches are
// preconditioned on), Age's creation time, whether it is being deleted, and the labels and
// annotations (the Labels column, the schedules' annotations).
var alwaysKept = []string{
	"apiVersion", "kind",
	"metadata.name", "metadata.namespace", "metadata.uid", "metadata.resourceVersion",
	"metadata.generation", "metadata.creationTimestamp", "metadata.deletionTimestamp",
	"metadata.labels", "metadata.annotations",
}

// fieldTree is a set of field paths as a tree of JSON keys: a key mapped to nil keeps
// everything beneath it; a key mapped to a tree keeps only what the tree names.
type fieldTree map[string]fieldTree

// newFieldTree is the tree of paths (dotted JSON keys: "status.phase"), alwaysKept included.
func newFieldTree(paths []string) fieldTree {
	t := fieldTree{}
	for _, p := range append(slices.Clone(alwaysKept), paths...) {
		t.add(strings.Split(p, "."))
	}
	return t
}

func (t fieldTree) add(path []string) {
	for i, k := range path {
		sub, ok := t[k]
		switch {
		case i == len(path)-1:
			t[k] = nil // everything beneath
			return
		case ok && sub == nil:
			return // already kept whole
		case !ok:
			sub = fieldTree{}
			t[k] = sub
		}
		t = sub
	}
}

// projection is what the view keeps of each object of a resource: the fields its sources'
// columns and the engine read. A nil projection keeps whole objects (managed fields aside).
type projection struct {
	keep fieldTree

	mu      stdsync.Mutex
	pruners map[reflect.Type]*pruner // by the type of a typed object
}

// newProjection unions the sources' Keep: any source that keeps whole objects makes the
// projection keep them.
func newProjection(sources []Source) *projection {
	var paths []string
	for _, s := range sources {
		if s.Keep == nil {
			return nil
		}
		paths = append(paths, s.Keep...)
	}
	return &projection{keep: newFieldTree(paths), pruners: map[reflect.Type]*pruner{}}
}

// transform is the informer's transform: managed fields go from every object, and with a
// projection every field it does not keep. The object is the informer's own, freshly
// decoded, so it is changed in place: what is dropped is garbage at once.
func (p *projection) transform(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	if p == nil {
		return obj, nil
	}
	switch o := obj.(type) {
	case *unstructured.Unstructured:
		pruneMap(o.Object, p.keep)
	case metav1.Object: // a typed object (not a tombstone)
		v := reflect.ValueOf(obj)
		p.mu.Lock()
		pr := p.pruners[v.Type()]
		if pr == nil {
			pr = compilePruner(v.Type(), p.keep, map[prunerKey]*pruner{})
			p.pruners[v.Type()] = pr
		}
		p.mu.Unlock()
		pr.prune(v)
	}
	return obj, nil
}

// pruner zeroes what a tree does not keep in values of one type, its fields' JSON names
// looked up once. Lists are transparent (a path names the field of every element); maps are
// kept whole (their keys are data, such as labels, not fields).
type pruner struct {
	kind   reflect.Kind
	elem   *pruner       // Pointer, Slice, Array: nil when the elements hold nothing to drop
	fields []fieldPruner // Struct
}

// fieldPruner is what happens to one field: zeroed, or pruned by sub (nil: kept).
type fieldPruner struct {
	index int
	zero  bool
	sub   *pruner
}

type prunerKey struct {
	t    reflect.Type
	tree uintptr
}

// compilePruner is the pruner of type t to tree; nil when nothing in t is dropped.
// Recursive types are compiled once per tree (memo).
func compilePruner(t reflect.Type, tree fieldTree, memo map[prunerKey]*pruner) *pruner {
	if tree == nil {
		return nil
	}
	key := prunerKey{t, reflect.ValueOf(tree).Pointer()}
	if p, ok := memo[key]; ok {
		return p
	}
	p := &pruner{kind: t.Kind()}
	memo[key] = p
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		if p.elem = compilePruner(t.Elem(), tree, memo); p.elem == nil {
			return nil
		}
	case reflect.Struct:
		for _, f := range fieldsOf(t) {
			if f.inline {
				if sub := compilePruner(t.Field(f.index).Type, tree, memo); sub != nil {
					p.fields = append(p.fields, fieldPruner{index: f.index, sub: sub})
				}
				continue
			}
			sub, ok := tree[f.name]
			switch {
			case !ok:
				p.fields = append(p.fields, fieldPruner{index: f.index, zero: true})
			case sub != nil:
				if sp := compilePruner(t.Field(f.index).Type, sub, memo); sp != nil {
					p.fields = append(p.fields, fieldPruner{index: f.index, sub: sp})
				}
			}
		}
	default:
		return nil // maps and scalars are kept whole
	}
	return p
}

func (p *pruner) prune(v reflect.Value) {
	switch p.kind {
	case reflect.Pointer:
		if !v.IsNil() {
			p.elem.prune(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			p.elem.prune(v.Index(i))
		}
	case reflect.Struct:
		for _, f := range p.fields {
			fv := v.Field(f.index)
			switch {
			case f.zero:
				if !fv.IsZero() {
					fv.SetZero()
				}
			default:
				f.sub.prune(fv)
			}
		}
	}
}

// pruneMap deletes the keys of an unstructured object that t does not keep.
func pruneMap(m map[string]any, t fieldTree) {
	for k, v := range m {
		sub, ok := t[k]
		switch {
		case !ok:
			delete(m, k)
		case sub != nil:
			pruneAny(v, sub)
		}
	}
}

func pruneAny(v any, t fieldTree) {
	switch x := v.(type) {
	case map[string]any:
		pruneMap(x, t)
	case []any:
		for _, e := range x {
			pruneAny(e, t)
		}
	}
}

// structField is an exported field of a struct and its JSON name; inline fields (embedded
// without a name, or tagged ",inline") hold their fields at the struct's level.
type structField struct {
	index  int
	name   string
	inline bool
}

var fieldCache stdsync.Map // reflect.Type → []structField

func fieldsOf(t reflect.Type) []structField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]structField)
	}
	var fs []structField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		inline := strings.Contains(","+opts+",", ",inline,") || (f.Anonymous && name == "")
		if name == "" {
			name = f.Name
		}
		fs = append(fs, structField{index: i, name: name, inline: inline})
	}
	fieldCache.Store(t, fs)
	return fs
}

// Project drops from obj what the view drops before it stores an object of a source whose
// Keep is keep (nil: managed fields only), and returns obj, changed in place.
func Project(obj runtime.Object, keep []string) runtime.Object {
	var p *projection
	if keep != nil {
		p = &projection{keep: newFieldTree(keep), pruners: map[reflect.Type]*pruner{}}
	}
	p.transform(obj)
	return obj
}
