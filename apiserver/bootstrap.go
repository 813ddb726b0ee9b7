package apiserver

import (
	"errors"
	"fmt"
	"net"
	stdsync "sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// builtinNamespaces exist from the start, as on a real cluster.
var builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// createInternal creates an object through the full create pipeline as the engine itself
// (a write at start: startWrite); an object that exists already is left as it is.
func (s *Server) createInternal(obj runtime.Object) error {
	gvks, _, err := scheme.ObjectKinds(obj)
	if err != nil {
		return err
	}
	var res *resource
	for _, r := range resources {
		if r.gvk() == gvks[0] {
			res = r
		}
	}
	if res == nil {
		return fmt.Errorf("no resource serves %s", gvks[0])
	}
	ns := ""
	if m, ok := obj.(metav1.Object); ok {
		ns = m.GetNamespace()
		if _, err := s.store.Get(res.storeKey, ns, m.GetName()); err == nil {
			return nil // a restart: nothing to create
		}
	}
	_, err = s.createObjectManaged(requestInfo{verb: "create", res: res, gvr: res.gvr, namespace: ns}, obj, s.startWrite(internalWrite), false)
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// startWrite is o for a write of the engine's start: its field managers are those of
// bootstrapTypes, which spare the start the field managers' type converter (the OpenAPI
// schema of every kind, about 120 ms), built by Start in the background instead.
func (s *Server) startWrite(o writeOptions) writeOptions {
	o.bootstrap = !s.fullStartTypes
	return o
}

// createInternalAll creates objs (createInternal) together, so that their writes share
// commits (an fsync each, not one per object); an error names the object.
func (s *Server) createInternalAll(objs []runtime.Object) error {
	errs := make([]error, len(objs))
	var wg stdsync.WaitGroup
	for i, obj := range objs {
		wg.Go(func() {
			if err := s.createInternal(obj); err != nil {
				kind := fmt.Sprintf("%T", obj)
				if gvks, _, kerr := scheme.ObjectKinds(obj); kerr == nil {
					kind = gvks[0].Kind
				}
				name := ""
				if m, merr := meta.Accessor(obj); merr == nil {
					name = m.GetName()
					if ns := m.GetNamespace(); ns != "" {
						name = ns + "/" + name
					}
				}
				errs[i] = fmt.Errorf("create %s %s: %w", kind, name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bootstrap writes what every cluster has from the start, missing objects only (one that
// exists, perhaps changed by a person, is kept), in two steps whose writes share commits:
// the built-in namespaces, the local APIServices and the bootstrap policy's cluster roles
// and bindings; then what needs them: the kubernetes service and the request-header trust
// in their namespaces, and the aggregated cluster roles' rules. Then the aggregator routes
// by the APIServices.
func (s *Server) bootstrap() error {
	services := localAPIServices()
	objs := make([]runtime.Object, 0, len(builtinNamespaces)+len(services)+len(s.policyRoles)+len(s.policyBindings))
	for _, name := range builtinNamespaces {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	for _, as := range services {
		objs = append(objs, as)
	}
	for _, r := range s.policyRoles {
		objs = append(objs, r)
	}
	for _, b := range s.policyBindings {
		objs = append(objs, b)
	}
	if err := s.createInternalAll(objs); err != nil {
		return err
	}
	port := int32(6443)
	if addr, ok := s.listener.Addr().(*net.TCPAddr); ok {
		port = int32(addr.Port)
	}
	var (
		wg   stdsync.WaitGroup
		errs [3]error
	)
	wg.Go(func() {
		if err := s.createInternal(kubernetesServiceObject(port)); err != nil {
			errs[0] = fmt.Errorf("create service default/kubernetes: %w", err)
		}
	})
	wg.Go(func() {
		if err := s.agg.publishTrust(); err != nil {
			errs[1] = fmt.Errorf("write configmap kube-system/extension-apiserver-authentication: %w", err)
		}
	})
	wg.Go(func() { errs[2] = s.aggregateClusterRoles(s.startWrite(aggregationWrite)) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	return s.agg.refresh()
}

// demoWorkloads are what --demo seeds: a few namespaces of deployments with various
// replicas and images, so that a newcomer's sheet has something to show.
var demoWorkloads = []struct {
	namespace, name, image string
	replicas               int32
}{
	{"shop", "web", "nginx:1.27", 3},
	{"shop", "api", "ghcr.io/example/shop-api:2.4.1", 2},
	{"shop", "worker", "ghcr.io/example/shop-worker:2.4.1", 1},
	{"data", "postgres", "postgres:16", 1},
	{"data", "redis", "redis:7.2", 1},
	{"data", "etl", "ghcr.io/example/etl:0.9.0", 0},
	{"tools", "grafana", "grafana/grafana:11.1.0", 1},
	{"tools", "prometheus", "prom/prometheus:v2.53.0", 1},
}

// seedDemo creates the demo namespaces and deployments on a store that has no deployments yet.
func (s *Server) seedDemo() error {
	page, err := s.store.List(index[appsv1.SchemeGroupVersion.WithResource("deployments")].storeKey, storage.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Items) > 0 {
		return nil
	}
	for _, d := range demoWorkloads {
		if err := s.createInternal(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: d.namespace}}); err != nil {
			return fmt.Errorf("demo namespace %s: %w", d.namespace, err)
		}
		replicas := d.replicas
		labels := map[string]string{"app": d.name}
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: d.namespace, Name: d.name, Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: d.name, Image: d.image}}},
				},
			},
		}
		if err := s.createInternal(dep); err != nil {
			return fmt.Errorf("demo deployment %s/%s: %w", d.namespace, d.name, err)
		}
	}
	for _, obj := range demoKinds() {
		if err := s.createInternal(obj); err != nil {
			m, _ := meta.Accessor(obj)
			return fmt.Errorf("demo %T %s/%s: %w", obj, m.GetNamespace(), m.GetName(), err)
		}
	}
	return s.seedDemoCustom()
}

// demoKinds are the other kinds --demo seeds, so that a sheet with their presets has
// something to show: a StatefulSet, a DaemonSet, a CronJob and an autoscaler.
func demoKinds() []runtime.Object {
	labels := func(app string) map[string]string { return map[string]string{"app": app} }
	template := func(app, image string, restart corev1.RestartPolicy) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels(app)},
			Spec:       corev1.PodSpec{RestartPolicy: restart, Containers: []corev1.Container{{Name: app, Image: image}}},
		}
	}
	one, two, six, seventy := int32(1), int32(2), int32(6), int32(70)
	return []runtime.Object{
		&appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: "data", Name: "postgres-replica", Labels: labels("postgres-replica")},
			Spec: appsv1.StatefulSetSpec{Replicas: &one, ServiceName: "postgres-replica",
				Selector: &metav1.LabelSelector{MatchLabels: labels("postgres-replica")},
				Template: template("postgres-replica", "postgres:16", "")},
		},
		&appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: "tools", Name: "node-exporter", Labels: labels("node-exporter")},
			Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels("node-exporter")},
				Template: template("node-exporter", "prom/node-exporter:v1.8.1", "")},
		},
		&batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: "tools", Name: "nightly-report", Labels: labels("nightly-report")},
			Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{Template: template("nightly-report", "busybox:1.36", corev1.RestartPolicyOnFailure)}}},
		},
		&autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MinReplicas: &two, MaxReplicas: six,
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
				Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &seventy}}}}},
		},
	}
}
