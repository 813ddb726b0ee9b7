package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/storage"
	"github.com/sheetops/sheetops/apiserver/validation"
)

// A view is a resource served in another group version than the one its objects are
// stored in, as kube-apiserver serves autoscaling/v1 and v2 HorizontalPodAutoscalers, or
// v1 and events.k8s.io/v1 Events, from one storage: the same objects, converted on the
// way in and out. Upstream converts through internal types with generated conversions,
// which live in k8s.io/kubernetes; the conversions here are ours, written from theirs.
//
// A request for a view runs the storage resource's pipelines (strategy, validation, field
// managers) on the converted object; its answers are converted back, except Table output,
// which prints the stored object as upstream prints the internal one. Server-side apply
// on a view uses field managers of the view's version (viewapply.go).
type view struct {
	storageGVR schema.GroupVersionResource
	storage    *resource
	// toView converts a stored object into the view's type (a new object).
	toView func(stored runtime.Object) runtime.Object
	// fromView converts an object of the view's type into the stored type (a new object).
	fromView func(v runtime.Object) runtime.Object
	// validate and validateUpdate hold the rules of the view's version, on the stored
	// object, reported against the storage's kind (as upstream reports them against the
	// internal one); nil for none beyond the storage's.
	validate       func(stored runtime.Object) field.ErrorList
	validateUpdate func(stored, old runtime.Object) field.ErrorList
}

// viewKinds are served as views of the resources they name.
var viewKinds = []*resource{
	{
		gvr: autoscalingv1.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), kind: "HorizontalPodAutoscaler", singular: "horizontalpodautoscaler", namespaced: true,
		shortNames: []string{"hpa"}, categories: []string{"all"}, subs: []string{subStatus},
		view:   &view{storageGVR: autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), toView: hpaToV1, fromView: hpaFromV1},
		newObj: func() storage.Marshaler { return &autoscalingv1.HorizontalPodAutoscaler{} }, newList: func() runtime.Object { return &autoscalingv1.HorizontalPodAutoscalerList{} },
	},
	{
		gvr: eventsv1.SchemeGroupVersion.WithResource("events"), kind: "Event", singular: "event", namespaced: true,
		shortNames: []string{"ev"}, fieldLabelConversion: true, fields: eventsV1Fields,
		view: &view{storageGVR: corev1.SchemeGroupVersion.WithResource("events"), toView: eventToV1, fromView: eventFromV1,
			validate: func(e runtime.Object) field.ErrorList { return validation.ValidateEventCreate(e.(*corev1.Event), true) },
			validateUpdate: func(e, old runtime.Object) field.ErrorList {
				return validation.ValidateEventUpdate(e.(*corev1.Event), old.(*corev1.Event), true)
			}},
		newObj: func() storage.Marshaler { return &eventsv1.Event{} }, newList: func() runtime.Object { return &eventsv1.EventList{} },
	},
}

// viewContextKey carries the view a request is for, so respond converts what it writes.
type viewContextKey struct{}

func withView(r *http.Request, res *resource) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), viewContextKey{}, res))
}

func viewOf(ctx context.Context) *resource {
	res, _ := ctx.Value(viewContextKey{}).(*resource)
	return res
}

// presentAs converts a stored object or list into the view res serves.
func presentAs(res *resource, obj runtime.Object) runtime.Object {
	if !meta.IsListType(obj) {
		if resourceOf(obj) != res.view.storage && (res.custom == nil || !isCustom(obj)) {
			return obj
		}
		out := res.view.toView(obj)
		out.GetObjectKind().SetGroupVersionKind(res.gvk())
		return out
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return obj
	}
	converted := make([]runtime.Object, len(items))
	for i, it := range items {
		converted[i] = res.view.toView(it)
	}
	list := res.newList()
	meta.SetList(list, converted)
	if from, err := meta.ListAccessor(obj); err == nil {
		to, _ := meta.ListAccessor(list)
		to.SetResourceVersion(from.GetResourceVersion())
		to.SetContinue(from.GetContinue())
		to.SetRemainingItemCount(from.GetRemainingItemCount())
	}
	list.GetObjectKind().SetGroupVersionKind(res.gvr.GroupVersion().WithKind(res.listKind))
	return list
}

