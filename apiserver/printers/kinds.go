package printers

import (
	"fmt"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes/scheme"
)

// A kindPrinter renders the table of one kind and its list: kube-apiserver's printer for
// it, its columns taken as facts from k8s.io/kubernetes/pkg/printers/internalversion and
// its cells computed here in our own code.
type kindPrinter struct {
	columns []metav1.TableColumnDefinition
	rows    func(c *converter, obj runtime.Object) []metav1.TableRow
}

// kindPrinters holds the printers of the kinds below, by the Go type of the object and of
// its list.
var kindPrinters = map[reflect.Type]kindPrinter{}

// printKind registers the printer of kind T (and its list L, whose items items returns).
func printKind[T any, PT interface {
	*T
	runtime.Object
}, L runtime.Object](columns []metav1.TableColumnDefinition, row func(*converter, PT) metav1.TableRow, items func(L) []T) {
	kindPrinters[reflect.TypeFor[PT]()] = kindPrinter{columns: columns, rows: func(c *converter, obj runtime.Object) []metav1.TableRow {
		return []metav1.TableRow{row(c, obj.(PT))}
	}}
	kindPrinters[reflect.TypeFor[L]()] = kindPrinter{columns: columns, rows: func(c *converter, obj runtime.Object) []metav1.TableRow {
		list := items(obj.(L))
		c.reserve(len(list), len(columns))
		rows := make([]metav1.TableRow, len(list))
		for i := range list {
			rows[i] = row(c, PT(&list[i]))
		}
		return rows
	}}
	// an unstructured object of the kind is printed as the typed one
	for _, t := range []runtime.Object{PT(new(T)), reflect.New(reflect.TypeFor[L]().Elem()).Interface().(runtime.Object)} {
		gvks, _, err := scheme.Scheme.ObjectKinds(t)
		if err != nil {
			panic(fmt.Sprintf("printers: %T is not in client-go's scheme: %v", t, err))
		}
		typ := reflect.TypeOf(t).Elem()
		for _, gvk := range gvks {
			printedKinds[gvk] = func() runtime.Object { return reflect.New(typ).Interface().(runtime.Object) }
		}
	}
}

func init() {
	printKind(serviceColumns, (*converter).serviceRow, func(l *corev1.ServiceList) []corev1.Service { return l.Items })
	printKind(endpointsColumns, (*converter).endpointsRow, func(l *corev1.EndpointsList) []corev1.Endpoints { return l.Items })
	printKind(configMapColumns, (*converter).configMapRow, func(l *corev1.ConfigMapList) []corev1.ConfigMap { return l.Items })
	printKind(secretColumns, (*converter).secretRow, func(l *corev1.SecretList) []corev1.Secret { return l.Items })
	printKind(serviceAccountColumns, (*converter).serviceAccountRow, func(l *corev1.ServiceAccountList) []corev1.ServiceAccount { return l.Items })
	printKind(replicationControllerColumns, (*converter).replicationControllerRow, func(l *corev1.ReplicationControllerList) []corev1.ReplicationController { return l.Items })
	printKind(eventColumns, (*converter).eventRow, func(l *corev1.EventList) []corev1.Event { return l.Items })
	printKind(pvcColumns, (*converter).pvcRow, func(l *corev1.PersistentVolumeClaimList) []corev1.PersistentVolumeClaim { return l.Items })
	printKind(resourceQuotaColumns, (*converter).resourceQuotaRow, func(l *corev1.ResourceQuotaList) []corev1.ResourceQuota { return l.Items })
	printKind(statefulSetColumns, (*converter).statefulSetRow, func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items })
	printKind(daemonSetColumns, (*converter).daemonSetRow, func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items })
	printKind(controllerRevisionColumns, (*converter).controllerRevisionRow, func(l *appsv1.ControllerRevisionList) []appsv1.ControllerRevision { return l.Items })
	printKind(jobColumns, (*converter).jobRow, func(l *batchv1.JobList) []batchv1.Job { return l.Items })
	printKind(cronJobColumns, (*converter).cronJobRow, func(l *batchv1.CronJobList) []batchv1.CronJob { return l.Items })
	printKind(hpaColumns, (*converter).hpaRow, func(l *autoscalingv2.HorizontalPodAutoscalerList) []autoscalingv2.HorizontalPodAutoscaler {
		return l.Items
	})
	printKind(pdbColumns, (*converter).pdbRow, func(l *policyv1.PodDisruptionBudgetList) []policyv1.PodDisruptionBudget { return l.Items })
	printKind(ingressColumns, (*converter).ingressRow, func(l *networkingv1.IngressList) []networkingv1.Ingress { return l.Items })
	printKind(networkPolicyColumns, (*converter).networkPolicyRow, func(l *networkingv1.NetworkPolicyList) []networkingv1.NetworkPolicy { return l.Items })
	printKind(endpointSliceColumns, (*converter).endpointSliceRow, func(l *discoveryv1.EndpointSliceList) []discoveryv1.EndpointSlice { return l.Items })
}

