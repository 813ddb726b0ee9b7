package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func storedClaim() *corev1.PersistentVolumeClaim {
	p := &corev1.PersistentVolumeClaim{
		ObjectMeta: meta("data"),
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	}
	p.ResourceVersion, p.UID = "5", "uid-1"
	Default(p)
	PrepareForCreate(p)
	return p
}

// TestClaimAndQuotaUpdates: a claim's spec is immutable but for binding and a storage class
// set where there was none; a quota's scopes are immutable.
func TestClaimAndQuotaUpdates(t *testing.T) {
	tests := []struct {
		name   string
		old    func() any
		update func(any)
		want   []want
	}{
		{"claim bound to a volume", func() any { return storedClaim() }, func(o any) { o.(*corev1.PersistentVolumeClaim).Spec.VolumeName = "pv-1" }, nil},
		{"claim storage class set", func() any { return storedClaim() }, func(o any) {
			o.(*corev1.PersistentVolumeClaim).Spec.StorageClassName = ptrTo("fast")
		}, nil},
		{"claim access modes changed", func() any { return storedClaim() }, func(o any) {
			o.(*corev1.PersistentVolumeClaim).Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
		}, []want{{field.ErrorTypeForbidden, "spec"}}},
		{"pending claim grows", func() any { return storedClaim() }, func(o any) {
			o.(*corev1.PersistentVolumeClaim).Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		}, []want{{field.ErrorTypeForbidden, "spec"}}},
		{"bound claim grows", func() any {
			p := storedClaim()
			p.Status.Phase = corev1.ClaimBound
			return p
		}, func(o any) {
			p := o.(*corev1.PersistentVolumeClaim)
			p.Status.Phase = corev1.ClaimBound
			p.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		}, nil},
		{"quota scopes changed", func() any {
			q := &corev1.ResourceQuota{ObjectMeta: meta("q"), Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("3")},
				Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}}}
			q.ResourceVersion = "5"
			return q
		}, func(o any) { o.(*corev1.ResourceQuota).Spec.Scopes = nil }, []want{{field.ErrorTypeInvalid, "spec.scopes"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := tt.old()
			var errs field.ErrorList
			switch o := old.(type) {
			case *corev1.PersistentVolumeClaim:
				next := o.DeepCopy()
				tt.update(next)
				PrepareForUpdate(next, o)
				errs = ValidateUpdate(next, o)
			case *corev1.ResourceQuota:
				next := o.DeepCopy()
				tt.update(next)
				PrepareForUpdate(next, o)
				errs = ValidateUpdate(next, o)
			}
			checkErrors(t, errs, tt.want)
		})
	}
}

// TestClaimDataSources: a legacy data source of another kind is dropped, a valid one is
// mirrored into dataSourceRef, as upstream's claim strategy does.
func TestClaimDataSources(t *testing.T) {
	p := storedClaim()
	p.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "Snapshot", Name: "s"}
	normalizePVCDataSources(&p.Spec, nil)
	if p.Spec.DataSource != nil || p.Spec.DataSourceRef != nil {
		t.Errorf("an unknown legacy data source is kept: %+v %+v", p.Spec.DataSource, p.Spec.DataSourceRef)
	}
	p.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "src"}
	normalizePVCDataSources(&p.Spec, nil)
	if r := p.Spec.DataSourceRef; r == nil || r.Kind != "PersistentVolumeClaim" || r.Name != "src" {
		t.Errorf("dataSourceRef %+v, want the claim src", r)
	}
}
