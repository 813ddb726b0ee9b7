package auth_test

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/sheetops/sheetops/apiserver/auth"
)

func ExampleAuthorizer_Authorize() {
	authz := auth.NewAuthorizer(auth.NewBootstrapPolicy())
	viewer := auth.User{Name: "sheetops-viewer", Groups: []string{auth.GroupViewers, auth.GroupAuthenticated}}

	err := authz.Authorize(viewer, auth.Attributes{
		Verb: "get", Resource: "pods", Namespace: "default", Name: "web-0", ResourceRequest: true,
	})
	fmt.Println(err)

	err = authz.Authorize(viewer, auth.Attributes{
		Verb: "delete", Resource: "pods", Namespace: "default", Name: "web-0", ResourceRequest: true,
	})
	fmt.Println(apierrors.IsForbidden(err), err)
	// Output:
	// <nil>
	// true pods "web-0" is forbidden: User "sheetops-viewer" cannot delete resource "pods" in API group "" in the namespace "default"
}
