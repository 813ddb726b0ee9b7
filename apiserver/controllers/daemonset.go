package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// Labels and annotations of upstream's daemon set controller and strategy.
const (
	// daemonSetTemplateGenerationLabel is the pod label that carries the template generation
	// of the set that created the pod (kept by upstream for backward compatibility).
	daemonSetTemplateGenerationLabel = "pod-template-generation"
	// daemonSetTemplateGenerationAnnotation is the set's template generation, written by
	// the API server's daemon set strategy.
	daemonSetTemplateGenerationAnnotation = appsv1.DeprecatedTemplateGeneration
)

var daemonSetKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// daemonSetController is upstream's daemon set controller reduced to what users see: one
// pod ("<set>-xxxxx") on every node the set's node selector, required node affinity and
// tolerations admit, created unscheduled with a required node affinity for that node (as
// upstream's, so a scheduler binds it there); the pods of nodes that no longer qualify or no
// longer exist are deleted, and a node never keeps more than one. Each template is a
// ControllerRevision "<set>-<hash>" whose hash labels the pods (controller-revision-hash,
// beside pod-template-generation); RollingUpdate replaces pods of older revisions, at most
// maxUnavailable of the desired ones unavailable at a time, or with maxSurge starts the new
// pod beside the old one, at most maxSurge nodes at a time; OnDelete leaves that to the
// user. Status as upstream's, so that kubectl rollout status,
// history and undo work on daemon sets.
type daemonSetController struct {
	client     kubernetes.Interface
	setLister  appslisters.DaemonSetLister
	nodeLister corelisters.NodeLister
	revLister  appslisters.ControllerRevisionLister
	podIndexer cache.Indexer
	exp        *expectations
	queue      workqueue.TypedRateLimitingInterface[string]
	loop       *workLoop
	now        func() time.Time
}

func newDaemonSetController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *daemonSetController {
	setInformer := factory.Apps().V1().DaemonSets()
	nodeInformer := factory.Core().V1().Nodes()
	revInformer := factory.Apps().V1().ControllerRevisions()
	podInformer := factory.Core().V1().Pods()
	addControllerUIDIndex(podInformer.Informer())
	c := &daemonSetController{
		client: client, setLister: setInformer.Lister(), nodeLister: nodeInformer.Lister(),
		revLister: revInformer.Lister(), podIndexer: podInformer.Informer().GetIndexer(),
		exp: newExpectations(nil), queue: newQueue("daemonset"), now: time.Now,
	}
	setInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.queue.Add(keyOf(obj)) },
		UpdateFunc: func(_, cur any) { c.queue.Add(keyOf(cur)) },
		DeleteFunc: func(obj any) {
			if key := keyOf(obj); key != "" {
				c.exp.forget(key)
			}
		},
	})
	// Any node change may change which nodes want a pod: every set looks again.
	nodeEvent := func(any) {
		sets, err := c.setLister.List(labels.Everything())
		if err != nil {
			return
		}
		for _, s := range sets {
			c.queue.Add(keyOf(s))
		}
	}
	nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: nodeEvent,
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			if ok1 && ok2 && equality.Semantic.DeepEqual(o.Labels, n.Labels) && equality.Semantic.DeepEqual(o.Spec.Taints, n.Spec.Taints) {
				return // heartbeats
			}
			nodeEvent(cur)
		},
		DeleteFunc: nodeEvent,
	})
	podEvent := func(obj any, created, deleted bool) {
		pod, ok := podOf(obj)
		if !ok {
			return
		}
		ref := metav1.GetControllerOf(pod)
		if ref == nil || ref.Kind != daemonSetKind.Kind || ref.APIVersion != appsv1.SchemeGroupVersion.String() {
			return
		}
		key := pod.Namespace + "/" + ref.Name
		if created {
			c.exp.creationObserved(key)
		}
		if deleted || pod.DeletionTimestamp != nil {
			c.exp.deletionObserved(key, keyOf(pod))
		}
		c.queue.Add(key)
	}
	podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { podEvent(obj, true, false) },
		UpdateFunc: func(_, cur any) { podEvent(cur, false, false) },
		DeleteFunc: func(obj any) { podEvent(obj, false, true) },
	})
	c.loop = &workLoop{
		queue: c.queue, sync: c.sync, log: log,
		synced: []cache.InformerSynced{setInformer.Informer().HasSynced, nodeInformer.Informer().HasSynced,
			revInformer.Informer().HasSynced, podInformer.Informer().HasSynced},
	}
	return c
}

