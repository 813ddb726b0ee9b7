package mapping

import (
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// ErrNoResourceVersion is returned by a Patch for an object without a resourceVersion: a patch
// is never sent without its precondition.
var ErrNoResourceVersion = errors.New("object has no resourceVersion to use as a precondition")

// preconditionMeta is the metadata of a patch: the resourceVersion the API server must still
// hold, or it answers 409 Conflict.
type preconditionMeta struct {
	ResourceVersion string `json:"resourceVersion"`
}

// patchReplicas sets a Deployment's spec.replicas with a JSON merge patch:
// {"metadata":{"resourceVersion":"RV"},"spec":{"replicas":N}}.
func patchReplicas(obj runtime.Object, value string) (types.PatchType, []byte, error) {
	d, err := patchable(obj)
	if err != nil {
		return "", nil, fmt.Errorf("patch %s: %w", Replicas, err)
	}
	n, err := ParseReplicas(value)
	if err != nil {
		return "", nil, inColumn(Replicas, err)
	}
	var p struct {
		Metadata preconditionMeta `json:"metadata"`
		Spec     struct {
			Replicas int32 `json:"replicas"`
		} `json:"spec"`
	}
	p.Metadata.ResourceVersion = d.ResourceVersion
	p.Spec.Replicas = n
	body, err := json.Marshal(p)
	if err != nil {
		return "", nil, fmt.Errorf("patch %s: %w", Replicas, err)
	}
	return types.MergePatchType, body, nil
}

// patchImage sets the image of a Deployment's first container with a strategic merge patch,
// which matches containers by name and so leaves the others as they are:
// {"metadata":{"resourceVersion":"RV"},"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}.
func patchImage(obj runtime.Object, value string) (types.PatchType, []byte, error) {
	d, err := patchable(obj)
	if err != nil {
		return "", nil, fmt.Errorf("patch %s: %w", Image, err)
	}
	image, err := ParseImage(value)
	if err != nil {
		return "", nil, inColumn(Image, err)
	}
	cs := d.Spec.Template.Spec.Containers
	if len(cs) == 0 || cs[0].Name == "" {
		return "", nil, fmt.Errorf("patch %s: deployment %s/%s has no named container", Image, d.Namespace, d.Name)
	}
	type container struct {
		Name  string `json:"name"`
		Image string `json:"image"`
	}
	var p struct {
		Metadata preconditionMeta `json:"metadata"`
		Spec     struct {
			Template struct {
				Spec struct {
					Containers []container `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	p.Metadata.ResourceVersion = d.ResourceVersion
	p.Spec.Template.Spec.Containers = []container{{Name: cs[0].Name, Image: image}}
	body, err := json.Marshal(p)
	if err != nil {
		return "", nil, fmt.Errorf("patch %s: %w", Image, err)
	}
	return types.StrategicMergePatchType, body, nil
}

// patchable returns obj as a Deployment that carries a resourceVersion.
func patchable(obj runtime.Object) (*appsv1.Deployment, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok || d == nil {
		return nil, fmt.Errorf("want a *v1.Deployment, got %T", obj)
	}
	if d.ResourceVersion == "" {
		return nil, fmt.Errorf("deployment %s/%s: %w", d.Namespace, d.Name, ErrNoResourceVersion)
	}
	return d, nil
}
