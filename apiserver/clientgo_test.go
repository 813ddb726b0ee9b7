package apiserver_test

// Tests that drive the engine with unmodified client-go: typed clients (protobuf bodies),
// raw REST requests, watches, shared informers across an engine restart, cascading deletion
// and authentication. Every expectation is upstream kube-apiserver behaviour.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/apiserver"
)

// cgWait bounds every poll in these tests.
const cgWait = 30 * time.Second

// cgScheduler is a scheduler nobody runs: the tests' pods stay unbound and Pending, so no
// simulated scheduler or kubelet touches them (watches see only the tests' own changes) and
// a DELETE removes them at once, as upstream does for a pod no node runs.
const cgScheduler = "cg-manual"

const (
	mediaTypeProtobuf = "application/vnd.kubernetes.protobuf"
	conflictMessage   = "the object has been modified; please apply your changes to the latest version and try again"
)

func cgContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func cgNamespace(t *testing.T, ctx context.Context, cs kubernetes.Interface, name string) string {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

func cgPod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			SchedulerName: cgScheduler,
			Containers:    []corev1.Container{{Name: "app", Image: "nginx:1.27"}},
		},
	}
}

// cgDeployment has two containers, so that strategic and merge patches of the container list differ.
func cgDeployment(ns, name string, replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "app", Image: "nginx:1.27"},
					{Name: "sidecar", Image: "busybox:1.36"},
				}},
			},
		},
	}
}

func cgCreatePod(t *testing.T, ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}

func cgCreateDeployment(t *testing.T, ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) *appsv1.Deployment {
	t.Helper()
	out, err := cs.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s/%s: %v", d.Namespace, d.Name, err)
	}
	return out
}

