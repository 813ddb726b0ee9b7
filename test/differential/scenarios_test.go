package differential

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

// scenario is one sequence of requests. run records what it sees in r; it works in
// namespace ns, created (with a default ServiceAccount on kube-apiserver) before it runs,
// and in namespaces named ns+"-<suffix>" it creates itself.
type scenario struct {
	name string
	run  func(ctx context.Context, s *server, ns string, r *record)
}

// scenarios are run in this order, each against both servers.
var scenarios = []scenario{
	{"create", scenarioCreate},
	{"get", scenarioGet},
	{"list-selectors", scenarioListSelectors},
	{"list-pagination", scenarioListPagination},
	{"watch", scenarioWatch},
	{"patch", scenarioPatch},
	{"apply", scenarioApply},
	{"scale", scenarioScale},
	{"update", scenarioUpdate},
	{"already-exists", scenarioAlreadyExists},
	{"invalid", scenarioInvalid},
	{"delete", scenarioDelete},
	{"missing-namespace", scenarioMissingNamespace},
	{"auth", scenarioAuth},
	{"identity", scenarioIdentity},
	{"field-validation", scenarioFieldValidation},
	{"field-selector", scenarioFieldSelector},
	{"namespace-delete", scenarioNamespaceDelete},
	{"future-resource-version", scenarioFutureResourceVersion},
	{"kinds-crud", scenarioKindsCRUD},
	{"kinds-invalid", scenarioKindsInvalid},
	{"kinds-watch", scenarioKindsWatch},
	{"kinds-scale", scenarioKindsScale},
	{"kinds-views", scenarioKindsViews},
	{"paths", scenarioPaths},
	{"pod-log", scenarioPodLog},
	{"aggregation", scenarioAggregation},
	{"crd", scenarioCRD},
	{"crd-watch", scenarioCRDWatch},
	{"crd-versions", scenarioCRDVersions},
	{"crd-delete", scenarioCRDDelete},
	{"crd-cluster", scenarioCRDCluster},
}

// ---- objects ----

const image = "registry.example/app:1"

func deployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": "sheetops"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			},
		},
	}
}

func pod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

func podsPath(ns string) string    { return "/api/v1/namespaces/" + ns + "/pods" }
func deploysPath(ns string) string { return "/apis/apps/v1/namespaces/" + ns + "/deployments" }

const (
	ctJSONPatch  = "application/json-patch+json"
	ctMergePatch = "application/merge-patch+json"
	ctStrategic  = "application/strategic-merge-patch+json"
	ctApply      = "application/apply-patch+yaml"
)

// must creates an object with the typed client, recording only a failure (under step).
func (r *record) must(step string, err error) {
	if err != nil {
		r.typed(step, nil, err)
	}
}

// ---- scenarios ----

func scenarioCreate(ctx context.Context, s *server, ns string, r *record) {
	res := call(ctx, s.rc, "POST", deploysPath(ns), nil, "", deployment("web", 2))
	r.resp("post-deployment", res, "apiVersion", "metadata.name", "metadata.namespace",
		"metadata.generation", "metadata.uid", "metadata.resourceVersion", "metadata.creationTimestamp",
		"metadata.labels", "metadata.annotations", "spec", "status")

	// The typed client sends protobuf.
	d, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("typed", 1), metav1.CreateOptions{})
	r.typed("typed-create", d, err, "metadata.name", "metadata.generation", "spec.replicas",
		"spec.strategy", "spec.template.spec.containers.0.imagePullPolicy")

	p := pod("", map[string]string{"app": "gen"})
	p.GenerateName = "gen-"
	res = call(ctx, s.rc, "POST", podsPath(ns), nil, "", p)
	r.resp("post-pod", res, "metadata.generateName", "metadata.generation",
		"spec.restartPolicy", "spec.dnsPolicy", "spec.schedulerName", "spec.terminationGracePeriodSeconds",
		"spec.enableServiceLinks", "spec.priority", "spec.preemptionPolicy", "spec.securityContext",
		"spec.tolerations", "spec.serviceAccountName", "spec.serviceAccount", "spec.volumes",
		"spec.nodeName", "spec.containers.0.volumeMounts", "spec.containers.0.imagePullPolicy",
		"spec.containers.0.terminationMessagePath", "spec.containers.0.terminationMessagePolicy",
		"spec.containers.0.resources", "status")
	name, _ := lookup(res.obj, "metadata.name").(string)
	r.set("post-pod.name-is-generated", regexp.MustCompile(`^gen-[a-z0-9]{5}$`).MatchString(name))

	res = call(ctx, s.rc, "POST", "/api/v1/namespaces", nil, "", &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: ns + "-extra"}})
	r.resp("post-namespace", res, "metadata.name", "metadata.labels", "spec", "status")

	other := deployment("other-ns", 1)
	other.Namespace = "elsewhere"
	r.resp("namespace-mismatch", call(ctx, s.rc, "POST", deploysPath(ns), nil, "", other))

	r.resp("kind-mismatch", call(ctx, s.rc, "POST", deploysPath(ns), nil, "", pod("a-pod", nil)))

	r.resp("no-name", call(ctx, s.rc, "POST", deploysPath(ns), nil, "", deployment("", 1)))

	r.resp("not-json", call(ctx, s.rc, "POST", deploysPath(ns), nil, "", "{not json"))
}

