package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metainternalversionscheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/printers"
	"github.com/sheetops/sheetops/apiserver/storage"
)

var jsonMarshal = json.Marshal

// maxBodyBytes bounds a request body, as kube-apiserver does (3 MiB objects, some slack).
const maxBodyBytes = 3 << 20

func notFoundPath() error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, "get", schema.GroupResource{}, "", "", 0, false)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/" || r.URL.Path == "/apis/" {
		s.serveDiscovery(w, r) // as /api and /apis
		return
	}
	if s.agg.serve(w, r) {
		return
	}
	if s.serveGroupPaths(w, r) {
		return
	}
	ri, ok := parseResourcePath(r.Method, r.URL.Path, lenientBool(r.URL.Query().Get("watch")))
	if !ok {
		writeStatusError(w, notFoundPath())
		return
	}
	if !s.servedGroupVersion(ri.gvr.GroupVersion()) {
		http.NotFound(w, r) // upstream's mux answers an unknown group version in plain text
		return
	}
	res := s.lookup(ri.gvr)
	if res != nil && res.custom != nil && customNotFound(w, r, ri, res) {
		return
	}
	if res == nil || (ri.namespace != "" && !res.namespaced) || (ri.subresource != "" && !res.hasSub(ri.subresource)) {
		writeStatusError(w, notFoundPath())
		return
	}
	ri.res = res
	if u := userFrom(r); u.Name != "" {
		ri.user, ri.policy = &u, s.admissionPolicy(res, u, ri.namespace)
	}
	if res.view != nil {
		// a view runs its storage's pipelines; what it answers is converted back
		ri.view, ri.res = res, res.view.storage
		r = withView(r, res)
	}
	if res.warning != "" {
		addWarning(w, res.warning)
	}
	if res.namespaced && ri.namespace == "" && ri.name != "" {
		writeStatusError(w, notFoundPath())
		return
	}
	// authorized by withAuthentication, before routing, as upstream
	if ri.subresource == subLog && ri.verb != "get" {
		writeStatusError(w, apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed, ri.verb, schema.GroupResource{}, "", "", 0, false))
		return
	}
	var err error
	switch ri.verb {
	case "get":
		err = s.get(w, r, ri)
	case "list":
		err = s.list(w, r, ri)
	case "watch":
		err = s.watch(w, r, ri)
	case "create":
		if ri.subresource == subBinding {
			err = s.bind(w, r, ri)
			break
		}
		if ri.name != "" || (res.namespaced && ri.namespace == "") {
			err = apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed, "post", schema.GroupResource{}, "", "", 0, false)
			break
		}
		if err = s.customTerminating(ri.res); err == nil {
			err = s.create(w, r, ri)
		}
	case "update":
		err = s.update(w, r, ri)
	case "patch":
		err = s.patch(w, r, ri)
	case "delete":
		err = s.delete(w, r, ri)
	case "deletecollection":
		err = s.deleteCollection(w, r, ri)
	default:
		err = apierrors.NewMethodNotSupported(res.groupResource(), ri.verb)
	}
	if err != nil {
		writeStatusError(w, relabel(err, ri.view))
	}
}

// writeStack is about the stack a write's handler reaches (decoding, strategic merge,
// field managers, validation, all recursive walks of the object); readStack that of a get,
// a list or a watch.
const (
	writeStack = 64 << 10
	readStack  = 8 << 10
)

// growStack grows the calling goroutine's stack to writeStack at once. A request's handler
// runs on a new goroutine, whose 2 KB stack a write would otherwise double several times (a
// get twice, before and in ServeMux's routing), each time copying the stack as it has grown
// so far and adjusting every frame; growing it first thing, while it holds a few frames,
// copies almost nothing.
//
//go:noinline
func growStack() byte {
	var pad [writeStack]byte
	return pad[stackSink.Load()&(writeStack-1)]
}

