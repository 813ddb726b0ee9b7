package controllers

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func boundPod(images ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Namespace: "shop", UID: "uid-1", Generation: 1},
		Spec:       corev1.PodSpec{NodeName: "sheetops-node", RestartPolicy: corev1.RestartPolicyAlways},
		Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		}},
	}
	for i, img := range images {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: []string{"app", "side"}[i], Image: img})
	}
	return p
}

// walk applies n steps to pod, each one step delay apart, and returns the statuses.
func walk(pod *corev1.Pod, n int) []corev1.PodStatus {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []corev1.PodStatus
	for range n {
		st := nextPodStatus(pod, "10.244.0.7", now)
		out = append(out, *st)
		pod = pod.DeepCopy()
		pod.Status = *st
		now = now.Add(time.Second)
	}
	return out
}

func conditionStatus(st corev1.PodStatus, t corev1.PodConditionType) corev1.ConditionStatus {
	if c := findCondition(st.Conditions, t); c != nil {
		return c.Status
	}
	return ""
}

func TestPodLifecycleRunning(t *testing.T) {
	steps := walk(boundPod("nginx:1.27"), 3)
	creating, running, stable := steps[0], steps[1], steps[2]

	if creating.Phase != corev1.PodPending || creating.PodIP != "" || creating.StartTime == nil || creating.HostIP != hostIP {
		t.Errorf("creating: phase %s podIP %q startTime %v hostIP %q", creating.Phase, creating.PodIP, creating.StartTime, creating.HostIP)
	}
	if w := creating.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != reasonContainerCreating {
		t.Errorf("creating: container state %+v, want waiting ContainerCreating", creating.ContainerStatuses[0].State)
	}
	for typ, want := range map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodReadyToStartContainers: corev1.ConditionFalse, corev1.PodInitialized: corev1.ConditionTrue,
		corev1.PodReady: corev1.ConditionFalse, corev1.ContainersReady: corev1.ConditionFalse, corev1.PodScheduled: corev1.ConditionTrue,
	} {
		if got := conditionStatus(creating, typ); got != want {
			t.Errorf("creating: %s = %q, want %q", typ, got, want)
		}
	}

	cs := running.ContainerStatuses[0]
	if running.Phase != corev1.PodRunning || running.PodIP != "10.244.0.7" || len(running.PodIPs) != 1 || running.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("running: phase %s podIP %q podIPs %v qos %q", running.Phase, running.PodIP, running.PodIPs, running.QOSClass)
	}
	if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started || cs.RestartCount != 0 {
		t.Errorf("running: container %+v", cs)
	}
	if cs.Image != "docker.io/library/nginx:1.27" || !strings.HasPrefix(cs.ImageID, "docker.io/library/nginx@sha256:") || len(cs.ImageID) != len("docker.io/library/nginx@sha256:")+64 {
		t.Errorf("running: image %q imageID %q", cs.Image, cs.ImageID)
	}
	if !strings.HasPrefix(cs.ContainerID, runtimeScheme) || len(cs.ContainerID) != len(runtimeScheme)+64 {
		t.Errorf("running: containerID %q", cs.ContainerID)
	}
	wantOrder := []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled}
	for i, c := range running.Conditions {
		if c.Status != corev1.ConditionTrue || c.Type != wantOrder[i] {
			t.Errorf("running: condition %d = %s %s, want %s True", i, c.Type, c.Status, wantOrder[i])
		}
	}
	if d := stepDelay(&corev1.Pod{Spec: boundPod("nginx:1.27").Spec, Status: running}, time.Second); d != 0 {
		t.Errorf("a running pod has a next step in %v, want none", d)
	}
	if stable.ContainerStatuses[0].ContainerID != cs.ContainerID {
		t.Error("a running container was restarted")
	}
	if c := findCondition(stable.Conditions, corev1.PodReady); !c.LastTransitionTime.Equal(&findCondition(running.Conditions, corev1.PodReady).LastTransitionTime) {
		t.Error("Ready's lastTransitionTime moved without a transition")
	}
}

