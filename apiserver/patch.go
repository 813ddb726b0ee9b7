package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

const applyPatchType = string(types.ApplyYAMLPatchType)

var patchTypes = []string{string(types.JSONPatchType), string(types.MergePatchType), string(types.StrategicMergePatchType), applyPatchType}

func (s *Server) patch(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	known := false
	for _, t := range patchTypes {
		known = known || t == ct
	}
	if !known {
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
			Reason: metav1.StatusReasonUnsupportedMediaType, Message: "415: Unsupported Media Type", Details: &metav1.StatusDetails{}}}
	}
	o, body, err := writeRequest(r, ct)
	if err != nil {
		return err
	}
	if ct == applyPatchType {
		return s.apply(w, r, ri, o, body)
	}
	if ri.subresource == subScale {
		gvk := autoscalingv1.SchemeGroupVersion.WithKind("Scale")
		out, err := s.updateScale(ri, o, func(cur *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
			cur.TypeMeta.APIVersion, cur.TypeMeta.Kind = gvk.GroupVersion().String(), gvk.Kind
			patched, err := applyPatch(ct, cur, body, &autoscalingv1.Scale{})
			if err != nil {
				return nil, err
			}
			obj, err := decodeJSONInto(w, patched, gvk, &autoscalingv1.Scale{}, o)
			if err != nil {
				return nil, err
			}
			return obj.(*autoscalingv1.Scale), nil
		})
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, out)
	}
	out, err := s.updateObject(ri, o, func(cur runtime.Object) (runtime.Object, error) {
		patched, err := applyPatch(ct, withTypeMeta(cur), body, ri.res.newObj())
		if err != nil {
			return nil, err
		}
		obj, err := decodePatchedInto(w, ct, body, patched, ri.res.gvk(), ri.res.newObj(), o)
		if err != nil && apierrors.IsBadRequest(err) && strings.Contains(err.Error(), "strict decoding error") {
			// upstream reports unknown fields of a patch as an invalid "patch" value
			value := string(patched)
			if types.PatchType(ct) == types.StrategicMergePatchType {
				var m map[string]interface{}
				json.Unmarshal(body, &m)
				value = fmt.Sprint(m)
			}
			return nil, apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), value, err.Error())})
		}
		return obj, err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, out)
}

// jsonPatchOp is one operation of a JSON patch, to check the patch's shape first.
type jsonPatchOp struct {
	Op    string      `json:"op"`
	Path  string      `json:"path"`
	From  string      `json:"from"`
	Value interface{} `json:"value"`
}

