package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podWith returns a one-container pod in phase, changed by edit.
func podWith(phase corev1.PodPhase, edit func(p *corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: objectMeta("p", time.Hour),
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("app")},
		Status:     corev1.PodStatus{Phase: phase},
	}
	edit(p)
	return p
}

func sidecarContainer(name string) corev1.Container {
	c := containers(name)[0]
	c.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
	return c
}

func TestPodReadyStatusRestarts(t *testing.T) {
	tests := []struct {
		name                     string
		pod                      *corev1.Pod
		ready, status, restarts  string
		completedConditionReason string // "" for no row condition
	}{
		{name: "running with restarts", pod: runningPod(), ready: "2/2", status: "Running", restarts: "3 (2m ago)"},
		{name: "container creating", pod: pendingPod(), ready: "0/1", status: "ContainerCreating", restarts: "0"},
		{name: "crash loop back off", pod: crashLoopPod(), ready: "0/1", status: "CrashLoopBackOff", restarts: "5 (30s ago)"},
		{name: "terminating", pod: terminatingPod(), ready: "2/2", status: "Terminating", restarts: "0"},
		{name: "completed", pod: completedPod(), ready: "0/1", status: "Completed", restarts: "0", completedConditionReason: "Succeeded"},
		{
			name: "unscheduled",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.NodeName = ""
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}
			}),
			ready: "0/1", status: "Pending", restarts: "0",
		},
		{
			name: "scheduling gated",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}
			}),
			ready: "0/1", status: "SchedulingGated", restarts: "0",
		},
		{
			name: "err image pull",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: waiting("ErrImagePull")}}
			}),
			ready: "0/1", status: "ErrImagePull", restarts: "0",
		},
		{
			name: "image pull back off",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: waiting("ImagePullBackOff")}}
			}),
			ready: "0/1", status: "ImagePullBackOff", restarts: "0",
		},
		{
			name: "restarts without finish time",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, RestartCount: 2, State: running(time.Minute)}}
			}),
			ready: "1/1", status: "Running", restarts: "2",
		},
		{
			name: "latest restart of all containers",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Spec.Containers = containers("a", "b")
				p.Status.ContainerStatuses = []corev1.ContainerStatus{
					{Name: "a", Ready: true, RestartCount: 1, State: running(time.Minute), LastTerminationState: terminated("Error", 1, 0, 10*time.Minute)},
					{Name: "b", Ready: false, RestartCount: 2, State: running(time.Minute), LastTerminationState: terminated("OOMKilled", 137, 0, 3*time.Minute)},
				}
			}),
			ready: "1/2", status: "Running", restarts: "3 (3m ago)",
		},
		{
			name: "oom killed",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", RestartCount: 1, State: terminated("OOMKilled", 137, 0, time.Second)}}
			}),
			ready: "0/1", status: "OOMKilled", restarts: "1",
		},
		{
			name: "exit code without reason",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: terminated("", 137, 0, time.Second)}}
			}),
			ready: "0/1", status: "ExitCode:137", restarts: "0",
		},
		{
			name: "signal without reason",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: terminated("", 143, 15, time.Second)}}
			}),
			ready: "0/1", status: "Signal:15", restarts: "0",
		},
		{
			name: "evicted",
			pod: podWith(corev1.PodFailed, func(p *corev1.Pod) {
				p.Status.Reason = "Evicted"
			}),
			ready: "0/1", status: "Evicted", restarts: "0", completedConditionReason: "Failed",
		},
		{
			name: "failed container error",
			pod: podWith(corev1.PodFailed, func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: terminated("Error", 1, 0, time.Minute)}}
			}),
			ready: "0/1", status: "Error", restarts: "0", completedConditionReason: "Failed",
		},
		{
			name: "node lost",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.DeletionTimestamp = ptr(ago(time.Minute))
				p.Status.Reason = "NodeLost"
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, State: running(time.Hour)}}
			}),
			ready: "1/1", status: "Unknown", restarts: "0",
		},
		{
			name: "deleted completed pod stays completed",
			pod: func() *corev1.Pod {
				p := completedPod()
				p.DeletionTimestamp = ptr(ago(time.Second))
				return p
			}(),
			ready: "0/1", status: "Completed", restarts: "0", completedConditionReason: "Succeeded",
		},
		{
			name: "completed container next to a running one on a ready pod",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Spec.Containers = containers("job", "app")
				p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{
					{Name: "job", State: terminated("Completed", 0, 0, time.Minute)},
					{Name: "app", Ready: true, State: running(time.Hour)},
				}
			}),
			ready: "1/2", status: "Running", restarts: "0",
		},
		{
			name: "completed container next to a running one on an unready pod",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Spec.Containers = containers("job", "app")
				p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionFalse)}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{
					{Name: "job", State: terminated("Completed", 0, 0, time.Minute)},
					{Name: "app", Ready: true, State: running(time.Hour)},
				}
			}),
			ready: "1/2", status: "NotReady", restarts: "0",
		},
		{
			name: "first init container running",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init-a", "init-b")
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "init-a", State: running(time.Second)},
					{Name: "init-b", State: waiting("PodInitializing")},
				}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: waiting("PodInitializing")}}
			}),
			ready: "0/1", status: "Init:0/2", restarts: "0",
		},
		{
			name: "second init container running",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init-a", "init-b")
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "init-a", State: terminated("Completed", 0, 0, time.Second)},
					{Name: "init-b", State: running(time.Second)},
				}
			}),
			ready: "0/1", status: "Init:1/2", restarts: "0",
		},
		{
			name: "init container crash loop counts init restarts",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init")
				p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodInitialized, corev1.ConditionFalse)}
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "init", RestartCount: 4, State: waiting("CrashLoopBackOff"), LastTerminationState: terminated("Error", 1, 0, 5*time.Minute)},
				}
			}),
			ready: "0/1", status: "Init:CrashLoopBackOff", restarts: "4 (5m ago)",
		},
		{
			name: "init container image pull error",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init")
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", State: waiting("ErrImagePull")}}
			}),
			ready: "0/1", status: "Init:ErrImagePull", restarts: "0",
		},
		{
			name: "init container error",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init")
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", State: terminated("Error", 1, 0, time.Second)}}
			}),
			ready: "0/1", status: "Init:Error", restarts: "0",
		},
		{
			name: "init container exit code",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init")
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", State: terminated("", 3, 0, time.Second)}}
			}),
			ready: "0/1", status: "Init:ExitCode:3", restarts: "0",
		},
		{
			name: "init container signal",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init")
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", State: terminated("", 137, 9, time.Second)}}
			}),
			ready: "0/1", status: "Init:Signal:9", restarts: "0",
		},
		{
			name: "init restarts no longer count once initialized",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Spec.InitContainers = containers("init")
				p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodInitialized, corev1.ConditionTrue)}
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "init", RestartCount: 2, State: terminated("Completed", 0, 0, time.Hour), LastTerminationState: terminated("Error", 1, 0, 61*time.Minute)},
				}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, State: running(time.Hour)}}
			}),
			ready: "1/1", status: "Running", restarts: "0",
		},
		{
			name: "started sidecar counts as a ready container",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{sidecarContainer("mesh")}
				p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodInitialized, corev1.ConditionTrue)}
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "mesh", Ready: true, Started: ptr(true), RestartCount: 1, State: running(time.Hour), LastTerminationState: terminated("Error", 1, 0, 10*time.Minute)},
				}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, State: running(time.Hour)}}
			}),
			ready: "2/2", status: "Running", restarts: "1 (10m ago)",
		},
		{
			name: "sidecar not started yet",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{sidecarContainer("mesh")}
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "mesh", Started: ptr(false), State: running(time.Second)},
				}
			}),
			ready: "0/2", status: "Init:0/1", restarts: "0",
		},
		{
			name: "unset creation timestamp and no statuses",
			pod: podWith("", func(p *corev1.Pod) {
				p.CreationTimestamp = metav1.Time{}
			}),
			ready: "0/1", status: "", restarts: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.pod, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(table.Rows))
			}
			row := table.Rows[0]
			if got := row.Cells[1]; got != tt.ready {
				t.Errorf("READY = %q, want %q", got, tt.ready)
			}
			if got := row.Cells[2]; got != tt.status {
				t.Errorf("STATUS = %q, want %q", got, tt.status)
			}
			if got := row.Cells[3]; got != tt.restarts {
				t.Errorf("RESTARTS = %q, want %q", got, tt.restarts)
			}
			switch {
			case tt.completedConditionReason == "" && len(row.Conditions) != 0:
				t.Errorf("row conditions = %+v, want none", row.Conditions)
			case tt.completedConditionReason != "":
				if len(row.Conditions) != 1 || row.Conditions[0].Type != metav1.RowCompleted ||
					row.Conditions[0].Status != metav1.ConditionTrue || row.Conditions[0].Reason != tt.completedConditionReason {
					t.Errorf("row conditions = %+v, want one Completed=True with reason %s", row.Conditions, tt.completedConditionReason)
				}
			}
		})
	}
}

