package validation

// Defaults, create and update preparation and validation of the kinds served through
// the generic registry beside the pod, namespace, node, workload and lease kinds:
// upstream's SetDefaults_* functions, registry strategies and the validation rules that
// users hit, on the versioned types. Where upstream checks more than is written here, the
// engine is more lenient; the differential suite's allow-list names those cases.

import (
	"fmt"
	"maps"
	"net"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// defaultServed applies the defaults of the kinds in this file; ok is false for others.
func defaultServed(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Service:
		defaultService(o)
	case *corev1.Secret:
		if o.Type == "" {
			o.Type = corev1.SecretTypeOpaque
		}
	case *corev1.Endpoints:
		for i := range o.Subsets {
			for j := range o.Subsets[i].Ports {
				if p := &o.Subsets[i].Ports[j]; p.Protocol == "" {
					p.Protocol = corev1.ProtocolTCP
				}
			}
		}
	case *corev1.PersistentVolumeClaim:
		if o.Spec.VolumeMode == nil {
			o.Spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
		}
		if o.Status.Phase == "" {
			o.Status.Phase = corev1.ClaimPending
		}
	case *corev1.LimitRange:
		for i := range o.Spec.Limits {
			defaultLimitRangeItem(&o.Spec.Limits[i])
		}
	case *corev1.ReplicationController:
		if o.Spec.Template != nil && o.Spec.Template.Labels != nil {
			if len(o.Spec.Selector) == 0 {
				o.Spec.Selector = o.Spec.Template.Labels
			}
			if len(o.Labels) == 0 {
				o.Labels = o.Spec.Template.Labels
			}
		}
		if o.Spec.Replicas == nil {
			o.Spec.Replicas = ptrTo(int32(1))
		}
		if o.Spec.Template != nil {
			defaultPodSpec(&o.Spec.Template.Spec)
		}
	case *appsv1.StatefulSet:
		defaultStatefulSet(o)
	case *appsv1.DaemonSet:
		defaultDaemonSet(o)
	case *batchv1.Job:
		defaultJob(o)
	case *batchv1.CronJob:
		defaultCronJob(o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		if o.Spec.MinReplicas == nil {
			o.Spec.MinReplicas = ptrTo(int32(1))
		}
		if len(o.Spec.Metrics) == 0 {
			o.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptrTo(int32(80))}}}}
		}
	case *networkingv1.NetworkPolicy:
		if len(o.Spec.PolicyTypes) == 0 {
			o.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
			if len(o.Spec.Egress) > 0 {
				o.Spec.PolicyTypes = append(o.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			}
		}
		for i := range o.Spec.Ingress {
			defaultNetworkPolicyPorts(o.Spec.Ingress[i].Ports)
		}
		for i := range o.Spec.Egress {
			defaultNetworkPolicyPorts(o.Spec.Egress[i].Ports)
		}
	case *discoveryv1.EndpointSlice:
		for i := range o.Ports {
			if o.Ports[i].Name == nil {
				o.Ports[i].Name = ptrTo("")
			}
			if o.Ports[i].Protocol == nil {
				o.Ports[i].Protocol = ptrTo(corev1.ProtocolTCP)
			}
		}
	case *corev1.ConfigMap, *corev1.ServiceAccount, *corev1.Event, *eventsv1.Event, *corev1.ResourceQuota,
		*appsv1.ControllerRevision, *policyv1.PodDisruptionBudget, *networkingv1.Ingress:
	default:
		return false
	}
	return true
}

func defaultNetworkPolicyPorts(ports []networkingv1.NetworkPolicyPort) {
	for i := range ports {
		if ports[i].Protocol == nil {
			ports[i].Protocol = ptrTo(corev1.ProtocolTCP)
		}
	}
}

func defaultService(s *corev1.Service) {
	spec := &s.Spec
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	if spec.SessionAffinity == corev1.ServiceAffinityNone {
		spec.SessionAffinityConfig = nil
	}
	if spec.SessionAffinity == corev1.ServiceAffinityClientIP {
		if c := spec.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(corev1.DefaultClientIPServiceAffinitySeconds)}}
		}
	}
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	external := spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer ||
		(spec.Type == corev1.ServiceTypeClusterIP && len(spec.ExternalIPs) > 0)
	if external && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if spec.InternalTrafficPolicy == nil && spec.Type != corev1.ServiceTypeExternalName {
		spec.InternalTrafficPolicy = ptrTo(corev1.ServiceInternalTrafficPolicyCluster)
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer && spec.AllocateLoadBalancerNodePorts == nil {
		spec.AllocateLoadBalancerNodePorts = ptrTo(true)
	}
}

func defaultLimitRangeItem(item *corev1.LimitRangeItem) {
	if item.Type != corev1.LimitTypeContainer {
		return
	}
	if item.Default == nil {
		item.Default = corev1.ResourceList{}
	}
	if item.DefaultRequest == nil {
		item.DefaultRequest = corev1.ResourceList{}
	}
	for k, v := range item.Max {
		if _, ok := item.Default[k]; !ok {
			item.Default[k] = v.DeepCopy()
		}
	}
	for k, v := range item.Default {
		if _, ok := item.DefaultRequest[k]; !ok {
			item.DefaultRequest[k] = v.DeepCopy()
		}
	}
	for k, v := range item.Min {
		if _, ok := item.DefaultRequest[k]; !ok {
			item.DefaultRequest[k] = v.DeepCopy()
		}
	}
}