func (c *daemonSetController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

func (c *daemonSetController) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	ds, err := c.setLister.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.forget(key)
		return nil
	}
	if err != nil || ds.DeletionTimestamp != nil {
		return err
	}
	hash := computeHash(&ds.Spec.Template, ds.Status.CollisionCount)
	if err := c.syncHistory(ctx, ds, hash); err != nil {
		return err
	}
	nodes, err := c.nodeLister.List(labels.Everything())
	if err != nil {
		return err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	byNode, err := c.podsByNode(ds)
	if err != nil {
		return err
	}
	if c.exp.satisfied(key) {
		if err := c.manage(ctx, key, ds, nodes, byNode, hash); err != nil {
			return err
		}
	}
	return c.updateStatus(ctx, ds, nodes, byNode, hash)
}

// podsByNode groups the set's pods by the node they run on or are meant for, oldest first.
func (c *daemonSetController) podsByNode(ds *appsv1.DaemonSet) (map[string][]*corev1.Pod, error) {
	objs, err := c.podIndexer.ByIndex(controllerUIDIndex, string(ds.UID))
	if err != nil {
		return nil, err
	}
	out := map[string][]*corev1.Pod{}
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			continue
		}
		out[daemonPodNode(pod)] = append(out[daemonPodNode(pod)], pod)
	}
	for _, pods := range out {
		sort.Slice(pods, func(i, j int) bool {
			a, b := pods[i].CreationTimestamp, pods[j].CreationTimestamp
			if a.Equal(&b) {
				return pods[i].Name < pods[j].Name
			}
			return a.Before(&b)
		})
	}
	return out, nil
}

// daemonPodNode is the node of a daemon pod: spec.nodeName, or before it is bound, the node
// its required affinity names with matchFields metadata.name (upstream's GetTargetNodeName).
func daemonPodNode(pod *corev1.Pod) string {
	if pod.Spec.NodeName != "" {
		return pod.Spec.NodeName
	}
	return affinityNodeName(pod)
}

// affinityNodeName is the single node a pod's required node affinity names through
// matchFields metadata.name In [node], or "".
func affinityNodeName(pod *corev1.Pod) string {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, r := range term.MatchFields {
			if r.Key == metav1.ObjectNameField && r.Operator == corev1.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
	}
	return ""
}

// shouldRun reports whether the set wants a pod on node: its node selector and required node
// affinity match the node, and its tolerations (with the daemon tolerations upstream adds)
// tolerate the node's NoSchedule and NoExecute taints.
func shouldRunDaemonPod(ds *appsv1.DaemonSet, node *corev1.Node) bool {
	spec := &ds.Spec.Template.Spec
	if !labels.SelectorFromSet(spec.NodeSelector).Matches(labels.Set(node.Labels)) {
		return false
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		if !nodeSelectorMatches(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution, node) {
			return false
		}
	}
	tolerations := daemonPodTolerations(spec)
	for i := range node.Spec.Taints {
		taint := &node.Spec.Taints[i]
		if taint.Effect != corev1.TaintEffectNoSchedule && taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		tolerated := false
		for j := range tolerations {
			if tolerations[j].ToleratesTaint(klog.Background(), taint, false) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return false
		}
	}
	return true
}

