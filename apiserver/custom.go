package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apiextensionshelpers "k8s.io/apiextensions-apiserver/pkg/apihelpers"
	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder"
	crdserverscheme "k8s.io/apiextensions-apiserver/pkg/crdserverscheme"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/endpoints/discovery"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kube-openapi/pkg/validation/spec"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/yaml"

	"github.com/sheetops/sheetops/apiserver/printers"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// Custom resources: the objects of the kinds that CustomResourceDefinitions add. They are
// unstructured (customObject) and stored as JSON. Every CRD becomes one hidden storage
// resource (its storage version, under the store key <plural>.<group>) and one view of it
// per served version (views.go): a request always runs the storage resource's pipelines on
// the object converted to the storage version, and what it answers is converted back.
// With conversion None a conversion only sets apiVersion.
//
// What a custom resource's strategy does is upstream's: structural schema pruning and
// defaulting when a body is decoded (k8s.io/apiextensions-apiserver/pkg/apiserver/schema),
// then upstream's customresource strategy (status and generation handling, schema, scale
// and metadata validation), with the schema's type converter for managed fields and
// upstream's table convertor for additionalPrinterColumns.

// customObject is one custom resource object. It keeps its apiVersion and kind (those of
// the version it is stored or served in): the registry's clearing of a typed object's kind
// leaves it alone.
type customObject struct {
	unstructured.Unstructured
	// decodes is the version whose schema a body decoded into this (new, empty) object
	// is pruned and defaulted by; nil on every other object.
	decodes *customVersion
}

var _ storage.Marshaler = (*customObject)(nil)

// Marshal is the stored encoding: JSON.
func (c *customObject) Marshal() ([]byte, error) { return json.Marshal(c.Object) }

// Unmarshal reads the stored encoding, keeping integers as int64.
func (c *customObject) Unmarshal(data []byte) error {
	c.Object = nil
	if len(data) == 0 || data[0] != '{' {
		// not ours (a kind of another build under a key that looks like a CRD's): keep nothing
		c.Object = map[string]interface{}{}
		return nil
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(data, &c.Object)
}

func (c *customObject) GetObjectKind() schema.ObjectKind { return c }

// SetGroupVersionKind sets apiVersion and kind; an empty kind (the registry's, for typed
// objects) changes nothing.
func (c *customObject) SetGroupVersionKind(gvk schema.GroupVersionKind) {
	if gvk.Empty() {
		return
	}
	c.Unstructured.SetGroupVersionKind(gvk)
}

func (c *customObject) DeepCopyObject() runtime.Object {
	return &customObject{Unstructured: *c.Unstructured.DeepCopy()}
}

// as is a copy of c in gvk's version: a new top-level map, the rest shared (for reading).
func (c *customObject) as(gvk schema.GroupVersionKind) *customObject {
	out := &customObject{Unstructured: unstructured.Unstructured{Object: maps.Clone(c.Object)}}
	if out.Object == nil {
		out.Object = map[string]interface{}{}
	}
	out.Unstructured.SetGroupVersionKind(gvk)
	return out
}

func newCustomObject(gvk schema.GroupVersionKind, v *customVersion) *customObject {
	c := &customObject{Unstructured: unstructured.Unstructured{Object: map[string]interface{}{}}, decodes: v}
	c.Unstructured.SetGroupVersionKind(gvk)
	return c
}

// customList is a list of custom objects.
type customList struct {
	metav1.TypeMeta
	metav1.ListMeta
	Items []runtime.Object
}

func (l *customList) GetObjectKind() schema.ObjectKind { return &l.TypeMeta }

func (l *customList) DeepCopyObject() runtime.Object {
	out := &customList{TypeMeta: l.TypeMeta}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	for _, it := range l.Items {
		out.Items = append(out.Items, it.DeepCopyObject())
	}
	return out
}

func (l *customList) MarshalJSON() ([]byte, error) {
	items := l.Items
	if items == nil {
		items = []runtime.Object{}
	}
	return json.Marshal(struct {
		APIVersion string           `json:"apiVersion"`
		Kind       string           `json:"kind"`
		Metadata   metav1.ListMeta  `json:"metadata"`
		Items      []runtime.Object `json:"items"`
	}{l.APIVersion, l.Kind, l.ListMeta, items})
}

func isCustom(obj runtime.Object) bool {
	switch obj.(type) {
	case *customObject, *customList:
		return true
	}
	return false
}

// customVersion is what a custom resource's resource knows of its CRD version.
type customVersion struct {
	crd        *apiextensionsv1.CustomResourceDefinition
	version    string
	structural *structuralschema.Structural // nil: no schema (x-kubernetes-preserve-unknown-fields at the root)
	preserve   bool                         // spec.preserveUnknownFields
	table      rest.TableConvertor
	scale      *apiextensionsv1.CustomResourceSubresourceScale
}

// customStrategy is a custom resource's strategy: upstream's customresource strategy and
// status strategy, on the unstructured object.
type customStrategy struct {
	v          *customVersion
	gvk        schema.GroupVersionKind
	main       customUpstream
	status     customUpstream
	namespaced bool
}

// customUpstream is what is used of upstream's customresource strategies.
type customUpstream interface {
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	PrepareForUpdate(ctx context.Context, obj, old runtime.Object)
	ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
	GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set
	GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error)
}