func defaultStatefulSet(s *appsv1.StatefulSet) {
	spec := &s.Spec
	if spec.PodManagementPolicy == "" {
		spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if spec.UpdateStrategy.Type == "" {
		spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if spec.UpdateStrategy.RollingUpdate == nil {
			spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if ru := spec.UpdateStrategy.RollingUpdate; spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru != nil {
		if ru.Partition == nil {
			ru.Partition = ptrTo(int32(0))
		}
		if ru.MaxUnavailable == nil { // MaxUnavailableStatefulSet is on by default in v1.37
			ru.MaxUnavailable = ptrTo(intstr.FromInt32(1))
		}
	}
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted == "" {
		spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.PersistentVolumeClaimRetentionPolicy.WhenScaled == "" {
		spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.Replicas == nil {
		spec.Replicas = ptrTo(int32(1))
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = ptrTo(int32(10))
	}
	for i := range spec.VolumeClaimTemplates {
		pvc := &spec.VolumeClaimTemplates[i]
		if pvc.Spec.VolumeMode == nil {
			pvc.Spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
		}
		if pvc.Status.Phase == "" {
			pvc.Status.Phase = corev1.ClaimPending
		}
	}
	defaultPodSpec(&spec.Template.Spec)
}

func defaultDaemonSet(d *appsv1.DaemonSet) {
	us := &d.Spec.UpdateStrategy
	if us.Type == "" {
		us.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if us.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if us.RollingUpdate == nil {
			us.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if us.RollingUpdate.MaxUnavailable == nil {
			us.RollingUpdate.MaxUnavailable = ptrTo(intstr.FromInt32(1))
		}
		if us.RollingUpdate.MaxSurge == nil {
			us.RollingUpdate.MaxSurge = ptrTo(intstr.FromInt32(0))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = ptrTo(int32(10))
	}
	defaultPodSpec(&d.Spec.Template.Spec)
}

func defaultJobSpec(spec *batchv1.JobSpec) {
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptrTo(int32(1))
		spec.Parallelism = ptrTo(int32(1))
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptrTo(int32(1))
	}
	if spec.BackoffLimit == nil {
		if spec.BackoffLimitPerIndex != nil {
			spec.BackoffLimit = ptrTo(int32(1<<31 - 1))
		} else {
			spec.BackoffLimit = ptrTo(int32(6))
		}
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = ptrTo(batchv1.NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = ptrTo(false)
	}
	if spec.PodReplacementPolicy == nil {
		if spec.PodFailurePolicy != nil {
			spec.PodReplacementPolicy = ptrTo(batchv1.Failed)
		} else {
			spec.PodReplacementPolicy = ptrTo(batchv1.TerminatingOrFailed)
		}
	}
	if spec.ManualSelector == nil {
		spec.ManualSelector = ptrTo(false)
	}
	defaultPodSpec(&spec.Template.Spec)
}

func defaultJob(j *batchv1.Job) {
	if j.Spec.Template.Labels != nil && len(j.Labels) == 0 {
		j.Labels = j.Spec.Template.Labels
	}
	defaultJobSpec(&j.Spec)
}

func defaultCronJob(j *batchv1.CronJob) {
	spec := &j.Spec
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if spec.Suspend == nil {
		spec.Suspend = ptrTo(false)
	}
	if spec.SuccessfulJobsHistoryLimit == nil {
		spec.SuccessfulJobsHistoryLimit = ptrTo(int32(3))
	}
	if spec.FailedJobsHistoryLimit == nil {
		spec.FailedJobsHistoryLimit = ptrTo(int32(1))
	}
	// Upstream defaults the job template's pod spec, not the job spec around it (the
	// cronjob controller's job gets those defaults when it is created).
	defaultPodSpec(&spec.JobTemplate.Spec.Template.Spec)
}

// Job template labels that tie a job's pods to it (batch/v1's generated selector).
const (
	jobControllerUIDLabel       = batchv1.ControllerUidLabel
	legacyJobControllerUIDLabel = "controller-uid"
	jobNameLabel                = batchv1.JobNameLabel
	legacyJobNameLabel          = "job-name"
)

// prepareServedCreate is the registry strategies' PrepareForCreate of the kinds in this
// file; ok is false for others.
func prepareServedCreate(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Secret:
		foldStringData(o)
	case *corev1.Service:
		o.Status = corev1.ServiceStatus{}
	case *corev1.PersistentVolumeClaim:
		o.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
		normalizePVCDataSources(&o.Spec, nil)
	case *corev1.ResourceQuota:
		o.Status = corev1.ResourceQuotaStatus{}
	case *corev1.ReplicationController:
		o.Status = corev1.ReplicationControllerStatus{}
		o.Generation = 1
	case *appsv1.StatefulSet:
		o.Status = appsv1.StatefulSetStatus{}
		o.Generation = 1
	case *appsv1.DaemonSet:
		o.Status = appsv1.DaemonSetStatus{}
		o.Generation = 1
		setDaemonSetTemplateGeneration(o, 1)
	case *batchv1.Job:
		o.Status = batchv1.JobStatus{}
		o.Generation = 1
		if o.Spec.ManualSelector == nil || !*o.Spec.ManualSelector {
			generateJobSelector(o)
		}
		// upstream defaults the stored job again as it reads it back: a job without
		// labels takes its template's, generated ones included
		if len(o.Labels) == 0 && o.Spec.Template.Labels != nil {
			o.Labels = maps.Clone(o.Spec.Template.Labels)
		}
	case *batchv1.CronJob:
		o.Status = batchv1.CronJobStatus{}
		o.Generation = 1
	case *autoscalingv2.HorizontalPodAutoscaler:
		o.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
		o.Generation = 1
	case *networkingv1.NetworkPolicy, *discoveryv1.EndpointSlice:
		obj.(metav1.Object).SetGeneration(1)
	case *policyv1.PodDisruptionBudget:
		o.Status = policyv1.PodDisruptionBudgetStatus{}
		o.Generation = 1
	case *networkingv1.Ingress:
		o.Status = networkingv1.IngressStatus{}
		o.Generation = 1
	case *corev1.ConfigMap, *corev1.ServiceAccount, *corev1.Endpoints, *corev1.Event, *eventsv1.Event, *corev1.LimitRange,
		*appsv1.ControllerRevision:
	default:
		return false
	}
	return true
}

// foldStringData moves a secret's stringData into data, as upstream's secret strategy does.
func foldStringData(s *corev1.Secret) {
	if len(s.StringData) == 0 {
		return
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

func generateJobSelector(j *batchv1.Job) {
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	for _, k := range []string{legacyJobNameLabel, jobNameLabel} {
		if _, ok := j.Spec.Template.Labels[k]; !ok {
			j.Spec.Template.Labels[k] = j.Name
		}
	}
	for _, k := range []string{legacyJobControllerUIDLabel, jobControllerUIDLabel} {
		if _, ok := j.Spec.Template.Labels[k]; !ok {
			j.Spec.Template.Labels[k] = string(j.UID)
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[jobControllerUIDLabel]; !ok {
		j.Spec.Selector.MatchLabels[jobControllerUIDLabel] = string(j.UID)
	}
}

// prepareServedUpdate keeps what an update of the main resource may not change (status)
// and moves the generation on spec changes; ok is false for other kinds.
func prepareServedUpdate(obj, old runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Secret:
		beforeUpdate(o, old.(*corev1.Secret), func() { foldStringData(o) })
	case *corev1.Service:
		prev := old.(*corev1.Service)
		beforeUpdate(o, prev, func() {
			o.Status = prev.Status
			keepAllocated(o, prev)
		})
	case *corev1.PersistentVolumeClaim:
		prev := old.(*corev1.PersistentVolumeClaim)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; normalizePVCDataSources(&o.Spec, &prev.Spec) })
	case *corev1.ResourceQuota:
		prev := old.(*corev1.ResourceQuota)
		beforeUpdate(o, prev, func() { o.Status = prev.Status })
	case *corev1.ReplicationController:
		prev := old.(*corev1.ReplicationController)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *appsv1.StatefulSet:
		prev := old.(*appsv1.StatefulSet)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *appsv1.DaemonSet:
		prev := old.(*appsv1.DaemonSet)
		beforeUpdate(o, prev, func() {
			o.Status = prev.Status
			bumpGeneration(o, prev, o.Spec, prev.Spec)
			keepDaemonSetTemplateGeneration(o, prev)
		})
	case *batchv1.Job:
		prev := old.(*batchv1.Job)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *batchv1.CronJob:
		prev := old.(*batchv1.CronJob)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *autoscalingv2.HorizontalPodAutoscaler:
		prev := old.(*autoscalingv2.HorizontalPodAutoscaler)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *policyv1.PodDisruptionBudget:
		prev := old.(*policyv1.PodDisruptionBudget)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *networkingv1.Ingress:
		prev := old.(*networkingv1.Ingress)
		beforeUpdate(o, prev, func() { o.Status = prev.Status; bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *networkingv1.NetworkPolicy:
		prev := old.(*networkingv1.NetworkPolicy)
		beforeUpdate(o, prev, func() { bumpGeneration(o, prev, o.Spec, prev.Spec) })
	case *discoveryv1.EndpointSlice:
		// upstream's endpointslice strategy moves the generation on any change
		prev := old.(*discoveryv1.EndpointSlice)
		beforeUpdate(o, prev, func() {
			a, b := o.DeepCopy(), prev.DeepCopy()
			for _, m := range []*metav1.ObjectMeta{&a.ObjectMeta, &b.ObjectMeta} {
				m.ResourceVersion, m.ManagedFields, m.Generation = "", nil, 0
			}
			if !semanticEqual(a, b) {
				o.Generation = prev.Generation + 1
			}
		})
	default:
		return false
	}
	return true
}

func bumpGeneration(obj, old metav1.Object, spec, oldSpec any) {
	if !semanticEqual(spec, oldSpec) {
		obj.SetGeneration(old.GetGeneration() + 1)
	}
}

// keepAllocated copies the cluster IPs and node ports an update leaves out from the stored
// service, as upstream's service storage does (patchAllocatedValues).
func keepAllocated(s, old *corev1.Service) {
	needsClusterIP := s.Spec.Type != corev1.ServiceTypeExternalName
	if needsClusterIP && s.Spec.ClusterIP == "" {
		s.Spec.ClusterIP = old.Spec.ClusterIP
	}
	if needsClusterIP && len(s.Spec.ClusterIPs) == 0 && len(old.Spec.ClusterIPs) > 0 && s.Spec.ClusterIP == old.Spec.ClusterIP {
		s.Spec.ClusterIPs = old.Spec.ClusterIPs
	}
	if needsClusterIP && len(s.Spec.IPFamilies) == 0 {
		s.Spec.IPFamilies = old.Spec.IPFamilies
	}
	if needsClusterIP && s.Spec.IPFamilyPolicy == nil {
		s.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
	}
	if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
		used := map[int32]int32{}
		for _, p := range old.Spec.Ports {
			if p.NodePort != 0 {
				used[p.Port] = p.NodePort
			}
		}
		for i := range s.Spec.Ports {
			if s.Spec.Ports[i].NodePort == 0 {
				s.Spec.Ports[i].NodePort = used[s.Spec.Ports[i].Port]
			}
		}
	}
}

// prepareServedStatusUpdate keeps the spec from the stored object; ok is false for others.
func prepareServedStatusUpdate(obj, old runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Service:
		prev := old.(*corev1.Service)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *corev1.PersistentVolumeClaim:
		prev := old.(*corev1.PersistentVolumeClaim)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *corev1.ResourceQuota:
		prev := old.(*corev1.ResourceQuota)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *corev1.ReplicationController:
		prev := old.(*corev1.ReplicationController)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *appsv1.StatefulSet:
		prev := old.(*appsv1.StatefulSet)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *appsv1.DaemonSet:
		prev := old.(*appsv1.DaemonSet)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *batchv1.Job:
		prev := old.(*batchv1.Job)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *batchv1.CronJob:
		prev := old.(*batchv1.CronJob)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *autoscalingv2.HorizontalPodAutoscaler:
		prev := old.(*autoscalingv2.HorizontalPodAutoscaler)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *policyv1.PodDisruptionBudget:
		prev := old.(*policyv1.PodDisruptionBudget)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	case *networkingv1.Ingress:
		prev := old.(*networkingv1.Ingress)
		beforeUpdate(o, prev, func() { o.Spec = prev.Spec })
	default:
		return false
	}
	return true
}

// served is the validation of one kind of this file.
type served struct {
	meta   func(obj runtime.Object) *metav1.ObjectMeta
	nameFn apimachineryvalidation.ValidateNameFunc
	spec   func(obj runtime.Object) field.ErrorList      // create and update
	update func(obj, old runtime.Object) field.ErrorList // update only: immutable fields
}

// servedKinds maps each kind of this file to its validation.
var servedKinds = map[string]served{}

func kindKey(obj runtime.Object) string { return fmt.Sprintf("%T", obj) }

func register[T runtime.Object](nameFn apimachineryvalidation.ValidateNameFunc, spec func(T) field.ErrorList, update func(T, T) field.ErrorList) {
	var zero T
	s := served{nameFn: nameFn}
	s.meta = func(obj runtime.Object) *metav1.ObjectMeta {
		m, _ := any(obj).(metav1.ObjectMetaAccessor)
		return m.GetObjectMeta().(*metav1.ObjectMeta)
	}
	if spec != nil {
		s.spec = func(obj runtime.Object) field.ErrorList { return spec(obj.(T)) }
	}
	if update != nil {
		s.update = func(obj, old runtime.Object) field.ErrorList { return update(obj.(T), old.(T)) }
	}
	servedKinds[kindKey(zero)] = s
}

var nameIsSubdomain = apimachineryvalidation.NameIsDNSSubdomain

func init() {
	register[*corev1.ConfigMap](nameIsSubdomain, validateConfigMap, nil)
	register[*corev1.Secret](nameIsSubdomain, validateSecret, func(s, old *corev1.Secret) field.ErrorList {
		var errs field.ErrorList
		if s.Type != old.Type {
			errs = append(errs, field.Invalid(field.NewPath("type"), s.Type, "field is immutable"))
		}
		if old.Immutable != nil && *old.Immutable {
			if s.Immutable == nil || !*s.Immutable {
				errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
			}
			if !semanticEqual(s.Data, old.Data) {
				errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
			}
		}
		return errs
	})
	register[*corev1.ServiceAccount](nameIsSubdomain, nil, nil)
	register[*corev1.Service](apimachineryvalidation.NameIsDNSLabel, validateService, func(s, old *corev1.Service) field.ErrorList {
		var errs field.ErrorList
		if old.Spec.ClusterIP != "" && s.Spec.Type != corev1.ServiceTypeExternalName && old.Spec.Type != corev1.ServiceTypeExternalName &&
			s.Spec.ClusterIP != old.Spec.ClusterIP {
			errs = append(errs, field.Invalid(field.NewPath("spec", "clusterIPs").Index(0), s.Spec.ClusterIPs, "may not change once set"))
		}
		return errs
	})
	register[*corev1.Endpoints](nameIsSubdomain, validateEndpoints, nil)
	register[*corev1.Event](nameIsSubdomain, validateCoreEvent, nil)
	register[*eventsv1.Event](nameIsSubdomain, nil, nil)
	register[*corev1.PersistentVolumeClaim](nameIsSubdomain, validatePVC, validatePVCUpdate)
	register[*corev1.ResourceQuota](nameIsSubdomain, validateResourceQuota, validateResourceQuotaUpdate)
	register[*corev1.LimitRange](nameIsSubdomain, nil, nil)
	register[*corev1.ReplicationController](nameIsSubdomain, validateReplicationController, nil)
	register[*appsv1.StatefulSet](nameIsSubdomain, validateStatefulSet, func(s, old *appsv1.StatefulSet) field.ErrorList {
		// upstream forbids every spec change but these
		cur, prev := s.Spec.DeepCopy(), old.Spec.DeepCopy()
		prev.Replicas, prev.Ordinals, prev.Template, prev.UpdateStrategy = cur.Replicas, cur.Ordinals, cur.Template, cur.UpdateStrategy
		prev.PersistentVolumeClaimRetentionPolicy, prev.MinReadySeconds, prev.RevisionHistoryLimit = cur.PersistentVolumeClaimRetentionPolicy, cur.MinReadySeconds, cur.RevisionHistoryLimit
		if !semanticEqual(cur, prev) {
			return field.ErrorList{field.Forbidden(field.NewPath("spec"), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")}
		}
		return nil
	})
	register[*appsv1.DaemonSet](nameIsSubdomain, validateDaemonSet, func(d, old *appsv1.DaemonSet) field.ErrorList {
		return apimachineryvalidation.ValidateImmutableField(d.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))
	})
	register[*appsv1.ControllerRevision](nameIsSubdomain, func(r *appsv1.ControllerRevision) field.ErrorList {
		return validateNonnegative(r.Revision, field.NewPath("revision"))
	}, func(r, old *appsv1.ControllerRevision) field.ErrorList {
		return apimachineryvalidation.ValidateImmutableField(r.Data, old.Data, field.NewPath("data"))
	})
	register[*batchv1.Job](nameIsSubdomain, validateJob, func(j, old *batchv1.Job) field.ErrorList {
		errs := apimachineryvalidation.ValidateImmutableField(j.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))
		if !semanticEqual(j.Spec.Template, old.Spec.Template) && (old.Spec.Suspend == nil || !*old.Spec.Suspend) {
			errs = append(errs, apimachineryvalidation.ValidateImmutableField(j.Spec.Template, old.Spec.Template, field.NewPath("spec", "template"))...)
		}
		return append(errs, apimachineryvalidation.ValidateImmutableField(j.Spec.CompletionMode, old.Spec.CompletionMode, field.NewPath("spec", "completionMode"))...)
	})
	register[*batchv1.CronJob](nameIsSubdomain, validateCronJob, nil)
	register[*autoscalingv2.HorizontalPodAutoscaler](apimachineryvalidation.NameIsDNSSubdomain, validateHPA, nil)
	register[*policyv1.PodDisruptionBudget](nameIsSubdomain, validatePDB, nil)
	register[*networkingv1.Ingress](nameIsSubdomain, validateIngress, nil)
	register[*networkingv1.NetworkPolicy](nameIsSubdomain, validateNetworkPolicy, nil)
	register[*discoveryv1.EndpointSlice](nameIsSubdomain, validateEndpointSlice, func(s, old *discoveryv1.EndpointSlice) field.ErrorList {
		return apimachineryvalidation.ValidateImmutableField(s.AddressType, old.AddressType, field.NewPath("addressType"))
	})
}

// validateServedCreate validates a new object of a kind of this file; ok is false for others.
func validateServedCreate(obj runtime.Object) (field.ErrorList, bool) {
	s, ok := servedKinds[kindKey(obj)]
	if !ok {
		return nil, false
	}
	errs := validateObjectMeta(s.meta(obj), true, s.nameFn)
	if s.spec != nil {
		errs = append(errs, s.spec(obj)...)
	}
	return errs, true
}

// validateServedUpdate validates an update of a kind of this file; ok is false for others.
func validateServedUpdate(obj, old runtime.Object, status bool) (field.ErrorList, bool) {
	s, ok := servedKinds[kindKey(obj)]
	if !ok {
		return nil, false
	}
	errs := validateObjectMetaUpdate(s.meta(obj), s.meta(old))
	if status {
		return errs, true
	}
	if s.spec != nil {
		errs = append(errs, s.spec(obj)...)
	}
	if s.update != nil {
		errs = append(errs, s.update(obj, old)...)
	}
	return errs, true
}

func validateDataKeys[V any](data map[string]V, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(data) {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(fldPath.Key(k), k, msg))
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	return sets.List(sets.KeySet(m))
}

func validateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	errs := validateDataKeys(cm.Data, field.NewPath("data"))
	errs = append(errs, validateDataKeys(cm.BinaryData, field.NewPath("binaryData"))...)
	for k := range cm.Data {
		if _, dup := cm.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(k), k, "duplicate of key present in data"))
		}
	}
	size := 0
	for k, v := range cm.Data {
		size += len(k) + len(v)
	}
	for k, v := range cm.BinaryData {
		size += len(k) + len(v)
	}
	if size > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", corev1.MaxSecretSize))
	}
	return errs
}

func validateSecret(s *corev1.Secret) field.ErrorList {
	dataPath := field.NewPath("data")
	errs := validateDataKeys(s.Data, dataPath)
	size := 0
	for _, v := range s.Data {
		size += len(v)
	}
	if size > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(dataPath, "", corev1.MaxSecretSize))
	}
	require := func(key string) {
		if _, ok := s.Data[key]; !ok {
			errs = append(errs, field.Required(dataPath.Key(key), ""))
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		require(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		require(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		_, u := s.Data[corev1.BasicAuthUsernameKey]
		_, p := s.Data[corev1.BasicAuthPasswordKey]
		if !u && !p {
			errs = append(errs, field.Required(dataPath.Key(corev1.BasicAuthUsernameKey), ""), field.Required(dataPath.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		require(corev1.SSHAuthPrivateKey)
	case corev1.SecretTypeTLS:
		require(corev1.TLSCertKey)
		require(corev1.TLSPrivateKeyKey)
	default:
		for _, msg := range validation.IsQualifiedName(string(s.Type)) {
			errs = append(errs, field.Invalid(field.NewPath("type"), s.Type, msg))
		}
	}
	return errs
}

var (
	serviceProtocols      = sets.New(corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP)
	supportedServiceTypes = sets.New(corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName)
	supportedAffinities   = sets.New(corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone)
)

func isHeadless(s *corev1.Service) bool {
	return len(s.Spec.ClusterIPs) > 0 && s.Spec.ClusterIPs[0] == corev1.ClusterIPNone || s.Spec.ClusterIP == corev1.ClusterIPNone
}

// validateService is upstream's validateService, less topology, traffic and load balancer
// class details.
func validateService(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if len(s.Spec.Ports) == 0 && !isHeadless(s) && s.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(spec.Child("ports"), ""))
	}
	switch s.Spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if isHeadless(s) {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), corev1.ClusterIPNone, fmt.Sprintf("may not be set to 'None' for %s services", s.Spec.Type)))
		}
	case corev1.ServiceTypeExternalName:
		if len(s.Spec.ClusterIPs) > 0 || s.Spec.ClusterIP != "" {
			errs = append(errs, field.Forbidden(spec.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if cname := strings.TrimSuffix(s.Spec.ExternalName, "."); cname != "" {
			errs = append(errs, validateDNS1123Subdomain(cname, spec.Child("externalName"))...)
		} else {
			errs = append(errs, field.Required(spec.Child("externalName"), ""))
		}
	}
	names := sets.New[string]()
	for i := range s.Spec.Ports {
		p, pp := &s.Spec.Ports[i], spec.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), ""))
		} else if p.Name != "" {
			errs = append(errs, validateDNS1123Label(p.Name, pp.Child("name"))...)
			if names.Has(p.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
			}
			names.Insert(p.Name)
		}
		for _, msg := range validation.IsValidPortNum(int(p.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), p.Port, msg))
		}
		if p.Protocol == "" {
			errs = append(errs, field.Required(pp.Child("protocol"), ""))
		} else if !serviceProtocols.Has(p.Protocol) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), p.Protocol, sets.List(serviceProtocols)))
		}
		errs = append(errs, validatePortNumOrName(p.TargetPort, pp.Child("targetPort"))...)
		if p.AppProtocol != nil {
			errs = append(errs, validateQualifiedName(*p.AppProtocol, pp.Child("appProtocol"))...)
		}
	}
	if s.Spec.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabels(s.Spec.Selector, spec.Child("selector"))...)
	}
	if s.Spec.SessionAffinity == "" {
		errs = append(errs, field.Required(spec.Child("sessionAffinity"), ""))
	} else if !supportedAffinities.Has(s.Spec.SessionAffinity) {
		errs = append(errs, field.NotSupported(spec.Child("sessionAffinity"), s.Spec.SessionAffinity, sets.List(supportedAffinities)))
	}
	if s.Spec.Type != corev1.ServiceTypeExternalName {
		for i, ip := range s.Spec.ClusterIPs {
			if ip != corev1.ClusterIPNone && net.ParseIP(ip) == nil {
				errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(i), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
			}
		}
		if len(s.Spec.ClusterIPs) == 0 && s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone && net.ParseIP(s.Spec.ClusterIP) == nil {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), s.Spec.ClusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		}
	}
	for i, ip := range s.Spec.ExternalIPs {
		if net.ParseIP(ip) == nil {
			errs = append(errs, field.Invalid(spec.Child("externalIPs").Index(i), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		}
	}
	if s.Spec.Type == "" {
		errs = append(errs, field.Required(spec.Child("type"), ""))
	} else if !supportedServiceTypes.Has(s.Spec.Type) {
		errs = append(errs, field.NotSupported(spec.Child("type"), s.Spec.Type, sets.List(supportedServiceTypes)))
	}
	if s.Spec.Type == corev1.ServiceTypeClusterIP {
		for i := range s.Spec.Ports {
			if s.Spec.Ports[i].NodePort != 0 {
				errs = append(errs, field.Forbidden(spec.Child("ports").Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	nodePorts := map[corev1.ServicePort]bool{}
	for i, p := range s.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		key := corev1.ServicePort{Protocol: p.Protocol, NodePort: p.NodePort}
		if nodePorts[key] {
			errs = append(errs, field.Duplicate(spec.Child("ports").Index(i).Child("nodePort"), p.NodePort))
		}
		nodePorts[key] = true
	}
	ports := map[internalServicePort]bool{}
	for i, p := range s.Spec.Ports {
		key := internalServicePort{Protocol: p.Protocol, Port: p.Port}
		if ports[key] {
			errs = append(errs, field.Duplicate(spec.Child("ports").Index(i), key))
		}
		ports[key] = true
	}
	if s.Spec.AllocateLoadBalancerNodePorts != nil && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		errs = append(errs, field.Forbidden(spec.Child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
	}
	return errs
}

// internalServicePort is upstream's internal ServicePort, which has no JSON names: an
// error quoting one renders its Go field names, as upstream's does.
type internalServicePort struct {
	Name        string
	Protocol    corev1.Protocol
	AppProtocol *string
	Port        int32
	TargetPort  intstr.IntOrString
	NodePort    int32
}

// internalPDBSpec is upstream's internal PodDisruptionBudgetSpec, for the same reason.
type internalPDBSpec struct {
	MinAvailable               *intstr.IntOrString
	Selector                   *metav1.LabelSelector
	MaxUnavailable             *intstr.IntOrString
	UnhealthyPodEvictionPolicy *policyv1.UnhealthyPodEvictionPolicyType
}

func validateEndpoints(e *corev1.Endpoints) field.ErrorList {
	var errs field.ErrorList
	for i, ss := range e.Subsets {
		p := field.NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(p, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			if net.ParseIP(a.IP) == nil {
				errs = append(errs, field.Invalid(p.Child("addresses").Index(j).Child("ip"), a.IP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
			}
		}
		for j, port := range ss.Ports {
			for _, msg := range validation.IsValidPortNum(int(port.Port)) {
				errs = append(errs, field.Invalid(p.Child("ports").Index(j).Child("port"), port.Port, msg))
			}
		}
	}
	return errs
}

func validateCoreEvent(e *corev1.Event) field.ErrorList { return ValidateEventCreate(e, false) }

// Limits of upstream's event validation.
const (
	reportingInstanceLengthLimit = 128
	actionLengthLimit            = 128
	reasonLengthLimit            = 128
	noteLengthLimit              = 1024
)

// legacyValidateEvent is the validation every event passes, whichever API version wrote
// it; an event with an eventTime is held to the rules of events.k8s.io/v1's fields.
// legacy names the API version: v1 calls reportingController reportingComponent.
func legacyValidateEvent(e *corev1.Event, legacy bool) field.ErrorList {
	var errs field.ErrorList
	controllerField := "reportingController"
	if legacy {
		controllerField = "reportingComponent"
	}
	nsPath := field.NewPath("involvedObject", "namespace")
	if e.EventTime.IsZero() {
		if e.InvolvedObject.Namespace == "" {
			if e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault {
				errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
			}
		} else if e.Namespace != e.InvolvedObject.Namespace {
			errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		return errs
	}
	if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
		errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
	}
	if e.ReportingController == "" {
		errs = append(errs, field.Required(field.NewPath(controllerField), ""))
	}
	errs = append(errs, validateQualifiedName(e.ReportingController, field.NewPath(controllerField))...)
	if e.ReportingInstance == "" {
		errs = append(errs, field.Required(field.NewPath("reportingInstance"), ""))
	}
	if len(e.ReportingInstance) > reportingInstanceLengthLimit {
		errs = append(errs, field.Invalid(field.NewPath("reportingInstance"), "", fmt.Sprintf("can have at most %v characters", reportingInstanceLengthLimit)))
	}
	if e.Action == "" {
		errs = append(errs, field.Required(field.NewPath("action"), ""))
	}
	if len(e.Action) > actionLengthLimit {
		errs = append(errs, field.Invalid(field.NewPath("action"), "", fmt.Sprintf("can have at most %v characters", actionLengthLimit)))
	}
	if e.Reason == "" {
		errs = append(errs, field.Required(field.NewPath("reason"), ""))
	}
	if len(e.Reason) > reasonLengthLimit {
		errs = append(errs, field.Invalid(field.NewPath("reason"), "", fmt.Sprintf("can have at most %v characters", reasonLengthLimit)))
	}
	if len(e.Message) > noteLengthLimit {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", noteLengthLimit)))
	}
	return errs
}

// ValidateEventCreate is upstream's validation of a new event; strict is for one created
// through events.k8s.io/v1, which must be written in that API's terms.
func ValidateEventCreate(e *corev1.Event, strict bool) field.ErrorList {
	errs := legacyValidateEvent(e, !strict)
	if !strict {
		return errs
	}
	errs = append(errs, validateEventSeries(e)...)
	if e.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", "has invalid value: "+e.Type))
	}
	if !e.FirstTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("firstTimestamp"), "", "needs to be unset"))
	}
	if !e.LastTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("lastTimestamp"), "", "needs to be unset"))
	}
	if e.Count != 0 {
		errs = append(errs, field.Invalid(field.NewPath("count"), "", "needs to be unset"))
	}
	if e.Source.Component != "" || e.Source.Host != "" {
		errs = append(errs, field.Invalid(field.NewPath("source"), "", "needs to be unset"))
	}
	return errs
}

func validateEventSeries(e *corev1.Event) field.ErrorList {
	if e.Series == nil {
		return nil
	}
	var errs field.ErrorList
	if e.Series.Count < 2 {
		errs = append(errs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if e.Series.LastObservedTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return errs
}

// ValidateEventUpdate is upstream's validation of an event update; strict is for one
// through events.k8s.io/v1, which may change little of an event.
func ValidateEventUpdate(e, old *corev1.Event, strict bool) field.ErrorList {
	errs := legacyValidateEvent(e, !strict)
	if !strict {
		return errs
	}
	// (the metadata rules run with the storage's validation, after the update is prepared)
	if !semanticEqual(e.Series, old.Series) {
		errs = append(errs, validateEventSeries(e)...)
	}
	im := apimachineryvalidation.ValidateImmutableField
	errs = append(errs, im(e.InvolvedObject, old.InvolvedObject, field.NewPath("involvedObject"))...)
	errs = append(errs, im(e.Reason, old.Reason, field.NewPath("reason"))...)
	errs = append(errs, im(e.Message, old.Message, field.NewPath("message"))...)
	errs = append(errs, im(e.Source, old.Source, field.NewPath("source"))...)
	errs = append(errs, im(e.FirstTimestamp, old.FirstTimestamp, field.NewPath("firstTimestamp"))...)
	errs = append(errs, im(e.LastTimestamp, old.LastTimestamp, field.NewPath("lastTimestamp"))...)
	errs = append(errs, im(e.Count, old.Count, field.NewPath("count"))...)
	errs = append(errs, im(e.Reason, old.Reason, field.NewPath("reason"))...)
	errs = append(errs, im(e.Type, old.Type, field.NewPath("type"))...)
	if !e.EventTime.Truncate(time.Microsecond).UTC().Equal(old.EventTime.Truncate(time.Microsecond).UTC()) {
		errs = append(errs, im(e.EventTime, old.EventTime, field.NewPath("eventTime"))...)
	}
	errs = append(errs, im(e.Action, old.Action, field.NewPath("action"))...)
	errs = append(errs, im(e.Related, old.Related, field.NewPath("related"))...)
	errs = append(errs, im(e.ReportingController, old.ReportingController, field.NewPath("reportingController"))...)
	return append(errs, im(e.ReportingInstance, old.ReportingInstance, field.NewPath("reportingInstance"))...)
}

func validateReplicationController(rc *corev1.ReplicationController) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	errs = append(errs, validateNonnegative(int64(replicas(rc.Spec.Replicas)), spec.Child("replicas"))...)
	errs = append(errs, validateNonnegative(int64(rc.Spec.MinReadySeconds), spec.Child("minReadySeconds"))...)
	sel := labels.Set(rc.Spec.Selector).AsSelector()
	if sel.Empty() {
		errs = append(errs, field.Required(spec.Child("selector"), ""))
	}
	errs = append(errs, metavalidation.ValidateLabels(rc.Spec.Selector, spec.Child("selector"))...)
	if rc.Spec.Template == nil {
		return append(errs, field.Required(spec.Child("template"), ""))
	}
	tp := spec.Child("template")
	if !sel.Empty() && !sel.Matches(labels.Set(rc.Spec.Template.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), rc.Spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validatePodTemplateSpec(rc.Spec.Template, tp)...)
	if rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), rc.Spec.Template.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	if rc.Spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tp.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicationController is not Supported"))
	}
	return errs
}

