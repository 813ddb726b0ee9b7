package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// defaultedContainer is what Default makes of {name, image} (a tagged image).
func defaultedContainer(name, image string, policy corev1.PullPolicy) corev1.Container {
	return corev1.Container{
		Name:                     name,
		Image:                    image,
		TerminationMessagePath:   "/dev/termination-log",
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		ImagePullPolicy:          policy,
	}
}

func defaultedPodSpec(containers ...corev1.Container) corev1.PodSpec {
	return corev1.PodSpec{
		Containers:                    containers,
		RestartPolicy:                 corev1.RestartPolicyAlways,
		TerminationGracePeriodSeconds: ptrTo(int64(30)),
		DNSPolicy:                     corev1.DNSClusterFirst,
		SecurityContext:               &corev1.PodSecurityContext{},
		SchedulerName:                 "default-scheduler",
	}
}

func TestDefault(t *testing.T) {
	podWith := func(spec corev1.PodSpec) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: meta("web"), Spec: spec}
	}
	tests := []struct {
		name string
		in   runtime.Object
		want runtime.Object
	}{
		{
			name: "pod minimal",
			in: podWith(corev1.PodSpec{Containers: []corev1.Container{{
				Name: "app", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}},
				Resources: corev1.ResourceRequirements{Limits: rl("cpu", "500m", "memory", "128Mi")},
			}}}),
			want: podWith(func() corev1.PodSpec {
				c := defaultedContainer("app", "nginx", corev1.PullAlways)
				c.Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}
				c.Resources = corev1.ResourceRequirements{Limits: rl("cpu", "500m", "memory", "128Mi"), Requests: rl("cpu", "500m", "memory", "128Mi")}
				s := defaultedPodSpec(c)
				s.EnableServiceLinks = ptrTo(true)
				return s
			}()),
		},
		{
			name: "pod keeps explicit values and defaults nested fields",
			in: podWith(corev1.PodSpec{
				RestartPolicy:            corev1.RestartPolicyNever,
				DNSPolicy:                corev1.DNSDefault,
				EnableServiceLinks:       ptrTo(false),
				DeprecatedServiceAccount: "builder",
				InitContainers:           []corev1.Container{{Name: "init", Image: "busybox:1.36", ImagePullPolicy: corev1.PullNever}},
				Containers: []corev1.Container{{
					Name: "app", Image: "registry.local:5000/app@sha256:" + sha256Hex,
					Env:            []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080)}}},
					LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090}}, PeriodSeconds: 5},
					Resources:      corev1.ResourceRequirements{Requests: rl("cpu", "100m")},
				}},
				Volumes: []corev1.Volume{
					{Name: "scratch"},
					{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
				},
			}),
			want: podWith(func() corev1.PodSpec {
				c := defaultedContainer("app", "registry.local:5000/app@sha256:"+sha256Hex, corev1.PullIfNotPresent)
				c.Env = []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}}
				c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP}},
					TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
				c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090, Service: ptrTo("")}},
					TimeoutSeconds: 1, PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3}
				c.Resources = corev1.ResourceRequirements{Requests: rl("cpu", "100m")}
				s := defaultedPodSpec(c)
				s.InitContainers = []corev1.Container{defaultedContainer("init", "busybox:1.36", corev1.PullNever)}
				s.RestartPolicy = corev1.RestartPolicyNever
				s.DNSPolicy = corev1.DNSDefault
				s.EnableServiceLinks = ptrTo(false)
				s.ServiceAccountName = "builder"
				s.DeprecatedServiceAccount = "builder"
				s.Volumes = []corev1.Volume{
					{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, DefaultMode: ptrTo(int32(0644))}}},
				}
				return s
			}()),
		},
		{
			name: "pod host network copies container ports to host ports",
			in: podWith(corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{
				Name: "app", Image: "nginx:1", Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			}}}),
			want: podWith(func() corev1.PodSpec {
				c := defaultedContainer("app", "nginx:1", corev1.PullIfNotPresent)
				c.Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
				s := defaultedPodSpec(c)
				s.HostNetwork = true
				s.EnableServiceLinks = ptrTo(true)
				return s
			}()),
		},
		{
			name: "deployment minimal",
			in: &appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: templateSpec(map[string]string{"app": "web"}),
			}},
			want: &appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{
				Replicas: ptrTo(int32(1)),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
					// A template gets PodSpec defaults but not the Pod-only ones.
					Spec: defaultedPodSpec(defaultedContainer("app", "nginx:1.27", corev1.PullIfNotPresent)),
				},
				Strategy: appsv1.DeploymentStrategy{
					Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{
						MaxUnavailable: ptrTo(intstr.FromString("25%")),
						MaxSurge:       ptrTo(intstr.FromString("25%")),
					},
				},
				RevisionHistoryLimit:    ptrTo(int32(10)),
				ProgressDeadlineSeconds: ptrTo(int32(600)),
			}},
		},
		{
			name: "deployment recreate gets no rolling update",
			in: &appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{
				Replicas: ptrTo(int32(0)),
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
				Template: templateSpec(nil),
			}},
			want: &appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{
				Replicas:                ptrTo(int32(0)),
				Strategy:                appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
				Template:                corev1.PodTemplateSpec{Spec: defaultedPodSpec(defaultedContainer("app", "nginx:1.27", corev1.PullIfNotPresent))},
				RevisionHistoryLimit:    ptrTo(int32(10)),
				ProgressDeadlineSeconds: ptrTo(int32(600)),
			}},
		},
		{
			name: "replicaset minimal",
			in: &appsv1.ReplicaSet{ObjectMeta: meta("web-1"), Spec: appsv1.ReplicaSetSpec{
				Template: templateSpec(map[string]string{"app": "web"}),
			}},
			want: &appsv1.ReplicaSet{ObjectMeta: meta("web-1"), Spec: appsv1.ReplicaSetSpec{
				Replicas: ptrTo(int32(1)),
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
					Spec:       defaultedPodSpec(defaultedContainer("app", "nginx:1.27", corev1.PullIfNotPresent)),
				},
			}},
		},
		{
			name: "namespace",
			in:   &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"owner": "sheetops"}}},
			want: &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"owner": "sheetops", "kubernetes.io/metadata.name": "team-a"}},
				Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
			},
		},
		{
			name: "namespace from generateName gets no label yet",
			in:   &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "team-"}},
			want: &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{GenerateName: "team-"},
				Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
			},
		},
		{
			name: "node allocatable from capacity",
			in:   &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{Capacity: rl("cpu", "4", "pods", "110")}},
			want: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{Capacity: rl("cpu", "4", "pods", "110"), Allocatable: rl("cpu", "4", "pods", "110")}},
		},
		{
			name: "lease unchanged",
			in:   &coordinationv1.Lease{ObjectMeta: meta("l"), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptrTo("me")}},
			want: &coordinationv1.Lease{ObjectMeta: meta("l"), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptrTo("me")}},
		},
		{
			name: "scale unchanged",
			in:   &autoscalingv1.Scale{ObjectMeta: meta("web"), Spec: autoscalingv1.ScaleSpec{Replicas: 3}},
			want: &autoscalingv1.Scale{ObjectMeta: meta("web"), Spec: autoscalingv1.ScaleSpec{Replicas: 3}},
		},
		{
			name: "unknown type unchanged",
			in:   &corev1.PodTemplate{ObjectMeta: meta("c")},
			want: &corev1.PodTemplate{ObjectMeta: meta("c")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.in)
			checkSame(t, tt.in, tt.want)
			Default(tt.in) // idempotent
			checkSame(t, tt.in, tt.want)
		})
	}
}

