package validation

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	invalid      = field.ErrorTypeInvalid
	required     = field.ErrorTypeRequired
	forbidden    = field.ErrorTypeForbidden
	duplicate    = field.ErrorTypeDuplicate
	notSupported = field.ErrorTypeNotSupported
	notFound     = field.ErrorTypeNotFound
)

func TestValidateCreate(t *testing.T) {
	tests := []struct {
		name string
		obj  runtime.Object
		want []want
	}{
		// Pods.
		{"pod valid", newPod(), nil},
		{"pod valid with everything common", newPod(func(p *corev1.Pod) {
			p.Labels = map[string]string{"app": "web"}
			p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
			c := &p.Spec.Containers[0]
			c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}}
			c.Env = []corev1.EnvVar{{Name: "A", Value: "b"}, {Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}
			c.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
			c.Resources.Limits = rl("cpu", "1", "memory", "1Gi")
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}}
		}), nil},
		{"pod name missing", newPod(func(p *corev1.Pod) { p.Name = "" }), []want{{required, "metadata.name"}}},
		{"pod generateName only", newPod(func(p *corev1.Pod) { p.Name, p.GenerateName = "", "web-" }), nil},
		{"pod bad generateName", newPod(func(p *corev1.Pod) { p.Name, p.GenerateName = "", "Web-" }),
			[]want{{invalid, "metadata.generateName"}, {invalid, "metadata.name"}}},
		{"pod name not a subdomain", newPod(func(p *corev1.Pod) { p.Name = "Web_1" }), []want{{invalid, "metadata.name"}}},
		{"pod name may have dots", newPod(func(p *corev1.Pod) { p.Name = "web.1" }), nil},
		{"pod namespace missing", newPod(func(p *corev1.Pod) { p.Namespace = "" }), []want{{required, "metadata.namespace"}}},
		{"pod bad label", newPod(func(p *corev1.Pod) { p.Labels = map[string]string{"a b": "c"} }), []want{{invalid, "metadata.labels"}}},
		{"pod bad label value", newPod(func(p *corev1.Pod) { p.Labels = map[string]string{"a": "c d"} }), []want{{invalid, "metadata.labels"}}},
		{"pod bad annotation key", newPod(func(p *corev1.Pod) { p.Annotations = map[string]string{"-x": "1"} }), []want{{invalid, "metadata.annotations"}}},
		{"pod bad finalizer", newPod(func(p *corev1.Pod) { p.Finalizers = []string{"mine"} }), []want{{invalid, "metadata.finalizers[0]"}}},
		{"pod no containers", newPod(func(p *corev1.Pod) { p.Spec.Containers = nil }), []want{{required, "spec.containers"}}},
		{"pod image missing", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }), []want{{required, "spec.containers[0].image"}}},
		{"pod image whitespace", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx " }), []want{{invalid, "spec.containers[0].image"}}},
		{"pod container name missing", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].Name = "" }), []want{{required, "spec.containers[0].name"}}},
		{"pod container name not a label", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].Name = "a.b" }), []want{{invalid, "spec.containers[0].name"}}},
		{"pod container names unique", newPod(func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "app", Image: "busybox:1"})
		}), []want{{duplicate, "spec.containers[1].name"}}},
		{"pod init container name clashes", newPod(func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "app", Image: "busybox:1"}}
		}), []want{{duplicate, "spec.initContainers[0].name"}}},
		{"pod init container probe", newPod(func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox:1",
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
		}), []want{{forbidden, "spec.initContainers[0].readinessProbe"}}},
		{"pod sidecar may have probes", newPod(func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", Image: "envoy:1", RestartPolicy: ptrTo(corev1.ContainerRestartPolicyAlways),
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
		}), nil},
		{"pod regular container restartPolicy", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].RestartPolicy = ptrTo(corev1.ContainerRestartPolicyAlways)
		}), []want{{forbidden, "spec.containers[0].restartPolicy"}}},
		{"pod port missing", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http"}} }),
			[]want{{required, "spec.containers[0].ports[0].containerPort"}}},
		{"pod port out of range", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000, HostPort: -1}}
		}), []want{{invalid, "spec.containers[0].ports[0].containerPort"}, {invalid, "spec.containers[0].ports[0].hostPort"}}},
		{"pod port protocol", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: "HTTP"}}
		}), []want{{notSupported, "spec.containers[0].ports[0].protocol"}}},
		{"pod port names", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 81}, {Name: "way-too-long-name", ContainerPort: 82}}
		}), []want{{duplicate, "spec.containers[0].ports[1].name"}, {invalid, "spec.containers[0].ports[2].name"}}},
		{"pod host ports clash", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}, {ContainerPort: 81, HostPort: 8080}}
		}), []want{{duplicate, "spec.containers[0].ports[1].hostPort"}}},
		{"pod host network port mismatch", newPod(func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 81}}
		}), []want{{invalid, "spec.containers[0].ports[0].hostPort"}}},
		{"pod restartPolicy", newPod(func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" }), []want{{notSupported, "spec.restartPolicy"}}},
		{"pod dnsPolicy", newPod(func(p *corev1.Pod) { p.Spec.DNSPolicy = "Google" }), []want{{notSupported, "spec.dnsPolicy"}}},
		{"pod dns none needs config", newPod(func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone }), []want{{required, "spec.dnsConfig"}}},
		{"pod not defaulted", &corev1.Pod{ObjectMeta: meta("web"), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}}},
			[]want{{required, "spec.terminationGracePeriodSeconds"}, {required, "spec.containers[0].terminationMessagePolicy"},
				{required, "spec.containers[0].ports[0].protocol"}, {required, "spec.containers[0].imagePullPolicy"},
				{required, "spec.restartPolicy"}, {required, "spec.dnsPolicy"}}},
		{"pod pull policy", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].ImagePullPolicy = "Sometimes" }), []want{{notSupported, "spec.containers[0].imagePullPolicy"}}},
		{"pod env", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{
				{Name: ""},
				{Name: "A=B"},
				{Name: "X", ValueFrom: &corev1.EnvVarSource{}},
				{Name: "Y", Value: "v", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}},
				{Name: "Z", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.phase"}}},
				{Name: "W", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}}}},
			}
		}), []want{
			{required, "spec.containers[0].env[0].name"},
			{invalid, "spec.containers[0].env[1].name"},
			{invalid, "spec.containers[0].env[2].valueFrom"},
			{invalid, "spec.containers[0].env[3].valueFrom"},
			{notSupported, "spec.containers[0].env[4].valueFrom.fieldRef.fieldPath"},
			{required, "spec.containers[0].env[5].valueFrom.configMapKeyRef.key"},
		}},
		{"pod env labels subscript", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "L", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}}}
		}), nil},
		{"pod envFrom", newPod(func(p *corev1.Pod) { p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{Prefix: "P_"}} }),
			[]want{{invalid, "spec.containers[0].envFrom"}}},
		{"pod volume mount unknown", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}, {Name: "nope2", MountPath: "/x"}}
		}), []want{{notFound, "spec.containers[0].volumeMounts[0].name"}, {notFound, "spec.containers[0].volumeMounts[1].name"}, {invalid, "spec.containers[0].volumeMounts[1].mountPath"}}},
		{"pod volume names", newPod(func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{
				{Name: "a", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "a", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "b", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}, HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}},
				{Name: "c", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{DefaultMode: ptrTo(int32(01000))}}},
			}
		}), []want{
			{duplicate, "spec.volumes[1].name"}, {required, "spec.volumes[2].name"}, {forbidden, "spec.volumes[3].hostPath"},
			{required, "spec.volumes[4].secret.secretName"}, {invalid, "spec.volumes[4].secret.defaultMode"},
		}},
		{"pod resources", newPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Limits:   rl("cpu", "1", "memory", "-1"),
				Requests: rl("cpu", "2", "memory", "-1", "pods", "1", "example.com/gpu", "1"),
			}
		}), []want{
			{invalid, "spec.containers[0].resources.limits[memory]"},
			{invalid, "spec.containers[0].resources.requests"},
			{required, "spec.containers[0].resources.limits"},
			{invalid, "spec.containers[0].resources.requests[memory]"},
			{invalid, "spec.containers[0].resources.requests[pods]"},
		}},
		{"pod probes", newPod(func(p *corev1.Pod) {
			c := &p.Spec.Containers[0]
			c.LivenessProbe = &corev1.Probe{SuccessThreshold: 2, PeriodSeconds: -1}
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec: &corev1.ExecAction{}, TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(0)}}}
		}), []want{
			{required, "spec.containers[0].livenessProbe"},
			{invalid, "spec.containers[0].livenessProbe.periodSeconds"},
			{invalid, "spec.containers[0].livenessProbe.successThreshold"},
			{required, "spec.containers[0].readinessProbe.exec.command"},
			{forbidden, "spec.containers[0].readinessProbe.tcpSocket"},
		}},
		{"pod tolerations", newPod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{
				{Operator: corev1.TolerationOpEqual, Value: "x"},
				{Key: "k", Operator: corev1.TolerationOpExists, Value: "v"},
				{Key: "k", TolerationSeconds: ptrTo(int64(1)), Effect: corev1.TaintEffectNoSchedule},
				{Key: "k", Effect: "Sometimes"},
			}
		}), []want{
			{invalid, "spec.tolerations[0].operator"},
			{invalid, "spec.tolerations[1].operator"},
			{invalid, "spec.tolerations[2].effect"},
			{notSupported, "spec.tolerations[3].effect"},
		}},
		{"pod misc spec fields", newPod(func(p *corev1.Pod) {
			p.Spec.ActiveDeadlineSeconds = ptrTo(int64(0))
			p.Spec.Hostname = "Host"
			p.Spec.NodeName = "node_1"
			p.Spec.ServiceAccountName = "SA"
			p.Spec.NodeSelector = map[string]string{"disk": "ssd ok"}
			p.Spec.PreemptionPolicy = ptrTo(corev1.PreemptionPolicy("Sometimes"))
		}), []want{
			{invalid, "spec.nodeSelector"},
			{invalid, "spec.serviceAccountName"},
			{invalid, "spec.nodeName"},
			{invalid, "spec.activeDeadlineSeconds"},
			{invalid, "spec.hostname"},
			{notSupported, "spec.preemptionPolicy"},
		}},
		{"pod security context", newPod(func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptrTo(int64(-1))}
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
				Privileged: ptrTo(true), AllowPrivilegeEscalation: ptrTo(false)}
		}), []want{{invalid, "spec.containers[0].securityContext"}, {invalid, "spec.securityContext.runAsUser"}}},
		{"pod ephemeral containers on create", newPod(func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: "debug", Image: "busybox:1", ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePolicy: corev1.TerminationMessageReadFile}}}
		}), []want{{forbidden, "spec.ephemeralContainers"}}},
		{"pod node name with scheduling gates", newPod(func(p *corev1.Pod) {
			p.Spec.NodeName = "n1"
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/gate"}}
		}), []want{{forbidden, "spec.nodeName"}}},
		{"pod deletion cost", newPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{corev1.PodDeletionCost: "+1"}
		}), []want{{invalid, "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]"}}},
		{"pod token volume without service account", newPod(func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}}}
		}), []want{{forbidden, "spec.volumes[0].projected.sources[0].serviceAccountToken"}}},

		// Deployments.
		{"deployment valid", newDeployment(), nil},
		{"deployment replicas negative", newDeployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptrTo(int32(-1)) }), []want{{invalid, "spec.replicas"}}},
		{"deployment replicas zero", newDeployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptrTo(int32(0)) }), nil},
		{"deployment name", newDeployment(func(d *appsv1.Deployment) { d.Name = "Web" }), []want{{invalid, "metadata.name"}}},
		// A missing selector selects nothing, so upstream also reports the labels mismatch.
		{"deployment selector missing", newDeployment(func(d *appsv1.Deployment) { d.Spec.Selector = nil }),
			[]want{{required, "spec.selector"}, {invalid, "spec.template.metadata.labels"}}},
		{"deployment selector empty", newDeployment(func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }), []want{{invalid, "spec.selector"}}},
		{"deployment selector invalid", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}
		}), []want{{invalid, "spec.selector.matchExpressions[0].operator"}, {invalid, "spec.selector"}}},
		{"deployment selector mismatch", newDeployment(func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "api"} }),
			[]want{{invalid, "spec.template.metadata.labels"}}},
		{"deployment template invalid", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Image = ""
			d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
			d.Spec.Template.Spec.ActiveDeadlineSeconds = ptrTo(int64(10))
		}), []want{{required, "spec.template.spec.containers[0].image"}, {notSupported, "spec.template.spec.restartPolicy"}, {forbidden, "spec.template.spec.activeDeadlineSeconds"}}},
		{"deployment template without containers", newDeployment(func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers = nil }),
			[]want{{required, "spec.template.spec.containers"}}},
		{"deployment both zero", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptrTo(intstr.FromString("0%")), MaxUnavailable: ptrTo(intstr.FromInt32(0))}
		}), []want{{invalid, "spec.strategy.rollingUpdate.maxUnavailable"}}},
		{"deployment percent formats", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptrTo(intstr.FromString("20Percent")), MaxUnavailable: ptrTo(intstr.FromString("110%"))}
		}), []want{{invalid, "spec.strategy.rollingUpdate.maxSurge"}, {invalid, "spec.strategy.rollingUpdate.maxUnavailable"}}},
		{"deployment negative surge", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptrTo(intstr.FromInt32(-1))}
		}), []want{{invalid, "spec.strategy.rollingUpdate.maxSurge"}}},
		{"deployment recreate with rolling update", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{}}
		}), []want{{forbidden, "spec.strategy.rollingUpdate"}}},
		{"deployment unknown strategy", newDeployment(func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "BlueGreen" }), []want{{notSupported, "spec.strategy"}}},
		{"deployment progress deadline", newDeployment(func(d *appsv1.Deployment) {
			d.Spec.MinReadySeconds = 700
			d.Spec.RevisionHistoryLimit = ptrTo(int32(-1))
		}), []want{{invalid, "spec.revisionHistoryLimit"}, {invalid, "spec.progressDeadlineSeconds"}}},

		// ReplicaSets.
		{"replicaset valid", newReplicaSet(), nil},
		{"replicaset replicas negative", newReplicaSet(func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptrTo(int32(-2)) }), []want{{invalid, "spec.replicas"}}},
		{"replicaset selector missing", newReplicaSet(func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = nil }),
			[]want{{required, "spec.selector"}, {invalid, "spec.template.metadata.labels"}}},
		{"replicaset selector mismatch", newReplicaSet(func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels = nil }), []want{{invalid, "spec.template.metadata.labels"}}},
		{"replicaset name", newReplicaSet(func(rs *appsv1.ReplicaSet) { rs.Name = "web_1" }), []want{{invalid, "metadata.name"}}},
		{"replicaset namespace missing", newReplicaSet(func(rs *appsv1.ReplicaSet) { rs.Namespace = "" }), []want{{required, "metadata.namespace"}}},

		// Namespaces, nodes, leases, scales.
		{"namespace valid", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}, nil},
		{"namespace name not a label", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team.a"}}, []want{{invalid, "metadata.name"}}},
		{"namespace name missing", &corev1.Namespace{}, []want{{required, "metadata.name"}}},
		{"namespace with namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "b"}}, []want{{forbidden, "metadata.namespace"}}},
		{"namespace finalizer", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"mine"}}},
			[]want{{invalid, "spec.finalizers"}}},
		{"node valid", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1.local"}}, nil},
		{"node taints", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "k"}, {Key: "k", Effect: corev1.TaintEffectNoSchedule}, {Key: "k", Effect: corev1.TaintEffectNoSchedule}}}},
			[]want{{required, "metadata.taints[0].effect"}, {duplicate, "metadata.taints[2]"}}},
		{"lease valid", &coordinationv1.Lease{ObjectMeta: meta("holder"), Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptrTo(int32(15))}}, nil},
		{"lease name", &coordinationv1.Lease{ObjectMeta: meta("Holder")}, []want{{invalid, "metadata.name"}}},
		{"lease bad durations", &coordinationv1.Lease{ObjectMeta: meta("holder"), Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptrTo(int32(0)), LeaseTransitions: ptrTo(int32(-1))}},
			[]want{{invalid, "spec.leaseDurationSeconds"}, {invalid, "spec.leaseTransitions"}}},
		{"scale valid", &autoscalingv1.Scale{ObjectMeta: meta("web"), Spec: autoscalingv1.ScaleSpec{Replicas: 3}}, nil},
		{"scale negative", &autoscalingv1.Scale{ObjectMeta: meta("web"), Spec: autoscalingv1.ScaleSpec{Replicas: -1}}, []want{{invalid, "spec.replicas"}}},
		{"unknown type", &corev1.PodTemplate{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, ValidateCreate(tt.obj), tt.want)
		})
	}
}

