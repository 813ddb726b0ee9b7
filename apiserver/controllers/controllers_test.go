package controllers_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	stdsync "sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"

	"github.com/sheetops/sheetops/apiserver/controllers"
)

func TestDeploymentRunsPods(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	created := newDeployment(t, ns, "web", 3, "nginx:1.27", nil)
	d := waitRolledOut(t, ns, "web")

	if c := condition(d, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "MinimumReplicasAvailable" || c.Message != "Deployment has minimum availability." {
		t.Errorf("Available condition %+v", c)
	}
	rss, err := replicaSetsOf(ctx, d)
	if err != nil || len(rss) != 1 {
		t.Fatalf("replica sets of the deployment: %d, %v; want 1", len(rss), err)
	}
	rs := rss[0]
	hash := rs.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if want := controllers.ComputeHash(&created.Spec.Template, nil); hash != want {
		t.Errorf("pod-template-hash %q, want upstream's ComputeHash %q", hash, want)
	}
	if rs.Name != "web-"+hash || rs.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != hash || rs.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != hash {
		t.Errorf("replica set %s: selector %v template labels %v; want name, selector and labels with the hash %s", rs.Name, rs.Spec.Selector.MatchLabels, rs.Spec.Template.Labels, hash)
	}
	for k, v := range map[string]string{"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4"} {
		if rs.Annotations[k] != v {
			t.Errorf("replica set annotation %s = %q, want %q", k, rs.Annotations[k], v)
		}
	}
	if d.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Errorf("deployment revision annotation %q, want 1", d.Annotations["deployment.kubernetes.io/revision"])
	}
	if c := condition(d, appsv1.DeploymentProgressing); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "NewReplicaSetAvailable" || c.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name) {
		t.Errorf("Progressing condition %+v", c)
	}
	if ref := metav1.GetControllerOf(&rs); ref == nil || ref.UID != d.UID || ref.Kind != "Deployment" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("replica set controller reference %+v", ref)
	}
	if rs.Status.Replicas != 3 || rs.Status.FullyLabeledReplicas != 3 || rs.Status.ReadyReplicas != 3 || rs.Status.AvailableReplicas != 3 || rs.Status.ObservedGeneration != rs.Generation {
		t.Errorf("replica set status %+v", rs.Status)
	}
	if !managedBy(rs.ManagedFields, "sheetops-controller-manager") {
		t.Errorf("replica set managed fields %v: no entry of sheetops-controller-manager", managers(rs.ManagedFields))
	}

	pods := podsSettled(t, ns, map[string]string{"app": "web"}, 3)
	ips := map[string]bool{}
	cidr := netip.MustParsePrefix("10.244.0.0/16")
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s controller reference %+v", p.Name, ref)
		}
		if p.GenerateName != rs.Name+"-" || p.Spec.NodeName != "sheetops-node" || p.Status.HostIP != "10.0.0.10" || p.Status.StartTime == nil || p.Status.QOSClass != corev1.PodQOSBestEffort {
			t.Errorf("pod %s: generateName %q node %q hostIP %q startTime %v qos %q", p.Name, p.GenerateName, p.Spec.NodeName, p.Status.HostIP, p.Status.StartTime, p.Status.QOSClass)
		}
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil || !cidr.Contains(ip) || ips[p.Status.PodIP] || len(p.Status.PodIPs) != 1 {
			t.Errorf("pod %s: podIP %q (podIPs %v): want a unique address in %s", p.Name, p.Status.PodIP, p.Status.PodIPs, cidr)
		}
		ips[p.Status.PodIP] = true
		for _, c := range p.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				t.Errorf("pod %s condition %s = %s", p.Name, c.Type, c.Status)
			}
		}
		if len(p.Status.Conditions) != 5 {
			t.Errorf("pod %s has conditions %v, want PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled", p.Name, p.Status.Conditions)
		}
		cs := p.Status.ContainerStatuses
		if len(cs) != 1 {
			t.Fatalf("pod %s container statuses %v", p.Name, cs)
		}
		c := cs[0]
		if c.Name != "app" || c.Image != "docker.io/library/nginx:1.27" || !strings.HasPrefix(c.ImageID, "docker.io/library/nginx@sha256:") ||
			!strings.HasPrefix(c.ContainerID, "sheetops://") || !c.Ready || c.Started == nil || !*c.Started || c.RestartCount != 0 ||
			c.State.Running == nil || c.State.Running.StartedAt.IsZero() {
			t.Errorf("pod %s container status %+v", p.Name, c)
		}
		if !managedBy(p.ManagedFields, "sheetops-kubelet") {
			t.Errorf("pod %s managed fields %v: no entry of sheetops-kubelet", p.Name, managers(p.ManagedFields))
		}
	}
}