func validateStatefulSet(s *appsv1.StatefulSet) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	switch s.Spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(spec.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(spec.Child("podManagementPolicy"), s.Spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	switch s.Spec.UpdateStrategy.Type {
	case "":
		errs = append(errs, field.Required(spec.Child("updateStrategy"), ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.Spec.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(spec.Child("updateStrategy", "rollingUpdate"), s.Spec.UpdateStrategy.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
			errs = append(errs, validateNonnegative(int64(*ru.Partition), spec.Child("updateStrategy", "rollingUpdate", "partition"))...)
		}
	default:
		errs = append(errs, field.Invalid(spec.Child("updateStrategy"), s.Spec.UpdateStrategy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}
	errs = append(errs, validateNonnegative(int64(replicas(s.Spec.Replicas)), spec.Child("replicas"))...)
	errs = append(errs, validateNonnegative(int64(s.Spec.MinReadySeconds), spec.Child("minReadySeconds"))...)
	if s.Spec.Ordinals != nil {
		errs = append(errs, validateNonnegative(int64(s.Spec.Ordinals.Start), spec.Child("ordinals", "start"))...)
	}
	return append(errs, validateSelectedTemplate(s.Spec.Selector, &s.Spec.Template, "StatefulSet", spec, corev1.RestartPolicyAlways)...)
}

// validateSelectedTemplate checks a required label selector, its match with the template's
// labels and the template (whose restart policy must be always, if given).
func validateSelectedTemplate(selector *metav1.LabelSelector, template *corev1.PodTemplateSpec, kind string, spec *field.Path, restart corev1.RestartPolicy) field.ErrorList {
	var errs field.ErrorList
	if selector == nil {
		errs = append(errs, field.Required(spec.Child("selector"), ""))
	} else {
		errs = append(errs, metavalidation.ValidateLabelSelector(selector, metavalidation.LabelSelectorValidationOptions{}, spec.Child("selector"))...)
		if len(selector.MatchLabels)+len(selector.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(spec.Child("selector"), selector, "empty selector is invalid for "+strings.ToLower(kind)))
		}
	}
	tp := spec.Child("template")
	if sel, err := metav1.LabelSelectorAsSelector(selector); err == nil && !sel.Empty() && !sel.Matches(labels.Set(template.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), template.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validatePodTemplateSpec(template, tp)...)
	if restart != "" && template.Spec.RestartPolicy != restart {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), template.Spec.RestartPolicy, []string{string(restart)}))
	}
	if template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tp.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

func validateDaemonSet(d *appsv1.DaemonSet) field.ErrorList {
	spec := field.NewPath("spec")
	errs := validateSelectedTemplate(d.Spec.Selector, &d.Spec.Template, "DaemonSet", spec, corev1.RestartPolicyAlways)
	errs = append(errs, validateNonnegative(int64(d.Spec.MinReadySeconds), spec.Child("minReadySeconds"))...)
	switch d.Spec.UpdateStrategy.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if ru := d.Spec.UpdateStrategy.RollingUpdate; ru != nil {
			p := spec.Child("updateStrategy", "rollingUpdate")
			errs = append(errs, validatePositiveIntOrPercent(intOrZero(ru.MaxUnavailable), p.Child("maxUnavailable"))...)
			errs = append(errs, validatePositiveIntOrPercent(intOrZero(ru.MaxSurge), p.Child("maxSurge"))...)
			if intOrPercentValue(intOrZero(ru.MaxUnavailable)) == 0 && intOrPercentValue(intOrZero(ru.MaxSurge)) == 0 {
				errs = append(errs, field.Invalid(p.Child("maxUnavailable"), ru.MaxUnavailable, "may not be 0 when `maxSurge` is 0"))
			}
		}
	default:
		errs = append(errs, field.NotSupported(spec.Child("updateStrategy"), d.Spec.UpdateStrategy,
			[]string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)}))
	}
	return errs
}

