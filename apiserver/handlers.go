package apiserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metainternalversionscheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/auth"
	"github.com/sheetops/sheetops/apiserver/printers"
	"github.com/sheetops/sheetops/apiserver/storage"
	"github.com/sheetops/sheetops/apiserver/validation"
)

var jsonMarshal = json.Marshal

// maxBodyBytes bounds a request body, as kube-apiserver does (3 MiB objects, some slack).
const maxBodyBytes = 3 << 20

func notFoundPath() error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, "get", schema.GroupResource{}, "", "", 0, false)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.serveGroupPaths(w, r) {
		return
	}
	ri, ok := parseResourcePath(r.Method, r.URL.Path, lenientBool(r.URL.Query().Get("watch")))
	if !ok {
		writeStatusError(w, notFoundPath())
		return
	}
	if !servedGroupVersion(ri.gvr.GroupVersion()) {
		http.NotFound(w, r) // upstream's mux answers an unknown group version in plain text
		return
	}
	res := index[ri.gvr]
	if res == nil || (ri.namespace != "" && !res.namespaced) || (ri.subresource != "" && !res.hasSub(ri.subresource)) {
		writeStatusError(w, notFoundPath())
		return
	}
	ri.res = res
	if res.namespaced && ri.namespace == "" && ri.name != "" {
		writeStatusError(w, notFoundPath())
		return
	}
	attrNS := ri.namespace
	if res.storeKey == "namespaces" {
		attrNS = ri.name // upstream's request info names a namespace as its own namespace
	}
	if err := s.authz.Authorize(userFrom(r), auth.Attributes{
		Verb: ri.verb, APIGroup: ri.gvr.Group, Resource: ri.gvr.Resource, Subresource: ri.subresource,
		Namespace: attrNS, Name: ri.name, ResourceRequest: true, Path: r.URL.Path,
	}); err != nil {
		writeStatusError(w, err)
		return
	}
	var err error
	switch ri.verb {
	case "create", "update", "patch":
		growStack()
	}
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
		err = s.create(w, r, ri)
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
		writeStatusError(w, err)
	}
}

// writeStack is about the stack a write's handler reaches (decoding, strategic merge,
// field managers, validation, all recursive walks of the object).
const writeStack = 64 << 10

// growStack grows the calling goroutine's stack to writeStack at once. A request's handler
// runs on a new goroutine, whose small stack a write would otherwise double several
// times, each time copying the stack as it has grown so far; growing it here, while it
// is nearly empty, copies almost nothing.
//
//go:noinline
func growStack() byte {
	var pad [writeStack]byte
	return pad[stackSink.Load()&(writeStack-1)]
}

// stackSink keeps growStack's array from being optimized away.
var stackSink atomic.Uint32

