package mapping

import (
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// now is the fixed time rows are rendered at.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func ptr[T any](v T) *T { return &v }

const day = 24 * time.Hour

func objectMeta(namespace, name string, age time.Duration, rv int) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Namespace:         namespace,
		Name:              name,
		UID:               types.UID("00000000-0000-4000-8000-" + padUID(namespace+"/"+name)),
		ResourceVersion:   strconv.Itoa(rv),
		CreationTimestamp: ago(age),
	}
}

// padUID makes a stable 12-hex-digit UID suffix from a key.
func padUID(key string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	s := strconv.FormatUint(h&0xffffffffffff, 16)
	for len(s) < 12 {
		s = "0" + s
	}
	return s
}

func containers(images ...string) []corev1.Container {
	cs := make([]corev1.Container, len(images))
	for i, img := range images {
		cs[i] = corev1.Container{Name: containerName(img), Image: img}
	}
	return cs
}

func newDeployment(namespace, name string, replicas *int32, ready, updated, available int32, images ...string) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: objectMeta(namespace, name, 10*day+3*time.Hour, 1000+len(name)),
		Spec: appsv1.DeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: containers(images...)},
			},
		},
		Status: appsv1.DeploymentStatus{
			Replicas:          ptrValue(replicas),
			ReadyReplicas:     ready,
			UpdatedReplicas:   updated,
			AvailableReplicas: available,
		},
	}
}

func ptrValue(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// deployments is a realistic set of deployments: settled, rolling out, not ready, scaled to
// zero, multi-container, pinned by digest, and one without spec.replicas.
func deployments() []*appsv1.Deployment {
	web := newDeployment("shop", "web", ptr[int32](3), 3, 3, 3, "nginx:1.27")
	api := newDeployment("shop", "api", ptr[int32](3), 2, 1, 2,
		"registry.example.com:5000/shop/api:v2.3.1", "envoyproxy/envoy:v1.31.0")
	api.CreationTimestamp = ago(45 * time.Minute)
	pg := newDeployment("data", "postgres", ptr[int32](1), 0, 1, 0,
		"postgres@sha256:4c2d7b9f1e8a3c5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e")
	pg.CreationTimestamp = ago(400 * day)
	batch := newDeployment("tools", "nightly-batch", ptr[int32](0), 0, 0, 0, "ghcr.io/acme/batch:2026.02")
	batch.CreationTimestamp = ago(90 * time.Second)
	legacy := newDeployment("tools", "legacy", nil, 1, 1, 1, "busybox")
	legacy.CreationTimestamp = metav1.Time{}
	return []*appsv1.Deployment{web, api, pg, batch, legacy}
}

func running(since time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(since)}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, exitCode int32) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exitCode, FinishedAt: ago(time.Minute)}}
}

func status(name string, ready bool, restarts int32, state corev1.ContainerState) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts, State: state, Started: ptr(state.Running != nil)}
}

func condition(t corev1.PodConditionType, s corev1.ConditionStatus) corev1.PodCondition {
	return corev1.PodCondition{Type: t, Status: s}
}

func newPod(namespace, name string, age time.Duration, images ...string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: objectMeta(namespace, name, age, 2000+len(name)),
		Spec:       corev1.PodSpec{Containers: containers(images...)},
	}
}

// scheduled makes a pod placed on a node with an IP.
func scheduled(p *corev1.Pod, node, ip string) *corev1.Pod {
	p.Spec.NodeName = node
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	return p
}

