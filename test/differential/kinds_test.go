package differential

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"k8s.io/client-go/rest"
)

// The scenarios of this file cover the plain kinds of CONFORMANCE.md "Resources" that the
// engine serves through its generic registry: create (with upstream's defaults), get,
// list, merge patch, Table output, delete, watch, scale, and the validation errors users
// hit. Objects are written as JSON, as kubectl sends them.

// servedKind is one kind exercised by the kinds-* scenarios.
type servedKind struct {
	name     string // step prefix
	path     string // collection path, %s for the namespace
	object   string // a valid object, JSON, %s for the namespace
	recorded []string
}

// kindsLabel marks every object of the kinds scenarios, so lists leave out what a server
// makes by itself (the default ServiceAccount the suite creates on kube-apiserver).
const kindsLabel = `"labels":{"scenario":"kinds"}`

var servedKindsUnderTest = []servedKind{
	{"configmap", "/api/v1/namespaces/%s/configmaps",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings",` + kindsLabel + `},"data":{"color":"blue"},"binaryData":{"raw":"AAE="}}`,
		[]string{"data", "binaryData"}},
	{"secret", "/api/v1/namespaces/%s/secrets",
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds",` + kindsLabel + `},"stringData":{"password":"hunter2"},"data":{"user":"YWRtaW4="}}`,
		[]string{"type", "data", "stringData"}},
	{"serviceaccount", "/api/v1/namespaces/%s/serviceaccounts",
		`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot",` + kindsLabel + `}}`,
		[]string{"secrets", "automountServiceAccountToken"}},
	{"service", "/api/v1/namespaces/%s/services",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web",` + kindsLabel + `},"spec":{"clusterIP":"10.96.100.10","selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080},{"name":"dns","port":53,"protocol":"UDP"}]}}`,
		[]string{"spec", "status"}},
	{"service-nodeport", "/api/v1/namespaces/%s/services",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web-np",` + kindsLabel + `},"spec":{"type":"NodePort","clusterIP":"10.96.100.11","selector":{"app":"web"},"ports":[{"port":80,"nodePort":30080}]}}`,
		[]string{"spec", "status"}},
	{"service-headless", "/api/v1/namespaces/%s/services",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"db",` + kindsLabel + `},"spec":{"clusterIP":"None","selector":{"app":"db"},"ports":[{"port":5432}]}}`,
		[]string{"spec"}},
	{"service-externalname", "/api/v1/namespaces/%s/services",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"ext",` + kindsLabel + `},"spec":{"type":"ExternalName","externalName":"example.com"}}`,
		[]string{"spec"}},
	{"endpoints", "/api/v1/namespaces/%s/endpoints",
		`{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"manual",` + kindsLabel + `},"subsets":[{"addresses":[{"ip":"10.1.2.3"}],"ports":[{"port":80}]}]}`,
		[]string{"subsets"}},
	{"replicationcontroller", "/api/v1/namespaces/%s/replicationcontrollers",
		`{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"legacy",` + kindsLabel + `},"spec":{"replicas":2,"template":{"metadata":{"labels":{"app":"legacy"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`,
		[]string{"metadata.generation", "spec", "status"}},
	{"pvc", "/api/v1/namespaces/%s/persistentvolumeclaims",
		`{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data",` + kindsLabel + `},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`,
		[]string{"metadata.finalizers", "spec", "status"}},
	{"limitrange", "/api/v1/namespaces/%s/limitranges",
		`{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"limits",` + kindsLabel + `},"spec":{"limits":[{"type":"Container","max":{"cpu":"2"},"min":{"cpu":"100m"}}]}}`,
		[]string{"spec"}},
	{"event", "/api/v1/namespaces/%s/events",
		`{"apiVersion":"v1","kind":"Event","metadata":{"name":"hello",` + kindsLabel + `},"involvedObject":{"kind":"Pod","name":"p","namespace":"%s"},"reason":"Started","message":"hello","type":"Normal","source":{"component":"test"}}`,
		[]string{"involvedObject", "reason", "message", "type", "source", "count"}},
	{"statefulset", "/apis/apps/v1/namespaces/%s/statefulsets",
		`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db",` + kindsLabel + `},"spec":{"replicas":2,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`,
		[]string{"metadata.generation", "spec", "status"}},
	{"daemonset", "/apis/apps/v1/namespaces/%s/daemonsets",
		`{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent",` + kindsLabel + `},"spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"nodeSelector":{"disk":"ssd"},"containers":[{"name":"c","image":"` + image + `"}]}}}}`,
		[]string{"metadata.generation", "spec", "status"}},
	{"controllerrevision", "/apis/apps/v1/namespaces/%s/controllerrevisions",
		`{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"agent-1",` + kindsLabel + `},"revision":1,"data":{"spec":{"x":1}}}`,
		[]string{"revision", "data"}},
	{"job", "/apis/batch/v1/namespaces/%s/jobs",
		`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once",` + kindsLabel + `},"spec":{"suspend":true,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"` + image + `"}]}}}}`,
		[]string{"metadata.generation", "spec", "status"}},
	{"cronjob", "/apis/batch/v1/namespaces/%s/cronjobs",
		`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly",` + kindsLabel + `},"spec":{"schedule":"0 3 * * *","timeZone":"Etc/UTC","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"` + image + `"}]}}}}}}`,
		[]string{"metadata.generation", "spec", "status"}},
	{"hpa", "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers",
		`{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web",` + kindsLabel + `},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5}}`,
		[]string{"spec", "status"}},
	{"pdb", "/apis/policy/v1/namespaces/%s/poddisruptionbudgets",
		`{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web",` + kindsLabel + `},"spec":{"minAvailable":"50%%","selector":{"matchLabels":{"app":"web"}}}}`,
		[]string{"metadata.generation", "spec", "status"}},
	{"ingress", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses",
		`{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"web",` + kindsLabel + `},"spec":{"tls":[{"hosts":["web.example.com"]}],"rules":[{"host":"web.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`,
		[]string{"spec", "status"}},
	{"networkpolicy", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies",
		`{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"deny",` + kindsLabel + `},"spec":{"podSelector":{"matchLabels":{"app":"web"}},"ingress":[{"ports":[{"port":80}]}]}}`,
		[]string{"spec"}},
	{"endpointslice", "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices",
		`{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"manual-1",` + kindsLabel + `},"addressType":"IPv4","endpoints":[{"addresses":["10.1.2.3"]}],"ports":[{"port":80}]}`,
		[]string{"addressType", "endpoints", "ports"}},
	// last: with a quota in the namespace, kube-apiserver refuses the kinds it counts until
	// its (absent) quota controller has filled in the status
	{"resourcequota", "/api/v1/namespaces/%s/resourcequotas",
		`{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"quota",` + kindsLabel + `},"spec":{"hard":{"pods":"10","requests.cpu":"2","limits.memory":"1Gi"}}}`,
		[]string{"spec", "status"}},
}