// growReadStack is growStack for a read, to readStack.
//
//go:noinline
func growReadStack() byte {
	var pad [readStack]byte
	return pad[stackSink.Load()&(readStack-1)]
}

// stackSink keeps growStack's array from being optimized away.
var stackSink atomic.Uint32

func (s *Server) servedGroupVersion(gv schema.GroupVersion) bool {
	for _, g := range s.groupVersions() {
		if g == gv {
			return true
		}
	}
	return false
}

// lenientBool reads a boolean query parameter as upstream does: anything but "", "false" and "0" is true.
func lenientBool(v string) bool {
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false
	}
	return true
}

// respond writes an object, a Scale or a list (whose TypeMeta is set) in the negotiated form.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, code int, obj runtime.Object) error {
	out, ok := negotiate(r, true)
	if !ok {
		return notAcceptable()
	}
	if v := viewOf(r.Context()); v != nil && out.kind != outTable {
		obj = presentAs(v, obj)
	}
	isList := meta.IsListType(obj)
	if !isList && out.kind == outObject && out.mediaType == mediaProtobuf {
		if res := resourceOf(obj); res != nil {
			if raw, ok := s.store.Encoded(res.storeKey, obj); ok {
				writeProtobufRaw(w, code, res.gvk(), raw)
				return nil
			}
		}
	}
	if !isList {
		obj = withTypeMeta(obj)
	}
	switch out.kind {
	case outTable:
		opts, err := tableOptions(r)
		if err != nil {
			return err
		}
		t, err := tableOf(viewOf(r.Context()), obj, opts)
		if err != nil {
			return tableError(err)
		}
		obj = t
	case outMetadata:
		obj = partialMetadata(obj)
	}
	if isList {
		ensureItems(obj)
	}
	if out.mediaType == mediaProtobuf && isCustom(obj) {
		out.mediaType = mediaJSON // custom resources have no protobuf encoding
	}
	writeObject(w, code, obj, out.mediaType)
	return nil
}

func notAcceptable() error {
	return apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "get", schema.GroupResource{}, "", "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf", 0, false)
}

// tableError maps a conversion error as upstream does: 406 for a kind without a table, 400
// for a bad includeObject, 500 otherwise.
func tableError(err error) error {
	switch {
	case errors.Is(err, printers.ErrNotAcceptable):
		return apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "get", schema.GroupResource{}, "", err.Error(), 0, false)
	case errors.Is(err, printers.ErrInvalidIncludeObject):
		return apierrors.NewBadRequest(fmt.Sprintf("Unable to convert to Table as requested: %v", err))
	}
	return apierrors.NewInternalError(err)
}

func tableOptions(r *http.Request) (printers.Options, error) {
	opts := printers.Options{IncludeObject: metav1.IncludeMetadata}
	q := r.URL.Query()
	if v := q.Get("includeObject"); v != "" {
		switch p := metav1.IncludeObjectPolicy(v); p {
		case metav1.IncludeNone, metav1.IncludeMetadata, metav1.IncludeObject:
			opts.IncludeObject = p
		default:
			return opts, apierrors.NewBadRequest(fmt.Sprintf("includeObject: unsupported value %q", v))
		}
	}
	opts.NoHeaders = lenientBool(q.Get("noHeaders"))
	return opts, nil
}

// withTypeMeta returns a shallow copy of obj with its apiVersion and kind set: the copy
// shares everything below the top-level struct with obj, so it is for reading (encoding,
// the field managers' live object), never for changing.
func withTypeMeta(obj runtime.Object) runtime.Object {
	var gvk schema.GroupVersionKind
	if res := resourceOf(obj); res != nil {
		gvk = res.gvk()
	} else {
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil || len(gvks) == 0 {
			return obj
		}
		gvk = gvks[0]
	}
	out := shallowCopy(obj)
	out.GetObjectKind().SetGroupVersionKind(gvk)
	return out
}

