package google_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sync"
)

// cluster is one Deployment the engine sees and may patch (sync.ClusterView and
// sync.ClusterWriter); a patch must carry the current resourceVersion, as with an API server.
type cluster struct {
	t       *testing.T
	deploy  *appsv1.Deployment
	patches []string
	changed chan struct{}
}

func newCluster(t *testing.T, replicas int32) *cluster {
	labels := map[string]string{"app": "web"}
	return &cluster{t: t, changed: make(chan struct{}, 1), deploy: &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "uid-web", ResourceVersion: "10",
			CreationTimestamp: metav1.NewTime(time.Now().Add(-time.Hour))},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}}}},
	}}
}

// scale is kubectl scale: a new resourceVersion with the new count.
func (c *cluster) scale(n int32) {
	d := c.deploy.DeepCopy()
	d.Spec.Replicas = &n
	rv, _ := strconv.Atoi(d.ResourceVersion)
	d.ResourceVersion = strconv.Itoa(rv + 1)
	c.deploy = d
}

func (c *cluster) replicas() int32 { return *c.deploy.Spec.Replicas }

func (c *cluster) Objects(kind kube.Resource) []runtime.Object {
	if kind == kube.Deployments {
		return []runtime.Object{c.deploy}
	}
	return nil
}

func (c *cluster) ByUID(kind kube.Resource, uid types.UID) (runtime.Object, bool) {
	if kind == kube.Deployments && uid == c.deploy.UID {
		return c.deploy, true
	}
	return nil, false
}

func (c *cluster) Changed() <-chan struct{} { return c.changed }

func (c *cluster) Get(ctx context.Context, kind kube.Resource, ns, name string) (runtime.Object, error) {
	if kind != kube.Deployments || ns != c.deploy.Namespace || name != c.deploy.Name {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "apps", Resource: "deployments"}, name)
	}
	return c.deploy.DeepCopy(), nil
}

func (c *cluster) Patch(ctx context.Context, kind kube.Resource, ns, name string, pt types.PatchType, data []byte) (runtime.Object, error) {
	c.patches = append(c.patches, string(data))
	if _, err := c.Get(ctx, kind, ns, name); err != nil {
		return nil, err
	}
	if pt != types.MergePatchType && pt != types.StrategicMergePatchType {
		return nil, fmt.Errorf("patch type %s not supported by the test cluster", pt)
	}
	var pre struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &pre); err != nil {
		return nil, err
	}
	if v := pre.Metadata.ResourceVersion; v != "" && v != c.deploy.ResourceVersion {
		return nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, name, fmt.Errorf("resourceVersion %s, not %s", c.deploy.ResourceVersion, v))
	}
	orig, err := json.Marshal(c.deploy)
	if err != nil {
		return nil, err
	}
	patched, err := strategicpatch.StrategicMergePatch(orig, data, appsv1.Deployment{})
	if err != nil {
		return nil, err
	}
	d := &appsv1.Deployment{}
	if err := json.Unmarshal(patched, d); err != nil {
		return nil, err
	}
	rv, _ := strconv.Atoi(c.deploy.ResourceVersion)
	d.ResourceVersion = strconv.Itoa(rv + 1)
	c.deploy = d
	return d.DeepCopy(), nil
}

func (c *cluster) Create(ctx context.Context, _ kube.Resource, obj runtime.Object) (runtime.Object, error) {
	return nil, fmt.Errorf("the test cluster creates nothing")
}

func (c *cluster) Delete(ctx context.Context, kind kube.Resource, ns, name string, uid types.UID) error {
	return fmt.Errorf("the test cluster deletes nothing")
}

// TestEngineKeepsAnEditTypedWhileAWriteFails is issue 10's story with the real sync engine
// on the Google backend: Replicas shows 4; the Sheets API answers 5xx to writes; kubectl
// scales the deployment to 6 and a person types 1 into the cell that still shows 4; writes
// recover. The person's 1 stays, Sync says conflict, and the cluster keeps 6.
func TestEngineKeepsAnEditTypedWhileAWriteFails(t *testing.T) {
	for _, code := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t)
			c := newCluster(t, 4)
			engine, err := sync.New(sync.Options{Sheet: s, View: c, Writer: c, Logger: discard})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := engine.Pass(ctx); err != nil {
				t.Fatalf("first pass: %v", err)
			}
			cell := func(column string) (string, string) {
				t.Helper()
				rows, err := e.fake.Values(e.id, "Deployments")
				if err != nil {
					t.Fatal(err)
				}
				col := slices.Index(rows[0], column)
				name := slices.Index(rows[0], "Name")
				if col < 0 || name < 0 {
					t.Fatalf("no column %s or Name in %q", column, rows[0])
				}
				for i, r := range rows[1:] {
					if len(r) > name && r[name] == "web" {
						v := ""
						if col < len(r) {
							v = r[col]
						}
						return v, fmt.Sprintf("'Deployments'!%c%d", 'A'+col, i+2)
					}
				}
				t.Fatalf("no row for web in %q", rows)
				return "", ""
			}
			replicas, a1 := cell("Replicas")
			if replicas != "4" {
				t.Fatalf("Replicas shows %q, want 4", replicas)
			}

			// Writes fail for a while; meanwhile the cluster moves and a person types.
			e.writeFaults(3, code)
			c.scale(6)
			e.personTypesOnFirstFault(t, a1, "1")
			if _, err := engine.Pass(ctx); err != nil {
				t.Fatalf("pass through the failures: %v", err)
			}
			if n := e.fake.Faults(); n != 0 {
				t.Fatalf("%d injected failures left: the writes did not recover within the pass", n)
			}
			if got, _ := cell("Replicas"); got != "1" {
				t.Errorf("Replicas = %q, want the person's 1", got)
			}
			if got, _ := cell("Sync"); !strings.HasPrefix(got, "conflict:") {
				t.Errorf("Sync = %q, want a conflict", got)
			}
			if got := c.replicas(); got != 6 {
				t.Errorf("cluster replicas %d, want 6 (patches %q)", got, c.patches)
			}

			// The next pass keeps it so.
			if _, err := engine.Pass(ctx); err != nil {
				t.Fatalf("next pass: %v", err)
			}
			if got, _ := cell("Replicas"); got != "1" {
				t.Errorf("Replicas on the next pass = %q, want 1", got)
			}
			if got, _ := cell("Sync"); !strings.HasPrefix(got, "conflict:") {
				t.Errorf("Sync on the next pass = %q, want a conflict", got)
			}
			if got := c.replicas(); got != 6 {
				t.Errorf("cluster replicas on the next pass %d, want 6 (patches %q)", got, c.patches)
			}
		})
	}
}