// nodeSelectorMatches evaluates a required node selector: its terms are ORed, a term's
// requirements ANDed; a term without requirements matches nothing, as upstream.
func nodeSelectorMatches(sel *corev1.NodeSelector, node *corev1.Node) bool {
	for _, term := range sel.NodeSelectorTerms {
		if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
			continue
		}
		if ok := requirementsMatch(term.MatchExpressions, labels.Set(node.Labels)) &&
			requirementsMatch(term.MatchFields, labels.Set{metav1.ObjectNameField: node.Name}); ok {
			return true
		}
	}
	return false
}

func requirementsMatch(reqs []corev1.NodeSelectorRequirement, set labels.Set) bool {
	ops := map[corev1.NodeSelectorOperator]selection.Operator{
		corev1.NodeSelectorOpIn: selection.In, corev1.NodeSelectorOpNotIn: selection.NotIn,
		corev1.NodeSelectorOpExists: selection.Exists, corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
		corev1.NodeSelectorOpGt: selection.GreaterThan, corev1.NodeSelectorOpLt: selection.LessThan,
	}
	for _, r := range reqs {
		op, ok := ops[r.Operator]
		if !ok {
			return false
		}
		req, err := labels.NewRequirement(r.Key, op, r.Values)
		if err != nil || !req.Matches(set) {
			return false
		}
	}
	return true
}

// daemonPodTolerations are the pod spec's tolerations plus those upstream gives every daemon
// pod (AddOrUpdateDaemonPodTolerations), so that node problems do not evict or keep it out.
func daemonPodTolerations(spec *corev1.PodSpec) []corev1.Toleration {
	out := append([]corev1.Toleration(nil), spec.Tolerations...)
	add := func(key string, effect corev1.TaintEffect) {
		t := corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect}
		for i := range out {
			if out[i].Key == key && out[i].Effect == effect {
				out[i] = t
				return
			}
		}
		out = append(out, t)
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
	return out
}

// templateGeneration is the set's deprecated.daemonset.template.generation annotation, or nil.
func templateGeneration(ds *appsv1.DaemonSet) *int64 {
	v, ok := ds.Annotations[daemonSetTemplateGenerationAnnotation]
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// isDaemonPodUpdated reports whether a pod runs the set's current template: its hash label
// or, for pods of old controllers, its template generation label says so (as upstream).
func isDaemonPodUpdated(ds *appsv1.DaemonSet, pod *corev1.Pod, hash string) bool {
	if g := templateGeneration(ds); g != nil && pod.Labels[daemonSetTemplateGenerationLabel] == strconv.FormatInt(*g, 10) {
		return true
	}
	return pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash
}

// manage creates the pods nodes miss, deletes those of nodes that do not want one (or are
// gone) and the duplicates, failed pods and, in a rolling update, the pods of old revisions.
func (c *daemonSetController) manage(ctx context.Context, key string, ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) error {
	var create []string
	var remove []*corev1.Pod
	surge := daemonMaxSurge(ds, 1) > 0
	known := map[string]bool{}
	for _, node := range nodes {
		known[node.Name] = true
		pods := byNode[node.Name]
		if !shouldRunDaemonPod(ds, node) {
			remove = append(remove, pods...)
			continue
		}
		var running []*corev1.Pod
		for _, p := range pods {
			if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
				remove = append(remove, p) // upstream deletes finished daemon pods and makes new ones
				continue
			}
			running = append(running, p)
		}
		switch {
		case len(running) == 0:
			create = append(create, node.Name)
		case len(running) > 1 && surge:
			remove = append(remove, c.surgeExcess(ds, running, hash)...)
		case len(running) > 1:
			remove = append(remove, running[1:]...) // keep the oldest
		}
	}
	// Pods of nodes that no longer exist are removed at once, as the pod garbage collector
	// does: no kubelet will finish a graceful deletion there (one begun earlier included).
	var gone []*corev1.Pod
	objs, err := c.podIndexer.ByIndex(controllerUIDIndex, string(ds.UID))
	if err != nil {
		return err
	}
	for _, o := range objs {
		p := o.(*corev1.Pod)
		if !known[daemonPodNode(p)] && (p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 0) {
			gone = append(gone, p)
		}
	}
	if len(create) == 0 && len(remove) == 0 && len(gone) == 0 && ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if surge {
			remove, create = c.surgeUpdate(ds, nodes, byNode, hash)
		} else {
			remove = c.rollingUpdateVictims(ds, nodes, byNode, hash)
		}
	}
	if len(create) == 0 && len(remove) == 0 && len(gone) == 0 {
		return nil
	}

	var deleting []string
	for _, p := range append(append([]*corev1.Pod(nil), remove...), gone...) {
		deleting = append(deleting, keyOf(p))
	}
	c.exp.expect(key, len(create), deleting)
	for _, p := range remove {
		if err := c.deletePod(ctx, p, nil); err != nil {
			c.exp.deletionObserved(key, keyOf(p))
			return err
		}
	}
	zero := int64(0)
	for _, p := range gone {
		if err := c.deletePod(ctx, p, &zero); err != nil {
			c.exp.deletionObserved(key, keyOf(p))
			return err
		}
	}
	if len(create) == 0 {
		return nil
	}
	if err := stillLive(ctx, ds, func(ctx context.Context) (metav1.Object, error) {
		return c.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
	}); err != nil {
		for range create {
			c.exp.creationObserved(key) // never sent
		}
		if errors.Is(err, errOwnerGone) {
			return nil
		}
		return err
	}
	for i, node := range create {
		if err := c.createPod(ctx, ds, node, hash); err != nil {
			for range create[i:] {
				c.exp.creationObserved(key) // never sent
			}
			return err
		}
	}
	return nil
}

