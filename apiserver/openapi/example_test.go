package openapi_test

import (
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sheetops/sheetops/apiserver/openapi"
)

func Example() {
	scheme := runtime.NewScheme()
	_ = appsv1.AddToScheme(scheme)
	_ = autoscalingv1.AddToScheme(scheme)

	docs := openapi.New(scheme, []openapi.Resource{{
		Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true,
		Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"},
		Subresources: []openapi.Subresource{
			{Name: "status", Group: "apps", Version: "v1", Kind: "Deployment", Verbs: []string{"get", "update", "patch"}},
			{Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: []string{"get", "update", "patch"}},
		},
	}})
	mux := http.NewServeMux()
	docs.Register(mux) // serves /openapi/v2 and /openapi/v3; nothing is built yet

	schemas, err := docs.Schemas()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(schemas["io.k8s.api.apps.v1.Deployment"].Extensions["x-kubernetes-group-version-kind"])
	// Output: [map[group:apps kind:Deployment version:v1]]
}
