package mapping

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// liveDeployment is a Deployment as the API server holds it: two containers, resourceVersion
// "4711".
func liveDeployment() *appsv1.Deployment {
	d := newDeployment("shop", "api", ptr[int32](3), 2, 1, 2,
		"registry.example.com:5000/shop/api:v2.3.1", "envoyproxy/envoy:v1.31.0")
	d.ResourceVersion = "4711"
	d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "prod"}}
	d.Spec.Template.Spec.Containers[1].Args = []string{"--config", "/etc/envoy.yaml"}
	return d
}

// applyPatch applies a patch to obj the way the API server does for its type and returns the
// result.
func applyPatch(t *testing.T, obj *appsv1.Deployment, pt types.PatchType, body []byte) *appsv1.Deployment {
	t.Helper()
	original, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var patched []byte
	switch pt {
	case types.MergePatchType:
		patched, err = jsonpatch.MergePatch(original, body)
	case types.StrategicMergePatchType:
		patched, err = strategicpatch.StrategicMergePatch(original, body, appsv1.Deployment{})
	default:
		t.Fatalf("unexpected patch type %q", pt)
	}
	if err != nil {
		t.Fatalf("apply %s patch %s: %v", pt, body, err)
	}
	var out appsv1.Deployment
	if err := json.Unmarshal(patched, &out); err != nil {
		t.Fatalf("decode patched object: %v", err)
	}
	return &out
}

func TestPatch(t *testing.T) {
	deploys := tab(t, DeploymentsTab)
	tests := []struct {
		name   string
		column string
		value  string
		typ    types.PatchType
		body   string
		want   func(d *appsv1.Deployment) // the change the patch must make, and nothing else
	}{
		{
			name: "scale up", column: Replicas, value: "5",
			typ:  types.MergePatchType,
			body: `{"metadata":{"resourceVersion":"4711"},"spec":{"replicas":5}}`,
			want: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr[int32](5) },
		},
		{
			name: "scale to zero", column: Replicas, value: "0",
			typ:  types.MergePatchType,
			body: `{"metadata":{"resourceVersion":"4711"},"spec":{"replicas":0}}`,
			want: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr[int32](0) },
		},
		{
			name: "new image of the first container", column: Image, value: "registry.example.com:5000/shop/api:v2.4.0",
			typ:  types.StrategicMergePatchType,
			body: `{"metadata":{"resourceVersion":"4711"},"spec":{"template":{"spec":{"containers":[{"name":"api","image":"registry.example.com:5000/shop/api:v2.4.0"}]}}}}`,
			want: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers[0].Image = "registry.example.com:5000/shop/api:v2.4.0"
			},
		},
		{
			name: "image by digest", column: Image, value: "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			typ:  types.StrategicMergePatchType,
			body: `{"metadata":{"resourceVersion":"4711"},"spec":{"template":{"spec":{"containers":[{"name":"api","image":"app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]}}}}`,
			want: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers[0].Image = "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := liveDeployment()
			before := live.DeepCopy()
			typ, body, err := deploys.Column(tt.column).Patch(live, tt.value)
			if err != nil {
				t.Fatalf("Patch: %v", err)
			}
			if !reflect.DeepEqual(live, before) {
				t.Error("Patch modified the object it was given")
			}
			if typ != tt.typ {
				t.Errorf("patch type = %q, want %q", typ, tt.typ)
			}
			if !json.Valid(body) {
				t.Fatalf("patch body %s is not JSON", body)
			}
			if string(body) != tt.body {
				t.Errorf("patch body =\n%s\nwant\n%s", body, tt.body)
			}
			var decoded struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(body, &decoded); err != nil || decoded.Metadata.ResourceVersion != "4711" {
				t.Errorf("patch precondition resourceVersion = %q (%v), want %q", decoded.Metadata.ResourceVersion, err, "4711")
			}

			got := applyPatch(t, live, typ, body)
			want := liveDeployment()
			tt.want(want)
			if !apiequality.Semantic.DeepEqual(got, want) {
				t.Errorf("patched object differs from the object with only the change (-got +want):\n%s", diff.Diff(got, want))
			}
			// The patched object renders the value that was asked for.
			if cell := deploys.Column(tt.column).Value(got, now); cell != tt.value {
				t.Errorf("patched object renders %s = %q, want %q", tt.column, cell, tt.value)
			}
		})
	}
}

// TestPatchCanonicalValue: a Patch takes what Parse returned, and also what a person typed.
func TestPatchCanonicalValue(t *testing.T) {
	deploys := tab(t, DeploymentsTab)
	_, body, err := deploys.Column(Replicas).Patch(liveDeployment(), " 7.0 ")
	if err != nil || string(body) != `{"metadata":{"resourceVersion":"4711"},"spec":{"replicas":7}}` {
		t.Errorf("Patch(\" 7.0 \") = %s, %v", body, err)
	}
}

func TestPatchErrors(t *testing.T) {
	deploys := tab(t, DeploymentsTab)
	noRV := liveDeployment()
	noRV.ResourceVersion = ""
	noContainers := liveDeployment()
	noContainers.Spec.Template.Spec.Containers = nil
	tests := []struct {
		name    string
		column  string
		obj     runtime.Object
		value   string
		invalid string // the *InvalidError's text, or "" when the error is not ErrInvalid
		is      error
	}{
		{"replicas not a number", Replicas, liveDeployment(), "abc", "Replicas: not a whole number", nil},
		{"replicas out of range", Replicas, liveDeployment(), "10001", "Replicas: must be 0 to 10000", nil},
		{"image with spaces", Image, liveDeployment(), "nginx 1", "Image: image must not contain spaces", nil},
		{"replicas without a resourceVersion", Replicas, noRV, "3", "", ErrNoResourceVersion},
		{"image without a resourceVersion", Image, noRV, "nginx", "", ErrNoResourceVersion},
		{"image without containers", Image, noContainers, "nginx", "", nil},
		{"replicas of a pod", Replicas, newPod("a", "b", 0, "c"), "3", "", nil},
		{"image of nothing", Image, nil, "nginx", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body, err := deploys.Column(tt.column).Patch(tt.obj, tt.value)
			if err == nil {
				t.Fatalf("Patch = %s, want an error", body)
			}
			if got := errors.Is(err, ErrInvalid); got != (tt.invalid != "") {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v", err, got)
			}
			if tt.invalid != "" && err.Error() != tt.invalid {
				t.Errorf("error = %q, want %q", err.Error(), tt.invalid)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
		})
	}
}

// TestPatchPreconditionStale shows what the precondition is for: applied to an object that
// moved on, the patch carries the older resourceVersion, which the API server refuses with 409.
func TestPatchPreconditionStale(t *testing.T) {
	seen := liveDeployment()
	_, body, err := tab(t, DeploymentsTab).Column(Replicas).Patch(seen, "9")
	if err != nil {
		t.Fatal(err)
	}
	moved := liveDeployment()
	moved.ResourceVersion = "4712"
	if got := applyPatch(t, moved, types.MergePatchType, body); got.ResourceVersion != seen.ResourceVersion {
		t.Errorf("patched resourceVersion = %q, want the precondition %q", got.ResourceVersion, seen.ResourceVersion)
	}
}