func servedGroupVersion(gv schema.GroupVersion) bool {
	for _, g := range groupVersions() {
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
		t, err := printers.ToTable(obj, opts)
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

// shallowCopy copies the struct obj points to.
func shallowCopy(obj runtime.Object) runtime.Object {
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
		return s.respond(w, r, http.StatusOK, scaleOf(obj))
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

// predicate builds the store predicate for the label and field selectors.
func predicate(res *resource, opts *metainternalversion.ListOptions) storage.Predicate {
	ls, fs := opts.LabelSelector, opts.FieldSelector
	if (ls == nil || ls.Empty()) && (fs == nil || fs.Empty()) {
		return nil
	}
	return func(obj runtime.Object) bool {
		m, err := meta.Accessor(obj)
		if err != nil {
			return false
		}
		if ls != nil && !ls.Empty() && !ls.Matches(labels.Set(m.GetLabels())) {
			return false
		}
		if fs != nil && !fs.Empty() {
			set := fields.Set{"metadata.name": m.GetName()}
			if res.namespaced {
				set["metadata.namespace"] = m.GetNamespace()
			}
			if res.fields != nil {
				for k, v := range res.fields(obj) {
					set[k] = v
				}
			}
			if !fs.Matches(set) {
				return false
			}
		}
		return true
	}
}

type continueToken struct {
	APIVersion string `json:"v"`
	RV         uint64 `json:"rv"`
	Start      string `json:"start"`
}

func encodeContinue(rv uint64, lastKey string) string {
	data, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", RV: rv, Start: lastKey + "\x00"})
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeContinue(s string) (continueToken, error) {
	var t continueToken
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token: continue key is not valid: %v", err))
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return t, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token: continue key is not valid: %v", err))
	}
	if t.APIVersion != "meta.k8s.io/v1" || t.RV == 0 {
		return t, apierrors.NewBadRequest("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	t.Start = strings.TrimSuffix(t.Start, "\x00")
	return t, nil
}

func parseRV(v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q: %v", v, err))
	}
	return n, nil
}

// freshWait is how long a read from a resourceVersion the store has not reached waits for
// it: kube-apiserver's watch cache waits as long (its blockTimeout) for itself to catch up.
var freshWait = 3 * time.Second

// awaitRevision waits up to freshWait for the store to reach rv, then fails as
// kube-apiserver does: 504 Timeout "Too large resource version", with a
// ResourceVersionTooLarge cause and a retry after 1 s. rv 0 means any revision.
func (s *Server) awaitRevision(ctx context.Context, rv uint64) error {
	if rv <= s.store.Revision() {
		return nil
	}
	deadline := time.NewTimer(freshWait)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
		case <-deadline.C:
		case <-poll.C:
			if rv <= s.store.Revision() {
				return nil
			}
			continue
		}
		if cur := s.store.Revision(); rv > cur {
			return tooLargeResourceVersion(rv, cur)
		}
		return nil
	}
}

// tooLargeResourceVersion is upstream's storage.NewTooLargeResourceVersionError as the
// watch cache makes it (retry after 1 s).
func tooLargeResourceVersion(rv, current uint64) *apierrors.StatusError {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", rv, current), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
	return err
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	opts, err := listOptions(r, ri.res)
	if err != nil {
		return err
	}
	// Protobuf lists are written from the stored encodings (respond answers the rest).
	out, ok := negotiate(r, true)
	rawList := ok && out.kind == outObject && out.mediaType == mediaProtobuf
	so := storage.ListOptions{Namespace: ri.namespace, Match: predicate(ri.res, opts), Limit: opts.Limit, Raw: rawList}
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
		return writeProtobufList(w, list, gvk, page.Items, page.Raw)
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

// errDryRun carries the object a dry-run write would have stored out of the store's update.
type errDryRun struct{ obj runtime.Object }

func (e errDryRun) Error() string { return "dry run" }

func (s *Server) create(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	o, body, err := writeRequest(r, "")
	if err != nil {
		return err
	}
	obj, err := decodeInto(w, r, body, ri.res.gvk(), ri.res.newObj(), o)
	if err != nil {
		return err
	}
	created, err := s.createObjectManaged(ri, obj, o, false)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, created)
}

// createObjectManaged runs the create pipeline: names, defaults, system fields, admission,
// validation, managed fields (unless the caller, server-side apply, has set them), store.
func (s *Server) createObjectManaged(ri requestInfo, obj runtime.Object, o writeOptions, managed bool) (runtime.Object, error) {
	res := ri.res
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if res.namespaced {
		if m.GetNamespace() == "" {
			m.SetNamespace(ri.namespace)
		} else if m.GetNamespace() != ri.namespace {
			return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		m.SetNamespace("")
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + rand.String(5))
	}
	defaultObject(obj)
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(metav1.Now().Rfc3339Copy())
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetResourceVersion("")
	m.SetSelfLink("")
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	validation.PrepareForCreate(obj)
	if res.namespaced {
		if err := s.admitNamespace(res, m.GetNamespace(), m.GetName()); err != nil {
			return nil, err
		}
	}
	if errs := validation.ValidateCreate(obj); len(errs) > 0 {
		return nil, apierrors.NewInvalid(res.gvk().GroupKind(), m.GetName(), errs)
	}
	if fm := res.managers[""]; fm != nil && !managed {
		// obj is this request's own object: the field manager may change it in place.
		obj.GetObjectKind().SetGroupVersionKind(res.gvk())
		obj = fm.UpdateNoErrors(withTypeMeta(res.newObj()), obj, o.fieldManager)
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	if o.dryRun {
		return obj, nil
	}
	return s.store.Create(res.storeKey, obj)
}

// admitNamespace refuses content in a missing (404) or terminating (403) namespace.
func (s *Server) admitNamespace(res *resource, namespace, name string) error {
	obj, err := s.store.Get("namespaces", "", namespace)
	if err != nil {
		return err
	}
	if ns := obj.(*corev1.Namespace); ns.Status.Phase == corev1.NamespaceTerminating || ns.DeletionTimestamp != nil {
		e := apierrors.NewForbidden(res.groupResource(), name,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
		e.ErrStatus.Details.Causes = append(e.ErrStatus.Details.Causes, metav1.StatusCause{
			Type: corev1.NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", namespace), Field: "metadata.namespace"})
		return e
	}
	return nil
}

func defaultObject(obj runtime.Object) { validation.Default(obj) }

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
	obj, err := decodeInto(w, r, body, ri.res.gvk(), ri.res.newObj(), o)
	if err != nil {
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
	out, err := s.updateObject(ri, o, func(runtime.Object) (runtime.Object, error) { return obj, nil })
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, out)
}

// updateObject runs the update pipeline on the stored object: newObj builds the request's
// object from the current one; preconditions, defaults, strategy, validation and managed
// fields follow, atomically under the store's write lock.
func (s *Server) updateObject(ri requestInfo, o writeOptions, newObj func(cur runtime.Object) (runtime.Object, error)) (runtime.Object, error) {
	res := ri.res
	out, _, err := s.store.Update(res.storeKey, ri.namespace, ri.name, func(cur runtime.Object) (runtime.Object, error) {
		obj, err := newObj(cur)
		if err != nil {
			return nil, err
		}
		return s.prepareUpdateManaged(ri, o, obj, cur, true)
	})
	var dry errDryRun
	if errors.As(err, &dry) {
		return dry.obj, nil
	}
	return out, err
}

// prepareUpdateManaged checks and completes obj, the request's new state of cur; track
// records the write in managed fields (server-side apply has done that already).
func (s *Server) prepareUpdateManaged(ri requestInfo, o writeOptions, obj, cur runtime.Object, track bool) (runtime.Object, error) {
	res := ri.res
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	cm, _ := meta.Accessor(cur)
	if rv := m.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, conflict(res, ri.name)
	}
	if m.GetResourceVersion() == "" {
		// An unconditional update, as every kind served here allows upstream.
		m.SetResourceVersion(cm.GetResourceVersion())
	}
	if uid := m.GetUID(); uid != "" && uid != cm.GetUID() {
		return nil, apierrors.NewConflict(res.groupResource(), ri.name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, cm.GetUID()))
	}
	m.SetNamespace(cm.GetNamespace())
	m.SetUID(cm.GetUID())
	m.SetCreationTimestamp(cm.GetCreationTimestamp())
	m.SetDeletionTimestamp(cm.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(cm.GetDeletionGracePeriodSeconds())
	m.SetSelfLink("")
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	defaultObject(obj)
	var errs field.ErrorList
	if ri.subresource == subStatus {
		validation.PrepareForStatusUpdate(obj, cur)
		errs = validation.ValidateStatusUpdate(obj, cur)
	} else {
		if cm.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) > len(cm.GetFinalizers()) && !subset(m.GetFinalizers(), cm.GetFinalizers()) {
			return nil, apierrors.NewForbidden(res.groupResource(), ri.name, errors.New("no new finalizers can be added if the object is being deleted"))
		}
		validation.PrepareForUpdate(obj, cur)
		errs = validation.ValidateUpdate(obj, cur)
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(res.gvk().GroupKind(), ri.name, errs)
	}
	if fm := res.managers[ri.subresource]; fm != nil && track {
		// obj is this request's own object; cur is stored and only read (a shallow copy
		// carries its kind).
		obj.GetObjectKind().SetGroupVersionKind(res.gvk())
		obj = updateManaged(fm, withTypeMeta(cur), obj, o.fieldManager)
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	if o.dryRun {
		out := obj.DeepCopyObject()
		meta.NewAccessor().SetResourceVersion(out, cm.GetResourceVersion())
		return nil, errDryRun{obj: out}
	}
	return obj, nil
}

func subset(a, b []string) bool {
	have := map[string]bool{}
	for _, x := range b {
		have[x] = true
	}
	for _, x := range a {
		if !have[x] {
			return false
		}
	}
	return true
}

func conflict(res *resource, name string) error {
	return apierrors.NewConflict(res.groupResource(), name,
		errors.New("the object has been modified; please apply your changes to the latest version and try again"))
}

// scaleOf is the autoscaling/v1 Scale view of a deployment or replica set.
func scaleOf(obj runtime.Object) *autoscalingv1.Scale {
	sc := &autoscalingv1.Scale{}
	var om metav1.ObjectMeta
	switch o := obj.(type) {
	case *appsv1.Deployment:
		om = o.ObjectMeta
		sc.Spec.Replicas = replicasOf(o.Spec.Replicas)
		sc.Status.Replicas = o.Status.Replicas
		sc.Status.Selector = selectorString(o.Spec.Selector)
	case *appsv1.ReplicaSet:
		om = o.ObjectMeta
		sc.Spec.Replicas = replicasOf(o.Spec.Replicas)
		sc.Status.Replicas = o.Status.Replicas
		sc.Status.Selector = selectorString(o.Spec.Selector)
	}
	sc.ObjectMeta = metav1.ObjectMeta{Name: om.Name, Namespace: om.Namespace, UID: om.UID, ResourceVersion: om.ResourceVersion, CreationTimestamp: om.CreationTimestamp}
	return sc
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func selectorString(ls *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return ""
	}
	return sel.String()
}

// updateScale changes a deployment's or replica set's replicas through its Scale.
func (s *Server) updateScale(ri requestInfo, o writeOptions, newScale func(cur *autoscalingv1.Scale) (*autoscalingv1.Scale, error)) (*autoscalingv1.Scale, error) {
	res := ri.res
	mainRI := ri
	mainRI.subresource = ""
	out, err := s.updateObject(mainRI, o, func(cur runtime.Object) (runtime.Object, error) {
		curScale := scaleOf(cur)
		sc, err := newScale(curScale)
		if err != nil {
			return nil, err
		}
		if sc.Name != "" && sc.Name != ri.name {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Name, ri.name))
		}
		if sc.ResourceVersion != "" && sc.ResourceVersion != curScale.ResourceVersion {
			return nil, conflict(res, ri.name)
		}
		if sc.Spec.Replicas < 0 {
			return nil, apierrors.NewInvalid(schema.GroupKind{Group: "autoscaling", Kind: "Scale"}, ri.name,
				field.ErrorList{field.Invalid(field.NewPath("spec", "replicas"), sc.Spec.Replicas, "must be greater than or equal to 0")})
		}
		next := cur.DeepCopyObject()
		n := sc.Spec.Replicas
		switch d := next.(type) {
		case *appsv1.Deployment:
			d.Spec.Replicas = &n
		case *appsv1.ReplicaSet:
			d.Spec.Replicas = &n
		}
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return scaleOf(out), nil
}

func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	opts, err := listOptions(r, ri.res)
	if err != nil {
		return err
	}
	dopts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	page, err := s.store.List(ri.res.storeKey, storage.ListOptions{Namespace: ri.namespace, Match: predicate(ri.res, opts)})
	if err != nil {
		return err
	}
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

// deleteObject deletes one object, or marks it for deletion when finalizers (its own, a
// foreground or orphan policy, a namespace's) must run first. gone reports an immediate delete.
func (s *Server) deleteObject(ri requestInfo, opts *metav1.DeleteOptions) (out runtime.Object, gone bool, err error) {
	res := ri.res
	dryRun := len(opts.DryRun) > 0
	check := func(cur runtime.Object) error {
		m, _ := meta.Accessor(cur)
		if p := opts.Preconditions; p != nil {
			// Worded as upstream's storage precondition errors, which name the kind.
			kindGR := schema.GroupResource{Group: res.gvr.Group, Resource: res.kind}
			if p.UID != nil && *p.UID != m.GetUID() {
				return apierrors.NewConflict(kindGR, ri.name, fmt.Errorf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *p.UID, m.GetUID()))
			}
			if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
				return apierrors.NewConflict(kindGR, ri.name, fmt.Errorf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *p.ResourceVersion, m.GetResourceVersion()))
			}
		}
		return nil
	}
	policy := metav1.DeletePropagationBackground
	if opts.PropagationPolicy != nil {
		policy = *opts.PropagationPolicy
	} else if opts.OrphanDependents != nil && *opts.OrphanDependents { //nolint:staticcheck // honoured as upstream
		policy = metav1.DeletePropagationOrphan
	}
	var finalizer string
	switch {
	case policy == metav1.DeletePropagationForeground:
		finalizer = metav1.FinalizerDeleteDependents
	case policy == metav1.DeletePropagationOrphan:
		finalizer = metav1.FinalizerOrphanDependents
	}
	if res.storeKey == "namespaces" && protectedNamespaces[ri.name] {
		return nil, false, apierrors.NewForbidden(res.groupResource(), ri.name, errors.New("this namespace may not be deleted"))
	}
	cur, err := s.store.Get(res.storeKey, ri.namespace, ri.name)
	if err != nil {
		return nil, false, err
	}
	cm, _ := meta.Accessor(cur)
	grace := podGracePeriod(cur, opts)
	graceful := res.storeKey == "namespaces" || len(cm.GetFinalizers()) > 0 || (finalizer != "" && res.owner) || grace > 0
	if dryRun {
		if err := check(cur); err != nil {
			return nil, false, err
		}
		return cur, !graceful, nil
	}
	if !graceful {
		var out runtime.Object
		var err error
		if grace == 0 {
			// a pod with no grace period left: marked, then deleted, as upstream
			out, err = s.store.DeleteMarked(res.storeKey, ri.namespace, ri.name, check, func(cur runtime.Object) runtime.Object {
				next := cur.DeepCopyObject()
				m, _ := meta.Accessor(next)
				if m.GetDeletionTimestamp() == nil {
					now := metav1.NewTime(time.Now().Truncate(time.Second))
					m.SetDeletionTimestamp(&now)
				}
				zero := int64(0)
				m.SetDeletionGracePeriodSeconds(&zero)
				return next
			})
		} else {
			out, err = s.store.Delete(res.storeKey, ri.namespace, ri.name, check)
		}
		if err != nil {
			return nil, false, err
		}
		s.collector.deleted(res, out)
		return out, true, nil
	}
	out, deleted, err := s.store.Update(res.storeKey, ri.namespace, ri.name, func(cur runtime.Object) (runtime.Object, error) {
		if err := check(cur); err != nil {
			return nil, err
		}
		next := cur.DeepCopyObject()
		m, _ := meta.Accessor(next)
		if cur := m.GetDeletionGracePeriodSeconds(); m.GetDeletionTimestamp() == nil || (cur != nil && grace < *cur) {
			// A first delete marks the object; a later one may only shorten a pod's grace period.
			g := grace
			if g < 0 {
				g = 0
			}
			when := metav1.NewTime(time.Now().Add(time.Duration(g) * time.Second).Truncate(time.Second))
			m.SetDeletionTimestamp(&when)
			m.SetDeletionGracePeriodSeconds(&g)
		}
		if finalizer != "" && res.owner {
			fs := m.GetFinalizers()
			if !contains(fs, finalizer) {
				m.SetFinalizers(append(fs, finalizer))
			}
		}
		if ns, ok := next.(*corev1.Namespace); ok {
			ns.Status.Phase = corev1.NamespaceTerminating
		}
		return next, nil
	})
	if err != nil {
		return nil, false, err
	}
	if deleted {
		s.collector.deleted(res, out)
		return out, true, nil
	}
	s.collector.terminating(res, out)
	return out, false, nil
}

// protectedNamespaces cannot be deleted, as upstream's namespace lifecycle admission says.
var protectedNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

// podGracePeriod is the grace period a DELETE gives a pod that a kubelet runs: the
// request's, else the pod's terminationGracePeriodSeconds, else 30. It is 0 for a pod no node
// runs (unbound, or finished), which goes at once as upstream; -1 for other kinds.
func podGracePeriod(obj runtime.Object, opts *metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return -1
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	if grace < 0 {
		grace = 0
	}
	return grace
}

// bind assigns a pod to a node (pods/binding), as a scheduler does.
func (s *Server) bind(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	o, body, err := writeRequest(r, "")
	if err != nil {
		return err
	}
	obj, err := decodeInto(w, r, body, corev1.SchemeGroupVersion.WithKind("Binding"), &corev1.Binding{}, o)
	if err != nil {
		return err
	}
	b := obj.(*corev1.Binding)
	if b.Name != "" && b.Name != ri.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", b.Name, ri.name))
	}
	if b.Target.Name == "" || (b.Target.Kind != "" && b.Target.Kind != "Node") {
		return apierrors.NewInvalid(schema.GroupKind{Kind: "Binding"}, ri.name, field.ErrorList{field.Required(field.NewPath("target", "name"), "")})
	}
	bindingGR := schema.GroupResource{Resource: "pods/binding"}
	_, _, err = s.store.Update(ri.res.storeKey, ri.namespace, ri.name, func(cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(bindingGR, ri.name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", ri.name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(bindingGR, ri.name, fmt.Errorf("pod %s is already assigned to node %q", ri.name, pod.Spec.NodeName))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(bindingGR, ri.name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		next := pod.DeepCopy()
		next.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if next.Annotations == nil {
				next.Annotations = map[string]string{}
			}
			next.Annotations[k] = v
		}
		setPodCondition(&next.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now().Rfc3339Copy()})
		if o.dryRun {
			return nil, errDryRun{obj: next}
		}
		return next, nil
	})
	if _, dry := err.(errDryRun); err != nil && !dry {
		return err
	}
	writeObject(w, http.StatusCreated, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess, Code: http.StatusCreated}, mediaJSON)
	return nil
}

func setPodCondition(st *corev1.PodStatus, c corev1.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status != c.Status {
				st.Conditions[i] = c
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
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
