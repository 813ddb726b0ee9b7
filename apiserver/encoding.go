package apiserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"

	"github.com/munnerz/goautoneg"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"sigs.k8s.io/yaml"
)

const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

var (
	jsonEncoder  = jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme, scheme, jsonserializer.SerializerOptions{})
	protoEncoder = protobuf.NewSerializer(scheme, scheme)
)

// outputKind is what a client asked to receive.
type outputKind int

const (
	outObject   outputKind = iota // the object itself
	outTable                      // meta.k8s.io/v1 Table
	outMetadata                   // PartialObjectMetadata(List)
)

// output is the negotiated response form.
type output struct {
	kind      outputKind
	mediaType string // mediaJSON, mediaYAML or mediaProtobuf
}

// negotiate reads the Accept header. Table and metadata forms are only offered where
// allowTransform is true (resource reads); ok is false when nothing acceptable can be served.
func negotiate(r *http.Request, allowTransform bool) (output, bool) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return output{mediaType: mediaJSON}, true
	}
	key := negotiationKey{accept, allowTransform}
	if n, ok := negotiations.Load(key); ok {
		n := n.(negotiation)
		return n.out, n.ok
	}
	out, ok := negotiateAccept(accept, allowTransform)
	if negotiationsLen.Add(1) <= maxNegotiations {
		negotiations.Store(key, negotiation{out, ok})
	}
	return out, ok
}

// negotiations remembers negotiate's answers by Accept header, which clients repeat with
// every request: parsing one was most of the server's time for a get. At most
// maxNegotiations headers are remembered; others are parsed every time.
var (
	negotiations    stdsync.Map // negotiationKey -> negotiation
	negotiationsLen atomic.Int64
)

const maxNegotiations = 256

type negotiationKey struct {
	accept         string
	allowTransform bool
}

type negotiation struct {
	out output
	ok  bool
}

func negotiateAccept(accept string, allowTransform bool) (output, bool) {
	for _, c := range goautoneg.ParseAccept(accept) {
		mt := c.Type + "/" + c.SubType
		as := c.Params["as"]
		if as != "" {
			if !allowTransform || c.Params["g"] != "meta.k8s.io" || (c.Params["v"] != "v1" && c.Params["v"] != "v1beta1") {
				continue
			}
			if mt != mediaJSON && mt != mediaYAML && mt != mediaProtobuf {
				continue
			}
			switch as {
			case "Table":
				return output{kind: outTable, mediaType: jsonIfProtobuf(mt)}, true
			case "PartialObjectMetadata", "PartialObjectMetadataList":
				return output{kind: outMetadata, mediaType: jsonIfProtobuf(mt)}, true
			}
			continue
		}
		switch mt {
		case mediaJSON, mediaYAML, mediaProtobuf:
			return output{mediaType: mt}, true
		case "*/*", "application/*":
			return output{mediaType: mediaJSON}, true
		}
	}
	return output{}, false
}

// jsonIfProtobuf: tables and metadata are answered in JSON (clients that ask for them accept it).
func jsonIfProtobuf(mt string) string {
	if mt == mediaProtobuf {
		return mediaJSON
	}
	return mt
}

