package printers

import (
	"reflect"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

func TestAPIServiceTable(t *testing.T) {
	port := int32(443)
	remote := apiregistrationv1.APIServiceSpec{Service: &apiregistrationv1.ServiceReference{Namespace: "wardle", Name: "api", Port: &port}}
	for _, tc := range []struct {
		name       string
		spec       apiregistrationv1.APIServiceSpec
		conditions []apiregistrationv1.APIServiceCondition
		want       []any
	}{
		{"local", apiregistrationv1.APIServiceSpec{}, []apiregistrationv1.APIServiceCondition{{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionTrue, Reason: "Local"}},
			[]any{"v1.apps", "Local", "True", "5m"}},
		{"unavailable with a reason", remote, []apiregistrationv1.APIServiceCondition{{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionFalse, Reason: "ServiceNotFound"}},
			[]any{"v1.apps", "wardle/api", "False (ServiceNotFound)", "5m"}},
		{"unavailable without a reason", remote, []apiregistrationv1.APIServiceCondition{{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionFalse}},
			[]any{"v1.apps", "wardle/api", "False", "5m"}},
		{"not checked yet", remote, nil, []any{"v1.apps", "wardle/api", "Unknown", "5m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := &apiregistrationv1.APIService{ObjectMeta: objectMeta("v1.apps", 5*time.Minute), Spec: tc.spec}
			as.Status.Conditions = tc.conditions
			for _, obj := range []runtime.Object{as, &apiregistrationv1.APIServiceList{Items: []apiregistrationv1.APIService{*as}}} {
				table, err := ToTable(obj, Options{Now: now})
				if err != nil {
					t.Fatalf("%T: %v", obj, err)
				}
				var names []string
				for _, c := range table.ColumnDefinitions {
					names = append(names, c.Name)
				}
				if !reflect.DeepEqual(names, []string{"Name", "Service", "Available", "Age"}) {
					t.Errorf("%T: columns %q", obj, names)
				}
				if len(table.Rows) != 1 || !reflect.DeepEqual(table.Rows[0].Cells, tc.want) {
					t.Errorf("%T: rows %v, want cells %v", obj, table.Rows, tc.want)
				}
			}
		})
	}
}