func fill(s, ns string) string {
	if strings.Contains(s, "%s") {
		return strings.ReplaceAll(s, "%s", ns)
	}
	return strings.ReplaceAll(s, "%%", "%")
}

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// callTable gets path as a Table, as kubectl get does.
func callTable(ctx context.Context, rc rest.Interface, path string) response {
	res := rc.Get().AbsPath(path).SetHeader("Accept", tableAccept).Do(ctx)
	var out response
	res.StatusCode(&out.code)
	raw, err := res.Raw()
	if err != nil && out.code == 0 {
		out.err = err
		return out
	}
	json.Unmarshal(raw, &out.obj)
	return out
}

// timeColumns hold ages and durations, which depend on when each server answered.
var timeColumns = map[string]bool{"Age": true, "Created At": true, "Last Seen": true, "First Seen": true, "Duration": true, "Last Schedule": true}

// table records a Table's columns (name, type, format, priority) and the cells of its
// rows but those in timeColumns.
func (r *record) table(step string, res response) {
	r.set(step+".code", res.code)
	r.set(step+".kind", lookup(res.obj, "kind"))
	cols, _ := lookup(res.obj, "columnDefinitions").([]any)
	var names []string
	skip := map[int]bool{}
	for i, c := range cols {
		m, _ := c.(map[string]any)
		names = append(names, format([]any{m["name"], m["type"], m["format"], m["priority"]}))
		if timeColumns[m["name"].(string)] {
			skip[i] = true
		}
	}
	r.set(step+".columns", names)
	rows, _ := lookup(res.obj, "rows").([]any)
	var cells [][]any
	for _, row := range rows {
		all, _ := lookup(row, "cells").([]any)
		var kept []any
		for i, c := range all {
			if !skip[i] {
				kept = append(kept, c)
			}
		}
		cells = append(cells, kept)
	}
	r.set(step+".cells", cells)
	r.set(step+".row-object-kind", lookup(rows, "0.object.kind"))
}

