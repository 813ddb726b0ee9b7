package openapi

import (
	"maps"

	apiextensionsopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	aggregatoropenapi "k8s.io/kube-aggregator/pkg/generated/openapi"
	"k8s.io/kube-openapi/pkg/common"
)

// allDefinitions are the generated definitions of the k8s.io/api types (GetOpenAPIDefinitions),
// k8s.io/apiextensions-apiserver's (CustomResourceDefinition) and kube-aggregator's of
// apiregistration.k8s.io (APIService), which they generate themselves.
func allDefinitions(ref common.ReferenceCallback) map[string]common.OpenAPIDefinition {
	defs := GetOpenAPIDefinitions(ref)
	maps.Copy(defs, apiextensionsopenapi.GetOpenAPIDefinitions(ref))
	for name, def := range aggregatoropenapi.GetOpenAPIDefinitions(ref) {
		if _, ok := defs[name]; !ok {
			defs[name] = def
		}
	}
	return defs
}
