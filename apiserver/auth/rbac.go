package auth

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// Policy is what RBAC reads: the stored roles and bindings. Objects returned are shared
// and only read. A missing role is an error (upstream's NotFound, see RoleNotFound and
// ClusterRoleNotFound), which ends up in the reason of a denial.
type Policy interface {
	ClusterRoleBindings() []*rbacv1.ClusterRoleBinding
	RoleBindings(namespace string) []*rbacv1.RoleBinding
	ClusterRole(name string) (*rbacv1.ClusterRole, error)
	Role(namespace, name string) (*rbacv1.Role, error)
}

// ClusterRoleNotFound is the error a Policy returns for a missing cluster role, worded as
// upstream's lister: clusterrole.rbac.authorization.k8s.io "x" not found.
func ClusterRoleNotFound(name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Group: rbacv1.GroupName, Resource: "clusterrole"}, name)
}

// RoleNotFound is the error a Policy returns for a missing role.
func RoleNotFound(name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Group: rbacv1.GroupName, Resource: "role"}, name)
}

// Decision is an authorizer's answer, as a SubjectAccessReview reports it.
type Decision struct {
	Allowed bool
	// Reason is upstream's: "" when system:masters allows, "RBAC: allowed by ..." when a
	// binding does; on a denial "" or "rbac: RBAC: <errors>" when bindings name missing
	// roles.
	Reason string
}

// source describes the binding that granted a rule, as upstream's RBAC reason does.
type source struct {
	clusterBinding *rbacv1.ClusterRoleBinding
	binding        *rbacv1.RoleBinding
	subject        *rbacv1.Subject
}

func (s source) String() string {
	if s.clusterBinding != nil {
		b := s.clusterBinding
		return fmt.Sprintf("ClusterRoleBinding %q of %s %q to %s", b.Name, b.RoleRef.Kind, b.RoleRef.Name, describeSubject(s.subject, ""))
	}
	b := s.binding
	return fmt.Sprintf("RoleBinding %q of %s %q to %s", b.Name+"/"+b.Namespace, b.RoleRef.Kind, b.RoleRef.Name, describeSubject(s.subject, b.Namespace))
}

func describeSubject(s *rbacv1.Subject, bindingNamespace string) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNamespace
		}
		return fmt.Sprintf("%s %q", s.Kind, s.Name+"/"+ns)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// visitRules calls visit with every rule that applies to u in namespace (cluster role
// bindings first, then the namespace's role bindings), or with an error for a binding
// whose role is missing, until visit returns false.
func visitRules(p Policy, u User, namespace string, visit func(src source, rule *rbacv1.PolicyRule, err error) bool) {
	for _, b := range p.ClusterRoleBindings() {
		i, ok := appliesTo(u, b.Subjects, "")
		if !ok {
			continue
		}
		rules, err := roleRules(p, b.RoleRef, "")
		if err != nil {
			if !visit(source{}, nil, err) {
				return
			}
			continue
		}
		src := source{clusterBinding: b, subject: &b.Subjects[i]}
		for j := range rules {
			if !visit(src, &rules[j], nil) {
				return
			}
		}
	}
	if namespace == "" {
		return
	}
	for _, b := range p.RoleBindings(namespace) {
		i, ok := appliesTo(u, b.Subjects, namespace)
		if !ok {
			continue
		}
		rules, err := roleRules(p, b.RoleRef, namespace)
		if err != nil {
			if !visit(source{}, nil, err) {
				return
			}
			continue
		}
		src := source{binding: b, subject: &b.Subjects[i]}
		for j := range rules {
			if !visit(src, &rules[j], nil) {
				return
			}
		}
	}
}

func roleRules(p Policy, ref rbacv1.RoleRef, namespace string) ([]rbacv1.PolicyRule, error) {
	switch ref.Kind {
	case "Role":
		r, err := p.Role(namespace, ref.Name)
		if err != nil {
			return nil, err
		}
		return r.Rules, nil
	case "ClusterRole":
		r, err := p.ClusterRole(ref.Name)
		if err != nil {
			return nil, err
		}
		return r.Rules, nil
	}
	return nil, fmt.Errorf("unsupported role reference kind: %q", ref.Kind)
}

