package apiserver

import (
	"fmt"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/helper"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// apiServiceKinds is apiregistration.k8s.io/v1 APIService, the aggregation layer's
// registry (aggregator.go): cluster-scoped, with a status subresource, in the category
// "api-extensions" as upstream.
var apiServiceKinds = []*resource{
	{
		gvr: apiregistrationv1.SchemeGroupVersion.WithResource("apiservices"), kind: "APIService", singular: "apiservice",
		categories: []string{"api-extensions"}, subs: []string{subStatus},
		strategy: apiServiceStrategy{},
		newObj:   func() storage.Marshaler { return &apiregistrationv1.APIService{} }, newList: func() runtime.Object { return &apiregistrationv1.APIServiceList{} },
	},
}

// apiServiceStrategy is kube-aggregator's APIService strategy: the port defaults to 443,
// status is the server's (a local APIService is Available at once), and validation is
// upstream's (the name is <version>.<group>, priorities in range, a service or local, a
// caBundle or insecureSkipTLSVerify but not both).
type apiServiceStrategy struct{}

func (apiServiceStrategy) Default(obj runtime.Object) {
	a := obj.(*apiregistrationv1.APIService)
	if a.Spec.Service != nil && a.Spec.Service.Port == nil {
		port := int32(443)
		a.Spec.Service.Port = &port
	}
}

func (apiServiceStrategy) PrepareForCreate(obj runtime.Object) {
	a := obj.(*apiregistrationv1.APIService)
	a.Status = apiregistrationv1.APIServiceStatus{}
	if a.Spec.Service == nil {
		helper.SetAPIServiceCondition(a, localAvailable())
	}
}

func (apiServiceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	obj.(*apiregistrationv1.APIService).Status = old.(*apiregistrationv1.APIService).Status
}

func (apiServiceStrategy) PrepareForStatusUpdate(obj, old runtime.Object) {
	a, prev := obj.(*apiregistrationv1.APIService), old.(*apiregistrationv1.APIService)
	a.Spec = prev.Spec
	a.Labels, a.Annotations = prev.Labels, prev.Annotations
	a.Finalizers, a.OwnerReferences = prev.Finalizers, prev.OwnerReferences
}

func (apiServiceStrategy) ValidateCreate(obj runtime.Object) field.ErrorList {
	return validateAPIService(obj.(*apiregistrationv1.APIService))
}

func (apiServiceStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	a := obj.(*apiregistrationv1.APIService)
	errs := apivalidation.ValidateObjectMetaUpdate(&a.ObjectMeta, &old.(*apiregistrationv1.APIService).ObjectMeta, field.NewPath("metadata"))
	return append(errs, validateAPIService(a)...)
}

func (apiServiceStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	a := obj.(*apiregistrationv1.APIService)
	errs := apivalidation.ValidateObjectMetaUpdate(&a.ObjectMeta, &old.(*apiregistrationv1.APIService).ObjectMeta, field.NewPath("metadata"))
	for i, c := range a.Status.Conditions {
		switch c.Status {
		case apiregistrationv1.ConditionTrue, apiregistrationv1.ConditionFalse, apiregistrationv1.ConditionUnknown:
		default:
			errs = append(errs, field.NotSupported(field.NewPath("status", "conditions").Index(i).Child("status"), c.Status,
				[]string{string(apiregistrationv1.ConditionTrue), string(apiregistrationv1.ConditionFalse), string(apiregistrationv1.ConditionUnknown)}))
		}
	}
	return errs
}

// validateAPIService holds an APIService to upstream's rules, in upstream's order and words.
func validateAPIService(a *apiregistrationv1.APIService) field.ErrorList {
	required := a.Spec.Version + "." + a.Spec.Group
	errs := apivalidation.ValidateObjectMeta(&a.ObjectMeta, false, func(name string, prefix bool) []string {
		if failures := path.IsValidPathSegmentName(name); len(failures) > 0 {
			return failures
		}
		if name != required {
			return []string{fmt.Sprintf("must be `spec.version+\".\"+spec.group`: %q", required)}
		}
		return nil
	}, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	if a.Spec.Group == "" && a.Spec.Version != "v1" {
		errs = append(errs, field.Required(spec.Child("group"), "only v1 may have an empty group and it better be legacy kube"))
	}
	if a.Spec.Group != "" {
		for _, msg := range utilvalidation.IsDNS1123Subdomain(a.Spec.Group) {
			errs = append(errs, field.Invalid(spec.Child("group"), a.Spec.Group, msg))
		}
	}
	for _, msg := range utilvalidation.IsDNS1035Label(a.Spec.Version) {
		errs = append(errs, field.Invalid(spec.Child("version"), a.Spec.Version, msg))
	}
	if a.Spec.GroupPriorityMinimum <= 0 || a.Spec.GroupPriorityMinimum > 20000 {
		errs = append(errs, field.Invalid(spec.Child("groupPriorityMinimum"), a.Spec.GroupPriorityMinimum, "must be positive and less than 20000"))
	}
	if a.Spec.VersionPriority <= 0 || a.Spec.VersionPriority > 1000 {
		errs = append(errs, field.Invalid(spec.Child("versionPriority"), a.Spec.VersionPriority, "must be positive and less than 1000"))
	}
	if a.Spec.Service == nil {
		if len(a.Spec.CABundle) != 0 {
			errs = append(errs, field.Invalid(spec.Child("caBundle"), fmt.Sprintf("%d bytes", len(a.Spec.CABundle)), "local APIServices may not have a caBundle"))
		}
		if a.Spec.InsecureSkipTLSVerify {
			errs = append(errs, field.Invalid(spec.Child("insecureSkipTLSVerify"), a.Spec.InsecureSkipTLSVerify, "local APIServices may not have insecureSkipTLSVerify"))
		}
		return errs
	}
	svc := spec.Child("service")
	if a.Spec.Service.Namespace == "" {
		errs = append(errs, field.Required(svc.Child("namespace"), ""))
	}
	if a.Spec.Service.Name == "" {
		errs = append(errs, field.Required(svc.Child("name"), ""))
	}
	port := int32(0)
	if a.Spec.Service.Port != nil {
		port = *a.Spec.Service.Port
	}
	if msgs := utilvalidation.IsValidPortNum(int(port)); msgs != nil {
		errs = append(errs, field.Invalid(svc.Child("port"), port, "port is not valid: "+strings.Join(msgs, ", ")))
	}
	if a.Spec.InsecureSkipTLSVerify && len(a.Spec.CABundle) > 0 {
		errs = append(errs, field.Invalid(spec.Child("insecureSkipTLSVerify"), a.Spec.InsecureSkipTLSVerify, "may not be true if caBundle is present"))
	}
	return errs
}

// localAvailable is the condition of every local APIService.
func localAvailable() apiregistrationv1.APIServiceCondition {
	return apiregistrationv1.APIServiceCondition{
		Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionTrue, LastTransitionTime: metav1.Now().Rfc3339Copy(),
		Reason: "Local", Message: "Local APIServices are always available",
	}
}

// autoRegisterLabel marks the local APIServices the engine registers at start, as
// kube-apiserver's autoregister controller does.
const autoRegisterLabel = "kube-aggregator.kubernetes.io/automanaged"

// localPriorities are kube-apiserver's group and version priorities of the built-in group
// versions the engine serves (cmd/kube-apiserver/app/aggregator.go and
// pkg/controlplane/apiserver/aggregator.go): the order of /apis.
var localPriorities = map[schema.GroupVersion][2]int32{
	{Group: "", Version: "v1"}:                    {18000, 1},
	{Group: "events.k8s.io", Version: "v1"}:       {17750, 15},
	{Group: "apps", Version: "v1"}:                {17800, 15},
	{Group: "autoscaling", Version: "v1"}:         {17500, 15},
	{Group: "autoscaling", Version: "v2"}:         {17500, 30},
	{Group: "batch", Version: "v1"}:               {17400, 15},
	{Group: "networking.k8s.io", Version: "v1"}:   {17200, 15},
	{Group: "policy", Version: "v1"}:              {17100, 15},
	{Group: "coordination.k8s.io", Version: "v1"}: {16500, 15},
	{Group: "discovery.k8s.io", Version: "v1"}:    {16200, 15},
}

// localAPIServices are the APIServices of the engine's own group versions, named and
// prioritised as kube-apiserver's; group versions upstream registers none for (its own
// apiregistration.k8s.io) get none.
func localAPIServices() []*apiregistrationv1.APIService {
	var out []*apiregistrationv1.APIService
	for _, gv := range servedGroupVersions() {
		p, ok := localPriorities[gv]
		if !ok {
			continue
		}
		out = append(out, localAPIService(gv, p[0], p[1], "onstart"))
	}
	return out
}

// localAPIService is the APIService of a group version the engine serves itself, labelled as
// upstream's autoregister controller labels them: "onstart" for the built-in group versions
// (registered at start), "true" for those it keeps registered while they are served (custom
// resources: kube-apiserver's crdregistration controller gives them group priority 1000 and
// version priority 100).
func localAPIService(gv schema.GroupVersion, groupPriority, versionPriority int32, managed string) *apiregistrationv1.APIService {
	return &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: gv.Version + "." + gv.Group, Labels: map[string]string{autoRegisterLabel: managed}},
		Spec:       apiregistrationv1.APIServiceSpec{Group: gv.Group, Version: gv.Version, GroupPriorityMinimum: groupPriority, VersionPriority: versionPriority},
	}
}
