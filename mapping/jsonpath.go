package mapping

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/jsonpath"
)

// fieldPath is a column's JSONPath: the expression kubectl's custom columns take (braces and
// the leading dot optional), evaluated with client-go's jsonpath. A path that names one field
// (`.spec.replicas`, `.spec.template.spec.containers[0].image`,
// `.metadata.labels['app.kubernetes.io/name']`) can also be written back: segments holds it.
// Filters, wildcards, ranges and recursive descent read fine but cannot be edited.
type fieldPath struct {
	expr     string
	jp       *jsonpath.JSONPath
	segments []segment // nil: not a single field
}

// segment is one step of a field path: a key, or an index into a list.
type segment struct {
	key   string
	index int // -1: a key
}

// compilePath parses a column's path.
func compilePath(expr string) (*fieldPath, error) {
	e := strings.TrimSpace(expr)
	if e == "" {
		return nil, fmt.Errorf("empty path")
	}
	inner := e
	if strings.HasPrefix(e, "{") && strings.HasSuffix(e, "}") {
		inner = strings.TrimSpace(e[1 : len(e)-1])
	}
	if !strings.HasPrefix(inner, ".") && !strings.HasPrefix(inner, "[") {
		inner = "." + inner
	}
	jp := jsonpath.New("column").AllowMissingKeys(true)
	if err := jp.Parse("{" + inner + "}"); err != nil {
		return nil, fmt.Errorf("%q is not a JSONPath: %v", expr, err)
	}
	return &fieldPath{expr: e, jp: jp, segments: parseSegments(inner)}, nil
}

// parseSegments reads a path made of keys and list indexes only; anything else is nil.
func parseSegments(p string) []segment {
	var out []segment
	for i := 0; i < len(p); {
		switch {
		case p[i] == '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			key := p[i+1 : j]
			if key == "" || strings.ContainsAny(key, "*@$?() ") {
				return nil
			}
			out = append(out, segment{key: key, index: -1})
			i = j
		case strings.HasPrefix(p[i:], "['"):
			end := strings.Index(p[i+2:], "']")
			if end < 0 {
				return nil
			}
			out = append(out, segment{key: p[i+2 : i+2+end], index: -1})
			i += end + 4
		case p[i] == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil
			}
			n, err := strconv.Atoi(p[i+1 : i+end])
			if err != nil || n < 0 {
				return nil
			}
			out = append(out, segment{index: n})
			i += end + 1
		default:
			return nil
		}
	}
	if len(out) == 0 || out[0].index >= 0 {
		return nil
	}
	return out
}

// reads is the field the path reads, as kube.Source's Keep has it: its leading keys (list
// indexes, wildcards and slices of a list left out) up to a filter, a recursive descent or
// anything else that is not a plain step, everything beneath kept. nil: the path reads from
// the root, and the whole object is kept.
func (p *fieldPath) reads() []string {
	e := p.expr
	if strings.HasPrefix(e, "{") && strings.HasSuffix(e, "}") {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	if !strings.HasPrefix(e, ".") && !strings.HasPrefix(e, "[") {
		e = "." + e
	}
	if strings.ContainsAny(e, "{}") {
		return nil // several expressions
	}
	var keys []string
loop:
	for i := 0; i < len(e); {
		switch {
		case strings.HasPrefix(e[i:], ".."):
			break loop // recursive descent
		case e[i] == '.':
			j := i + 1
			for j < len(e) && e[j] != '.' && e[j] != '[' {
				j++
			}
			key := e[i+1 : j]
			if key == "" || strings.ContainsAny(key, "*@$?()', ") {
				break loop
			}
			keys = append(keys, key)
			i = j
		case strings.HasPrefix(e[i:], "['"):
			end := strings.Index(e[i+2:], "']")
			if end < 0 {
				break loop
			}
			key := e[i+2 : i+2+end]
			if strings.Contains(key, ".") {
				// A key with a dot (an annotation's): Keep's paths are dotted, so the map
				// that holds it is kept whole.
				break loop
			}
			keys = append(keys, key)
			i += end + 4
		case e[i] == '[':
			end := strings.IndexByte(e[i:], ']')
			if end < 0 || strings.Trim(e[i+1:i+end], "0123456789*:-") != "" {
				break loop // a filter or a union: what is beneath is kept
			}
			i += end + 1 // a list's elements: the path goes on in each
		default:
			break loop
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return []string{strings.Join(keys, ".")}
}

// editable reports whether the path names one field that a patch can set.
func (p *fieldPath) editable() bool { return p.segments != nil }

// inStringMap reports whether the path names one key of an object's labels or annotations,
// whose values are always text.
func (p *fieldPath) inStringMap() bool {
	return len(p.segments) == 3 && p.segments[0].key == "metadata" &&
		(p.segments[1].key == "labels" || p.segments[1].key == "annotations") && p.segments[2].index < 0
}

// hasIndex reports whether the path goes through a list.
func (p *fieldPath) hasIndex() bool {
	for _, s := range p.segments {
		if s.index >= 0 {
			return true
		}
	}
	return false
}

// content is an object's unstructured form, as its JSON has it.
func content(obj runtime.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.Object, nil
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}

// find returns the value at the path in obj (its first match), nil when there is none.
func (p *fieldPath) find(obj runtime.Object) any {
	if v, ok := p.lookup(obj); ok {
		return v
	}
	data, err := content(obj)
	if err != nil {
		return nil
	}
	results, err := p.jp.FindResults(data)
	if err != nil {
		return nil
	}
	var found []any
	for _, r := range results {
		for _, v := range r {
			if v.IsValid() && v.CanInterface() {
				found = append(found, v.Interface())
			}
		}
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	return found // several matches (a wildcard): shown as a list
}

// patch builds the change of the field to value, with obj's resourceVersion as a
// precondition: a JSON merge patch, or a JSON patch when the path goes through a list
// index (a merge patch would replace the whole list). value nil removes the field.
func (p *fieldPath) patch(obj runtime.Object, value any) (types.PatchType, []byte, error) {
	if !p.editable() {
		return "", nil, fmt.Errorf("%s does not name one field", p.expr)
	}
	m, err := apimeta.Accessor(obj)
	if err != nil {
		return "", nil, err
	}
	rv := m.GetResourceVersion()
	if rv == "" {
		return "", nil, fmt.Errorf("no resourceVersion to patch against")
	}
	if p.hasIndex() {
		ptr := ""
		for _, s := range p.segments {
			if s.index >= 0 {
				ptr += "/" + strconv.Itoa(s.index)
			} else {
				ptr += "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(s.key)
			}
		}
		op := map[string]any{"op": "replace", "path": ptr, "value": value}
		if value == nil {
			op = map[string]any{"op": "remove", "path": ptr}
		} else if p.segments[len(p.segments)-1].index < 0 {
			op["op"] = "add" // sets the key whether or not it is there
		}
		body, err := json.Marshal([]any{
			map[string]any{"op": "replace", "path": "/metadata/resourceVersion", "value": rv},
			op,
		})
		return types.JSONPatchType, body, err
	}
	root := map[string]any{"metadata": map[string]any{"resourceVersion": rv}}
	cur := root
	for i, s := range p.segments {
		if i == len(p.segments)-1 {
			cur[s.key] = value
			break
		}
		next, ok := cur[s.key].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[s.key] = next
		}
		cur = next
	}
	body, err := json.Marshal(root)
	return types.MergePatchType, body, err
}
