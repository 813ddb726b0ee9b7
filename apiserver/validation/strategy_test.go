package validation

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestPrepareForCreate(t *testing.T) {
	fixed := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	now = func() metav1.Time { return fixed }
	t.Cleanup(func() { now = metav1.Now })

	notReady := corev1.Toleration{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo(int64(300))}
	unreachable := corev1.Toleration{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo(int64(300))}
	admitted := func(p *corev1.Pod) *corev1.Pod {
		p.Spec.ServiceAccountName = "default"
		p.Spec.DeprecatedServiceAccount = "default"
		p.Spec.Priority = ptrTo(int32(0))
		p.Spec.PreemptionPolicy = ptrTo(corev1.PreemptLowerPriority)
		p.Generation = 1
		return p
	}

	tests := []struct {
		name string
		in   runtime.Object
		want runtime.Object
	}{
		{
			name: "pod best effort",
			in: func() runtime.Object {
				p := newPod()
				p.Status.Phase = corev1.PodRunning // a client cannot set status
				return p
			}(),
			want: func() runtime.Object {
				p := admitted(newPod())
				p.Spec.Tolerations = []corev1.Toleration{notReady, unreachable}
				p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort}
				return p
			}(),
		},
		{
			name: "pod guaranteed keeps its own tolerations and account",
			in: newPod(func(p *corev1.Pod) {
				p.Spec.ServiceAccountName = "builder"
				p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
				p.Spec.Containers[0].Resources.Limits = rl("cpu", "1", "memory", "1Gi")
			}),
			want: func() runtime.Object {
				p := admitted(newPod(func(p *corev1.Pod) {
					p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
					p.Spec.Containers[0].Resources.Limits = rl("cpu", "1", "memory", "1Gi")
				}))
				p.Spec.ServiceAccountName = "builder"
				p.Spec.DeprecatedServiceAccount = "builder"
				p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSGuaranteed}
				return p
			}(),
		},
		{
			name: "pod burstable, gated, critical",
			in: newPod(func(p *corev1.Pod) {
				p.Spec.PriorityClassName = "system-cluster-critical"
				p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}}
				p.Spec.Tolerations = []corev1.Toleration{notReady}
				p.Spec.Containers[0].Resources.Requests = rl("memory", "64Mi")
			}),
			want: func() runtime.Object {
				p := admitted(newPod(func(p *corev1.Pod) {
					p.Spec.PriorityClassName = "system-cluster-critical"
					p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}}
					p.Spec.Tolerations = []corev1.Toleration{notReady, unreachable}
					p.Spec.Containers[0].Resources.Requests = rl("memory", "64Mi")
				}))
				p.Spec.Priority = ptrTo(int32(2000000000))
				p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBurstable, Conditions: []corev1.PodCondition{{
					Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated",
					Message: "Scheduling is blocked due to non-empty scheduling gates", LastTransitionTime: fixed,
				}}}
				return p
			}(),
		},
		{
			name: "deployment status cleared",
			in: newDeployment(func(d *appsv1.Deployment) {
				d.Generation = 7
				d.Status.Replicas = 3
			}),
			want: func() runtime.Object {
				d := newDeployment()
				d.Generation = 1
				return d
			}(),
		},
		{
			name: "replicaset status cleared",
			in:   newReplicaSet(func(rs *appsv1.ReplicaSet) { rs.Status.ReadyReplicas = 1 }),
			want: func() runtime.Object {
				rs := newReplicaSet()
				rs.Generation = 1
				return rs
			}(),
		},
		{
			name: "namespace gets finalizer, phase and label",
			in: &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: "team-a"},
				Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/cleanup"}},
				Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
			},
			want: &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"kubernetes.io/metadata.name": "team-a"}},
				Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/cleanup", "kubernetes"}},
				Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
			},
		},
		{
			name: "node unchanged",
			in:   &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Phase: corev1.NodeRunning}},
			want: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Phase: corev1.NodeRunning}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			PrepareForCreate(tt.in)
			checkSame(t, tt.in, tt.want)
			if errs := ValidateCreate(tt.in); len(errs) != 0 {
				t.Fatalf("prepared object does not validate: %v", errs)
			}
		})
	}
}

