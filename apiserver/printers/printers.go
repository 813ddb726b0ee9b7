package printers

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/kubernetes/scheme"
)

// Options control a conversion.
type Options struct {
	// NoHeaders omits ColumnDefinitions (the Table's columnDefinitions is
	// null). kube-apiserver sets it from the request's ?noHeaders=true and,
	// on a watch, for every event after the first: only the first event of a
	// Table watch carries column definitions. Default false.
	NoHeaders bool
	// IncludeObject says what each row's object holds: None (null),
	// Metadata (a PartialObjectMetadata) or Object (the object itself).
	// Default "" means Metadata, as kube-apiserver's. Any other value is
	// refused with ErrInvalidIncludeObject.
	IncludeObject metav1.IncludeObjectPolicy
	// Now is the time AGE and RESTARTS' "(… ago)" count from. Default (zero)
	// is time.Now() at the call.
	Now time.Time
}

var (
	// ErrInvalidIncludeObject is returned for an Options.IncludeObject other
	// than "", None, Metadata or Object; kube-apiserver answers it with 400
	// BadRequest.
	ErrInvalidIncludeObject = errors.New("unrecognized includeObject value")
	// ErrNotAcceptable is returned for an object that cannot be shown as a
	// table (it has no object metadata, or is nil); kube-apiserver answers
	// it with 406 NotAcceptable "the resource <resource> does not support
	// being converted to a Table".
	ErrNotAcceptable = errors.New("object does not support being converted to a Table")
)

var (
	tableTypeMeta   = metav1.TypeMeta{APIVersion: metav1.SchemeGroupVersion.String(), Kind: "Table"}
	partialTypeMeta = metav1.TypeMeta{APIVersion: metav1.SchemeGroupVersion.String(), Kind: "PartialObjectMetadata"}
)

// ToTable converts one typed object (e.g. *corev1.Pod) or a typed list
// (*corev1.PodList, *appsv1.DeploymentList, ...) into a Table.
// For a list it copies the list's ResourceVersion and Continue (and
// RemainingItemCount) into the Table's ListMeta; for a single object, the
// object's ResourceVersion.
// Each row's Object is a runtime.RawExtension holding: nothing (None), a
// *metav1.PartialObjectMetadata with TypeMeta {apiVersion: meta.k8s.io/v1,
// kind: PartialObjectMetadata} (Metadata), or the object itself with its
// TypeMeta set (Object).
// The returned Table has TypeMeta {apiVersion: meta.k8s.io/v1, kind: Table}.
func ToTable(obj runtime.Object, opts Options) (*metav1.Table, error) {
	switch opts.IncludeObject {
	case "", metav1.IncludeMetadata, metav1.IncludeObject, metav1.IncludeNone:
	default:
		return nil, fmt.Errorf("%w: %q", ErrInvalidIncludeObject, opts.IncludeObject)
	}
	if isNil(obj) {
		return nil, fmt.Errorf("%w: nil object", ErrNotAcceptable)
	}
	if typed, ok, err := typedFromUnstructured(obj); err != nil {
		return nil, err
	} else if ok {
		obj = typed
	}

	c := &converter{now: opts.Now}
	if c.now.IsZero() {
		c.now = time.Now()
	}

	var (
		columns []metav1.TableColumnDefinition
		rows    []metav1.TableRow
	)
	switch o := obj.(type) {
	case *corev1.Pod:
		columns, rows = podColumns, []metav1.TableRow{c.podRow(o)}
	case *corev1.PodList:
		c.reserve(len(o.Items), len(podColumns))
		columns, rows = podColumns, eachRow(o.Items, c.podRow)
	case *appsv1.Deployment:
		columns, rows = deploymentColumns, []metav1.TableRow{c.deploymentRow(o)}
	case *appsv1.DeploymentList:
		c.reserve(len(o.Items), len(deploymentColumns))
		columns, rows = deploymentColumns, eachRow(o.Items, c.deploymentRow)
	case *appsv1.ReplicaSet:
		columns, rows = replicaSetColumns, []metav1.TableRow{c.replicaSetRow(o)}
	case *appsv1.ReplicaSetList:
		c.reserve(len(o.Items), len(replicaSetColumns))
		columns, rows = replicaSetColumns, eachRow(o.Items, c.replicaSetRow)
	case *autoscalingv1.Scale:
		columns, rows = scaleColumns, []metav1.TableRow{c.scaleRow(o)}
	case *corev1.Namespace:
		columns, rows = namespaceColumns, []metav1.TableRow{c.namespaceRow(o)}
	case *corev1.NamespaceList:
		c.reserve(len(o.Items), len(namespaceColumns))
		columns, rows = namespaceColumns, eachRow(o.Items, c.namespaceRow)
	case *corev1.Node:
		columns, rows = nodeColumns, []metav1.TableRow{c.nodeRow(o)}
	case *corev1.NodeList:
		c.reserve(len(o.Items), len(nodeColumns))
		columns, rows = nodeColumns, eachRow(o.Items, c.nodeRow)
	case *coordinationv1.Lease:
		columns, rows = leaseColumns, []metav1.TableRow{c.leaseRow(o)}
	case *coordinationv1.LeaseList:
		c.reserve(len(o.Items), len(leaseColumns))
		columns, rows = leaseColumns, eachRow(o.Items, c.leaseRow)
	default:
		var ok bool
		if columns, rows, ok = c.printedByKind(obj); ok {
			break
		}
		var err error
		if rows, err = c.defaultRows(obj); err != nil {
			return nil, err
		}
		columns = defaultColumns
	}

	table := &metav1.Table{
		TypeMeta:          tableTypeMeta,
		ColumnDefinitions: columnsFor(columns, opts.NoHeaders),
		Rows:              rows,
	}
	if m, err := meta.ListAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
		table.Continue = m.GetContinue()
		table.RemainingItemCount = m.GetRemainingItemCount()
	} else if m, err := meta.CommonAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	if err := attachObjects(table.Rows, opts.IncludeObject); err != nil {
		return nil, err
	}
	return table, nil
}

