package differential

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The scenarios of this file cover CustomResourceDefinitions and their custom resources:
// a CRD becomes Established and its objects are served at once; create, get, list, watch,
// the patch types, validation errors, defaulting and pruning by the structural schema,
// printer columns in Table output, the status and scale subresources, several versions
// with conversion None, and deleting the CRD deletes its objects. Each run defines CRDs
// of a group of its own (<namespace>.sheetops.test), so runs on the shared servers never
// meet.

// crdManifest is a namespaced CRD of group g with the kind Widget: a schema with a
// default, a minimum, an enum and a required field, status and scale subresources and
// printer columns; versions lists the served versions, the first one stored.
func crdManifest(g string, versions ...string) string {
	var vs []string
	for i, v := range versions {
		vs = append(vs, fmt.Sprintf(`{"name":%q,"served":true,"storage":%v,
		  "schema":{"openAPIV3Schema":{"type":"object","properties":{
		    "spec":{"type":"object","required":["size"],"properties":{
		      "replicas":{"type":"integer","minimum":0,"default":1},
		      "size":{"type":"string","enum":["small","large"]},
		      "color":{"type":"string","default":"blue"},
		      "tags":{"type":"array","items":{"type":"string"}}}},
		    "status":{"type":"object","properties":{"replicas":{"type":"integer"},"phase":{"type":"string"}}}}}},
		  "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
		  "selectableFields":[{"jsonPath":".spec.size"},{"jsonPath":".spec.replicas"}],
		  "additionalPrinterColumns":[
		    {"name":"Size","type":"string","jsonPath":".spec.size"},
		    {"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},
		    {"name":"Phase","type":"string","jsonPath":".status.phase","priority":1},
		    {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]}`, v, i == 0))
	}
	return fmt.Sprintf(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
	  "metadata":{"name":"widgets.%s"},
	  "spec":{"group":%q,"scope":"Namespaced",
	    "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
	    "versions":[%s]}}`, g, g, strings.Join(vs, ","))
}

const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

// establishCRD creates a CRD, records the answer, waits (unrecorded) until it is
// Established and its objects are served at list, and records its conditions.
func establishCRD(ctx context.Context, s *server, r *record, step, manifest, name, list string) {
	r.resp(step+".create", call(ctx, s.rc, "POST", crdPath, nil, "", manifest),
		"metadata.name", "metadata.generation", "spec.names", "spec.scope", "spec.conversion", "status.storedVersions")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		got := call(ctx, s.rc, "GET", crdPath+"/"+name, nil, "", nil)
		established := false
		conds, _ := lookup(got.obj, "status.conditions").([]any)
		for _, c := range conds {
			if lookup(c, "type") == "Established" && lookup(c, "status") == "True" {
				established = true
			}
		}
		if established && call(ctx, s.rc, "GET", list, nil, "", nil).code == 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := call(ctx, s.rc, "GET", crdPath+"/"+name, nil, "", nil)
	conds, _ := lookup(got.obj, "status.conditions").([]any)
	var lines []string
	for _, c := range conds {
		lines = append(lines, fmt.Sprintf("%v=%v %v: %v", lookup(c, "type"), lookup(c, "status"), lookup(c, "reason"), lookup(c, "message")))
	}
	r.set(step+".conditions", lines)
	r.set(step+".acceptedNames", lookup(got.obj, "status.acceptedNames"))
	r.set(step+".finalizers", lookup(got.obj, "metadata.finalizers"))
}

func scenarioCRD(ctx context.Context, s *server, ns string, r *record) {
	g := ns + ".sheetops.test"
	name := "widgets." + g
	coll := "/apis/" + g + "/v1/namespaces/" + ns + "/widgets"
	establishCRD(ctx, s, r, "crd", crdManifest(g, "v1"), name, coll)

	r.table("crd-table", callTable(ctx, s.rc, crdPath+"/"+name))
	r.table("crd-table-list", callTable(ctx, s.rc, crdPath+"?fieldSelector=metadata.name%3D"+name))
	r.resp("crd-get", call(ctx, s.rc, "GET", crdPath+"/"+name, nil, "", nil), "metadata.finalizers", "metadata.generation", "spec", "status.acceptedNames", "status.storedVersions")
	r.resp("crd-list-field", call(ctx, s.rc, "GET", crdPath, q("fieldSelector", "metadata.name="+name), "", nil))

	// discovery
	disc := call(ctx, s.rc, "GET", "/apis/"+g+"/v1", nil, "", nil)
	r.resp("discovery", disc, "groupVersion", "resources")
	group := call(ctx, s.rc, "GET", "/apis/"+g, nil, "", nil)
	r.resp("discovery-group", group, "name", "versions", "preferredVersion")

	// create: defaults applied, unknown fields pruned (and warned about), status dropped
	widget := `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"w1","labels":{"app":"w"}},
	  "spec":{"size":"small","unknown":"x","tags":["a"]},"status":{"replicas":5}}`
	r.resp("create", call(ctx, s.rc, "POST", coll, nil, "", widget),
		"apiVersion", "metadata.name", "metadata.namespace", "metadata.generation", "metadata.labels", "spec", "status")
	r.resp("create-dup", call(ctx, s.rc, "POST", coll, nil, "", widget))
	r.resp("create-strict", call(ctx, s.rc, "POST", coll, q("fieldValidation", "Strict"), "",
		`{"apiVersion":"`+g+`/v1","kind":"Widget","metadata":{"name":"w2"},"spec":{"size":"small","unknown":"x"}}`))
	r.resp("create-wrong-version", call(ctx, s.rc, "POST", coll, nil, "",
		`{"apiVersion":"`+g+`/v9","kind":"Widget","metadata":{"name":"w3"},"spec":{"size":"small"}}`))
	r.resp("create-yaml", call(ctx, s.rc, "POST", coll, nil, "application/yaml",
		"apiVersion: "+g+"/v1\nkind: Widget\nmetadata:\n  name: w4\nspec:\n  size: large\n  replicas: 2\n"),
		"metadata.name", "spec")

	// validation errors from the schema
	for _, c := range []struct{ step, obj string }{
		{"invalid-minimum", `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"size":"small","replicas":-1}}`},
		{"invalid-enum", `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"size":"huge"}}`},
		{"invalid-required", `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"replicas":1}}`},
		{"invalid-type", `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"size":"small","replicas":"two"}}`},
		{"invalid-name", `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"Bad_Name"},"spec":{"size":"small"}}`},
		{"invalid-several", `{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"size":"huge","replicas":-2,"tags":"x"}}`},
	} {
		r.resp(c.step, call(ctx, s.rc, "POST", coll, nil, "", c.obj))
	}

	// reads
	r.resp("get", call(ctx, s.rc, "GET", coll+"/w1", nil, "", nil), "apiVersion", "metadata.name", "spec")
	r.resp("get-missing", call(ctx, s.rc, "GET", coll+"/nope", nil, "", nil))
	list := call(ctx, s.rc, "GET", coll, nil, "", nil)
	r.resp("list", list, "apiVersion")
	r.set("list.names", names(list.obj))
	for _, sel := range []struct{ step, key, value string }{
		{"list-label", "labelSelector", "app=w"},
		{"list-field-name", "fieldSelector", "metadata.name=w4"},
		{"list-field-namespace", "fieldSelector", "metadata.namespace=" + ns},
		{"list-field-selectable", "fieldSelector", "spec.size=small"},
		{"list-field-selectable-int", "fieldSelector", "spec.replicas=2"},
		{"list-field-unsupported", "fieldSelector", "spec.color=blue"},
	} {
		res := call(ctx, s.rc, "GET", coll, q(sel.key, sel.value), "", nil)
		r.resp(sel.step, res)
		if lookup(res.obj, "kind") != "Status" {
			r.set(sel.step+".names", names(res.obj))
		}
	}
	page := call(ctx, s.rc, "GET", coll, q("limit", "1"), "", nil)
	r.resp("list-page", page, "metadata.remainingItemCount")
	r.set("list-page.names", names(page.obj))
	if cont, _ := lookup(page.obj, "metadata.continue").(string); cont != "" {
		next := call(ctx, s.rc, "GET", coll, q("limit", "1", "continue", cont), "", nil)
		r.resp("list-page-2", next)
		r.set("list-page-2.names", names(next.obj))
	}
	all := call(ctx, s.rc, "GET", "/apis/"+g+"/v1/widgets", nil, "", nil)
	r.resp("list-all-namespaces", all)
	r.set("list-all-namespaces.names", names(all.obj))
	r.table("table", callTable(ctx, s.rc, coll+"/w1"))
	r.table("table-list", callTable(ctx, s.rc, coll))

	// patches
	r.resp("patch-merge", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctMergePatch, `{"spec":{"replicas":3},"metadata":{"labels":{"patched":"yes"}}}`),
		"metadata.generation", "metadata.labels", "spec")
	r.resp("patch-json", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctJSONPatch, `[{"op":"add","path":"/spec/tags/-","value":"b"}]`),
		"metadata.generation", "spec")
	r.resp("patch-json-test-fails", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctJSONPatch, `[{"op":"test","path":"/spec/size","value":"large"}]`))
	r.resp("patch-strategic", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctStrategic, `{"spec":{"replicas":4}}`))
	r.resp("patch-invalid", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctMergePatch, `{"spec":{"replicas":-5}}`))
	r.resp("patch-metadata-only", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctMergePatch, `{"metadata":{"annotations":{"a":"b"}}}`),
		"metadata.generation")
	r.resp("apply-create", call(ctx, s.rc, "PATCH", coll+"/w5", q("fieldManager", "tester"), ctApply,
		"apiVersion: "+g+"/v1\nkind: Widget\nmetadata:\n  name: w5\nspec:\n  size: large\n"),
		"metadata.name", "metadata.generation", "spec")
	r.resp("apply-update", call(ctx, s.rc, "PATCH", coll+"/w5", q("fieldManager", "tester"), ctApply,
		"apiVersion: "+g+"/v1\nkind: Widget\nmetadata:\n  name: w5\nspec:\n  size: small\n  replicas: 2\n"),
		"metadata.generation", "spec")
	r.resp("apply-conflict", call(ctx, s.rc, "PATCH", coll+"/w5", q("fieldManager", "other"), ctApply,
		"apiVersion: "+g+"/v1\nkind: Widget\nmetadata:\n  name: w5\nspec:\n  size: large\n"))
	r.resp("apply-force", call(ctx, s.rc, "PATCH", coll+"/w5", q("fieldManager", "other", "force", "true"), ctApply,
		"apiVersion: "+g+"/v1\nkind: Widget\nmetadata:\n  name: w5\nspec:\n  size: large\n"),
		"spec")
	managers := call(ctx, s.rc, "GET", coll+"/w5", nil, "", nil)
	var ms []string
	mf, _ := lookup(managers.obj, "metadata.managedFields").([]any)
	for _, m := range mf {
		ms = append(ms, fmt.Sprintf("%v %v %v %v", lookup(m, "manager"), lookup(m, "operation"), lookup(m, "apiVersion"), format(lookup(m, "fieldsV1"))))
	}
	// Entries are ordered by operation, time (to the second), then manager: two applies in the
	// same second on one server and not on the other come in either order.
	slices.Sort(ms)
	r.set("apply.managers", ms)

	// update with a stale resourceVersion
	cur := call(ctx, s.rc, "GET", coll+"/w4", nil, "", nil)
	if cur.obj != nil {
		stale := cur.obj
		if m, ok := stale["metadata"].(map[string]any); ok {
			m["resourceVersion"] = "1"
		}
		r.resp("update-stale", call(ctx, s.rc, "PUT", coll+"/w4", nil, "", stale))
	}

	// status subresource
	w1 := call(ctx, s.rc, "GET", coll+"/w1", nil, "", nil).obj
	if w1 != nil {
		w1["status"] = map[string]any{"replicas": 3, "phase": "Ready"}
		if spec, ok := w1["spec"].(map[string]any); ok {
			spec["replicas"] = 9 // ignored by a status update
		}
		r.resp("status-put", call(ctx, s.rc, "PUT", coll+"/w1/status", nil, "", w1), "metadata.generation", "spec", "status")
	}
	r.resp("status-patch", call(ctx, s.rc, "PATCH", coll+"/w1/status", nil, ctMergePatch, `{"status":{"phase":"Done"}}`), "status")
	r.resp("status-invalid", call(ctx, s.rc, "PATCH", coll+"/w1/status", nil, ctMergePatch, `{"status":{"replicas":"many"}}`))
	r.resp("status-get", call(ctx, s.rc, "GET", coll+"/w1/status", nil, "", nil), "status")
	r.resp("main-update-keeps-status", call(ctx, s.rc, "PATCH", coll+"/w1", nil, ctMergePatch, `{"status":{"phase":"Hacked"}}`), "status")
	r.table("table-wide-status", callTable(ctx, s.rc, coll+"/w1"))

	// scale subresource
	r.resp("scale-get", call(ctx, s.rc, "GET", coll+"/w1/scale", nil, "", nil), "apiVersion", "metadata.name", "spec", "status")
	r.resp("scale-patch", call(ctx, s.rc, "PATCH", coll+"/w1/scale", nil, ctMergePatch, `{"spec":{"replicas":6}}`), "spec", "status")
	r.resp("scale-negative", call(ctx, s.rc, "PATCH", coll+"/w1/scale", nil, ctMergePatch, `{"spec":{"replicas":-1}}`))
	r.resp("scale-after", call(ctx, s.rc, "GET", coll+"/w1", nil, "", nil), "spec.replicas", "metadata.generation")

	// finalizers hold a deleted object
	r.resp("finalizer-add", call(ctx, s.rc, "PATCH", coll+"/w4", nil, ctMergePatch, `{"metadata":{"finalizers":["sheetops.test/hold"]}}`), "metadata.finalizers")
	r.resp("finalizer-delete", call(ctx, s.rc, "DELETE", coll+"/w4", nil, "", nil), "metadata.finalizers", "metadata.deletionTimestamp")
	r.resp("finalizer-get", call(ctx, s.rc, "GET", coll+"/w4", nil, "", nil), "metadata.finalizers", "metadata.deletionTimestamp")
	r.resp("finalizer-remove", call(ctx, s.rc, "PATCH", coll+"/w4", nil, ctMergePatch, `{"metadata":{"finalizers":null}}`), "metadata.name")
	r.resp("finalizer-gone", call(ctx, s.rc, "GET", coll+"/w4", nil, "", nil))

	// delete answers a Status; deletecollection the list
	r.resp("delete", call(ctx, s.rc, "DELETE", coll+"/w5", nil, "", nil))
	r.resp("delete-missing", call(ctx, s.rc, "DELETE", coll+"/w5", nil, "", nil))
	r.resp("deletecollection", call(ctx, s.rc, "DELETE", coll, q("labelSelector", "app=w"), "", nil))
	r.set("deletecollection.after", names(call(ctx, s.rc, "GET", coll, nil, "", nil).obj))
}

func scenarioCRDWatch(ctx context.Context, s *server, ns string, r *record) {
	g := ns + ".sheetops.test"
	coll := "/apis/" + g + "/v1/namespaces/" + ns + "/widgets"
	establishCRD(ctx, s, r, "crd", crdManifest(g, "v1"), "widgets."+g, coll)
	list := call(ctx, s.rc, "GET", coll, nil, "", nil)
	rv, _ := lookup(list.obj, "metadata.resourceVersion").(string)
	call(ctx, s.rc, "POST", coll, nil, "", `{"apiVersion":"`+g+`/v1","kind":"Widget","metadata":{"name":"a"},"spec":{"size":"small"}}`)
	call(ctx, s.rc, "PATCH", coll+"/a", nil, ctMergePatch, `{"metadata":{"labels":{"v":"2"}}}`)
	call(ctx, s.rc, "POST", coll, nil, "", `{"apiVersion":"`+g+`/v1","kind":"Widget","metadata":{"name":"b"},"spec":{"size":"large"}}`)
	call(ctx, s.rc, "DELETE", coll+"/a", nil, "", nil)
	watchEvents(ctx, s.rc, coll, map[string]string{"resourceVersion": rv}, r, "watch")
	watchEvents(ctx, s.rc, coll, map[string]string{"resourceVersion": rv, "fieldSelector": "metadata.name=b"}, r, "watch-name")
	watchEvents(ctx, s.rc, coll, map[string]string{"sendInitialEvents": "true", "allowWatchBookmarks": "true", "resourceVersionMatch": "NotOlderThan"}, r, "watch-initial")
}

func scenarioCRDVersions(ctx context.Context, s *server, ns string, r *record) {
	g := ns + ".sheetops.test"
	name := "widgets." + g
	v1 := "/apis/" + g + "/v1/namespaces/" + ns + "/widgets"
	v1beta1 := "/apis/" + g + "/v1beta1/namespaces/" + ns + "/widgets"
	establishCRD(ctx, s, r, "crd", crdManifest(g, "v1", "v1beta1"), name, v1beta1)
	r.resp("discovery-group", call(ctx, s.rc, "GET", "/apis/"+g, nil, "", nil), "versions", "preferredVersion")
	r.resp("create-v1beta1", call(ctx, s.rc, "POST", v1beta1, nil, "", `{"apiVersion":"`+g+`/v1beta1","kind":"Widget","metadata":{"name":"old"},"spec":{"size":"small"}}`),
		"apiVersion", "spec")
	r.resp("get-v1", call(ctx, s.rc, "GET", v1+"/old", nil, "", nil), "apiVersion", "spec")
	r.resp("create-v1", call(ctx, s.rc, "POST", v1, nil, "", `{"apiVersion":"`+g+`/v1","kind":"Widget","metadata":{"name":"new"},"spec":{"size":"large"}}`), "apiVersion")
	l := call(ctx, s.rc, "GET", v1beta1, nil, "", nil)
	r.resp("list-v1beta1", l, "apiVersion", "items.0.apiVersion", "items.1.apiVersion")
	r.resp("patch-v1beta1", call(ctx, s.rc, "PATCH", v1beta1+"/new", nil, ctMergePatch, `{"spec":{"replicas":4}}`), "apiVersion", "spec")
	r.resp("apply-v1beta1", call(ctx, s.rc, "PATCH", v1beta1+"/new", q("fieldManager", "tester"), ctApply,
		"apiVersion: "+g+"/v1beta1\nkind: Widget\nmetadata:\n  name: new\nspec:\n  size: small\n"), "apiVersion", "spec")
	r.resp("scale-v1beta1", call(ctx, s.rc, "GET", v1beta1+"/new/scale", nil, "", nil), "apiVersion", "spec")
	r.resp("crd-get", call(ctx, s.rc, "GET", crdPath+"/"+name, nil, "", nil), "status.storedVersions")
	r.table("crd-table", callTable(ctx, s.rc, crdPath+"/"+name))

	// a CRD update: a new version served; an invalid update refused
	r.resp("crd-update-invalid", call(ctx, s.rc, "PATCH", crdPath+"/"+name, nil, ctMergePatch, `{"spec":{"scope":"Cluster"}}`))
	r.resp("crd-invalid", call(ctx, s.rc, "POST", crdPath, nil, "",
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.`+g+`"},"spec":{"group":"`+g+`","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},"versions":[{"name":"v1","served":true,"storage":false}]}}`))
	r.resp("crd-bad-name", call(ctx, s.rc, "POST", crdPath, nil, "",
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"wrong"},"spec":{"group":"`+g+`","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}`))
}

func scenarioCRDDelete(ctx context.Context, s *server, ns string, r *record) {
	g := ns + ".sheetops.test"
	name := "widgets." + g
	coll := "/apis/" + g + "/v1/namespaces/" + ns + "/widgets"
	establishCRD(ctx, s, r, "crd", crdManifest(g, "v1"), name, coll)
	for _, n := range []string{"a", "b"} {
		call(ctx, s.rc, "POST", coll, nil, "", `{"apiVersion":"`+g+`/v1","kind":"Widget","metadata":{"name":"`+n+`"},"spec":{"size":"small"}}`)
	}
	del := call(ctx, s.rc, "DELETE", crdPath+"/"+name, nil, "", nil)
	r.resp("crd-delete", del, "metadata.name", "metadata.finalizers")
	var conds []string
	cs, _ := lookup(del.obj, "status.conditions").([]any)
	for _, c := range cs {
		if lookup(c, "type") == "Terminating" {
			conds = append(conds, fmt.Sprintf("%v %v", lookup(c, "status"), lookup(c, "reason")))
		}
	}
	r.set("crd-delete.terminating", conds)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if call(ctx, s.rc, "GET", crdPath+"/"+name, nil, "", nil).code == 404 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.resp("crd-gone", call(ctx, s.rc, "GET", crdPath+"/"+name, nil, "", nil))
	r.resp("objects-gone", call(ctx, s.rc, "GET", coll, nil, "", nil))
	r.resp("discovery-gone", call(ctx, s.rc, "GET", "/apis/"+g+"/v1", nil, "", nil))
}

// scenarioCRDCluster: a cluster-scoped CRD without subresources or printer columns, whose
// schema keeps unknown fields under one property; and the OpenAPI documents of a CRD.
func scenarioCRDCluster(ctx context.Context, s *server, ns string, r *record) {
	g := ns + ".sheetops.test"
	name := "gadgets." + g
	coll := "/apis/" + g + "/v1/gadgets"
	manifest := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"` + name + `"},
	  "spec":{"group":"` + g + `","scope":"Cluster","names":{"plural":"gadgets","kind":"Gadget"},
	    "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
	      "spec":{"type":"object","properties":{
	        "port":{"x-kubernetes-int-or-string":true},
	        "config":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
	        "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
	          "items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}}}}}}}}]}}`
	establishCRD(ctx, s, r, "crd", manifest, name, coll)
	r.resp("create", call(ctx, s.rc, "POST", coll, nil, "",
		`{"apiVersion":"`+g+`/v1","kind":"Gadget","metadata":{"name":"g1"},"spec":{"port":"http","config":{"any":{"thing":1}},"other":1,"items":[{"name":"a","value":"1"}]}}`),
		"metadata.namespace", "spec")
	r.resp("create-duplicate-key", call(ctx, s.rc, "POST", coll, nil, "",
		`{"apiVersion":"`+g+`/v1","kind":"Gadget","metadata":{"name":"g2"},"spec":{"items":[{"name":"a"},{"name":"a"}]}}`))
	r.resp("create-namespaced-path", call(ctx, s.rc, "POST", "/apis/"+g+"/v1/namespaces/"+ns+"/gadgets", nil, "",
		`{"apiVersion":"`+g+`/v1","kind":"Gadget","metadata":{"name":"g3"}}`))
	r.resp("get", call(ctx, s.rc, "GET", coll+"/g1", nil, "", nil), "metadata.name", "spec")
	r.table("table", callTable(ctx, s.rc, coll))
	r.resp("apply-list-map", call(ctx, s.rc, "PATCH", coll+"/g1", q("fieldManager", "tester"), ctApply,
		"apiVersion: "+g+"/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  items:\n  - name: b\n    value: \"2\"\n"), "spec.items")
	r.resp("status-missing", call(ctx, s.rc, "GET", coll+"/g1/status", nil, "", nil))
	r.resp("scale-missing", call(ctx, s.rc, "GET", coll+"/g1/scale", nil, "", nil))

	// OpenAPI: the v3 discovery names the group version; its document has the kind
	v3 := call(ctx, s.rc, "GET", "/openapi/v3", nil, "", nil)
	_, listed := lookup(v3.obj, "paths").(map[string]any)["apis/"+g+"/v1"]
	r.set("openapi-v3.listed", listed)
	doc := call(ctx, s.rc, "GET", "/openapi/v3/apis/"+g+"/v1", nil, "", nil)
	r.set("openapi-v3-doc.code", doc.code)
	var schemas []string
	for k := range asMap(lookup(doc.obj, "components.schemas")) {
		schemas = append(schemas, k)
	}
	slices.Sort(schemas)
	r.set("openapi-v3-doc.schemas", schemas)
	model := strings.Join(reverse(strings.Split(g, ".")), ".") + ".v1.Gadget"
	r.set("openapi-v3-doc.gadget", lookup(doc.obj, "components.schemas."+model+".x-kubernetes-group-version-kind"))
	r.resp("delete", call(ctx, s.rc, "DELETE", coll+"/g1", nil, "", nil))
	r.resp("crd-delete", call(ctx, s.rc, "DELETE", crdPath+"/"+name, nil, "", nil), "metadata.name")
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func reverse(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
