package apiserver

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// servedKinds are the plain kinds of CONFORMANCE.md "Resources" served through the
// generic registry beside pods, deployments, replica sets, namespaces, nodes and leases.
// Upstream's discovery facts (short names, categories, subresources) and field selectors
// are theirs.
var servedKinds = []*resource{
	{
		gvr: corev1.SchemeGroupVersion.WithResource("services"), kind: "Service", singular: "service", namespaced: true,
		shortNames: []string{"svc"}, categories: []string{"all"}, subs: []string{subStatus}, fieldLabelConversion: true,
		strategy: serviceStrategy{},
		fields: func(obj runtime.Object) fields.Set {
			s := obj.(*corev1.Service)
			return fields.Set{"spec.clusterIP": s.Spec.ClusterIP, "spec.type": string(s.Spec.Type)}
		},
		newObj: func() storage.Marshaler { return &corev1.Service{} }, newList: func() runtime.Object { return &corev1.ServiceList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("endpoints"), kind: "Endpoints", singular: "endpoints", namespaced: true,
		shortNames: []string{"ep"}, warning: "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
		newObj: func() storage.Marshaler { return &corev1.Endpoints{} }, newList: func() runtime.Object { return &corev1.EndpointsList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("configmaps"), kind: "ConfigMap", singular: "configmap", namespaced: true,
		shortNames: []string{"cm"},
		newObj:     func() storage.Marshaler { return &corev1.ConfigMap{} }, newList: func() runtime.Object { return &corev1.ConfigMapList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("secrets"), kind: "Secret", singular: "secret", namespaced: true,
		fieldLabelConversion: true,
		fields:               func(obj runtime.Object) fields.Set { return fields.Set{"type": string(obj.(*corev1.Secret).Type)} },
		newObj:               func() storage.Marshaler { return &corev1.Secret{} }, newList: func() runtime.Object { return &corev1.SecretList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("serviceaccounts"), kind: "ServiceAccount", singular: "serviceaccount", namespaced: true,
		shortNames: []string{"sa"},
		newObj:     func() storage.Marshaler { return &corev1.ServiceAccount{} }, newList: func() runtime.Object { return &corev1.ServiceAccountList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("replicationcontrollers"), kind: "ReplicationController", singular: "replicationcontroller", namespaced: true,
		shortNames: []string{"rc"}, categories: []string{"all"}, subs: []string{subScale, subStatus}, owner: true, fieldLabelConversion: true,
		defaultOrphan: true,
		strategy:      replicationControllerStrategy,
		fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"status.replicas": fmt.Sprint(obj.(*corev1.ReplicationController).Status.Replicas)}
		},
		newObj: func() storage.Marshaler { return &corev1.ReplicationController{} }, newList: func() runtime.Object { return &corev1.ReplicationControllerList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("events"), kind: "Event", singular: "event", namespaced: true,
		shortNames: []string{"ev"}, fieldLabelConversion: true, fields: coreEventFields,
		newObj: func() storage.Marshaler { return &corev1.Event{} }, newList: func() runtime.Object { return &corev1.EventList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), kind: "PersistentVolumeClaim", singular: "persistentvolumeclaim", namespaced: true,
		shortNames: []string{"pvc"}, subs: []string{subStatus},
		newObj: func() storage.Marshaler { return &corev1.PersistentVolumeClaim{} }, newList: func() runtime.Object { return &corev1.PersistentVolumeClaimList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("resourcequotas"), kind: "ResourceQuota", singular: "resourcequota", namespaced: true,
		shortNames: []string{"quota"}, subs: []string{subStatus},
		newObj: func() storage.Marshaler { return &corev1.ResourceQuota{} }, newList: func() runtime.Object { return &corev1.ResourceQuotaList{} },
	},
	{
		gvr: corev1.SchemeGroupVersion.WithResource("limitranges"), kind: "LimitRange", singular: "limitrange", namespaced: true,
		shortNames: []string{"limits"},
		newObj:     func() storage.Marshaler { return &corev1.LimitRange{} }, newList: func() runtime.Object { return &corev1.LimitRangeList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("statefulsets"), kind: "StatefulSet", singular: "statefulset", namespaced: true,
		shortNames: []string{"sts"}, categories: []string{"all"}, subs: []string{subScale, subStatus}, owner: true,
		strategy: statefulSetStrategy,
		newObj:   func() storage.Marshaler { return &appsv1.StatefulSet{} }, newList: func() runtime.Object { return &appsv1.StatefulSetList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("daemonsets"), kind: "DaemonSet", singular: "daemonset", namespaced: true,
		shortNames: []string{"ds"}, categories: []string{"all"}, subs: []string{subStatus}, owner: true,
		newObj: func() storage.Marshaler { return &appsv1.DaemonSet{} }, newList: func() runtime.Object { return &appsv1.DaemonSetList{} },
	},
	{
		gvr: appsv1.SchemeGroupVersion.WithResource("controllerrevisions"), kind: "ControllerRevision", singular: "controllerrevision", namespaced: true,
		newObj: func() storage.Marshaler { return &appsv1.ControllerRevision{} }, newList: func() runtime.Object { return &appsv1.ControllerRevisionList{} },
	},
	{
		gvr: batchv1.SchemeGroupVersion.WithResource("jobs"), kind: "Job", singular: "job", namespaced: true,
		categories: []string{"all"}, subs: []string{subStatus}, owner: true, defaultOrphan: true, fieldLabelConversion: true,
		fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"status.successful": fmt.Sprint(obj.(*batchv1.Job).Status.Succeeded)}
		},
		newObj: func() storage.Marshaler { return &batchv1.Job{} }, newList: func() runtime.Object { return &batchv1.JobList{} },
	},
	{
		gvr: batchv1.SchemeGroupVersion.WithResource("cronjobs"), kind: "CronJob", singular: "cronjob", namespaced: true,
		shortNames: []string{"cj"}, categories: []string{"all"}, subs: []string{subStatus}, owner: true,
		newObj: func() storage.Marshaler { return &batchv1.CronJob{} }, newList: func() runtime.Object { return &batchv1.CronJobList{} },
	},
	{
		gvr: autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), kind: "HorizontalPodAutoscaler", singular: "horizontalpodautoscaler", namespaced: true,
		shortNames: []string{"hpa"}, categories: []string{"all"}, subs: []string{subStatus},
		newObj: func() storage.Marshaler { return &autoscalingv2.HorizontalPodAutoscaler{} }, newList: func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} },
	},
	{
		gvr: policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets"), kind: "PodDisruptionBudget", singular: "poddisruptionbudget", namespaced: true,
		shortNames: []string{"pdb"}, subs: []string{subStatus},
		newObj: func() storage.Marshaler { return &policyv1.PodDisruptionBudget{} }, newList: func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
	},
	{
		gvr: networkingv1.SchemeGroupVersion.WithResource("ingresses"), kind: "Ingress", singular: "ingress", namespaced: true,
		shortNames: []string{"ing"}, subs: []string{subStatus},
		newObj: func() storage.Marshaler { return &networkingv1.Ingress{} }, newList: func() runtime.Object { return &networkingv1.IngressList{} },
	},
	{
		gvr: networkingv1.SchemeGroupVersion.WithResource("networkpolicies"), kind: "NetworkPolicy", singular: "networkpolicy", namespaced: true,
		shortNames: []string{"netpol"},
		newObj:     func() storage.Marshaler { return &networkingv1.NetworkPolicy{} }, newList: func() runtime.Object { return &networkingv1.NetworkPolicyList{} },
	},
	{
		gvr: discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), kind: "EndpointSlice", singular: "endpointslice", namespaced: true,
		newObj: func() storage.Marshaler { return &discoveryv1.EndpointSlice{} }, newList: func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
	},
}

func coreEventFields(obj runtime.Object) fields.Set {
	e := obj.(*corev1.Event)
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         source,
		"type":                           e.Type,
	}
}

