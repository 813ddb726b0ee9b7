package printers

import (
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

// apiServiceColumns are kube-aggregator's table of APIServices: NAME SERVICE AVAILABLE AGE.
var apiServiceColumns = []metav1.TableColumnDefinition{
	nameColumn(),
	column("Service", "string", standard, "The reference to the service that hosts this API endpoint."),
	column("Available", "string", standard, "Whether this service is available."),
	ageColumn(),
}

// apiServiceRow renders NAME SERVICE AVAILABLE AGE: the service as namespace/name or
// "Local", availability as the Available condition's status, with its reason when not True.
func (c *converter) apiServiceRow(a *apiregistrationv1.APIService) metav1.TableRow {
	service := "Local"
	if a.Spec.Service != nil {
		service = a.Spec.Service.Namespace + "/" + a.Spec.Service.Name
	}
	available := string(apiregistrationv1.ConditionUnknown)
	for _, cond := range a.Status.Conditions {
		if cond.Type != apiregistrationv1.Available {
			continue
		}
		available = string(cond.Status)
		if cond.Status != apiregistrationv1.ConditionTrue && cond.Reason != "" {
			available = fmt.Sprintf("%s (%s)", cond.Status, cond.Reason)
		}
	}
	return c.row(a, a.Name, service, available, c.age(a.CreationTimestamp))
}

// The APIService kind is not in client-go's scheme, so it is registered here rather than
// with printKind.
func init() {
	kindPrinters[reflect.TypeFor[*apiregistrationv1.APIService]()] = kindPrinter{columns: apiServiceColumns, rows: func(c *converter, obj runtime.Object) []metav1.TableRow {
		return []metav1.TableRow{c.apiServiceRow(obj.(*apiregistrationv1.APIService))}
	}}
	kindPrinters[reflect.TypeFor[*apiregistrationv1.APIServiceList]()] = kindPrinter{columns: apiServiceColumns, rows: func(c *converter, obj runtime.Object) []metav1.TableRow {
		list := obj.(*apiregistrationv1.APIServiceList)
		c.reserve(len(list.Items), len(apiServiceColumns))
		rows := make([]metav1.TableRow, len(list.Items))
		for i := range list.Items {
			rows[i] = c.apiServiceRow(&list.Items[i])
		}
		return rows
	}}
	printedKinds[apiregistrationv1.SchemeGroupVersion.WithKind("APIService")] = func() runtime.Object { return &apiregistrationv1.APIService{} }
	printedKinds[apiregistrationv1.SchemeGroupVersion.WithKind("APIServiceList")] = func() runtime.Object { return &apiregistrationv1.APIServiceList{} }
}
