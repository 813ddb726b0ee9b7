package controllers

import (
	"context"
	"log/slog"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Labels of the endpoint slices upstream's endpointslice controller manages.
const (
	serviceNameLabel       = discoveryv1.LabelServiceName
	sliceManagedByLabel    = discoveryv1.LabelManagedBy
	sliceControllerManager = "endpointslice-controller.k8s.io"
)

// endpointsController is upstream's endpoints and endpointslice controllers in one: every
// service with a selector has an Endpoints object of its name and one EndpointSlice
// ("<service>-xxxxx", owned by the service) listing the pods the selector matches that have
// an IP: ready ones as addresses (ready, serving), others as not ready; target ports by
// number or by the pods' container port names. Services without a selector are left to
// their users, as upstream leaves them. A deleted service's Endpoints goes with it (its
// slices are its dependents).
type endpointsController struct {
	client      kubernetes.Interface
	svcLister   corelisters.ServiceLister
	podLister   corelisters.PodLister
	epLister    corelisters.EndpointsLister
	sliceLister discoverylisters.EndpointSliceLister
	queue       workqueue.TypedRateLimitingInterface[string]
	loop        *workLoop
}

func newEndpointsController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *endpointsController {
	svcInformer := factory.Core().V1().Services()
	podInformer := factory.Core().V1().Pods()
	epInformer := factory.Core().V1().Endpoints()
	sliceInformer := factory.Discovery().V1().EndpointSlices()
	c := &endpointsController{
		client: client, svcLister: svcInformer.Lister(), podLister: podInformer.Lister(),
		epLister: epInformer.Lister(), sliceLister: sliceInformer.Lister(), queue: newQueue("endpoints"),
	}
	svcInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.queue.Add(keyOf(obj)) },
		UpdateFunc: func(_, cur any) { c.queue.Add(keyOf(cur)) },
		DeleteFunc: func(obj any) { c.queue.Add(keyOf(obj)) },
	})
	podEvent := func(obj any) {
		pod, ok := podOf(obj)
		if !ok {
			return
		}
		svcs, err := c.svcLister.Services(pod.Namespace).List(labels.Everything())
		if err != nil {
			return
		}
		for _, s := range svcs {
			if len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				c.queue.Add(keyOf(s))
			}
		}
	}
	podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: podEvent,
		UpdateFunc: func(old, cur any) {
			podEvent(old) // labels may have changed
			podEvent(cur)
		},
		DeleteFunc: podEvent,
	})
	c.loop = &workLoop{
		queue: c.queue, sync: c.sync, log: log,
		synced: []cache.InformerSynced{svcInformer.Informer().HasSynced, podInformer.Informer().HasSynced,
			epInformer.Informer().HasSynced, sliceInformer.Informer().HasSynced},
	}
	return c
}

func (c *endpointsController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

// member is one pod behind a service, with the ports its targets resolve to.
type member struct {
	pod   *corev1.Pod
	ready bool
	ports []corev1.EndpointPort
}

func (c *endpointsController) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.svcLister.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		if _, err := c.epLister.Endpoints(ns).Get(name); err == nil {
			err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
	if err != nil || len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return err
	}
	pods, err := c.podLister.Pods(ns).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Status.PodIP < pods[j].Status.PodIP })
	var members []member
	for _, p := range pods {
		if p.Status.PodIP == "" || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		m := member{pod: p, ready: isPodReady(p)}
		for _, sp := range svc.Spec.Ports {
			if port, ok := targetPort(p, sp); ok {
				m.ports = append(m.ports, corev1.EndpointPort{Name: sp.Name, Port: port, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol})
			}
		}
		members = append(members, m)
	}
	if err := c.syncEndpoints(ctx, svc, members); err != nil {
		return err
	}
	return c.syncSlice(ctx, svc, members)
}

// targetPort resolves a service port's target on a pod: a number, or a container port name.
func targetPort(pod *corev1.Pod, sp corev1.ServicePort) (int32, bool) {
	if sp.TargetPort.StrVal == "" {
		if sp.TargetPort.IntVal != 0 {
			return sp.TargetPort.IntVal, true
		}
		return sp.Port, true
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == sp.TargetPort.StrVal && p.Protocol == sp.Protocol {
				return p.ContainerPort, true
			}
		}
	}
	return 0, false
}

func podRef(p *corev1.Pod) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}
}