// cgPoll polls cond until it holds, failing the test with what after returns when cgWait passes.
func cgPoll(t *testing.T, ctx context.Context, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, cgWait, true, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// cgGone polls until get reports NotFound.
func cgGone(t *testing.T, ctx context.Context, what string, get func(ctx context.Context) error) {
	t.Helper()
	cgPoll(t, ctx, what+" to disappear", func(ctx context.Context) (bool, error) {
		err := get(ctx)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

func cgRV(t *testing.T, rv string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q is not an unsigned integer: %v", rv, err)
	}
	return n
}

func statusOf(err error) metav1.Status {
	var s apierrors.APIStatus
	if errors.As(err, &s) {
		return s.Status()
	}
	return metav1.Status{}
}

// cgCall is one HTTP exchange a client made.
type cgCall struct {
	method, path, requestType, responseType string
	code                                    int
}

// cgWire records the content types client-go puts on the wire.
type cgWire struct {
	mu    sync.Mutex
	calls []cgCall
}

type cgRoundTripper func(*http.Request) (*http.Response, error)

func (f cgRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (w *cgWire) wrap(rt http.RoundTripper) http.RoundTripper {
	return cgRoundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		c := cgCall{method: req.Method, path: req.URL.Path, requestType: req.Header.Get("Content-Type")}
		if resp != nil {
			c.responseType, c.code = resp.Header.Get("Content-Type"), resp.StatusCode
		}
		w.mu.Lock()
		w.calls = append(w.calls, c)
		w.mu.Unlock()
		return resp, err
	})
}

func (w *cgWire) find(method, path string) (cgCall, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.calls {
		if c.method == method && c.path == path {
			return c, true
		}
	}
	return cgCall{}, false
}

// TestClientGoTypedCRUD drives pods and deployments through the typed clientset, which
// sends protobuf bodies and asks for protobuf answers.
func TestClientGoTypedCRUD(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	wire := &cgWire{}
	cfg := restConfig(t, srv)
	cfg.Wrap(wire.wrap)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := cgNamespace(t, ctx, cs, "crud")
	pods, deps := cs.CoreV1().Pods(ns), cs.AppsV1().Deployments(ns)

	t.Run("protobuf create and get of a pod", func(t *testing.T) {
		before := time.Now().Add(-2 * time.Second)
		created := cgCreatePod(t, ctx, cs, cgPod(ns, "web", map[string]string{"app": "web"}))
		call, ok := wire.find(http.MethodPost, "/api/v1/namespaces/"+ns+"/pods")
		if !ok {
			t.Fatal("no POST of the pod was recorded")
		}
		if !strings.HasPrefix(call.requestType, mediaTypeProtobuf) || !strings.HasPrefix(call.responseType, mediaTypeProtobuf) || call.code != http.StatusCreated {
			t.Errorf("create exchanged %q -> %d %q, want a protobuf body answered 201 in protobuf", call.requestType, call.code, call.responseType)
		}
		if created.UID == "" {
			t.Error("server did not set uid")
		}
		if created.CreationTimestamp.Time.Before(before) || created.CreationTimestamp.Time.After(time.Now().Add(2*time.Second)) {
			t.Errorf("creationTimestamp = %v, want about now", created.CreationTimestamp)
		}
		if created.Generation != 1 {
			t.Errorf("generation = %d, want 1", created.Generation)
		}
		if created.ResourceVersion == "" {
			t.Error("resourceVersion not set")
		}
		got, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.UID != created.UID || got.ResourceVersion != created.ResourceVersion || got.Spec.Containers[0].Image != "nginx:1.27" {
			t.Errorf("get = uid %s rv %s image %s, want what create returned (uid %s rv %s)", got.UID, got.ResourceVersion, got.Spec.Containers[0].Image, created.UID, created.ResourceVersion)
		}
	})

	t.Run("server ignores client-set uid and creationTimestamp", func(t *testing.T) {
		p := cgPod(ns, "claims", nil)
		p.UID = "11111111-2222-3333-4444-555555555555"
		p.CreationTimestamp = metav1.NewTime(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
		got := cgCreatePod(t, ctx, cs, p)
		if got.UID == p.UID || got.CreationTimestamp.Year() == 2001 {
			t.Errorf("uid %s, creationTimestamp %v: the client's values were kept", got.UID, got.CreationTimestamp)
		}
	})

	t.Run("generateName", func(t *testing.T) {
		p := cgPod(ns, "", nil)
		p.GenerateName = "gen-"
		got := cgCreatePod(t, ctx, cs, p)
		if !strings.HasPrefix(got.Name, "gen-") || len(got.Name) <= len("gen-") {
			t.Errorf("name = %q, want gen- and a random suffix", got.Name)
		}
		if got.GenerateName != "gen-" {
			t.Errorf("generateName = %q, want kept", got.GenerateName)
		}
	})

	t.Run("pod generation moves on spec changes only", func(t *testing.T) {
		p := cgCreatePod(t, ctx, cs, cgPod(ns, "gen-pod", map[string]string{"app": "x"}))
		p.Labels["extra"] = "yes"
		p, err := pods.Update(ctx, p, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Generation != 1 {
			t.Errorf("after a label change generation = %d, want 1", p.Generation)
		}
		p.Spec.Containers[0].Image = "nginx:1.28"
		p, err = pods.Update(ctx, p, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Generation != 2 {
			t.Errorf("after an image change generation = %d, want 2", p.Generation)
		}
	})

	t.Run("deployment generation moves on spec changes only", func(t *testing.T) {
		d := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "gen-deploy", 1))
		if d.Generation != 1 {
			t.Fatalf("created generation = %d, want 1", d.Generation)
		}
		steps := []struct {
			name   string
			change func(*appsv1.Deployment)
			want   int64
		}{
			{"label", func(d *appsv1.Deployment) { d.Labels["team"] = "a" }, 1},
			{"replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](3) }, 2},
			{"image", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.29" }, 3},
			{"status-only field", func(d *appsv1.Deployment) { d.Status.Replicas = 5 }, 3},
			// upstream's deployment strategy also bumps on annotations: they are copied to replica sets
			{"annotation", func(d *appsv1.Deployment) { d.Annotations = map[string]string{"note": "x"} }, 4},
		}
		for _, s := range steps {
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				cur, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				s.change(cur)
				d, err = deps.Update(ctx, cur, metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if d.Generation != s.want {
				t.Errorf("after a %s change generation = %d, want %d", s.name, d.Generation, s.want)
			}
		}
	})

	t.Run("patch", func(t *testing.T) {
		tests := []struct {
			name         string
			patchType    types.PatchType
			body         string
			wantReplicas int32
			wantLabel    string
			wantImages   []string
		}{
			{
				name: "strategic merges containers by name", patchType: types.StrategicMergePatchType,
				body:         `{"metadata":{"labels":{"patched":"strategic"}},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}`,
				wantReplicas: 2, wantLabel: "strategic", wantImages: []string{"nginx:1.28", "busybox:1.36"},
			},
			{
				name: "merge replaces the container list", patchType: types.MergePatchType,
				body:         `{"metadata":{"labels":{"patched":"merge"}},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.29"}]}}}}`,
				wantReplicas: 3, wantLabel: "merge", wantImages: []string{"nginx:1.29"},
			},
			{
				name: "json patch", patchType: types.JSONPatchType,
				body:         `[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels/patched","value":"json"},{"op":"remove","path":"/spec/template/spec/containers/1"}]`,
				wantReplicas: 4, wantLabel: "json", wantImages: []string{"nginx:1.27"},
			},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				name := fmt.Sprintf("patch-%d", i)
				cgCreateDeployment(t, ctx, cs, cgDeployment(ns, name, 1))
				got, err := deps.Patch(ctx, name, tt.patchType, []byte(tt.body), metav1.PatchOptions{})
				if err != nil {
					t.Fatalf("patch: %v", err)
				}
				var images []string
				for _, c := range got.Spec.Template.Spec.Containers {
					images = append(images, c.Image)
				}
				if *got.Spec.Replicas != tt.wantReplicas || got.Labels["patched"] != tt.wantLabel || !slices.Equal(images, tt.wantImages) {
					t.Errorf("patched replicas %d, label %q, images %v; want %d, %q, %v", *got.Spec.Replicas, got.Labels["patched"], images, tt.wantReplicas, tt.wantLabel, tt.wantImages)
				}
				if got.Generation != 2 {
					t.Errorf("generation = %d, want 2 after a spec patch", got.Generation)
				}
				again, err := deps.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if again.ResourceVersion != got.ResourceVersion || *again.Spec.Replicas != tt.wantReplicas {
					t.Errorf("get after patch: rv %s replicas %d, want rv %s replicas %d", again.ResourceVersion, *again.Spec.Replicas, got.ResourceVersion, tt.wantReplicas)
				}
			})
		}
	})

	t.Run("patch errors", func(t *testing.T) {
		d := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "patch-errors", 1))
		tests := []struct {
			name      string
			patchType types.PatchType
			body      string
			check     func(error) bool
			code      int32
		}{
			{"failed json patch test", types.JSONPatchType, `[{"op":"test","path":"/spec/replicas","value":7}]`, apierrors.IsInvalid, http.StatusUnprocessableEntity},
			{"stale resourceVersion in a merge patch", types.MergePatchType, `{"metadata":{"resourceVersion":"1"},"spec":{"replicas":5}}`, apierrors.IsConflict, http.StatusConflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := deps.Patch(ctx, d.Name, tt.patchType, []byte(tt.body), metav1.PatchOptions{})
				if !tt.check(err) || statusOf(err).Code != tt.code {
					t.Fatalf("err = %v (code %d), want code %d", err, statusOf(err).Code, tt.code)
				}
				got, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if got.ResourceVersion != d.ResourceVersion {
					t.Errorf("a refused patch changed the object: rv %s -> %s", d.ResourceVersion, got.ResourceVersion)
				}
			})
		}
	})

	t.Run("pod label patch keeps generation", func(t *testing.T) {
		cgCreatePod(t, ctx, cs, cgPod(ns, "patch-pod", nil))
		got, err := pods.Patch(ctx, "patch-pod", types.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"tier":"web"}}}`), metav1.PatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Labels["tier"] != "web" || got.Generation != 1 {
			t.Errorf("labels %v generation %d, want tier=web and generation 1", got.Labels, got.Generation)
		}
	})

	t.Run("server-side apply", func(t *testing.T) {
		config := func(replicas int32) *appsv1ac.DeploymentApplyConfiguration {
			labels := map[string]string{"app": "applied"}
			return appsv1ac.Deployment("applied", ns).
				WithLabels(labels).
				WithSpec(appsv1ac.DeploymentSpec().
					WithReplicas(replicas).
					WithSelector(metav1ac.LabelSelector().WithMatchLabels(labels)).
					WithTemplate(corev1ac.PodTemplateSpec().
						WithLabels(labels).
						WithSpec(corev1ac.PodSpec().WithContainers(corev1ac.Container().WithName("app").WithImage("nginx:1.27")))))
		}
		created, err := deps.Apply(ctx, config(2), metav1.ApplyOptions{FieldManager: "test"})
		if err != nil {
			t.Fatalf("apply (create): %v", err)
		}
		if created.UID == "" || *created.Spec.Replicas != 2 || created.Generation != 1 {
			t.Errorf("apply created uid %q replicas %d generation %d, want a new object with 2 replicas and generation 1", created.UID, *created.Spec.Replicas, created.Generation)
		}
		if !hasManager(created.ManagedFields, "test", metav1.ManagedFieldsOperationApply) {
			t.Errorf("managedFields %v, want an Apply entry for manager test", managers(created.ManagedFields))
		}
		updated, err := deps.Apply(ctx, config(3), metav1.ApplyOptions{FieldManager: "test"})
		if err != nil {
			t.Fatalf("apply (update): %v", err)
		}
		if updated.UID != created.UID || *updated.Spec.Replicas != 3 || updated.Generation != 2 {
			t.Errorf("re-apply: uid %s replicas %d generation %d, want same uid, 3, 2", updated.UID, *updated.Spec.Replicas, updated.Generation)
		}
		_, err = deps.Apply(ctx, config(5), metav1.ApplyOptions{FieldManager: "other"})
		if !apierrors.IsConflict(err) {
			t.Fatalf("apply of a field another manager owns: err = %v, want a conflict", err)
		}
		forced, err := deps.Apply(ctx, config(5), metav1.ApplyOptions{FieldManager: "other", Force: true})
		if err != nil {
			t.Fatalf("forced apply: %v", err)
		}
		if *forced.Spec.Replicas != 5 || !hasManager(forced.ManagedFields, "other", metav1.ManagedFieldsOperationApply) {
			t.Errorf("forced apply: replicas %d managers %v, want 5 and other among them", *forced.Spec.Replicas, managers(forced.ManagedFields))
		}
	})

	t.Run("scale subresource", func(t *testing.T) {
		d := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "scaled", 2))
		sc, err := deps.GetScale(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sc.Spec.Replicas != 2 || sc.Name != d.Name || sc.Status.Selector != "app=scaled" {
			t.Errorf("scale = name %s replicas %d selector %q, want %s, 2, app=scaled", sc.Name, sc.Spec.Replicas, sc.Status.Selector, d.Name)
		}
		sc.Spec.Replicas = 6
		out, err := deps.UpdateScale(ctx, d.Name, sc, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if out.Spec.Replicas != 6 {
			t.Errorf("UpdateScale answered %d replicas, want 6", out.Spec.Replicas)
		}
		got, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *got.Spec.Replicas != 6 || got.Generation != 2 {
			t.Errorf("deployment after scale: replicas %d generation %d, want 6 and 2", *got.Spec.Replicas, got.Generation)
		}
		stale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: d.Name, Namespace: ns, ResourceVersion: sc.ResourceVersion}, Spec: autoscalingv1.ScaleSpec{Replicas: 1}}
		if _, err := deps.UpdateScale(ctx, d.Name, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			t.Errorf("UpdateScale with a stale resourceVersion: err = %v, want a conflict", err)
		}
	})

	t.Run("status subresource changes only status", func(t *testing.T) {
		d := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "status", 2))
		var out *appsv1.Deployment
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Status.Replicas, cur.Status.UpdatedReplicas, cur.Status.ReadyReplicas, cur.Status.AvailableReplicas = 2, 2, 1, 1
			cur.Status.ObservedGeneration = 1
			cur.Spec.Replicas = ptr.To[int32](9)
			cur.Labels["sneaky"] = "yes"
			out, err = deps.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status.Replicas != 2 || out.Status.ReadyReplicas != 1 || out.Status.ObservedGeneration != 1 {
			t.Errorf("status = %+v, want the status that was sent", out.Status)
		}
		if *out.Spec.Replicas != 2 || out.Labels["sneaky"] != "" || out.Generation != 1 {
			t.Errorf("status update changed replicas to %d, labels to %v, generation to %d", *out.Spec.Replicas, out.Labels, out.Generation)
		}
		got, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *got.Spec.Replicas != 2 {
			t.Errorf("stored replicas = %d after a status update, want 2", *got.Spec.Replicas)
		}
		// and the main resource ignores status
		got.Status.Replicas = 42
		got.Labels["changed"] = "yes"
		upd, err := deps.Update(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Status.Replicas == 42 || upd.Labels["changed"] != "yes" {
			t.Errorf("update of the main resource: status.replicas %d labels %v, want status untouched and the label set", upd.Status.Replicas, upd.Labels)
		}
	})

	t.Run("pod status subresource ignores spec", func(t *testing.T) {
		p := cgCreatePod(t, ctx, cs, cgPod(ns, "pod-status", nil))
		p.Status.Phase = corev1.PodSucceeded
		p.Spec.Containers[0].Image = "evil:1"
		out, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status.Phase != corev1.PodSucceeded || out.Spec.Containers[0].Image != "nginx:1.27" || out.Generation != 1 {
			t.Errorf("phase %s image %s generation %d, want Succeeded, nginx:1.27, 1", out.Status.Phase, out.Spec.Containers[0].Image, out.Generation)
		}
	})

	t.Run("stale resourceVersion update conflicts", func(t *testing.T) {
		p := cgCreatePod(t, ctx, cs, cgPod(ns, "stale-pod", map[string]string{"v": "0"}))
		d := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "stale-deploy", 1))
		tests := []struct {
			name        string
			update      func(label string) error
			wantMessage string
		}{
			{"pod", func(v string) error {
				o := p.DeepCopy()
				o.Labels["v"] = v
				_, err := pods.Update(ctx, o, metav1.UpdateOptions{})
				return err
			}, `Operation cannot be fulfilled on pods "stale-pod": ` + conflictMessage},
			{"deployment", func(v string) error {
				o := d.DeepCopy()
				o.Labels["v"] = v
				_, err := deps.Update(ctx, o, metav1.UpdateOptions{})
				return err
			}, `Operation cannot be fulfilled on deployments.apps "stale-deploy": ` + conflictMessage},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.update("1"); err != nil {
					t.Fatalf("first update: %v", err)
				}
				err := tt.update("2") // same, now stale, resourceVersion
				if !apierrors.IsConflict(err) {
					t.Fatalf("err = %v, want a conflict", err)
				}
				if err.Error() != tt.wantMessage {
					t.Errorf("message = %q, want %q", err.Error(), tt.wantMessage)
				}
			})
		}
	})

	t.Run("errors", func(t *testing.T) {
		cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "dup", 1))
		bad := cgDeployment(ns, "bad", 1)
		bad.Spec.Replicas = ptr.To[int32](-1)
		tests := []struct {
			name      string
			call      func() error
			check     func(error) bool
			code      int32
			message   string
			causePath string
		}{
			{
				name: "duplicate create",
				call: func() error {
					_, err := deps.Create(ctx, cgDeployment(ns, "dup", 1), metav1.CreateOptions{})
					return err
				},
				check: apierrors.IsAlreadyExists, code: http.StatusConflict,
				message: `deployments.apps "dup" already exists`,
			},
			{
				name: "create in a missing namespace",
				call: func() error {
					_, err := cs.CoreV1().Pods("no-such-ns").Create(ctx, cgPod("no-such-ns", "p", nil), metav1.CreateOptions{})
					return err
				},
				check: apierrors.IsNotFound, code: http.StatusNotFound,
				message: `namespaces "no-such-ns" not found`,
			},
			{
				name:  "negative replicas",
				call:  func() error { _, err := deps.Create(ctx, bad, metav1.CreateOptions{}); return err },
				check: apierrors.IsInvalid, code: http.StatusUnprocessableEntity,
				message:   `Deployment.apps "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
				causePath: "spec.replicas",
			},
			{
				name:  "get of a missing pod",
				call:  func() error { _, err := pods.Get(ctx, "nobody", metav1.GetOptions{}); return err },
				check: apierrors.IsNotFound, code: http.StatusNotFound,
				message: `pods "nobody" not found`,
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				st := statusOf(err)
				if !tt.check(err) || st.Code != tt.code {
					t.Fatalf("err = %v (code %d), want code %d", err, st.Code, tt.code)
				}
				if st.Message != tt.message {
					t.Errorf("message = %q, want %q", st.Message, tt.message)
				}
				if tt.causePath != "" {
					found := false
					for _, c := range st.Details.Causes {
						found = found || (c.Field == tt.causePath && c.Type == metav1.CauseTypeFieldValueInvalid)
					}
					if !found {
						t.Errorf("causes = %+v, want a FieldValueInvalid cause for %s", st.Details.Causes, tt.causePath)
					}
				}
			})
		}
	})

	t.Run("delete", func(t *testing.T) {
		cgCreatePod(t, ctx, cs, cgPod(ns, "doomed", nil))
		cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "doomed", 1))
		tests := []struct {
			name   string
			delete func() error
			get    func() error
		}{
			{"pod",
				func() error { return pods.Delete(ctx, "doomed", metav1.DeleteOptions{}) },
				func() error { _, err := pods.Get(ctx, "doomed", metav1.GetOptions{}); return err }},
			{"deployment",
				func() error { return deps.Delete(ctx, "doomed", metav1.DeleteOptions{}) },
				func() error { _, err := deps.Get(ctx, "doomed", metav1.GetOptions{}); return err }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.delete(); err != nil {
					st := statusOf(err)
					t.Fatalf("delete: %v (code %d, reason %s)", err, st.Code, st.Reason)
				}
				if err := tt.get(); !apierrors.IsNotFound(err) {
					t.Errorf("get after delete: err = %v, want NotFound", err)
				}
				if err := tt.delete(); !apierrors.IsNotFound(err) {
					t.Errorf("second delete: err = %v, want NotFound", err)
				}
			})
		}
	})
}

