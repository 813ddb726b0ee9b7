package googlefake

import (
	"encoding/json"
	"reflect"
	"strings"
)

// fieldTree is a parsed field mask ("sheets(properties(title),data.rowData)"): each key
// selects a field; a nil subtree selects all of it.
type fieldTree map[string]fieldTree

// parseFieldMask parses the partial-response syntax of Google APIs: comma-separated paths
// whose segments are separated by "." or "/", with "(...)" selecting several subfields.
// An empty mask is nil (everything).
func parseFieldMask(s string) (fieldTree, error) {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" || s == "*" {
		return nil, nil
	}
	t := fieldTree{}
	i := 0
	if err := t.parse(s, &i); err != nil {
		return nil, err
	}
	if i != len(s) {
		return nil, invalid("Invalid field selection %s", s)
	}
	return t, nil
}

func (t fieldTree) parse(s string, i *int) error {
	for {
		start := *i
		for *i < len(s) && !strings.ContainsRune(",()", rune(s[*i])) {
			*i++
		}
		path := s[start:*i]
		if path == "" {
			return invalid("Invalid field selection %s", s)
		}
		segs := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '/' })
		if len(segs) == 0 {
			return invalid("Invalid field selection %s", s)
		}
		node := t
		for _, seg := range segs[:len(segs)-1] {
			child, ok := node[seg]
			if ok && child == nil {
				node = nil // already everything
				break
			}
			if child == nil {
				child = fieldTree{}
				node[seg] = child
			}
			node = child
		}
		last := segs[len(segs)-1]
		if *i < len(s) && s[*i] == '(' {
			*i++
			sub := fieldTree{}
			if err := sub.parse(s, i); err != nil {
				return err
			}
			if *i >= len(s) || s[*i] != ')' {
				return invalid("Invalid field selection %s", s)
			}
			*i++
			if node != nil {
				if existing, ok := node[last]; !ok {
					node[last] = sub
				} else if existing != nil {
					for k, v := range sub {
						existing[k] = v
					}
				}
			}
		} else if node != nil {
			node[last] = nil
		}
		if *i < len(s) && s[*i] == ',' {
			*i++
			continue
		}
		return nil
	}
}

// mentions reports whether the mask selects the path (or all of it).
func (t fieldTree) mentions(path ...string) bool {
	node := t
	for _, p := range path {
		if node == nil {
			return true
		}
		child, ok := node[p]
		if !ok {
			return false
		}
		node = child
	}
	return true
}

// filter keeps only the fields of v that the mask selects.
func (t fieldTree) filter(v any) (any, error) {
	if t == nil {
		return v, nil
	}
	var generic any
	if err := json.Unmarshal(mustJSON(v), &generic); err != nil {
		return nil, err
	}
	return t.apply(generic), nil
}

func (t fieldTree) apply(v any) any {
	if t == nil {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range t {
			if x, ok := v[k]; ok {
				out[k] = sub.apply(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = t.apply(x)
		}
		return out
	}
	return v
}

// paths flattens the mask into dotted paths.
func (t fieldTree) paths(prefix string) []string {
	var out []string
	for k, sub := range t {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub == nil {
			out = append(out, p)
		} else {
			out = append(out, sub.paths(p)...)
		}
	}
	return out
}

// updateMasked copies the fields that mask names from src into *dst (an update request's
// "fields"): a named field absent from src is reset. "*" copies everything. Paths must name
// fields of the type, or it is an error.
func updateMasked[T any](dst *T, src *T, mask string) error {
	if strings.TrimSpace(mask) == "" {
		return invalid("At least one field must be updated (fields must not be empty)")
	}
	tree, err := parseFieldMask(mask)
	if err != nil {
		return err
	}
	if src == nil {
		src = new(T)
	}
	if tree == nil {
		*dst = *src
		return nil
	}
	var d, s map[string]any
	if err := json.Unmarshal(mustJSON(dst), &d); err != nil {
		return err
	}
	if err := json.Unmarshal(mustJSON(src), &s); err != nil {
		return err
	}
	for _, p := range tree.paths("") {
		segs := strings.Split(p, ".")
		if !validPath(reflect.TypeFor[T](), segs) {
			return invalid("Invalid field mask: %s is not a field", p)
		}
		v, ok := lookup(s, segs)
		setPath(d, segs, v, ok)
	}
	var out T
	if err := json.Unmarshal(mustJSON(d), &out); err != nil {
		return err
	}
	*dst = out
	return nil
}

func validPath(t reflect.Type, segs []string) bool {
	for _, seg := range segs {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return false
		}
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == seg {
				t, found = f.Type, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func lookup(m map[string]any, segs []string) (any, bool) {
	var cur any = m
	for _, s := range segs {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[s]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func setPath(m map[string]any, segs []string, v any, present bool) {
	for _, s := range segs[:len(segs)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			if !present {
				return
			}
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	last := segs[len(segs)-1]
	if present {
		m[last] = v
	} else {
		delete(m, last)
	}
}