func scenarioKindsCRUD(ctx context.Context, s *server, ns string, r *record) {
	for _, k := range servedKindsUnderTest {
		coll := fill(k.path, ns)
		obj := fill(k.object, ns)
		var m map[string]any
		json.Unmarshal([]byte(obj), &m)
		name := lookup(m, "metadata.name").(string)
		item := coll + "/" + name

		fields := append([]string{"apiVersion", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels"}, k.recorded...)
		r.resp(k.name+".create", call(ctx, s.rc, "POST", coll, nil, "", obj), fields...)
		r.resp(k.name+".get", call(ctx, s.rc, "GET", item, nil, "", nil), "apiVersion", "metadata.name")
		list := call(ctx, s.rc, "GET", coll, q("labelSelector", "scenario=kinds,!gone"), "", nil)
		r.resp(k.name+".list", list, "apiVersion")
		r.set(k.name+".list.names", names(list.obj))
		r.resp(k.name+".patch", call(ctx, s.rc, "PATCH", item, nil, ctMergePatch, `{"metadata":{"labels":{"patched":"yes"}}}`),
			"metadata.labels", "metadata.generation")
		r.table(k.name+".table", callTable(ctx, s.rc, item))
		r.table(k.name+".table-list", callTable(ctx, s.rc, coll+"?labelSelector=patched%3Dyes"))
		if k.name == "resourcequota" || strings.HasPrefix(k.name, "service") || k.name == "endpoints" {
			continue // kept for the invalid and allocation scenarios' sake: deleted with the namespace
		}
		del := call(ctx, s.rc, "DELETE", item, nil, "", nil)
		// what follows a delete is the garbage collector's, which only the engine runs
		r.resp(k.name+".delete", del, "metadata.name", "metadata.finalizers")
	}
	// a second service may not take an allocated address or node port
	r.resp("service-ip-taken", call(ctx, s.rc, "POST", fill("/api/v1/namespaces/%s/services", ns), nil, "",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"twin"},"spec":{"clusterIP":"10.96.100.10","ports":[{"port":80}]}}`))
	r.resp("service-ip-out-of-range", call(ctx, s.rc, "POST", fill("/api/v1/namespaces/%s/services", ns), nil, "",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"far"},"spec":{"clusterIP":"10.200.0.1","ports":[{"port":80}]}}`))
	r.resp("service-nodeport-taken", call(ctx, s.rc, "POST", fill("/api/v1/namespaces/%s/services", ns), nil, "",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"np2"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}`))
	r.resp("service-nodeport-out-of-range", call(ctx, s.rc, "POST", fill("/api/v1/namespaces/%s/services", ns), nil, "",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"np3"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}}`))
	// an update that leaves the cluster IP out keeps it; one that changes it is refused
	svc := fill("/api/v1/namespaces/%s/services/web", ns)
	r.resp("service-put-without-ip", call(ctx, s.rc, "PUT", svc, nil, "",
		fill(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"%s"},"spec":{"selector":{"app":"web2"},"ports":[{"port":80}]}}`, ns)),
		"spec.clusterIP", "spec.clusterIPs", "spec.selector")
	r.resp("service-patch-ip", call(ctx, s.rc, "PATCH", svc, nil, ctMergePatch, `{"spec":{"clusterIP":"10.96.100.99","clusterIPs":["10.96.100.99"]}}`))
	r.resp("kubernetes-service", call(ctx, s.rc, "GET", "/api/v1/namespaces/default/services/kubernetes", nil, "", nil),
		"metadata.labels", "spec.clusterIP", "spec.ports", "spec.type", "spec.sessionAffinity", "spec.ipFamilies", "spec.ipFamilyPolicy")
	// field selectors
	for _, fs := range []struct{ step, path, sel string }{
		{"secrets-type", "/api/v1/namespaces/%s/secrets", "type=Opaque"},
		{"services-type", "/api/v1/namespaces/%s/services", "spec.type=NodePort"},
		{"services-clusterip", "/api/v1/namespaces/%s/services", "spec.clusterIP=10.96.100.10"},
		{"configmaps-unsupported", "/api/v1/namespaces/%s/configmaps", "data.color=blue"},
		{"secrets-unsupported", "/api/v1/namespaces/%s/secrets", "data.user=x"},
		{"events-reason", "/api/v1/namespaces/%s/events", "reason=Started"},
	} {
		res := call(ctx, s.rc, "GET", fill(fs.path, ns), q("fieldSelector", fs.sel), "", nil)
		r.resp("field-"+fs.step, res)
		if lookup(res.obj, "kind") != "Status" {
			r.set("field-"+fs.step+".names", names(res.obj))
		}
	}
}

func scenarioKindsInvalid(ctx context.Context, s *server, ns string, r *record) {
	pod := `{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"` + image + `"}]}}`
	cases := []struct{ step, path, obj string }{
		{"service-port-zero", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"ports":[{"port":0}]}}`},
		{"service-no-ports", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"selector":{"a":"b"}}}`},
		{"service-type", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"type":"Magic","ports":[{"port":80}]}}`},
		{"service-unnamed-ports", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"ports":[{"port":80},{"port":81}]}}`},
		{"service-duplicate-port", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"ports":[{"name":"a","port":80},{"name":"b","port":80}]}}`},
		{"service-nodeport-on-clusterip", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"ports":[{"port":80,"nodePort":30001}]}}`},
		{"service-externalname-missing", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"type":"ExternalName"}}`},
		{"service-bad-name", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"1bad"},"spec":{"ports":[{"port":80}]}}`},
		{"service-bad-protocol", "/api/v1/namespaces/%s/services", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"ports":[{"port":80,"protocol":"HTTP"}]}}`},
		{"configmap-bad-key", "/api/v1/namespaces/%s/configmaps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"},"data":{"a b":"x"}}`},
		{"secret-tls-missing", "/api/v1/namespaces/%s/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"bad"},"type":"kubernetes.io/tls","data":{}}`},
		{"rc-selector-mismatch", "/api/v1/namespaces/%s/replicationcontrollers", `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"bad"},"spec":{"selector":{"app":"a"},"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"rc-negative", "/api/v1/namespaces/%s/replicationcontrollers", `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"bad"},"spec":{"replicas":-1,"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"job-parallelism", "/apis/batch/v1/namespaces/%s/jobs", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad"},"spec":{"parallelism":-1,"completions":-2,"template":` + pod + `}}`},
		{"job-restart-always", "/apis/batch/v1/namespaces/%s/jobs", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"job-restart-bogus", "/apis/batch/v1/namespaces/%s/jobs", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad"},"spec":{"template":{"spec":{"restartPolicy":"Sometimes","containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"job-indexed-no-completions", "/apis/batch/v1/namespaces/%s/jobs", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad"},"spec":{"completionMode":"Indexed","parallelism":2,"template":` + pod + `}}`},
		{"job-manual-selector-mismatch", "/apis/batch/v1/namespaces/%s/jobs", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad"},"spec":{"manualSelector":true,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"cronjob-schedule", "/apis/batch/v1/namespaces/%s/cronjobs", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad"},"spec":{"schedule":"every day","jobTemplate":{"spec":{"template":` + pod + `}}}}`},
		{"cronjob-no-schedule", "/apis/batch/v1/namespaces/%s/cronjobs", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad"},"spec":{"jobTemplate":{"spec":{"template":` + pod + `}}}}`},
		{"cronjob-tz-in-schedule", "/apis/batch/v1/namespaces/%s/cronjobs", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad"},"spec":{"schedule":"CRON_TZ=UTC 0 3 * * *","jobTemplate":{"spec":{"template":` + pod + `}}}}`},
		{"cronjob-bad-timezone", "/apis/batch/v1/namespaces/%s/cronjobs", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad"},"spec":{"schedule":"0 3 * * *","timeZone":"Mars/Olympus","jobTemplate":{"spec":{"template":` + pod + `}}}}`},
		{"cronjob-concurrency", "/apis/batch/v1/namespaces/%s/cronjobs", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad"},"spec":{"schedule":"@daily","concurrencyPolicy":"Sometimes","jobTemplate":{"spec":{"template":` + pod + `}}}}`},
		{"cronjob-name-too-long", "/apis/batch/v1/namespaces/%s/cronjobs", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"` + strings.Repeat("a", 53) + `"},"spec":{"schedule":"@daily","jobTemplate":{"spec":{"template":` + pod + `}}}}`},
		{"statefulset-selector-mismatch", "/apis/apps/v1/namespaces/%s/statefulsets", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"statefulset-no-selector", "/apis/apps/v1/namespaces/%s/statefulsets", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"bad"},"spec":{"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"daemonset-restart-never", "/apis/apps/v1/namespaces/%s/daemonsets", `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"hpa-bounds", "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers", `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":3,"maxReplicas":2}}`},
		{"pdb-both", "/apis/policy/v1/namespaces/%s/poddisruptionbudgets", `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"bad"},"spec":{"minAvailable":1,"maxUnavailable":1}}`},
		{"ingress-no-pathtype", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`},
		{"pvc-no-access-modes", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"resources":{"requests":{"storage":"1Gi"}}}}`},
		{"pvc-bad-access-mode", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteSometimes"],"resources":{"requests":{"storage":"1Gi"}}}}`},
		{"pvc-rwop-and-rwo", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOncePod","ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`},
		{"pvc-no-storage", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOnce"]}}`},
		{"pvc-zero-storage", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"0"}}}}`},
		{"pvc-bad-class", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"Fast_SSD","resources":{"requests":{"storage":"1Gi"}}}}`},
		{"pvc-bad-volume-mode", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOnce"],"volumeMode":"Tape","resources":{"requests":{"storage":"1Gi"}}}}`},
		{"pvc-bad-selector", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOnce"],"selector":{"matchExpressions":[{"key":"a","operator":"In"}]},"resources":{"requests":{"storage":"1Gi"}}}}`},
		{"pvc-bad-data-source", "/api/v1/namespaces/%s/persistentvolumeclaims", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"bad"},"spec":{"accessModes":["ReadWriteOnce"],"dataSource":{"kind":"Snapshot","name":"s"},"resources":{"requests":{"storage":"1Gi"}}}}`},
		{"quota-unknown-resource", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"gpus":"1"}}}`},
		{"quota-not-for-quota", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"storage":"1Gi"}}}`},
		{"quota-negative", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"cpu":"-1"}}}`},
		{"quota-fractional-pods", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"pods":"1500m"}}}`},
		{"quota-bad-scope", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"pods":"1"},"scopes":["Sometimes"]}}`},
		{"quota-scope-resource", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"secrets":"1"},"scopes":["BestEffort"]}}`},
		{"quota-conflicting-scopes", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"pods":"1"},"scopes":["Terminating","NotTerminating"]}}`},
		{"quota-selector-operator", "/api/v1/namespaces/%s/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"bad"},"spec":{"hard":{"pods":"1"},"scopeSelector":{"matchExpressions":[{"scopeName":"PriorityClass","operator":"In"}]}}}`},
		{"netpol-bad-port", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":70000}]}]}}`},
		{"netpol-bad-protocol", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"ports":[{"protocol":"ICMP","port":80}]}]}}`},
		{"netpol-endport-below", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"egress":[{"ports":[{"port":8080,"endPort":80}]}]}}`},
		{"netpol-endport-named", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"egress":[{"ports":[{"port":"http","endPort":80}]}]}}`},
		{"netpol-empty-peer", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"from":[{}]}]}}`},
		{"netpol-ipblock-and-pods", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}]}]}}`},
		{"netpol-bad-cidr", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/33"}}]}]}}`},
		{"netpol-except-outside", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["192.168.0.0/16"]}}]}]}}`},
		{"netpol-bad-selector", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{"matchLabels":{"a b":"c"}}}}`},
		{"netpol-policy-type", "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"policyTypes":["Sideways"]}}`},
		{"ingress-empty", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{}}`},
		{"ingress-ip-host", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"host":"10.0.0.1","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`},
		{"ingress-bad-wildcard", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"host":"*.*.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`},
		{"ingress-relative-path", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"http":{"paths":[{"path":"api","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`},
		{"ingress-dot-segment", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"http":{"paths":[{"path":"/a/../b","pathType":"Exact","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`},
		{"ingress-bad-pathtype", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"http":{"paths":[{"path":"/","pathType":"Regex","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`},
		{"ingress-no-paths", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"http":{"paths":[]}}]}}`},
		{"ingress-both-ports", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"defaultBackend":{"service":{"name":"web","port":{"name":"http","number":80}}}}}`},
		{"ingress-no-port", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"defaultBackend":{"service":{"name":"web","port":{}}}}}`},
		{"ingress-bad-service", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"defaultBackend":{"service":{"name":"Web_1","port":{"number":80}}}}}`},
		{"ingress-no-backend", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"defaultBackend":{}}}`},
		{"ingress-resource-no-kind", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"defaultBackend":{"resource":{"apiGroup":"example.com","name":"bucket"}}}}`},
		{"ingress-bad-tls", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}},"tls":[{"hosts":["bad_host"],"secretName":"Bad_Secret"}]}}`},
		{"ingress-bad-class", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"ingressClassName":"Nginx_1","defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}`},
		{"ingress-class-mismatch", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad","annotations":{"kubernetes.io/ingress.class":"traefik"}},"spec":{"ingressClassName":"nginx","defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}`},
		{"endpointslice-bad-address", "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices", `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"bad"},"addressType":"IPv4","endpoints":[{"addresses":["not-an-ip"]}]}`},
	}
	for _, c := range cases {
		r.resp(c.step, call(ctx, s.rc, "POST", fill(c.path, ns), nil, "", c.obj))
	}
}

func scenarioKindsWatch(ctx context.Context, s *server, ns string, r *record) {
	coll := "/api/v1/namespaces/" + ns + "/configmaps"
	list := call(ctx, s.rc, "GET", coll, nil, "", nil)
	rv, _ := lookup(list.obj, "metadata.resourceVersion").(string)
	call(ctx, s.rc, "POST", coll, nil, "", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w1"}}`)
	call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctMergePatch, `{"metadata":{"labels":{"v":"2"}}}`)
	call(ctx, s.rc, "DELETE", coll+"/w1", nil, "", nil)
	watchEvents(ctx, s.rc, coll, map[string]string{"resourceVersion": rv}, r, "configmaps")
	jobs := "/apis/batch/v1/namespaces/" + ns + "/jobs"
	list = call(ctx, s.rc, "GET", jobs, nil, "", nil)
	rv, _ = lookup(list.obj, "metadata.resourceVersion").(string)
	call(ctx, s.rc, "POST", jobs, nil, "", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j1"},"spec":{"suspend":true,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"`+image+`"}]}}}}`)
	call(ctx, s.rc, "PATCH", jobs+"/j1", nil, ctMergePatch, `{"spec":{"suspend":false}}`)
	watchEvents(ctx, s.rc, jobs, map[string]string{"resourceVersion": rv}, r, "jobs")
	// the delete's answer, not what follows: the engine's collector then drops the orphan
	// finalizer, which nothing does on a kube-apiserver without kube-controller-manager
	r.resp("job-delete-default", call(ctx, s.rc, "DELETE", jobs+"/j1", nil, "", nil), "metadata.finalizers", "metadata.deletionTimestamp")
}