func managedBy(entries []metav1.ManagedFieldsEntry, manager string) bool {
	for _, e := range entries {
		if e.Manager == manager {
			return true
		}
	}
	return false
}

func managers(entries []metav1.ManagedFieldsEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Manager+"/"+e.Subresource)
	}
	return out
}

func TestNodeAndLease(t *testing.T) {
	t.Parallel()
	var node *corev1.Node
	waitFor(t, "node sheetops-node Ready", func(ctx context.Context) (bool, string, error) {
		var err error
		node, err = cluster.client.CoreV1().Nodes().Get(ctx, "sheetops-node", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue && !c.LastHeartbeatTime.IsZero(), fmt.Sprintf("%+v", c), nil
			}
		}
		return false, "no Ready condition", nil
	})
	info := node.Status.NodeInfo
	if info.KubeletVersion != "v1.37.2-sheetops" || info.ContainerRuntimeVersion != "sheetops://1.0" || info.OperatingSystem != "linux" || info.Architecture == "" || info.OSImage == "" {
		t.Errorf("nodeInfo %+v", info)
	}
	wantAddr := []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.10"}, {Type: corev1.NodeHostName, Address: "sheetops-node"}}
	if fmt.Sprint(node.Status.Addresses) != fmt.Sprint(wantAddr) {
		t.Errorf("addresses %v, want %v", node.Status.Addresses, wantAddr)
	}
	for _, res := range []corev1.ResourceList{node.Status.Capacity, node.Status.Allocatable} {
		if res.Cpu().String() != "8" || res.Memory().String() != "32Gi" || res.Pods().String() != "250" {
			t.Errorf("capacity/allocatable %v, want cpu 8, memory 32Gi, pods 250", res)
		}
	}
	waitFor(t, "node lease", func(ctx context.Context) (bool, string, error) {
		l, err := cluster.client.CoordinationV1().Leases("kube-node-lease").Get(ctx, "sheetops-node", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		ok := l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == "sheetops-node" && l.Spec.RenewTime != nil &&
			l.Spec.LeaseDurationSeconds != nil && len(l.OwnerReferences) == 1 && l.OwnerReferences[0].UID == node.UID
		return ok, fmt.Sprintf("%+v owners %v", l.Spec, l.OwnerReferences), nil
	})
}

