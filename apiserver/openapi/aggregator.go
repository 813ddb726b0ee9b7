package openapi

import (
	aggregatoropenapi "k8s.io/kube-aggregator/pkg/generated/openapi"
	"k8s.io/kube-openapi/pkg/common"
)

// allDefinitions are the generated definitions of the k8s.io/api types (GetOpenAPIDefinitions)
// and kube-aggregator's of apiregistration.k8s.io (APIService), which it generates itself.
func allDefinitions(ref common.ReferenceCallback) map[string]common.OpenAPIDefinition {
	defs := GetOpenAPIDefinitions(ref)
	for name, def := range aggregatoropenapi.GetOpenAPIDefinitions(ref) {
		if _, ok := defs[name]; !ok {
			defs[name] = def
		}
	}
	return defs
}
