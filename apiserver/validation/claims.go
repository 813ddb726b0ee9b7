package validation

// Upstream's validation of PersistentVolumeClaims and ResourceQuotas
// (pkg/apis/core/validation) and its claim strategy's data source normalization, on the
// versioned types, with upstream's paths and messages. Where upstream walks a map in random
// order, these walk it sorted.

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedAccessModes = sets.New(corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod)
	supportedVolumeModes = sets.New(corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem)

	// quotaResources are upstream's standard quota resource names (hugepages aside).
	quotaResources = sets.New[corev1.ResourceName](
		corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsStorage, corev1.ResourceRequestsEphemeralStorage,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
		corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices, corev1.ResourceReplicationControllers,
		corev1.ResourceSecrets, corev1.ResourcePersistentVolumeClaims, corev1.ResourceConfigMaps,
		corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers)
	// namedResources are upstream's standard resource names (IsStandardResourceName).
	namedResources = quotaResources.Clone().Insert(corev1.ResourceStorage)

	quotaScopes = sets.New(corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating,
		corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopePriorityClass,
		corev1.ResourceQuotaScopeVolumeAttributesClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity)
	podComputeQuotaResources = sets.New[corev1.ResourceName](corev1.ResourceCPU, corev1.ResourceMemory,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory)
)

func isQuotaHugePages(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) || strings.HasPrefix(string(name), corev1.ResourceRequestsHugePagesPrefix)
}

// ---- PersistentVolumeClaim ----

func validatePVC(p *corev1.PersistentVolumeClaim) field.ErrorList {
	var errs field.ErrorList
	spec := &p.Spec
	fld := field.NewPath("spec")
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(fld.Child("accessModes"), "at least 1 access mode is required"))
	}
	if spec.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabelSelector(spec.Selector, metavalidation.LabelSelectorValidationOptions{}, fld.Child("selector"))...)
	}
	rwop, other := false, false
	for _, mode := range spec.AccessModes {
		if !supportedAccessModes.Has(mode) {
			errs = append(errs, field.NotSupported(fld.Child("accessModes"), mode, sets.List(supportedAccessModes)))
		}
		if mode == corev1.ReadWriteOncePod {
			rwop = true
		} else if supportedAccessModes.Has(mode) {
			other = true
		}
	}
	if rwop && other {
		errs = append(errs, field.Forbidden(fld.Child("accessModes"), "may not use ReadWriteOncePod with other access modes"))
	}
	storagePath := fld.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(storagePath, ""))
	} else if q.Sign() <= 0 {
		errs = append(errs, field.Invalid(storagePath, q.String(), "must be greater than zero"))
	}
	if sc := spec.StorageClassName; sc != nil && *sc != "" {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*sc, false) {
			errs = append(errs, field.Invalid(fld.Child("storageClassName"), *sc, msg))
		}
	}
	if spec.VolumeMode != nil && !supportedVolumeModes.Has(*spec.VolumeMode) {
		errs = append(errs, field.NotSupported(fld.Child("volumeMode"), *spec.VolumeMode, sets.List(supportedVolumeModes)))
	}
	if ds := spec.DataSource; ds != nil {
		errs = append(errs, validateDataSource(ds.Name, ds.Kind, ds.APIGroup, fld.Child("dataSource"))...)
	}
	if ref := spec.DataSourceRef; ref != nil {
		errs = append(errs, validateDataSource(ref.Name, ref.Kind, ref.APIGroup, fld.Child("dataSourceRef"))...)
		if ref.Namespace != nil && *ref.Namespace != "" {
			for _, msg := range apimachineryvalidation.ValidateNamespaceName(*ref.Namespace, false) {
				errs = append(errs, field.Invalid(fld.Child("dataSourceRef", "namespace"), *ref.Namespace, msg))
			}
		}
	}
	if ref := spec.DataSourceRef; ref != nil && ref.Namespace != nil && *ref.Namespace != "" {
		if spec.DataSource != nil {
			errs = append(errs, field.Invalid(fld, fld.Child("dataSource"), "may not be specified when dataSourceRef.namespace is specified"))
		}
	} else if ds := spec.DataSource; ds != nil && ref != nil {
		if !semanticEqual(ds.APIGroup, ref.APIGroup) || ds.Kind != ref.Kind || ds.Name != ref.Name {
			errs = append(errs, field.Invalid(fld, fld.Child("dataSource"), "must match dataSourceRef"))
		}
	}
	if vac := spec.VolumeAttributesClassName; vac != nil && *vac != "" {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*vac, false) {
			errs = append(errs, field.Invalid(fld.Child("volumeAttributesClassName"), *vac, msg))
		}
	}
	return errs
}