func TestScale(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	newDeployment(t, ns, "web", 3, "nginx:1.27", nil)
	waitRolledOut(t, ns, "web")
	for _, n := range []int32{6, 1} {
		t.Run(fmt.Sprint("to ", n), func(t *testing.T) {
			ctx := context.Background()
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				sc, err := cluster.client.AppsV1().Deployments(ns).GetScale(ctx, "web", metav1.GetOptions{})
				if err != nil {
					return err
				}
				sc.Spec.Replicas = n
				_, err = cluster.client.AppsV1().Deployments(ns).UpdateScale(ctx, "web", sc, metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			d := waitRolledOut(t, ns, "web")
			podsSettled(t, ns, map[string]string{"app": "web"}, int(n))
			rss, err := replicaSetsOf(ctx, d)
			if err != nil || len(rss) != 1 || *rss[0].Spec.Replicas != n || rss[0].Annotations["deployment.kubernetes.io/desired-replicas"] != fmt.Sprint(n) {
				t.Errorf("replica sets after scaling to %d: %v", n, rss)
			}
		})
	}
}

// rolloutWatch samples, on every pod and replica set event of a namespace, the sum of the
// replica sets' spec.replicas and the pods that are ready and not terminating.
type rolloutWatch struct {
	mu                stdsync.Mutex
	maxSpec, minReady int
	maxActive         int
	oldRunningWithNew bool
	newImage          string
	armed             bool // set once the caches are full: the initial adds see partial lists
	stop              chan struct{}
}

func watchRollout(t *testing.T, ns, app, newImage string) *rolloutWatch {
	w := &rolloutWatch{minReady: 1 << 30, newImage: newImage, stop: make(chan struct{})}
	f := informers.NewSharedInformerFactoryWithOptions(cluster.client, 0, informers.WithNamespace(ns))
	pods, rss := f.Core().V1().Pods(), f.Apps().V1().ReplicaSets()
	sel := labels.SelectorFromSet(labels.Set{"app": app})
	sample := func(any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.armed {
			return
		}
		spec := 0
		list, _ := rss.Lister().List(sel)
		for _, rs := range list {
			spec += int(*rs.Spec.Replicas)
		}
		ready, active, oldRunning, newExists := 0, 0, false, false
		plist, _ := pods.Lister().List(sel)
		for _, p := range plist {
			if p.DeletionTimestamp == nil {
				active++
				if isReady(p) {
					ready++
				}
			}
			if p.Spec.Containers[0].Image == w.newImage {
				newExists = true
			} else if p.Status.Phase == corev1.PodRunning || p.Status.Phase == corev1.PodPending {
				oldRunning = true
			}
		}
		w.maxSpec, w.minReady, w.maxActive = max(w.maxSpec, spec), min(w.minReady, ready), max(w.maxActive, active)
		w.oldRunningWithNew = w.oldRunningWithNew || (oldRunning && newExists)
	}
	h := cache.ResourceEventHandlerFuncs{AddFunc: sample, UpdateFunc: func(_, o any) { sample(o) }, DeleteFunc: sample}
	pods.Informer().AddEventHandler(h)
	rss.Informer().AddEventHandler(h)
	f.Start(w.stop)
	f.WaitForCacheSync(w.stop)
	w.mu.Lock()
	w.armed = true
	w.mu.Unlock()
	sample(nil)
	t.Cleanup(func() { close(w.stop); f.Shutdown() })
	return w
}

func (w *rolloutWatch) results() (maxSpec, minReady, maxActive int, oldRunningWithNew bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.maxSpec, w.minReady, w.maxActive, w.oldRunningWithNew
}

func TestRollingUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		replicas               int32
		surge, unavailable     string
		wantMaxPods, wantReady int
	}{
		{"surge 1 unavailable 1", 4, "1", "1", 5, 3},
		{"defaults 25 percent", 3, "25%", "25%", 4, 3},
		{"no surge", 4, "0", "50%", 4, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := namespace(t)
			ctx := context.Background()
			newDeployment(t, ns, "web", tt.replicas, "nginx:1.26", func(d *appsv1.Deployment) {
				surge, unavailable := intstr.Parse(tt.surge), intstr.Parse(tt.unavailable)
				d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
			})
			before := waitRolledOut(t, ns, "web")
			podsSettled(t, ns, map[string]string{"app": "web"}, int(tt.replicas))
			oldRSs, _ := replicaSetsOf(ctx, before)

			w := watchRollout(t, ns, "web", "nginx:1.27")
			setImage(t, ns, "web", "nginx:1.27")
			d := waitRolledOut(t, ns, "web")
			pods := podsSettled(t, ns, map[string]string{"app": "web"}, int(tt.replicas))

			maxSpec, minReady, maxActive, _ := w.results()
			t.Logf("during the rollout: replica sets' spec.replicas at most %d, ready pods at least %d, active pods at most %d", maxSpec, minReady, maxActive)
			if maxSpec > tt.wantMaxPods {
				t.Errorf("replica sets asked for %d pods at once, maxSurge allows %d", maxSpec, tt.wantMaxPods)
			}
			if minReady < tt.wantReady {
				t.Errorf("only %d pods were ready at one point, maxUnavailable requires %d", minReady, tt.wantReady)
			}
			for _, p := range pods {
				if p.Spec.Containers[0].Image != "nginx:1.27" {
					t.Errorf("pod %s runs %s after the rollout", p.Name, p.Spec.Containers[0].Image)
				}
			}
			rss, _ := replicaSetsOf(ctx, d)
			if len(rss) != 2 {
				t.Fatalf("%d replica sets after one rollout, want 2", len(rss))
			}
			for _, rs := range rss {
				isOld := rs.UID == oldRSs[0].UID
				wantRev, wantReplicas := "2", tt.replicas
				if isOld {
					wantRev, wantReplicas = "1", 0
				}
				if rs.Annotations["deployment.kubernetes.io/revision"] != wantRev || *rs.Spec.Replicas != wantReplicas {
					t.Errorf("replica set %s (old %v): revision %q replicas %d; want %s and %d", rs.Name, isOld, rs.Annotations["deployment.kubernetes.io/revision"], *rs.Spec.Replicas, wantRev, wantReplicas)
				}
			}
			if d.Annotations["deployment.kubernetes.io/revision"] != "2" {
				t.Errorf("deployment revision %q, want 2", d.Annotations["deployment.kubernetes.io/revision"])
			}
		})
	}
}