var (
	serviceColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Type", "string", standard, corev1.ServiceSpec{}.SwaggerDoc()["type"]),
		column("Cluster-IP", "string", standard, corev1.ServiceSpec{}.SwaggerDoc()["clusterIP"]),
		column("External-IP", "string", standard, corev1.ServiceSpec{}.SwaggerDoc()["externalIPs"]),
		column("Port(s)", "string", standard, corev1.ServiceSpec{}.SwaggerDoc()["ports"]),
		ageColumn(),
		column("Selector", "string", wide, corev1.ServiceSpec{}.SwaggerDoc()["selector"]),
	}
	endpointsColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Endpoints", "string", standard, corev1.Endpoints{}.SwaggerDoc()["subsets"]),
		ageColumn(),
	}
	configMapColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Data", "string", standard, corev1.ConfigMap{}.SwaggerDoc()["data"]),
		ageColumn(),
	}
	secretColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Type", "string", standard, corev1.Secret{}.SwaggerDoc()["type"]),
		column("Data", "string", standard, corev1.Secret{}.SwaggerDoc()["data"]),
		ageColumn(),
	}
	serviceAccountColumns        = []metav1.TableColumnDefinition{nameColumn(), ageColumn()}
	replicationControllerColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Desired", "integer", standard, corev1.ReplicationControllerSpec{}.SwaggerDoc()["replicas"]),
		column("Current", "integer", standard, corev1.ReplicationControllerStatus{}.SwaggerDoc()["replicas"]),
		column("Ready", "integer", standard, corev1.ReplicationControllerStatus{}.SwaggerDoc()["readyReplicas"]),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
		column("Selector", "string", wide, corev1.ReplicationControllerSpec{}.SwaggerDoc()["selector"]),
	}
	eventColumns = []metav1.TableColumnDefinition{
		column("Last Seen", "string", standard, corev1.Event{}.SwaggerDoc()["lastTimestamp"]),
		column("Type", "string", standard, corev1.Event{}.SwaggerDoc()["type"]),
		column("Reason", "string", standard, corev1.Event{}.SwaggerDoc()["reason"]),
		column("Object", "string", standard, corev1.Event{}.SwaggerDoc()["involvedObject"]),
		column("Subobject", "string", wide, corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]),
		column("Source", "string", wide, corev1.Event{}.SwaggerDoc()["source"]),
		column("Message", "string", standard, corev1.Event{}.SwaggerDoc()["message"]),
		column("First Seen", "string", wide, corev1.Event{}.SwaggerDoc()["firstTimestamp"]),
		column("Count", "string", wide, corev1.Event{}.SwaggerDoc()["count"]),
		{Name: "Name", Type: "string", Format: "name", Priority: wide, Description: nameDoc},
	}
	pvcColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Status", "string", standard, corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()["phase"]),
		column("Volume", "string", standard, corev1.PersistentVolumeClaimSpec{}.SwaggerDoc()["volumeName"]),
		column("Capacity", "string", standard, corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()["capacity"]),
		column("Access Modes", "string", standard, corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()["accessModes"]),
		column("StorageClass", "string", standard, "StorageClass of the pvc"),
		column("VolumeAttributesClass", "string", standard, "VolumeAttributesClass of the pvc"),
		ageColumn(),
		column("VolumeMode", "string", wide, corev1.PersistentVolumeClaimSpec{}.SwaggerDoc()["volumeMode"]),
	}
	resourceQuotaColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Request", "string", standard, "Request represents a minimum amount of cpu/memory that a container may consume."),
		column("Limit", "string", standard, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
		ageColumn(),
	}
	statefulSetColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Ready", "string", standard, "Number of the pod with ready state"),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
	}
	daemonSetColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Desired", "integer", standard, appsv1.DaemonSetStatus{}.SwaggerDoc()["desiredNumberScheduled"]),
		column("Current", "integer", standard, appsv1.DaemonSetStatus{}.SwaggerDoc()["currentNumberScheduled"]),
		column("Ready", "integer", standard, appsv1.DaemonSetStatus{}.SwaggerDoc()["numberReady"]),
		column("Up-to-date", "integer", standard, appsv1.DaemonSetStatus{}.SwaggerDoc()["updatedNumberScheduled"]),
		column("Available", "integer", standard, appsv1.DaemonSetStatus{}.SwaggerDoc()["numberAvailable"]),
		column("Node Selector", "string", standard, corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
		column("Selector", "string", wide, appsv1.DaemonSetSpec{}.SwaggerDoc()["selector"]),
	}
	controllerRevisionColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Controller", "string", standard, "Controller of the object"),
		column("Revision", "string", standard, appsv1.ControllerRevision{}.SwaggerDoc()["revision"]),
		ageColumn(),
	}
	jobColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Status", "string", standard, "Status of the job."),
		column("Completions", "string", standard, batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
		column("Duration", "string", standard, "Time required to complete the job."),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
		column("Selector", "string", wide, batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	}
	cronJobColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Schedule", "string", standard, batchv1.CronJobSpec{}.SwaggerDoc()["schedule"]),
		column("Timezone", "string", standard, batchv1.CronJobSpec{}.SwaggerDoc()["timeZone"]),
		column("Suspend", "boolean", standard, batchv1.CronJobSpec{}.SwaggerDoc()["suspend"]),
		column("Active", "integer", standard, batchv1.CronJobStatus{}.SwaggerDoc()["active"]),
		column("Last Schedule", "string", standard, batchv1.CronJobStatus{}.SwaggerDoc()["lastScheduleTime"]),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
		column("Selector", "string", wide, batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	}
	hpaColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Reference", "string", standard, autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["scaleTargetRef"]),
		column("Targets", "string", standard, autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["metrics"]),
		column("MinPods", "string", standard, autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["minReplicas"]),
		column("MaxPods", "string", standard, autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["maxReplicas"]),
		column("Replicas", "string", standard, autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]),
		ageColumn(),
	}
	pdbColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Min Available", "string", standard, "The minimum number of pods that must be available."),
		column("Max Unavailable", "string", standard, "The maximum number of pods that may be unavailable."),
		column("Allowed Disruptions", "integer", standard, "Calculated number of pods that may be disrupted at this time."),
		ageColumn(),
	}
	ingressColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Class", "string", standard, "The name of the IngressClass resource that should be used for additional configuration"),
		column("Hosts", "string", standard, "Hosts that incoming requests are matched against before the ingress rule"),
		column("Address", "string", standard, "Address is a list containing ingress points for the load-balancer"),
		column("Ports", "string", standard, "Ports of TLS configurations that open"),
		ageColumn(),
	}
	networkPolicyColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Pod-Selector", "string", standard, networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]),
		ageColumn(),
	}
	endpointSliceColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("AddressType", "string", standard, discoveryv1.EndpointSlice{}.SwaggerDoc()["addressType"]),
		column("Ports", "string", standard, discoveryv1.EndpointSlice{}.SwaggerDoc()["ports"]),
		column("Endpoints", "string", standard, discoveryv1.EndpointSlice{}.SwaggerDoc()["endpoints"]),
		ageColumn(),
	}
)

