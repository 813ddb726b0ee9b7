package mapping

import (
	"errors"
	"github.com/sheetops/sheetops/kube"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestNewDeployment(t *testing.T) {
	tests := []struct {
		name          string
		cells         map[string]string
		wantNamespace string
		wantName      string
		wantReplicas  int32
		wantImage     string
		wantContainer string
	}{
		{
			name:          "plain",
			cells:         map[string]string{Namespace: "shop", Name: "web", Replicas: "3", Image: "nginx:1.27"},
			wantNamespace: "shop", wantName: "web", wantReplicas: 3, wantImage: "nginx:1.27", wantContainer: "nginx",
		},
		{
			name: "trimmed, with the other cells ignored",
			cells: map[string]string{Namespace: " shop ", Name: " web.v2 ", Replicas: " 2.0 ", Image: " registry.example.com:5000/team/my_app:v1 ",
				Ready: "junk", Age: "1d", Action: "", Sync: "", UID: ""},
			wantNamespace: "shop", wantName: "web.v2", wantReplicas: 2, wantImage: "registry.example.com:5000/team/my_app:v1", wantContainer: "my-app",
		},
		{
			name:          "zero replicas, image by digest",
			cells:         map[string]string{Namespace: "data", Name: "pg", Replicas: "0", Image: "postgres@sha256:" + strings.Repeat("a", 64)},
			wantNamespace: "data", wantName: "pg", wantReplicas: 0, wantImage: "postgres@sha256:" + strings.Repeat("a", 64), wantContainer: "postgres",
		},
	}
	deploys := tab(t, DeploymentsTab)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := deploys.NewObject(tt.cells)
			if err != nil {
				t.Fatalf("NewObject: %v", err)
			}
			d, ok := obj.(*appsv1.Deployment)
			if !ok {
				t.Fatalf("NewObject returned %T, want *appsv1.Deployment", obj)
			}
			app := map[string]string{"app": tt.wantName}
			want := &appsv1.Deployment{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: metav1.ObjectMeta{Namespace: tt.wantNamespace, Name: tt.wantName, Labels: app},
				Spec: appsv1.DeploymentSpec{
					Replicas: ptr(tt.wantReplicas),
					Selector: &metav1.LabelSelector{MatchLabels: app},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: app},
						Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: tt.wantContainer, Image: tt.wantImage}}},
					},
				},
			}
			if !reflect.DeepEqual(d, want) {
				t.Errorf("NewObject =\n%+v\nwant\n%+v", d, want)
			}
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("selector %v does not select the pod template's labels %v (%v)", sel, d.Spec.Template.Labels, err)
			}
			// The rendered row shows what the person typed, canonically.
			row := cells(deploys, d, now)
			for _, h := range []string{Namespace, Name, Replicas, Image} {
				want, _ := canonical(deploys, h, tt.cells[h])
				if row[h] != want {
					t.Errorf("rendered %s = %q, want %q", h, row[h], want)
				}
			}
			// Each call builds new maps: changing one label set leaves the others.
			d.Labels["extra"] = "x"
			if len(d.Spec.Selector.MatchLabels) != 1 || len(d.Spec.Template.Labels) != 1 {
				t.Error("the Deployment's labels, selector and template labels share a map")
			}
		})
	}
}

// canonical parses a create cell the way NewObject does.
func canonical(tb Tab, header, cell string) (string, error) {
	switch header {
	case Namespace:
		return ParseNamespace(cell)
	case Name:
		return ParseName(cell)
	}
	return tb.Column(header).Parse(cell)
}

func TestNewPod(t *testing.T) {
	pods := tab(t, PodsTab)
	obj, err := pods.NewObject(map[string]string{Namespace: "tools", Name: "debug", Image: "ghcr.io/acme/Toolbox/../x", Replicas: "ignored"})
	if err == nil {
		t.Fatalf("NewObject with a bad image = %v, want an error", obj)
	}
	for _, tt := range []struct {
		image, container string
	}{
		{"busybox:1.36", "busybox"},
		{"ghcr.io/acme/net_tools.v2:latest", "net-tools-v2"},
		{"localhost:5000/x@sha256:" + strings.Repeat("f", 64), "x"},
		{"MyRegistry/" + strings.Repeat("a", 70), strings.Repeat("a", 63)},
	} {
		t.Run(tt.image, func(t *testing.T) {
			obj, err := pods.NewObject(map[string]string{Namespace: "tools", Name: "debug", Image: tt.image})
			if err != nil {
				t.Fatalf("NewObject: %v", err)
			}
			want := &corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Namespace: "tools", Name: "debug"},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: tt.container, Image: tt.image}}},
			}
			if !reflect.DeepEqual(obj, want) {
				t.Errorf("NewObject =\n%+v\nwant\n%+v", obj, want)
			}
		})
	}
}