// TestStatusMessages checks the texts that are themselves the contract: the
// 422 Status a caller builds with apierrors.NewInvalid.
func TestStatusMessages(t *testing.T) {
	deployments := schema.GroupKind{Group: "apps", Kind: "Deployment"}
	pods := schema.GroupKind{Kind: "Pod"}
	tests := []struct {
		name string
		gk   schema.GroupKind
		errs field.ErrorList
		want string
	}{
		{
			name: "replicas negative",
			gk:   deployments,
			errs: ValidateCreate(newDeployment(func(d *appsv1.Deployment) { d.Name = "x"; d.Spec.Replicas = ptrTo(int32(-1)) })),
			want: `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
		},
		{
			name: "selector does not match labels",
			gk:   deployments,
			errs: ValidateCreate(newDeployment(func(d *appsv1.Deployment) { d.Name = "x"; d.Spec.Template.Labels = map[string]string{"app": "api"} })),
			want: `Deployment.apps "x" is invalid: spec.template.metadata.labels: Invalid value: {"app":"api"}: ` + "`selector` does not match template `labels`",
		},
		{
			name: "both surge and unavailable zero",
			gk:   deployments,
			errs: ValidateCreate(newDeployment(func(d *appsv1.Deployment) {
				d.Name = "x"
				d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptrTo(intstr.FromInt32(0)), MaxUnavailable: ptrTo(intstr.FromInt32(0))}
			})),
			want: `Deployment.apps "x" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when ` + "`maxSurge`" + ` is 0`,
		},
		{
			name: "no containers",
			gk:   pods,
			errs: ValidateCreate(newPod(func(p *corev1.Pod) { p.Name = "x"; p.Spec.Containers = nil })),
			want: `Pod "x" is invalid: spec.containers: Required value`,
		},
		{
			name: "image missing",
			gk:   pods,
			errs: ValidateCreate(newPod(func(p *corev1.Pod) { p.Name = "x"; p.Spec.Containers[0].Image = "" })),
			want: `Pod "x" is invalid: spec.containers[0].image: Required value`,
		},
		{
			name: "name not a subdomain",
			gk:   pods,
			errs: ValidateCreate(newPod(func(p *corev1.Pod) { p.Name = "Bad_Name" })),
			want: `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
		},
		{
			name: "selector immutable",
			gk:   deployments,
			errs: func() field.ErrorList {
				old := storedDeployment()
				d := old.DeepCopy()
				d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}
				d.Spec.Template.Labels = map[string]string{"app": "api"}
				d.Name = "web"
				return ValidateUpdate(d, old)
			}(),
			want: `Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"api"}}: field is immutable`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := ""
			if len(tt.errs) > 0 {
				name = strings.SplitN(strings.SplitN(tt.want, `"`, 3)[1], `"`, 2)[0]
			}
			err := apierrors.NewInvalid(tt.gk, name, tt.errs)
			if got := err.Error(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if !apierrors.IsInvalid(err) || len(err.ErrStatus.Details.Causes) != len(tt.errs) {
				t.Fatalf("status %+v does not carry one cause per error", err.ErrStatus)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name   string
		old    runtime.Object
		update func(runtime.Object)
		want   []want
	}{
		{"pod no change", storedPod(), func(runtime.Object) {}, nil},
		{"pod image change", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Spec.Containers[0].Image = "nginx:1.28" }, nil},
		{"pod image removed", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Spec.Containers[0].Image = "" },
			[]want{{required, "spec.containers[0].image"}, {required, "spec.containers[0].image"}}},
		{"pod labels change", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Labels = map[string]string{"tier": "web"} }, nil},
		{"pod active deadline set", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Spec.ActiveDeadlineSeconds = ptrTo(int64(60)) }, nil},
		{"pod active deadline raised", func() runtime.Object {
			p := storedPod()
			p.Spec.ActiveDeadlineSeconds = ptrTo(int64(60))
			return p
		}(), func(o runtime.Object) { o.(*corev1.Pod).Spec.ActiveDeadlineSeconds = ptrTo(int64(61)) },
			[]want{{invalid, "spec.activeDeadlineSeconds"}}},
		{"pod toleration added", storedPod(), func(o runtime.Object) {
			p := o.(*corev1.Pod)
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists})
		}, nil},
		{"pod toleration seconds changed", storedPod(), func(o runtime.Object) {
			o.(*corev1.Pod).Spec.Tolerations[0].TolerationSeconds = ptrTo(int64(60))
		}, nil},
		{"pod toleration removed", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Spec.Tolerations = nil },
			[]want{{forbidden, "spec.tolerations"}}},
		{"pod port change forbidden", storedPod(), func(o runtime.Object) {
			o.(*corev1.Pod).Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 81, Protocol: corev1.ProtocolTCP}}
		}, []want{{forbidden, "spec"}}},
		{"pod container added", storedPod(), func(o runtime.Object) {
			p := o.(*corev1.Pod)
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
			p.Spec.Containers[1].Name = "second"
		}, []want{{forbidden, "spec.containers"}}},
		{"pod grace period from negative to 1", func() runtime.Object {
			p := storedPod()
			p.Spec.TerminationGracePeriodSeconds = ptrTo(int64(-1))
			return p
		}(), func(o runtime.Object) { o.(*corev1.Pod).Spec.TerminationGracePeriodSeconds = ptrTo(int64(1)) }, nil},
		{"pod scheduling gate removed", func() runtime.Object {
			p := storedPod()
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}}
			return p
		}(), func(o runtime.Object) { o.(*corev1.Pod).Spec.SchedulingGates = nil }, nil},
		{"pod scheduling gate added", storedPod(), func(o runtime.Object) {
			o.(*corev1.Pod).Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}}
		}, []want{{forbidden, "spec.schedulingGates[0].name"}}},
		{"pod name change", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Name = "other" }, []want{{invalid, "metadata.name"}}},
		{"pod without resourceVersion", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).ResourceVersion = "" }, []want{{invalid, "metadata.resourceVersion"}}},

		{"deployment scale and new image", storedDeployment(), func(o runtime.Object) {
			d := o.(*appsv1.Deployment)
			d.Spec.Replicas = ptrTo(int32(5))
			d.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
		}, nil},
		{"deployment selector immutable", storedDeployment(), func(o runtime.Object) {
			d := o.(*appsv1.Deployment)
			d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "v": "2"}}
			d.Spec.Template.Labels = map[string]string{"app": "web", "v": "2"}
		}, []want{{invalid, "spec.selector"}}},
		{"deployment replicas negative", storedDeployment(), func(o runtime.Object) { o.(*appsv1.Deployment).Spec.Replicas = ptrTo(int32(-1)) },
			[]want{{invalid, "spec.replicas"}}},
		{"replicaset selector immutable and invalid spec", func() runtime.Object {
			rs := newReplicaSet()
			PrepareForCreate(rs)
			rs.ResourceVersion = "3"
			return rs
		}(), func(o runtime.Object) {
			rs := o.(*appsv1.ReplicaSet)
			rs.Spec.Replicas = ptrTo(int32(-1))
			rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "v": "2"}}
		}, []want{
			// Upstream validates a ReplicaSet update as a create, then as an update.
			{invalid, "spec.replicas"}, {invalid, "spec.template.metadata.labels"},
			{invalid, "spec.replicas"}, {invalid, "spec.template.metadata.labels"},
			{invalid, "spec.selector"},
		}},
		{"namespace label change", func() runtime.Object {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", ResourceVersion: "1"}}
			Default(ns)
			PrepareForCreate(ns)
			return ns
		}(), func(o runtime.Object) { o.(*corev1.Namespace).Labels["owner"] = "me" }, nil},
		{"node pod CIDR change", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", ResourceVersion: "1"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.0.0.0/24"}}},
			func(o runtime.Object) { o.(*corev1.Node).Spec.PodCIDRs = []string{"10.0.1.0/24"} }, []want{{forbidden, "spec.podCIDRs"}}},
		{"lease renew", &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "kube-system", ResourceVersion: "1"}},
			func(o runtime.Object) { o.(*coordinationv1.Lease).Spec.HolderIdentity = ptrTo("me") }, nil},
		{"scale negative", &autoscalingv1.Scale{ObjectMeta: meta("web")},
			func(o runtime.Object) { o.(*autoscalingv1.Scale).Spec.Replicas = -1 }, []want{{invalid, "spec.replicas"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.old.DeepCopyObject()
			tt.update(obj)
			Default(obj)
			PrepareForUpdate(obj, tt.old)
			checkErrors(t, ValidateUpdate(obj, tt.old), tt.want)
		})
	}
}