func (c *converter) serviceRow(s *corev1.Service) metav1.TableRow {
	clusterIP := "<none>"
	if len(s.Spec.ClusterIPs) > 0 {
		clusterIP = s.Spec.ClusterIPs[0]
	}
	ports := make([]string, len(s.Spec.Ports))
	for i, p := range s.Spec.Ports {
		ports[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.NodePort > 0 {
			ports[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		}
	}
	return c.row(s, s.Name, string(s.Spec.Type), clusterIP, serviceExternalIP(s), orNone(strings.Join(ports, ",")),
		c.age(s.CreationTimestamp), labels.FormatLabels(s.Spec.Selector))
}

func serviceExternalIP(s *corev1.Service) string {
	switch s.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		if len(s.Spec.ExternalIPs) > 0 {
			return strings.Join(s.Spec.ExternalIPs, ",")
		}
		return "<none>"
	case corev1.ServiceTypeLoadBalancer:
		var ips []string
		if lb := loadBalancerAddresses(s.Status.LoadBalancer.Ingress); lb != "" {
			ips = strings.Split(lb, ",")
		}
		ips = append(ips, s.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return s.Spec.ExternalName
	}
	return "<unknown>"
}

// loadBalancerAddresses is the sorted, distinct IPs (else hostnames) of a load balancer.
func loadBalancerAddresses(ingress []corev1.LoadBalancerIngress) string {
	set := sets.New[string]()
	for _, in := range ingress {
		if in.IP != "" {
			set.Insert(in.IP)
		} else if in.Hostname != "" {
			set.Insert(in.Hostname)
		}
	}
	return strings.Join(sets.List(set), ",")
}

// listWithMore shows the first max of count items, and how many more there are.
func listWithMore(list []string, count, max int) string {
	s := strings.Join(list, ",")
	if count > max {
		return fmt.Sprintf("%s + %d more...", s, count-max)
	}
	if len(list) == 0 {
		return "<unset>"
	}
	return s
}

func (c *converter) endpointsRow(e *corev1.Endpoints) metav1.TableRow {
	const max = 3
	var list []string
	count := 0
	add := func(s string) {
		count++
		if len(list) < max {
			list = append(list, s)
		}
	}
	for _, ss := range e.Subsets {
		if len(ss.Ports) == 0 {
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	cell := "<none>"
	if len(e.Subsets) > 0 {
		cell = strings.Join(list, ",")
		if count > max {
			cell = fmt.Sprintf("%s + %d more...", cell, count-max)
		}
	}
	return c.row(e, e.Name, cell, c.age(e.CreationTimestamp))
}

func (c *converter) configMapRow(cm *corev1.ConfigMap) metav1.TableRow {
	return c.row(cm, cm.Name, int64(len(cm.Data)+len(cm.BinaryData)), c.age(cm.CreationTimestamp))
}

func (c *converter) secretRow(s *corev1.Secret) metav1.TableRow {
	return c.row(s, s.Name, string(s.Type), int64(len(s.Data)), c.age(s.CreationTimestamp))
}

func (c *converter) serviceAccountRow(sa *corev1.ServiceAccount) metav1.TableRow {
	return c.row(sa, sa.Name, c.age(sa.CreationTimestamp))
}

func (c *converter) replicationControllerRow(rc *corev1.ReplicationController) metav1.TableRow {
	var containers []corev1.Container
	if rc.Spec.Template != nil {
		containers = rc.Spec.Template.Spec.Containers
	}
	names, images := containerCells(containers)
	desired := int64(0)
	if rc.Spec.Replicas != nil {
		desired = int64(*rc.Spec.Replicas)
	}
	return c.row(rc, rc.Name, desired, int64(rc.Status.Replicas), int64(rc.Status.ReadyReplicas), c.age(rc.CreationTimestamp),
		names, images, labels.FormatLabels(rc.Spec.Selector))
}

func (c *converter) eventRow(e *corev1.Event) metav1.TableRow {
	first := c.age(e.FirstTimestamp)
	if e.FirstTimestamp.IsZero() {
		first = c.microAge(e.EventTime)
	}
	last := c.age(e.LastTimestamp)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last, count = c.microAge(e.Series.LastObservedTime), e.Series.Count
	} else if count == 0 {
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if host == "" {
		host = e.ReportingInstance
	}
	source := component
	if host != "" {
		source += ", " + host
	}
	return c.row(e, last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, source, strings.TrimSpace(e.Message), first, int64(count), e.Name)
}

func (c *converter) microAge(t metav1.MicroTime) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return c.since(t.Time)
}

func (c *converter) pvcRow(p *corev1.PersistentVolumeClaim) metav1.TableRow {
	phase := string(p.Status.Phase)
	if p.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if p.Spec.VolumeName != "" {
		q := p.Status.Capacity[corev1.ResourceStorage]
		capacity = q.String()
		modes = accessModes(p.Status.AccessModes)
	}
	class := ""
	if v, ok := p.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		class = v
	} else if p.Spec.StorageClassName != nil {
		class = *p.Spec.StorageClassName
	}
	vac, mode := "<unset>", "<unset>"
	if p.Spec.VolumeAttributesClassName != nil {
		vac = *p.Spec.VolumeAttributesClassName
	}
	if p.Spec.VolumeMode != nil {
		mode = string(*p.Spec.VolumeMode)
	}
	return c.row(p, p.Name, phase, p.Spec.VolumeName, capacity, modes, class, vac, c.age(p.CreationTimestamp), mode)
}

func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"}, {corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"}} {
		for _, have := range modes {
			if have == m.mode {
				out = append(out, m.short)
				break
			}
		}
	}
	return strings.Join(out, ",")
}