func TestRecreate(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	newDeployment(t, ns, "web", 3, "nginx:1.26", func(d *appsv1.Deployment) {
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	})
	waitRolledOut(t, ns, "web")
	podsSettled(t, ns, map[string]string{"app": "web"}, 3)
	w := watchRollout(t, ns, "web", "nginx:1.27")
	setImage(t, ns, "web", "nginx:1.27")
	d := waitRolledOut(t, ns, "web")
	podsSettled(t, ns, map[string]string{"app": "web"}, 3)
	if maxSpec, _, _, overlap := w.results(); overlap || maxSpec > 3 {
		t.Errorf("old pods ran alongside new ones (%v), or replica sets asked for %d pods (want at most 3)", overlap, maxSpec)
	}
	if d.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Errorf("revision %q, want 2", d.Annotations["deployment.kubernetes.io/revision"])
	}
}

func TestPaused(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newDeployment(t, ns, "web", 2, "nginx:1.26", nil)
	waitRolledOut(t, ns, "web")
	updateDeployment(t, ns, "web", func(d *appsv1.Deployment) { d.Spec.Paused = true })
	setImage(t, ns, "web", "nginx:1.27")
	var d *appsv1.Deployment
	waitFor(t, "the paused deployment's change observed", func(ctx context.Context) (bool, string, error) {
		var err error
		d, err = cluster.client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		c := condition(d, appsv1.DeploymentProgressing)
		return d.Status.ObservedGeneration == d.Generation && c != nil && c.Reason == "DeploymentPaused", fmt.Sprintf("observed %d of %d, Progressing %+v", d.Status.ObservedGeneration, d.Generation, c), nil
	})
	if c := condition(d, appsv1.DeploymentProgressing); c.Status != corev1.ConditionUnknown || c.Message != "Deployment is paused" {
		t.Errorf("Progressing %+v, want Unknown, Deployment is paused", c)
	}
	if rss, _ := replicaSetsOf(ctx, d); len(rss) != 1 {
		t.Errorf("%d replica sets while paused, want the old one only", len(rss))
	}
	if d.Status.UpdatedReplicas != 0 || d.Status.Replicas != 2 {
		t.Errorf("paused status: updated %d replicas %d, want 0 and 2", d.Status.UpdatedReplicas, d.Status.Replicas)
	}

	updateDeployment(t, ns, "web", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	d = waitRolledOut(t, ns, "web")
	if d.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Errorf("revision after resuming %q, want 2", d.Annotations["deployment.kubernetes.io/revision"])
	}
	for _, p := range podsSettled(t, ns, map[string]string{"app": "web"}, 2) {
		if p.Spec.Containers[0].Image != "nginx:1.27" {
			t.Errorf("pod %s runs %s after resuming", p.Name, p.Spec.Containers[0].Image)
		}
	}
}