func appliesTo(u User, subjects []rbacv1.Subject, namespace string) (int, bool) {
	for i, s := range subjects {
		if subjectMatches(u, s, namespace) {
			return i, true
		}
	}
	return 0, false
}

func subjectMatches(u User, s rbacv1.Subject, namespace string) bool {
	switch s.Kind {
	case rbacv1.UserKind:
		return u.Name == s.Name
	case rbacv1.GroupKind:
		return slices.Contains(u.Groups, s.Name)
	case rbacv1.ServiceAccountKind:
		ns := namespace
		if s.Namespace != "" {
			ns = s.Namespace
		}
		return ns != "" && u.Name == ServiceAccountUsername(ns, s.Name)
	}
	return false
}

// RuleAllows reports whether rule grants the request attrs describes, as upstream's RBAC
// matches verbs, API groups, resources ("*", "resource/subresource", "*/subresource"),
// resource names and non-resource URLs (exact, or a prefix ending in "*").
func RuleAllows(attrs Attributes, rule *rbacv1.PolicyRule) bool {
	if !matchesOrStar(rule.Verbs, attrs.Verb) {
		return false
	}
	if !attrs.ResourceRequest {
		return slices.ContainsFunc(rule.NonResourceURLs, func(p string) bool { return pathMatches(p, attrs.Path) })
	}
	if !matchesOrStar(rule.APIGroups, attrs.APIGroup) {
		return false
	}
	combined := attrs.Resource
	if attrs.Subresource != "" {
		combined += "/" + attrs.Subresource
	}
	if !slices.ContainsFunc(rule.Resources, func(r string) bool {
		return r == rbacv1.ResourceAll || r == combined || (attrs.Subresource != "" && r == "*/"+attrs.Subresource)
	}) {
		return false
	}
	return len(rule.ResourceNames) == 0 || slices.Contains(rule.ResourceNames, attrs.Name)
}

func matchesOrStar(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return x == "*" || x == v })
}

// pathMatches matches a non-resource URL as RBAC does: "*" matches every path, a trailing
// "*" matches a prefix, anything else only itself.
func pathMatches(pattern, path string) bool {
	if pattern == "*" || pattern == path {
		return true
	}
	prefix, ok := strings.CutSuffix(pattern, "*")
	return ok && strings.HasPrefix(path, prefix)
}

// decideRBAC evaluates RBAC alone.
func decideRBAC(p Policy, u User, attrs Attributes) Decision {
	var d Decision
	var errs []error
	visitRules(p, u, attrs.Namespace, func(src source, rule *rbacv1.PolicyRule, err error) bool {
		if rule != nil && RuleAllows(attrs, rule) {
			d = Decision{Allowed: true, Reason: "RBAC: allowed by " + src.String()}
			return false
		}
		if err != nil {
			errs = append(errs, err)
		}
		return true
	})
	if !d.Allowed && len(errs) > 0 {
		// as upstream's union of authorizers names the one that had something to say
		d.Reason = "rbac: RBAC: " + utilerrors.NewAggregate(errs).Error()
	}
	return d
}

// RulesFor lists the rules that apply to u in namespace, and the errors of bindings whose
// roles are missing, for a SelfSubjectRulesReview.
func RulesFor(p Policy, u User, namespace string) ([]rbacv1.PolicyRule, []error) {
	var rules []rbacv1.PolicyRule
	var errs []error
	visitRules(p, u, namespace, func(_ source, rule *rbacv1.PolicyRule, err error) bool {
		if rule != nil {
			rules = append(rules, *rule)
		}
		if err != nil {
			errs = append(errs, err)
		}
		return true
	})
	return rules, errs
}
