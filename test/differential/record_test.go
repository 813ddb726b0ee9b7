package differential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

// absent is how a field missing from a response is recorded, as opposed to JSON null.
const absent = "<absent>"

// undecodable keys the raw text of a response body that is not JSON.
const undecodable = "<undecodable body>"

// observation is one thing a scenario saw, e.g. key "dup.code", value "409".
type observation struct {
	Key, Value string
}

// record is what one scenario saw on one server, in the order it saw it.
type record struct {
	obs []observation
}

// set records key = v: strings as they are, nil as <absent>, anything else as JSON.
func (r *record) set(key string, v any) {
	r.obs = append(r.obs, observation{Key: key, Value: format(v)})
}

func format(v any) string {
	switch v := v.(type) {
	case nil:
		return absent
	case string:
		return v
	case error:
		return v.Error()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// values is the record as a map; a key recorded twice is a bug in the scenario.
func (r *record) values() (map[string]string, error) {
	m := make(map[string]string, len(r.obs))
	for _, o := range r.obs {
		if _, dup := m[o.Key]; dup {
			return nil, fmt.Errorf("key %q recorded twice", o.Key)
		}
		m[o.Key] = o.Value
	}
	return m, nil
}

// ---- responses ----

// response is one raw HTTP exchange through a JSON REST client.
type response struct {
	code     int
	obj      map[string]any // the decoded body (an object, a list or a Status)
	warnings []string
	err      error // a transport error; nil when the server answered
}

// call sends one request: method to path with query parameters and, when body is not nil,
// the body with Content-Type ct (JSON when empty). body may be []byte, string or a value
// to marshal as JSON.
func call(ctx context.Context, rc rest.Interface, method, path string, query url.Values, ct string, body any) response {
	req := rc.Verb(method).AbsPath(path)
	for k, vs := range query {
		for _, v := range vs {
			req.Param(k, v)
		}
	}
	if body != nil {
		var b []byte
		switch body := body.(type) {
		case []byte:
			b = body
		case string:
			b = []byte(body)
		default:
			var err error
			if b, err = json.Marshal(body); err != nil {
				return response{err: err}
			}
		}
		if ct == "" {
			ct = "application/json"
		}
		req.SetHeader("Content-Type", ct).Body(b)
	}
	res := req.Do(ctx)
	var resp response
	res.StatusCode(&resp.code)
	raw, err := res.Raw()
	if resp.code == 0 {
		// client-go leaves the code unset when an error body is not a Status (e.g. a
		// text/plain 404): take it from the error it made of the response.
		var st apierrors.APIStatus
		if !errors.As(err, &st) || st.Status().Code == 0 {
			resp.err = err
			return resp
		}
		resp.code = int(st.Status().Code)
	}
	for _, w := range res.Warnings() {
		resp.warnings = append(resp.warnings, w.Text)
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &resp.obj); err != nil {
			resp.obj = map[string]any{undecodable: strings.TrimSpace(string(raw))}
		}
	}
	return resp
}

// q builds query parameters from key, value pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// resp records a raw response under step: its code, kind and warnings; for a failure
// Status its reason, message, details and causes; otherwise the given fields (dotted paths,
// list indexes as numbers: "spec.template.spec.containers.0.image").
func (r *record) resp(step string, res response, fields ...string) {
	if res.err != nil {
		r.set(step+".error", res.err)
		return
	}
	r.set(step+".code", res.code)
	r.set(step+".kind", lookup(res.obj, "kind"))
	if body, ok := res.obj[undecodable]; ok {
		r.set(step+".body", body)
	}
	if len(res.warnings) > 0 {
		r.set(step+".warnings", res.warnings)
	}
	if lookup(res.obj, "kind") == "Status" {
		r.status(step, res.obj)
		if lookup(res.obj, "status") != "Success" {
			return
		}
	}
	for _, f := range fields {
		r.set(step+"."+f, lookup(res.obj, f))
	}
}

// status records the parts of a Status object clients read.
func (r *record) status(step string, obj map[string]any) {
	r.set(step+".status", lookup(obj, "status"))
	r.set(step+".reason", lookup(obj, "reason"))
	r.set(step+".message", lookup(obj, "message"))
	r.set(step+".statusCode", lookup(obj, "code"))
	r.set(step+".details", detailsOf(obj))
	if causes := causesOf(obj); causes != nil {
		r.set(step+".causes", causes)
	}
}

// detailsOf is a Status's details without its causes (recorded apart) and without uid.
func detailsOf(obj map[string]any) any {
	d, ok := lookup(obj, "details").(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]any{}
	for _, k := range []string{"name", "group", "kind", "retryAfterSeconds"} {
		if v, ok := d[k]; ok {
			out[k] = v
		}
	}
	return out
}

// causesOf renders details.causes as "reason field: message" lines, in server order.
func causesOf(obj map[string]any) []string {
	cs, ok := lookup(obj, "details.causes").([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		m, _ := c.(map[string]any)
		out = append(out, fmt.Sprintf("%v %v: %v", m["reason"], m["field"], m["message"]))
	}
	return out
}

// typed records the outcome of a typed client call: on error the Status it carried, on
// success the given fields of the returned object.
func (r *record) typed(step string, obj runtime.Object, err error, fields ...string) {
	if err != nil {
		var st apierrors.APIStatus
		if !errors.As(err, &st) {
			r.set(step+".error", err)
			return
		}
		s := st.Status()
		r.set(step+".code", s.Code)
		b, _ := json.Marshal(s)
		var m map[string]any
		json.Unmarshal(b, &m)
		r.status(step, m)
		return
	}
	r.set(step+".code", "ok")
	m, cerr := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if cerr != nil {
		r.set(step+".error", cerr)
		return
	}
	for _, f := range fields {
		r.set(step+"."+f, lookup(m, f))
	}
}

// lookup returns the value at a dotted path, nil when any part is missing.
func lookup(obj any, path string) any {
	cur := obj
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// names are the metadata.name of a list's items, in the server's order.
func names(list map[string]any) []string {
	items, _ := lookup(list, "items").([]any)
	out := []string{}
	for _, it := range items {
		if n, ok := lookup(it, "metadata.name").(string); ok {
			out = append(out, n)
		}
	}
	return out
}

// ---- comparing ----

// difference is one key whose values differ.
type difference struct {
	Key              string
	Engine, Upstream string
	Allowed          *allowance // nil when the difference fails the test
}

func (d difference) String() string {
	s := fmt.Sprintf("%s\n    engine:         %s\n    kube-apiserver: %s", d.Key, show(d.Engine), show(d.Upstream))
	if d.Allowed != nil {
		s += "\n    allowed: " + d.Allowed.Reason
	}
	return s
}

func show(v string) string {
	if v == "" {
		return `""`
	}
	return v
}

// compare lists the differences between the two records of scenario, marking those the
// allow-list permits, in the order the keys were first recorded.
func compare(scenario string, engine, upstream *record) ([]difference, error) {
	em, err := engine.values()
	if err != nil {
		return nil, fmt.Errorf("engine record: %w", err)
	}
	um, err := upstream.values()
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver record: %w", err)
	}
	var keys []string
	seen := map[string]bool{}
	for _, o := range append(append([]observation{}, upstream.obs...), engine.obs...) {
		if !seen[o.Key] {
			seen[o.Key] = true
			keys = append(keys, o.Key)
		}
	}
	var diffs []difference
	for _, k := range keys {
		ev, eok := em[k]
		uv, uok := um[k]
		if !eok {
			ev = "<not recorded>"
		}
		if !uok {
			uv = "<not recorded>"
		}
		if ev == uv {
			continue
		}
		d := difference{Key: scenario + "/" + k, Engine: ev, Upstream: uv}
		if a := allowed(d.Key, ev, uv); a != nil {
			d.Allowed = a
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}