var _ strategy = (*customStrategy)(nil)
var _ scaler = (*customStrategy)(nil)

func u(obj runtime.Object) *unstructured.Unstructured {
	if c, ok := obj.(*customObject); ok {
		return &c.Unstructured
	}
	return obj.(*unstructured.Unstructured)
}

// Default applies the schema's defaults (the decoder has, too: this covers objects the
// engine makes itself).
func (s *customStrategy) Default(obj runtime.Object) {
	if s.v.structural != nil {
		structuraldefaulting.Default(u(obj).Object, s.v.structural)
	}
}

func (s *customStrategy) PrepareForCreate(obj runtime.Object) {
	s.main.PrepareForCreate(context.Background(), u(obj))
}

func (s *customStrategy) metaErrors(obj runtime.Object) field.ErrorList {
	m, _ := meta.Accessor(obj)
	return apimachineryvalidation.ValidateObjectMetaAccessor(m, s.namespaced, path.ValidatePathSegmentName, field.NewPath("metadata"))
}

func (s *customStrategy) ValidateCreate(obj runtime.Object) field.ErrorList {
	errs := s.metaErrors(obj)
	return append(errs, s.main.Validate(context.Background(), u(obj))...)
}

func (s *customStrategy) PrepareForUpdate(obj, old runtime.Object) {
	s.main.PrepareForUpdate(context.Background(), u(obj), u(old))
}

func (s *customStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	errs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(m, om, field.NewPath("metadata"))
	return append(errs, s.main.ValidateUpdate(context.Background(), u(obj), u(old))...)
}

func (s *customStrategy) PrepareForStatusUpdate(obj, old runtime.Object) {
	if s.status == nil {
		s.main.PrepareForUpdate(context.Background(), u(obj), u(old))
		return
	}
	s.status.PrepareForUpdate(context.Background(), u(obj), u(old))
}

func (s *customStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	errs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(m, om, field.NewPath("metadata"))
	if s.status == nil {
		return append(errs, s.main.ValidateUpdate(context.Background(), u(obj), u(old))...)
	}
	return append(errs, s.status.ValidateUpdate(context.Background(), u(obj), u(old))...)
}

func jsonPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "."), ".") }

// scale is the Scale of a custom object, from the paths of the CRD's scale subresource.
func (s *customStrategy) scale(obj runtime.Object) *autoscalingv1.Scale {
	o := u(obj)
	sc := &autoscalingv1.Scale{}
	sc.ObjectMeta = metav1.ObjectMeta{Name: o.GetName(), Namespace: o.GetNamespace(), UID: o.GetUID(), ResourceVersion: o.GetResourceVersion(), CreationTimestamp: o.GetCreationTimestamp()}
	if s.v.scale == nil {
		return sc
	}
	if n, ok, _ := unstructured.NestedInt64(o.Object, jsonPath(s.v.scale.SpecReplicasPath)...); ok {
		sc.Spec.Replicas = int32(n)
	}
	if n, ok, _ := unstructured.NestedInt64(o.Object, jsonPath(s.v.scale.StatusReplicasPath)...); ok {
		sc.Status.Replicas = int32(n)
	}
	if p := s.v.scale.LabelSelectorPath; p != nil {
		sc.Status.Selector, _, _ = unstructured.NestedString(o.Object, jsonPath(*p)...)
	}
	return sc
}

