package apiserver_test

// End-to-end tests of the workload controllers with the real kubectl: rollout status,
// history and undo of a daemon set, a job made from a cron job, and logs.

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/sheetops/sheetops/apiserver/controllers"
)

func TestKubectlWorkloads(t *testing.T) {
	path := needTool(t, "/usr/bin/kubectl")
	srv := startCluster(t, controllers.Options{StartDelay: 20 * time.Millisecond, TerminationDelay: 50 * time.Millisecond, Workers: 2})
	k := newKubectl(t, path, srv)
	f := kcFixtures{t, clientset(t, srv)}

	t.Run("daemon set rollout", func(t *testing.T) { testKubectlDaemonSetRollout(t, k, f) })
	t.Run("job from cron job", func(t *testing.T) { testKubectlJobFromCronJob(t, k, f) })
	t.Run("logs", func(t *testing.T) { testKubectlLogs(t, k, f) })
	t.Run("server-side apply through autoscaling/v1", func(t *testing.T) { testKubectlApplyHPAv1(t, k, f) })
}

func testKubectlApplyHPAv1(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "hpa"
	f.namespace(ns)
	manifest := func(max int) string {
		return fmt.Sprintf(`apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: %s
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: %d
  targetCPUUtilizationPercentage: 60
`, ns, max)
	}
	out := k.ok(t, "apply", "--server-side", "-f", kcWriteManifest(t, "hpa.yaml", manifest(4)))
	kcWantContains(t, "apply --server-side", out, "horizontalpodautoscaler.autoscaling/web serverside-applied")
	k.ok(t, "apply", "--server-side", "-f", kcWriteManifest(t, "hpa.yaml", manifest(5)))
	out = k.ok(t, "get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", ns,
		"-o", `jsonpath={.spec.maxReplicas} {.spec.targetCPUUtilizationPercentage} {.metadata.managedFields[0].manager} {.metadata.managedFields[0].apiVersion}`)
	if want := "5 60 kubectl autoscaling/v1"; out != want {
		t.Errorf("the applied autoscaling/v1 object: %q, want %q", out, want)
	}
	out = k.ok(t, "get", "horizontalpodautoscalers.v2.autoscaling", "web", "-n", ns, "-o", `jsonpath={.spec.metrics[0].resource.target.averageUtilization}`)
	if out != "60" {
		t.Errorf("the CPU target seen in autoscaling/v2: %q, want 60", out)
	}
}

