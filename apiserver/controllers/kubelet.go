package controllers

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/netip"
	stdsync "sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// kubelet simulates one node: it registers the Node and keeps its Lease, binds unscheduled
// pods to it (as a scheduler would) and plays the life of their containers in their status.
type kubelet struct {
	client    kubernetes.Interface
	podLister corelisters.PodLister
	queue     workqueue.TypedRateLimitingInterface[string]
	loop      *workLoop
	opts      Options
	log       *slog.Logger
	now       func() time.Time

	mu   stdsync.Mutex
	pods map[string]*podRuntime // by pod key
	ips  *ipPool
}

// podRuntime is what the kubelet remembers of a pod it runs.
type podRuntime struct {
	uid       types.UID
	since     time.Time // when the pod's status last changed (or the kubelet first saw it)
	killSince time.Time // when the kubelet first saw it terminating
	ip        string
}

func newKubelet(client kubernetes.Interface, factory informers.SharedInformerFactory, opts Options, log *slog.Logger) *kubelet {
	podInformer := factory.Core().V1().Pods()
	k := &kubelet{
		client:    client,
		podLister: podInformer.Lister(),
		queue:     newQueue("kubelet"),
		opts:      opts,
		log:       log,
		now:       time.Now,
		pods:      map[string]*podRuntime{},
		ips:       newIPPool(),
	}
	podInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: func(obj any) bool {
			pod, ok := obj.(*corev1.Pod)
			if !ok {
				return true // a tombstone: let sync find out
			}
			return k.concerns(pod)
		},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    k.enqueue,
			UpdateFunc: func(_, cur any) { k.enqueue(cur) },
			DeleteFunc: k.enqueue,
		},
	})
	k.loop = &workLoop{
		queue: k.queue, sync: k.sync, log: log,
		synced: []cache.InformerSynced{podInformer.Informer().HasSynced},
	}
	return k
}

func (k *kubelet) enqueue(obj any) {
	if key := keyOf(obj); key != "" {
		k.queue.Add(key)
	}
}

// concerns reports whether the pod is this kubelet's to bind or to run.
func (k *kubelet) concerns(pod *corev1.Pod) bool {
	if pod.Spec.NodeName == "" {
		return pod.Spec.SchedulerName == corev1.DefaultSchedulerName || pod.Spec.SchedulerName == ""
	}
	return pod.Spec.NodeName == k.opts.NodeName
}

func (k *kubelet) run(ctx context.Context, workers int) {
	var wg stdsync.WaitGroup
	wg.Go(func() { k.heartbeat(ctx) })
	wg.Go(func() {
		if cache.WaitForCacheSync(ctx.Done(), k.loop.synced...) {
			k.reserveExistingIPs()
		}
		k.loop.run(ctx, workers)
	})
	wg.Wait()
}

// reserveExistingIPs keeps the IPs of the pods already running here from being handed out again.
func (k *kubelet) reserveExistingIPs() {
	pods, err := k.podLister.List(labels.Everything())
	if err != nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range pods {
		if p.Spec.NodeName != k.opts.NodeName || p.Status.PodIP == "" {
			continue
		}
		key := keyOf(p)
		if k.ips.reserve(p.Status.PodIP, key) {
			k.pods[key] = &podRuntime{uid: p.UID, ip: p.Status.PodIP}
		}
	}
}

// runtimeFor is the remembered state of pod (fresh when the pod is new or was recreated).
func (k *kubelet) runtimeFor(key string, pod *corev1.Pod, now time.Time) *podRuntime {
	k.mu.Lock()
	defer k.mu.Unlock()
	rt, ok := k.pods[key]
	if ok && rt.uid == pod.UID {
		return rt
	}
	if ok && rt.ip != "" {
		k.ips.release(rt.ip)
	}
	rt = &podRuntime{uid: pod.UID, since: now}
	if ip := pod.Status.PodIP; ip != "" && k.ips.reserve(ip, key) {
		rt.ip = ip
	}
	k.pods[key] = rt
	return rt
}

// forget drops a pod that is gone, freeing its IP.
func (k *kubelet) forget(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if rt, ok := k.pods[key]; ok {
		if rt.ip != "" {
			k.ips.release(rt.ip)
		}
		delete(k.pods, key)
	}
}

func (k *kubelet) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := k.podLister.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		k.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		if !k.concerns(pod) || pod.DeletionTimestamp != nil || len(pod.Spec.SchedulingGates) > 0 {
			return nil
		}
		return k.bind(ctx, pod)
	}
	if pod.Spec.NodeName != k.opts.NodeName {
		return nil
	}
	now := k.now()
	rt := k.runtimeFor(key, pod, now)
	if pod.DeletionTimestamp != nil {
		return k.terminate(ctx, key, pod, rt, now)
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return nil
	}
	step := k.step(pod, rt, now)
	if step.status != nil {
		cp := pod.DeepCopy()
		cp.Status = *step.status
		if _, err := k.client.CoreV1().Pods(namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{FieldManager: kubeletName}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("update status of pod %s: %w", key, err)
		}
		k.mu.Lock()
		rt.since = now
		k.mu.Unlock()
	}
	if step.after > 0 {
		k.queue.AddAfter(key, step.after)
	}
	return nil
}