func (c *endpointsController) syncEndpoints(ctx context.Context, svc *corev1.Service, members []member) error {
	// pods with the same resolved ports share a subset, in the order first seen
	var subsets []corev1.EndpointSubset
	index := map[string]int{}
	for _, m := range members {
		if len(m.ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		k := portsKey(m.ports)
		i, ok := index[k]
		if !ok {
			i = len(subsets)
			index[k] = i
			subsets = append(subsets, corev1.EndpointSubset{Ports: m.ports})
		}
		addr := corev1.EndpointAddress{IP: m.pod.Status.PodIP, NodeName: nodeNameOf(m.pod), TargetRef: podRef(m.pod)}
		if m.ready {
			subsets[i].Addresses = append(subsets[i].Addresses, addr)
		} else {
			subsets[i].NotReadyAddresses = append(subsets[i].NotReadyAddresses, addr)
		}
	}
	want := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: copyLabels(svc.Labels)},
		Subsets:    subsets,
	}
	cur, err := c.epLister.Endpoints(svc.Namespace).Get(svc.Name)
	if apierrors.IsNotFound(err) {
		_, err = c.client.CoreV1().Endpoints(svc.Namespace).Create(ctx, want, metav1.CreateOptions{FieldManager: controllerManagerName})
		if apierrors.IsAlreadyExists(err) {
			return nil // the informer will show it; the next sync updates it
		}
		return err
	}
	if err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(cur.Subsets, want.Subsets) && equality.Semantic.DeepEqual(cur.Labels, want.Labels) {
		return nil
	}
	next := cur.DeepCopy()
	next.Subsets, next.Labels = want.Subsets, want.Labels
	_, err = c.client.CoreV1().Endpoints(svc.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName})
	return err
}

func (c *endpointsController) syncSlice(ctx context.Context, svc *corev1.Service, members []member) error {
	var endpoints []discoveryv1.Endpoint
	var ports []discoveryv1.EndpointPort
	for _, m := range members {
		if len(m.ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		if ports == nil {
			for _, p := range m.ports {
				ports = append(ports, discoveryv1.EndpointPort{Name: ptrTo(p.Name), Port: ptrTo(p.Port), Protocol: ptrTo(p.Protocol), AppProtocol: p.AppProtocol})
			}
		}
		ready := m.ready
		endpoints = append(endpoints, discoveryv1.Endpoint{
			Addresses:  []string{m.pod.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &ready, Terminating: ptrTo(false)},
			NodeName:   nodeNameOf(m.pod), TargetRef: podRef(m.pod),
		})
	}
	if ports == nil {
		ports = []discoveryv1.EndpointPort{}
	}
	sliceLabels := copyLabels(svc.Labels)
	if sliceLabels == nil {
		sliceLabels = map[string]string{}
	}
	sliceLabels[serviceNameLabel] = svc.Name
	sliceLabels[sliceManagedByLabel] = sliceControllerManager
	existing, err := c.sliceLister.EndpointSlices(svc.Namespace).List(labels.SelectorFromSet(map[string]string{
		serviceNameLabel: svc.Name, sliceManagedByLabel: sliceControllerManager}))
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		slice := &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{GenerateName: svc.Name + "-", Namespace: svc.Namespace, Labels: sliceLabels,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))}},
			AddressType: discoveryv1.AddressTypeIPv4, Endpoints: endpoints, Ports: ports,
		}
		_, err := c.client.DiscoveryV1().EndpointSlices(svc.Namespace).Create(ctx, slice, metav1.CreateOptions{FieldManager: controllerManagerName})
		return err
	}
	cur := existing[0]
	if equality.Semantic.DeepEqual(cur.Endpoints, endpoints) && equality.Semantic.DeepEqual(cur.Ports, ports) && equality.Semantic.DeepEqual(cur.Labels, sliceLabels) {
		return nil
	}
	next := cur.DeepCopy()
	next.Endpoints, next.Ports, next.Labels = endpoints, ports, sliceLabels
	_, err = c.client.DiscoveryV1().EndpointSlices(svc.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName})
	return err
}

func portsKey(ports []corev1.EndpointPort) string {
	k := ""
	for _, p := range ports {
		k += p.Name + "/" + string(p.Protocol) + "/" + strconv.Itoa(int(p.Port)) + ";"
	}
	return k
}

func nodeNameOf(p *corev1.Pod) *string {
	if p.Spec.NodeName == "" {
		return nil
	}
	return ptrTo(p.Spec.NodeName)
}

func copyLabels(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