func TestContainerName(t *testing.T) {
	for _, tt := range []struct{ image, want string }{
		{"nginx", "nginx"},
		{"nginx:1.27", "nginx"},
		{"registry.example.com:5000/team/my_app:v1", "my-app"},
		{"x/y@sha256:" + strings.Repeat("0", 64), "y"},
		{"MyRegistry/App.Server", "app-server"},
		{"___", "app"},
		{"", "app"},
		{"a/-b-", "b"},
		{strings.Repeat("ab", 40), strings.Repeat("ab", 31) + "a"},
		{strings.Repeat("a", 62) + "_b", strings.Repeat("a", 62)},
	} {
		t.Run(tt.image, func(t *testing.T) {
			if got := containerName(tt.image); got != tt.want {
				t.Errorf("containerName(%q) = %q, want %q", tt.image, got, tt.want)
			}
		})
	}
}

func TestNewObjectInvalid(t *testing.T) {
	validDeployment := map[string]string{Namespace: "shop", Name: "web", Replicas: "3", Image: "nginx:1.27"}
	validPod := map[string]string{Namespace: "shop", Name: "web", Image: "nginx:1.27"}
	with := func(base map[string]string, header, cell string, drop bool) map[string]string {
		m := make(map[string]string, len(base))
		for k, v := range base {
			m[k] = v
		}
		if drop {
			delete(m, header)
		} else {
			m[header] = cell
		}
		return m
	}
	tests := []struct {
		name   string
		tab    string
		cells  map[string]string
		column string
		reason string
	}{
		{"deployment without namespace", DeploymentsTab, with(validDeployment, Namespace, "", true), Namespace, "must not be empty"},
		{"deployment with a bad namespace", DeploymentsTab, with(validDeployment, Namespace, "a.b", false), Namespace, "must not contain dots"},
		{"deployment without name", DeploymentsTab, with(validDeployment, Name, "  ", false), Name, "must not be empty"},
		{"deployment with a name too long for its label", DeploymentsTab, with(validDeployment, Name, strings.Repeat("a", 64), false), Name, "must be no more than 63 bytes"},
		{"deployment without replicas", DeploymentsTab, with(validDeployment, Replicas, "", true), Replicas, "must not be empty"},
		{"deployment with fractional replicas", DeploymentsTab, with(validDeployment, Replicas, "3.5", false), Replicas, "not a whole number"},
		{"deployment with negative replicas", DeploymentsTab, with(validDeployment, Replicas, "-1", false), Replicas, "must be 0 to 10000"},
		{"deployment without image", DeploymentsTab, with(validDeployment, Image, "", false), Image, "image must not be empty"},
		{"deployment with spaces in the image", DeploymentsTab, with(validDeployment, Image, "nginx 1.27", false), Image, "image must not contain spaces"},
		{"deployment with everything missing reports the leftmost", DeploymentsTab, map[string]string{}, Namespace, "must not be empty"},
		{"deployment with bad replicas and image reports replicas", DeploymentsTab, with(with(validDeployment, Replicas, "abc", false), Image, "x y", false), Replicas, "not a whole number"},
		{"pod without namespace", PodsTab, with(validPod, Namespace, "", true), Namespace, "must not be empty"},
		{"pod with a bad name", PodsTab, with(validPod, Name, "Web", false), Name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
		{"pod without image", PodsTab, with(validPod, Image, "", true), Image, "image must not be empty"},
		{"pod with a bad image", PodsTab, with(validPod, Image, "Nginx", false), Image, "image repository must be lowercase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := tab(t, tt.tab).NewObject(tt.cells)
			if err == nil {
				t.Fatalf("NewObject = %v, want an error", obj)
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("NewObject error %v is not an *InvalidError", err)
			}
			if ie.Column != tt.column || ie.Reason != tt.reason {
				t.Errorf("NewObject error = %q, %q; want %q, %q", ie.Column, ie.Reason, tt.column, tt.reason)
			}
			if want := tt.column + ": " + tt.reason; err.Error() != want {
				t.Errorf("NewObject error text = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestNewObjectUnknownKind(t *testing.T) {
	_, err := Tab{Name: "Jobs", Resource: kube.Resource{Kind: "Job"}}.NewObject(map[string]string{Namespace: "a", Name: "b", Image: "c"})
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "create: template") {
		t.Errorf("NewObject on a tab that cannot create = %v, want invalid input that says how to allow it", err)
	}
}
