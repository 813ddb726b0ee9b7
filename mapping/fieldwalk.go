package mapping

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	stdsync "sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// A column on a single-field path reads its value by walking the object directly: the map of
// an unstructured object, or the Go struct of a typed one by its JSON field names, so that
// rendering 100,000 typed pods does not convert each one to a map per column (a conversion
// costs tens of microseconds). The value is what the object's JSON would hold at the path:
// nil for a nil pointer or an omitempty field at its zero value, and what the field's own
// JSON encoding gives for types that have one (times, quantities, int-or-string).

// lookup returns the value at the path and true, or false when the path is not a single
// field (then the JSONPath evaluates it).
func (p *fieldPath) lookup(obj runtime.Object) (any, bool) {
	if p.segments == nil {
		return nil, false
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return walkMap(u.Object, p.segments), true
	}
	return walkTyped(reflect.ValueOf(obj), p.segments), true
}

func walkMap(m map[string]any, segs []segment) any {
	var cur any = m
	for _, s := range segs {
		if s.index >= 0 {
			l, ok := cur.([]any)
			if !ok || s.index >= len(l) {
				return nil
			}
			cur = l[s.index]
			continue
		}
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = mm[s.key]; !ok {
			return nil
		}
	}
	return cur
}

func walkTyped(v reflect.Value, segs []segment) any {
	for _, s := range segs {
		v = indirect(v)
		if !v.IsValid() {
			return nil
		}
		if s.index >= 0 {
			if (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || s.index >= v.Len() {
				return nil
			}
			v = v.Index(s.index)
			continue
		}
		switch v.Kind() {
		case reflect.Struct:
			f, ok := jsonFields(v.Type())[s.key]
			if !ok {
				return nil
			}
			v = v.FieldByIndex(f.index)
			if f.omitEmpty && v.IsZero() {
				return nil
			}
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return nil
			}
			v = v.MapIndex(reflect.ValueOf(s.key).Convert(v.Type().Key()))
			if !v.IsValid() {
				return nil
			}
		default:
			return nil
		}
	}
	return jsonValue(v)
}

// indirect follows pointers and interfaces; invalid for nil.
func indirect(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// jsonValue is v as its JSON decodes into an any: nil, bool, int64, float64, string,
// map[string]any, []any.
func jsonValue(v reflect.Value) any {
	if v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return nil
	}
	if v.IsValid() && (v.Type().Implements(marshalerType) || reflect.PointerTo(v.Type()).Implements(marshalerType)) {
		return viaJSON(v)
	}
	v = indirect(v)
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[it.Key().String()] = jsonValue(it.Value())
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return viaJSON(v) // base64, as JSON has it
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonValue(v.Index(i))
		}
		return out
	}
	return viaJSON(v)
}

// viaJSON encodes v and decodes it into an any (whole numbers as int64).
func viaJSON(v reflect.Value) any {
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return nil
	}
	return numbers(out)
}

// numbers turns json.Numbers into int64 (whole) or float64, as unstructured objects hold them.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// jsonField is where a struct's JSON field lives.
type jsonField struct {
	index     []int
	omitEmpty bool
}

var fieldCache stdsync.Map // reflect.Type → map[string]jsonField

// jsonFields maps a struct type's JSON field names to its fields, inline structs included.
func jsonFields(t reflect.Type) map[string]jsonField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]jsonField)
	}
	m := map[string]jsonField{}
	var add func(t reflect.Type, prefix []int)
	add = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			index := append(append([]int(nil), prefix...), i)
			inline := strings.Contains(","+opts+",", ",inline,") || (f.Anonymous && name == "")
			if inline && f.Type.Kind() == reflect.Struct {
				add(f.Type, index)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, taken := m[name]; !taken {
				m[name] = jsonField{index: index, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")}
			}
		}
	}
	add(t, nil)
	fieldCache.Store(t, m)
	return m
}