func TestPodLifecycleCrashLoop(t *testing.T) {
	pod := boundPod("example/crashloop:1")
	steps := walk(pod, 9)
	// creating, running, terminated, back-off, running, terminated, back-off, running, terminated
	for i, st := range steps[1:] {
		if conditionStatus(st, corev1.PodReady) != corev1.ConditionFalse || st.ContainerStatuses[0].Ready {
			t.Errorf("step %d: ready", i+1)
		}
		if st.Phase != corev1.PodRunning {
			t.Errorf("step %d: phase %s, want Running", i+1, st.Phase)
		}
	}
	term := steps[2].ContainerStatuses[0]
	if term.State.Terminated == nil || term.State.Terminated.ExitCode != 1 || term.State.Terminated.Reason != reasonError || term.RestartCount != 0 {
		t.Errorf("after running: %+v, want terminated Error exit 1, restartCount 0", term)
	}
	backOff := steps[3].ContainerStatuses[0]
	w := backOff.State.Waiting
	if w == nil || w.Reason != reasonCrashLoopBackOff || backOff.RestartCount != 1 || backOff.LastTerminationState.Terminated == nil {
		t.Fatalf("after terminated: %+v, want waiting CrashLoopBackOff, restartCount 1, lastState terminated", backOff)
	}
	if want := "back-off 10s restarting failed container=app pod=web-abc_shop(uid-1)"; w.Message != want {
		t.Errorf("back-off message %q, want %q", w.Message, want)
	}
	if m := steps[6].ContainerStatuses[0].State.Waiting.Message; !strings.HasPrefix(m, "back-off 20s ") {
		t.Errorf("second back-off message %q, want back-off 20s", m)
	}
	again := steps[4].ContainerStatuses[0]
	if again.State.Running == nil || again.RestartCount != 1 || again.LastTerminationState.Terminated == nil || again.ContainerID == term.ContainerID {
		t.Errorf("restarted: %+v", again)
	}
	if steps[8].ContainerStatuses[0].RestartCount != 2 {
		t.Errorf("restartCount after two crashes = %d, want 2", steps[8].ContainerStatuses[0].RestartCount)
	}
	// The back-off grows.
	p := pod.DeepCopy()
	p.Status = steps[6]
	if d := stepDelay(p, time.Second); d != 2*time.Second {
		t.Errorf("second back-off lasts %v, want 2s", d)
	}

	never := boundPod("example/crashloop:1")
	never.Spec.RestartPolicy = corev1.RestartPolicyNever
	if st := walk(never, 4)[3]; st.Phase != corev1.PodFailed || st.ContainerStatuses[0].State.Terminated == nil {
		t.Errorf("restartPolicy Never: phase %s state %+v, want Failed and terminated", st.Phase, st.ContainerStatuses[0].State)
	}
}

func TestPodLifecycleImagePullFailure(t *testing.T) {
	steps := walk(boundPod("doesnotexist:1.0"), 5)
	wantReasons := []string{reasonContainerCreating, reasonErrImagePull, reasonImagePullBackOff, reasonErrImagePull, reasonImagePullBackOff}
	for i, st := range steps {
		cs := st.ContainerStatuses[0]
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != wantReasons[i] {
			t.Errorf("step %d: state %+v, want waiting %s", i, cs.State, wantReasons[i])
		}
		if st.Phase != corev1.PodPending || cs.Ready || conditionStatus(st, corev1.PodReady) != corev1.ConditionFalse {
			t.Errorf("step %d: phase %s ready %v", i, st.Phase, cs.Ready)
		}
	}
	pull := steps[1].ContainerStatuses[0].State.Waiting.Message
	if !strings.Contains(pull, `failed to pull and unpack image "docker.io/library/doesnotexist:1.0"`) {
		t.Errorf("ErrImagePull message %q", pull)
	}
	if back := steps[2].ContainerStatuses[0].State.Waiting.Message; back != `Back-off pulling image "doesnotexist:1.0": ErrImagePull: `+pull {
		t.Errorf("ImagePullBackOff message %q", back)
	}
	if steps[2].PodIP == "" || conditionStatus(steps[2], corev1.PodReadyToStartContainers) != corev1.ConditionTrue {
		t.Error("a pod whose image fails to pull has no sandbox")
	}
}