func (s *customStrategy) withReplicas(obj runtime.Object, n int32) runtime.Object {
	next := obj.DeepCopyObject().(*customObject)
	if s.v.scale != nil {
		unstructured.SetNestedField(next.Object, int64(n), jsonPath(s.v.scale.SpecReplicasPath)...)
	}
	return next
}

// coerce prunes obj (a decoded body, in the storage or a served version) by the schema
// and returns the paths of the unknown fields it dropped, as upstream's decoder does; then
// applies the schema's defaults.
func (v *customVersion) coerce(obj *unstructured.Unstructured, gk schema.GroupKind) ([]string, error) {
	kind, apiVersion := obj.GetKind(), obj.GetAPIVersion()
	objectMeta, foundMeta, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(obj.Object, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return nil, err
	}
	if v.structural != nil {
		if !v.preserve {
			unknown = append(unknown, structuralpruning.PruneWithOptions(obj.Object, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
			structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj.Object, v.structural)
		}
		ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, obj.Object, v.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
		if ferr != nil {
			return nil, apierrors.NewInvalid(gk, obj.GetName(), field.ErrorList{ferr})
		}
		unknown = append(unknown, paths...)
	}
	obj.SetKind(kind)
	obj.SetAPIVersion(apiVersion)
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(obj.Object, objectMeta); err != nil {
			return nil, err
		}
	}
	if v.structural != nil {
		structuraldefaulting.Default(obj.Object, v.structural)
	}
	return unknown, nil
}

// decodeCustom decodes a body (JSON or YAML) into a custom object of kind gvk: pruned,
// coerced and defaulted by the schema, unknown fields reported by the request's field
// validation as upstream reports them.
func decodeCustom(w http.ResponseWriter, r *http.Request, body []byte, gvk schema.GroupVersionKind, v *customVersion, o writeOptions) (runtime.Object, error) {
	mt := mediaJSON
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ = strings.Cut(ct, ";")
		mt = strings.TrimSpace(mt)
	}
	data := body
	switch mt {
	case mediaJSON:
	case mediaYAML:
		j, err := yaml.YAMLToJSON(body)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		data = j
	default:
		return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, r.Method, schema.GroupResource{}, "",
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s", mediaJSON, mediaYAML), 0, false)
	}
	obj := &customObject{}
	var strictErrs []error
	var err error
	if o.fieldValidation != "Ignore" {
		strictErrs, err = kjson.UnmarshalStrict(data, &obj.Object, kjson.DisallowDuplicateFields)
	} else {
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &obj.Object)
	}
	if err == nil && obj.Object == nil {
		err = fmt.Errorf("Object 'Kind' is missing in '%s'", summarize(data, 30))
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	actual := schema.FromAPIVersionAndKind(obj.GetAPIVersion(), obj.GetKind())
	if actual.Kind == "" {
		actual.Kind = gvk.Kind
	}
	if actual.Version == "" && actual.Group == "" {
		actual.Group, actual.Version = gvk.Group, gvk.Version
	}
	if actual != gvk {
		if actual.GroupKind() == gvk.GroupKind() && o.fieldValidation != "Ignore" {
			// upstream prunes by the schema of the version named (none): every field is unknown
			for k := range obj.Object {
				if k != "apiVersion" && k != "kind" && k != "metadata" {
					addWarning(w, fmt.Sprintf(`unknown field "%s"`, k))
				}
			}
		}
		if kindMayDiffer(r) && (r.Method == http.MethodPost || r.Method == http.MethodPut) && actual.GroupVersion() != gvk.GroupVersion() {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", actual.GroupVersion(), gvk.GroupVersion()))
		}
		if actual.Kind != gvk.Kind {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", actual.Kind, gvk.Kind))
		}
	}
	obj.Unstructured.SetGroupVersionKind(gvk)
	unknown, err := v.coerce(&obj.Unstructured, gvk.GroupKind())
	if err != nil {
		return nil, toStatusError(err)
	}
	if o.fieldValidation != "Ignore" {
		for _, p := range unknown {
			strictErrs = append(strictErrs, fmt.Errorf(`unknown field "%s"`, p))
		}
	}
	if len(strictErrs) > 0 {
		if o.fieldValidation == "Strict" {
			serr := runtime.NewStrictDecodingError(strictErrs)
			if r.Method == http.MethodPatch {
				return nil, apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), string(body), serr.Error())})
			}
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, serr))
		}
		for _, e := range strictErrs {
			addWarning(w, e.Error())
		}
	}
	return obj, nil
}