func hasManager(fields []metav1.ManagedFieldsEntry, manager string, op metav1.ManagedFieldsOperationType) bool {
	for _, f := range fields {
		if f.Manager == manager && f.Operation == op {
			return true
		}
	}
	return false
}

func managers(fields []metav1.ManagedFieldsEntry) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.Manager+"/"+string(f.Operation))
	}
	return out
}

// cgGet is a raw GET against the engine with the client's credentials.
func cgGet(t *testing.T, ctx context.Context, cfg *rest.Config, path string, query url.Values, accept string) *http.Response {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u := strings.TrimSuffix(cfg.Host, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func podNames(items []corev1.Pod) []string {
	var out []string
	for _, p := range items {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

// TestClientGoLists covers list responses: empty items, resourceVersion, paging, selectors.
func TestClientGoLists(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)

	t.Run("empty list has items [] and a resourceVersion", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "empty")
		for _, path := range []string{"/api/v1/namespaces/" + ns + "/pods", "/apis/apps/v1/namespaces/" + ns + "/deployments"} {
			t.Run(path, func(t *testing.T) {
				body, err := cs.CoreV1().RESTClient().Get().AbsPath(path).SetHeader("Accept", "application/json").DoRaw(ctx)
				if err != nil {
					t.Fatalf("GET %s: %v", path, err)
				}
				if !strings.Contains(string(body), `"items":[]`) {
					t.Errorf("body %s has no \"items\":[]", body)
				}
				var list metav1.List
				if err := json.Unmarshal(body, &list); err != nil {
					t.Fatal(err)
				}
				if list.ResourceVersion == "" {
					t.Errorf("list metadata.resourceVersion is empty: %s", body)
				}
			})
		}
		typed, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if typed.ResourceVersion == "" || len(typed.Items) != 0 {
			t.Errorf("typed list: rv %q, %d items; want an rv and no items", typed.ResourceVersion, len(typed.Items))
		}
	})

	t.Run("list resourceVersion is the store revision", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "revision")
		p := cgCreatePod(t, ctx, cs, cgPod(ns, "latest", nil))
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cgRV(t, list.ResourceVersion) < cgRV(t, p.ResourceVersion) {
			t.Errorf("list rv %s older than the last write %s", list.ResourceVersion, p.ResourceVersion)
		}
	})

	t.Run("limit and continue", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "paged")
		want := map[string]bool{}
		for i := range 25 {
			name := fmt.Sprintf("p%02d", i)
			cgCreatePod(t, ctx, cs, cgPod(ns, name, nil))
			want[name] = true
		}
		seen := map[string]int{}
		var sizes []int
		var remaining []string
		opts := metav1.ListOptions{Limit: 10}
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatal("more than 5 pages for 25 pods in pages of 10")
			}
			list, err := cs.CoreV1().Pods(ns).List(ctx, opts)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if page == 0 {
				// Changes after the first page are not part of the paged snapshot.
				cgCreatePod(t, ctx, cs, cgPod(ns, "p99-late", nil))
				if err := cs.CoreV1().Pods(ns).Delete(ctx, "p24", metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			sizes = append(sizes, len(list.Items))
			if list.RemainingItemCount == nil {
				remaining = append(remaining, "nil")
			} else {
				remaining = append(remaining, strconv.FormatInt(*list.RemainingItemCount, 10))
			}
			for _, p := range list.Items {
				seen[p.Name]++
			}
			if list.Continue == "" {
				break
			}
			opts.Continue = list.Continue
		}
		if !slices.Equal(sizes, []int{10, 10, 5}) {
			t.Errorf("page sizes %v, want [10 10 5]", sizes)
		}
		if !slices.Equal(remaining, []string{"15", "5", "nil"}) {
			t.Errorf("remainingItemCount per page %v, want [15 5 nil]", remaining)
		}
		for name, n := range seen {
			if !want[name] {
				t.Errorf("unexpected pod %s in the paged list", name)
			}
			if n != 1 {
				t.Errorf("pod %s listed %d times", name, n)
			}
		}
		for name := range want {
			if seen[name] == 0 {
				t.Errorf("pod %s missing from the paged list", name)
			}
		}
	})

	t.Run("label selectors", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "labels")
		for name, l := range map[string]map[string]string{
			"a-web":    {"app": "a", "tier": "web"},
			"b-x":      {"app": "b", "tier": "x"},
			"c-web":    {"app": "c", "tier": "web"},
			"a-legacy": {"app": "a", "tier": "web", "legacy": "true"},
			"b-none":   {"app": "b"},
			"unlabel":  nil,
		} {
			cgCreatePod(t, ctx, cs, cgPod(ns, name, l))
		}
		tests := []struct {
			selector string
			want     []string
		}{
			{"app in (a,b),tier!=x,!legacy", []string{"a-web", "b-none"}},
			{"app=a", []string{"a-legacy", "a-web"}},
			{"app==b", []string{"b-none", "b-x"}},
			{"tier", []string{"a-legacy", "a-web", "b-x", "c-web"}},
			{"!tier", []string{"b-none", "unlabel"}},
			{"app notin (a,b)", []string{"c-web", "unlabel"}},
			{"app,app notin (a,b)", []string{"c-web"}},
			{"legacy=true,tier=web", []string{"a-legacy"}},
			{"app=zzz", nil},
		}
		for _, tt := range tests {
			t.Run(tt.selector, func(t *testing.T) {
				list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: tt.selector})
				if err != nil {
					t.Fatal(err)
				}
				if got := podNames(list.Items); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		_, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app in (a"})
		if !apierrors.IsBadRequest(err) {
			t.Errorf("malformed label selector: err = %v, want BadRequest", err)
		}
	})

	t.Run("field selectors", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "fields")
		for _, p := range []struct {
			name, node string
			phase      corev1.PodPhase
		}{
			{"on-a-done", "node-a", corev1.PodSucceeded},
			{"on-a-failed", "node-a", corev1.PodFailed},
			{"on-b", "node-b", ""},
			{"on-b-done", "node-b", corev1.PodSucceeded},
		} {
			pod := cgPod(ns, p.name, nil)
			pod.Spec.NodeName = p.node
			created := cgCreatePod(t, ctx, cs, pod)
			if p.phase != "" {
				created.Status.Phase = p.phase
				if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		tests := []struct {
			selector string
			want     []string
		}{
			{"metadata.name=on-b", []string{"on-b"}},
			{"metadata.name!=on-b", []string{"on-a-done", "on-a-failed", "on-b-done"}},
			{"metadata.namespace=" + ns, []string{"on-a-done", "on-a-failed", "on-b", "on-b-done"}},
			{"spec.nodeName=node-a", []string{"on-a-done", "on-a-failed"}},
			{"status.phase=Succeeded", []string{"on-a-done", "on-b-done"}},
			{"status.phase=Pending", []string{"on-b"}},
			{"spec.nodeName=node-b,status.phase!=Pending", []string{"on-b-done"}},
			{"spec.nodeName=node-c", nil},
		}
		for _, tt := range tests {
			t.Run(tt.selector, func(t *testing.T) {
				list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: tt.selector})
				if err != nil {
					t.Fatal(err)
				}
				if got := podNames(list.Items); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		unsupported := []struct {
			name string
			list func() error
		}{
			{"pods spec.containers", func() error {
				_, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.containers=x"})
				return err
			}},
			{"deployments status.phase", func() error {
				_, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
				return err
			}},
			{"pods metadata.labels", func() error {
				_, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "metadata.labels=x"})
				return err
			}},
		}
		for _, tt := range unsupported {
			t.Run("unsupported "+tt.name, func(t *testing.T) {
				if err := tt.list(); !apierrors.IsBadRequest(err) {
					t.Errorf("err = %v, want BadRequest", err)
				}
			})
		}
	})
}

