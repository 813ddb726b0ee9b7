package differential

import (
	"regexp"
	"slices"
	"strings"
)

// allowance permits a difference between the engine and kube-apiserver for the keys it
// names, for a stated reason. Every difference not permitted here fails TestDifferential.
type allowance struct {
	// Keys are patterns over "scenario/step.field"; '*' matches any run of characters.
	Keys []string
	// Equal says whether the two values are equivalent despite differing; nil permits any
	// pair of values.
	Equal func(engine, upstream string) bool
	// Reason is why the difference is intended, printed beside it.
	Reason string

	used bool // set when the entry permitted a difference
}

// allowList is every intended difference. Keep each entry as narrow as it can be.
var allowList = []*allowance{
	{
		Keys:   []string{"*.metadata.uid", "*.metadata.resourceVersion", "*.metadata.creationTimestamp", "*.metadata.deletionTimestamp"},
		Equal:  bothSet,
		Reason: "uids, resourceVersions and timestamps are values each server makes up; only their presence is compared",
	},
	{
		Keys:   []string{"*.message", "*.causes", "*.metadata.managedFields"},
		Equal:  sameAfter(madeUpValues...),
		Reason: "messages and managed fields quote uids, resourceVersions and timestamps, values each server makes up",
	},
	{
		Keys: []string{"create/post-pod.spec.volumes", "create/post-pod.spec.containers.0.volumeMounts"},
		Reason: "the engine has no ServiceAccount admission plugin: it does not mount the kube-api-access " +
			"projected volume (there are no ServiceAccount tokens to mount)",
	},
	{
		Keys: []string{"auth/no-token.*"},
		Reason: "CONFORMANCE.md (fact 13) makes a request without a token 401 Unauthorized, as kube-apiserver " +
			"with --anonymous-auth=false; kube-apiserver's default treats it as system:anonymous (403 Forbidden)",
	},
	{
		Keys: []string{"field-validation/apply-strict.*"},
		Reason: "kube-apiserver answers an applied unknown field with 500 InternalError \"failed to create typed " +
			"patch object ... field not declared in schema\" whatever fieldValidation says (an upstream quirk); " +
			"the engine's 400 BadRequest strict decoding error is what a client can act on",
	},
	{
		Keys:   []string{"kinds-crud/job.create.spec", "kinds-crud/job.table*.cells", "kinds-watch/jobs.events"},
		Equal:  sameAfter(madeUpValues...),
		Reason: "a job's generated selector and template labels hold its uid, which each server makes up",
	},
	{
		Keys: []string{"kinds-crud/pvc.create.metadata.finalizers", "kinds-crud/pvc.delete.*"},
		Reason: "the engine has no StorageObjectInUseProtection admission plugin and no pvc-protection controller: " +
			"a claim gets no kubernetes.io/pvc-protection finalizer and a delete removes it at once",
	},
	{
		Keys:   []string{"kinds-crud/kubernetes-service.spec.ports"},
		Reason: "the kubernetes service's targetPort is each server's own secure port",
	},
	{
		Keys:  []string{"crd/invalid-several.message", "crd/invalid-several.causes"},
		Equal: sameCharacters,
		Reason: "the CRD schema validator (kube-openapi's, the same code on both servers) reports the errors of an " +
			"object's properties in map iteration order, which differs from run to run",
	},
}

// sameCharacters reports whether two values hold the same characters, in any order.
func sameCharacters(ev, uv string) bool {
	a, b := []rune(ev), []rune(uv)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// madeUpValues are replacements (regular expression, replacement) for the values in messages
// that each server makes up.
var madeUpValues = []string{
	`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, "<uid>",
	`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`, "<time>",
	`(?i)(resourceVersion[^0-9]{0,40})\d+`, "${1}<rv>",
	`(Too large resource version: )\d+, current: \d+`, "${1}<rv>, current: <rv>",
}

// allowed returns the first allowance that permits key to be ev on the engine and uv
// upstream, or nil.
func allowed(key, ev, uv string) *allowance {
	for _, a := range allowList {
		for _, k := range a.Keys {
			if globMatch(k, key) && (a.Equal == nil || a.Equal(ev, uv)) {
				a.used = true
				return a
			}
		}
	}
	return nil
}

// unusedAllowances are the entries that permitted nothing in this run: differences that
// have gone (remove the entry) or scenarios that did not run.
func unusedAllowances() []*allowance {
	var out []*allowance
	for _, a := range allowList {
		if !a.used {
			out = append(out, a)
		}
	}
	return out
}

var globCache = map[string]*regexp.Regexp{}

// globMatch matches s against pattern, where '*' matches any run of characters.
func globMatch(pattern, s string) bool {
	re, ok := globCache[pattern]
	if !ok {
		re = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$")
		globCache[pattern] = re
	}
	return re.MatchString(s)
}

// bothSet: both values present and not empty.
func bothSet(ev, uv string) bool {
	set := func(v string) bool { return v != absent && v != "" && v != `""` && v != "<not recorded>" }
	return set(ev) && set(uv)
}

// sameAfter compares values after rewriting both with the replacements, pairs of a regular
// expression and its replacement.
func sameAfter(pairs ...string) func(ev, uv string) bool {
	type rep struct {
		re  *regexp.Regexp
		new string
	}
	var reps []rep
	for i := 0; i+1 < len(pairs); i += 2 {
		reps = append(reps, rep{regexp.MustCompile(pairs[i]), pairs[i+1]})
	}
	norm := func(v string) string {
		for _, r := range reps {
			v = r.re.ReplaceAllString(v, r.new)
		}
		return v
	}
	return func(ev, uv string) bool { return norm(ev) == norm(uv) }
}
