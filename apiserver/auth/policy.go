package auth

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The cluster roles and bindings of bootstrap/policy.yaml, protobuf-encoded (a
// ClusterRoleList and a ClusterRoleBindingList, in the YAML's order): decoded in a
// fraction of a millisecond at start, where parsing the YAML took several.
// TestBootstrapPolicyEncoded holds them to the YAML; go generate writes them again.
//
//go:generate go test -run ^TestBootstrapPolicyEncoded$ -update .
var (
	//go:embed bootstrap/roles.pb
	bootstrapRolesPB []byte
	//go:embed bootstrap/bindings.pb
	bootstrapBindingsPB []byte
)

// ViewerBinding is the cluster role binding that gives the read-only token's user the
// view cluster role.
const ViewerBinding = "sheetops-viewer"

// BootstrapPolicy returns new copies of the cluster roles and bindings every cluster has
// from the start (upstream's bootstrap policy: cluster-admin, admin, edit, view and their
// aggregate-to roles, system:discovery, system:basic-user, system:public-info-viewer and a
// few more, with their bindings), and the engine's own binding of the read-only user to
// view.
func BootstrapPolicy() ([]*rbacv1.ClusterRole, []*rbacv1.ClusterRoleBinding) {
	var roleList rbacv1.ClusterRoleList
	if err := roleList.Unmarshal(bootstrapRolesPB); err != nil {
		panic(fmt.Sprintf("bootstrap policy: cluster roles: %v", err))
	}
	var bindingList rbacv1.ClusterRoleBindingList
	if err := bindingList.Unmarshal(bootstrapBindingsPB); err != nil {
		panic(fmt.Sprintf("bootstrap policy: cluster role bindings: %v", err))
	}
	roles := make([]*rbacv1.ClusterRole, len(roleList.Items))
	for i := range roleList.Items {
		roles[i] = &roleList.Items[i]
	}
	bindings := make([]*rbacv1.ClusterRoleBinding, len(bindingList.Items), len(bindingList.Items)+1)
	for i := range bindingList.Items {
		bindings[i] = &bindingList.Items[i]
	}
	bindings = append(bindings, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ViewerBinding},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: ViewerUser}},
	})
	return roles, bindings
}

// AggregatedRules returns the rules an aggregated cluster role (one with an
// aggregationRule) should have, as upstream's clusterrole-aggregation controller computes
// them: the rules of every other cluster role matching any of its selectors, taken in
// name order, each rule once. ok is false for a role without an aggregationRule.
func AggregatedRules(role *rbacv1.ClusterRole, all []*rbacv1.ClusterRole) (rules []rbacv1.PolicyRule, ok bool) {
	if role.AggregationRule == nil {
		return nil, false
	}
	sorted := slices.Clone(all)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	rules = []rbacv1.PolicyRule{}
	for _, ls := range role.AggregationRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&ls)
		if err != nil {
			continue
		}
		for _, other := range sorted {
			if other.Name == role.Name || !sel.Matches(labels.Set(other.Labels)) {
				continue
			}
			for _, r := range other.Rules {
				if !slices.ContainsFunc(rules, func(have rbacv1.PolicyRule) bool { return RuleEqual(have, r) }) {
					rules = append(rules, r)
				}
			}
		}
	}
	return rules, true
}

// RuleEqual reports whether two rules are the same, as equality.Semantic.DeepEqual
// (which the aggregation controller uses; a nil list equals an empty one) but without
// reflection, which made most of the cost of aggregating the bootstrap policy.
func RuleEqual(a, b rbacv1.PolicyRule) bool {
	return slices.Equal(a.Verbs, b.Verbs) && slices.Equal(a.APIGroups, b.APIGroups) &&
		slices.Equal(a.Resources, b.Resources) && slices.Equal(a.ResourceNames, b.ResourceNames) &&
		slices.Equal(a.NonResourceURLs, b.NonResourceURLs)
}

// StaticPolicy is a Policy over fixed lists, for tests and examples.
type StaticPolicy struct {
	Roles           []*rbacv1.Role
	ClusterRoles    []*rbacv1.ClusterRole
	Bindings        []*rbacv1.RoleBinding
	ClusterBindings []*rbacv1.ClusterRoleBinding
}

var _ Policy = (*StaticPolicy)(nil)

func (p *StaticPolicy) ClusterRoleBindings() []*rbacv1.ClusterRoleBinding { return p.ClusterBindings }

func (p *StaticPolicy) RoleBindings(namespace string) []*rbacv1.RoleBinding {
	var out []*rbacv1.RoleBinding
	for _, b := range p.Bindings {
		if b.Namespace == namespace {
			out = append(out, b)
		}
	}
	return out
}

func (p *StaticPolicy) ClusterRole(name string) (*rbacv1.ClusterRole, error) {
	for _, r := range p.ClusterRoles {
		if r.Name == name {
			return r, nil
		}
	}
	return nil, ClusterRoleNotFound(name)
}

func (p *StaticPolicy) Role(namespace, name string) (*rbacv1.Role, error) {
	for _, r := range p.Roles {
		if r.Namespace == namespace && r.Name == name {
			return r, nil
		}
	}
	return nil, RoleNotFound(name)
}

// NewBootstrapPolicy returns a StaticPolicy holding the bootstrap policy with its
// aggregated roles filled in.
func NewBootstrapPolicy() *StaticPolicy {
	roles, bindings := BootstrapPolicy()
	// admin aggregates edit, which aggregates view: three passes settle it.
	for range 3 {
		for _, r := range roles {
			if rules, ok := AggregatedRules(r, roles); ok {
				r.Rules = rules
			}
		}
	}
	return &StaticPolicy{ClusterRoles: roles, ClusterBindings: bindings}
}