// relabel rewrites an error about the storage resource as one about the view, as
// upstream words them (`events.events.k8s.io "x" not found`, `Event.events.k8s.io "x" is
// invalid`).
func relabel(err error, res *resource) error {
	var se *apierrors.StatusError
	if res == nil || !errorsAs(err, &se) || res.gvr.Group == res.view.storage.gvr.Group {
		return err
	}
	st := se.ErrStatus
	from, to := res.view.storage.groupResource().String(), res.groupResource().String()
	if !strings.HasPrefix(st.Message, from+" ") {
		return err // an Invalid error names the kind, as upstream's names the internal one
	}
	st.Message = to + strings.TrimPrefix(st.Message, from)
	if st.Details != nil && st.Details.Group == res.view.storage.gvr.Group {
		d := *st.Details
		d.Group = res.gvr.Group
		st.Details = &d
	}
	return &apierrors.StatusError{ErrStatus: st}
}

// ---- autoscaling/v1 HorizontalPodAutoscaler, stored as autoscaling/v2 ----

// Annotations in which autoscaling/v1 carries what it has no fields for (upstream's).
const (
	hpaMetricsAnnotation        = "autoscaling.alpha.kubernetes.io/metrics"
	hpaCurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	hpaConditionsAnnotation     = "autoscaling.alpha.kubernetes.io/conditions"
	hpaBehaviorAnnotation       = "autoscaling.alpha.kubernetes.io/behavior"
)

func isCPUUtilization(m autoscalingv2.MetricSpec) bool {
	return m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil
}

func hpaToV1(obj runtime.Object) runtime.Object {
	in := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	out := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: *in.ObjectMeta.DeepCopy()}
	out.Spec = autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
		MinReplicas:    in.Spec.MinReplicas, MaxReplicas: in.Spec.MaxReplicas,
	}
	var other []autoscalingv2.MetricSpec
	for _, m := range in.Spec.Metrics {
		if isCPUUtilization(m) {
			if out.Spec.TargetCPUUtilizationPercentage == nil {
				out.Spec.TargetCPUUtilizationPercentage = ptrTo(*m.Resource.Target.AverageUtilization)
			}
			continue
		}
		other = append(other, m)
	}
	out.Status = autoscalingv1.HorizontalPodAutoscalerStatus{
		ObservedGeneration: in.Status.ObservedGeneration, LastScaleTime: in.Status.LastScaleTime,
		CurrentReplicas: in.Status.CurrentReplicas, DesiredReplicas: in.Status.DesiredReplicas,
	}
	for _, m := range in.Status.CurrentMetrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil {
			out.Status.CurrentCPUUtilizationPercentage = ptrTo(*m.Resource.Current.AverageUtilization)
		}
	}
	annotate := func(key string, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			return
		}
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		out.Annotations[key] = string(data)
	}
	// Metrics other than the CPU target travel in annotations, in the autoscaling/v2 form
	// (upstream writes its older v1 metric form; a round trip through the engine keeps them).
	if len(other) > 0 {
		annotate(hpaMetricsAnnotation, other)
	}
	if len(in.Status.CurrentMetrics) > 0 {
		annotate(hpaCurrentMetricsAnnotation, in.Status.CurrentMetrics)
	}
	if in.Spec.Behavior != nil {
		annotate(hpaBehaviorAnnotation, in.Spec.Behavior)
	}
	if len(in.Status.Conditions) > 0 {
		annotate(hpaConditionsAnnotation, in.Status.Conditions)
	}
	return out
}