// cgEvent is one watch event as it crossed the wire.
type cgEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// cgEventObject is what the tests read of an event's object.
type cgEventObject struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Metadata   struct {
		Name            string            `json:"name"`
		ResourceVersion string            `json:"resourceVersion"`
		Annotations     map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// cgReadEvents decodes a raw watch stream until it ends.
func cgReadEvents(t *testing.T, body io.Reader) ([]cgEvent, []cgEventObject) {
	t.Helper()
	dec := json.NewDecoder(body)
	var events []cgEvent
	var objects []cgEventObject
	for {
		var ev cgEvent
		if err := dec.Decode(&ev); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("decode watch event: %v", err)
			}
			return events, objects
		}
		var o cgEventObject
		if err := json.Unmarshal(ev.Object, &o); err != nil {
			t.Fatalf("decode event object %s: %v", ev.Object, err)
		}
		events = append(events, ev)
		objects = append(objects, o)
	}
}

// cgNext reads the next event of a typed watch, failing after cgWait.
func cgNext(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch ended early")
		}
		return ev
	case <-time.After(cgWait):
		t.Fatal("no watch event in time")
	}
	return watch.Event{}
}

func eventName(ev watch.Event) string {
	if p, ok := ev.Object.(*corev1.Pod); ok {
		return p.Name
	}
	return fmt.Sprintf("<%T>", ev.Object)
}

