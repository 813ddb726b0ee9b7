package controllers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/apiserver/controllers"
)

// One engine and one set of controllers serve the whole package; every test works in a
// namespace of its own, so the tests run in parallel.
var cluster struct {
	client     kubernetes.Interface
	kubeconfig string
}

// testOptions make pods start and stop fast.
var testOptions = controllers.Options{
	StartDelay:       50 * time.Millisecond,
	TerminationDelay: 200 * time.Millisecond,
	Workers:          2,
}

// waitTimeout bounds every wait; generous, for a loaded 2-core machine and for an engine that
// runs the controllers itself with the default (slower) timings.
const waitTimeout = 60 * time.Second

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SHEETOPS_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	dir, err := os.MkdirTemp("", "sheetops-controllers-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err := apiserver.New(apiserver.Options{Addr: "127.0.0.1:0", DataDir: dir, Logger: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, "new engine:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "start engine:", err)
		return 1
	}
	defer srv.Close()
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeconfig:", err)
		return 1
	}
	cluster.kubeconfig = srv.KubeconfigPath()
	if cluster.client, err = kubernetes.NewForConfig(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}

	// The engine may run the controllers itself (from its Start): then a second instance would
	// double every action. Its kubelet registers the node at once; give it a moment.
	done := make(chan error, 1)
	if engineRunsControllers(ctx) {
		fmt.Fprintln(os.Stderr, "controllers_test: the engine runs the controllers itself; testing those (default timings)")
		done <- nil
	} else {
		go func() { done <- controllers.Run(ctx, cfg, withLogger(testOptions, logger)) }()
	}
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "controllers.Run:", err)
		code = 1
	}
	return code
}

func withLogger(o controllers.Options, l *slog.Logger) controllers.Options {
	o.Logger = l
	return o
}

func engineRunsControllers(ctx context.Context) bool {
	found := false
	_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cluster.client.CoreV1().Nodes().Get(ctx, "sheetops-node", metav1.GetOptions{})
		found = err == nil
		return found, nil
	})
	return found
}

// namespace creates a fresh namespace for the test and deletes it afterwards.
func namespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	ns, err := cluster.client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: strings.Trim(name, "-") + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = cluster.client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// newDeployment is a deployment of image with an app=name selector; edit changes it before
// it is created.
func newDeployment(t *testing.T, ns, name string, replicas int32, image string, edit func(*appsv1.Deployment)) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			},
		},
	}
	if edit != nil {
		edit(d)
	}
	out, err := cluster.client.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s: %v", name, err)
	}
	return out
}

// waitFor polls cond until it holds, failing the test with cond's last report at the deadline.
func waitFor(t *testing.T, what string, cond func(ctx context.Context) (bool, string, error)) {
	t.Helper()
	last := ""
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		ok, state, err := cond(ctx)
		last = state
		if err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		return ok, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v; last seen: %s", what, err, last)
	}
}

// waitRolledOut waits until the deployment's controller has seen its latest generation and
// every replica is updated and available (what kubectl rollout status waits for), and returns it.
func waitRolledOut(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	waitFor(t, "deployment "+name+" rolled out", func(ctx context.Context) (bool, string, error) {
		var err error
		d, err = cluster.client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		s := d.Status
		want := *d.Spec.Replicas
		state := fmt.Sprintf("generation %d observed %d, replicas %d updated %d ready %d available %d unavailable %d (want %d)",
			d.Generation, s.ObservedGeneration, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.AvailableReplicas, s.UnavailableReplicas, want)
		return s.ObservedGeneration >= d.Generation && s.Replicas == want && s.UpdatedReplicas == want &&
			s.ReadyReplicas == want && s.AvailableReplicas == want && s.UnavailableReplicas == 0, state, nil
	})
	return d
}

// podsOf lists the pods with the selector's labels.
func podsOf(ctx context.Context, ns string, labels map[string]string) ([]corev1.Pod, error) {
	list, err := cluster.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: labels})})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

// replicaSetsOf lists the replica sets controlled by the deployment.
func replicaSetsOf(ctx context.Context, d *appsv1.Deployment) ([]appsv1.ReplicaSet, error) {
	list, err := cluster.client.AppsV1().ReplicaSets(d.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []appsv1.ReplicaSet
	for _, rs := range list.Items {
		if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == d.UID {
			out = append(out, rs)
		}
	}
	return out, nil
}

// podsSettled waits until exactly n pods with the labels exist, none terminating, all Running
// and Ready, and returns them.
func podsSettled(t *testing.T, ns string, labels map[string]string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	waitFor(t, fmt.Sprintf("%d running ready pods", n), func(ctx context.Context) (bool, string, error) {
		var err error
		pods, err = podsOf(ctx, ns, labels)
		if err != nil {
			return false, "", err
		}
		var states []string
		ok := len(pods) == n
		for _, p := range pods {
			states = append(states, fmt.Sprintf("%s:%s ready=%v terminating=%v", p.Name, p.Status.Phase, isReady(&p), p.DeletionTimestamp != nil))
			ok = ok && p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && isReady(&p)
		}
		return ok, strings.Join(states, ", "), nil
	})
	return pods
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func condition(d *appsv1.Deployment, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == t {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// setImage changes the image of the deployment's first container (retrying on conflicts).
func setImage(t *testing.T, ns, name, image string) {
	t.Helper()
	updateDeployment(t, ns, name, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = image })
}

func updateDeployment(t *testing.T, ns, name string, edit func(*appsv1.Deployment)) {
	t.Helper()
	ctx := context.Background()
	for range 10 {
		d, err := cluster.client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get deployment: %v", err)
		}
		edit(d)
		_, err = cluster.client.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
		if err == nil {
			return
		}
		if !apierrors.IsConflict(err) {
			t.Fatalf("update deployment: %v", err)
		}
	}
	t.Fatal("update deployment: conflicts ten times")
}
