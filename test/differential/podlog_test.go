package differential

import (
	"context"
)

// scenarioPodLog reads pods/log where no kubelet is involved on either side: pods no
// scheduler has bound (an empty log), and the errors upstream's log REST gives before it
// asks a kubelet (options, containers, missing pods, other verbs).
func scenarioPodLog(ctx context.Context, s *server, ns string, r *record) {
	pods := "/api/v1/namespaces/" + ns + "/pods"
	r.resp("create-one", call(ctx, s.rc, "POST", pods, nil, "",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"one"},"spec":{"containers":[{"name":"app","image":"`+image+`"}]}}`), "metadata.name")
	r.resp("create-two", call(ctx, s.rc, "POST", pods, nil, "",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"two"},"spec":{"initContainers":[{"name":"init","image":"`+image+`"}],"containers":[{"name":"app","image":"`+image+`"},{"name":"side","image":"`+image+`"}]}}`), "metadata.name")
	unbound := call(ctx, s.rc, "GET", pods+"/one/log", nil, "", nil)
	r.resp("unbound", unbound)
	r.set("unbound.body", unbound.obj)
	r.resp("unbound-container", call(ctx, s.rc, "GET", pods+"/two/log", q("container", "side"), "", nil))
	r.resp("no-container", call(ctx, s.rc, "GET", pods+"/two/log", nil, "", nil))
	r.resp("init-container", call(ctx, s.rc, "GET", pods+"/two/log", q("container", "init"), "", nil))
	r.resp("bad-container", call(ctx, s.rc, "GET", pods+"/one/log", q("container", "nope"), "", nil))
	r.resp("missing-pod", call(ctx, s.rc, "GET", pods+"/nope/log", nil, "", nil))
	r.resp("negative-tail", call(ctx, s.rc, "GET", pods+"/one/log", q("tailLines", "-1"), "", nil))
	r.resp("zero-limit", call(ctx, s.rc, "GET", pods+"/one/log", q("limitBytes", "0"), "", nil))
	r.resp("since-both", call(ctx, s.rc, "GET", pods+"/one/log", q("sinceSeconds", "10", "sinceTime", "2026-01-02T03:04:05Z"), "", nil))
	r.resp("since-zero", call(ctx, s.rc, "GET", pods+"/one/log", q("sinceSeconds", "0"), "", nil))
	r.resp("stream", call(ctx, s.rc, "GET", pods+"/one/log", q("stream", "All"), "", nil))
	r.resp("put", call(ctx, s.rc, "PUT", pods+"/one/log", nil, "", `{}`))
}