func scenarioKindsScale(ctx context.Context, s *server, ns string, r *record) {
	for _, k := range []struct{ name, path, obj string }{
		{"rc", "/api/v1/namespaces/%s/replicationcontrollers", `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"legacy"},"spec":{"replicas":1,"selector":{"app":"legacy"},"template":{"metadata":{"labels":{"app":"legacy"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
		{"sts", "/apis/apps/v1/namespaces/%s/statefulsets", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"` + image + `"}]}}}}`},
	} {
		coll := fill(k.path, ns)
		r.resp(k.name+".create", call(ctx, s.rc, "POST", coll, nil, "", k.obj), "spec.replicas")
		var m map[string]any
		json.Unmarshal([]byte(k.obj), &m)
		scale := coll + "/" + lookup(m, "metadata.name").(string) + "/scale"
		r.resp(k.name+".get-scale", call(ctx, s.rc, "GET", scale, nil, "", nil), "apiVersion", "metadata.name", "spec", "status")
		r.resp(k.name+".patch-scale", call(ctx, s.rc, "PATCH", scale, nil, ctMergePatch, `{"spec":{"replicas":3}}`), "spec", "status")
		r.resp(k.name+".negative-scale", call(ctx, s.rc, "PATCH", scale, nil, ctMergePatch, `{"spec":{"replicas":-1}}`))
		r.resp(k.name+".after", call(ctx, s.rc, "GET", strings.TrimSuffix(scale, "/scale"), nil, "", nil), "spec.replicas", "metadata.generation")
		r.table(k.name+".scale-table", callTable(ctx, s.rc, scale))
	}
	r.resp("job-scale", call(ctx, s.rc, "GET", "/apis/batch/v1/namespaces/"+ns+"/jobs/x/scale", nil, "", nil))
}