func TestPodUpdateForbiddenMessage(t *testing.T) {
	old := storedPod()
	pod := old.DeepCopy()
	pod.Spec.NodeName = "node01"
	pod.Spec.Containers[0].Image = "nginx:1.28" // allowed, so not in the diff
	errs := ValidateUpdate(pod, old)
	checkErrors(t, errs, []want{{forbidden, "spec"}})
	const upstream = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
	if PodUpdateForbiddenMessage != upstream {
		t.Fatalf("message is\n%s\nupstream's is\n%s", PodUpdateForbiddenMessage, upstream)
	}
	detail := errs[0].Detail
	if !strings.HasPrefix(detail, upstream+"\n") {
		t.Fatalf("detail %q does not start with upstream's message and a newline", detail)
	}
	if !strings.Contains(detail, `- 	NodeName: "",`) || !strings.Contains(detail, `+ 	NodeName: "node01",`) || strings.Contains(detail, "Containers:") {
		t.Fatalf("diff does not show exactly the NodeName change:\n%s", detail)
	}
	status := apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "web", errs).Error()
	if !strings.HasPrefix(status, `Pod "web" is invalid: spec: Forbidden: `+upstream) {
		t.Fatalf("status message is %q", status)
	}
}

func TestValidateStatusUpdate(t *testing.T) {
	running := func(o runtime.Object) {
		p := o.(*corev1.Pod)
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP = "10.0.0.5"
		p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}}
		p.Status.HostIP = "192.168.1.2"
		p.Status.HostIPs = []corev1.HostIP{{IP: "192.168.1.2"}}
	}
	tests := []struct {
		name   string
		old    runtime.Object
		update func(runtime.Object)
		want   []want
	}{
		{"pod running", storedPod(), running, nil},
		{"pod bad IPs", storedPod(), func(o runtime.Object) {
			running(o)
			p := o.(*corev1.Pod)
			p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "10.0.0.6"}}
			p.Status.HostIPs = []corev1.HostIP{{IP: "300.1.1.1"}}
		}, []want{{invalid, "status.podIPs"}, {invalid, "status.hostIPs[0].ip"}, {invalid, "status.hostIPs[0]"}}},
		{"pod qos immutable", storedPod(), func(o runtime.Object) { o.(*corev1.Pod).Status.QOSClass = corev1.PodQOSGuaranteed },
			[]want{{invalid, "status.qosClass"}}},
		{"pod custom condition type", storedPod(), func(o runtime.Object) {
			o.(*corev1.Pod).Status.Conditions = []corev1.PodCondition{{Type: "bad type", Status: corev1.ConditionTrue}}
		}, []want{{invalid, "metadata.conditions[0].Type"}}},
		{"pod terminated container restarted", func() runtime.Object {
			p := storedPod()
			p.Spec.RestartPolicy = corev1.RestartPolicyNever
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}}
			return p
		}(), func(o runtime.Object) {
			o.(*corev1.Pod).Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
		}, []want{{forbidden, "status.containerStatuses[0].state"}}},
		{"deployment status", storedDeployment(), func(o runtime.Object) {
			d := o.(*appsv1.Deployment)
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}
		}, nil},
		{"deployment status inconsistent", storedDeployment(), func(o runtime.Object) {
			d := o.(*appsv1.Deployment)
			d.Status = appsv1.DeploymentStatus{Replicas: 1, ReadyReplicas: 2, AvailableReplicas: 3, UnavailableReplicas: -1}
		}, []want{{invalid, "status.unavailableReplicas"}, {invalid, "status.readyReplicas"}, {invalid, "status.availableReplicas"}, {invalid, "status.availableReplicas"}}},
		{"replicaset status", func() runtime.Object {
			rs := newReplicaSet()
			rs.ResourceVersion = "2"
			return rs
		}(), func(o runtime.Object) { o.(*appsv1.ReplicaSet).Status.FullyLabeledReplicas = 2 },
			[]want{{invalid, "status.fullyLabeledReplicas"}}},
		{"namespace terminating without deletion", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "1"}},
			func(o runtime.Object) { o.(*corev1.Namespace).Status.Phase = corev1.NamespaceTerminating },
			[]want{{invalid, "status.Phase"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.old.DeepCopyObject()
			tt.update(obj)
			PrepareForStatusUpdate(obj, tt.old)
			checkErrors(t, ValidateStatusUpdate(obj, tt.old), tt.want)
		})
	}
}

func TestValidateUpdateMismatchedTypes(t *testing.T) {
	errs := ValidateUpdate(storedPod(), storedDeployment())
	checkErrors(t, errs, []want{{field.ErrorTypeInternal, field.NewPath("").String()}})
}