// shallowCopy copies the struct obj points to, so that the copy's kind and other top-level
// fields can be set without touching obj; nested values are shared. A custom object's
// fields are a map: its top level is copied too.
func shallowCopy(obj runtime.Object) runtime.Object {
	if c, ok := obj.(*customObject); ok {
		out := *c
		out.Object = maps.Clone(c.Object)
		return &out
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return obj.DeepCopyObject()
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface().(runtime.Object)
}

func partialMetadata(obj runtime.Object) runtime.Object {
	if meta.IsListType(obj) {
		items, _ := meta.ExtractList(obj)
		lm, _ := meta.ListAccessor(obj)
		list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"}}
		list.ResourceVersion, list.Continue, list.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
		for _, it := range items {
			list.Items = append(list.Items, *partialMetadata(it).(*metav1.PartialObjectMetadata))
		}
		if list.Items == nil {
			list.Items = []metav1.PartialObjectMetadata{}
		}
		return list
	}
	m, _ := meta.Accessor(obj)
	pm := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}}
	if om, ok := m.(*metav1.ObjectMeta); ok {
		pm.ObjectMeta = *om.DeepCopy()
	} else if m != nil {
		pm.ObjectMeta = metaOf(m) // a custom object
	}
	return pm
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	if rv, err := parseRV(r.URL.Query().Get("resourceVersion")); err == nil {
		if err := s.awaitRevision(r.Context(), rv); err != nil {
			return err
		}
	}
	obj, err := s.store.Get(ri.res.storeKey, ri.namespace, ri.name)
	if err != nil {
		return err
	}
	if ri.subresource == subScale {
		sc, ok := ri.res.strategy.(scaler)
		if !ok {
			return notFoundPath()
		}
		return s.respond(w, r, http.StatusOK, sc.scale(obj))
	}
	if ri.subresource == subLog {
		return s.podLog(w, r, ri, obj)
	}
	return s.respond(w, r, http.StatusOK, obj)
}

// listOptions decodes the list and watch query parameters as upstream does.
func listOptions(r *http.Request, res *resource) (*metainternalversion.ListOptions, error) {
	opts := &metainternalversion.ListOptions{}
	if err := metainternalversionscheme.ParameterCodec.DecodeParameters(r.URL.Query(), metav1.SchemeGroupVersion, opts); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if opts.FieldSelector != nil {
		allowed := map[string]bool{"metadata.name": true}
		if res.namespaced {
			allowed["metadata.namespace"] = true
		}
		if res.fields != nil {
			for k := range res.fields(res.newObj()) {
				allowed[k] = true
			}
		}
		sel, err := opts.FieldSelector.Transform(func(f, v string) (string, string, error) {
			if f == "spec.host" && res.storeKey == "pods" {
				f = "spec.nodeName" // upstream's alias
			}
			if allowed[f] {
				return f, v, nil
			}
			if res.fieldLabelConversion {
				return "", "", fmt.Errorf("field label not supported: %s", f)
			}
			return "", "", fmt.Errorf("%q is not a known field selector: only %q, %q", f, "metadata.name", "metadata.namespace")
		})
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		opts.FieldSelector = sel
	}
	return opts, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	opts, err := listOptions(r, ri.selection())
	if err != nil {
		return err
	}
	// Protobuf lists are written from the stored encodings (respond answers the rest).
	out, ok := negotiate(r, true)
	rawList := ok && out.kind == outObject && out.mediaType == mediaProtobuf && ri.view == nil
	so := storage.ListOptions{Namespace: ri.namespace, Match: predicate(ri.selection(), opts), Limit: opts.Limit, Raw: rawList}
	// Written from the stored encodings, a list selected on metadata decodes nothing else.
	so.MetaOnly = rawList && so.Match != nil && selectsMetadataOnly(opts)
	if opts.Continue != "" {
		t, err := decodeContinue(opts.Continue)
		if err != nil {
			return err
		}
		so.After, so.AtRV = t.Start, t.RV
	} else {
		// Any resourceVersionMatch, with or without a limit: a revision not reached yet is
		// waited for, then refused (upstream serves them all from its watch cache).
		rv, err := parseRV(opts.ResourceVersion)
		if err != nil {
			return err
		}
		if err := s.awaitRevision(r.Context(), rv); err != nil {
			return err
		}
		if opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact {
			so.AtRV = rv
		}
	}
	page, err := s.store.List(ri.res.storeKey, so)
	if errors.Is(err, storage.ErrExpired) {
		if opts.Continue != "" {
			return apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
		}
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", so.AtRV, s.store.Revision()))
	}
	if err != nil {
		return err
	}
	list := ri.res.newList()
	if !rawList {
		if err := meta.SetList(list, page.Items); err != nil {
			return apierrors.NewInternalError(err)
		}
	}
	lm, _ := meta.ListAccessor(list)
	lm.SetResourceVersion(strconv.FormatUint(page.RV, 10))
	if page.Next != "" {
		lm.SetContinue(encodeContinue(page.RV, page.Next))
		if page.Remaining >= 0 {
			n := page.Remaining
			lm.SetRemainingItemCount(&n)
		}
	}
	gvk := ri.gvr.GroupVersion().WithKind(ri.res.listKind)
	if rawList {
		return writeProtobufList(w, list, gvk, page.Raw)
	}
	list.GetObjectKind().SetGroupVersionKind(gvk)
	return s.respond(w, r, http.StatusOK, list)
}