// scenarioKindsViews reads and writes the same objects through two versions:
// autoscaling/v1 and v2 HorizontalPodAutoscalers, v1 and events.k8s.io/v1 Events.
func scenarioKindsViews(ctx context.Context, s *server, ns string, r *record) {
	v1 := "/apis/autoscaling/v1/namespaces/" + ns + "/horizontalpodautoscalers"
	v2 := "/apis/autoscaling/v2/namespaces/" + ns + "/horizontalpodautoscalers"
	r.resp("hpa-v1.create", call(ctx, s.rc, "POST", v1, nil, "",
		`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"cpu"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":4,"targetCPUUtilizationPercentage":70}}`),
		"apiVersion", "metadata.annotations", "spec", "status")
	r.resp("hpa-v1.as-v2", call(ctx, s.rc, "GET", v2+"/cpu", nil, "", nil), "apiVersion", "metadata.annotations", "spec", "status")
	r.resp("hpa-v1.default", call(ctx, s.rc, "POST", v1, nil, "",
		`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"dflt"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":4}}`),
		"metadata.annotations", "spec")
	r.resp("hpa-v1.default-as-v2", call(ctx, s.rc, "GET", v2+"/dflt", nil, "", nil), "spec")
	r.resp("hpa-v2.create", call(ctx, s.rc, "POST", v2, nil, "",
		`{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"two"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":4,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}]}}`),
		"spec")
	r.resp("hpa-v2.as-v1", call(ctx, s.rc, "GET", v1+"/two", nil, "", nil), "apiVersion", "metadata.annotations", "spec", "status")
	list := call(ctx, s.rc, "GET", v1, nil, "", nil)
	r.resp("hpa-v1.list", list, "apiVersion")
	r.set("hpa-v1.list.names", names(list.obj))
	r.resp("hpa-v1.patch", call(ctx, s.rc, "PATCH", v1+"/cpu", nil, ctMergePatch, `{"spec":{"targetCPUUtilizationPercentage":90}}`), "spec")
	r.resp("hpa-v1.patched-as-v2", call(ctx, s.rc, "GET", v2+"/cpu", nil, "", nil), "spec.metrics")
	r.table("hpa-v1.table", callTable(ctx, s.rc, v1))
	r.resp("hpa-v1.missing", call(ctx, s.rc, "GET", v1+"/nope", nil, "", nil))
	r.resp("hpa-v1.invalid", call(ctx, s.rc, "POST", v1, nil, "",
		`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":0}}`))
	// server-side apply through either version; managed fields recorded in one are read in the other
	entries := func(res response) []string {
		mf, _ := lookup(res.obj, "metadata.managedFields").([]any)
		out := []string{}
		for _, m := range mf {
			out = append(out, fmt.Sprintf("%v/%v/%v/%v", lookup(m, "manager"), lookup(m, "operation"), lookup(m, "apiVersion"), lookup(m, "subresource")))
		}
		return out
	}
	applyHPA := func(step, path, manager, body string) {
		res := call(ctx, s.rc, "PATCH", path, q("fieldManager", manager), ctApply, body)
		r.resp(step, res, "apiVersion", "metadata.annotations", "spec")
		r.set(step+".managers", entries(res))
	}
	applyHPA("hpa-v1.apply-create", v1+"/ssa", "ssa-v1",
		"apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ssa\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 5\n  targetCPUUtilizationPercentage: 50\n")
	applyHPA("hpa-v1.apply-again", v1+"/ssa", "ssa-v1",
		"apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ssa\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 6\n  targetCPUUtilizationPercentage: 50\n")
	applyHPA("hpa-v2.apply-conflict", v2+"/ssa", "ssa-v2",
		"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ssa\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 7\n")
	applyHPA("hpa-v2.apply-min", v2+"/ssa", "ssa-v2",
		"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ssa\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 6\n")
	applyHPA("hpa-v1.apply-wrong-version", v1+"/ssa", "ssa-v1",
		"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ssa\nspec:\n  maxReplicas: 6\n")
	applyHPA("hpa-v2.apply-wrong-version", v2+"/ssa", "ssa-v2",
		"apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ssa\nspec:\n  maxReplicas: 6\n")
	r.resp("hpa-v1.delete", call(ctx, s.rc, "DELETE", v1+"/cpu", nil, "", nil), "metadata.name")

	core := "/api/v1/namespaces/" + ns + "/events"
	ev := "/apis/events.k8s.io/v1/namespaces/" + ns + "/events"
	r.resp("event-core.create", call(ctx, s.rc, "POST", core, nil, "",
		`{"apiVersion":"v1","kind":"Event","metadata":{"name":"core"},"involvedObject":{"kind":"Pod","name":"p","namespace":"`+ns+`"},"reason":"Started","message":"hello","type":"Normal","source":{"component":"kubelet"},"count":2}`),
		"involvedObject", "message", "count")
	r.resp("event-core.as-events", call(ctx, s.rc, "GET", ev+"/core", nil, "", nil),
		"apiVersion", "regarding", "note", "reason", "type", "deprecatedSource", "deprecatedCount", "reportingController")
	r.resp("event-v1.create", call(ctx, s.rc, "POST", ev, nil, "",
		`{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"new"},"eventTime":"2026-01-02T03:04:05.000000Z","reportingController":"example.com/ctl","reportingInstance":"ctl-1","action":"Scale","reason":"Scaled","regarding":{"kind":"Deployment","name":"web","namespace":"`+ns+`"},"note":"scaled","type":"Normal"}`),
		"apiVersion", "regarding", "note", "action", "reportingController", "eventTime")
	r.resp("event-v1.as-core", call(ctx, s.rc, "GET", core+"/new", nil, "", nil),
		"apiVersion", "involvedObject", "message", "action", "reportingComponent", "reportingInstance", "eventTime", "source")
	r.resp("event-v1.invalid", call(ctx, s.rc, "POST", ev, nil, "",
		`{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"bad"},"reason":"X","regarding":{"kind":"Pod","name":"p"},"type":"Normal"}`))
	r.resp("event-v1.missing", call(ctx, s.rc, "GET", ev+"/nope", nil, "", nil))
	sel := call(ctx, s.rc, "GET", ev, q("fieldSelector", "regarding.name=web"), "", nil)
	r.resp("event-v1.field-selector", sel)
	r.set("event-v1.field-selector.names", names(sel.obj))
	r.resp("event-v1.field-selector-unsupported", call(ctx, s.rc, "GET", ev, q("fieldSelector", "note=x"), "", nil))
	r.table("event-v1.table", callTable(ctx, s.rc, ev))
	r.resp("event-v1.patch", call(ctx, s.rc, "PATCH", ev+"/core", nil, ctMergePatch, `{"note":"patched"}`), "note")
	r.resp("event-v1.patched-as-core", call(ctx, s.rc, "GET", core+"/core", nil, "", nil), "message")
	r.resp("event-v1.delete", call(ctx, s.rc, "DELETE", ev+"/new", nil, "", nil), "metadata.name")
	applied := call(ctx, s.rc, "PATCH", ev+"/applied", q("fieldManager", "ssa-events"), ctApply,
		`{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"applied"},"eventTime":"2026-01-02T03:04:05.000000Z","reportingController":"example.com/ctl","reportingInstance":"ctl-1","action":"Scale","reason":"Scaled","regarding":{"kind":"Deployment","name":"web","namespace":"`+ns+`"},"note":"applied","type":"Normal"}`)
	r.resp("event-v1.apply-create", applied, "apiVersion", "regarding", "note", "action")
	r.set("event-v1.apply-create.managers", entries(applied))
	applied = call(ctx, s.rc, "PATCH", core+"/applied", q("fieldManager", "ssa-core"), ctApply,
		`{"apiVersion":"v1","kind":"Event","metadata":{"name":"applied"},"involvedObject":{"kind":"Deployment","name":"web","namespace":"`+ns+`"},"reason":"Scaled","message":"applied in v1","type":"Normal"}`)
	r.resp("event-core.apply-conflict", applied, "message")
	applied = call(ctx, s.rc, "PATCH", ev+"/applied", q("fieldManager", "ssa-events"), ctApply,
		`{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"applied"},"eventTime":"2026-01-02T03:04:05.000000Z","reportingController":"example.com/ctl","reportingInstance":"ctl-1","action":"Scale","reason":"Scaled","regarding":{"kind":"Deployment","name":"web","namespace":"`+ns+`"},"note":"applied again","type":"Normal"}`)
	r.resp("event-v1.apply-update", applied, "note")
	r.set("event-v1.apply-update.managers", entries(applied))
	r.resp("event-v1.apply-invalid", call(ctx, s.rc, "PATCH", ev+"/bad-apply", q("fieldManager", "ssa-events"), ctApply,
		`{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"bad-apply"},"reason":"X","regarding":{"kind":"Pod","name":"p"},"type":"Normal"}`))
	r.resp("event-v1.deleted-as-core", call(ctx, s.rc, "GET", core+"/new", nil, "", nil))
}

