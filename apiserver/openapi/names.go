package openapi

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/util"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Extension names kube-apiserver puts on operations and definitions.
const (
	extensionGVK    = "x-kubernetes-group-version-kind"
	extensionAction = "x-kubernetes-action"
)

// definitionNamer names definitions the way kube-apiserver does and tags
// every definition that is a registered kind with the group-version-kinds it
// is registered as (x-kubernetes-group-version-kind), which kubectl explain,
// kubectl's field-validation check and managed-fields type converters look up.
type definitionNamer struct {
	gvks map[string][]gvk // by definition name before renaming
}

// gvk is one entry of the x-kubernetes-group-version-kind list.
type gvk struct{ Group, Version, Kind string }

func (g gvk) less(o gvk) bool {
	if g.Group != o.Group {
		return g.Group < o.Group
	}
	if g.Version != o.Version {
		return g.Version < o.Version
	}
	return g.Kind < o.Kind
}

// newDefinitionNamer indexes every external kind registered in scheme by the
// name its Go type has in the generated definitions.
func newDefinitionNamer(scheme *runtime.Scheme) *definitionNamer {
	n := &definitionNamer{gvks: map[string][]gvk{}}
	for k, t := range scheme.AllKnownTypes() {
		if k.Version == runtime.APIVersionInternal || k.Version == "" {
			continue
		}
		name := util.GetCanonicalTypeName(reflect.New(t).Interface())
		entry := gvk{Group: k.Group, Version: k.Version, Kind: k.Kind}
		dup := false
		for _, e := range n.gvks[name] {
			if e == entry {
				dup = true
				break
			}
		}
		if !dup {
			n.gvks[name] = append(n.gvks[name], entry)
		}
	}
	for _, list := range n.gvks {
		sort.Slice(list, func(i, j int) bool { return list[i].less(list[j]) })
	}
	return n
}

// name implements common.Config.GetDefinitionName.
func (n *definitionNamer) name(name string) (string, spec.Extensions) {
	friendly := friendlyName(name)
	list, ok := n.gvks[name]
	if !ok {
		return friendly, nil
	}
	values := make([]any, 0, len(list))
	for _, e := range list {
		values = append(values, map[string]any{"group": e.Group, "version": e.Version, "kind": e.Kind})
	}
	return friendly, spec.Extensions{extensionGVK: values}
}

// friendlyName turns a Go type name such as "k8s.io/api/apps/v1.Deployment"
// into "io.k8s.api.apps.v1.Deployment". Names that already are OpenAPI model
// names (no slash, as the generated definitions use) are kept.
func friendlyName(name string) string {
	if !strings.Contains(name, "/") {
		return name
	}
	parts := strings.Split(name, "/")
	if strings.Contains(parts[0], ".") {
		host := strings.Split(parts[0], ".")
		for i, j := 0, len(host)-1; i < j; i, j = i+1, j-1 {
			host[i], host[j] = host[j], host[i]
		}
		parts[0] = strings.Join(host, ".")
	}
	return strings.Join(parts, ".")
}

// operationVerbs are the verbs an operation name starts with. As in
// kube-apiserver the shortest match wins, so "deletecollectionNamespacedPod"
// becomes "deleteCoreV1CollectionNamespacedPod".
var operationVerbs = util.NewTrie([]string{"get", "log", "read", "replace", "patch", "delete", "deletecollection", "watch", "connect", "proxy", "list", "create"})

// operationIDAndTags implements common.Config.GetOperationIDAndTagsFromRoute
// like kube-apiserver: "readNamespacedDeployment" on /apis/apps/v1/... becomes
// "readAppsV1NamespacedDeployment" tagged "apps_v1"; /api/v1 counts as the
// group "core".
func operationIDAndTags(r common.Route) (string, []string, error) {
	op := r.OperationName()
	verb, ok := operationVerbs.GetPrefix(op)
	if !ok {
		return op, nil, fmt.Errorf("operation %q does not start with a verb", op)
	}
	op = op[len(verb):]
	parts := strings.Split(strings.Trim(r.Path(), "/"), "/")
	if len(parts) >= 1 && parts[0] == "api" {
		parts = append([]string{"apis", "core"}, parts[1:]...)
	}
	prefix := verb
	var tags []string
	switch {
	case len(parts) >= 2 && parts[0] == "apis":
		group := strings.TrimSuffix(parts[1], ".k8s.io")
		prefix += validOperationID(group, true)
		tag := validOperationID(group, false)
		if len(parts) > 2 {
			prefix += validOperationID(parts[2], true)
			tag += "_" + validOperationID(parts[2], false)
		}
		tags = append(tags, tag)
	case len(parts) >= 1:
		tags = append(tags, validOperationID(parts[0], false))
	}
	return prefix + validOperationID(op, true), tags, nil
}

// validOperationID removes punctuation from s and camel-cases what follows it.
func validOperationID(s string, capitalizeFirst bool) string {
	var b strings.Builder
	capitalize := capitalizeFirst
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || (i != 0 && unicode.IsDigit(r))) {
			capitalize = true
			continue
		}
		if capitalize {
			r = unicode.ToUpper(r)
			capitalize = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