// rollingUpdateVictims picks the pods of old revisions to delete now: those that are not
// available anyway, then available ones while fewer than maxUnavailable of the nodes that
// want a pod lack an available one.
func (c *daemonSetController) rollingUpdateVictims(ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) []*corev1.Pod {
	now := c.now()
	desired := 0
	unavailable := 0
	var oldAvailable, victims []*corev1.Pod
	for _, node := range nodes {
		if !shouldRunDaemonPod(ds, node) {
			continue
		}
		desired++
		pods := byNode[node.Name]
		if len(pods) == 0 {
			unavailable++
			continue
		}
		p := pods[0]
		available := isPodAvailable(p, ds.Spec.MinReadySeconds, now)
		if !available {
			unavailable++
		}
		if isDaemonPodUpdated(ds, p, hash) {
			continue
		}
		if available {
			oldAvailable = append(oldAvailable, p)
		} else {
			victims = append(victims, p)
		}
	}
	maxUnavailable := 1
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
		if err == nil {
			maxUnavailable = n
		}
		if maxUnavailable == 0 {
			maxUnavailable = 1 // a surge is not implemented: replace one at a time instead
		}
	}
	for _, p := range oldAvailable {
		if unavailable >= maxUnavailable {
			break
		}
		victims = append(victims, p)
		unavailable++
	}
	return victims
}

// daemonMaxSurge is the set's rollingUpdate.maxSurge scaled to desired nodes (rounded up), 0 for
// none or for OnDelete.
func daemonMaxSurge(ds *appsv1.DaemonSet, desired int) int {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
	if err != nil {
		return 0
	}
	return n
}

// surgeExcess are the pods a node running several must lose when the set surges (upstream's
// podsShouldBeOnNode): all but the oldest updated and the oldest old pod, and of those two
// the old one once it is not ready or the updated one is available.
func (c *daemonSetController) surgeExcess(ds *appsv1.DaemonSet, running []*corev1.Pod, hash string) []*corev1.Pod {
	var newest, oldest *corev1.Pod // the oldest updated pod, the oldest old pod
	var out []*corev1.Pod
	for _, p := range running {
		switch {
		case isDaemonPodUpdated(ds, p, hash) && newest == nil:
			newest = p
		case !isDaemonPodUpdated(ds, p, hash) && oldest == nil:
			oldest = p
		default:
			out = append(out, p)
		}
	}
	if newest != nil && oldest != nil && (!isPodReady(oldest) || isPodAvailable(newest, ds.Spec.MinReadySeconds, c.now())) {
		out = append(out, oldest)
	}
	return out
}