// TestClientGoWatch covers watches, raw and typed.
func TestClientGoWatch(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cfg := restConfig(t, srv)
	cs := clientset(t, srv)

	t.Run("from a resourceVersion sees exactly the later events in order", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "history")
		pods := cs.CoreV1().Pods(ns)
		start := cgCreatePod(t, ctx, cs, cgPod(ns, "before", nil))
		w1 := cgCreatePod(t, ctx, cs, cgPod(ns, "w1", map[string]string{"v": "1"}))
		w1.Labels["v"] = "2"
		if _, err := pods.Update(ctx, w1, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := pods.Delete(ctx, "w1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		cgCreatePod(t, ctx, cs, cgPod(ns, "w2", nil))

		q := url.Values{"watch": {"true"}, "resourceVersion": {start.ResourceVersion}, "timeoutSeconds": {"2"}}
		resp := cgGet(t, ctx, cfg, "/api/v1/namespaces/"+ns+"/pods", q, "application/json")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("watch status %d", resp.StatusCode)
		}
		events, objects := cgReadEvents(t, resp.Body)
		var got []string
		for i, ev := range events {
			got = append(got, ev.Type+" "+objects[i].Metadata.Name)
		}
		// As upstream, deleting an unbound pod first records its deletionTimestamp (MODIFIED).
		want := []string{"ADDED w1", "MODIFIED w1", "MODIFIED w1", "DELETED w1", "ADDED w2"}
		if !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		last := cgRV(t, start.ResourceVersion)
		for i, o := range objects {
			if o.Kind != "Pod" || o.APIVersion != "v1" {
				t.Errorf("event %d object has kind %q apiVersion %q, want Pod v1", i, o.Kind, o.APIVersion)
			}
			rv := cgRV(t, o.Metadata.ResourceVersion)
			if rv <= last {
				t.Errorf("event %d (%s) rv %d not after %d", i, got[i], rv, last)
			}
			last = rv
		}
	})

	t.Run("a typed client's watch streams protobuf", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "protowatch")
		wire := &cgWire{}
		pcfg := restConfig(t, srv)
		pcfg.Wrap(wire.wrap)
		pcs, err := kubernetes.NewForConfig(pcfg)
		if err != nil {
			t.Fatal(err)
		}
		pods := pcs.CoreV1().Pods(ns)
		first := cgCreatePod(t, ctx, cs, cgPod(ns, "p1", map[string]string{"app": "x"}))
		w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion, AllowWatchBookmarks: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		cgCreatePod(t, ctx, cs, cgPod(ns, "p2", map[string]string{"app": "y"}))
		if _, err := cs.CoreV1().Pods(ns).Patch(ctx, "p2", types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"z"}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ADDED p2 y", "MODIFIED p2 z"} {
			ev := cgNext(t, w)
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				t.Fatalf("event object %T, want *v1.Pod", ev.Object)
			}
			if got := string(ev.Type) + " " + pod.Name + " " + pod.Labels["app"]; got != want || pod.Spec.Containers[0].Image != "nginx:1.27" || pod.UID == "" {
				t.Fatalf("event %s (image %q, uid %q), want %s", got, pod.Spec.Containers[0].Image, pod.UID, want)
			}
		}
		call, ok := wire.find(http.MethodGet, "/api/v1/namespaces/"+ns+"/pods")
		if !ok || call.responseType != mediaTypeProtobuf+";stream=watch" {
			t.Fatalf("watch answered %q, want %s;stream=watch", call.responseType, mediaTypeProtobuf)
		}
	})

	t.Run("fieldSelector metadata.name", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "byname")
		pods := cs.CoreV1().Pods(ns)
		cgCreatePod(t, ctx, cs, cgPod(ns, "other", nil))
		target := cgCreatePod(t, ctx, cs, cgPod(ns, "target", nil))
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=target", ResourceVersion: target.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		for _, name := range []string{"other", "target"} {
			if _, err := pods.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"labels":{"touched":"yes"}}}`), metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"other", "target"} {
			if err := pods.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []string{"MODIFIED target", "MODIFIED target", "DELETED target"} {
			ev := cgNext(t, w)
			if got := string(ev.Type) + " " + eventName(ev); got != want {
				t.Fatalf("event %s, want %s", got, want)
			}
		}
	})

	t.Run("leaving a label selector arrives as DELETED", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "leaving")
		pods := cs.CoreV1().Pods(ns)
		p := cgCreatePod(t, ctx, cs, cgPod(ns, "mover", map[string]string{"app": "x"}))
		w, err := pods.Watch(ctx, metav1.ListOptions{LabelSelector: "app=x", ResourceVersion: p.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		steps := []struct {
			label, want string
		}{
			{"y", "DELETED mover"},
			{"x", "ADDED mover"},
		}
		for _, s := range steps {
			patched, err := pods.Patch(ctx, "mover", types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"`+s.label+`"}}}`), metav1.PatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ev := cgNext(t, w)
			if got := string(ev.Type) + " " + eventName(ev); got != s.want {
				t.Fatalf("after relabel to app=%s: event %s, want %s", s.label, got, s.want)
			}
			if rv := ev.Object.(*corev1.Pod).ResourceVersion; rv != patched.ResourceVersion {
				t.Errorf("event rv %s, want the patch's %s", rv, patched.ResourceVersion)
			}
		}
	})

	t.Run("sendInitialEvents", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "initial")
		pods := cs.CoreV1().Pods(ns)
		want := []string{"i0", "i1", "i2"}
		var maxRV uint64
		for _, name := range want {
			p := cgCreatePod(t, ctx, cs, cgPod(ns, name, nil))
			maxRV = max(maxRV, cgRV(t, p.ResourceVersion))
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{
			SendInitialEvents:    ptr.To(true),
			ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
			AllowWatchBookmarks:  true,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		var added []string
		for range want {
			ev := cgNext(t, w)
			if ev.Type != watch.Added {
				t.Fatalf("initial event %s %s, want ADDED", ev.Type, eventName(ev))
			}
			added = append(added, eventName(ev))
		}
		slices.Sort(added)
		if !slices.Equal(added, want) {
			t.Errorf("initial ADDED %v, want %v", added, want)
		}
		ev := cgNext(t, w)
		if ev.Type != watch.Bookmark {
			t.Fatalf("after the initial events: %s %s, want BOOKMARK", ev.Type, eventName(ev))
		}
		bm := ev.Object.(*corev1.Pod)
		if bm.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
			t.Errorf("bookmark annotations %v, want %s: \"true\"", bm.Annotations, metav1.InitialEventsAnnotationKey)
		}
		if cgRV(t, bm.ResourceVersion) < maxRV {
			t.Errorf("bookmark rv %s older than the listed objects (%d)", bm.ResourceVersion, maxRV)
		}
		cgCreatePod(t, ctx, cs, cgPod(ns, "later", nil))
		if ev := cgNext(t, w); ev.Type != watch.Added || eventName(ev) != "later" {
			t.Errorf("after the bookmark: %s %s, want ADDED later", ev.Type, eventName(ev))
		}
	})

	t.Run("lenient watch parameter", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "lenient")
		cgCreatePod(t, ctx, cs, cgPod(ns, "seen", nil))
		tests := []struct {
			value string
			watch bool
		}{
			{"true", true}, {"True", true}, {"1", true},
			{"false", false}, {"0", false},
		}
		for _, tt := range tests {
			t.Run(tt.value, func(t *testing.T) {
				q := url.Values{"watch": {tt.value}, "timeoutSeconds": {"1"}}
				resp := cgGet(t, ctx, cfg, "/api/v1/namespaces/"+ns+"/pods", q, "application/json")
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if !tt.watch {
					var list metav1.List
					if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
						t.Fatal(err)
					}
					if list.Kind != "PodList" || len(list.Items) != 1 {
						t.Errorf("got kind %q with %d items, want a PodList of 1", list.Kind, len(list.Items))
					}
					return
				}
				events, objects := cgReadEvents(t, resp.Body)
				if len(events) != 1 || events[0].Type != "ADDED" || objects[0].Metadata.Name != "seen" {
					t.Errorf("events %v, want one ADDED for seen", events)
				}
			})
		}
	})

	t.Run("timeoutSeconds ends the watch", func(t *testing.T) {
		ns := cgNamespace(t, ctx, cs, "timeout")
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{TimeoutSeconds: ptr.To[int64](1), ResourceVersion: list.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		deadline := time.After(cgWait)
		for {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				t.Errorf("unexpected event %s on an idle namespace", ev.Type)
			case <-deadline:
				t.Fatal("watch with timeoutSeconds=1 still open")
			}
		}
	})
}