func TestDefaultRoundsQuantitiesUpToMilli(t *testing.T) {
	pod := newPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100.5u")}
	})
	got := pod.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU]
	if got.String() != "1m" {
		t.Fatalf("cpu limit is %s, want 1m", got.String())
	}
}

const sha256Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestPullPolicyFor(t *testing.T) {
	tests := []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"nginx:1.27", corev1.PullIfNotPresent},
		{"docker.io/library/nginx", corev1.PullAlways},
		{"localhost:5000/app", corev1.PullAlways},
		{"localhost:5000/app:v2", corev1.PullIfNotPresent},
		{"gcr.io/proj/app@sha256:" + sha256Hex, corev1.PullIfNotPresent},
		{"gcr.io/proj/app:latest@sha256:" + sha256Hex, corev1.PullAlways},
		{"[::1]:5000/app", corev1.PullAlways},
		{"MyRegistry/app", corev1.PullAlways},
		{"Nginx", corev1.PullIfNotPresent},          // does not parse
		{"nginx:", corev1.PullIfNotPresent},         // does not parse
		{"app@sha256:abc", corev1.PullIfNotPresent}, // digest too short
		{"", corev1.PullIfNotPresent},               // does not parse
		{sha256Hex, corev1.PullIfNotPresent},        // an image ID, not a reference
		{" nginx", corev1.PullIfNotPresent},         // whitespace does not parse
		{"quay.io/org/app_name-x:1.0-rc.1", corev1.PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := pullPolicyFor(tt.image); got != tt.want {
				t.Fatalf("pullPolicyFor(%q) = %s, want %s", tt.image, got, tt.want)
			}
		})
	}
}