var (
	replicationControllerStrategy = replicated[*corev1.ReplicationController]{fields: func(o *corev1.ReplicationController) (*metav1.ObjectMeta, **int32, *metav1.LabelSelector, int32) {
		return &o.ObjectMeta, &o.Spec.Replicas, &metav1.LabelSelector{MatchLabels: o.Spec.Selector}, o.Status.Replicas
	}}
	statefulSetStrategy = replicated[*appsv1.StatefulSet]{fields: func(o *appsv1.StatefulSet) (*metav1.ObjectMeta, **int32, *metav1.LabelSelector, int32) {
		return &o.ObjectMeta, &o.Spec.Replicas, o.Spec.Selector, o.Status.Replicas
	}}
)

// Service addresses the engine hands out, as a kube-apiserver started with
// --service-cluster-ip-range=10.96.0.0/12 and the default --service-node-port-range.
var (
	serviceCIDR       = netip.MustParsePrefix("10.96.0.0/12")
	kubernetesService = netip.MustParseAddr("10.96.0.1")
)

const (
	nodePortFirst = 30000
	nodePortLast  = 32767
)

// serviceStrategy allocates cluster IPs from serviceCIDR and node ports from
// 30000-32767, unique among the stored services (the store is the allocation table, so
// a deleted service's addresses are free again at once).
type serviceStrategy struct{ validatedStrategy }