// ensureItems makes an empty list encode as "items": [] rather than null.
func ensureItems(list runtime.Object) {
	if t, ok := list.(*metav1.Table); ok {
		if t.Rows == nil {
			t.Rows = []metav1.TableRow{}
		}
		return
	}
	if items, err := meta.ExtractList(list); err == nil && len(items) == 0 {
		meta.SetList(list, []runtime.Object{})
	}
}

// writeOptions are the query parameters shared by create, update and patch.
type writeOptions struct {
	dryRun          bool
	fieldManager    string
	fieldValidation string // Strict, Warn or Ignore
	force           bool
	// bootstrap: the engine's own writes at start, whose field managers are built from
	// bootstrapTypes for the kinds it covers (startFieldManager).
	bootstrap bool
}

func parseWriteOptions(r *http.Request, patchType string) (writeOptions, error) {
	q := r.URL.Query()
	o := writeOptions{fieldManager: q.Get("fieldManager"), fieldValidation: q.Get("fieldValidation")}
	for _, d := range q["dryRun"] {
		if d != "All" {
			return o, apierrors.NewBadRequest(fmt.Sprintf("Invalid dryRun value %q", d))
		}
		o.dryRun = true
	}
	switch o.fieldValidation {
	case "":
		o.fieldValidation = "Warn"
	case "Strict", "Warn", "Ignore":
	default:
		kind := "CreateOptions"
		switch r.Method {
		case http.MethodPut:
			kind = "UpdateOptions"
		case http.MethodPatch:
			kind = "PatchOptions"
		}
		return o, apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: kind}, "", field.ErrorList{
			field.NotSupported(field.NewPath("fieldValidation"), o.fieldValidation, []string{"", "Ignore", "Strict", "Warn"})})
	}
	if v := q.Get("force"); v != "" {
		if patchType != applyPatchType {
			return o, invalidOptions("force", "may not be specified for non-apply patch")
		}
		o.force = lenientBool(v)
	}
	if patchType == applyPatchType && o.fieldManager == "" {
		return o, invalidOptions("fieldManager", "is required for apply patch")
	}
	if o.fieldManager == "" {
		o.fieldManager = managerFromUserAgent(r.UserAgent())
	}
	if len(o.fieldManager) > 128 {
		return o, invalidOptions("fieldManager", "must be less than 128 characters")
	}
	return o, nil
}