// cgFreeAddr finds a loopback address that is free now.
func cgFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// cgStartAt starts an engine on a fixed address (so that clients survive a restart) and
// returns it with a stop function, also called when the test ends.
func cgStartAt(t *testing.T, dir, addr string) (*apiserver.Server, func()) {
	return cgStartNamed(t, dir, addr, "engine")
}

// cgStartNamed is cgStartAt with a name for the engine in failures.
func cgStartNamed(t *testing.T, dir, addr, name string) (*apiserver.Server, func()) {
	t.Helper()
	srv, err := apiserver.New(apiserver.Options{
		Addr: addr, DataDir: dir, NoControllers: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := srv.Close(); err != nil {
				t.Errorf("close %s: %v", name, err)
			}
		})
	}
	t.Cleanup(stop)
	return srv, stop
}

// cgInformerEvent is what an informer handler saw.
type cgInformerEvent struct {
	kind, typ, name, rv string
}

func (e cgInformerEvent) String() string { return e.typ + " " + e.kind + " " + e.name + "@" + e.rv }

// cgRecorder gets informer events through a channel and hands them to the test one object at a time.
type cgRecorder struct {
	ch   chan cgInformerEvent
	seen []cgInformerEvent // received, in order
	used []bool            // matched by an expect
}

func newCgRecorder() *cgRecorder { return &cgRecorder{ch: make(chan cgInformerEvent, 1000)} }

func (r *cgRecorder) handlers(kind string) cache.ResourceEventHandler {
	send := func(typ string, obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		m, ok := obj.(metav1.Object)
		if !ok {
			return
		}
		r.ch <- cgInformerEvent{kind: kind, typ: typ, name: m.GetName(), rv: m.GetResourceVersion()}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { send("ADDED", obj) },
		UpdateFunc: func(_, obj any) { send("MODIFIED", obj) },
		DeleteFunc: func(obj any) { send("DELETED", obj) },
	}
}

// expect returns the first not yet matched event of that kind, type and name (and
// resourceVersion, unless rv is empty), waiting for it. A relist makes informers report
// MODIFIED for every object it finds again, at an unchanged resourceVersion: the rv tells
// those apart from real changes.
func (r *cgRecorder) expect(t *testing.T, kind, typ, name, rv string) cgInformerEvent {
	t.Helper()
	match := func(e cgInformerEvent) bool {
		return e.kind == kind && e.typ == typ && e.name == name && (rv == "" || e.rv == rv)
	}
	for i, e := range r.seen {
		if !r.used[i] && match(e) {
			r.used[i] = true
			return e
		}
	}
	deadline := time.After(cgWait)
	for {
		select {
		case e := <-r.ch:
			r.seen = append(r.seen, e)
			r.used = append(r.used, false)
			if match(e) {
				r.used[len(r.used)-1] = true
				return e
			}
		case <-deadline:
			t.Fatalf("no %s %s %s (rv %q) from the informer; saw %v", typ, kind, name, rv, r.seen)
		}
	}
}

// drain collects what has arrived so far without waiting.
func (r *cgRecorder) drain() []cgInformerEvent {
	for {
		select {
		case e := <-r.ch:
			r.seen = append(r.seen, e)
			r.used = append(r.used, false)
		default:
			return r.seen
		}
	}
}

// TestClientGoInformerSurvivesRestart runs a shared informer factory against the engine,
// restarts the engine on the same data and address, and checks the informers carry on.
func TestClientGoInformerSurvivesRestart(t *testing.T) {
	dir, addr := t.TempDir(), cgFreeAddr(t)
	srv, stop := cgStartNamed(t, dir, addr, "first engine (restart while an informer watches)")
	ctx := cgContext(t)
	cs := clientset(t, srv)
	ns := cgNamespace(t, ctx, cs, "informed")
	pods, deps := cs.CoreV1().Pods(ns), cs.AppsV1().Deployments(ns)
	pre := cgCreatePod(t, ctx, cs, cgPod(ns, "pre", map[string]string{"app": "pre"}))

	rec := newCgRecorder()
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	podInformer, depInformer := factory.Core().V1().Pods(), factory.Apps().V1().Deployments()
	if _, err := podInformer.Informer().AddEventHandler(rec.handlers("Pod")); err != nil {
		t.Fatal(err)
	}
	if _, err := depInformer.Informer().AddEventHandler(rec.handlers("Deployment")); err != nil {
		t.Fatal(err)
	}
	informerCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() {
		cancel()
		factory.Shutdown()
	})
	factory.Start(informerCtx.Done())
	syncCtx, syncCancel := context.WithTimeout(ctx, cgWait)
	defer syncCancel()
	for typ, ok := range factory.WaitForCacheSync(syncCtx.Done()) {
		if !ok {
			t.Fatalf("informer for %v did not sync", typ)
		}
	}
	rec.expect(t, "Pod", "ADDED", "pre", pre.ResourceVersion)

	var maxRV uint64
	note := func(rv string) {
		maxRV = max(maxRV, cgRV(t, rv))
	}
	note(pre.ResourceVersion)

	t.Run("handlers see changes", func(t *testing.T) {
		steps := []struct {
			kind, typ, name string
			change          func() (rv string, err error) // rv: what the event must carry ("" for deletes)
		}{
			{"Pod", "ADDED", "p1", func() (string, error) {
				p, err := pods.Create(ctx, cgPod(ns, "p1", nil), metav1.CreateOptions{})
				return rvOf(p, err)
			}},
			{"Pod", "MODIFIED", "p1", func() (string, error) {
				p, err := pods.Patch(ctx, "p1", types.MergePatchType, []byte(`{"metadata":{"labels":{"v":"2"}}}`), metav1.PatchOptions{})
				return rvOf(p, err)
			}},
			{"Pod", "DELETED", "p1", func() (string, error) { return "", pods.Delete(ctx, "p1", metav1.DeleteOptions{}) }},
			{"Deployment", "ADDED", "d1", func() (string, error) {
				d, err := deps.Create(ctx, cgDeployment(ns, "d1", 1), metav1.CreateOptions{})
				return rvOf(d, err)
			}},
			{"Deployment", "MODIFIED", "d1", func() (string, error) {
				d, err := deps.Patch(ctx, "d1", types.MergePatchType, []byte(`{"metadata":{"labels":{"v":"2"}}}`), metav1.PatchOptions{})
				return rvOf(d, err)
			}},
			{"Deployment", "DELETED", "d1", func() (string, error) { return "", deps.Delete(ctx, "d1", metav1.DeleteOptions{}) }},
		}
		for _, s := range steps {
			rv, err := s.change()
			if err != nil {
				t.Fatalf("%s %s %s: %v", s.typ, s.kind, s.name, err)
			}
			e := rec.expect(t, s.kind, s.typ, s.name, rv)
			note(e.rv)
		}
	})

	parent := t // the restarted engine outlives this subtest: the informers stop first
	t.Run("after a restart", func(t *testing.T) {
		stop()
		srv2, _ := cgStartNamed(parent, dir, addr, "restarted engine")
		if srv2.URL() != srv.URL() {
			t.Fatalf("restarted at %s, want %s", srv2.URL(), srv.URL())
		}
		after := cgCreatePod(t, ctx, cs, cgPod(ns, "after", nil))
		if rv := cgRV(t, after.ResourceVersion); rv <= maxRV {
			t.Errorf("first write after the restart has rv %d, want more than %d (the revision must continue)", rv, maxRV)
		}
		rec.expect(t, "Pod", "ADDED", "after", after.ResourceVersion)
		d3 := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, "d3", 1))
		rec.expect(t, "Deployment", "ADDED", "d3", d3.ResourceVersion)
		got, err := pods.Get(ctx, "pre", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("pod created before the restart: %v", err)
		}
		if got.ResourceVersion != pre.ResourceVersion || got.UID != pre.UID {
			t.Errorf("pre after restart: rv %s uid %s, want rv %s uid %s", got.ResourceVersion, got.UID, pre.ResourceVersion, pre.UID)
		}
		cached, err := podInformer.Lister().Pods(ns).Get("pre")
		if err != nil {
			t.Fatalf("lister lost pre: %v", err)
		}
		if cached.ResourceVersion != pre.ResourceVersion {
			t.Errorf("lister has pre at rv %s, want %s", cached.ResourceVersion, pre.ResourceVersion)
		}
		modified, err := pods.Patch(ctx, "pre", types.MergePatchType, []byte(`{"metadata":{"labels":{"restarted":"yes"}}}`), metav1.PatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec.expect(t, "Pod", "MODIFIED", "pre", modified.ResourceVersion)
		for _, e := range rec.drain() {
			if e.typ == "DELETED" && e.name == "pre" {
				t.Errorf("informer reported %s across the restart", e)
			}
		}
	})
}