func TestPrepareForUpdate(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	stored := func(obj runtime.Object) runtime.Object {
		Default(obj)
		PrepareForCreate(obj)
		m := obj.(metav1.Object)
		m.SetUID("uid-1")
		m.SetResourceVersion("5")
		m.SetCreationTimestamp(created)
		return obj
	}
	tests := []struct {
		name           string
		old            runtime.Object
		update         func(runtime.Object)
		wantGeneration int64
		check          func(t *testing.T, obj, old runtime.Object)
	}{
		{"deployment spec change bumps generation", stored(newDeployment()), func(o runtime.Object) {
			o.(*appsv1.Deployment).Spec.Replicas = ptrTo(int32(4))
		}, 2, nil},
		{"deployment annotation change bumps generation", stored(newDeployment()), func(o runtime.Object) {
			o.(*appsv1.Deployment).Annotations = map[string]string{"note": "x"}
		}, 2, nil},
		{"deployment label change keeps generation", stored(newDeployment()), func(o runtime.Object) {
			o.(*appsv1.Deployment).Labels = map[string]string{"tier": "web"}
		}, 1, nil},
		{"deployment client cannot set generation or status", stored(newDeployment()), func(o runtime.Object) {
			d := o.(*appsv1.Deployment)
			d.Generation = 42
			d.Status.Replicas = 9
		}, 1, func(t *testing.T, obj, _ runtime.Object) {
			if r := obj.(*appsv1.Deployment).Status.Replicas; r != 0 {
				t.Fatalf("status.replicas = %d, want the stored 0", r)
			}
		}},
		{"replicaset annotation change keeps generation", stored(newReplicaSet()), func(o runtime.Object) {
			o.(*appsv1.ReplicaSet).Annotations = map[string]string{"note": "x"}
		}, 1, nil},
		{"replicaset spec change bumps generation", stored(newReplicaSet()), func(o runtime.Object) {
			o.(*appsv1.ReplicaSet).Spec.Replicas = ptrTo(int32(0))
		}, 2, nil},
		{"pod image change bumps generation and keeps status", stored(newPod()), func(o runtime.Object) {
			p := o.(*corev1.Pod)
			p.Spec.Containers[0].Image = "nginx:1.28"
			p.Status = corev1.PodStatus{}
		}, 2, func(t *testing.T, obj, _ runtime.Object) {
			if phase := obj.(*corev1.Pod).Status.Phase; phase != corev1.PodPending {
				t.Fatalf("status.phase = %q, want the stored Pending", phase)
			}
		}},
		{"uid and creation timestamp come from the stored object", stored(newPod()), func(o runtime.Object) {
			p := o.(*corev1.Pod)
			p.UID = ""
			p.CreationTimestamp = metav1.Time{}
		}, 1, func(t *testing.T, obj, _ runtime.Object) {
			p := obj.(*corev1.Pod)
			if p.UID != "uid-1" || !p.CreationTimestamp.Equal(&created) {
				t.Fatalf("uid %q, creationTimestamp %v: not restored", p.UID, p.CreationTimestamp)
			}
		}},
		{"namespace finalizers only through finalize", stored(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}), func(o runtime.Object) {
			ns := o.(*corev1.Namespace)
			ns.Spec.Finalizers = nil
			ns.Labels = nil
		}, 0, func(t *testing.T, obj, _ runtime.Object) {
			ns := obj.(*corev1.Namespace)
			if len(ns.Spec.Finalizers) != 1 || ns.Labels["kubernetes.io/metadata.name"] != "team-a" {
				t.Fatalf("finalizers %v, labels %v", ns.Spec.Finalizers, ns.Labels)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.old.DeepCopyObject()
			tt.update(obj)
			PrepareForUpdate(obj, tt.old)
			if g := obj.(metav1.Object).GetGeneration(); g != tt.wantGeneration {
				t.Fatalf("generation = %d, want %d", g, tt.wantGeneration)
			}
			if tt.check != nil {
				tt.check(t, obj, tt.old)
			}
			if errs := ValidateUpdate(obj, tt.old); len(errs) != 0 {
				t.Fatalf("prepared update does not validate: %v", errs)
			}
		})
	}
}

func TestPrepareForStatusUpdate(t *testing.T) {
	t.Run("deployment keeps spec and labels", func(t *testing.T) {
		old := storedDeployment()
		d := old.DeepCopy()
		d.Spec.Replicas = ptrTo(int32(10))
		d.Labels = map[string]string{"x": "y"}
		d.Annotations = map[string]string{"seen": "yes"}
		d.Status.ObservedGeneration = 1
		PrepareForStatusUpdate(d, old)
		if *d.Spec.Replicas != 1 || d.Labels != nil || d.Generation != 1 {
			t.Fatalf("spec.replicas %d, labels %v, generation %d: spec or labels leaked through /status", *d.Spec.Replicas, d.Labels, d.Generation)
		}
		if d.Annotations["seen"] != "yes" || d.Status.ObservedGeneration != 1 {
			t.Fatalf("annotations %v, status %+v: lost", d.Annotations, d.Status)
		}
	})
	t.Run("pod keeps spec, owners and qos", func(t *testing.T) {
		old := storedPod()
		old.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: "rs"}}
		old.Status.ObservedGeneration = 1
		p := old.DeepCopy()
		p.Spec.NodeName = "n1"
		p.OwnerReferences = nil
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
		PrepareForStatusUpdate(p, old)
		if p.Spec.NodeName != "" || len(p.OwnerReferences) != 1 {
			t.Fatalf("nodeName %q, owners %v: not kept", p.Spec.NodeName, p.OwnerReferences)
		}
		if p.Status.Phase != corev1.PodRunning || p.Status.QOSClass != corev1.PodQOSBestEffort || p.Status.ObservedGeneration != 1 {
			t.Fatalf("status %+v", p.Status)
		}
		if errs := ValidateStatusUpdate(p, old); len(errs) != 0 {
			t.Fatalf("unexpected errors %v", errs)
		}
	})
	t.Run("replicaset keeps spec", func(t *testing.T) {
		old := newReplicaSet()
		PrepareForCreate(old)
		rs := old.DeepCopy()
		rs.Spec.Replicas = ptrTo(int32(3))
		rs.Status.Replicas = 1
		PrepareForStatusUpdate(rs, old)
		if *rs.Spec.Replicas != 1 || rs.Status.Replicas != 1 {
			t.Fatalf("spec.replicas %d, status.replicas %d", *rs.Spec.Replicas, rs.Status.Replicas)
		}
	})
	t.Run("namespace keeps spec", func(t *testing.T) {
		old := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}}
		PrepareForCreate(old)
		ns := old.DeepCopy()
		ns.Spec.Finalizers = nil
		PrepareForStatusUpdate(ns, old)
		if len(ns.Spec.Finalizers) != 1 {
			t.Fatalf("finalizers %v", ns.Spec.Finalizers)
		}
	})
}