func invalidOptions(fieldName, msg string) error {
	return apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "PatchOptions"}, "",
		field.ErrorList{field.Required(field.NewPath(fieldName), msg)})
}

// managerFromUserAgent is upstream's default field manager: the user agent up to the first "/".
func managerFromUserAgent(ua string) string {
	name, _, _ := strings.Cut(ua, "/")
	if len(name) > 128 {
		name = name[:128]
	}
	return name
}

// writeRequest reads a write's options and body.
func writeRequest(r *http.Request, patchType string) (writeOptions, []byte, error) {
	o, err := parseWriteOptions(r, patchType)
	if err != nil {
		return o, nil, err
	}
	body, err := readBody(r)
	return o, body, err
}

func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	if len(data) > maxBodyBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBodyBytes))
	}
	return data, nil
}

// decodeInto decodes a body into a fresh object of kind gvk, applying the field validation
// directive: Strict turns unknown fields into a 400, Warn into Warning headers.
func decodeInto(w http.ResponseWriter, r *http.Request, body []byte, gvk schema.GroupVersionKind, into runtime.Object, o writeOptions) (runtime.Object, error) {
	if c, ok := into.(*customObject); ok {
		return decodeCustom(w, r, body, gvk, customVersionOf(c), o)
	}
	obj, err := decodeBody(r, body, gvk, into, o.fieldValidation != "Ignore")
	if err != nil && runtime.IsStrictDecodingError(err) {
		if o.fieldValidation != "Strict" {
			warnStrict(w, err)
			return obj, nil
		}
	}
	var de decodeError
	if err != nil && (runtime.IsStrictDecodingError(err) || errors.As(err, &de)) {
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			// create and update word it as upstream's transformDecodeError does
			if de.kind != nil {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", de.kind.Kind, de.kind.Version, gvk.Kind, err))
			}
			if errors.As(err, &de) {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized (must be of type %s): %v (%s)", gvk.Kind, err, summarize(body, 30)))
			}
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
		}
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return obj, err
}

// summarize shortens a body for an error message, as upstream does.
func summarize(data []byte, max int) string {
	if len(data) <= max {
		return string(data)
	}
	return string(data[:max]) + "..."
}

func warnStrict(w http.ResponseWriter, err error) {
	if sde, ok := runtime.AsStrictDecodingError(err); ok {
		for _, e := range sde.Errors() {
			addWarning(w, e.Error())
		}
		return
	}
	addWarning(w, err.Error())
}

func addWarning(w http.ResponseWriter, msg string) {
	w.Header().Add("Warning", "299 - "+strconv.Quote(msg))
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	o, body, err := writeRequest(r, "")
	if err != nil {
		return err
	}
	obj, err := decodeInto(w, r, body, ri.served().gvk(), ri.served().newObj(), o)
	if err != nil {
		return err
	}
	if obj, err = ri.toStored(obj, true); err != nil {
		return err
	}
	created, err := s.createObjectManaged(ri, obj, o, false)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, created)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	o, body, err := writeRequest(r, "")
	if err != nil {
		return err
	}
	if ri.subresource == subScale {
		sc, err := decodeInto(w, r, body, autoscalingv1.SchemeGroupVersion.WithKind("Scale"), &autoscalingv1.Scale{}, o)
		if err != nil {
			return err
		}
		out, err := s.updateScale(ri, o, func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error) { return sc.(*autoscalingv1.Scale), nil })
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, out)
	}
	obj, err := decodeInto(w, r, body, ri.served().gvk(), ri.served().newObj(), o)
	if err != nil {
		return err
	}
	if obj, err = ri.toStored(obj, false); err != nil {
		return err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if m.GetName() != ri.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), ri.name))
	}
	if ri.res.namespaced && m.GetNamespace() != "" && m.GetNamespace() != ri.namespace {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	out, err := s.updateObject(ri, o, func(cur runtime.Object) (runtime.Object, error) { return obj, ri.checkViewUpdate(obj, cur) })
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, out)
}