// surgeUpdate is upstream's rolling update with maxSurge: a node whose old pod is not
// available gets its new pod at once; others get one beside the old pod, at most maxSurge
// nodes at a time; an old pod goes once the new one beside it is available.
func (c *daemonSetController) surgeUpdate(ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) ([]*corev1.Pod, []string) {
	now := c.now()
	var remove []*corev1.Pod
	var create, candidates []string
	desired, surging := 0, 0
	for _, node := range nodes {
		if shouldRunDaemonPod(ds, node) {
			desired++
		}
	}
	limit := daemonMaxSurge(ds, desired)
	for _, node := range nodes {
		if !shouldRunDaemonPod(ds, node) {
			continue
		}
		var newPod, oldPod *corev1.Pod
		several := false
		for _, p := range byNode[node.Name] {
			if isDaemonPodUpdated(ds, p, hash) {
				several = several || newPod != nil
				newPod = p
			} else {
				several = several || oldPod != nil
				oldPod = p
			}
		}
		switch {
		case several:
			surging++ // manage prunes it first
		case oldPod == nil:
		case newPod == nil && !isPodAvailable(oldPod, ds.Spec.MinReadySeconds, now):
			create = append(create, node.Name)
		case newPod == nil:
			if surging < limit {
				candidates = append(candidates, node.Name)
			}
		case !isPodAvailable(newPod, ds.Spec.MinReadySeconds, now):
			surging++
		default:
			remove = append(remove, oldPod)
		}
	}
	room := min(max(limit-surging, 0), len(candidates))
	return remove, append(create, candidates[:room]...)
}

func (c *daemonSetController) createPod(ctx context.Context, ds *appsv1.DaemonSet, nodeName, hash string) error {
	tmpl := ds.Spec.Template.DeepCopy()
	tmpl.Labels = cloneMap(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	if g := templateGeneration(ds); g != nil {
		tmpl.Labels[daemonSetTemplateGenerationLabel] = strconv.FormatInt(*g, 10)
	}
	tmpl.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
	tmpl.Spec.Tolerations = daemonPodTolerations(&tmpl.Spec)
	pod := podFromTemplate(tmpl, ds, metav1.NewControllerRef(ds, daemonSetKind))
	pod.Spec.Affinity = withNodeNameAffinity(pod.Spec.Affinity, nodeName)
	_, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{FieldManager: controllerManagerName})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// withNodeNameAffinity replaces the required node affinity's terms with one that selects
// the node by name (upstream's ReplaceDaemonSetPodNodeNameNodeAffinity).
func withNodeNameAffinity(a *corev1.Affinity, nodeName string) *corev1.Affinity {
	sel := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{
		Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{nodeName},
	}}}}}
	if a == nil {
		a = &corev1.Affinity{}
	}
	if a.NodeAffinity == nil {
		a.NodeAffinity = &corev1.NodeAffinity{}
	}
	a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = sel
	return a
}

