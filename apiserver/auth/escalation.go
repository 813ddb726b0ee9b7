package auth

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// Escalation prevention, as upstream's RBAC storage does it: a user may only grant (in a
// role) or bind (in a binding) permissions the user holds already, unless the user is in
// system:masters or may "escalate" the role (or "bind" the role) being written.

// Covers reports whether the owner rules grant everything the servant rules do, and
// which single-verb, single-resource parts of the servant rules they do not.
func Covers(owner, servant []rbacv1.PolicyRule) (bool, []rbacv1.PolicyRule) {
	var missing []rbacv1.PolicyRule
	for _, s := range servant {
		for _, part := range breakdown(s) {
			if !slices.ContainsFunc(owner, func(o rbacv1.PolicyRule) bool { return ruleCovers(o, part) }) {
				missing = append(missing, part)
			}
		}
	}
	return len(missing) == 0, missing
}

// breakdown splits a rule into rules of one group, resource, verb and resource name (or
// one non-resource URL and verb).
func breakdown(r rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			for _, v := range r.Verbs {
				if len(r.ResourceNames) == 0 {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: []string{v}})
					continue
				}
				for _, n := range r.ResourceNames {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: []string{v}, ResourceNames: []string{n}})
				}
			}
		}
	}
	for _, u := range r.NonResourceURLs {
		for _, v := range r.Verbs {
			out = append(out, rbacv1.PolicyRule{NonResourceURLs: []string{u}, Verbs: []string{v}})
		}
	}
	return out
}

func hasAll(set, want []string) bool {
	for _, w := range want {
		if !slices.Contains(set, w) {
			return false
		}
	}
	return true
}

// ruleCovers reports whether owner covers part (one verb, resource and name at most).
func ruleCovers(owner, part rbacv1.PolicyRule) bool {
	if !slices.Contains(owner.Verbs, rbacv1.VerbAll) && !hasAll(owner.Verbs, part.Verbs) {
		return false
	}
	if !slices.Contains(owner.APIGroups, rbacv1.APIGroupAll) && !hasAll(owner.APIGroups, part.APIGroups) {
		return false
	}
	if !slices.Contains(owner.Resources, rbacv1.ResourceAll) && !hasAll(owner.Resources, part.Resources) {
		for _, p := range part.Resources {
			if slices.Contains(owner.Resources, p) {
				continue
			}
			_, sub, ok := strings.Cut(p, "/")
			if !ok || !slices.Contains(owner.Resources, "*/"+sub) {
				return false
			}
		}
	}
	for _, p := range part.NonResourceURLs {
		if !slices.ContainsFunc(owner.NonResourceURLs, func(o string) bool {
			return o == p || (strings.HasSuffix(o, "*") && strings.HasPrefix(p, strings.TrimRight(o, "*")))
		}) {
			return false
		}
	}
	if len(part.ResourceNames) == 0 {
		return len(owner.ResourceNames) == 0
	}
	return len(owner.ResourceNames) == 0 || hasAll(owner.ResourceNames, part.ResourceNames)
}

// compactString words a rule as upstream's escalation message does.
func compactString(r rbacv1.PolicyRule) string {
	var parts []string
	var args []any
	for _, f := range []struct {
		name string
		v    []string
	}{{"APIGroups", r.APIGroups}, {"Resources", r.Resources}, {"NonResourceURLs", r.NonResourceURLs}, {"ResourceNames", r.ResourceNames}, {"Verbs", r.Verbs}} {
		if len(f.v) > 0 {
			parts = append(parts, f.name+":%q")
			args = append(args, f.v)
		}
	}
	return fmt.Sprintf("{"+strings.Join(parts, ", ")+"}", args...)
}

// compact merges the verbs of missing rules about the same single group, resource and
// resource name.
func compact(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	type key struct{ group, resource, name string }
	var out []rbacv1.PolicyRule
	merged := map[key]int{}
	for _, r := range rules {
		simple := len(r.NonResourceURLs) == 0 && len(r.APIGroups) == 1 && len(r.Resources) == 1 && len(r.ResourceNames) <= 1
		if !simple {
			out = append(out, r)
			continue
		}
		k := key{group: r.APIGroups[0], resource: r.Resources[0]}
		if len(r.ResourceNames) == 1 {
			k.name = "\x00" + r.ResourceNames[0]
		}
		if i, ok := merged[k]; ok {
			out[i].Verbs = append(out[i].Verbs, r.Verbs...)
			continue
		}
		merged[k] = len(out)
		out = append(out, *r.DeepCopy())
	}
	return out
}

// ConfirmNoEscalation returns nil when u holds (in namespace, or cluster-wide for "")
// every permission of rules, and otherwise upstream's explanation of what u lacks.
func ConfirmNoEscalation(p Policy, u User, namespace string, rules []rbacv1.PolicyRule) error {
	owner, errs := RulesFor(p, u, namespace)
	ok, missing := Covers(owner, rules)
	if ok {
		return nil
	}
	seen := map[string]bool{}
	var descriptions []string
	for _, m := range compact(missing) {
		if d := compactString(m); !seen[d] {
			seen[d] = true
			descriptions = append(descriptions, d)
		}
	}
	sort.Strings(descriptions)
	msg := fmt.Sprintf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s", u.Name, u.Groups, strings.Join(descriptions, "\n"))
	if len(errs) > 0 {
		msg += fmt.Sprintf("; resolution errors: %v", []error{utilerrors.NewAggregate(errs)})
	}
	return escalationError(msg)
}

type escalationError string

func (e escalationError) Error() string { return string(e) }