// customTable is the Table of custom objects, from the CRD's printer columns.
func customTable(v *customVersion, obj runtime.Object, opts printers.Options) (*metav1.Table, error) {
	var in runtime.Object = obj
	switch o := obj.(type) {
	case *customObject:
		in = &o.Unstructured
	case *customList:
		l := &unstructured.UnstructuredList{Object: map[string]interface{}{}}
		l.SetResourceVersion(o.ResourceVersion)
		l.SetContinue(o.Continue)
		l.SetRemainingItemCount(o.RemainingItemCount)
		for _, it := range o.Items {
			if c, ok := it.(*customObject); ok {
				l.Items = append(l.Items, c.Unstructured)
			}
		}
		in = l
	}
	t, err := v.table.ConvertToTable(context.Background(), in, &metav1.TableOptions{NoHeaders: opts.NoHeaders})
	if err != nil {
		return nil, err
	}
	t.APIVersion, t.Kind = "meta.k8s.io/v1", "Table"
	if err := attachRowObjects(t, opts.IncludeObject); err != nil {
		return nil, err
	}
	return t, nil
}

// attachRowObjects sets each row's object as the include policy asks (the table convertor
// puts the whole object in).
func attachRowObjects(t *metav1.Table, policy metav1.IncludeObjectPolicy) error {
	for i := range t.Rows {
		row := &t.Rows[i]
		obj := row.Object.Object
		switch policy {
		case metav1.IncludeNone:
			row.Object = runtime.RawExtension{}
		case metav1.IncludeObject:
			row.Object = runtime.RawExtension{Object: obj}
		default:
			m, err := meta.Accessor(obj)
			if err != nil {
				return err
			}
			p := &metav1.PartialObjectMetadata{ObjectMeta: metaOf(m)}
			p.APIVersion, p.Kind = "meta.k8s.io/v1", "PartialObjectMetadata"
			row.Object = runtime.RawExtension{Object: p}
		}
	}
	return nil
}

// customConvertor is the custom field managers' object convertor: it hands the type
// converter unstructured objects in the asked version and the registry custom objects.
type customConvertor struct {
	kind string
	hub  schema.GroupVersion
}

func (c customConvertor) Convert(in, out, context interface{}) error {
	return fmt.Errorf("unsupported conversion")
}

func (c customConvertor) ConvertToVersion(in runtime.Object, gv runtime.GroupVersioner) (runtime.Object, error) {
	var content map[string]interface{}
	switch o := in.(type) {
	case *customObject:
		content = o.Object
	case *unstructured.Unstructured:
		content = o.Object
	default:
		return nil, fmt.Errorf("cannot convert %T", in)
	}
	cur := schema.FromAPIVersionAndKind(u2s(content["apiVersion"]), u2s(content["kind"]))
	target, ok := gv.KindForGroupVersionKinds([]schema.GroupVersionKind{cur})
	if !ok {
		target = cur
	}
	out := &unstructured.Unstructured{Object: maps.Clone(content)}
	if out.Object == nil {
		out.Object = map[string]interface{}{}
	}
	if target.Kind == "" {
		target.Kind = c.kind
	}
	out.SetGroupVersionKind(target)
	if target.GroupVersion() == c.hub {
		return &customObject{Unstructured: *out}, nil
	}
	return out, nil
}