func (serviceStrategy) allocate(s *Server, obj runtime.Object) field.ErrorList {
	svc := obj.(*corev1.Service)
	page, err := s.store.List("services", storage.ListOptions{})
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec", "clusterIPs"), err)}
	}
	usedIPs, usedPorts := map[netip.Addr]bool{kubernetesService: true}, map[int32]bool{}
	for _, o := range page.Items {
		other := o.(*corev1.Service)
		if ip, err := netip.ParseAddr(other.Spec.ClusterIP); err == nil {
			usedIPs[ip] = true
		}
		for _, p := range other.Spec.Ports {
			if p.NodePort != 0 {
				usedPorts[p.NodePort] = true
			}
		}
	}
	if svc.Namespace == metav1.NamespaceDefault && svc.Name == "kubernetes" {
		delete(usedIPs, kubernetesService)
	}
	var errs field.ErrorList
	spec := &svc.Spec
	if spec.Type != corev1.ServiceTypeExternalName {
		ipsPath := field.NewPath("spec", "clusterIPs")
		want := spec.ClusterIP
		if want == "" && len(spec.ClusterIPs) > 0 {
			want = spec.ClusterIPs[0]
		}
		switch want {
		case corev1.ClusterIPNone:
			spec.ClusterIP = corev1.ClusterIPNone
		case "":
			ip, ok := freeIP(usedIPs)
			if !ok {
				return field.ErrorList{field.InternalError(ipsPath, fmt.Errorf("range is full"))}
			}
			spec.ClusterIP = ip.String()
		default:
			ip, err := netip.ParseAddr(want)
			switch {
			case err != nil:
				// reported by validation
			case !serviceCIDR.Contains(ip):
				errs = append(errs, field.Invalid(ipsPath, []string{want}, fmt.Sprintf("failed to allocate IP %s: the provided network does not match the current range", want)))
			case usedIPs[ip]:
				errs = append(errs, field.Invalid(ipsPath, []string{want}, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", want)))
			}
		}
		spec.ClusterIPs = []string{spec.ClusterIP}
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
		}
		if spec.IPFamilyPolicy == nil {
			policy := corev1.IPFamilyPolicySingleStack
			if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
				policy = corev1.IPFamilyPolicyRequireDualStack
			}
			spec.IPFamilyPolicy = &policy
		}
	}
	if spec.Type == corev1.ServiceTypeNodePort || (spec.Type == corev1.ServiceTypeLoadBalancer && (spec.AllocateLoadBalancerNodePorts == nil || *spec.AllocateLoadBalancerNodePorts)) {
		for i := range spec.Ports {
			p := &spec.Ports[i]
			path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
			switch {
			case p.NodePort == 0:
				n, ok := freeNodePort(usedPorts)
				if !ok {
					return append(errs, field.InternalError(path, fmt.Errorf("range is full")))
				}
				p.NodePort = n
			case p.NodePort < nodePortFirst || p.NodePort > nodePortLast:
				errs = append(errs, field.Invalid(path, p.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", nodePortFirst, nodePortLast)))
			case usedPorts[p.NodePort]:
				errs = append(errs, field.Invalid(path, p.NodePort, "provided port is already allocated"))
			}
			usedPorts[p.NodePort] = true
		}
	}
	return errs
}

// freeIP picks a random free address of serviceCIDR, as upstream's allocator does, but
// neither the network address nor the last one.
func freeIP(used map[netip.Addr]bool) (netip.Addr, bool) {
	base := serviceCIDR.Addr().As4()
	size := uint32(1) << (32 - serviceCIDR.Bits())
	start := rand.Uint32N(size-2) + 1
	for i := uint32(0); i < size-2; i++ {
		off := (start+i-1)%(size-2) + 1
		n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
		n += off
		ip := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		if !used[ip] {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

func freeNodePort(used map[int32]bool) (int32, bool) {
	size := int32(nodePortLast - nodePortFirst + 1)
	start := rand.Int32N(size)
	for i := int32(0); i < size; i++ {
		if p := nodePortFirst + (start+i)%size; !used[p] {
			return p, true
		}
	}
	return 0, false
}

// kubernetesServiceObject is the `kubernetes` service in default that every cluster has;
// its target port is the engine's own.
func kubernetesServiceObject(port int32) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: kubernetesService.String(),
			Ports:     []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(port)}},
		},
	}
}