func (c *converter) resourceQuotaRow(q *corev1.ResourceQuota) metav1.TableRow {
	names := make([]string, 0, len(q.Status.Hard))
	for n := range q.Status.Hard {
		names = append(names, string(n))
	}
	sort.Strings(names)
	var requests, limits []string
	for _, n := range names {
		used, hard := q.Status.Used[corev1.ResourceName(n)], q.Status.Hard[corev1.ResourceName(n)]
		cell := fmt.Sprintf("%s: %s/%s", n, used.String(), hard.String())
		if pieces := strings.Split(n, "."); len(pieces) > 1 && pieces[0] == "limits" {
			limits = append(limits, cell)
		} else {
			requests = append(requests, cell)
		}
	}
	return c.row(q, q.Name, strings.Join(requests, ", "), strings.Join(limits, ", "), c.age(q.CreationTimestamp))
}

func (c *converter) statefulSetRow(s *appsv1.StatefulSet) metav1.TableRow {
	names, images := containerCells(s.Spec.Template.Spec.Containers)
	return c.row(s, s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas)), c.age(s.CreationTimestamp), names, images)
}

func (c *converter) daemonSetRow(d *appsv1.DaemonSet) metav1.TableRow {
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	st := &d.Status
	return c.row(d, d.Name, int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable), labels.FormatLabels(d.Spec.Template.Spec.NodeSelector),
		c.age(d.CreationTimestamp), names, images, metav1.FormatLabelSelector(d.Spec.Selector))
}

