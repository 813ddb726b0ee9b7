package openapi

import (
	"fmt"

	apiextensionsopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	aggregatoropenapi "k8s.io/kube-aggregator/pkg/generated/openapi"
	"k8s.io/kube-openapi/pkg/common"
)

// Definitions returns the generated definitions of the named types and of every type
// they refer to, by name: the k8s.io/api types' (GetOpenAPIDefinitions'), else
// kube-aggregator's (APIService), else apiextensions-apiserver's
// (CustomResourceDefinition). Only those definitions are built (a few dozen for a kind,
// where GetOpenAPIDefinitions builds every type's, about 3 ms).
func Definitions(ref common.ReferenceCallback, names ...string) (map[string]common.OpenAPIDefinition, error) {
	defs := map[string]common.OpenAPIDefinition{}
	var aggregator, apiextensions map[string]common.OpenAPIDefinition
	var add func(name string) error
	add = func(name string) error {
		if _, ok := defs[name]; ok {
			return nil
		}
		var def common.OpenAPIDefinition
		if f, ok := definitionFuncs[name]; ok {
			def = f(ref)
		} else {
			if aggregator == nil {
				aggregator = aggregatoropenapi.GetOpenAPIDefinitions(ref)
			}
			if def, ok = aggregator[name]; !ok {
				if apiextensions == nil {
					apiextensions = apiextensionsopenapi.GetOpenAPIDefinitions(ref)
				}
				if def, ok = apiextensions[name]; !ok {
					return fmt.Errorf("no OpenAPI definition of %s", name)
				}
			}
		}
		defs[name] = def
		for _, dep := range def.Dependencies {
			if err := add(dep); err != nil {
				return err
			}
		}
		return nil
	}
	for _, name := range names {
		if err := add(name); err != nil {
			return nil, err
		}
	}
	return defs, nil
}