func (c customConvertor) ConvertFieldLabel(gvk schema.GroupVersionKind, label, value string) (string, string, error) {
	return label, value, nil
}

func u2s(v interface{}) string { s, _ := v.(string); return s }

type customCreater struct{}

func (customCreater) New(kind schema.GroupVersionKind) (runtime.Object, error) {
	return newCustomObject(kind, nil), nil
}

type customDefaulter struct{ v *customVersion }

func (d customDefaulter) Default(obj runtime.Object) {
	if d.v.structural == nil {
		return
	}
	switch o := obj.(type) {
	case *customObject:
		structuraldefaulting.Default(o.Object, d.v.structural)
	case *unstructured.Unstructured:
		structuraldefaulting.Default(o.Object, d.v.structural)
	}
}

// internalValidation converts a CRD version's schema to the internal type the schema
// packages take.
func internalValidation(crd *apiextensionsv1.CustomResourceDefinition, version string) (*apiextensionsinternal.CustomResourceValidation, error) {
	val, err := apiextensionshelpers.GetSchemaForVersion(crd, version)
	if err != nil {
		return nil, err
	}
	out := &apiextensionsinternal.CustomResourceValidation{}
	if val != nil {
		if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(val, out, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// customResources builds the resources a CRD serves: its storage resource (not routed)
// and one view per served version. static is the built-in OpenAPI definitions (for the
// type converter's references).
func customResources(crd *apiextensionsv1.CustomResourceDefinition, static map[string]*spec.Schema) (storageRes *resource, served []*resource, err error) {
	storageVersion, err := apiextensionshelpers.GetCRDStorageVersion(crd)
	if err != nil {
		return nil, nil, err
	}
	names := crd.Status.AcceptedNames
	if names.Kind == "" {
		names = crd.Spec.Names
	}
	if names.ListKind == "" {
		names.ListKind = names.Kind + "List"
	}
	gr := schema.GroupResource{Group: crd.Spec.Group, Resource: names.Plural}
	namespaced := crd.Spec.Scope == apiextensionsv1.NamespaceScoped
	typer := crdserverscheme.NewUnstructuredObjectTyper()

	// the type converter of every version's schema, for managed fields
	models, err := customModels(static, crd)
	if err != nil {
		return nil, nil, err
	}
	typeConverter, err := managedfields.NewTypeConverter(models, crd.Spec.PreserveUnknownFields)
	if err != nil {
		typeConverter = managedfields.NewDeducedTypeConverter()
	}

	build := func(version string) (*resource, error) {
		gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: version, Kind: names.Kind}
		iv, err := internalValidation(crd, version)
		if err != nil {
			return nil, err
		}
		cv := &customVersion{crd: crd, version: version, preserve: crd.Spec.PreserveUnknownFields}
		var validator, statusValidator apiservervalidation.SchemaValidator
		if iv.OpenAPIV3Schema != nil {
			if cv.structural, err = structuralschema.NewStructural(iv.OpenAPIV3Schema); err != nil {
				return nil, fmt.Errorf("schema of %s: %w", gvk, err)
			}
			if validator, _, err = apiservervalidation.NewSchemaValidator(iv.OpenAPIV3Schema); err != nil {
				return nil, err
			}
		}
		subs, _ := apiextensionshelpers.GetSubresourcesForVersion(crd, version)
		var statusSpec *apiextensionsinternal.CustomResourceSubresourceStatus
		var scaleSpec *apiextensionsinternal.CustomResourceSubresourceScale
		r := &resource{
			gvr: gr.WithVersion(version), kind: names.Kind, listKind: names.ListKind, singular: names.Singular,
			namespaced: namespaced, shortNames: names.ShortNames, categories: names.Categories,
			storeKey: gr.String(), owner: true, fieldLabelConversion: true,
		}
		if subs != nil && subs.Status != nil {
			r.subs = append(r.subs, subStatus)
			statusSpec = &apiextensionsinternal.CustomResourceSubresourceStatus{}
			if iv.OpenAPIV3Schema != nil {
				if st, ok := iv.OpenAPIV3Schema.Properties["status"]; ok {
					if statusValidator, _, err = apiservervalidation.NewSchemaValidator(&st); err != nil {
						return nil, err
					}
				}
			}
		}
		if subs != nil && subs.Scale != nil {
			r.subs = append(r.subs, subScale)
			cv.scale = subs.Scale
			scaleSpec = &apiextensionsinternal.CustomResourceSubresourceScale{}
			if err := apiextensionsv1.Convert_v1_CustomResourceSubresourceScale_To_apiextensions_CustomResourceSubresourceScale(subs.Scale, scaleSpec, nil); err != nil {
				return nil, err
			}
		}
		var selectable []apiextensionsv1.SelectableField
		var columns []apiextensionsv1.CustomResourceColumnDefinition
		for _, v := range crd.Spec.Versions {
			if v.Name == version {
				selectable, columns = v.SelectableFields, v.AdditionalPrinterColumns
			}
		}
		if len(columns) == 0 {
			columns = []apiextensionsv1.CustomResourceColumnDefinition{{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp",
				Description: "CreationTimestamp is a timestamp representing the server time when this object was created."}}
		}
		if cv.table, err = tableconvertor.New(columns); err != nil {
			cv.table, _ = tableconvertor.New(nil)
		}
		main := customresource.NewStrategy(typer, namespaced, gvk, validator, statusValidator, cv.structural, statusSpec, scaleSpec, selectable)
		st := &customStrategy{v: cv, gvk: gvk, main: main, namespaced: namespaced}
		if statusSpec != nil {
			st.status = customresource.NewStatusStrategy(main)
		}
		r.strategy = st
		r.custom = cv
		if len(selectable) > 0 {
			// the CRD's selectableFields, as upstream's strategy reads them
			r.fields = func(obj runtime.Object) fields.Set {
				_, set, err := main.GetAttrs(u(obj))
				if err != nil {
					return fields.Set{}
				}
				delete(set, "metadata.name")
				delete(set, "metadata.namespace")
				return set
			}
		}
		r.newObj = func() storage.Marshaler { return newCustomObject(gvk, cv) }
		r.newList = func() runtime.Object { return &customList{} }
		r.managers = map[string]*managedfields.FieldManager{}
		for _, sub := range append([]string{""}, r.subs...) {
			if sub == subScale {
				continue
			}
			resetSets := main.GetResetFields()
			if sub == subStatus && st.status != nil {
				resetSets = st.status.GetResetFields()
			}
			reset := map[fieldpath.APIVersion]fieldpath.Filter{}
			for k, v := range resetSets {
				reset[k] = fieldpath.NewExcludeSetFilter(v)
			}
			fm, err := managedfields.NewDefaultFieldManager(typeConverter, customConvertor{kind: names.Kind, hub: gvk.GroupVersion()}, customDefaulter{cv},
				customCreater{}, gvk, gvk.GroupVersion(), sub, reset)
			if err != nil {
				return nil, fmt.Errorf("field manager for %s: %w", gvk, err)
			}
			r.managers[sub] = fm
		}
		return r, nil
	}
	storageRes, err = build(storageVersion)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		vr, err := build(v.Name)
		if err != nil {
			return nil, nil, err
		}
		gvk := vr.gvk()
		vr.view = &view{storageGVR: storageRes.gvr, storage: storageRes,
			toView:   func(obj runtime.Object) runtime.Object { return customAs(obj, gvk) },
			fromView: func(obj runtime.Object) runtime.Object { return customAs(obj, storageRes.gvk()) },
		}
		if v.Deprecated {
			vr.warning = fmt.Sprintf("%s is deprecated", gvk.GroupVersion().WithKind(names.Kind))
			if v.DeprecationWarning != nil {
				vr.warning = *v.DeprecationWarning
			}
		}
		served = append(served, vr)
	}
	return storageRes, served, nil
}

// customAs converts a custom object to gvk's version (conversion None).
func customAs(obj runtime.Object, gvk schema.GroupVersionKind) runtime.Object {
	if c, ok := obj.(*customObject); ok {
		return c.as(gvk)
	}
	return obj
}

// customModels are the OpenAPI models of every version of crd, with the built-in
// definitions they refer to, for the type converter.
func customModels(static map[string]*spec.Schema, crd *apiextensionsv1.CustomResourceDefinition) (map[string]*spec.Schema, error) {
	out := map[string]*spec.Schema{}
	for k, v := range static {
		if strings.HasPrefix(k, "io.k8s.apimachinery.") {
			out[k] = v // all a CRD's schema refers to: ObjectMeta, ListMeta and theirs
		}
	}
	for _, v := range crd.Spec.Versions {
		doc, err := builder.BuildOpenAPIV3(crd, v.Name, builder.Options{})
		if err != nil {
			return nil, err
		}
		if doc.Components == nil {
			continue
		}
		for k, d := range doc.Components.Schemas {
			out[k] = d
		}
	}
	return out, nil
}

// customVersionOf is the version a new object of a custom resource decodes in.
func customVersionOf(c *customObject) *customVersion {
	if c.decodes == nil {
		return &customVersion{} // no schema: nothing pruned or defaulted
	}
	return c.decodes
}

// tableOf is obj's Table: from the CRD's printer columns for custom objects served
// through v, else the built-in printers'.
func tableOf(v *resource, obj runtime.Object, opts printers.Options) (*metav1.Table, error) {
	if v != nil && v.custom != nil && isCustom(obj) {
		return customTable(v.custom, obj, opts)
	}
	switch obj.(type) {
	case *apiextensionsv1.CustomResourceDefinition, *apiextensionsv1.CustomResourceDefinitionList:
		return crdTable(obj, opts)
	}
	return printers.ToTable(obj, opts)
}

// metaOf copies the metadata of m.
func metaOf(m metav1.Object) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(), UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(),
		Generation: m.GetGeneration(), CreationTimestamp: m.GetCreationTimestamp(), DeletionTimestamp: m.GetDeletionTimestamp(),
		DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(), Labels: m.GetLabels(), Annotations: m.GetAnnotations(),
		OwnerReferences: m.GetOwnerReferences(), Finalizers: m.GetFinalizers(), ManagedFields: m.GetManagedFields(),
	}
}