func (c *converter) controllerRevisionRow(r *appsv1.ControllerRevision) metav1.TableRow {
	controller := "<none>"
	if ref := metav1.GetControllerOf(r); ref != nil {
		gv, _ := schema.ParseGroupVersion(ref.APIVersion)
		controller = ref.Name
		if gk := gv.WithKind(ref.Kind).GroupKind(); !gk.Empty() {
			controller = strings.ToLower(gk.String()) + "/" + ref.Name
		}
	}
	return c.row(r, r.Name, controller, r.Revision, c.age(r.CreationTimestamp))
}

func hasJobCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, cond := range j.Status.Conditions {
		if cond.Type == t && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func (c *converter) jobRow(j *batchv1.Job) metav1.TableRow {
	var completions string
	switch {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
	default:
		completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
	}
	var took string
	switch {
	case j.Status.StartTime == nil:
	case j.Status.CompletionTime == nil:
		took = c.since(j.Status.StartTime.Time)
	default:
		took = c.duration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
	status := "Running"
	switch {
	case hasJobCondition(j, batchv1.JobComplete):
		status = "Complete"
	case hasJobCondition(j, batchv1.JobFailed):
		status = "Failed"
	case j.DeletionTimestamp != nil:
		status = "Terminating"
	case hasJobCondition(j, batchv1.JobSuspended):
		status = "Suspended"
	case hasJobCondition(j, batchv1.JobFailureTarget):
		status = "FailureTarget"
	case hasJobCondition(j, batchv1.JobSuccessCriteriaMet):
		status = "SuccessCriteriaMet"
	}
	names, images := containerCells(j.Spec.Template.Spec.Containers)
	return c.row(j, j.Name, status, completions, took, c.age(j.CreationTimestamp), names, images, metav1.FormatLabelSelector(j.Spec.Selector))
}

func (c *converter) cronJobRow(j *batchv1.CronJob) metav1.TableRow {
	last := "<none>"
	if j.Status.LastScheduleTime != nil {
		last = c.age(*j.Status.LastScheduleTime)
	}
	tz := "<none>"
	if j.Spec.TimeZone != nil {
		tz = *j.Spec.TimeZone
	}
	suspend := "<unset>"
	if j.Spec.Suspend != nil {
		suspend = strconv.FormatBool(*j.Spec.Suspend) // upstream's printBool: "True"/"False"
		suspend = strings.ToUpper(suspend[:1]) + suspend[1:]
	}
	names, images := containerCells(j.Spec.JobTemplate.Spec.Template.Spec.Containers)
	return c.row(j, j.Name, j.Spec.Schedule, tz, suspend, int64(len(j.Status.Active)), last, c.age(j.CreationTimestamp),
		names, images, metav1.FormatLabelSelector(j.Spec.JobTemplate.Spec.Selector))
}

func (c *converter) hpaRow(h *autoscalingv2.HorizontalPodAutoscaler) metav1.TableRow {
	min := "<unset>"
	if h.Spec.MinReplicas != nil {
		min = strconv.Itoa(int(*h.Spec.MinReplicas))
	}
	ref := h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name
	return c.row(h, h.Name, ref, hpaTargets(h.Spec.Metrics, h.Status.CurrentMetrics), min, int64(h.Spec.MaxReplicas),
		int64(h.Status.CurrentReplicas), c.age(h.CreationTimestamp))
}

// hpaTargets is the TARGETS cell: "current/target" of the first two metrics.
func hpaTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	const max = 2
	var list []string
	for i, spec := range specs {
		var st *autoscalingv2.MetricStatus
		if i < len(statuses) {
			st = &statuses[i]
		}
		list = append(list, hpaTarget(spec, st))
	}
	if len(list) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:max], ", "), len(list)-max)
	}
	return strings.Join(list, ", ")
}