func scenarioGet(ctx context.Context, s *server, ns string, r *record) {
	_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("web", 2), metav1.CreateOptions{})
	r.must("setup", err)

	r.resp("get", call(ctx, s.rc, "GET", deploysPath(ns)+"/web", nil, "", nil),
		"apiVersion", "metadata.name", "metadata.namespace", "metadata.generation", "spec.replicas",
		"metadata.managedFields")

	d, err := s.cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	r.typed("typed-get", d, err, "metadata.name", "spec.replicas")

	r.resp("missing", call(ctx, s.rc, "GET", deploysPath(ns)+"/nope", nil, "", nil))
	r.resp("missing-pod", call(ctx, s.rc, "GET", podsPath(ns)+"/nope", nil, "", nil))
	r.resp("missing-namespace", call(ctx, s.rc, "GET", podsPath("no-such-namespace")+"/nope", nil, "", nil))
	r.resp("unknown-resource", call(ctx, s.rc, "GET", "/api/v1/namespaces/"+ns+"/widgets/x", nil, "", nil))
	r.resp("unknown-group", call(ctx, s.rc, "GET", "/apis/example.com/v1/namespaces/"+ns+"/widgets", nil, "", nil))
	r.resp("namespace", call(ctx, s.rc, "GET", "/api/v1/namespaces/"+ns, nil, "", nil), "metadata.name", "spec", "status")
	for _, n := range []string{"default", "kube-system"} {
		r.resp("namespace-"+n, call(ctx, s.rc, "GET", "/api/v1/namespaces/"+n, nil, "", nil), "status.phase")
	}
	r.resp("post-to-name", call(ctx, s.rc, "POST", deploysPath(ns)+"/web", nil, "", deployment("web", 1)))
}

func scenarioListSelectors(ctx context.Context, s *server, ns string, r *record) {
	for _, p := range []struct {
		name   string
		labels map[string]string
	}{
		{"p1", map[string]string{"app": "a", "tier": "web"}},
		{"p2", map[string]string{"app": "a", "tier": "db"}},
		{"p3", map[string]string{"app": "b", "tier": "web"}},
		{"p4", map[string]string{"app": "c"}},
		{"p5", nil},
	} {
		labels := map[string]string{"suite": ns}
		for k, v := range p.labels {
			labels[k] = v
		}
		_, err := s.cs.CoreV1().Pods(ns).Create(ctx, pod(p.name, labels), metav1.CreateOptions{})
		r.must("setup-"+p.name, err)
	}
	for _, sel := range []string{
		"app=a", "app==b", "app!=a", "app in (a,b)", "app notin (a)", "!app", "app",
		"tier!=web", "app=a,tier=db", "app,!tier", "app=zzz",
	} {
		res := call(ctx, s.rc, "GET", podsPath(ns), q("labelSelector", sel), "", nil)
		step := "select " + sel
		r.resp(step, res, "apiVersion")
		r.set(step+".names", names(res.obj))
		r.set(step+".resourceVersion-set", lookup(res.obj, "metadata.resourceVersion") != nil)
	}
	// Across namespaces: only this scenario's pods carry suite=<ns>.
	res := call(ctx, s.rc, "GET", "/api/v1/pods", q("labelSelector", "suite="+ns+",app=a"), "", nil)
	r.resp("all-namespaces", res)
	var nsNames []string
	items, _ := lookup(res.obj, "items").([]any)
	for _, it := range items {
		nsNames = append(nsNames, fmt.Sprintf("%v/%v", lookup(it, "metadata.namespace"), lookup(it, "metadata.name")))
	}
	r.set("all-namespaces.items", nsNames)

	r.resp("bad-selector", call(ctx, s.rc, "GET", podsPath(ns), q("labelSelector", "app in ("), "", nil))
	r.resp("bad-selector-value", call(ctx, s.rc, "GET", podsPath(ns), q("labelSelector", "app=a b"), "", nil))

	res = call(ctx, s.rc, "GET", deploysPath(ns), nil, "", nil)
	r.resp("empty-list", res, "apiVersion", "items")

	pods, err := s.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "tier in (web)"})
	if err != nil {
		r.typed("typed-list", nil, err)
	} else {
		r.set("typed-list.names", podNames(pods.Items))
	}
}

func podNames(pods []corev1.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func scenarioListPagination(ctx context.Context, s *server, ns string, r *record) {
	for i := range 7 {
		labels := map[string]string{"even": fmt.Sprint(i%2 == 0)}
		_, err := s.cs.CoreV1().Pods(ns).Create(ctx, pod(fmt.Sprintf("p%d", i), labels), metav1.CreateOptions{})
		r.must(fmt.Sprintf("setup-p%d", i), err)
	}
	page := func(step string, query map[string]string) string {
		v := q()
		for k, val := range query {
			v.Set(k, val)
		}
		res := call(ctx, s.rc, "GET", podsPath(ns), v, "", nil)
		r.resp(step, res, "metadata.remainingItemCount")
		r.set(step+".names", names(res.obj))
		cont, _ := lookup(res.obj, "metadata.continue").(string)
		// The token is opaque and encodes a store revision: only its presence is compared.
		r.set(step+".continue-set", cont != "")
		return cont
	}
	cont := page("page-1", map[string]string{"limit": "3"})
	cont = page("page-2", map[string]string{"limit": "3", "continue": cont})
	page("page-3", map[string]string{"limit": "3", "continue": cont})

	cont = page("selector-page-1", map[string]string{"limit": "2", "labelSelector": "even=true"})
	page("selector-page-2", map[string]string{"limit": "2", "labelSelector": "even=true", "continue": cont})

	page("limit-above-count", map[string]string{"limit": "100"})

	res := call(ctx, s.rc, "GET", podsPath(ns), q("limit", "2", "continue", "not-a-token"), "", nil)
	r.resp("bad-continue", res)

	// Typed client, protobuf list.
	l, err := s.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{Limit: 4})
	if err != nil {
		r.typed("typed-page-1", nil, err)
	} else {
		r.set("typed-page-1.names", podNames(l.Items))
		r.set("typed-page-1.remaining", l.RemainingItemCount)
	}
}

