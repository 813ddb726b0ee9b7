package apiserver_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/sheetops/sheetops/apiserver"
)

var workerPools = schema.GroupVersionResource{Group: "demo.sheetops.io", Version: "v1", Resource: "workerpools"}

// createEstablished creates crd and waits until it is Established.
func createEstablished(t *testing.T, ctx context.Context, srv *apiserver.Server, crd *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	ac, err := apiextensionsclient.NewForConfig(restConfig(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	start := time.Now()
	err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := ac.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("CRD not established: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("CRD established after %v, want within a second", d)
	}
}

func TestCRDLifecycle(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)
	cgNamespace(t, ctx, cs, "crd")
	createEstablished(t, ctx, srv, apiserver.DemoCRD())
	dc := dynamic.NewForConfigOrDie(restConfig(t, srv))
	wps := dc.Resource(workerPools).Namespace("crd")

	obj := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool",
		"metadata": map[string]interface{}{"name": "orders"},
		"spec":     map[string]interface{}{"queue": "orders", "extra": "pruned"},
		"status":   map[string]interface{}{"replicas": int64(7)},
	}}
	created, err := wps.Create(ctx, obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if r, _, _ := unstructured.NestedInt64(created.Object, "spec", "replicas"); r != 1 {
		t.Errorf("defaulted spec.replicas = %d, want 1", r)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(created.Object, "spec", "extra"); found {
		t.Errorf("spec.extra was not pruned")
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(created.Object, "status"); found {
		t.Errorf("status was kept on create with a status subresource")
	}
	if created.GetGeneration() != 1 || created.GetUID() == "" {
		t.Errorf("generation %d uid %q", created.GetGeneration(), created.GetUID())
	}

	// invalid: schema errors are 422 with causes
	bad := obj.DeepCopy()
	bad.SetName("bad")
	unstructured.SetNestedField(bad.Object, int64(-1), "spec", "replicas")
	_, err = wps.Create(ctx, bad, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.replicas") {
		t.Errorf("negative replicas: %v", err)
	}

	// patches
	if _, err := wps.Patch(ctx, "orders", types.MergePatchType, []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{}); err != nil {
		t.Errorf("merge patch: %v", err)
	}
	if _, err := wps.Patch(ctx, "orders", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/queue","value":"q2"}]`), metav1.PatchOptions{}); err != nil {
		t.Errorf("json patch: %v", err)
	}
	_, err = wps.Patch(ctx, "orders", types.StrategicMergePatchType, []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{})
	if !apierrors.IsUnsupportedMediaType(err) {
		t.Errorf("strategic merge patch: %v, want 415", err)
	}
	applied, err := wps.Apply(ctx, "orders", &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": "orders"},
		"spec": map[string]interface{}{"queue": "applied"}}}, metav1.ApplyOptions{FieldManager: "tester", Force: true})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if q, _, _ := unstructured.NestedString(applied.Object, "spec", "queue"); q != "applied" {
		t.Errorf("applied queue %q", q)
	}
	managers := map[string]bool{}
	for _, m := range applied.GetManagedFields() {
		managers[m.Manager] = true
	}
	if !managers["tester"] {
		t.Errorf("managed fields %v lack the applier", applied.GetManagedFields())
	}
	if applied.GetGeneration() != 4 {
		t.Errorf("generation after three spec changes = %d, want 4", applied.GetGeneration())
	}

	// status subresource
	st := applied.DeepCopy()
	unstructured.SetNestedField(st.Object, int64(2), "status", "replicas")
	unstructured.SetNestedField(st.Object, int64(9), "spec", "replicas")
	upd, err := wps.UpdateStatus(ctx, st, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if r, _, _ := unstructured.NestedInt64(upd.Object, "status", "replicas"); r != 2 {
		t.Errorf("status.replicas %d", r)
	}
	if r, _, _ := unstructured.NestedInt64(upd.Object, "spec", "replicas"); r != 2 {
		t.Errorf("status update changed spec.replicas to %d", r)
	}

	// scale subresource
	sc, err := wps.Get(ctx, "orders", metav1.GetOptions{}, "scale")
	if err != nil {
		t.Fatalf("get scale: %v", err)
	}
	if sc.GetKind() != "Scale" {
		t.Errorf("scale kind %q", sc.GetKind())
	}
	if _, err := wps.Patch(ctx, "orders", types.MergePatchType, []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatalf("patch scale: %v", err)
	}
	got, _ := wps.Get(ctx, "orders", metav1.GetOptions{})
	if r, _, _ := unstructured.NestedInt64(got.Object, "spec", "replicas"); r != 5 {
		t.Errorf("replicas after scale = %d", r)
	}

	// table
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/apis/demo.sheetops.io/v1/namespaces/crd/workerpools").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	if err != nil {
		t.Fatalf("table: %v", err)
	}
	var tbl metav1.Table
	json.Unmarshal(raw, &tbl)
	var cols []string
	for _, c := range tbl.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	if strings.Join(cols, ",") != "Name,Replicas,Queue,Age" || len(tbl.Rows) != 1 {
		t.Errorf("table columns %v rows %d: %s", cols, len(tbl.Rows), raw)
	}

	// list with selectors, discovery
	list, err := wps.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=orders"})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("list by name: %v %v", list, err)
	}
	rl, err := cs.Discovery().ServerResourcesForGroupVersion("demo.sheetops.io/v1")
	if err != nil || len(rl.APIResources) != 3 {
		t.Errorf("discovery: %+v %v", rl, err)
	}

	// deleting the CRD deletes its objects, then the CRD
	ac, _ := apiextensionsclient.NewForConfig(restConfig(t, srv))
	if err := ac.ApiextensionsV1().CustomResourceDefinitions().Delete(ctx, "workerpools.demo.sheetops.io", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete CRD: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := ac.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, "workerpools.demo.sheetops.io", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("CRD still there: %v", err)
	}
	if _, err := wps.List(ctx, metav1.ListOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("list after CRD deletion: %v, want 404", err)
	}
}

