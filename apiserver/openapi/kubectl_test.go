package openapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// discoveryServer answers legacy discovery for resources, and records the
// writes it receives, echoing the body back as the created object. Together
// with the documents it is enough for kubectl create, apply and explain.
type discoveryServer struct {
	resources []Resource

	mu       sync.Mutex
	writes   []*http.Request
	existing map[string][]byte // objects by path, answered to GET and PATCH
}

func (s *discoveryServer) register(mux *http.ServeMux) {
	groups := map[string][]string{}
	var groupOrder []string
	lists := map[string]*metav1.APIResourceList{}
	for _, r := range s.resources {
		gv := schema.GroupVersion{Group: r.Group, Version: r.Version}
		p := "/" + apiPath(gv)
		if lists[p] == nil {
			lists[p] = &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
			if r.Group != "" {
				if _, ok := groups[r.Group]; !ok {
					groupOrder = append(groupOrder, r.Group)
				}
				groups[r.Group] = append(groups[r.Group], r.Version)
			}
		}
		lists[p].APIResources = append(lists[p].APIResources, metav1.APIResource{
			Name: r.Resource, SingularName: strings.ToLower(r.Kind), Namespaced: r.Namespaced, Kind: r.Kind, Verbs: r.Verbs,
		})
		for _, sub := range r.Subresources {
			lists[p].APIResources = append(lists[p].APIResources, metav1.APIResource{
				Name: r.Resource + "/" + sub.Name, Namespaced: r.Namespaced, Group: sub.Group, Version: sub.Version, Kind: sub.Kind, Verbs: sub.Verbs,
			})
		}
	}
	groupList := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, g := range groupOrder {
		group := metav1.APIGroup{Name: g}
		for _, v := range groups[g] {
			group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v})
		}
		group.PreferredVersion = group.Versions[0]
		groupList.Groups = append(groupList.Groups, group)
	}

	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, &metav1.APIVersions{
			TypeMeta:                   metav1.TypeMeta{Kind: "APIVersions"},
			Versions:                   []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}},
		})
	})
	mux.HandleFunc("GET /apis", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, groupList) })
	for p, list := range lists {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, list) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		obj, exists := s.existing[r.URL.Path]
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost:
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			s.writes = append(s.writes, r)
			w.WriteHeader(http.StatusCreated)
			w.Write(body)
		case !exists:
			writeJSON(w, http.StatusNotFound, &apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path).ErrStatus)
		case r.Method == http.MethodPatch:
			s.writes = append(s.writes, r)
			w.Write(obj)
		default:
			w.Write(obj)
		}
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// deploymentWithUnknownField fails kubectl's client-side validation; kubectl
// sends it only when it leaves validation to the server.
const deploymentWithUnknownField = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        notAField: true
`

// existingDeployment is what the server holds for "apply to an existing
// object": kubectl then computes a strategic merge patch from the v3 schema.
func existingDeployment(t *testing.T) string {
	t.Helper()
	lastApplied := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"replicas":2}}`
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", ResourceVersion: "5",
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": lastApplied},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1"}}},
			},
		},
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKubectl runs the real kubectl against the documents and a fake
// discovery: explain finds schemas by group-version-kind, and create and
// apply leave validation to the server with fieldValidation=Strict instead
// of rejecting the unknown field themselves.
func TestKubectl(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kubectl")
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("kubectl is required under CI: %v", err)
		}
		t.Skip("kubectl not installed")
	}
	resources := testResources()
	fake := &discoveryServer{resources: resources}
	mux := http.NewServeMux()
	New(testScheme(t), resources).Register(mux)
	fake.register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	manifest := filepath.Join(dir, "deploy.yaml")
	if err := os.WriteFile(manifest, []byte(deploymentWithUnknownField), 0o600); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		args       []string
		wantOutput []string
		existing   string // the object at the manifest's path, if any
		wantWrite  string // method of the write kubectl must send with fieldValidation=Strict
		wantType   string // its Content-Type, if it matters
	}{
		{
			name:       "explain deployment.spec.replicas",
			args:       []string{"explain", "deployment.spec.replicas"},
			wantOutput: []string{"GROUP:      apps", "KIND:       Deployment", "FIELD: replicas <integer>"},
		},
		{
			name:       "explain from the v2 document",
			args:       []string{"explain", "--output=plaintext-openapiv2", "deployment.spec.replicas"},
			wantOutput: []string{"KIND:     Deployment", "VERSION:  apps/v1", "FIELD:    replicas <integer>"},
		},
		{
			name:       "explain pods.spec.containers",
			args:       []string{"explain", "pods.spec.containers"},
			wantOutput: []string{"KIND:       Pod", "FIELD: containers <[]Container>", "image\t<string>"},
		},
		{
			name:       "explain leases",
			args:       []string{"explain", "leases.spec"},
			wantOutput: []string{"GROUP:      coordination.k8s.io", "holderIdentity\t<string>"},
		},
		{
			name:       "create",
			args:       []string{"create", "-f", manifest},
			wantOutput: []string{"deployment.apps/web created"},
			wantWrite:  http.MethodPost,
		},
		{
			name:       "apply",
			args:       []string{"apply", "-f", manifest},
			wantOutput: []string{"deployment.apps/web created"},
			wantWrite:  http.MethodPost,
		},
		{
			name:       "apply to an existing object",
			args:       []string{"apply", "-f", manifest},
			existing:   existingDeployment(t),
			wantOutput: []string{"deployment.apps/web configured"},
			wantWrite:  http.MethodPatch,
			wantType:   "application/strategic-merge-patch+json",
		},
		{
			name:       "server-side apply",
			args:       []string{"apply", "--server-side", "-f", manifest},
			existing:   existingDeployment(t),
			wantOutput: []string{"deployment.apps/web serverside-applied"},
			wantWrite:  http.MethodPatch,
			wantType:   "application/apply-patch+yaml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.mu.Lock()
			fake.writes = nil
			fake.existing = map[string][]byte{}
			if tt.existing != "" {
				fake.existing["/apis/apps/v1/namespaces/default/deployments/web"] = []byte(tt.existing)
			}
			fake.mu.Unlock()

			args := append([]string{"--server", srv.URL, "--cache-dir", t.TempDir()}, tt.args...)
			cmd := exec.Command(kubectl, args...)
			cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+dir)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("kubectl %s: %v\n%s", strings.Join(tt.args, " "), err, out.String())
			}
			for _, want := range tt.wantOutput {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if tt.wantWrite == "" {
				return
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if !slices.ContainsFunc(fake.writes, func(r *http.Request) bool {
				return r.Method == tt.wantWrite && r.URL.Query().Get("fieldValidation") == "Strict" &&
					(tt.wantType == "" || r.Header.Get("Content-Type") == tt.wantType)
			}) {
				var got []string
				for _, r := range fake.writes {
					got = append(got, r.Method+" "+r.URL.String()+" "+r.Header.Get("Content-Type"))
				}
				t.Errorf("no %s %s with fieldValidation=Strict; writes: %v", tt.wantWrite, tt.wantType, got)
			}
		})
	}
}