func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	opts, err := listOptions(r, ri.selection())
	if err != nil {
		return err
	}
	dopts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	page, err := s.store.List(ri.res.storeKey, storage.ListOptions{Namespace: ri.namespace, Match: predicate(ri.selection(), opts)})
	if err != nil {
		return err
	}
	warnOrphaning(w, ri.res, dopts)
	var deleted []runtime.Object
	for _, obj := range page.Items {
		m, _ := meta.Accessor(obj)
		one := ri
		one.name, one.namespace = m.GetName(), m.GetNamespace()
		out, _, err := s.deleteObject(one, dopts)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		deleted = append(deleted, out)
	}
	list := ri.res.newList()
	meta.SetList(list, deleted)
	lm, _ := meta.ListAccessor(list)
	lm.SetResourceVersion(strconv.FormatUint(s.store.Revision(), 10))
	list.GetObjectKind().SetGroupVersionKind(ri.gvr.GroupVersion().WithKind(ri.res.listKind))
	return s.respond(w, r, http.StatusOK, list)
}

// deleteOptions reads DeleteOptions from the body (JSON, YAML or protobuf) and the query.
func deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		// Clients send DeleteOptions in meta.k8s.io/v1 or in the group version of the
		// resource (typed clients: apps/v1, v1); every served one decodes.
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || r.Header.Get("Content-Type") == "" {
			mt = mediaJSON
		}
		var info *runtime.SerializerInfo
		for _, si := range codecs.SupportedMediaTypes() {
			if si.MediaType == mt {
				info = &si
			}
		}
		if info == nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "delete", schema.GroupResource{}, "", fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(acceptedBodyTypes, ", ")), 0, false)
		}
		def := metav1.SchemeGroupVersion.WithKind("DeleteOptions")
		obj, actual, err := info.Serializer.Decode(body, &def, opts)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		d, ok := obj.(*metav1.DeleteOptions)
		if !ok || actual.Kind != "DeleteOptions" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of a delete must be DeleteOptions, not %s", actual.Kind))
		}
		opts = d
	}
	if err := metainternalversionscheme.ParameterCodec.DecodeParameters(r.URL.Query(), metav1.SchemeGroupVersion, opts); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	for _, d := range opts.DryRun {
		if d != "All" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("Invalid dryRun value %q", d))
		}
	}
	if opts.PropagationPolicy != nil && opts.OrphanDependents != nil { //nolint:staticcheck // checked as upstream
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "DeleteOptions"}, "", field.ErrorList{
			field.Invalid(field.NewPath("propagationPolicy"), *opts.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set")})
	}
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			return nil, apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "DeleteOptions"}, "", field.ErrorList{
				field.NotSupported(field.NewPath("propagationPolicy"), *opts.PropagationPolicy, []string{"Foreground", "Background", "Orphan", "nil"})})
		}
	}
	return opts, nil
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	opts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	out, gone, err := s.deleteObject(ri, opts)
	if err != nil {
		return err
	}
	warnOrphaning(w, ri.res, opts)
	if gone && !ri.res.returnDeleted {
		m, _ := meta.Accessor(out)
		status := &metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusSuccess,
			Details:  &metav1.StatusDetails{Name: ri.name, Group: ri.gvr.Group, Kind: ri.gvr.Resource, UID: m.GetUID()},
		}
		out, ok := negotiate(r, false)
		if !ok {
			out.mediaType = mediaJSON
		}
		writeObject(w, http.StatusOK, status, out.mediaType)
		return nil
	}
	return s.respond(w, r, http.StatusOK, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ownerRefTo reports whether obj has an owner reference to uid.
func ownerRefTo(obj runtime.Object, uid types.UID) bool {
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	for _, ref := range m.GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}