func TestPodImageChangeRestartsContainer(t *testing.T) {
	pod := boundPod("nginx:1.26")
	pod.Status = walk(pod, 2)[1]
	before := pod.Status.ContainerStatuses[0]
	pod.Spec.Containers[0].Image = "nginx:1.27"
	if d := stepDelay(pod, time.Second); d != time.Second {
		t.Fatalf("a container with a changed image has its next step in %v, want 1s", d)
	}
	cs := nextPodStatus(pod, "10.244.0.7", time.Now()).ContainerStatuses[0]
	if cs.Image != "docker.io/library/nginx:1.27" || cs.RestartCount != 1 || cs.ContainerID == before.ContainerID || cs.State.Running == nil || !cs.Ready ||
		cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ContainerID != before.ContainerID {
		t.Errorf("after the image change: %+v", cs)
	}
}

func TestPodLifecycleMixedContainers(t *testing.T) {
	st := walk(boundPod("nginx", "doesnotexist"), 2)[1]
	if st.Phase != corev1.PodPending {
		t.Errorf("phase %s, want Pending while one container waits for its image", st.Phase)
	}
	c := findCondition(st.Conditions, corev1.ContainersReady)
	if c.Reason != reasonContainersNotReady || c.Message != "containers with unready status: [side]" {
		t.Errorf("ContainersReady %s: %s", c.Reason, c.Message)
	}
}

func TestTerminatedPodStatus(t *testing.T) {
	running := boundPod("nginx")
	running.Status = walk(running, 2)[1]
	st := terminatedPodStatus(running, time.Now())
	term := st.ContainerStatuses[0].State.Terminated
	if st.Phase != corev1.PodSucceeded || term == nil || term.Reason != reasonCompleted || term.ExitCode != 0 || term.StartedAt.IsZero() {
		t.Errorf("phase %s terminated %+v", st.Phase, term)
	}
	if c := findCondition(st.Conditions, corev1.PodReady); c.Status != corev1.ConditionFalse || c.Reason != reasonPodCompleted {
		t.Errorf("Ready %s %s, want False PodCompleted", c.Status, c.Reason)
	}
	running.Status = *st
	if !allTerminated(running) {
		t.Error("allTerminated = false")
	}
}

func TestNormalizeImage(t *testing.T) {
	tests := []struct{ image, want string }{
		{"nginx", "docker.io/library/nginx:latest"},
		{"nginx:1.27", "docker.io/library/nginx:1.27"},
		{"bitnami/redis:7", "docker.io/bitnami/redis:7"},
		{"ghcr.io/example/shop-api:2.4.1", "ghcr.io/example/shop-api:2.4.1"},
		{"localhost:5000/app", "localhost:5000/app:latest"},
		{"localhost/app:v1", "localhost/app:v1"},
		{"nginx@sha256:abcd", "docker.io/library/nginx@sha256:abcd"},
	}
	for _, tt := range tests {
		if got := normalizeImage(tt.image); got != tt.want {
			t.Errorf("normalizeImage(%q) = %q, want %q", tt.image, got, tt.want)
		}
	}
	if got := withDefaultTag("localhost:5000/app"); got != "localhost:5000/app:latest" {
		t.Errorf("withDefaultTag = %q", got)
	}
}

func TestIPPool(t *testing.T) {
	p := newIPPool()
	a := p.allocate("ns/a")
	if a != "10.244.0.2" {
		t.Errorf("first IP %s, want 10.244.0.2", a)
	}
	if !p.reserve("10.244.0.3", "ns/b") || p.reserve("10.244.0.3", "ns/c") || p.reserve("192.168.0.1", "ns/d") {
		t.Error("reserve: wrong answers")
	}
	if c := p.allocate("ns/c"); c != "10.244.0.4" {
		t.Errorf("allocate skipped to %s, want 10.244.0.4", c)
	}
	seen := map[string]bool{}
	for i := range 300 {
		ip := p.allocate(string(rune('a' + i)))
		if seen[ip] || ip == "" {
			t.Fatalf("IP %q handed out twice", ip)
		}
		seen[ip] = true
	}
	if !seen["10.244.1.0"] {
		t.Error("allocation does not carry into the next /24")
	}
	p.release(a)
	if p.reserve(a, "ns/e") != true {
		t.Error("released IP not reusable")
	}
}