// watchEvents opens a watch on path with query (watch=true and timeoutSeconds=1 added unless
// set) and returns each event as "TYPE Kind name" until the server ends the stream.
func watchEvents(ctx context.Context, rc rest.Interface, path string, query map[string]string, r *record, step string) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req := rc.Get().AbsPath(path)
	if _, ok := query["watch"]; !ok {
		req.Param("watch", "true")
	}
	if _, ok := query["timeoutSeconds"]; !ok {
		req.Param("timeoutSeconds", "1")
	}
	for k, v := range query {
		req.Param(k, v)
	}
	stream, err := req.Stream(ctx)
	if err != nil {
		r.typed(step, nil, err)
		return
	}
	defer stream.Close()
	r.set(step+".code", 200)
	dec := json.NewDecoder(stream)
	events := []string{}
	for {
		var ev struct {
			Type   string         `json:"type"`
			Object map[string]any `json:"object"`
		}
		if err := dec.Decode(&ev); err != nil {
			if err != io.EOF {
				events = append(events, "decode error: "+err.Error())
			}
			break
		}
		line := fmt.Sprintf("%s %v %v", ev.Type, lookup(ev.Object, "apiVersion"), lookup(ev.Object, "kind"))
		switch ev.Type {
		case "ERROR":
			line += fmt.Sprintf(" %v %v", lookup(ev.Object, "code"), lookup(ev.Object, "reason"))
		case "BOOKMARK":
			if a, ok := lookup(ev.Object, "metadata.annotations").(map[string]any); ok {
				line += fmt.Sprintf(" initial-events-end=%v", a["k8s.io/initial-events-end"])
			}
		default:
			line += fmt.Sprintf(" %v labels=%v", lookup(ev.Object, "metadata.name"), format(lookup(ev.Object, "metadata.labels")))
		}
		events = append(events, line)
	}
	r.set(step+".events", events)
}

func scenarioWatch(ctx context.Context, s *server, ns string, r *record) {
	pods := s.cs.CoreV1().Pods(ns)
	w1, err := pods.Create(ctx, pod("w1", map[string]string{"app": "w"}), metav1.CreateOptions{})
	r.must("setup-w1", err)
	if err != nil {
		return
	}
	rv0 := w1.ResourceVersion
	_, err = pods.Patch(ctx, "w1", types.MergePatchType, []byte(`{"metadata":{"labels":{"step":"1"}}}`), metav1.PatchOptions{})
	r.must("setup-patch-w1", err)
	_, err = pods.Create(ctx, pod("w2", map[string]string{"app": "w"}), metav1.CreateOptions{})
	r.must("setup-w2", err)
	r.must("setup-delete-w1", pods.Delete(ctx, "w1", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}))
	_, err = pods.Patch(ctx, "w2", types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"other"}}}`), metav1.PatchOptions{})
	r.must("setup-patch-w2", err)

	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"resourceVersion": rv0}, r, "from-rv")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"resourceVersion": rv0, "labelSelector": "app=w"}, r, "from-rv-selector")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"resourceVersion": rv0, "fieldSelector": "metadata.name=w2"}, r, "from-rv-name")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{}, r, "no-rv")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"resourceVersion": "0"}, r, "rv-0")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"watch": "1"}, r, "watch-1")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"resourceVersion": "1"}, r, "too-old")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{
		"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true",
	}, r, "initial-events")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"sendInitialEvents": "true"}, r, "initial-events-invalid")
	watchEvents(ctx, s.rc, podsPath(ns), map[string]string{"fieldSelector": "spec.restartPolicy=Always"}, r, "bad-field-selector")
}

func scenarioPatch(ctx context.Context, s *server, ns string, r *record) {
	d := deployment("p", 1)
	d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "side", Image: "registry.example/side:1"})
	_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	r.must("setup", err)
	path := deploysPath(ns) + "/p"
	containers := func(res response) []string {
		cs, _ := lookup(res.obj, "spec.template.spec.containers").([]any)
		out := []string{}
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%v=%v", lookup(c, "name"), lookup(c, "image")))
		}
		return out
	}
	patch := func(step, ct, body string, fields ...string) response {
		res := call(ctx, s.rc, "PATCH", path, nil, ct, body)
		r.resp(step, res, fields...)
		if lookup(res.obj, "kind") == "Deployment" {
			r.set(step+".containers", containers(res))
		}
		return res
	}

	patch("strategic", ctStrategic, `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example/app:2"}]}}}}`, "metadata.generation")
	patch("strategic-delete", ctStrategic, `{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}`, "metadata.generation")
	patch("strategic-order", ctStrategic, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"side2"},{"name":"app"}],"containers":[{"name":"side2","image":"registry.example/side:2"}]}}}}`)
	patch("strategic-retain-keys", ctStrategic, `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`, "spec.strategy")
	patch("merge", ctMergePatch, `{"metadata":{"labels":{"x":"1","team":null}}}`, "metadata.labels", "metadata.generation")
	patch("merge-list", ctMergePatch, `{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"registry.example/only:1"}]}}}}`)
	patch("json", ctJSONPatch, `[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/annotations","value":{"a":"b"}}]`, "spec.replicas", "metadata.annotations")
	patch("json-test-fails", ctJSONPatch, `[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":4}]`)
	patch("json-test-passes", ctJSONPatch, `[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":4}]`, "spec.replicas")
	patch("json-bad-path", ctJSONPatch, `[{"op":"remove","path":"/spec/nothing"}]`)
	patch("json-not-array", ctJSONPatch, `{"op":"remove"}`)
	patch("merge-invalid-result", ctMergePatch, `{"spec":{"replicas":-2}}`)
	patch("stale-rv", ctMergePatch, `{"metadata":{"resourceVersion":"1"},"spec":{"replicas":2}}`)
	patch("unsupported-type", "application/x-unknown", `{}`)
	r.resp("missing", call(ctx, s.rc, "PATCH", deploysPath(ns)+"/nope", nil, ctStrategic, `{"spec":{"replicas":1}}`))
	r.resp("merge-missing", call(ctx, s.rc, "PATCH", deploysPath(ns)+"/nope", nil, ctMergePatch, `{"spec":{"replicas":1}}`))

	// Typed client patch (the body is the patch; the response is protobuf upstream).
	got, err := s.cs.AppsV1().Deployments(ns).Patch(ctx, "p", types.StrategicMergePatchType, []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{})
	r.typed("typed-strategic", got, err, "spec.replicas", "metadata.generation")
}

