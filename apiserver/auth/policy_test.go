package auth

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite bootstrap/roles.pb and bootstrap/bindings.pb from bootstrap/policy.yaml")

// parsePolicyYAML reads the cluster roles and bindings of bootstrap/policy.yaml, in order.
func parsePolicyYAML(t *testing.T) ([]*rbacv1.ClusterRole, []*rbacv1.ClusterRoleBinding) {
	t.Helper()
	data, err := os.ReadFile("bootstrap/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var roles []*rbacv1.ClusterRole
	var bindings []*rbacv1.ClusterRoleBinding
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		switch tm.Kind {
		case "ClusterRole":
			r := &rbacv1.ClusterRole{}
			if err := yaml.UnmarshalStrict(doc, r); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
			r.TypeMeta = metav1.TypeMeta{}
			roles = append(roles, r)
		case "ClusterRoleBinding":
			b := &rbacv1.ClusterRoleBinding{}
			if err := yaml.UnmarshalStrict(doc, b); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
			b.TypeMeta = metav1.TypeMeta{}
			bindings = append(bindings, b)
		case "":
		default:
			t.Fatalf("document %d: unexpected kind %s", i, tm.Kind)
		}
	}
	return roles, bindings
}

// TestBootstrapPolicyEncoded checks that bootstrap/roles.pb and bootstrap/bindings.pb,
// which BootstrapPolicy decodes, are bootstrap/policy.yaml's cluster roles and bindings;
// -update (go generate) writes them again.
func TestBootstrapPolicyEncoded(t *testing.T) {
	roles, bindings := parsePolicyYAML(t)
	roleList := rbacv1.ClusterRoleList{}
	for _, r := range roles {
		roleList.Items = append(roleList.Items, *r)
	}
	bindingList := rbacv1.ClusterRoleBindingList{}
	for _, b := range bindings {
		bindingList.Items = append(bindingList.Items, *b)
	}
	for _, f := range []struct {
		path string
		list interface{ Marshal() ([]byte, error) }
		have []byte
	}{
		{"bootstrap/roles.pb", &roleList, bootstrapRolesPB},
		{"bootstrap/bindings.pb", &bindingList, bootstrapBindingsPB},
	} {
		want, err := f.list.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(f.path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !bytes.Equal(f.have, want) {
			t.Errorf("%s is not bootstrap/policy.yaml's: run go generate ./apiserver/auth", f.path)
		}
	}
	if *update {
		return
	}

	gotRoles, gotBindings := BootstrapPolicy()
	if len(gotBindings) == 0 || gotBindings[len(gotBindings)-1].Name != ViewerBinding {
		t.Fatalf("the last binding is not %s", ViewerBinding)
	}
	gotBindings = gotBindings[:len(gotBindings)-1]
	// Field by field, nil and empty apart: what the engine writes at start is what the
	// YAML says.
	if !reflect.DeepEqual(gotRoles, roles) {
		t.Errorf("cluster roles differ from bootstrap/policy.yaml's:\n%s", firstDiff(gotRoles, roles))
	}
	if !reflect.DeepEqual(gotBindings, bindings) {
		t.Errorf("cluster role bindings differ from bootstrap/policy.yaml's:\n%s", firstDiff(gotBindings, bindings))
	}
}

// firstDiff names the first of two lists' items that differ.
func firstDiff[T any](got, want []T) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d items, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			return fmt.Sprintf("item %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
	return ""
}

func BenchmarkBootstrapPolicy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		BootstrapPolicy()
	}
}

func TestRuleEqual(t *testing.T) {
	rule := rbacv1.PolicyRule{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}
	tests := []struct {
		name string
		a, b rbacv1.PolicyRule
	}{
		{"same", rule, rule},
		{"copies", rule, *rule.DeepCopy()},
		{"nil and empty", rbacv1.PolicyRule{Verbs: []string{"get"}}, rbacv1.PolicyRule{Verbs: []string{"get"}, ResourceNames: []string{}}},
		{"verb order", rule, rbacv1.PolicyRule{Verbs: []string{"list", "get"}, APIGroups: []string{""}, Resources: []string{"pods"}}},
		{"resource name", rule, rbacv1.PolicyRule{Verbs: rule.Verbs, APIGroups: rule.APIGroups, Resources: rule.Resources, ResourceNames: []string{"a"}}},
		{"group", rule, rbacv1.PolicyRule{Verbs: rule.Verbs, APIGroups: []string{"apps"}, Resources: rule.Resources}},
		{"url", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/livez"}}},
		{"empty", rbacv1.PolicyRule{}, rbacv1.PolicyRule{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := RuleEqual(tt.a, tt.b), equality.Semantic.DeepEqual(tt.a, tt.b); got != want {
				t.Errorf("RuleEqual = %v, equality.Semantic.DeepEqual = %v", got, want)
			}
		})
	}
}

func BenchmarkNewBootstrapPolicy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewBootstrapPolicy()
	}
}