// rvOf is the resourceVersion of what a write returned.
func rvOf(obj metav1.Object, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return obj.GetResourceVersion(), nil
}

// cgOwnerRef is a controller owner reference that blocks the owner's foreground deletion.
func cgOwnerRef(kind, name string, uid types.UID) metav1.OwnerReference {
	apiVersion := "apps/v1"
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

// cgOwnedChain creates deployment name, a replica set it owns (with the deployment's
// template) and a pod the replica set owns, with extra finalizers on the pod.
func cgOwnedChain(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns, name string, podFinalizers ...string) (*appsv1.Deployment, *appsv1.ReplicaSet, *corev1.Pod) {
	t.Helper()
	d := cgCreateDeployment(t, ctx, cs, cgDeployment(ns, name, 1))
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name + "-rs", Labels: map[string]string{"app": name},
			OwnerReferences: []metav1.OwnerReference{cgOwnerRef("Deployment", d.Name, d.UID)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](1),
			Selector: d.Spec.Selector.DeepCopy(),
			Template: *d.Spec.Template.DeepCopy(),
		},
	}
	rs, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create replica set: %v", err)
	}
	pod := cgPod(ns, name+"-pod", map[string]string{"app": name})
	pod.OwnerReferences = []metav1.OwnerReference{cgOwnerRef("ReplicaSet", rs.Name, rs.UID)}
	pod.Finalizers = podFinalizers
	return d, rs, cgCreatePod(t, ctx, cs, pod)
}

// cgRemoveFinalizers clears a pod's finalizers with an update, retrying on conflicts.
func cgRemoveFinalizers(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Finalizers = nil
		_, err = cs.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("remove finalizers of %s/%s: %v", ns, name, err)
	}
}

const cgHold = "test.sheetops.io/hold"

// TestClientGoDeletion covers propagation policies, finalizers, preconditions and namespaces.
func TestClientGoDeletion(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)
	ns := cgNamespace(t, ctx, cs, "deletion")
	pods, rss, deps := cs.CoreV1().Pods(ns), cs.AppsV1().ReplicaSets(ns), cs.AppsV1().Deployments(ns)
	// Owners are deleted through the dynamic client: the typed client's DELETE of a
	// deployment is covered by TestClientGoTypedCRUD, and this test is about what follows.
	dyn, err := dynamic.NewForConfig(restConfig(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	deleteDeployment := func(name string, policy metav1.DeletionPropagation) error {
		return dyn.Resource(appsv1.SchemeGroupVersion.WithResource("deployments")).Namespace(ns).
			Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	}
	getPod := func(name string) func(context.Context) error {
		return func(ctx context.Context) error { _, err := pods.Get(ctx, name, metav1.GetOptions{}); return err }
	}
	getRS := func(name string) func(context.Context) error {
		return func(ctx context.Context) error { _, err := rss.Get(ctx, name, metav1.GetOptions{}); return err }
	}
	getDeploy := func(name string) func(context.Context) error {
		return func(ctx context.Context) error { _, err := deps.Get(ctx, name, metav1.GetOptions{}); return err }
	}

	t.Run("background removes dependents", func(t *testing.T) {
		d, rs, pod := cgOwnedChain(t, ctx, cs, ns, "bg")
		if err := deleteDeployment(d.Name, metav1.DeletePropagationBackground); err != nil {
			t.Fatal(err)
		}
		if err := getDeploy(d.Name)(ctx); !apierrors.IsNotFound(err) {
			t.Errorf("deployment after a background delete: err = %v, want NotFound at once", err)
		}
		cgGone(t, ctx, "replica set", getRS(rs.Name))
		cgGone(t, ctx, "pod", getPod(pod.Name))
	})

	t.Run("orphan keeps dependents without owner references", func(t *testing.T) {
		d, rs, pod := cgOwnedChain(t, ctx, cs, ns, "orphan")
		if err := deleteDeployment(d.Name, metav1.DeletePropagationOrphan); err != nil {
			t.Fatal(err)
		}
		cgGone(t, ctx, "deployment", getDeploy(d.Name))
		got, err := rss.Get(ctx, rs.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("orphaned replica set: %v", err)
		}
		if len(got.OwnerReferences) != 0 || got.DeletionTimestamp != nil {
			t.Errorf("orphaned replica set: ownerReferences %v, deletionTimestamp %v; want none and none", got.OwnerReferences, got.DeletionTimestamp)
		}
		gotPod, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("pod of the orphaned replica set: %v", err)
		}
		if len(gotPod.OwnerReferences) != 1 || gotPod.OwnerReferences[0].UID != rs.UID {
			t.Errorf("pod owner references %v, want its replica set's only", gotPod.OwnerReferences)
		}
	})

	t.Run("foreground waits for dependents", func(t *testing.T) {
		d, rs, pod := cgOwnedChain(t, ctx, cs, ns, "fg", cgHold)
		if err := deleteDeployment(d.Name, metav1.DeletePropagationForeground); err != nil {
			t.Fatal(err)
		}
		cgPoll(t, ctx, "pod marked for deletion", func(ctx context.Context) (bool, error) {
			p, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
			return err == nil && p.DeletionTimestamp != nil, err
		})
		got, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("deployment while its dependents are held: %v", err)
		}
		if got.DeletionTimestamp == nil || !slices.Contains(got.Finalizers, metav1.FinalizerDeleteDependents) {
			t.Errorf("deployment deletionTimestamp %v finalizers %v, want set and %s", got.DeletionTimestamp, got.Finalizers, metav1.FinalizerDeleteDependents)
		}
		gotRS, err := rss.Get(ctx, rs.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("replica set while its pod is held: %v", err)
		}
		if gotRS.DeletionTimestamp == nil {
			t.Error("replica set not marked for deletion")
		}
		cgRemoveFinalizers(t, ctx, cs, ns, pod.Name)
		cgGone(t, ctx, "pod", getPod(pod.Name))
		cgGone(t, ctx, "replica set", getRS(rs.Name))
		cgGone(t, ctx, "deployment", getDeploy(d.Name))
	})

	t.Run("finalizer holds an object", func(t *testing.T) {
		p := cgPod(ns, "held", nil)
		p.Finalizers = []string{cgHold}
		cgCreatePod(t, ctx, cs, p)
		if err := pods.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := pods.Get(ctx, "held", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("pod with a finalizer after delete: %v", err)
		}
		if got.DeletionTimestamp == nil || !slices.Equal(got.Finalizers, []string{cgHold}) {
			t.Fatalf("deletionTimestamp %v finalizers %v, want set and [%s]", got.DeletionTimestamp, got.Finalizers, cgHold)
		}
		cgRemoveFinalizers(t, ctx, cs, ns, "held")
		cgGone(t, ctx, "pod", getPod("held"))
	})

	t.Run("preconditions", func(t *testing.T) {
		tests := []struct {
			name     string
			pre      func(p *corev1.Pod) *metav1.Preconditions
			conflict bool
		}{
			{"stale resourceVersion", func(p *corev1.Pod) *metav1.Preconditions {
				return &metav1.Preconditions{ResourceVersion: ptr.To(strconv.FormatUint(cgRV(t, p.ResourceVersion)-1, 10))}
			}, true},
			{"other uid", func(p *corev1.Pod) *metav1.Preconditions {
				return &metav1.Preconditions{UID: ptr.To(types.UID("00000000-0000-0000-0000-000000000000"))}
			}, true},
			{"current resourceVersion and uid", func(p *corev1.Pod) *metav1.Preconditions {
				return &metav1.Preconditions{ResourceVersion: ptr.To(p.ResourceVersion), UID: ptr.To(p.UID)}
			}, false},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := cgCreatePod(t, ctx, cs, cgPod(ns, fmt.Sprintf("pre-%d", i), nil))
				err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: tt.pre(p)})
				if tt.conflict {
					if !apierrors.IsConflict(err) {
						t.Fatalf("err = %v, want a conflict", err)
					}
					if getErr := getPod(p.Name)(ctx); getErr != nil {
						t.Errorf("pod after a refused delete: %v", getErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if getErr := getPod(p.Name)(ctx); !apierrors.IsNotFound(getErr) {
					t.Errorf("pod after delete: err = %v, want NotFound", getErr)
				}
			})
		}
	})

	t.Run("namespace deletion", func(t *testing.T) {
		doomed := cgNamespace(t, ctx, cs, "doomed")
		cgCreateDeployment(t, ctx, cs, cgDeployment(doomed, "app", 0))
		held := cgPod(doomed, "held", nil)
		held.Finalizers = []string{cgHold}
		cgCreatePod(t, ctx, cs, held)
		cgCreatePod(t, ctx, cs, cgPod(doomed, "plain", nil))
		if err := cs.CoreV1().Namespaces().Delete(ctx, doomed, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := cs.CoreV1().Namespaces().Get(ctx, doomed, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace right after delete: %v", err)
		}
		if got.Status.Phase != corev1.NamespaceTerminating || got.DeletionTimestamp == nil {
			t.Errorf("namespace phase %s deletionTimestamp %v, want Terminating and set", got.Status.Phase, got.DeletionTimestamp)
		}
		_, err = cs.CoreV1().Pods(doomed).Create(ctx, cgPod(doomed, "newcomer", nil), metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("create in a terminating namespace: err = %v, want Forbidden", err)
		}
		st := statusOf(err)
		wantMsg := `pods "newcomer" is forbidden: unable to create new content in namespace ` + doomed + ` because it is being terminated`
		if st.Message != wantMsg {
			t.Errorf("message = %q, want %q", st.Message, wantMsg)
		}
		if st.Details == nil || st.Details.Kind != "pods" || st.Details.Name != "newcomer" {
			t.Errorf("details = %+v, want kind pods, name newcomer", st.Details)
		}
		terminatingCause := false
		if st.Details != nil {
			for _, c := range st.Details.Causes {
				terminatingCause = terminatingCause || c.Type == corev1.NamespaceTerminatingCause
			}
		}
		if !terminatingCause {
			t.Errorf("causes %+v, want a %s cause", st.Details, corev1.NamespaceTerminatingCause)
		}
		cgGone(t, ctx, "plain pod", func(ctx context.Context) error {
			_, err := cs.CoreV1().Pods(doomed).Get(ctx, "plain", metav1.GetOptions{})
			return err
		})
		cgGone(t, ctx, "deployment", func(ctx context.Context) error {
			_, err := cs.AppsV1().Deployments(doomed).Get(ctx, "app", metav1.GetOptions{})
			return err
		})
		if _, err := cs.CoreV1().Namespaces().Get(ctx, doomed, metav1.GetOptions{}); err != nil {
			t.Errorf("namespace gone while a pod in it is held by a finalizer: %v", err)
		}
		cgRemoveFinalizers(t, ctx, cs, doomed, "held")
		cgGone(t, ctx, "namespace", func(ctx context.Context) error {
			_, err := cs.CoreV1().Namespaces().Get(ctx, doomed, metav1.GetOptions{})
			return err
		})
		left, err := cs.CoreV1().Pods(doomed).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(left.Items) != 0 {
			t.Errorf("pods left in the deleted namespace: %v", podNames(left.Items))
		}
	})
}

