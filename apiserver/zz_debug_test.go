package apiserver_test

import (
	"strings"
	"testing"
	"time"
)

func TestDebugDelete(t *testing.T) {
	srv := startEngine(t, "", false)
	ctx := cgContext(t)
	cs := clientset(t, srv)
	cgNamespace(t, ctx, cs, "dd")
	rc := cs.CoreV1().RESTClient()
	g := "dd.sheetops.test"
	crd := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.` + g + `"},"spec":{"group":"` + g + `","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}`
	res := rc.Post().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").SetHeader("Content-Type", "application/json").Body([]byte(crd)).Do(ctx)
	if err := res.Error(); err != nil {
		t.Fatal(err)
	}
	coll := "/apis/" + g + "/v1/namespaces/dd/widgets"
	time.Sleep(300 * time.Millisecond)
	for _, n := range []string{"a", "b"} {
		if err := rc.Post().AbsPath(coll).SetHeader("Content-Type", "application/json").Body([]byte(`{"apiVersion":"` + g + `/v1","kind":"Widget","metadata":{"name":"` + n + `"}}`)).Do(ctx).Error(); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := rc.Delete().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets." + g).DoRaw(ctx)
	t.Log(string(raw)[:200], err)
	for i := 0; i < 100; i++ {
		_, err := rc.Get().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets." + g).DoRaw(ctx)
		if err != nil && strings.Contains(err.Error(), "not found") {
			t.Log("gone after", i)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	raw, err = rc.Get().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets." + g).DoRaw(ctx)
	t.Log(string(raw), err)
	raw, err = rc.Get().AbsPath(coll).DoRaw(ctx)
	t.Log(string(raw), err)
}