func TestPodWideCells(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want []interface{} // IP NODE NOMINATED-NODE READINESS-GATES
	}{
		{name: "running", pod: runningPod(), want: []interface{}{"10.244.0.12", "node-1", "<none>", "<none>"}},
		{name: "dual stack shows the first IP", pod: crashLoopPod(), want: []interface{}{"10.244.1.7", "node-2", "<none>", "<none>"}},
		{
			name: "only the legacy podIP field",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Status.PodIP = "10.0.0.9"
			}),
			want: []interface{}{"10.0.0.9", "node-1", "<none>", "<none>"},
		},
		{
			name: "unbound with a nominated node",
			pod: podWith(corev1.PodPending, func(p *corev1.Pod) {
				p.Spec.NodeName = ""
				p.Status.NominatedNodeName = "node-3"
			}),
			want: []interface{}{"<none>", "<none>", "node-3", "<none>"},
		},
		{
			name: "readiness gates",
			pod: podWith(corev1.PodRunning, func(p *corev1.Pod) {
				p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
				p.Status.Conditions = []corev1.PodCondition{
					condition("example.com/lb", corev1.ConditionTrue),
					condition("example.com/dns", corev1.ConditionFalse),
				}
			}),
			want: []interface{}{"<none>", "node-1", "<none>", "1/2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ToTable(tt.pod, Options{Now: now})
			if err != nil {
				t.Fatalf("ToTable: %v", err)
			}
			got := table.Rows[0].Cells[5:]
			if len(got) != len(tt.want) {
				t.Fatalf("wide cells = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("wide cell %s = %v, want %v", table.ColumnDefinitions[5+i].Name, got[i], tt.want[i])
				}
			}
		})
	}
}