func hpaFromV1(obj runtime.Object) runtime.Object {
	in := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	out := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: *in.ObjectMeta.DeepCopy()}
	out.Spec = autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
		MinReplicas:    in.Spec.MinReplicas, MaxReplicas: in.Spec.MaxReplicas,
	}
	if in.Spec.MinReplicas == nil {
		out.Spec.MinReplicas = ptrTo(int32(1)) // autoscaling/v1's default
	}
	cpu := func(pct int32) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptrTo(pct)}}}
	}
	if in.Spec.TargetCPUUtilizationPercentage != nil {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpu(*in.Spec.TargetCPUUtilizationPercentage)}
	}
	if enc, ok := in.Annotations[hpaMetricsAnnotation]; ok {
		var other []autoscalingv2.MetricSpec
		if json.Unmarshal([]byte(enc), &other) == nil {
			out.Spec.Metrics = append(other, out.Spec.Metrics...)
		}
	}
	if enc, ok := in.Annotations[hpaBehaviorAnnotation]; ok {
		var b autoscalingv2.HorizontalPodAutoscalerBehavior
		if json.Unmarshal([]byte(enc), &b) == nil && (b.ScaleUp != nil || b.ScaleDown != nil) {
			out.Spec.Behavior = &b
		}
	}
	if len(out.Spec.Metrics) == 0 {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpu(80)}
	}
	out.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: in.Status.ObservedGeneration, LastScaleTime: in.Status.LastScaleTime,
		CurrentReplicas: in.Status.CurrentReplicas, DesiredReplicas: in.Status.DesiredReplicas,
	}
	if enc, ok := in.Annotations[hpaCurrentMetricsAnnotation]; ok {
		json.Unmarshal([]byte(enc), &out.Status.CurrentMetrics)
	} else if p := in.Status.CurrentCPUUtilizationPercentage; p != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptrTo(*p)}}}}
	}
	if enc, ok := in.Annotations[hpaConditionsAnnotation]; ok {
		json.Unmarshal([]byte(enc), &out.Status.Conditions)
	}
	for _, k := range []string{hpaMetricsAnnotation, hpaCurrentMetricsAnnotation, hpaConditionsAnnotation, hpaBehaviorAnnotation} {
		delete(out.Annotations, k)
	}
	if len(out.Annotations) == 0 && in.Annotations != nil && len(in.Annotations) > 0 {
		out.Annotations = nil
	}
	return out
}

// ---- events.k8s.io/v1 Event, stored as a v1 Event ----

func eventToV1(obj runtime.Object) runtime.Object {
	in := obj.(*corev1.Event)
	out := &eventsv1.Event{
		ObjectMeta: *in.ObjectMeta.DeepCopy(), EventTime: in.EventTime,
		ReportingController: in.ReportingController, ReportingInstance: in.ReportingInstance,
		Action: in.Action, Reason: in.Reason, Regarding: in.InvolvedObject, Related: in.Related,
		Note: in.Message, Type: in.Type, DeprecatedSource: in.Source,
		DeprecatedFirstTimestamp: in.FirstTimestamp, DeprecatedLastTimestamp: in.LastTimestamp, DeprecatedCount: in.Count,
	}
	if in.Series != nil {
		out.Series = &eventsv1.EventSeries{Count: in.Series.Count, LastObservedTime: in.Series.LastObservedTime}
	}
	return out
}

func eventFromV1(obj runtime.Object) runtime.Object {
	in := obj.(*eventsv1.Event)
	out := &corev1.Event{
		ObjectMeta: *in.ObjectMeta.DeepCopy(), EventTime: in.EventTime,
		ReportingController: in.ReportingController, ReportingInstance: in.ReportingInstance,
		Action: in.Action, Reason: in.Reason, InvolvedObject: in.Regarding, Related: in.Related,
		Message: in.Note, Type: in.Type, Source: in.DeprecatedSource,
		FirstTimestamp: in.DeprecatedFirstTimestamp, LastTimestamp: in.DeprecatedLastTimestamp, Count: in.DeprecatedCount,
	}
	if in.Series != nil {
		out.Series = &corev1.EventSeries{Count: in.Series.Count, LastObservedTime: in.Series.LastObservedTime}
	}
	return out
}

// eventsV1Fields are the field selectors of events.k8s.io/v1, on the stored v1 Event.
func eventsV1Fields(obj runtime.Object) fields.Set {
	e, ok := obj.(*corev1.Event)
	if !ok {
		e = &corev1.Event{}
	}
	return fields.Set{
		"reason":                    e.Reason,
		"regarding.kind":            e.InvolvedObject.Kind,
		"regarding.namespace":       e.InvolvedObject.Namespace,
		"regarding.name":            e.InvolvedObject.Name,
		"regarding.uid":             string(e.InvolvedObject.UID),
		"regarding.apiVersion":      e.InvolvedObject.APIVersion,
		"regarding.resourceVersion": e.InvolvedObject.ResourceVersion,
		"regarding.fieldPath":       e.InvolvedObject.FieldPath,
		"reportingController":       e.ReportingController,
		"type":                      e.Type,
	}
}

func ptrTo[T any](v T) *T { return &v }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