// encode serialises obj (whose TypeMeta the caller has set) in the media type.
func encode(obj runtime.Object, mediaType string) ([]byte, error) {
	var buf bytes.Buffer
	switch mediaType {
	case mediaProtobuf:
		if err := protoEncoder.Encode(obj, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case mediaYAML:
		if err := jsonEncoder.Encode(obj, &buf); err != nil {
			return nil, err
		}
		return yaml.JSONToYAML(buf.Bytes())
	default:
		if err := jsonEncoder.Encode(obj, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}

// prettyWriter marks a response to a request that asked for indented JSON.
type prettyWriter struct{ http.ResponseWriter }

// Flush lets watches flush through the wrapper.
func (p prettyWriter) Flush() {
	if f, ok := p.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (p prettyWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// withPretty marks the responses that upstream indents: ?pretty=true (any boolean), or,
// without the parameter, a request from curl, Wget or a browser.
func withPretty(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pretty, v := false, ""
		if strings.Contains(r.URL.RawQuery, "pretty") { // as upstream: no query parse otherwise
			v = r.URL.Query().Get("pretty")
		}
		if v != "" {
			pretty, _ = strconv.ParseBool(v)
		} else {
			ua := r.UserAgent()
			pretty = strings.HasPrefix(ua, "curl") || strings.HasPrefix(ua, "Wget") || strings.HasPrefix(ua, "Mozilla/5.0")
		}
		if pretty {
			w = prettyWriter{w}
		}
		next.ServeHTTP(w, r)
	})
}

// indentFor indents JSON data by two spaces, as upstream's pretty serializer (no final
// newline), when w is a prettyWriter.
func indentFor(w http.ResponseWriter, data []byte, mediaType string) []byte {
	if _, ok := w.(prettyWriter); !ok || mediaType != mediaJSON {
		return data
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(data), "", "  "); err != nil {
		return data
	}
	return buf.Bytes()
}

// writeObject writes obj with the status code in the negotiated media type.
func writeObject(w http.ResponseWriter, code int, obj runtime.Object, mediaType string) {
	data, err := encode(obj, mediaType)
	if err != nil {
		writeStatusError(w, apierrors.NewInternalError(fmt.Errorf("encode response: %w", err)))
		return
	}
	data = indentFor(w, data, mediaType)
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(code)
	w.Write(data)
}

// toStatusError turns any error into the Status a client reads.
func toStatusError(err error) *apierrors.StatusError {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		return se
	}
	var as apierrors.APIStatus
	if errors.As(err, &as) {
		return &apierrors.StatusError{ErrStatus: as.Status()}
	}
	return apierrors.NewInternalError(err)
}

// writeStatusError writes an error as a v1 Status in JSON, with its code.
func writeStatusError(w http.ResponseWriter, err error) {
	status := toStatusError(err).ErrStatus
	status.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	if status.Status == "" {
		status.Status = metav1.StatusFailure
	}
	code := int(status.Code)
	if code == 0 {
		code = http.StatusInternalServerError
		status.Code = int32(code)
	}
	data, _ := encode(&status, mediaJSON)
	data = indentFor(w, data, mediaJSON)
	if d := status.Details; d != nil && d.RetryAfterSeconds > 0 {
		// as upstream's responsewriters: client-go waits this long before it retries
		w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryAfterSeconds)))
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(data)
}

// decodeBody decodes a request body of a typed kind (JSON, YAML or protobuf, by Content-Type).
// With strict, unknown and duplicate fields come back as a runtime strict decoding error
// alongside the decoded object.
func decodeBody(r *http.Request, body []byte, gvk schema.GroupVersionKind, into runtime.Object, strict bool) (runtime.Object, error) {
	ct := r.Header.Get("Content-Type")
	mt := mediaJSON
	if ct != "" {
		parsed, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, r.Method, schema.GroupResource{}, "", fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(acceptedBodyTypes, ", ")), 0, false)
		}
		mt = parsed
	}
	cf := codecs
	if strict {
		cf = strictCodecs
	}
	for _, info := range cf.SupportedMediaTypes() {
		if info.MediaType != mt {
			continue
		}
		dec := info.Serializer
		if strict && info.StrictSerializer != nil {
			dec = info.StrictSerializer
		}
		if kindMayDiffer(r) {
			if actual, err := kindOf(info, body); err == nil && ((actual.Kind != "" && actual.Kind != gvk.Kind) || (actual.Version != "" && actual.GroupVersion() != gvk.GroupVersion())) {
				internal := gvk.Group
				if internal == "" {
					internal = "core"
				}
				return nil, decodeError{err: fmt.Errorf("converting (%s.%s) to (%s.%s): unknown conversion", actual.Version, actual.Kind, internal, gvk.Kind), kind: &actual}
			}
		}
		obj, _, err := dec.Decode(body, &gvk, into)
		if err != nil && !runtime.IsStrictDecodingError(err) {
			return nil, decodeError{err: err}
		}
		return obj, err
	}
	return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, r.Method, schema.GroupResource{}, "", fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(acceptedBodyTypes, ", ")), 0, false)
}

// kindKeptKey marks (in a request's context) a body whose apiVersion and kind are known to
// be the expected ones: a patched object whose patch does not name them.
type kindKeptKey struct{}

// kindMayDiffer reports whether a body's apiVersion and kind must be checked.
func kindMayDiffer(r *http.Request) bool {
	kept, _ := r.Context().Value(kindKeptKey{}).(bool)
	return !kept
}

// decodeError is a body that does not decode; the caller words the 400. kind is set when
// the body decoded as another kind.
type decodeError struct {
	err  error
	kind *schema.GroupVersionKind
}

// kindOf reads the apiVersion and kind a body declares.
func kindOf(info runtime.SerializerInfo, body []byte) (schema.GroupVersionKind, error) {
	if info.MediaType == mediaProtobuf {
		return schema.GroupVersionKind{}, fmt.Errorf("not read from protobuf")
	}
	var tm metav1.TypeMeta
	data := body
	if info.MediaType == mediaYAML {
		j, err := yaml.YAMLToJSON(body)
		if err != nil {
			return schema.GroupVersionKind{}, err
		}
		data = j
	}
	if err := json.Unmarshal(data, &tm); err != nil {
		return schema.GroupVersionKind{}, err
	}
	return schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind), nil
}