func hpaTarget(spec autoscalingv2.MetricSpec, st *autoscalingv2.MetricStatus) string {
	current := "<unknown>"
	valueOrAverage := func(target autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
		if target.AverageValue != nil {
			if cur != nil && cur.AverageValue != nil {
				current = cur.AverageValue.String()
			}
			return fmt.Sprintf("%s/%s (avg)", current, target.AverageValue.String())
		}
		if cur != nil && cur.Value != nil {
			current = cur.Value.String()
		}
		value := "<nil>"
		if target.Value != nil {
			value = target.Value.String()
		}
		return fmt.Sprintf("%s/%s", current, value)
	}
	resource := func(name corev1.ResourceName, target autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
		if target.AverageValue != nil {
			if cur != nil && cur.AverageValue != nil {
				current = cur.AverageValue.String()
			}
			return fmt.Sprintf("%s: %s/%s", name, current, target.AverageValue.String())
		}
		if cur != nil && cur.AverageUtilization != nil {
			current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
		}
		t := "<auto>"
		if target.AverageUtilization != nil {
			t = fmt.Sprintf("%d%%", *target.AverageUtilization)
		}
		return fmt.Sprintf("%s: %s/%s", name, current, t)
	}
	switch spec.Type {
	case autoscalingv2.ExternalMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.External != nil {
			cur = &st.External.Current
		}
		return valueOrAverage(spec.External.Target, cur)
	case autoscalingv2.PodsMetricSourceType:
		if st != nil && st.Pods != nil && st.Pods.Current.AverageValue != nil {
			current = st.Pods.Current.AverageValue.String()
		}
		t := "<nil>"
		if spec.Pods.Target.AverageValue != nil {
			t = spec.Pods.Target.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s", current, t)
	case autoscalingv2.ObjectMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Object != nil {
			cur = &st.Object.Current
		}
		return valueOrAverage(spec.Object.Target, cur)
	case autoscalingv2.ResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Resource != nil {
			cur = &st.Resource.Current
		}
		return resource(spec.Resource.Name, spec.Resource.Target, cur)
	case autoscalingv2.ContainerResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.ContainerResource != nil {
			cur = &st.ContainerResource.Current
		}
		return resource(spec.ContainerResource.Name, spec.ContainerResource.Target, cur)
	}
	return "<unknown type>"
}

func (c *converter) pdbRow(p *policyv1.PodDisruptionBudget) metav1.TableRow {
	min, max := "N/A", "N/A"
	if p.Spec.MinAvailable != nil {
		min = p.Spec.MinAvailable.String()
	}
	if p.Spec.MaxUnavailable != nil {
		max = p.Spec.MaxUnavailable.String()
	}
	return c.row(p, p.Name, min, max, int64(p.Status.DisruptionsAllowed), c.age(p.CreationTimestamp))
}

func (c *converter) ingressRow(in *networkingv1.Ingress) metav1.TableRow {
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	const max = 3
	var hosts []string
	for _, r := range in.Spec.Rules {
		if len(hosts) < max && r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	hostCell := "*"
	if len(hosts) > 0 {
		hostCell = strings.Join(hosts, ",")
		if len(in.Spec.Rules) > max {
			hostCell = fmt.Sprintf("%s + %d more...", hostCell, len(in.Spec.Rules)-max)
		}
	}
	set := sets.New[string]()
	for _, lb := range in.Status.LoadBalancer.Ingress {
		if lb.IP != "" {
			set.Insert(lb.IP)
		} else if lb.Hostname != "" {
			set.Insert(lb.Hostname)
		}
	}
	ports := "80"
	if len(in.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return c.row(in, in.Name, class, hostCell, strings.Join(sets.List(set), ","), ports, c.age(in.CreationTimestamp))
}

func (c *converter) networkPolicyRow(n *networkingv1.NetworkPolicy) metav1.TableRow {
	return c.row(n, n.Name, metav1.FormatLabelSelector(&n.Spec.PodSelector), c.age(n.CreationTimestamp))
}

func (c *converter) endpointSliceRow(s *discoveryv1.EndpointSlice) metav1.TableRow {
	const max = 3
	var ports []string
	for _, p := range s.Ports {
		if len(ports) < max {
			n := "*"
			if p.Port != nil {
				n = strconv.Itoa(int(*p.Port))
			} else if p.Name != nil {
				n = *p.Name
			}
			ports = append(ports, n)
		}
	}
	var addrs []string
	count := 0
	for _, e := range s.Endpoints {
		for _, a := range e.Addresses {
			if len(addrs) < max {
				addrs = append(addrs, a)
			}
			count++
		}
	}
	return c.row(s, s.Name, string(s.AddressType), listWithMore(ports, len(s.Ports), max), listWithMore(addrs, count, max), c.age(s.CreationTimestamp))
}

// printedByKind renders obj with its kind's printer, if it has one.
func (c *converter) printedByKind(obj runtime.Object) ([]metav1.TableColumnDefinition, []metav1.TableRow, bool) {
	p, ok := kindPrinters[reflect.TypeOf(obj)]
	if !ok {
		return nil, nil, false
	}
	if meta.IsListType(obj) && meta.LenList(obj) == 0 {
		return p.columns, []metav1.TableRow{}, true
	}
	return p.columns, p.rows(c, obj), true
}
