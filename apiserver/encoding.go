package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

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

// writeObject writes obj with the status code in the negotiated media type.
func writeObject(w http.ResponseWriter, code int, obj runtime.Object, mediaType string) {
	data, err := encode(obj, mediaType)
	if err != nil {
		writeStatusError(w, apierrors.NewInternalError(fmt.Errorf("encode response: %w", err)))
		return
	}
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
		if actual, err := kindOf(info, body); err == nil && ((actual.Kind != "" && actual.Kind != gvk.Kind) || (actual.Version != "" && actual.GroupVersion() != gvk.GroupVersion())) {
			internal := gvk.Group
			if internal == "" {
				internal = "core"
			}
			return nil, decodeError{err: fmt.Errorf("converting (%s.%s) to (%s.%s): unknown conversion", actual.Version, actual.Kind, internal, gvk.Kind), kind: &actual}
		}
		obj, _, err := dec.Decode(body, &gvk, into)
		if err != nil && !runtime.IsStrictDecodingError(err) {
			return nil, decodeError{err: err}
		}
		return obj, err
	}
	return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, r.Method, schema.GroupResource{}, "", fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(acceptedBodyTypes, ", ")), 0, false)
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
