package printers

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// now is the fixed clock of every test.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func ptr[T any](v T) *T { return &v }

func objectMeta(name string, age time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:              name,
		Namespace:         "default",
		UID:               types.UID("uid-" + name),
		ResourceVersion:   "42",
		CreationTimestamp: ago(age),
		Labels:            map[string]string{"app": "web"},
	}
}

func running(since time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(since)}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, exitCode, signal int32, finished time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: reason, ExitCode: exitCode, Signal: signal, FinishedAt: ago(finished),
	}}
}

func containers(names ...string) []corev1.Container {
	out := make([]corev1.Container, len(names))
	for i, n := range names {
		out[i] = corev1.Container{Name: n, Image: "registry.example/" + n + ":1.0"}
	}
	return out
}

func condition(t corev1.PodConditionType, s corev1.ConditionStatus) corev1.PodCondition {
	return corev1.PodCondition{Type: t, Status: s}
}

// runningPod is a bound, ready pod of two containers, one restarted three
// times, the last time two minutes ago.
func runningPod() *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: objectMeta("web-7d4b9c-x2x8k", 5*24*time.Hour),
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("app", "proxy")},
		Status: corev1.PodStatus{
			Phase:  corev1.PodRunning,
			PodIP:  "10.244.0.12",
			PodIPs: []corev1.PodIP{{IP: "10.244.0.12"}},
			Conditions: []corev1.PodCondition{
				condition(corev1.PodInitialized, corev1.ConditionTrue),
				condition(corev1.PodReady, corev1.ConditionTrue),
				condition(corev1.ContainersReady, corev1.ConditionTrue),
				condition(corev1.PodScheduled, corev1.ConditionTrue),
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", Ready: true, RestartCount: 3, State: running(2 * time.Minute),
					LastTerminationState: terminated("Error", 1, 0, 2*time.Minute)},
				{Name: "proxy", Ready: true, State: running(5 * 24 * time.Hour)},
			},
		},
	}
}

// pendingPod is a bound pod whose only container is being created.
func pendingPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: objectMeta("web-7d4b9c-pend1", 10*time.Second),
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("app")},
		Status: corev1.PodStatus{
			Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{
				condition(corev1.PodInitialized, corev1.ConditionTrue),
				condition(corev1.PodReady, corev1.ConditionFalse),
				condition(corev1.PodScheduled, corev1.ConditionTrue),
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", State: waiting("ContainerCreating")},
			},
		},
	}
}

// crashLoopPod is a running pod whose container keeps crashing.
func crashLoopPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: objectMeta("worker-5f6d8-crash", 90*time.Minute),
		Spec:       corev1.PodSpec{NodeName: "node-2", Containers: containers("worker")},
		Status: corev1.PodStatus{
			Phase:  corev1.PodRunning,
			PodIPs: []corev1.PodIP{{IP: "10.244.1.7"}, {IP: "fd00::7"}},
			Conditions: []corev1.PodCondition{
				condition(corev1.PodInitialized, corev1.ConditionTrue),
				condition(corev1.PodReady, corev1.ConditionFalse),
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "worker", RestartCount: 5, State: waiting("CrashLoopBackOff"),
					LastTerminationState: terminated("Error", 2, 0, 30*time.Second)},
			},
		},
	}
}

// terminatingPod is a ready pod being deleted.
func terminatingPod() *corev1.Pod {
	p := runningPod()
	p.TypeMeta = metav1.TypeMeta{}
	p.Name = "web-7d4b9c-old01"
	p.DeletionTimestamp = ptr(ago(5 * time.Second))
	p.Status.ContainerStatuses[0].RestartCount = 0
	p.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{}
	return p
}

// completedPod is a pod whose only container exited 0.
func completedPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: objectMeta("migrate-abc12", 3*time.Hour),
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("migrate")},
		Status: corev1.PodStatus{
			Phase:  corev1.PodSucceeded,
			PodIPs: []corev1.PodIP{{IP: "10.244.0.30"}},
			Conditions: []corev1.PodCondition{
				condition(corev1.PodInitialized, corev1.ConditionTrue),
				condition(corev1.PodReady, corev1.ConditionFalse),
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "migrate", State: terminated("Completed", 0, 0, 170*time.Minute)},
			},
		},
	}
}

func podList(pods ...*corev1.Pod) *corev1.PodList {
	l := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "1234", Continue: "next-page", RemainingItemCount: ptr(int64(7))}}
	for _, p := range pods {
		l.Items = append(l.Items, *p)
	}
	return l
}

func deployment(name string, want, ready, updated, available int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: objectMeta(name, 26*time.Hour),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(want),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers("app", "proxy")}},
		},
		Status: appsv1.DeploymentStatus{
			Replicas: want, ReadyReplicas: ready, UpdatedReplicas: updated, AvailableReplicas: available,
		},
	}
}

func replicaSet(name string, want, current, ready int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: objectMeta(name, 26*time.Hour),
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr(want),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "7d4b9c"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers("app")}},
		},
		Status: appsv1.ReplicaSetStatus{Replicas: current, ReadyReplicas: ready},
	}
}

func namespace(name string, phase corev1.NamespacePhase, age time.Duration) *corev1.Namespace {
	m := objectMeta(name, age)
	m.Namespace = ""
	return &corev1.Namespace{ObjectMeta: m, Status: corev1.NamespaceStatus{Phase: phase}}
}

func node(name string) *corev1.Node {
	m := objectMeta(name, 40*24*time.Hour)
	m.Namespace = ""
	m.Labels = map[string]string{"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": name}
	return &corev1.Node{
		ObjectMeta: m,
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue},
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeHostName, Address: name},
				{Type: corev1.NodeInternalIP, Address: "192.168.49.2"},
			},
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:          "v1.32.2",
				OSImage:                 "Debian GNU/Linux 12 (bookworm)",
				KernelVersion:           "6.1.0-18-amd64",
				ContainerRuntimeVersion: "containerd://1.7.24",
			},
		},
	}
}

func lease(name, holder string) *coordinationv1.Lease {
	l := &coordinationv1.Lease{ObjectMeta: objectMeta(name, 2*time.Hour)}
	if holder != "" {
		l.Spec.HolderIdentity = ptr(holder)
	}
	return l
}