// rawBody is one GET with a user agent, as curl or kubectl sends it: the code, the content
// type and the body as it is.
func rawBody(ctx context.Context, s *server, path, userAgent string) (int, string, string, error) {
	hc, err := rest.HTTPClientFor(s.admin)
	if err != nil {
		return 0, "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(s.admin.Host, "/")+path, nil)
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body), err
}

// scenarioPaths reads the root paths as a newcomer does with curl: /, /api/, /apis/,
// /version, and ?pretty=true.
func scenarioPaths(ctx context.Context, s *server, ns string, r *record) {
	root := call(ctx, s.rc, "GET", "/", nil, "", nil)
	r.set("root.code", root.code)
	paths := map[string]bool{}
	if list, ok := lookup(root.obj, "paths").([]any); ok {
		for _, p := range list {
			paths[fmt.Sprint(p)] = true
		}
	}
	for _, p := range []string{"/api", "/api/v1", "/apis", "/apis/", "/apis/apps", "/apis/apps/v1", "/apis/batch/v1", "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/readyz", "/version"} {
		r.set("root.has "+p, paths[p])
	}
	r.resp("api-slash", call(ctx, s.rc, "GET", "/api/", nil, "", nil), "versions")
	apis := call(ctx, s.rc, "GET", "/apis/", nil, "", nil)
	r.resp("apis-slash", apis)
	r.set("apis-slash.has-apps", strings.Contains(format(lookup(apis.obj, "groups")), `"name":"apps"`))
	r.resp("autoscaling", call(ctx, s.rc, "GET", "/apis/autoscaling", nil, "", nil), "versions", "preferredVersion")
	for _, c := range []struct{ step, path, ua string }{
		{"pretty-param", "/api/v1/namespaces/" + ns + "?pretty=true", "kubectl/v1.32"},
		{"pretty-curl", "/api/v1/namespaces/" + ns, "curl/8.5.0"},
		{"pretty-off", "/api/v1/namespaces/" + ns + "?pretty=false", "curl/8.5.0"},
		{"plain", "/api/v1/namespaces/" + ns, "kubectl/v1.32"},
		{"pretty-error", "/api/v1/namespaces/" + ns + "-none?pretty=1", "kubectl/v1.32"},
		{"version", "/version", "kubectl/v1.32"},
	} {
		code, ct, body, err := rawBody(ctx, s, c.path, c.ua)
		if err != nil {
			r.set(c.step+".error", err)
			continue
		}
		lines := strings.Split(body, "\n")
		r.set(c.step+".code", code)
		r.set(c.step+".content-type", ct)
		r.set(c.step+".indented", len(lines) > 1 && lines[0] == "{" && strings.HasPrefix(lines[1], "  \""))
		r.set(c.step+".ends-with-newline", strings.HasSuffix(body, "\n"))
	}
}