// step decides the pod's next status: nothing before the current step has lasted its delay.
func (k *kubelet) step(pod *corev1.Pod, rt *podRuntime, now time.Time) podStep {
	delay := stepDelay(pod, k.opts.StartDelay)
	if delay == 0 {
		return podStep{}
	}
	k.mu.Lock()
	since := rt.since
	k.mu.Unlock()
	if due := since.Add(delay); now.Before(due) {
		return podStep{after: due.Sub(now)}
	}
	ip := ""
	if len(pod.Status.ContainerStatuses) > 0 {
		ip = k.podIP(keyOf(pod), rt)
	}
	st := nextPodStatus(pod, ip, now)
	next := &corev1.Pod{Spec: pod.Spec, Status: *st}
	return podStep{status: st, after: stepDelay(next, k.opts.StartDelay)}
}

// podIP is the pod's IP, allocated on first use.
func (k *kubelet) podIP(key string, rt *podRuntime) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if rt.ip == "" {
		rt.ip = k.ips.allocate(key)
	}
	return rt.ip
}

// bind assigns an unscheduled pod through pods/binding to this node, or to the node its
// required affinity names (a daemon set's pod for another node), as a scheduler would.
func (k *kubelet) bind(ctx context.Context, pod *corev1.Pod) error {
	target := k.opts.NodeName
	if n := affinityNodeName(pod); n != "" {
		target = n
	}
	err := k.client.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: target},
	}, metav1.CreateOptions{FieldManager: kubeletName})
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return nil
	case apierrors.IsConflict(err):
		return nil // bound meanwhile, being deleted or recreated: the next event tells
	}
	return fmt.Errorf("bind pod %s/%s to %s: %w", pod.Namespace, pod.Name, target, err)
}

// terminate plays the stop of a pod being deleted: its containers keep running (kubectl
// shows the pod Terminating) for the shorter of its deletionGracePeriodSeconds and
// Options.TerminationDelay, counted from when the kubelet first saw it terminating; then
// the kubelet records them terminated and removes the pod (grace period 0, UID
// precondition), as upstream's kubelet does once its containers have stopped.
func (k *kubelet) terminate(ctx context.Context, key string, pod *corev1.Pod, rt *podRuntime, now time.Time) error {
	k.mu.Lock()
	if rt.killSince.IsZero() {
		rt.killSince = now
	}
	killSince := rt.killSince
	k.mu.Unlock()

	grace := k.opts.TerminationDelay
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		grace = min(grace, time.Duration(*g)*time.Second)
	}
	if wait := killSince.Add(grace).Sub(now); wait > 0 {
		k.queue.AddAfter(key, wait) // a shorter grace period set meanwhile wakes it earlier
		return nil
	}
	if len(pod.Status.ContainerStatuses) > 0 && !allTerminated(pod) {
		cp := pod.DeepCopy()
		cp.Status = *terminatedPodStatus(pod, now)
		if _, err := k.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{FieldManager: kubeletName}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("update status of terminating pod %s: %w", key, err)
		}
	}
	zero := int64(0)
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete terminated pod %s: %w", key, err)
	}
	return nil
}

// ipPool hands out pod IPs from 10.244.0.0/16, each to one pod at a time.
type ipPool struct {
	base netip.Addr
	used map[netip.Addr]string // IP → pod key
	next uint32                // offset tried first
}

const (
	podCIDR   = "10.244.0.0/16"
	poolFirst = 2         // 10.244.0.1 is the bridge
	poolSize  = 1<<16 - 1 // up to 10.244.255.254
)

func newIPPool() *ipPool {
	return &ipPool{base: netip.MustParsePrefix(podCIDR).Addr(), used: map[netip.Addr]string{}, next: poolFirst}
}

func (p *ipPool) addr(offset uint32) netip.Addr {
	b := p.base.As4()
	v := binary.BigEndian.Uint32(b[:]) + offset
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// allocate returns a free IP for key ("" when the pool is exhausted).
func (p *ipPool) allocate(key string) string {
	for range poolSize - poolFirst {
		off := p.next
		p.next++
		if p.next >= poolSize {
			p.next = poolFirst
		}
		a := p.addr(off)
		if _, taken := p.used[a]; !taken {
			p.used[a] = key
			return a.String()
		}
	}
	return ""
}

// reserve marks ip used by key; it reports whether ip is in the pool and was free (or key's).
func (p *ipPool) reserve(ip, key string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil || !netip.MustParsePrefix(podCIDR).Contains(a) {
		return false
	}
	if owner, taken := p.used[a]; taken && owner != key {
		return false
	}
	p.used[a] = key
	return true
}

func (p *ipPool) release(ip string) {
	if a, err := netip.ParseAddr(ip); err == nil {
		delete(p.used, a)
	}
}