func scenarioApply(ctx context.Context, s *server, ns string, r *record) {
	path := deploysPath(ns) + "/ssa"
	manifest := func(replicas int) string {
		return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels:
    owner: a
spec:
  replicas: %d
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: app
        image: %s
`, replicas, image)
	}
	managers := func(res response) []string {
		mf, _ := lookup(res.obj, "metadata.managedFields").([]any)
		out := []string{}
		for _, m := range mf {
			out = append(out, fmt.Sprintf("%v/%v", lookup(m, "manager"), lookup(m, "operation")))
		}
		// Entries are ordered by operation, time (to the second), then manager: writes in
		// the same second on one server and not on the other come in either order.
		slices.Sort(out)
		return out
	}
	apply := func(step, manager string, force bool, body string, fields ...string) {
		v := q()
		if manager != "" {
			v.Set("fieldManager", manager)
		}
		if force {
			v.Set("force", "true")
		}
		res := call(ctx, s.rc, "PATCH", path, v, ctApply, body)
		r.resp(step, res, fields...)
		if lookup(res.obj, "kind") == "Deployment" {
			r.set(step+".managers", managers(res))
		}
	}
	apply("create", "mgr-a", false, manifest(2), "spec.replicas", "metadata.generation", "metadata.labels",
		"metadata.managedFields.0.fieldsV1")
	apply("same-again", "mgr-a", false, manifest(2), "metadata.generation")
	apply("conflict", "mgr-b", false, manifest(3))
	apply("force", "mgr-b", true, manifest(3), "spec.replicas")
	apply("no-field-manager", "", false, manifest(3))
	apply("not-yaml", "mgr-a", false, "spec: [", "spec.replicas")
	apply("wrong-name", "mgr-a", false, strings.Replace(manifest(3), "name: ssa", "name: other", 1))

	// An update by another manager, then the first one drops a field it owned.
	_, err := s.cs.AppsV1().Deployments(ns).Patch(ctx, "ssa", types.MergePatchType, []byte(`{"metadata":{"labels":{"edited":"yes"}}}`), metav1.PatchOptions{FieldManager: "editor"})
	r.must("edit", err)
	apply("drop-label", "mgr-a", false, strings.Replace(manifest(3), "    owner: a\n", "", 1), "metadata.labels")
	res := call(ctx, s.rc, "GET", path, nil, "", nil)
	r.set("final.managers", managers(res))
}

func scenarioScale(ctx context.Context, s *server, ns string, r *record) {
	_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("s", 2), metav1.CreateOptions{})
	r.must("setup", err)
	path := deploysPath(ns) + "/s/scale"
	res := call(ctx, s.rc, "GET", path, nil, "", nil)
	r.resp("get", res, "apiVersion", "metadata.name", "metadata.namespace", "spec", "status")

	sc, err := s.cs.AppsV1().Deployments(ns).GetScale(ctx, "s", metav1.GetOptions{})
	r.typed("typed-get", sc, err, "spec.replicas", "status.selector")
	if err == nil {
		stale := sc.DeepCopy()
		sc.Spec.Replicas = 5
		got, err := s.cs.AppsV1().Deployments(ns).UpdateScale(ctx, "s", sc, metav1.UpdateOptions{})
		r.typed("typed-update", got, err, "spec.replicas")
		stale.Spec.Replicas = 6
		got, err = s.cs.AppsV1().Deployments(ns).UpdateScale(ctx, "s", stale, metav1.UpdateOptions{})
		r.typed("typed-update-stale", got, err, "spec.replicas")
	}
	r.resp("deployment-after", call(ctx, s.rc, "GET", deploysPath(ns)+"/s", nil, "", nil), "spec.replicas", "metadata.generation")

	negative := &autoscalingv1.Scale{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: ns},
		Spec:       autoscalingv1.ScaleSpec{Replicas: -1},
	}
	r.resp("put-negative", call(ctx, s.rc, "PUT", path, nil, "", negative))
	r.resp("patch", call(ctx, s.rc, "PATCH", path, nil, ctMergePatch, `{"spec":{"replicas":4}}`), "spec.replicas")
	r.resp("missing", call(ctx, s.rc, "GET", deploysPath(ns)+"/nope/scale", nil, "", nil))
	r.resp("pods-have-no-scale", call(ctx, s.rc, "GET", podsPath(ns)+"/x/scale", nil, "", nil))
}

func scenarioUpdate(ctx context.Context, s *server, ns string, r *record) {
	deps := s.cs.AppsV1().Deployments(ns)
	d, err := deps.Create(ctx, deployment("u", 1), metav1.CreateOptions{})
	r.must("setup", err)
	if err != nil {
		return
	}
	stale := d.DeepCopy()
	d.Spec.Replicas = new(int32(2))
	d, err = deps.Update(ctx, d, metav1.UpdateOptions{})
	r.typed("update", d, err, "spec.replicas", "metadata.generation")

	stale.Spec.Replicas = new(int32(3))
	got, err := deps.Update(ctx, stale, metav1.UpdateOptions{})
	r.typed("update-stale", got, err)

	raw := deployment("u", 4)
	raw.ResourceVersion = stale.ResourceVersion
	r.resp("put-stale", call(ctx, s.rc, "PUT", deploysPath(ns)+"/u", nil, "", raw))

	raw.ResourceVersion = ""
	r.resp("put-unconditional", call(ctx, s.rc, "PUT", deploysPath(ns)+"/u", nil, "", raw), "spec.replicas", "metadata.generation")

	r.resp("put-name-mismatch", call(ctx, s.rc, "PUT", deploysPath(ns)+"/other", nil, "", raw))
	r.resp("put-missing", call(ctx, s.rc, "PUT", deploysPath(ns)+"/nope", nil, "", deployment("nope", 1)))

	// Labels only: generation stays.
	res := call(ctx, s.rc, "PATCH", deploysPath(ns)+"/u", nil, ctMergePatch, `{"metadata":{"labels":{"l":"1"}}}`)
	r.resp("metadata-only", res, "metadata.generation")

	// The status subresource changes status only; the main resource ignores status.
	cur, err := deps.Get(ctx, "u", metav1.GetOptions{})
	r.must("get", err)
	if err != nil {
		return
	}
	cur.Spec.Replicas = new(int32(9))
	cur.Status.Replicas = 7
	cur.Status.ObservedGeneration = 42
	cur.Labels["via"] = "status"
	st, err := deps.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	r.typed("update-status", st, err, "spec.replicas", "status.replicas", "status.observedGeneration", "metadata.generation", "metadata.labels")

	res = call(ctx, s.rc, "PATCH", deploysPath(ns)+"/u", nil, ctMergePatch, `{"spec":{"replicas":5},"status":{"replicas":1}}`)
	r.resp("main-ignores-status", res, "spec.replicas", "status.replicas", "metadata.generation")

	res = call(ctx, s.rc, "PATCH", deploysPath(ns)+"/u/status", nil, ctMergePatch, `{"status":{"readyReplicas":1}}`)
	r.resp("patch-status", res, "status.readyReplicas", "status.replicas", "spec.replicas")

	res = call(ctx, s.rc, "PATCH", deploysPath(ns)+"/u/status", nil, ctMergePatch, `{"status":{"replicas":-1}}`)
	r.resp("patch-status-invalid", res)
}

func scenarioAlreadyExists(ctx context.Context, s *server, ns string, r *record) {
	for i := range 2 {
		step := fmt.Sprintf("deployment-%d", i+1)
		r.resp(step, call(ctx, s.rc, "POST", deploysPath(ns), nil, "", deployment("dup", 1)))
	}
	_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("dup", 1), metav1.CreateOptions{})
	r.typed("typed-deployment", nil, err)
	for i := range 2 {
		r.resp(fmt.Sprintf("pod-%d", i+1), call(ctx, s.rc, "POST", podsPath(ns), nil, "", pod("dup", nil)))
	}
	ns2 := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: ns}}
	r.resp("namespace", call(ctx, s.rc, "POST", "/api/v1/namespaces", nil, "", ns2))
}

func scenarioInvalid(ctx context.Context, s *server, ns string, r *record) {
	post := func(step, path string, obj any) {
		r.resp(step, call(ctx, s.rc, "POST", path, nil, "", obj))
	}
	post("replicas-negative", deploysPath(ns), deployment("neg", -1))

	noImage := pod("no-image", nil)
	noImage.Spec.Containers[0].Image = ""
	post("pod-without-image", podsPath(ns), noImage)

	post("pod-bad-name", podsPath(ns), pod("Bad_Name", nil))
	post("deployment-bad-name", deploysPath(ns), deployment("bad.name.", 1))
	post("name-too-long", podsPath(ns), pod(strings.Repeat("a", 254), nil))

	noContainers := pod("empty", nil)
	noContainers.Spec.Containers = nil
	post("pod-without-containers", podsPath(ns), noContainers)

	twins := pod("twins", nil)
	twins.Spec.Containers = append(twins.Spec.Containers, corev1.Container{Name: "app", Image: image})
	post("duplicate-container", podsPath(ns), twins)

	mismatch := deployment("mismatch", 1)
	mismatch.Spec.Template.Labels = map[string]string{"app": "different"}
	post("selector-mismatch", deploysPath(ns), mismatch)

	noSelector := deployment("nosel", 1)
	noSelector.Spec.Selector = nil
	post("no-selector", deploysPath(ns), noSelector)

	badLabel := pod("bad-label", map[string]string{"-bad": "v"})
	post("bad-label", podsPath(ns), badLabel)

	badPolicy := pod("bad-policy", nil)
	badPolicy.Spec.RestartPolicy = "Sometimes"
	post("bad-restart-policy", podsPath(ns), badPolicy)

	// Typed (protobuf) create of an invalid object.
	_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("typed-neg", -3), metav1.CreateOptions{})
	r.typed("typed-replicas-negative", nil, err)
}

func scenarioDelete(ctx context.Context, s *server, ns string, r *record) {
	pods := s.cs.CoreV1().Pods(ns)
	p, err := pods.Create(ctx, pod("victim", nil), metav1.CreateOptions{})
	r.must("setup", err)
	if err != nil {
		return
	}
	del := func(step, path string, opts *metav1.DeleteOptions, fields ...string) response {
		var body any
		if opts != nil {
			opts.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"}
			body = opts
		}
		res := call(ctx, s.rc, "DELETE", path, nil, "", body)
		r.resp(step, res, fields...)
		return res
	}
	_, err = pods.Patch(ctx, "victim", types.MergePatchType, []byte(`{"metadata":{"labels":{"touched":"yes"}}}`), metav1.PatchOptions{})
	r.must("touch", err)
	stale := p.ResourceVersion
	del("stale-rv", podsPath(ns)+"/victim", &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &stale}})
	wrongUID := types.UID("00000000-0000-0000-0000-000000000000")
	del("wrong-uid", podsPath(ns)+"/victim", &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}})
	uid := p.UID
	del("right-uid", podsPath(ns)+"/victim", &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}},
		"metadata.name", "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds")
	r.resp("after-right-uid", call(ctx, s.rc, "GET", podsPath(ns)+"/victim", nil, "", nil))
	del("missing", podsPath(ns)+"/victim", nil)

	// A finalizer holds a deleted pod until it is removed.
	held := pod("held", nil)
	held.Finalizers = []string{"example.com/hold"}
	_, err = pods.Create(ctx, held, metav1.CreateOptions{})
	r.must("setup-held", err)
	del("held", podsPath(ns)+"/held", nil, "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds", "metadata.finalizers")
	r.resp("held-get", call(ctx, s.rc, "GET", podsPath(ns)+"/held", nil, "", nil), "metadata.deletionTimestamp", "metadata.finalizers")
	r.resp("held-release", call(ctx, s.rc, "PATCH", podsPath(ns)+"/held", nil, ctMergePatch, `{"metadata":{"finalizers":null}}`),
		"metadata.finalizers")
	r.resp("held-gone", call(ctx, s.rc, "GET", podsPath(ns)+"/held", nil, "", nil))

	// Propagation policies on deployments. Neither server runs a garbage collector here, so
	// only the DELETE response is compared: what happens later is the collector's business.
	for _, policy := range []metav1.DeletionPropagation{metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan} {
		name := "prop-" + strings.ToLower(string(policy))
		_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment(name, 1), metav1.CreateOptions{})
		r.must("setup-"+name, err)
		pp := policy
		del(name, deploysPath(ns)+"/"+name, &metav1.DeleteOptions{PropagationPolicy: &pp},
			"metadata.name", "metadata.deletionTimestamp", "metadata.finalizers")
	}
	r.resp("prop-background-gone", call(ctx, s.rc, "GET", deploysPath(ns)+"/prop-background", nil, "", nil))

	_, err = s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("prop-bogus", 1), metav1.CreateOptions{})
	r.must("setup-prop-bogus", err)
	bogus := metav1.DeletionPropagation("Bogus")
	del("prop-bogus", deploysPath(ns)+"/prop-bogus", &metav1.DeleteOptions{PropagationPolicy: &bogus})
	orphanFalse := false
	del("orphan-and-policy", deploysPath(ns)+"/prop-bogus", &metav1.DeleteOptions{OrphanDependents: &orphanFalse, PropagationPolicy: new(metav1.DeletePropagationOrphan)})
	_, err = s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("no-options", 1), metav1.CreateOptions{})
	r.must("setup-no-options", err)
	del("no-options", deploysPath(ns)+"/no-options", nil, "metadata.name")

	// Typed delete of a missing object.
	err = s.cs.AppsV1().Deployments(ns).Delete(ctx, "nope", metav1.DeleteOptions{})
	r.typed("typed-missing", nil, err)
}

func scenarioMissingNamespace(ctx context.Context, s *server, ns string, r *record) {
	missing := ns + "-absent"
	r.resp("pod", call(ctx, s.rc, "POST", podsPath(missing), nil, "", pod("p", nil)))
	r.resp("deployment", call(ctx, s.rc, "POST", deploysPath(missing), nil, "", deployment("d", 1)))
	_, err := s.cs.CoreV1().Pods(missing).Create(ctx, pod("p", nil), metav1.CreateOptions{})
	r.typed("typed-pod", nil, err)
	res := call(ctx, s.rc, "GET", podsPath(missing), nil, "", nil)
	r.resp("list", res)
	r.set("list.names", names(res.obj))
	r.resp("apply", call(ctx, s.rc, "PATCH", deploysPath(missing)+"/d", q("fieldManager", "m"), ctApply,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}`))
}