// TestClientGoAuth checks that writes need a token and the viewer's token is read-only.
func TestClientGoAuth(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	admin := clientset(t, srv)
	ns := cgNamespace(t, ctx, admin, "auth")
	cgCreatePod(t, ctx, admin, cgPod(ns, "guarded", nil))
	as := func(token string) kubernetes.Interface {
		cfg := rest.CopyConfig(restConfig(t, srv))
		cfg.BearerToken, cfg.BearerTokenFile = token, ""
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if srv.Tokens().Viewer == "" {
		t.Fatal("engine has no viewer token")
	}
	tests := []struct {
		name    string
		token   string
		call    func(cs kubernetes.Interface) error
		check   func(error) bool
		code    int32
		message string
	}{
		{
			name: "no token delete", token: "",
			call: func(cs kubernetes.Interface) error {
				return cs.CoreV1().Pods(ns).Delete(ctx, "guarded", metav1.DeleteOptions{})
			},
			check: apierrors.IsUnauthorized, code: http.StatusUnauthorized, message: "Unauthorized",
		},
		{
			name: "wrong token get", token: "not-a-token",
			call: func(cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Pods(ns).Get(ctx, "guarded", metav1.GetOptions{})
				return err
			},
			check: apierrors.IsUnauthorized, code: http.StatusUnauthorized, message: "Unauthorized",
		},
		{
			name: "viewer delete", token: srv.Tokens().Viewer,
			call: func(cs kubernetes.Interface) error {
				return cs.CoreV1().Pods(ns).Delete(ctx, "guarded", metav1.DeleteOptions{})
			},
			check: apierrors.IsForbidden, code: http.StatusForbidden,
			message: `pods "guarded" is forbidden: User "sheetops-viewer" cannot delete resource "pods" in API group "" in the namespace "` + ns + `"`,
		},
		{
			name: "viewer scale", token: srv.Tokens().Viewer,
			call: func(cs kubernetes.Interface) error {
				_, err := cs.AppsV1().Deployments(ns).UpdateScale(ctx, "any", &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "any"}, Spec: autoscalingv1.ScaleSpec{Replicas: 1}}, metav1.UpdateOptions{})
				return err
			},
			check: apierrors.IsForbidden, code: http.StatusForbidden,
			message: `deployments.apps "any" is forbidden: User "sheetops-viewer" cannot update resource "deployments/scale" in API group "apps" in the namespace "` + ns + `"`,
		},
		{
			name: "viewer get", token: srv.Tokens().Viewer,
			call: func(cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Pods(ns).Get(ctx, "guarded", metav1.GetOptions{})
				return err
			},
			check: func(err error) bool { return err == nil },
		},
		{
			name: "viewer list", token: srv.Tokens().Viewer,
			call: func(cs kubernetes.Interface) error {
				_, err := cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
				return err
			},
			check: func(err error) bool { return err == nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(as(tt.token))
			if !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			if err == nil {
				return
			}
			st := statusOf(err)
			if st.Code != tt.code || st.Message != tt.message {
				t.Errorf("status %d %q, want %d %q", st.Code, st.Message, tt.code, tt.message)
			}
		})
	}
	if _, err := admin.CoreV1().Pods(ns).Get(ctx, "guarded", metav1.GetOptions{}); err != nil {
		t.Errorf("the refused deletes removed the pod: %v", err)
	}
}