// printedKinds are the kinds ToTable has a printer for; an unstructured
// object of one of them is printed as its typed form.
var printedKinds = map[schema.GroupVersionKind]func() runtime.Object{
	corev1.SchemeGroupVersion.WithKind("Pod"):               func() runtime.Object { return &corev1.Pod{} },
	corev1.SchemeGroupVersion.WithKind("PodList"):           func() runtime.Object { return &corev1.PodList{} },
	appsv1.SchemeGroupVersion.WithKind("Deployment"):        func() runtime.Object { return &appsv1.Deployment{} },
	appsv1.SchemeGroupVersion.WithKind("DeploymentList"):    func() runtime.Object { return &appsv1.DeploymentList{} },
	appsv1.SchemeGroupVersion.WithKind("ReplicaSet"):        func() runtime.Object { return &appsv1.ReplicaSet{} },
	appsv1.SchemeGroupVersion.WithKind("ReplicaSetList"):    func() runtime.Object { return &appsv1.ReplicaSetList{} },
	autoscalingv1.SchemeGroupVersion.WithKind("Scale"):      func() runtime.Object { return &autoscalingv1.Scale{} },
	corev1.SchemeGroupVersion.WithKind("Namespace"):         func() runtime.Object { return &corev1.Namespace{} },
	corev1.SchemeGroupVersion.WithKind("NamespaceList"):     func() runtime.Object { return &corev1.NamespaceList{} },
	corev1.SchemeGroupVersion.WithKind("Node"):              func() runtime.Object { return &corev1.Node{} },
	corev1.SchemeGroupVersion.WithKind("NodeList"):          func() runtime.Object { return &corev1.NodeList{} },
	coordinationv1.SchemeGroupVersion.WithKind("Lease"):     func() runtime.Object { return &coordinationv1.Lease{} },
	coordinationv1.SchemeGroupVersion.WithKind("LeaseList"): func() runtime.Object { return &coordinationv1.LeaseList{} },
}

// typedFromUnstructured converts an unstructured object or list of a
// printed kind into its typed form, so that it gets its kind's columns.
func typedFromUnstructured(obj runtime.Object) (runtime.Object, bool, error) {
	u, ok := obj.(runtime.Unstructured)
	if !ok {
		return nil, false, nil
	}
	newTyped, ok := printedKinds[obj.GetObjectKind().GroupVersionKind()]
	if !ok {
		return nil, false, nil
	}
	typed := newTyped()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), typed); err != nil {
		return nil, false, fmt.Errorf("convert %s to %T: %w", obj.GetObjectKind().GroupVersionKind().Kind, typed, err)
	}
	return typed, true, nil
}

// converter renders the rows of one ToTable call.
type converter struct {
	now time.Time
	// cells is preallocated room for the cells of the rows still to come, so
	// that a list takes one allocation for all its cell slices.
	cells []interface{}
}

// reserve makes room for n rows of width cells each.
func (c *converter) reserve(n, width int) {
	c.cells = make([]interface{}, n*width)
}

// row returns a row for obj with the given cells.
func (c *converter) row(obj runtime.Object, cells ...interface{}) metav1.TableRow {
	n := len(cells)
	if len(c.cells) < n {
		c.cells = make([]interface{}, n)
	}
	dst := c.cells[:n:n]
	c.cells = c.cells[n:]
	copy(dst, cells)
	return metav1.TableRow{Cells: dst, Object: runtime.RawExtension{Object: obj}}
}