func scenarioAuth(ctx context.Context, s *server, ns string, r *record) {
	_, err := s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("d", 1), metav1.CreateOptions{})
	r.must("setup", err)
	_, err = s.cs.CoreV1().Pods(ns).Create(ctx, pod("p", nil), metav1.CreateOptions{})
	r.must("setup-pod", err)
	v := s.viewer
	r.resp("viewer-create-pod", call(ctx, v, "POST", podsPath(ns), nil, "", pod("x", nil)))
	r.resp("viewer-delete-pod", call(ctx, v, "DELETE", podsPath(ns)+"/p", nil, "", nil))
	r.resp("viewer-patch-deployment", call(ctx, v, "PATCH", deploysPath(ns)+"/d", nil, ctMergePatch, `{"spec":{"replicas":2}}`))
	r.resp("viewer-update-scale", call(ctx, v, "PUT", deploysPath(ns)+"/d/scale", nil, "", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d","namespace":"`+ns+`"},"spec":{"replicas":2}}`))
	r.resp("viewer-create-namespace", call(ctx, v, "POST", "/api/v1/namespaces", nil, "", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"viewer-ns"}}`))
	r.resp("viewer-delete-namespace", call(ctx, v, "DELETE", "/api/v1/namespaces/"+ns, nil, "", nil))
	r.resp("viewer-delete-collection", call(ctx, v, "DELETE", podsPath(ns), nil, "", nil))
	res := call(ctx, v, "GET", podsPath(ns), nil, "", nil)
	r.resp("viewer-list", res)
	r.set("viewer-list.names", names(res.obj))
	r.resp("viewer-get-scale", call(ctx, v, "GET", deploysPath(ns)+"/d/scale", nil, "", nil), "spec.replicas")
	r.resp("viewer-get-missing", call(ctx, v, "GET", podsPath(ns)+"/nope", nil, "", nil))
	r.resp("no-token", call(ctx, s.anon, "GET", podsPath(ns), nil, "", nil))
	r.resp("bad-token", call(ctx, s.badTok, "GET", podsPath(ns), nil, "", nil))
	r.resp("bad-token-healthz", call(ctx, s.badTok, "GET", "/healthz", nil, "", nil))
}

func scenarioFieldValidation(ctx context.Context, s *server, ns string, r *record) {
	unknown := func(name string) string {
		return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"` + name + `"},"spec":{"foo":1,"replicas":1,` +
			`"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"},"bar":"y"},` +
			`"spec":{"containers":[{"name":"app","image":"` + image + `"}]}}}}`
	}
	for _, mode := range []string{"Strict", "Warn", "Ignore", ""} {
		step := "post-" + mode
		v := q()
		if mode == "" {
			step = "post-default"
		} else {
			v.Set("fieldValidation", mode)
		}
		r.resp(step, call(ctx, s.rc, "POST", deploysPath(ns), v, "", unknown(strings.ToLower(step))), "metadata.name")
	}
	r.resp("post-bogus-mode", call(ctx, s.rc, "POST", deploysPath(ns), q("fieldValidation", "Bogus"), "", unknown("bogus")))
	r.resp("duplicate-field-strict", call(ctx, s.rc, "POST", podsPath(ns), q("fieldValidation", "Strict"), "",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"app","image":"`+image+`"}]}}`))
	r.resp("duplicate-field-warn", call(ctx, s.rc, "POST", podsPath(ns), q("fieldValidation", "Warn"), "",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"c","name":"d"},"spec":{"containers":[{"name":"app","image":"`+image+`"}]}}`), "metadata.name")

	r.resp("merge-patch-strict", call(ctx, s.rc, "PATCH", deploysPath(ns)+"/post-warn", q("fieldValidation", "Strict"), ctMergePatch, `{"spec":{"baz":1}}`))
	r.resp("merge-patch-warn", call(ctx, s.rc, "PATCH", deploysPath(ns)+"/post-warn", q("fieldValidation", "Warn"), ctMergePatch, `{"spec":{"baz":1}}`), "metadata.name")
	r.resp("strategic-patch-strict", call(ctx, s.rc, "PATCH", deploysPath(ns)+"/post-warn", q("fieldValidation", "Strict"), ctStrategic, `{"spec":{"baz":1}}`))
	r.resp("apply-strict", call(ctx, s.rc, "PATCH", deploysPath(ns)+"/post-warn", q("fieldValidation", "Strict", "fieldManager", "m"), ctApply,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"post-warn"},"spec":{"baz":1}}`))
	r.resp("put-strict", call(ctx, s.rc, "PUT", deploysPath(ns)+"/post-warn", q("fieldValidation", "Strict"), "", unknown("post-warn")))
}

func scenarioFieldSelector(ctx context.Context, s *server, ns string, r *record) {
	_, err := s.cs.CoreV1().Pods(ns).Create(ctx, pod("f1", nil), metav1.CreateOptions{})
	r.must("setup", err)
	_, err = s.cs.AppsV1().Deployments(ns).Create(ctx, deployment("d1", 1), metav1.CreateOptions{})
	r.must("setup-deployment", err)
	list := func(step, path, sel string) {
		res := call(ctx, s.rc, "GET", path, q("fieldSelector", sel), "", nil)
		r.resp(step, res)
		if lookup(res.obj, "kind") != "Status" {
			r.set(step+".names", names(res.obj))
		}
	}
	list("pods-name", podsPath(ns), "metadata.name=f1")
	list("pods-name-not", podsPath(ns), "metadata.name!=f1")
	list("pods-namespace", podsPath(ns), "metadata.namespace="+ns)
	list("pods-node-unset", podsPath(ns), "spec.nodeName=")
	list("pods-phase", podsPath(ns), "status.phase=Pending")
	list("pods-unsupported", podsPath(ns), "spec.restartPolicy=Always")
	list("pods-malformed", podsPath(ns), "metadata.name")
	list("deployments-name", deploysPath(ns), "metadata.name=d1")
	list("deployments-unsupported", deploysPath(ns), "spec.replicas=1")
	list("namespaces-name", "/api/v1/namespaces", "metadata.name="+ns)
	list("namespaces-phase", "/api/v1/namespaces", "status.phase=Active,metadata.name="+ns)
}

func scenarioNamespaceDelete(ctx context.Context, s *server, ns string, r *record) {
	doomed := ns + "-doomed"
	if err := s.prepareNamespace(ctx, doomed); err != nil {
		r.set("setup.error", err)
		return
	}
	// A finalizer keeps the namespace Terminating on both servers: upstream has no namespace
	// controller here, and the engine's collector must wait for the finalizer.
	held := pod("held", nil)
	held.Finalizers = []string{"example.com/hold"}
	_, err := s.cs.CoreV1().Pods(doomed).Create(ctx, held, metav1.CreateOptions{})
	r.must("setup-held", err)

	nsPath := "/api/v1/namespaces/" + doomed
	r.resp("delete", call(ctx, s.rc, "DELETE", nsPath, nil, "", nil), "metadata.name", "metadata.deletionTimestamp", "spec", "status.phase")
	r.resp("get", call(ctx, s.rc, "GET", nsPath, nil, "", nil), "status.phase", "metadata.deletionTimestamp")
	r.resp("create-pod", call(ctx, s.rc, "POST", podsPath(doomed), nil, "", pod("late", nil)))
	r.resp("create-deployment", call(ctx, s.rc, "POST", deploysPath(doomed), nil, "", deployment("late", 1)))
	r.resp("delete-again", call(ctx, s.rc, "DELETE", nsPath, nil, "", nil), "status.phase")
	r.resp("delete-kube-system", call(ctx, s.rc, "DELETE", "/api/v1/namespaces/kube-system", nil, "", nil))
	r.resp("delete-missing", call(ctx, s.rc, "DELETE", "/api/v1/namespaces/"+ns+"-never", nil, "", nil))

	// Release the finalizer so the engine can finish (upstream stays Terminating).
	call(ctx, s.rc, "PATCH", podsPath(doomed)+"/held", nil, ctMergePatch, `{"metadata":{"finalizers":null}}`)
}

// rawExchange is one request sent with the admin's HTTP client as is (no client-go retry on
// Retry-After), with what a client acting on it reads: the code, the Retry-After header,
// and the body (an object, or the events of a watch).
type rawExchange struct {
	code       int
	retryAfter string
	obj        map[string]any
	events     []map[string]any
}

func rawGet(ctx context.Context, s *server, path string, query url.Values) (rawExchange, error) {
	hc, err := rest.HTTPClientFor(s.admin)
	if err != nil {
		return rawExchange{}, err
	}
	u := strings.TrimSuffix(s.admin.Host, "/") + path + "?" + query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return rawExchange{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return rawExchange{}, err
	}
	defer resp.Body.Close()
	ex := rawExchange{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	dec := json.NewDecoder(resp.Body)
	if query.Get("watch") == "" || resp.StatusCode != http.StatusOK {
		err := dec.Decode(&ex.obj)
		return ex, err
	}
	for {
		var ev map[string]any
		if err := dec.Decode(&ev); err != nil {
			if err == io.EOF {
				return ex, nil
			}
			return ex, err
		}
		ex.events = append(ex.events, ev)
	}
}

// scenarioFutureResourceVersion reads from a resourceVersion the server has not reached:
// kube-apiserver waits briefly for its cache to catch up, then answers
// "Too large resource version" (504 Timeout, a ResourceVersionTooLarge cause, Retry-After),
// in the response or, for a watch that sends initial events, in an ERROR event. A plain
// watch from such a revision is accepted and sees only what comes after it.
func scenarioFutureResourceVersion(ctx context.Context, s *server, ns string, r *record) {
	p, err := s.cs.CoreV1().Pods(ns).Create(ctx, pod("now", nil), metav1.CreateOptions{})
	r.must("setup", err)
	if err != nil {
		return
	}
	current, err := strconv.ParseUint(p.ResourceVersion, 10, 64)
	r.must("setup-rv", err)
	far := strconv.FormatUint(current+10_000_000, 10)

	exchange := func(step, path string, query url.Values) {
		ex, err := rawGet(ctx, s, path, query)
		if err != nil {
			r.set(step+".error", err)
			return
		}
		r.set(step+".code", ex.code)
		r.set(step+".retry-after", ex.retryAfter)
		if ex.obj != nil {
			r.set(step+".kind", lookup(ex.obj, "kind"))
			if lookup(ex.obj, "kind") == "Status" {
				r.status(step, ex.obj)
			} else {
				r.set(step+".names", names(ex.obj))
			}
		}
		if query.Get("watch") == "" {
			return
		}
		var types []string
		for i, ev := range ex.events {
			obj, _ := ev["object"].(map[string]any)
			types = append(types, fmt.Sprintf("%v %v", ev["type"], lookup(obj, "kind")))
			if ev["type"] == "ERROR" {
				r.status(fmt.Sprintf("%s.event-%d", step, i), obj)
			}
		}
		r.set(step+".events", types)
	}
	path := podsPath(ns)
	exchange("list", path, q("resourceVersion", far))
	exchange("list-not-older-than", path, q("resourceVersion", far, "resourceVersionMatch", "NotOlderThan"))
	exchange("list-exact", path, q("resourceVersion", far, "resourceVersionMatch", "Exact"))
	exchange("list-limit", path, q("resourceVersion", far, "limit", "1"))
	exchange("get", path+"/now", q("resourceVersion", far))
	exchange("watch", path, q("watch", "true", "resourceVersion", far, "timeoutSeconds", "1"))
	exchange("watch-not-older-than", path, q("watch", "true", "resourceVersion", far, "timeoutSeconds", "1",
		"sendInitialEvents", "false", "resourceVersionMatch", "NotOlderThan", "allowWatchBookmarks", "true"))
	exchange("watch-initial-events", path, q("watch", "true", "resourceVersion", far, "timeoutSeconds", "5",
		"sendInitialEvents", "true", "resourceVersionMatch", "NotOlderThan", "allowWatchBookmarks", "true"))

	// A write while a watch from far ahead is open: its revision is below the watch's.
	var writeErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(300 * time.Millisecond)
		_, writeErr = s.cs.CoreV1().Pods(ns).Create(ctx, pod("meanwhile", nil), metav1.CreateOptions{})
	}()
	exchange("watch-while-writing", path, q("watch", "true", "resourceVersion", far, "timeoutSeconds", "2"))
	<-done
	r.must("watch-while-writing-setup", writeErr)
}