func TestRevisionHistoryLimit(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	limit := int32(1)
	d := newDeployment(t, ns, "web", 1, "nginx:1.24", func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = &limit })
	waitRolledOut(t, ns, "web")
	for _, img := range []string{"nginx:1.25", "nginx:1.26", "nginx:1.27"} {
		setImage(t, ns, "web", img)
		waitRolledOut(t, ns, "web")
	}
	waitFor(t, "one old replica set kept", func(ctx context.Context) (bool, string, error) {
		rss, err := replicaSetsOf(ctx, d)
		var revs []string
		for _, rs := range rss {
			revs = append(revs, rs.Annotations["deployment.kubernetes.io/revision"])
		}
		return len(rss) == 2 && strings.Contains(strings.Join(revs, ","), "3") && strings.Contains(strings.Join(revs, ","), "4"), fmt.Sprint("revisions ", revs), err
	})
}

func TestDeletedPodIsReplaced(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	newDeployment(t, ns, "web", 3, "nginx:1.27", nil)
	waitRolledOut(t, ns, "web")
	pods := podsSettled(t, ns, map[string]string{"app": "web"}, 3)
	victim := pods[0]
	if err := cluster.client.CoreV1().Pods(ns).Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	after := podsSettled(t, ns, map[string]string{"app": "web"}, 3)
	for _, p := range after {
		if p.UID == victim.UID {
			t.Errorf("deleted pod %s still there", p.Name)
		}
	}
}

func TestReplicaSetAdoptsAndReleases(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	sel := map[string]string{"app": "orphans"}
	orphan, err := cluster.client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: sel},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	podsSettled(t, ns, sel, 1)
	two := int32(2)
	rs, err := cluster.client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "rs"},
		Spec: appsv1.ReplicaSetSpec{Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: sel},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the orphan adopted", func(ctx context.Context) (bool, string, error) {
		p, err := cluster.client.CoreV1().Pods(ns).Get(ctx, orphan.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		ref := metav1.GetControllerOf(p)
		return ref != nil && ref.UID == rs.UID && ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion, fmt.Sprint("owners ", p.OwnerReferences), nil
	})
	podsSettled(t, ns, sel, 2)

	// Relabelled out of the selector: released, and replaced.
	if _, err := cluster.client.CoreV1().Pods(ns).Patch(ctx, orphan.Name, types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"elsewhere"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pod released", func(ctx context.Context) (bool, string, error) {
		p, err := cluster.client.CoreV1().Pods(ns).Get(ctx, orphan.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(p.OwnerReferences) == 0, fmt.Sprint("owners ", p.OwnerReferences), nil
	})
	podsSettled(t, ns, sel, 2)
}