func validateDataSource(name, kind string, group *string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(fld.Child("name"), ""))
	}
	if kind == "" {
		errs = append(errs, field.Required(fld.Child("kind"), ""))
	}
	g := ""
	if group != nil {
		g = *group
	}
	if g == "" && kind != "PersistentVolumeClaim" {
		errs = append(errs, field.Invalid(fld, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
	}
	if g != "" {
		for _, msg := range validation.IsDNS1123Subdomain(g) {
			errs = append(errs, field.Invalid(fld.Child("apiGroup"), g, msg))
		}
	}
	return errs
}

// validatePVCUpdate: a claim's spec is immutable, but for binding it to a volume once, a
// storage class set where there was none, and a bound claim's storage request (which may
// grow).
func validatePVCUpdate(p, old *corev1.PersistentVolumeClaim) field.ErrorList {
	var errs field.ErrorList
	cur, prev := p.Spec.DeepCopy(), old.Spec.DeepCopy()
	if prev.VolumeName == "" {
		prev.VolumeName = cur.VolumeName
	}
	if _, annotated := old.Annotations[corev1.BetaStorageClassAnnotation]; prev.StorageClassName == nil && !annotated {
		prev.StorageClassName = cur.StorageClassName
	}
	if p.Status.Phase == corev1.ClaimBound {
		if cur.Resources.Requests != nil {
			cur.Resources.Requests[corev1.ResourceStorage] = old.Spec.Resources.Requests[corev1.ResourceStorage]
		}
		cur.VolumeAttributesClassName = prev.VolumeAttributesClassName
	}
	if !semanticEqual(cur, prev) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
	}
	newSize, oldSize := p.Spec.Resources.Requests[corev1.ResourceStorage], old.Spec.Resources.Requests[corev1.ResourceStorage]
	if status := old.Status.Capacity[corev1.ResourceStorage]; newSize.Cmp(oldSize) < 0 && newSize.Cmp(status) <= 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than status.capacity"))
	}
	return errs
}

// ---- ResourceQuota ----

func validateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	var errs field.ErrorList
	fld := field.NewPath("spec")
	for _, name := range sortedNames(q.Spec.Hard) {
		p := fld.Child("hard").Key(string(name))
		errs = append(errs, validateQuotaResourceName(name, p)...)
		errs = append(errs, validateResourceQuantityValue(name, q.Spec.Hard[name], p)...)
	}
	hard := sortedNames(q.Spec.Hard)
	if len(q.Spec.Scopes) > 0 {
		scopes := sets.New[corev1.ResourceQuotaScope]()
		for _, scope := range q.Spec.Scopes {
			if !quotaScopes.Has(scope) {
				errs = append(errs, field.Invalid(fld.Child("scopes"), q.Spec.Scopes, "unsupported scope"))
			}
			for _, name := range hard {
				if isStandardQuotaResource(name) && !scopeAppliesTo(scope, name) {
					errs = append(errs, field.Invalid(fld.Child("scopes"), q.Spec.Scopes, "unsupported scope applied to resource"))
				}
			}
			scopes.Insert(scope)
		}
		errs = append(errs, conflictingScopes(scopes, fld.Child("scopes"), q.Spec.Scopes)...)
	}
	if sel := q.Spec.ScopeSelector; sel != nil {
		p := fld.Child("scopeSelector", "matchExpressions")
		scopes := sets.New[corev1.ResourceQuotaScope]()
		for _, req := range sel.MatchExpressions {
			if !quotaScopes.Has(req.ScopeName) {
				errs = append(errs, field.Invalid(p.Child("scopeName"), req.ScopeName, "unsupported scope"))
			}
			for _, name := range hard {
				if isStandardQuotaResource(name) && !scopeAppliesTo(req.ScopeName, name) {
					errs = append(errs, field.Invalid(p, sel, "unsupported scope applied to resource"))
				}
			}
			switch req.ScopeName {
			case corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopeTerminating,
				corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
				if req.Operator != corev1.ScopeSelectorOpExists {
					errs = append(errs, field.Invalid(p.Child("operator"), req.Operator,
						"must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"))
				}
			}
			switch req.Operator {
			case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
				if len(req.Values) == 0 {
					errs = append(errs, field.Required(p.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
				}
			case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
				if len(req.Values) != 0 {
					errs = append(errs, field.Invalid(p.Child("values"), req.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
				}
			default:
				errs = append(errs, field.Invalid(p.Child("operator"), req.Operator, "not a valid selector operator"))
			}
			scopes.Insert(req.ScopeName)
		}
		errs = append(errs, conflictingScopes(scopes, p, q.Spec.Scopes)...)
	}
	return errs
}

func isStandardQuotaResource(name corev1.ResourceName) bool {
	return quotaResources.Has(name) || isQuotaHugePages(name)
}

func scopeAppliesTo(scope corev1.ResourceQuotaScope, name corev1.ResourceName) bool {
	switch scope {
	case corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeNotBestEffort,
		corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return name == corev1.ResourcePods || podComputeQuotaResources.Has(name)
	case corev1.ResourceQuotaScopeBestEffort:
		return name == corev1.ResourcePods
	case corev1.ResourceQuotaScopeVolumeAttributesClass:
		return name == corev1.ResourcePersistentVolumeClaims || name == corev1.ResourceRequestsStorage
	}
	return true
}

func conflictingScopes(scopes sets.Set[corev1.ResourceQuotaScope], fld *field.Path, value []corev1.ResourceQuotaScope) field.ErrorList {
	var errs field.ErrorList
	for _, pair := range [][2]corev1.ResourceQuotaScope{
		{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort},
		{corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating},
	} {
		if scopes.HasAll(pair[0], pair[1]) {
			errs = append(errs, field.Invalid(fld, value, "conflicting scopes"))
		}
	}
	return errs
}

// validateQuotaResourceName is upstream's ValidateResourceQuotaResourceName.
func validateQuotaResourceName(name corev1.ResourceName, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(string(name)) {
		errs = append(errs, field.Invalid(fld, name, msg))
	}
	if len(errs) > 0 {
		return errs
	}
	if !strings.Contains(string(name), "/") {
		if !namedResources.Has(name) && !isQuotaHugePages(name) {
			errs = append(errs, field.Invalid(fld, name, "must be a standard resource type or fully qualified"))
		}
		if !isStandardQuotaResource(name) {
			errs = append(errs, field.Invalid(fld, name, "must be a standard resource for quota"))
		}
	}
	return errs
}

// validateResourceQuotaUpdate: the scopes of a quota cannot change.
func validateResourceQuotaUpdate(q, old *corev1.ResourceQuota) field.ErrorList {
	if !sets.New(q.Spec.Scopes...).Equal(sets.New(old.Spec.Scopes...)) {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "scopes"), q.Spec.Scopes, apimachineryvalidation.FieldImmutableErrorMsg)}
	}
	return nil
}

// normalizePVCDataSources is upstream's claim strategy on the data source fields: a legacy
// dataSource that is neither a claim nor a VolumeSnapshot is dropped (unless dataSourceRef
// is set, or old already had a source), and each of dataSource and dataSourceRef is filled
// from the other.
func normalizePVCDataSources(spec *corev1.PersistentVolumeClaimSpec, old *corev1.PersistentVolumeClaimSpec) {
	inUse := old != nil && (old.DataSource != nil || old.DataSourceRef != nil)
	if ds := spec.DataSource; !inUse && spec.DataSourceRef == nil && ds != nil {
		group := ""
		if ds.APIGroup != nil {
			group = *ds.APIGroup
		}
		if !(ds.Kind == "PersistentVolumeClaim" && group == "") && !(ds.Kind == "VolumeSnapshot" && group == "snapshot.storage.k8s.io") {
			spec.DataSource = nil
		}
	}
	switch ds, ref := spec.DataSource, spec.DataSourceRef; {
	case ds != nil && ref == nil:
		spec.DataSourceRef = &corev1.TypedObjectReference{Kind: ds.Kind, Name: ds.Name}
		if ds.APIGroup != nil {
			spec.DataSourceRef.APIGroup = ptrTo(*ds.APIGroup)
		}
	case ref != nil && ds == nil && (ref.Namespace == nil || *ref.Namespace == ""):
		spec.DataSource = &corev1.TypedLocalObjectReference{Kind: ref.Kind, Name: ref.Name}
		if ref.APIGroup != nil {
			spec.DataSource.APIGroup = ptrTo(*ref.APIGroup)
		}
	}
}