func kcDaemonSetYAML(ns, image string) string {
	return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: ` + ns + `
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: ` + image + `
`
}

func testKubectlDaemonSetRollout(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "ds"
	f.namespace(ns)
	k.ok(t, "apply", "-f", kcWriteManifest(t, "ds.yaml", kcDaemonSetYAML(ns, "fluentd:1.16")))
	out := k.ok(t, "rollout", "status", "ds/agent", "-n", ns, "--timeout=20s")
	kcWantContains(t, "rollout status", out, `daemon set "agent" successfully rolled out`)

	k.ok(t, "set", "image", "ds/agent", "agent=fluentd:1.17", "-n", ns)
	out = k.ok(t, "rollout", "status", "ds/agent", "-n", ns, "--timeout=20s")
	kcWantContains(t, "rollout status after set image", out, `daemon set "agent" successfully rolled out`)

	out = k.ok(t, "rollout", "history", "ds/agent", "-n", ns)
	kcWantContains(t, "rollout history", out, "REVISION", "1 ", "2 ")
	out = k.ok(t, "rollout", "history", "ds/agent", "-n", ns, "--revision=1")
	kcWantContains(t, "rollout history --revision=1", out, "fluentd:1.16")

	out = k.ok(t, "rollout", "undo", "ds/agent", "-n", ns)
	kcWantContains(t, "rollout undo", out, "daemonset.apps/agent rolled back")
	k.ok(t, "rollout", "status", "ds/agent", "-n", ns, "--timeout=20s")
	out = k.ok(t, "get", "pods", "-n", ns, "-l", "app=agent", "-o", "jsonpath={.items[*].spec.containers[0].image}")
	if strings.TrimSpace(out) != "fluentd:1.16" {
		t.Errorf("after undo the pods run %q, want fluentd:1.16", out)
	}
	header, rows := kcTable(k.ok(t, "get", "ds", "-n", ns))
	if want := "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE"; strings.Join(header, " ") != want {
		t.Errorf("get ds header %q, want %q", header, want)
	}
	if row := rows["agent"]; len(row) < 6 || strings.Join(row[1:6], " ") != "1 1 1 1 1" {
		t.Errorf("get ds row %q, want 1 desired, current, ready, up-to-date and available", row)
	}
}

func testKubectlJobFromCronJob(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "cron"
	f.namespace(ns)
	k.ok(t, "create", "cronjob", "report", "-n", ns, "--image=busybox:1.36", "--schedule=0 3 * * *", "--", "echo", "hi")
	out := k.ok(t, "create", "job", "report-manual", "--from=cronjob/report", "-n", ns)
	kcWantContains(t, "create job --from", out, "job.batch/report-manual created")
	k.ok(t, "wait", "--for=condition=complete", "job/report-manual", "-n", ns, "--timeout=20s")
	job, err := f.cs.BatchV1().Jobs(ns).Get(context.Background(), "report-manual", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.GetControllerOf(job)
	if job.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" || ref == nil || ref.Kind != "CronJob" || ref.Name != "report" || job.Status.Succeeded != 1 {
		t.Errorf("job: annotations %v controller %+v succeeded %d", job.Annotations, ref, job.Status.Succeeded)
	}
	// the cron job notices the success of its job
	err = wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, kcWait, true, func(ctx context.Context) (bool, error) {
		cj, err := f.cs.BatchV1().CronJobs(ns).Get(ctx, "report", metav1.GetOptions{})
		return err == nil && cj.Status.LastSuccessfulTime != nil, nil
	})
	if err != nil {
		t.Errorf("the cron job's lastSuccessfulTime stays unset: %v", err)
	}
	out = k.ok(t, "get", "pods", "-n", ns, "-l", "job-name=report-manual", "-o", "name")
	if pod := strings.TrimSpace(out); pod != "" {
		logs := k.ok(t, "logs", pod, "-n", ns)
		kcWantContains(t, "logs of the completed job's pod", logs, "exited with code 0")
	}
}

func testKubectlLogs(t *testing.T, k kubectlCLI, f kcFixtures) {
	const ns = "logs"
	f.namespace(ns)
	// a pod no scheduler binds: an empty log, as upstream answers before a node is chosen
	f.pod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unbound"}, Spec: corev1.PodSpec{SchedulerName: kcUnscheduled}})
	if out := k.ok(t, "logs", "unbound", "-n", ns); out != "" {
		t.Errorf("logs of an unbound pod: %q, want nothing", out)
	}
	// an image that never pulls: the kubelet's message
	f.pod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nopull"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/doesnotexist:1"}}}})
	waitPodWaiting(t, f, ns, "nopull")
	stderr := k.fails(t, "logs", "nopull", "-n", ns)
	kcWantContains(t, "logs of a pod waiting for its image", stderr, `Error from server (BadRequest): container "app" in pod "nopull" is waiting to start:`)

	f.pod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}, {Name: "sidecar", Image: "busybox:1.36"}}}})
	k.ok(t, "wait", "--for=condition=Ready", "pod/web", "-n", ns, "--timeout=20s")
	out := k.ok(t, "logs", "web", "-c", "app", "-n", ns)
	kcWantContains(t, "logs of a running container", out, "container app started (image docker.io/library/nginx:1.27)")
	out = k.ok(t, "logs", "web", "-c", "app", "-n", ns, "--tail=1", "--timestamps")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "Z sheetops:") {
		t.Errorf("logs --tail=1 --timestamps: %q", out)
	}
	// follow: the lines arrive at once and the stream stays open while the container runs
	followCtx, cancel := context.WithTimeout(context.Background(), kcWait)
	defer cancel()
	stream, err := f.cs.CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{Container: "app", Follow: true}).Stream(followCtx)
	if err != nil {
		t.Fatalf("follow the log: %v", err)
	}
	line, err := bufio.NewReader(stream).ReadString('\n')
	if err != nil || !strings.Contains(line, "container app started") {
		t.Errorf("first followed line %q, %v", line, err)
	}
	stream.Close()
	stderr = k.fails(t, "logs", "web", "-c", "nope", "-n", ns)
	kcWantContains(t, "logs of a missing container", stderr, "container nope is not valid for pod web")
	stderr = k.fails(t, "logs", "web", "-c", "app", "-n", ns, "--previous")
	kcWantContains(t, "logs of a previous container", stderr, `previous terminated container "app" in pod "web" not found`)
	stderr = k.fails(t, "logs", "missing", "-n", ns)
	kcWantContains(t, "logs of a missing pod", stderr, `pods "missing" not found`)
}

func waitPodWaiting(t *testing.T, f kcFixtures, ns, name string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, kcWait, true, func(ctx context.Context) (bool, error) {
		p, err := f.cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false, nil
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff"), nil
	})
	if err != nil {
		t.Fatalf("pod %s never waited for its image: %v", name, err)
	}
}