// applyPatch applies a JSON, merge or strategic merge patch to cur (TypeMeta set) and returns
// the patched JSON. schemaObj is an empty object of the kind, for strategic merge metadata.
func applyPatch(patchType string, cur runtime.Object, patch []byte, schemaObj runtime.Object) ([]byte, error) {
	curJSON, err := json.Marshal(cur)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	switch types.PatchType(patchType) {
	case types.JSONPatchType:
		var ops []jsonPatchOp
		if err := json.Unmarshal(patch, &ops); err != nil {
			// worded as upstream, whose handler package names the type
			msg := strings.Replace(err.Error(), "apiserver.jsonPatchOp", "handlers.jsonPatchOp", 1)
			return nil, apierrors.NewBadRequest("error decoding patch: " + msg)
		}
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		out, err := p.Apply(curJSON)
		if err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		return out, nil
	case types.MergePatchType:
		out, err := jsonpatch.MergePatch(curJSON, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	case types.StrategicMergePatchType:
		out, err := strategicpatch.StrategicMergePatch(curJSON, patch, schemaObj)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	}
	return nil, apierrors.NewBadRequest(fmt.Sprintf("unsupported patch type %q", patchType))
}

// decodeJSONInto decodes a patched JSON document with the request's field validation.
func decodeJSONInto(w http.ResponseWriter, data []byte, gvk schema.GroupVersionKind, into runtime.Object, o writeOptions) (runtime.Object, error) {
	r := &http.Request{Header: http.Header{"Content-Type": []string{mediaJSON}}}
	return decodeInto(w, r, data, gvk, into, o)
}

// decodePatchedInto is decodeJSONInto for the result of a patch of patchType: when the
// patch is a merge or strategic merge patch that names no apiVersion or kind at its top
// level, the result keeps the current object's (or has none), so the document is not
// scanned for them first.
func decodePatchedInto(w http.ResponseWriter, patchType string, patch, data []byte, gvk schema.GroupVersionKind, into runtime.Object, o writeOptions) (runtime.Object, error) {
	r := &http.Request{Header: http.Header{"Content-Type": []string{mediaJSON}}}
	if patchKeepsKind(patchType, patch) {
		r = r.WithContext(context.WithValue(r.Context(), kindKeptKey{}, true))
	}
	return decodeInto(w, r, data, gvk, into, o)
}

// patchKeepsKind reports whether a merge or strategic merge patch leaves apiVersion and
// kind as they are or removes them (a JSON patch may move values anywhere: never).
func patchKeepsKind(patchType string, patch []byte) bool {
	if types.PatchType(patchType) != types.MergePatchType && types.PatchType(patchType) != types.StrategicMergePatchType {
		return false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(patch, &top); err != nil {
		return false
	}
	for k := range top {
		// a decoder may match these names in any case
		if strings.EqualFold(k, "apiVersion") || strings.EqualFold(k, "kind") {
			return false
		}
	}
	return true
}

// apply is server-side apply: merge the applied configuration into the live object (or
// create it) with managed fields, conflicts reported as 409 unless forced.
func (s *Server) apply(w http.ResponseWriter, r *http.Request, ri requestInfo, o writeOptions, body []byte) error {
	if ri.subresource == subScale {
		return apierrors.NewBadRequest("server-side apply on the scale subresource is not supported by this server; use a merge patch")
	}
	res := ri.res
	patchObj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(body, &patchObj.Object); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		return apierrors.NewBadRequest("error encoding patch: " + msg)
	}
	if patchObj.Object == nil {
		return apierrors.NewBadRequest("the apply configuration is empty")
	}
	if gvk := patchObj.GroupVersionKind(); gvk != res.gvk() {
		return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", patchObj.GetAPIVersion(), res.gvr.GroupVersion()))
	}
	if patchObj.GetName() != ri.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", patchObj.GetName(), ri.name))
	}
	if ns := patchObj.GetNamespace(); res.namespaced && ns != "" && ns != ri.namespace {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if err := checkStrict(w, patchObj, res, o); err != nil {
		return err
	}
	fm := res.managers[ri.subresource]
	applied := func(live runtime.Object) (runtime.Object, error) {
		out, err := fm.Apply(withTypeMeta(live), patchObj.DeepCopy(), o.fieldManager, o.force)
		if err != nil {
			return nil, err
		}
		return toTyped(out, res.newObj())
	}
	_, err := s.store.Get(res.storeKey, ri.namespace, ri.name)
	if apierrors.IsNotFound(err) && ri.subresource == "" {
		obj, err := applied(res.newObj())
		if err != nil {
			return err
		}
		created, err := s.createObjectManaged(ri, obj, o, true)
		if apierrors.IsAlreadyExists(err) {
			return s.apply(w, r, ri, o, body) // lost a race with a create: apply to it
		}
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusCreated, created)
	}
	if err != nil {
		return err
	}
	out, _, err := s.store.Update(res.storeKey, ri.namespace, ri.name, func(cur runtime.Object) (runtime.Object, error) {
		obj, err := applied(cur)
		if err != nil {
			return nil, err
		}
		return s.prepareUpdateManaged(ri, o, obj, cur, false)
	})
	if dry, ok := err.(errDryRun); ok {
		return s.respond(w, r, http.StatusOK, dry.obj)
	}
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, out)
}

// checkStrict reports fields of an apply configuration that the kind does not have.
func checkStrict(w http.ResponseWriter, patchObj *unstructured.Unstructured, res *resource, o writeOptions) error {
	if o.fieldValidation == "Ignore" {
		return nil
	}
	data, err := patchObj.MarshalJSON()
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	_, err = decodeJSONInto(w, data, res.gvk(), res.newObj(), o)
	return err
}

// toTyped turns what the field manager returned into the typed object.
func toTyped(obj runtime.Object, into runtime.Object) (runtime.Object, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return into, nil
}
