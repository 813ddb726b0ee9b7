package openapi

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	aggregatoropenapi "k8s.io/kube-aggregator/pkg/generated/openapi"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

var testRef = func(name string) spec.Ref { return spec.MustCreateRef("#/definitions/" + name) }

// TestDefinitionFuncs checks that zz_generated.definitions.go is GetOpenAPIDefinitions'
// map: run go generate ./apiserver/openapi if not.
func TestDefinitionFuncs(t *testing.T) {
	all := GetOpenAPIDefinitions(testRef)
	if got, want := slices.Sorted(maps.Keys(definitionFuncs)), slices.Sorted(maps.Keys(all)); !slices.Equal(got, want) {
		t.Fatalf("definitionFuncs has %d names, GetOpenAPIDefinitions %d: run go generate ./apiserver/openapi", len(got), len(want))
	}
	for name, f := range definitionFuncs {
		if !reflect.DeepEqual(f(testRef), all[name]) {
			t.Errorf("definitionFuncs[%s] is not GetOpenAPIDefinitions' definition: run go generate ./apiserver/openapi", name)
		}
	}
}

func TestDefinitions(t *testing.T) {
	// As the whole maps give them: the k8s.io/api types' first, then kube-aggregator's,
	// then apiextensions-apiserver's.
	all := GetOpenAPIDefinitions(testRef)
	for _, more := range []map[string]common.OpenAPIDefinition{
		aggregatoropenapi.GetOpenAPIDefinitions(testRef), apiextensionsopenapi.GetOpenAPIDefinitions(testRef),
	} {
		for name, def := range more {
			if _, ok := all[name]; !ok {
				all[name] = def
			}
		}
	}
	closure := func(names ...string) map[string]common.OpenAPIDefinition {
		out := map[string]common.OpenAPIDefinition{}
		for len(names) > 0 {
			name := names[0]
			names = names[1:]
			if _, ok := out[name]; ok {
				continue
			}
			out[name] = all[name]
			names = append(names, all[name].Dependencies...)
		}
		return out
	}
	tests := []struct {
		name  string
		names []string
	}{
		{"service", []string{corev1.Service{}.OpenAPIModelName()}},
		{"rbac", []string{rbacv1.ClusterRole{}.OpenAPIModelName(), rbacv1.ClusterRoleBinding{}.OpenAPIModelName()}},
		{"apiservice", []string{apiregistrationv1.APIService{}.OpenAPIModelName()}},
		{"crd", []string{apiextensionsv1.CustomResourceDefinition{}.OpenAPIModelName()}},
		{"pod and namespace", []string{corev1.Pod{}.OpenAPIModelName(), corev1.Namespace{}.OpenAPIModelName()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Definitions(testRef, tt.names...)
			if err != nil {
				t.Fatal(err)
			}
			want := closure(tt.names...)
			if !reflect.DeepEqual(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
				t.Fatalf("names %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
			for name := range want {
				if !reflect.DeepEqual(got[name], want[name]) {
					t.Errorf("%s differs from the whole maps' definition", name)
				}
			}
		})
	}
	if _, err := Definitions(testRef, "io.example.NoSuchKind"); err == nil {
		t.Error("Definitions of an unknown name: no error")
	}
}

func BenchmarkDefinitions(b *testing.B) {
	names := []string{corev1.Namespace{}.OpenAPIModelName(), corev1.Service{}.OpenAPIModelName(), corev1.ConfigMap{}.OpenAPIModelName(),
		rbacv1.ClusterRole{}.OpenAPIModelName(), rbacv1.ClusterRoleBinding{}.OpenAPIModelName(), apiregistrationv1.APIService{}.OpenAPIModelName()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Definitions(testRef, names...); err != nil {
			b.Fatal(err)
		}
	}
}
