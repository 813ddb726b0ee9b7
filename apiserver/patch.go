package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
)

const applyPatchType = string(types.ApplyYAMLPatchType)

var patchTypes = []string{string(types.JSONPatchType), string(types.MergePatchType), string(types.StrategicMergePatchType), applyPatchType}

func (s *Server) patch(w http.ResponseWriter, r *http.Request, ri requestInfo) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	known := false
	for _, t := range patchTypes {
		known = known || t == ct
	}
	if ri.res.custom != nil && known && types.PatchType(ct) == types.StrategicMergePatchType {
		known = false
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
			Reason: metav1.StatusReasonUnsupportedMediaType, Message: "the body of the request was in an unknown format - accepted media types include: " +
				strings.Join([]string{string(types.JSONPatchType), string(types.MergePatchType), applyPatchType}, ", ")}}
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
		cur0 := cur
		if ri.view != nil {
			cur = ri.view.view.toView(cur)
		}
		obj, err := patchObject(w, ct, body, cur, ri.served(), o)
		if err != nil || ri.view == nil {
			return obj, err
		}
		stored, err := ri.toStored(obj, false)
		if err != nil {
			return nil, err
		}
		return stored, ri.checkViewUpdate(stored, cur0)
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, out)
}

// patchObject applies a JSON, merge or strategic merge patch to cur, an object of res.
func patchObject(w http.ResponseWriter, ct string, body []byte, cur runtime.Object, res *resource, o writeOptions) (runtime.Object, error) {
	{
		if types.PatchType(ct) == types.StrategicMergePatchType {
			return strategicPatchObject(w, withTypeMeta(cur), body, res.newObj(), o)
		}
		patched, err := applyPatch(ct, withTypeMeta(cur), body, res.newObj())
		if err != nil {
			return nil, err
		}
		obj, err := decodePatchedInto(w, ct, body, patched, res.gvk(), res.newObj(), o)
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
	}
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

// strategicPatchObject applies a strategic merge patch to cur (TypeMeta set) as upstream's
// patcher does: on cur's unstructured map (no JSON in between), the result converted into
// into, an empty object of the kind, which also serves as the patch's schema. Unknown fields
// of the patch and of the result are reported as upstream reports them, by the request's
// field validation: an Invalid "patch" value (Strict), Warning headers (Warn) or nothing.
//
// The fields of cur that the patch cannot change are left out of the map (see patchBase)
// and taken over from a deep copy of cur instead: the strategic merge keeps them as they
// are, and their round trip through the map, most of the cost of a small patch, would
// only have copied them.
func strategicPatchObject(w http.ResponseWriter, cur runtime.Object, patch []byte, into runtime.Object, o writeOptions) (runtime.Object, error) {
	validate := o.fieldValidation == "Warn" || o.fieldValidation == "Strict"
	patchMap := map[string]interface{}{}
	var strictErrs []error
	var err error
	if validate {
		strictErrs, err = kjson.UnmarshalStrict(patch, &patchMap)
	} else {
		err = kjson.UnmarshalCaseSensitivePreserveInts(patch, &patchMap)
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	curMap, untouched, err := patchBase(cur, into, patchMap)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	patched, err := strategicpatch.StrategicMergeMapPatch(curMap, patchMap, into)
	if err != nil {
		return nil, strategicMergePatchError(err)
	}
	invalid := func(msg string) error {
		return apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), fmt.Sprintf("%+v", patchMap), msg)})
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(patched, into, validate); err != nil {
		sde, ok := runtime.AsStrictDecodingError(err)
		if !ok {
			return nil, invalid(err.Error())
		}
		strictErrs = append(strictErrs, sde.Errors()...)
	}
	if len(strictErrs) > 0 {
		if o.fieldValidation != "Warn" {
			return nil, invalid(runtime.NewStrictDecodingError(strictErrs).Error())
		}
		for _, e := range strictErrs {
			addWarning(w, e.Error())
		}
	}
	if len(untouched) > 0 {
		base, out := reflect.ValueOf(cur.DeepCopyObject()).Elem(), reflect.ValueOf(into).Elem()
		for _, path := range untouched {
			out.FieldByIndex(path).Set(base.FieldByIndex(path))
		}
	}
	return into, nil
}