func (e decodeError) Error() string { return e.err.Error() }

var acceptedBodyTypes = []string{mediaJSON, mediaYAML, mediaProtobuf}

// Protobuf responses from stored encodings. The store keeps each object's protobuf
// encoding (the generated Marshal, which is also what it persists), so a protobuf response
// wraps those bytes in apimachinery's envelope (the "k8s\x00" magic, then a runtime.Unknown
// with the apiVersion and kind) instead of encoding the object again; a list is its
// ListMeta followed by each item's bytes as field 2 (items) of the List message. The
// bytes are the same as protoEncoder writes for the object (TestProtobufFromStored).

// protoMagic starts every protobuf body of the Kubernetes API.
var protoMagic = []byte("k8s\x00")

// protoTrailer is runtime.Unknown's empty contentEncoding (field 3) and contentType (field 4).
var protoTrailer = []byte{0x1a, 0x00, 0x22, 0x00}

// Wire tags (field number << 3 | length-delimited) of the fields written here.
const (
	tagUnknownTypeMeta = 0x0a // runtime.Unknown.typeMeta
	tagUnknownRaw      = 0x12 // runtime.Unknown.raw
	tagListItems       = 0x12 // <Kind>List.items
)

// protoHeader appends what precedes an object's encoding of rawLen bytes: the magic,
// Unknown's typeMeta, and the tag and length of its raw field.
func protoHeader(buf []byte, gvk schema.GroupVersionKind, rawLen int) []byte {
	tm := runtime.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind}
	tmData, _ := tm.Marshal() // two strings: cannot fail
	buf = append(buf, protoMagic...)
	buf = append(buf, tagUnknownTypeMeta)
	buf = binary.AppendUvarint(buf, uint64(len(tmData)))
	buf = append(buf, tmData...)
	buf = append(buf, tagUnknownRaw)
	return binary.AppendUvarint(buf, uint64(rawLen))
}

// writeProtobufRaw writes an object of kind gvk whose protobuf encoding is raw.
func writeProtobufRaw(w http.ResponseWriter, code int, gvk schema.GroupVersionKind, raw []byte) {
	buf := make([]byte, 0, len(raw)+64)
	buf = protoHeader(buf, gvk, len(raw))
	buf = append(buf, raw...)
	buf = append(buf, protoTrailer...)
	w.Header().Set("Content-Type", mediaProtobuf)
	w.WriteHeader(code)
	w.Write(buf)
}

// protoMarshaler is implemented by every generated API type.
type protoMarshaler interface{ Marshal() ([]byte, error) }

// listChunk is how much of a protobuf list is buffered between writes.
const listChunk = 256 << 10

// listChunks holds listChunk buffers for writeProtobufList, which has no use for a buffer
// once its last Write returns (HTTP/2's and HTTP/1's Write are done with the bytes by
// then). A new one per list was most of a list's allocation: the collector took 8% of an
// engine's CPU at list-1000-raw-c8.
var listChunks = stdsync.Pool{New: func() any { b := make([]byte, 0, listChunk); return &b }}

// writeProtobufList streams list (its ListMeta set, no items) with items whose encodings
// are raw (as stored), without building the list in memory.
func writeProtobufList(w http.ResponseWriter, list runtime.Object, gvk schema.GroupVersionKind, raw [][]byte) error {
	lm, ok := list.(protoMarshaler)
	if !ok {
		return apierrors.NewInternalError(fmt.Errorf("%T has no protobuf encoding", list))
	}
	head, err := lm.Marshal()
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	size := len(head)
	for _, data := range raw {
		size += 1 + uvarintLen(len(data)) + len(data)
	}
	pooled := listChunks.Get().(*[]byte)
	buf := (*pooled)[:0]
	defer func() {
		if cap(buf) == listChunk { // not one that an item above listChunk replaced
			*pooled = buf[:0]
		}
		listChunks.Put(pooled)
	}()
	buf = protoHeader(buf, gvk, size)
	buf = append(buf, head...)
	w.Header().Set("Content-Type", mediaProtobuf)
	w.WriteHeader(http.StatusOK)
	for _, data := range raw {
		if len(buf)+len(data)+binary.MaxVarintLen64+1 > cap(buf) && len(buf) > 0 {
			if _, err := w.Write(buf); err != nil {
				return nil // the client went away
			}
			buf = buf[:0]
		}
		buf = append(buf, tagListItems)
		buf = binary.AppendUvarint(buf, uint64(len(data)))
		buf = append(buf, data...)
	}
	buf = append(buf, protoTrailer...)
	w.Write(buf)
	return nil
}

func uvarintLen(n int) int {
	l := 1
	for v := uint64(n); v >= 0x80; v >>= 7 {
		l++
	}
	return l
}