// TestCRDDynamicInformer: a client-go dynamic informer on a custom resource syncs and sees
// every change.
func TestCRDDynamicInformer(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)
	cgNamespace(t, ctx, cs, "inf")
	createEstablished(t, ctx, srv, apiserver.DemoCRD())
	dc := dynamic.NewForConfigOrDie(restConfig(t, srv))
	wps := dc.Resource(workerPools).Namespace("inf")
	mk := func(name string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool",
			"metadata": map[string]interface{}{"name": name}, "spec": map[string]interface{}{"queue": name}}}
	}
	if _, err := wps.Create(ctx, mk("before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dc, 0, "inf", nil)
	inf := factory.ForResource(workerPools).Informer()
	var mu sync.Mutex
	var seen []string
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, "add "+obj.(*unstructured.Unstructured).GetName())
		},
		UpdateFunc: func(_, obj interface{}) {
			u := obj.(*unstructured.Unstructured)
			q, _, _ := unstructured.NestedString(u.Object, "spec", "queue")
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, "update "+u.GetName()+" "+q)
		},
		DeleteFunc: func(obj interface{}) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, "delete "+obj.(*unstructured.Unstructured).GetName())
		},
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer did not sync")
	}
	if _, err := wps.Create(ctx, mk("after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := wps.Patch(ctx, "before", types.MergePatchType, []byte(`{"spec":{"queue":"changed"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wps.Delete(ctx, "after", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"add before", "add after", "update before changed", "delete after"}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(seen, ",") == strings.Join(want, ","), nil
	})
	if err != nil {
		mu.Lock()
		t.Errorf("events %v, want %v", seen, want)
		mu.Unlock()
	}
	if n := len(inf.GetStore().List()); n != 1 {
		t.Errorf("informer holds %d objects, want 1", n)
	}
}