func validateJobSpec(spec *batchv1.JobSpec, fldPath *field.Path, requireSelector bool) field.ErrorList {
	var errs field.ErrorList
	if spec.Parallelism != nil {
		errs = append(errs, validateNonnegative(int64(*spec.Parallelism), fldPath.Child("parallelism"))...)
	}
	if spec.Completions != nil {
		errs = append(errs, validateNonnegative(int64(*spec.Completions), fldPath.Child("completions"))...)
	}
	if spec.ActiveDeadlineSeconds != nil && *spec.ActiveDeadlineSeconds <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("activeDeadlineSeconds"), *spec.ActiveDeadlineSeconds, "must be greater than 0"))
	}
	if spec.BackoffLimit != nil {
		errs = append(errs, validateNonnegative(int64(*spec.BackoffLimit), fldPath.Child("backoffLimit"))...)
	}
	if spec.TTLSecondsAfterFinished != nil {
		errs = append(errs, validateNonnegative(int64(*spec.TTLSecondsAfterFinished), fldPath.Child("ttlSecondsAfterFinished"))...)
	}
	if spec.CompletionMode != nil {
		switch *spec.CompletionMode {
		case batchv1.NonIndexedCompletion:
		case batchv1.IndexedCompletion:
			if spec.Completions == nil {
				errs = append(errs, field.Required(fldPath.Child("completions"), "when completion mode is Indexed"))
			}
		default:
			errs = append(errs, field.NotSupported(fldPath.Child("completionMode"), *spec.CompletionMode,
				[]batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
		}
	}
	if requireSelector {
		if spec.Selector == nil {
			errs = append(errs, field.Required(fldPath.Child("selector"), ""))
		} else {
			errs = append(errs, metavalidation.ValidateLabelSelector(spec.Selector, metavalidation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
		}
		if sel, err := metav1.LabelSelectorAsSelector(spec.Selector); err == nil && !sel.Matches(labels.Set(spec.Template.Labels)) {
			errs = append(errs, field.Invalid(fldPath.Child("template", "metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
		}
	}
	errs = append(errs, validatePodTemplateSpec(&spec.Template, fldPath.Child("template"))...)
	switch rp := spec.Template.Spec.RestartPolicy; {
	case rp == corev1.RestartPolicyAlways || rp == "":
		errs = append(errs, field.Required(fldPath.Child("template", "spec", "restartPolicy"), fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)))
	case rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever:
		errs = append(errs, field.NotSupported(fldPath.Child("template", "spec", "restartPolicy"), rp, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	case spec.PodFailurePolicy != nil && rp != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(fldPath.Child("template", "spec", "restartPolicy"), rp, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever)))
	}
	return errs
}

func validateJob(j *batchv1.Job) field.ErrorList {
	var errs field.ErrorList
	if j.Spec.ManualSelector == nil || !*j.Spec.ManualSelector {
		if j.Spec.Selector != nil {
			want := map[string]string{jobControllerUIDLabel: string(j.UID)}
			if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set(want)) {
				errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
			}
		}
	}
	return append(errs, validateJobSpec(&j.Spec, field.NewPath("spec"), true)...)
}

var supportedConcurrency = []batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}

func validateCronJob(j *batchv1.CronJob) field.ErrorList {
	var errs field.ErrorList
	if len(j.Name) > validation.DNS1035LabelMaxLength-11 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), j.Name, "must be no more than 52 characters"))
	}
	spec := field.NewPath("spec")
	if j.Spec.Schedule == "" {
		errs = append(errs, field.Required(spec.Child("schedule"), ""))
	} else {
		if _, err := parseCronSchedule(j.Spec.Schedule); err != nil {
			errs = append(errs, field.Invalid(spec.Child("schedule"), j.Spec.Schedule, err.Error()))
		}
		if strings.Contains(j.Spec.Schedule, "TZ") {
			if j.Spec.TimeZone != nil {
				errs = append(errs, field.Invalid(spec.Child("schedule"), j.Spec.Schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
			} else {
				errs = append(errs, field.Invalid(spec.Child("schedule"), j.Spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
			}
		}
	}
	if tz := j.Spec.TimeZone; tz != nil {
		if _, err := time.LoadLocation(*tz); err != nil || strings.EqualFold(*tz, "local") || *tz == "" {
			errs = append(errs, field.Invalid(spec.Child("timeZone"), *tz, "unknown time zone "+*tz))
		}
	}
	if j.Spec.StartingDeadlineSeconds != nil {
		errs = append(errs, validateNonnegative(*j.Spec.StartingDeadlineSeconds, spec.Child("startingDeadlineSeconds"))...)
	}
	switch j.Spec.ConcurrencyPolicy {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	case "":
		errs = append(errs, field.Required(spec.Child("concurrencyPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(spec.Child("concurrencyPolicy"), j.Spec.ConcurrencyPolicy, supportedConcurrency))
	}
	if l := j.Spec.SuccessfulJobsHistoryLimit; l != nil {
		errs = append(errs, validateNonnegative(int64(*l), spec.Child("successfulJobsHistoryLimit"))...)
	}
	if l := j.Spec.FailedJobsHistoryLimit; l != nil {
		errs = append(errs, validateNonnegative(int64(*l), spec.Child("failedJobsHistoryLimit"))...)
	}
	jt := spec.Child("jobTemplate")
	errs = append(errs, metavalidation.ValidateLabels(j.Spec.JobTemplate.Labels, jt.Child("metadata", "labels"))...)
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(j.Spec.JobTemplate.Annotations, jt.Child("metadata", "annotations"))...)
	if j.Spec.JobTemplate.Spec.ManualSelector != nil && *j.Spec.JobTemplate.Spec.ManualSelector {
		errs = append(errs, field.NotSupported(jt.Child("spec", "manualSelector"), j.Spec.JobTemplate.Spec.ManualSelector, []string{"nil", "false"}))
	}
	return append(errs, validateJobSpec(&j.Spec.JobTemplate.Spec, jt.Child("spec"), false)...)
}

// parseCronSchedule parses a schedule as the cronjob controller does (robfig/cron's
// standard parser, with its @every and @daily descriptors).
func parseCronSchedule(schedule string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	return cron.ParseStandard(schedule)
}

func validateHPA(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	ref := spec.Child("scaleTargetRef")
	if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas < 1 {
		errs = append(errs, field.Invalid(spec.Child("minReplicas"), *h.Spec.MinReplicas, "must be greater than or equal to 1"))
	}
	if h.Spec.MinReplicas != nil && h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		errs = append(errs, field.Invalid(spec.Child("maxReplicas"), h.Spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	switch {
	case h.Spec.MaxReplicas == 0:
		errs = append(errs, field.Required(spec.Child("maxReplicas"), ""))
	case h.Spec.MaxReplicas < 0:
		errs = append(errs, field.Invalid(spec.Child("maxReplicas"), h.Spec.MaxReplicas, "must be greater than 0"))
	}
	for _, f := range []struct{ name, value string }{{"kind", h.Spec.ScaleTargetRef.Kind}, {"name", h.Spec.ScaleTargetRef.Name}} {
		if f.value == "" {
			errs = append(errs, field.Required(ref.Child(f.name), ""))
			continue
		}
		for _, msg := range path.IsValidPathSegmentName(f.value) {
			errs = append(errs, field.Invalid(ref.Child(f.name), f.value, msg))
		}
	}
	if gv, err := schema.ParseGroupVersion(h.Spec.ScaleTargetRef.APIVersion); err != nil {
		errs = append(errs, field.Invalid(ref.Child("apiVersion"), h.Spec.ScaleTargetRef.APIVersion, err.Error()))
	} else if gv.Group == "" {
		errs = append(errs, field.Invalid(ref.Child("apiVersion"), h.Spec.ScaleTargetRef.APIVersion, "apiVersion must specify API group"))
	}
	return errs
}

func validatePDB(p *policyv1.PodDisruptionBudget) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if p.Spec.MinAvailable != nil && p.Spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(spec, internalPDBSpec{p.Spec.MinAvailable, p.Spec.Selector, p.Spec.MaxUnavailable, p.Spec.UnhealthyPodEvictionPolicy},
			"minAvailable and maxUnavailable cannot be both set"))
	}
	if p.Spec.MinAvailable != nil {
		errs = append(errs, validatePositiveIntOrPercent(*p.Spec.MinAvailable, spec.Child("minAvailable"))...)
		errs = append(errs, validatePercentNotAbove100(*p.Spec.MinAvailable, spec.Child("minAvailable"))...)
	}
	if p.Spec.MaxUnavailable != nil {
		errs = append(errs, validatePositiveIntOrPercent(*p.Spec.MaxUnavailable, spec.Child("maxUnavailable"))...)
		errs = append(errs, validatePercentNotAbove100(*p.Spec.MaxUnavailable, spec.Child("maxUnavailable"))...)
	}
	if p.Spec.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabelSelector(p.Spec.Selector, metavalidation.LabelSelectorValidationOptions{}, spec.Child("selector"))...)
	}
	return errs
}

func validatePercentNotAbove100(v intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if pct, ok := percentValue(v); ok && pct > 100 {
		return field.ErrorList{field.Invalid(fldPath, v, "must not be greater than 100%")}
	}
	return nil
}

var supportedAddressTypes = sets.New(string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6), string(discoveryv1.AddressTypeFQDN))

func validateEndpointSlice(s *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	if !supportedAddressTypes.Has(string(s.AddressType)) {
		errs = append(errs, field.NotSupported(field.NewPath("addressType"), s.AddressType, sets.List(supportedAddressTypes)))
	}
	for i, e := range s.Endpoints {
		p := field.NewPath("endpoints").Index(i).Child("addresses")
		if len(e.Addresses) == 0 {
			errs = append(errs, field.Required(p, "must contain at least 1 address"))
		}
		for j, a := range e.Addresses {
			if s.AddressType != discoveryv1.AddressTypeIPv4 && s.AddressType != discoveryv1.AddressTypeIPv6 {
				continue
			}
			ip := net.ParseIP(a)
			switch {
			case ip == nil:
				errs = append(errs, field.Invalid(p.Index(j), a, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
			case s.AddressType == discoveryv1.AddressTypeIPv4 && ip.To4() == nil:
				errs = append(errs, field.Invalid(p, a, "must be an IPv4 address"))
			case s.AddressType == discoveryv1.AddressTypeIPv6 && ip.To4() != nil:
				errs = append(errs, field.Invalid(p, a, "must be an IPv6 address"))
			}
		}
	}
	return errs
}

// setDaemonSetTemplateGeneration writes a daemon set's template generation where apps/v1
// keeps it, the deprecated.daemonset.template.generation annotation.
func setDaemonSetTemplateGeneration(d *appsv1.DaemonSet, gen int64) {
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[appsv1.DeprecatedTemplateGeneration] = fmt.Sprint(gen)
}

// keepDaemonSetTemplateGeneration is upstream's daemon set strategy on update: the template
// generation is the stored one, plus one when the template changed; users do not set it.
func keepDaemonSetTemplateGeneration(d, old *appsv1.DaemonSet) {
	var gen int64
	fmt.Sscan(old.Annotations[appsv1.DeprecatedTemplateGeneration], &gen)
	if !semanticEqual(d.Spec.Template, old.Spec.Template) {
		gen++
	}
	if gen == 0 {
		delete(d.Annotations, appsv1.DeprecatedTemplateGeneration)
		return
	}
	setDaemonSetTemplateGeneration(d, gen)
}