// TestReplicaSetNeverOvershoots scales a replica set up and down by many pods at once: thanks
// to expectations, informer lag never makes it create or delete too many.
func TestReplicaSetNeverOvershoots(t *testing.T) {
	t.Parallel()
	ns := namespace(t)
	ctx := context.Background()
	sel := map[string]string{"app": "burst"}
	w := watchRollout(t, ns, "burst", "none")
	n := int32(20)
	_, err := cluster.client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "burst"},
		Spec: appsv1.ReplicaSetSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: sel},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	podsSettled(t, ns, sel, 20)
	if _, _, maxActive, _ := w.results(); maxActive > 20 {
		t.Errorf("%d pods at once, want at most 20", maxActive)
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sc, err := cluster.client.AppsV1().ReplicaSets(ns).GetScale(ctx, "burst", metav1.GetOptions{})
		if err != nil {
			return err
		}
		sc.Spec.Replicas = 5
		_, err = cluster.client.AppsV1().ReplicaSets(ns).UpdateScale(ctx, "burst", sc, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	podsSettled(t, ns, sel, 5)
	waitFor(t, "replica set status", func(ctx context.Context) (bool, string, error) {
		rs, err := cluster.client.AppsV1().ReplicaSets(ns).Get(ctx, "burst", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return rs.Status.Replicas == 5 && rs.Status.AvailableReplicas == 5 && rs.Status.ObservedGeneration == rs.Generation, fmt.Sprintf("%+v", rs.Status), nil
	})
}

// TestFailingPods: a crash looping image and a missing image show the kubelet's reasons and
// messages, never become ready, and their deployment never becomes available: Progressing
// turns False with ProgressDeadlineExceeded.
func TestFailingPods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, image string
		wantReasons []string
		message     *regexp.Regexp // of the last waiting reason
	}{
		{"crash loop", "example/crashloop:1", []string{"Error", "CrashLoopBackOff"},
			regexp.MustCompile(`^back-off \d+(s|m\d+s) restarting failed container=app pod=[a-z0-9-]+_[a-z0-9-]+\([0-9a-f-]+\)$`)},
		{"missing image", "doesnotexist:1.0", []string{"ErrImagePull", "ImagePullBackOff"},
			regexp.MustCompile(`^Back-off pulling image "doesnotexist:1.0": ErrImagePull: .*failed to pull and unpack image "docker.io/library/doesnotexist:1.0"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := namespace(t)
			w := watchReasons(t, ns)
			deadline := int32(2)
			newDeployment(t, ns, "bad", 1, tt.image, func(d *appsv1.Deployment) { d.Spec.ProgressDeadlineSeconds = &deadline })
			var d *appsv1.Deployment
			waitFor(t, "ProgressDeadlineExceeded", func(ctx context.Context) (bool, string, error) {
				var err error
				d, err = cluster.client.AppsV1().Deployments(ns).Get(ctx, "bad", metav1.GetOptions{})
				if err != nil {
					return false, "", err
				}
				c := condition(d, appsv1.DeploymentProgressing)
				return c != nil && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded", fmt.Sprintf("%+v", d.Status.Conditions), nil
			})
			rss, _ := replicaSetsOf(context.Background(), d)
			if c := condition(d, appsv1.DeploymentProgressing); len(rss) != 1 || c.Message != fmt.Sprintf("ReplicaSet %q has timed out progressing.", rss[0].Name) {
				t.Errorf("Progressing message %q", c.Message)
			}
			if c := condition(d, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionFalse || c.Reason != "MinimumReplicasUnavailable" || c.Message != "Deployment does not have minimum availability." {
				t.Errorf("Available %+v", c)
			}
			waitFor(t, "the kubelet's reasons", func(context.Context) (bool, string, error) {
				seen, _, _ := w.results()
				for _, r := range tt.wantReasons {
					if !seen[r] {
						return false, fmt.Sprint(seen), nil
					}
				}
				return true, "", nil
			})
			_, messages, ready := w.results()
			if ready {
				t.Error("a failing pod was ready")
			}
			last := tt.wantReasons[len(tt.wantReasons)-1]
			if m := messages[last]; !tt.message.MatchString(m) {
				t.Errorf("%s message %q, want it to match %s", last, m, tt.message)
			}
			if d.Status.AvailableReplicas != 0 || d.Status.UnavailableReplicas != 1 {
				t.Errorf("status %+v", d.Status)
			}
		})
	}
}

// reasonWatch records the container reasons and messages of a namespace's pods, and whether
// any pod was ever ready.
type reasonWatch struct {
	mu       stdsync.Mutex
	reasons  map[string]bool
	messages map[string]string
	ready    bool
}

func watchReasons(t *testing.T, ns string) *reasonWatch {
	w := &reasonWatch{reasons: map[string]bool{}, messages: map[string]string{}}
	stop := make(chan struct{})
	f := informers.NewSharedInformerFactoryWithOptions(cluster.client, 0, informers.WithNamespace(ns))
	record := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.ready = w.ready || isReady(p)
		for _, cs := range p.Status.ContainerStatuses {
			w.ready = w.ready || cs.Ready
			if s := cs.State.Waiting; s != nil {
				w.reasons[s.Reason], w.messages[s.Reason] = true, s.Message
			}
			if s := cs.State.Terminated; s != nil {
				w.reasons[s.Reason] = true
			}
		}
	}
	f.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: record, UpdateFunc: func(_, o any) { record(o) }})
	f.Start(stop)
	f.WaitForCacheSync(stop)
	t.Cleanup(func() { close(stop); f.Shutdown() })
	return w
}

func (w *reasonWatch) results() (map[string]bool, map[string]string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	reasons, messages := map[string]bool{}, map[string]string{}
	for k, v := range w.reasons {
		reasons[k] = v
	}
	for k, v := range w.messages {
		messages[k] = v
	}
	return reasons, messages, w.ready
}

// TestKubectlRollout drives a rollout with kubectl: rollout status finishes, history lists the
// revisions, undo brings the old template back as revision 3.
func TestKubectlRollout(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kubectl is required under CI")
		}
		t.Skip("kubectl not installed")
	}
	ns := namespace(t)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(kubectl, append([]string{"--kubeconfig", cluster.kubeconfig, "-n", ns}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	newDeployment(t, ns, "web", 2, "nginx:1.26", nil)
	if out := run("rollout", "status", "deployment/web", "--timeout=60s"); !strings.Contains(out, `deployment "web" successfully rolled out`) {
		t.Errorf("rollout status: %s", out)
	}
	run("set", "image", "deployment/web", "app=nginx:1.27")
	if out := run("rollout", "status", "deployment/web", "--timeout=60s"); !strings.Contains(out, `deployment "web" successfully rolled out`) {
		t.Errorf("rollout status after set image: %s", out)
	}
	history := run("rollout", "history", "deployment/web")
	if !regexp.MustCompile(`(?m)^1\s`).MatchString(history) || !regexp.MustCompile(`(?m)^2\s`).MatchString(history) {
		t.Errorf("rollout history lists no revisions 1 and 2:\n%s", history)
	}
	run("rollout", "undo", "deployment/web")
	run("rollout", "status", "deployment/web", "--timeout=60s")
	d := waitRolledOut(t, ns, "web")
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.26" || d.Annotations["deployment.kubernetes.io/revision"] != "3" {
		t.Errorf("after undo: image %s revision %q, want nginx:1.26 and 3", img, d.Annotations["deployment.kubernetes.io/revision"])
	}
	rss, _ := replicaSetsOf(context.Background(), d)
	for _, rs := range rss {
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.26" && (rs.Annotations["deployment.kubernetes.io/revision"] != "3" || rs.Annotations["deployment.kubernetes.io/revision-history"] != "1") {
			t.Errorf("rolled back replica set %s: revision %q history %q, want 3 and 1", rs.Name, rs.Annotations["deployment.kubernetes.io/revision"], rs.Annotations["deployment.kubernetes.io/revision-history"])
		}
	}
	if out := run("rollout", "history", "deployment/web", "--revision=3"); !strings.Contains(out, "nginx:1.26") {
		t.Errorf("rollout history --revision=3:\n%s", out)
	}
}