// pods is a realistic set of pods: running, multi-container, pending, creating, crash
// looping, image pull errors, terminating, completed, failed, initialising, with a sidecar,
// on a lost node, gated, and one without a creation time.
func pods() []*corev1.Pod {
	var ps []*corev1.Pod

	p := scheduled(newPod("shop", "web-7d9f8b6c5-x2k4p", 10*day, "nginx:1.27"), "node-a", "10.244.1.12")
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodInitialized, corev1.ConditionTrue), condition(corev1.PodReady, corev1.ConditionTrue)}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("nginx", true, 0, running(10*day))}
	ps = append(ps, p)

	p = scheduled(newPod("shop", "api-5c6d7e8f9-abcde", 40*time.Minute,
		"registry.example.com:5000/shop/api:v2.3.1", "envoyproxy/envoy:v1.31.0"), "node-b", "10.244.2.7")
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{
		status("api", true, 1, running(30*time.Minute)),
		status("envoy", true, 2, running(40*time.Minute)),
	}
	ps = append(ps, p)

	p = scheduled(newPod("shop", "api-5c6d7e8f9-fghij", 40*time.Minute,
		"registry.example.com:5000/shop/api:v2.3.1", "envoyproxy/envoy:v1.31.0"), "node-a", "10.244.1.30")
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionFalse)}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{
		status("api", false, 0, running(30*time.Second)),
		status("envoy", true, 0, running(40*time.Minute)),
	}
	ps = append(ps, p)

	p = newPod("shop", "api-5c6d7e8f9-pend1", 5*time.Second, "registry.example.com:5000/shop/api:v2.3.1")
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}
	ps = append(ps, p)

	p = scheduled(newPod("data", "postgres-6b8c9d-creat", 20*time.Second, "postgres:16"), "node-c", "")
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("postgres", false, 0, waiting("ContainerCreating"))}
	ps = append(ps, p)

	p = scheduled(newPod("data", "etl-6f7c8d9e0-crash", 3*time.Hour, "ghcr.io/acme/etl:1.4"), "node-c", "10.244.3.5")
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: "etl", RestartCount: 12, State: waiting("CrashLoopBackOff"),
		LastTerminationState: terminated("Error", 1),
	}}
	ps = append(ps, p)

	p = scheduled(newPod("tools", "typo-8d9e0f1a2-pull1", 2*time.Minute, "nginxx:1.27"), "node-a", "10.244.1.40")
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("nginxx", false, 0, waiting("ErrImagePull"))}
	ps = append(ps, p)

	p = scheduled(newPod("tools", "typo-8d9e0f1a2-pull2", 6*time.Minute, "nginxx:1.27"), "node-b", "10.244.2.41")
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("nginxx", false, 0, waiting("ImagePullBackOff"))}
	ps = append(ps, p)

	p = scheduled(newPod("shop", "web-7d9f8b6c5-old01", 2*day, "nginx:1.26"), "node-b", "10.244.2.9")
	p.Status.Phase = corev1.PodRunning
	p.DeletionTimestamp = ptr(ago(10 * time.Second))
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("nginx", true, 0, running(2*day))}
	ps = append(ps, p)

	p = scheduled(newPod("tools", "migrate-28473920-q7w8e", 26*time.Hour, "ghcr.io/acme/migrate:3"), "node-c", "10.244.3.8")
	p.Status.Phase = corev1.PodSucceeded
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("migrate", false, 0, terminated("Completed", 0))}
	ps = append(ps, p)

	p = scheduled(newPod("tools", "report-28473921-zx9c", 5*time.Hour, "ghcr.io/acme/report:3"), "node-c", "10.244.3.9")
	p.Status.Phase = corev1.PodFailed
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("report", false, 0, terminated("Error", 2))}
	ps = append(ps, p)

	p = scheduled(newPod("data", "warehouse-0", 70*time.Second, "ghcr.io/acme/warehouse:9"), "node-a", "10.244.1.50")
	p.Spec.InitContainers = containers("busybox:1.36")
	p.Status.Phase = corev1.PodPending
	p.Status.InitContainerStatuses = []corev1.ContainerStatus{status("busybox-1-36", false, 0, running(60*time.Second))}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("warehouse", false, 0, waiting("PodInitializing"))}
	ps = append(ps, p)

	p = scheduled(newPod("shop", "cart-4a5b6c7d8-sdcar", 7*day, "ghcr.io/acme/cart:5"), "node-b", "10.244.2.60")
	p.Spec.InitContainers = []corev1.Container{{Name: "proxy", Image: "envoyproxy/envoy:v1.31.0", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways)}}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodInitialized, corev1.ConditionTrue), condition(corev1.PodReady, corev1.ConditionTrue)}
	p.Status.InitContainerStatuses = []corev1.ContainerStatus{status("proxy", true, 1, running(7*day))}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("cart", true, 4, running(2*day))}
	ps = append(ps, p)

	p = scheduled(newPod("shop", "web-7d9f8b6c5-lost1", 3*day, "nginx:1.27"), "node-d", "10.244.4.2")
	p.Status.Phase = corev1.PodRunning
	p.Status.Reason = nodeLostReason
	p.DeletionTimestamp = ptr(ago(5 * time.Minute))
	p.Status.ContainerStatuses = []corev1.ContainerStatus{status("nginx", true, 0, running(3*day))}
	ps = append(ps, p)

	p = newPod("data", "gated-0", time.Minute, "ghcr.io/acme/warehouse:9")
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}
	ps = append(ps, p)

	p = scheduled(newPod("data", "cache-0", 0, "redis:7"), "node-a", "")
	p.Status.PodIPs = []corev1.PodIP{{IP: "fd00::1"}}
	p.CreationTimestamp = metav1.Time{}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "redis", Ready: false, RestartCount: 3, State: terminated("OOMKilled", 137)}}
	ps = append(ps, p)

	return ps
}
