package apiserver

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/sheetops/sheetops/apiserver/printers"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// bookmarkInterval is how often a watch that allows bookmarks gets one.
var bookmarkInterval = time.Minute

// initialEventsAnnotation marks the bookmark that ends the initial events of a watch list.
const initialEventsAnnotation = "k8s.io/initial-events-end"

func (s *Server) watch(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	opts, err := listOptions(r, ri.selection())
	if err != nil {
		return err
	}
	out, ok := negotiate(r, true)
	// Protobuf only for the built-in kinds' objects: custom resources have no protobuf
	// encoding (kube-apiserver answers them in JSON too), tables and metadata are JSON.
	if !ok || out.mediaType == mediaYAML || (out.mediaType == mediaProtobuf && (out.kind != outObject || ri.res.custom != nil)) {
		out.mediaType = mediaJSON
	}
	var tableOpts printers.Options
	if out.kind == outTable {
		if tableOpts, err = tableOptions(r); err != nil {
			return err
		}
	}
	if ri.name != "" { // legacy /watch/.../name path
		sel := fields.OneTermEqualSelector("metadata.name", ri.name)
		if opts.FieldSelector != nil && !opts.FieldSelector.Empty() {
			sel = fields.AndSelectors(sel, opts.FieldSelector)
		}
		opts.FieldSelector = sel
	}
	since, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return err
	}
	initial := since == 0
	initialEnd := false
	if opts.SendInitialEvents != nil {
		if opts.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan {
			return apierrors.NewInvalid(schemaGroupKindListOptions, "", field.ErrorList{field.Forbidden(field.NewPath("resourceVersionMatch"), "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")})
		}
		if *opts.SendInitialEvents && !opts.AllowWatchBookmarks {
			return apierrors.NewInvalid(schemaGroupKindListOptions, "", field.ErrorList{field.Forbidden(field.NewPath("allowWatchBookmarks"), "sendInitialEvents requires setting allowWatchBookmarks to true")})
		}
		initial, initialEnd = *opts.SendInitialEvents, *opts.SendInitialEvents
		if !initial && since == 0 {
			since = s.store.Revision()
		}
	} else if opts.ResourceVersionMatch != "" {
		return apierrors.NewInvalid(schemaGroupKindListOptions, "", field.ErrorList{field.Forbidden(field.NewPath("resourceVersionMatch"), "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")})
	}
	var tooLarge *apierrors.StatusError
	if initial && since > 0 {
		// A watch that sends initial events waits for the store to reach the revision, as
		// upstream's watch cache; past freshWait the watch starts with just an ERROR event.
		// Other watches from a revision not reached yet start at once and see what comes
		// after that revision.
		if err := s.awaitRevision(r.Context(), since); err != nil {
			if !errors.As(err, &tooLarge) {
				return err
			}
		}
	}
	// Protobuf events of objects are written from the stored encodings where the store has them.
	raw := out.mediaType == mediaProtobuf && out.kind == outObject && ri.view == nil
	watcher, werr := s.store.Watch(ri.res.storeKey, storage.WatchOptions{
		Namespace: ri.namespace, Match: predicate(ri.selection(), opts), Since: since, Initial: initial, Raw: raw,
	})
	if errors.Is(werr, storage.ErrClosed) {
		return apierrors.NewServiceUnavailable("the server is shutting down")
	}
	if werr != nil && !errors.Is(werr, storage.ErrExpired) {
		return werr
	}
	if tooLarge != nil && werr == nil {
		watcher.Stop()
		werr = tooLarge
	}
	timeout := time.Duration(1800+rand.IntN(1800)) * time.Second
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	flusher, _ := w.(http.Flusher)
	contentType := out.mediaType
	if out.mediaType == mediaProtobuf {
		contentType += ";stream=watch"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	ew := &eventWriter{w: w, flusher: flusher, out: out, tableOpts: tableOpts, view: ri.view}
	if werr != nil {
		st := apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", since, s.store.Revision())).ErrStatus
		if tooLarge != nil {
			st = tooLarge.ErrStatus
		}
		st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
		ew.write(watch.Error, &st)
		ew.flush()
		return nil
	}
	defer watcher.Stop()

	stop := make(chan struct{})
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var tick <-chan time.Time
	if opts.AllowWatchBookmarks {
		t := time.NewTicker(bookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	go func() {
		select {
		case <-r.Context().Done():
		case <-timer.C:
		case <-watcher.Done():
		}
		close(stop)
	}()
	var lastRV uint64
	for {
		events, ok := watcher.Next(stop)
		if !ok {
			return nil
		}
		select {
		case <-stop:
			return nil
		case <-tick:
			if rv := watcher.Progress(); rv > lastRV {
				lastRV = rv
			}
			// never a bookmark before the revision the watch started from (one far ahead)
			if lastRV > 0 && lastRV >= since && !ew.bookmark(ri.served(), lastRV, false) {
				return nil
			}
		default:
		}
		for _, ev := range events {
			if ev.Type == storage.InitialEventsEnd {
				lastRV = ev.RV
				if initialEnd && !ew.bookmark(ri.served(), ev.RV, true) {
					return nil
				}
				continue
			}
			lastRV = ev.RV
			if raw && ev.Data != nil {
				if !ew.writeProtobufRaw(ev.Type, ri.res.gvk(), ev.Data) {
					return nil
				}
				continue
			}
			obj := ev.Object
			if ri.view != nil && out.kind != outTable {
				obj = presentAs(ri.view, obj)
			} else {
				obj = withTypeMeta(obj)
			}
			if !ew.write(ev.Type, obj) {
				return nil
			}
		}
		if len(events) > 0 && !ew.flush() {
			return nil
		}
	}
}

var schemaGroupKindListOptions = metav1.SchemeGroupVersion.WithKind("ListOptions").GroupKind()

// eventWriter writes watch events as newline-delimited JSON, or in protobuf as upstream
// does (each a meta.k8s.io WatchEvent whose object is the object's protobuf encoding,
// framed by a 4-byte big-endian length), one flush per batch.
type eventWriter struct {
	w         http.ResponseWriter
	flusher   http.Flusher
	out       output
	tableOpts printers.Options
	buf       bytes.Buffer
	headers   bool      // the table column definitions were sent
	view      *resource // the view watched: custom resources print their own columns
	failed    bool
}

func (e *eventWriter) write(t watch.EventType, obj runtime.Object) bool {
	if e.failed {
		return false
	}
	switch {
	case t == watch.Error || t == watch.Bookmark:
	case e.out.kind == outTable:
		opts := e.tableOpts
		opts.NoHeaders = opts.NoHeaders || e.headers
		tbl, err := tableOf(e.view, obj, opts)
		if err != nil {
			st := apierrors.NewInternalError(err).ErrStatus
			obj, t = &st, watch.Error
			break
		}
		e.headers = true
		obj = tbl
	case e.out.kind == outMetadata:
		obj = partialMetadata(obj)
	}
	if e.out.mediaType == mediaProtobuf {
		return e.writeProtobuf(t, obj)
	}
	data, err := encode(obj, mediaJSON)
	if err != nil {
		e.failed = true
		return false
	}
	e.buf.WriteString(`{"type":"`)
	e.buf.WriteString(string(t))
	e.buf.WriteString(`","object":`)
	e.buf.Write(bytes.TrimRight(data, "\n"))
	e.buf.WriteString("}\n")
	if e.buf.Len() > 1<<20 {
		return e.flush()
	}
	return true
}

func (e *eventWriter) writeProtobuf(t watch.EventType, obj runtime.Object) bool {
	data, err := encode(obj, mediaProtobuf)
	if err != nil {
		e.failed = true
		return false
	}
	return e.writeProtobufFrame(t, data)
}

// writeProtobufRaw writes an event whose object, of kind gvk, has the protobuf encoding raw
// (as stored): the envelope the serializer would have written around it, and raw.
func (e *eventWriter) writeProtobufRaw(t watch.EventType, gvk schema.GroupVersionKind, raw []byte) bool {
	if e.failed {
		return false
	}
	data := protoHeader(make([]byte, 0, len(raw)+64), gvk, len(raw))
	data = append(data, raw...)
	data = append(data, protoTrailer...)
	return e.writeProtobufFrame(t, data)
}

// writeProtobufFrame writes a WatchEvent whose object is data, an encoded object.
func (e *eventWriter) writeProtobufFrame(t watch.EventType, data []byte) bool {
	ev := metav1.WatchEvent{Type: string(t), Object: runtime.RawExtension{Raw: data}}
	frame, err := ev.Marshal()
	if err != nil {
		e.failed = true
		return false
	}
	e.buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(frame))))
	e.buf.Write(frame)
	if e.buf.Len() > 1<<20 {
		return e.flush()
	}
	return true
}

func (e *eventWriter) flush() bool {
	if e.buf.Len() == 0 {
		return !e.failed
	}
	_, err := e.w.Write(e.buf.Bytes())
	e.buf.Reset()
	if err != nil {
		e.failed = true
		return false
	}
	if e.flusher != nil {
		e.flusher.Flush()
	}
	return true
}

// bookmark sends a BOOKMARK: an empty object of the kind carrying only the revision.
func (e *eventWriter) bookmark(res *resource, rv uint64, initialEnd bool) bool {
	obj := withTypeMeta(res.newObj())
	m, _ := meta.Accessor(obj)
	m.SetResourceVersion(strconv.FormatUint(rv, 10))
	if initialEnd {
		m.SetAnnotations(map[string]string{initialEventsAnnotation: "true"})
	}
	return e.write(watch.Bookmark, obj) && e.flush()
}