// age is the AGE cell: the time since ts in kubectl's short form, or
// "<unknown>" for an unset timestamp.
func (c *converter) age(ts metav1.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return c.since(ts.Time)
}

func (c *converter) since(t time.Time) string {
	return duration.HumanDuration(c.now.Sub(t))
}

func (c *converter) duration(d time.Duration) string { return duration.HumanDuration(d) }

// eachRow renders one row per item, in order; the rows point into items.
func eachRow[T any](items []T, row func(*T) metav1.TableRow) []metav1.TableRow {
	rows := make([]metav1.TableRow, len(items))
	for i := range items {
		rows[i] = row(&items[i])
	}
	return rows
}

// defaultRows renders kube-apiserver's default table, NAME and CREATED AT,
// of any object or list with object metadata. Like upstream's, an empty list
// gives null rows.
func (c *converter) defaultRows(obj runtime.Object) ([]metav1.TableRow, error) {
	var rows []metav1.TableRow
	add := func(item runtime.Object) error {
		m, err := meta.Accessor(item)
		if err != nil {
			return fmt.Errorf("%w: %T has no object metadata", ErrNotAcceptable, item)
		}
		rows = append(rows, c.row(item, m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)))
		return nil
	}
	if !meta.IsListType(obj) {
		if err := add(obj); err != nil {
			return nil, err
		}
		return rows, nil
	}
	if n := meta.LenList(obj); n > 0 {
		c.reserve(n, len(defaultColumns))
		rows = make([]metav1.TableRow, 0, n)
	}
	if err := meta.EachListItem(obj, add); err != nil {
		return nil, err
	}
	return rows, nil
}

// attachObjects replaces each row's source object by what policy asks for,
// as kube-apiserver does after printing.
func attachObjects(rows []metav1.TableRow, policy metav1.IncludeObjectPolicy) error {
	switch policy {
	case metav1.IncludeObject:
		var kinds kindCache
		for i := range rows {
			rows[i].Object.Object = kinds.withTypeMeta(rows[i].Object.Object)
		}
	case metav1.IncludeNone:
		for i := range rows {
			// The bookmark ending a watch's initial events keeps its
			// metadata, whatever the policy.
			if !initialEventsEnd(rows[i].Object.Object) {
				rows[i].Object.Object = nil
				continue
			}
			p := &metav1.PartialObjectMetadata{}
			if err := setPartial(p, rows[i].Object.Object); err != nil {
				return err
			}
			rows[i].Object.Object = p
		}
	default: // "" or Metadata
		partials := make([]metav1.PartialObjectMetadata, len(rows))
		for i := range rows {
			if err := setPartial(&partials[i], rows[i].Object.Object); err != nil {
				return err
			}
			rows[i].Object.Object = &partials[i]
		}
	}
	return nil
}

// setPartial fills p with obj's metadata. Like meta.AsPartialObjectMetadata
// it copies the ObjectMeta struct; its maps and slices stay shared with obj.
func setPartial(p *metav1.PartialObjectMetadata, obj runtime.Object) error {
	p.TypeMeta = partialTypeMeta
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if om, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok && om != nil {
			p.ObjectMeta = *om
			return nil
		}
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("%w: %T has no object metadata", ErrNotAcceptable, obj)
	}
	p.ObjectMeta = meta.AsPartialObjectMetadata(m).ObjectMeta
	return nil
}

func initialEventsEnd(obj runtime.Object) bool {
	m, err := meta.Accessor(obj)
	return err == nil && m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true"
}

// kindCache remembers the kind of the last type looked up, which is the
// kind of every row of a list.
type kindCache struct {
	typ reflect.Type
	gvk schema.GroupVersionKind
	ok  bool
}

// withTypeMeta returns obj if its apiVersion and kind are set, else a
// shallow copy of obj with them set from the Kubernetes scheme (client-go's,
// which holds every built-in type). obj itself is never modified; a type
// the scheme does not know is returned as it is.
func (k *kindCache) withTypeMeta(obj runtime.Object) runtime.Object {
	if gvk := obj.GetObjectKind().GroupVersionKind(); gvk.Kind != "" && gvk.Version != "" {
		return obj
	}
	v := reflect.ValueOf(obj)
	if v.Type() != k.typ {
		k.typ, k.ok = v.Type(), false
		if gvks, _, err := scheme.Scheme.ObjectKinds(obj); err == nil && len(gvks) > 0 {
			k.gvk, k.ok = gvks[0], true
		}
	}
	if !k.ok {
		return obj
	}
	var out runtime.Object
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		cp := reflect.New(v.Elem().Type())
		cp.Elem().Set(v.Elem())
		out = cp.Interface().(runtime.Object)
	} else {
		out = obj.DeepCopyObject()
	}
	out.GetObjectKind().SetGroupVersionKind(k.gvk)
	return out
}

func isNil(obj runtime.Object) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}