// TestCRDGarbageCollection: custom objects are owners and dependents for the garbage
// collector, and a namespace's deletion deletes its custom objects.
func TestCRDGarbageCollection(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)
	cgNamespace(t, ctx, cs, "gc")
	createEstablished(t, ctx, srv, apiserver.DemoCRD())
	dc := dynamic.NewForConfigOrDie(restConfig(t, srv))
	wps := dc.Resource(workerPools).Namespace("gc")

	owner, err := wps.Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": "owner"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.OwnerReference{APIVersion: "demo.sheetops.io/v1", Kind: "WorkerPool", Name: "owner", UID: owner.GetUID()}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owned-cm", OwnerReferences: []metav1.OwnerReference{ref}}}
	if _, err := cs.CoreV1().ConfigMaps("gc").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dep := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": "dependent"}}}
	dep.SetOwnerReferences([]metav1.OwnerReference{ref})
	if _, err := wps.Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// a custom object owned by a Deployment
	zero := int32(0)
	labels := map[string]string{"app": "boss"}
	boss, err := cs.AppsV1().Deployments("gc").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "boss"},
		Spec: appsv1.DeploymentSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	worker := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": "worker"}}}
	worker.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "boss", UID: boss.UID}})
	if _, err := wps.Create(ctx, worker, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	if err := wps.Delete(ctx, "owner", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.AppsV1().Deployments("gc").Delete(ctx, "boss", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, e1 := cs.CoreV1().ConfigMaps("gc").Get(ctx, "owned-cm", metav1.GetOptions{})
		_, e2 := wps.Get(ctx, "dependent", metav1.GetOptions{})
		_, e3 := wps.Get(ctx, "worker", metav1.GetOptions{})
		return apierrors.IsNotFound(e1) && apierrors.IsNotFound(e2) && apierrors.IsNotFound(e3), nil
	})
	if err != nil {
		t.Errorf("dependents of deleted owners are still there: %v", err)
	}

	// a dangling owner reference (no such owner) is collected as it is written
	orphan := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": "orphan"}}}
	orphan.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "demo.sheetops.io/v1", Kind: "WorkerPool", Name: "ghost", UID: "0000-ghost"}})
	if _, err := wps.Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := wps.Get(ctx, "orphan", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("an object whose owner does not exist is still there: %v", err)
	}

	// namespace deletion
	if _, err := wps.Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": "last"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().Namespaces().Delete(ctx, "gc", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Namespaces().Get(ctx, "gc", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("namespace with a custom object not deleted: %v", err)
	}
	if l, err := dc.Resource(workerPools).List(ctx, metav1.ListOptions{}); err != nil || len(l.Items) != 0 {
		t.Errorf("custom objects left: %v %v", l, err)
	}
}

// TestCRDWatchTable: a watch asking for Table rows (kubectl get -w) gets the CRD's
// printer columns once, then a row per event.
func TestCRDWatchTable(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)
	cgNamespace(t, ctx, cs, "wt")
	createEstablished(t, ctx, srv, apiserver.DemoCRD())
	dc := dynamic.NewForConfigOrDie(restConfig(t, srv))
	for _, n := range []string{"a", "b"} {
		if _, err := dc.Resource(workerPools).Namespace("wt").Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "demo.sheetops.io/v1", "kind": "WorkerPool", "metadata": map[string]interface{}{"name": n},
			"spec": map[string]interface{}{"queue": "q-" + n}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/apis/demo.sheetops.io/v1/namespaces/wt/workerpools").
		Param("watch", "true").Param("timeoutSeconds", "1").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("watch events %d, want 2:\n%s", len(lines), raw)
	}
	for i, line := range lines {
		var ev struct {
			Type   string
			Object metav1.Table
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "ADDED" || ev.Object.Kind != "Table" || len(ev.Object.Rows) != 1 {
			t.Errorf("event %d: %s", i, line)
			continue
		}
		if cols := len(ev.Object.ColumnDefinitions); (i == 0) != (cols == 4) {
			t.Errorf("event %d has %d column definitions (the first only carries them)", i, cols)
		}
		if q := ev.Object.Rows[0].Cells[2]; q != "q-"+[]string{"a", "b"}[i] {
			t.Errorf("event %d queue cell %v", i, q)
		}
	}
}