// newStoreObjectOrCustom is the store's constructor: a built-in kind's object, or a
// custom object for the key of a custom resource (<plural>.<group>, a group with a dot).
func newStoreObjectOrCustom(key string) (storage.Marshaler, bool) {
	if obj, ok := newStoreObject(key); ok {
		return obj, true
	}
	if _, group, ok := strings.Cut(key, "."); ok && strings.Contains(group, ".") {
		return &customObject{}, true
	}
	return nil, false
}

// customVerbs are a custom resource's verbs, in upstream's order.
var customVerbs = metav1.Verbs{"delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"}

// customStorageVersionHash is the discovery hash of a custom resource's storage version.
func customStorageVersionHash(r *resource) string {
	st := r
	if r.view != nil {
		st = r.view.storage
	}
	return discovery.StorageVersionHash(st.gvr.Group, st.gvr.Version, st.kind)
}

// unmarshalApply reads an apply configuration (YAML or JSON); for a custom resource,
// whose object stays unstructured, integers stay int64 as upstream's decoder keeps them.
func unmarshalApply(body []byte, into *map[string]interface{}, preserveInts bool) error {
	if !preserveInts {
		return yaml.Unmarshal(body, into)
	}
	data, err := yaml.YAMLToJSON(body)
	if err != nil {
		return fmt.Errorf("error converting YAML to JSON: %w", err)
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(data, into)
}

// customNotFound answers, as upstream's custom resource handler does, a namespaced path
// of a cluster-scoped custom resource (plain text 404) and a subresource the CRD does not
// have (a NotFound about the object); it reports whether it answered.
func customNotFound(w http.ResponseWriter, r *http.Request, ri requestInfo, res *resource) bool {
	switch {
	case ri.namespace != "" && !res.namespaced:
		http.NotFound(w, r)
		return true
	case ri.subresource != "" && !res.hasSub(ri.subresource):
		writeStatusError(w, apierrors.NewNotFound(res.groupResource(), ri.name))
		return true
	}
	return false
}