func (c *daemonSetController) deletePod(ctx context.Context, p *corev1.Pod, grace *int64) error {
	uid := p.UID
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		GracePeriodSeconds: grace, Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// daemonSetPatch is upstream's getPatch: a strategic merge patch that puts the set's template
// back, the data of its ControllerRevisions (kubectl rollout undo applies it).
func daemonSetPatch(ds *appsv1.DaemonSet) ([]byte, error) {
	raw, err := json.Marshal(ds)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	tmpl := obj["spec"].(map[string]any)["template"].(map[string]any)
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// syncHistory makes sure the current template has a ControllerRevision "<set>-<hash>" with the
// highest revision number (a rollback renumbers the old one, as upstream), and deletes the
// oldest revisions beyond spec.revisionHistoryLimit that no pod runs.
func (c *daemonSetController) syncHistory(ctx context.Context, ds *appsv1.DaemonSet, hash string) error {
	all, err := c.revLister.ControllerRevisions(ds.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	var owned []*appsv1.ControllerRevision
	for _, r := range all {
		if ref := metav1.GetControllerOf(r); ref != nil && ref.UID == ds.UID {
			owned = append(owned, r)
		}
	}
	patch, err := daemonSetPatch(ds)
	if err != nil {
		return err
	}
	var max int64
	var cur *appsv1.ControllerRevision
	var old []*appsv1.ControllerRevision
	for _, r := range owned {
		max = maxInt64(max, r.Revision)
		if r.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash || string(r.Data.Raw) == string(patch) {
			cur = r
		} else {
			old = append(old, r)
		}
	}
	revisions := c.client.AppsV1().ControllerRevisions(ds.Namespace)
	switch {
	case cur == nil:
		labels := cloneMap(ds.Spec.Template.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
		rev := &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{
				Name: ds.Name + "-" + hash, Namespace: ds.Namespace, Labels: labels, Annotations: cloneMap(ds.Annotations),
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ds, daemonSetKind)},
			},
			Data:     runtime.RawExtension{Raw: patch},
			Revision: max + 1,
		}
		if _, err := revisions.Create(ctx, rev, metav1.CreateOptions{FieldManager: controllerManagerName}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create controller revision %s: %w", rev.Name, err)
		}
	case cur.Revision < max:
		next := cur.DeepCopy()
		next.Revision = max + 1
		if _, err := revisions.Update(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName}); err != nil {
			return err
		}
	}

	limit := 10
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	if len(old) <= limit {
		return nil
	}
	live := map[string]bool{}
	objs, err := c.podIndexer.ByIndex(controllerUIDIndex, string(ds.UID))
	if err != nil {
		return err
	}
	for _, o := range objs {
		live[o.(*corev1.Pod).Labels[appsv1.DefaultDaemonSetUniqueLabelKey]] = true
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Revision < old[j].Revision })
	excess := len(old) - limit
	for _, r := range old {
		if excess == 0 {
			break
		}
		if live[r.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]] {
			continue
		}
		if err := revisions.Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		excess--
	}
	return nil
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func (c *daemonSetController) updateStatus(ctx context.Context, ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) error {
	now := c.now()
	st := ds.Status.DeepCopy()
	var desired, current, misscheduled, ready, available, updated int32
	for _, node := range nodes {
		pods := byNode[node.Name]
		run := shouldRunDaemonPod(ds, node)
		switch {
		case run && len(pods) > 0:
			current++
			p := pods[0]
			if isPodReady(p) {
				ready++
				if isPodAvailable(p, ds.Spec.MinReadySeconds, now) {
					available++
				}
			}
			if isDaemonPodUpdated(ds, p, hash) {
				updated++
			}
		case !run && len(pods) > 0:
			misscheduled++
		}
		if run {
			desired++
		}
	}
	st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberMisscheduled = desired, current, misscheduled
	st.NumberReady, st.NumberAvailable, st.UpdatedNumberScheduled = ready, available, updated
	st.NumberUnavailable = desired - available
	st.ObservedGeneration = ds.Generation
	if equality.Semantic.DeepEqual(st, &ds.Status) {
		return nil
	}
	next := ds.DeepCopy()
	next.Status = *st
	_, err := c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{FieldManager: controllerManagerName})
	if err == nil && ds.Spec.MinReadySeconds > 0 && ready > available {
		c.queue.AddAfter(keyOf(ds), time.Second) // look again when more pods become available
	}
	return err
}