// patchBase is cur's unstructured map for a strategic merge patch whose map is patch,
// without what the patch leaves as it is, and the index paths of the fields left out (at
// the top level: the keys absent from the map; one level down: fields set to their zero
// value in the map, which decodes back to zero). A field is left as it is when the patch
// does not name it and has no directive ($patch, $retainKeys, $deleteFromPrimitiveList/…,
// $setElementOrder/…) at its level. The map holds, for every key it has, what
// ToUnstructured(cur) holds: each field converts on its own. A kind whose top-level fields
// are not all structs (or that into's type does not match) is converted whole.
func patchBase(cur, into runtime.Object, patch map[string]interface{}) (map[string]interface{}, [][]int, error) {
	conv := runtime.DefaultUnstructuredConverter
	v := reflect.ValueOf(cur)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || reflect.TypeOf(into) != v.Type() || hasPatchDirective(patch) {
		m, err := conv.ToUnstructured(cur)
		return m, nil, err
	}
	v = v.Elem()
	t := v.Type()
	for i := range t.NumField() {
		if f := t.Field(i); !f.IsExported() || f.Type.Kind() != reflect.Struct {
			m, err := conv.ToUnstructured(cur)
			return m, nil, err
		}
	}
	out := map[string]interface{}{}
	var untouched [][]int
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := jsonName(f)
		if name == "-" {
			continue
		}
		if inline {
			m, err := conv.ToUnstructured(v.Field(i).Addr().Interface())
			if err != nil {
				return nil, nil, err
			}
			maps.Copy(out, m)
			continue
		}
		p, named := patch[name]
		if !named {
			untouched = append(untouched, []int{i})
			continue
		}
		src := reflect.New(f.Type)
		src.Elem().Set(v.Field(i))
		if sub, ok := p.(map[string]interface{}); ok && !hasPatchDirective(sub) {
			for j := range f.Type.NumField() {
				sf := f.Type.Field(j)
				sname, sinline := jsonName(sf)
				if _, named := sub[sname]; !named && !sinline && sname != "-" && sf.IsExported() {
					src.Elem().Field(j).SetZero()
					untouched = append(untouched, []int{i, j})
				}
			}
		}
		m, err := conv.ToUnstructured(src.Interface())
		if err != nil {
			return nil, nil, err
		}
		out[name] = m
	}
	return out, untouched, nil
}

// jsonName is a struct field's name in JSON ("-": none) and whether it is inlined.
func jsonName(f reflect.StructField) (string, bool) {
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	if (f.Anonymous && name == "") || strings.Contains(opts, "inline") {
		return name, true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

func hasPatchDirective(patch map[string]interface{}) bool {
	for k := range patch {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

// strategicMergePatchError is upstream's status for an error of the strategic merge.
func strategicMergePatchError(err error) error {
	switch err {
	case mergepatch.ErrBadJSONDoc, mergepatch.ErrBadPatchFormatForPrimitiveList, mergepatch.ErrBadPatchFormatForRetainKeys,
		mergepatch.ErrBadPatchFormatForSetElementOrderList, mergepatch.ErrUnsupportedStrategicMergePatchFormat:
		return apierrors.NewBadRequest(err.Error())
	case mergepatch.ErrNoListOfLists, mergepatch.ErrPatchContentNotMatchRetainKeys:
		return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
	}
	return err
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
	// A built-in view applies in its own version (the store holds ri.res's); a custom
	// resource's versions differ only by apiVersion (conversion None): it applies in the
	// storage version.
	custom := ri.view != nil && ri.view.custom != nil
	res := ri.served()
	if custom {
		res = ri.res
	}
	patchObj := &unstructured.Unstructured{}
	if err := unmarshalApply(body, &patchObj.Object, res.custom != nil); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		return apierrors.NewBadRequest("error encoding patch: " + msg)
	}
	if patchObj.Object == nil {
		return apierrors.NewBadRequest("the apply configuration is empty")
	}
	served := ri.served()
	if gvk := patchObj.GroupVersionKind(); ri.res.custom == nil && gvk != served.gvk() && gvk.GroupKind() == served.gvk().GroupKind() {
		// another version of the kind: upstream's field manager refuses its object type
		return apierrors.NewBadRequest(fmt.Sprintf("invalid object type: %s", gvk))
	}
	if gvk := patchObj.GroupVersionKind(); gvk != served.gvk() {
		return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", patchObj.GetAPIVersion(), served.gvr.GroupVersion()))
	}
	if custom {
		patchObj.SetGroupVersionKind(res.gvk())
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
	fm := res.fieldManager(ri.subresource)
	applied := func(live runtime.Object) (runtime.Object, error) {
		if ri.view != nil && !custom {
			live = ri.view.view.toView(live)
		}
		out, err := fm.Apply(withTypeMeta(live), patchObj.DeepCopy(), o.fieldManager, o.force)
		if err != nil {
			return nil, err
		}
		typed, err := toTyped(out, res.newObj())
		if err != nil || ri.view == nil || custom {
			return typed, err
		}
		return ri.view.view.fromView(typed), nil
	}
	_, err := s.store.Get(res.storeKey, ri.namespace, ri.name)
	if apierrors.IsNotFound(err) && ri.subresource == "" {
		obj, err := applied(ri.res.newObj())
		if err != nil {
			return err
		}
		if err := ri.checkViewCreate(obj); err != nil {
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
		if err := ri.checkViewUpdate(obj, cur); err != nil {
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
