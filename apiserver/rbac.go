package apiserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	stdsync "sync"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/auth"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// Store keys of the RBAC kinds.
const (
	keyRoles               = "roles.rbac.authorization.k8s.io"
	keyClusterRoles        = "clusterroles.rbac.authorization.k8s.io"
	keyRoleBindings        = "rolebindings.rbac.authorization.k8s.io"
	keyClusterRoleBindings = "clusterrolebindings.rbac.authorization.k8s.io"
)

// rbacKinds are rbac.authorization.k8s.io/v1's four kinds, served through the generic
// registry with upstream's defaults and validation essentials (rbacStrategy).
var rbacKinds = []*resource{
	{
		gvr: rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings"), kind: "ClusterRoleBinding", singular: "clusterrolebinding",
		strategy: rbacStrategy{},
		newObj:   func() storage.Marshaler { return &rbacv1.ClusterRoleBinding{} }, newList: func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} },
	},
	{
		gvr: rbacv1.SchemeGroupVersion.WithResource("clusterroles"), kind: "ClusterRole", singular: "clusterrole",
		strategy: rbacStrategy{},
		newObj:   func() storage.Marshaler { return &rbacv1.ClusterRole{} }, newList: func() runtime.Object { return &rbacv1.ClusterRoleList{} },
	},
	{
		gvr: rbacv1.SchemeGroupVersion.WithResource("rolebindings"), kind: "RoleBinding", singular: "rolebinding", namespaced: true,
		strategy: rbacStrategy{},
		newObj:   func() storage.Marshaler { return &rbacv1.RoleBinding{} }, newList: func() runtime.Object { return &rbacv1.RoleBindingList{} },
	},
	{
		gvr: rbacv1.SchemeGroupVersion.WithResource("roles"), kind: "Role", singular: "role", namespaced: true,
		strategy: rbacStrategy{},
		newObj:   func() storage.Marshaler { return &rbacv1.Role{} }, newList: func() runtime.Object { return &rbacv1.RoleList{} },
	},
}

// rbacStrategy defaults and validates the RBAC kinds as upstream's rbac strategies do:
// names are path segments, rules need verbs (and API groups and resources, or
// non-resource URLs on a cluster role only), role references and subjects name a
// supported kind and API group, and a binding's roleRef cannot change.
type rbacStrategy struct{ validatedStrategy }

func (rbacStrategy) Default(obj runtime.Object) {
	defaultRef := func(ref *rbacv1.RoleRef) {
		if ref.APIGroup == "" {
			ref.APIGroup = rbacv1.GroupName
		}
	}
	defaultSubjects := func(subjects []rbacv1.Subject) {
		for i := range subjects {
			s := &subjects[i]
			if s.APIGroup == "" && (s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind) {
				s.APIGroup = rbacv1.GroupName
			}
		}
	}
	switch o := obj.(type) {
	case *rbacv1.RoleBinding:
		defaultRef(&o.RoleRef)
		defaultSubjects(o.Subjects)
	case *rbacv1.ClusterRoleBinding:
		defaultRef(&o.RoleRef)
		defaultSubjects(o.Subjects)
	}
}

func (rbacStrategy) PrepareForCreate(runtime.Object) {}

func (rbacStrategy) PrepareForUpdate(obj, old runtime.Object) {
	o, _ := obj.(metav1.Object)
	p, _ := old.(metav1.Object)
	if o != nil && p != nil {
		o.SetGeneration(p.GetGeneration())
	}
}

func (s rbacStrategy) ValidateCreate(obj runtime.Object) field.ErrorList {
	return declarativeLast(s.validate(obj))
}

// declarativeLast orders errors as upstream reports them with declarative validation on:
// the required verbs, role reference name and subject names are found by the declarative
// rules, which report after the hand-written ones, without a detail.
func declarativeLast(errs field.ErrorList) field.ErrorList {
	var out, declarative field.ErrorList
	for _, e := range errs {
		if e.Type == field.ErrorTypeRequired && (strings.HasSuffix(e.Field, ".verbs") || e.Field == "roleRef.name" ||
			(strings.HasPrefix(e.Field, "subjects[") && strings.HasSuffix(e.Field, "].name"))) {
			e.Detail = ""
			declarative = append(declarative, e)
			continue
		}
		out = append(out, e)
	}
	return append(out, declarative...)
}

func (s rbacStrategy) validate(obj runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *rbacv1.Role:
		errs := rbacMeta(&o.ObjectMeta, true)
		for i, r := range o.Rules {
			errs = append(errs, validateRule(r, true, field.NewPath("rules").Index(i))...)
		}
		return errs
	case *rbacv1.ClusterRole:
		errs := rbacMeta(&o.ObjectMeta, false)
		for i, r := range o.Rules {
			errs = append(errs, validateRule(r, false, field.NewPath("rules").Index(i))...)
		}
		if a := o.AggregationRule; a != nil {
			if len(a.ClusterRoleSelectors) == 0 {
				errs = append(errs, field.Required(field.NewPath("aggregationRule", "clusterRoleSelectors"), "at least one clusterRoleSelector required if aggregationRule is non-nil"))
			}
			for i, sel := range a.ClusterRoleSelectors {
				p := field.NewPath("aggregationRule", "clusterRoleSelectors").Index(i)
				errs = append(errs, metav1validation.ValidateLabelSelector(&sel, metav1validation.LabelSelectorValidationOptions{}, p)...)
			}
		}
		return errs
	case *rbacv1.RoleBinding:
		errs := rbacMeta(&o.ObjectMeta, true)
		errs = append(errs, validateRoleRef(o.RoleRef, []string{"Role", "ClusterRole"})...)
		for i, sub := range o.Subjects {
			errs = append(errs, validateSubject(sub, true, field.NewPath("subjects").Index(i))...)
		}
		return errs
	case *rbacv1.ClusterRoleBinding:
		errs := rbacMeta(&o.ObjectMeta, false)
		errs = append(errs, validateRoleRef(o.RoleRef, []string{"ClusterRole"})...)
		for i, sub := range o.Subjects {
			errs = append(errs, validateSubject(sub, false, field.NewPath("subjects").Index(i))...)
		}
		return errs
	}
	return nil
}

// immutableRoleRef is a role reference as upstream's update validation prints it (its
// internal type, without JSON names).
type immutableRoleRef struct{ APIGroup, Kind, Name string }

func (s rbacStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	errs := s.validate(obj)
	om, _ := obj.(metav1.Object)
	pm, _ := old.(metav1.Object)
	errs = append(errs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(om, pm, field.NewPath("metadata"))...)
	switch o := obj.(type) {
	case *rbacv1.RoleBinding:
		if o.RoleRef != old.(*rbacv1.RoleBinding).RoleRef {
			errs = append(errs, field.Invalid(field.NewPath("roleRef"), immutableRoleRef(o.RoleRef), "field is immutable"))
		}
	case *rbacv1.ClusterRoleBinding:
		if o.RoleRef != old.(*rbacv1.ClusterRoleBinding).RoleRef {
			errs = append(errs, field.Invalid(field.NewPath("roleRef"), immutableRoleRef(o.RoleRef), "field is immutable"))
		}
	}
	return declarativeLast(errs)
}

func rbacMeta(m *metav1.ObjectMeta, namespaced bool) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMeta(m, namespaced, path.ValidatePathSegmentName, field.NewPath("metadata"))
}

func validateRule(r rbacv1.PolicyRule, namespaced bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Verbs) == 0 {
		errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
	}
	if len(r.NonResourceURLs) > 0 {
		if namespaced {
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(r.APIGroups) > 0 || len(r.Resources) > 0 || len(r.ResourceNames) > 0 {
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return errs
	}
	if len(r.APIGroups) == 0 {
		errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(r.Resources) == 0 {
		errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
	}
	return errs
}

func validateRoleRef(ref rbacv1.RoleRef, kinds []string) field.ErrorList {
	var errs field.ErrorList
	if ref.APIGroup != rbacv1.GroupName {
		errs = append(errs, field.NotSupported(field.NewPath("roleRef", "apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	if !contains(kinds, ref.Kind) {
		errs = append(errs, field.NotSupported(field.NewPath("roleRef", "kind"), ref.Kind, kinds))
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(field.NewPath("roleRef", "name"), ""))
	} else {
		for _, msg := range path.ValidatePathSegmentName(ref.Name, false) {
			errs = append(errs, field.Invalid(field.NewPath("roleRef", "name"), ref.Name, msg))
		}
	}
	return errs
}

func validateSubject(s rbacv1.Subject, namespaced bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		if s.Name != "" {
			for _, msg := range apimachineryvalidation.ValidateServiceAccountName(s.Name, false) {
				errs = append(errs, field.Invalid(p.Child("name"), s.Name, msg))
			}
		}
		if s.APIGroup != "" {
			errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
		}
		if !namespaced && s.Namespace == "" {
			errs = append(errs, field.Required(p.Child("namespace"), ""))
		}
	case rbacv1.UserKind, rbacv1.GroupKind:
		if s.APIGroup != rbacv1.GroupName {
			errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("kind"), s.Kind, []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
	}
	return errs
}

// admitter is a kind whose writes depend on who makes them (ri.user, never nil here);
// admit runs before validation, as upstream's storages and admission plugins do (old is
// nil on create), and refuses with the error it returns. It may run under the store's
// write lock: it reads the RBAC policy from ri.policy, never from the store.
type admitter interface {
	admit(s *Server, ri requestInfo, obj, old runtime.Object) error
}

// admissionPolicy is what an admitter of res may read of the RBAC policy for a write by u
// in namespace: nothing for kinds that admit every write or for system:masters (whom
// every check allows without reading), else a copy of the roles and bindings it needs,
// read now.
func (s *Server) admissionPolicy(res *resource, u auth.User, namespace string) auth.Policy {
	if _, ok := res.strategy.(admitter); !ok || slices.Contains(u.Groups, auth.GroupMasters) {
		return &auth.StaticPolicy{}
	}
	store := storePolicy{s.store}
	p := &auth.StaticPolicy{ClusterBindings: store.ClusterRoleBindings()}
	p.ClusterRoles, _ = listOf[*rbacv1.ClusterRole](s.store, keyClusterRoles, storage.ListOptions{})
	if namespace != "" {
		p.Bindings = store.RoleBindings(namespace)
		p.Roles, _ = listOf[*rbacv1.Role](s.store, keyRoles, storage.ListOptions{Namespace: namespace})
	}
	return p
}

// admit prevents escalation as upstream's RBAC storages do: a role's rules, or the rules
// of the role a binding names, must be held by the writer already, unless the writer is
// in system:masters, may "escalate" that role (roles) or "bind" the named role
// (bindings). An update that keeps the rules (or the role reference) is not checked.
func (rbacStrategy) admit(s *Server, ri requestInfo, obj, old runtime.Object) error {
	u := *ri.user
	if slices.Contains(u.Groups, auth.GroupMasters) {
		return nil
	}
	policy := ri.policy
	authz := auth.NewAuthorizer(policy)
	gr := func(resource string) schema.GroupResource {
		return schema.GroupResource{Group: rbacv1.GroupName, Resource: resource}
	}
	switch o := obj.(type) {
	case *rbacv1.Role:
		if p, ok := old.(*rbacv1.Role); ok && equalRules(p.Rules, o.Rules) {
			return nil
		}
		if authz.Decide(u, auth.Attributes{Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: "roles", Namespace: o.Namespace, Name: o.Name, ResourceRequest: true}).Allowed {
			return nil
		}
		if err := auth.ConfirmNoEscalation(policy, u, o.Namespace, o.Rules); err != nil {
			return apierrors.NewForbidden(gr("roles"), o.Name, err)
		}
	case *rbacv1.ClusterRole:
		if p, ok := old.(*rbacv1.ClusterRole); ok && equalRules(p.Rules, o.Rules) {
			return nil
		}
		if authz.Decide(u, auth.Attributes{Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: "clusterroles", Name: o.Name, ResourceRequest: true}).Allowed {
			return nil
		}
		if err := auth.ConfirmNoEscalation(policy, u, "", o.Rules); err != nil {
			return apierrors.NewForbidden(gr("clusterroles"), o.Name, err)
		}
	case *rbacv1.RoleBinding:
		if p, ok := old.(*rbacv1.RoleBinding); ok && p.RoleRef == o.RoleRef {
			return nil
		}
		return bindingAdmitted(authz, policy, u, gr("rolebindings"), o.Name, o.Namespace, o.RoleRef)
	case *rbacv1.ClusterRoleBinding:
		if p, ok := old.(*rbacv1.ClusterRoleBinding); ok && p.RoleRef == o.RoleRef {
			return nil
		}
		return bindingAdmitted(authz, policy, u, gr("clusterrolebindings"), o.Name, "", o.RoleRef)
	}
	return nil
}

func bindingAdmitted(authz *auth.Authorizer, policy auth.Policy, u auth.User, gr schema.GroupResource, name, namespace string, ref rbacv1.RoleRef) error {
	resource := "clusterroles"
	if ref.Kind == "Role" {
		resource = "roles"
	}
	if authz.Decide(u, auth.Attributes{Verb: "bind", APIGroup: ref.APIGroup, Resource: resource, Namespace: namespace, Name: ref.Name, ResourceRequest: true}).Allowed {
		return nil
	}
	var rules []rbacv1.PolicyRule
	if ref.Kind == "Role" {
		r, err := policy.Role(namespace, ref.Name)
		if err != nil {
			return apierrors.NewNotFound(gr, name) // as upstream words a missing role here
		}
		rules = r.Rules
	} else {
		r, err := policy.ClusterRole(ref.Name)
		if err != nil {
			return apierrors.NewNotFound(gr, name) // as upstream words a missing role here
		}
		rules = r.Rules
	}
	if err := auth.ConfirmNoEscalation(policy, u, namespace, rules); err != nil {
		return apierrors.NewForbidden(gr, name, err)
	}
	return nil
}

// storePolicy is the RBAC policy as the store holds it.
type storePolicy struct{ store *storage.Store }

var _ auth.Policy = storePolicy{}

func (p storePolicy) ClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	out, _ := listOf[*rbacv1.ClusterRoleBinding](p.store, keyClusterRoleBindings, storage.ListOptions{})
	return out
}

func (p storePolicy) RoleBindings(namespace string) []*rbacv1.RoleBinding {
	out, _ := listOf[*rbacv1.RoleBinding](p.store, keyRoleBindings, storage.ListOptions{Namespace: namespace})
	return out
}

// listOf lists the objects of a store resource as T (nil when the list fails).
func listOf[T runtime.Object](store *storage.Store, resource string, o storage.ListOptions) ([]T, error) {
	page, err := store.List(resource, o)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(page.Items))
	for _, obj := range page.Items {
		out = append(out, obj.(T))
	}
	return out, nil
}

func (p storePolicy) ClusterRole(name string) (*rbacv1.ClusterRole, error) {
	obj, err := p.store.Get(keyClusterRoles, "", name)
	if err != nil {
		return nil, auth.ClusterRoleNotFound(name)
	}
	return obj.(*rbacv1.ClusterRole), nil
}

func (p storePolicy) Role(namespace, name string) (*rbacv1.Role, error) {
	obj, err := p.store.Get(keyRoles, namespace, name)
	if err != nil {
		return nil, auth.RoleNotFound(name)
	}
	return obj.(*rbacv1.Role), nil
}

// aggregateClusterRoles gives every cluster role with an aggregationRule the rules of
// the cluster roles its selectors match, as upstream's clusterrole-aggregation controller
// does, writing with o. Admin aggregates edit, which aggregates view: the rules are
// computed in passes over the listed roles until nothing changes, then each changed role
// is written once, all together (their writes share commits).
func (s *Server) aggregateClusterRoles(o writeOptions) error {
	res := index[rbacv1.SchemeGroupVersion.WithResource("clusterroles")]
	all, err := listOf[*rbacv1.ClusterRole](s.store, keyClusterRoles, storage.ListOptions{})
	if err != nil {
		return err
	}
	aggregated := map[string][]rbacv1.PolicyRule{} // the roles to write, with their rules
	for range 5 {
		next, changed := slices.Clone(all), false
		for i, r := range all {
			rules, ok := auth.AggregatedRules(r, all)
			if !ok || equalRules(rules, r.Rules) {
				continue
			}
			c := *r
			c.Rules = rules
			next[i], changed = &c, true
			aggregated[r.Name] = rules
		}
		if !changed {
			break
		}
		all = next
	}
	errs := make([]error, 0, len(aggregated))
	var mu stdsync.Mutex
	var wg stdsync.WaitGroup
	for name, rules := range aggregated {
		wg.Go(func() {
			ri := requestInfo{verb: "update", res: res, gvr: res.gvr, name: name}
			_, err := s.updateObject(ri, o, func(cur runtime.Object) (runtime.Object, error) {
				next := cur.DeepCopyObject().(*rbacv1.ClusterRole)
				next.Rules = rules
				return next, nil
			})
			if err != nil && !apierrors.IsNotFound(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("aggregate cluster role %s: %w", name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

var aggregationWrite = writeOptions{fieldManager: "clusterrole-aggregation-controller", fieldValidation: "Ignore"}

func equalRules(a, b []rbacv1.PolicyRule) bool {
	return slices.EqualFunc(a, b, auth.RuleEqual)
}

// runAggregation keeps aggregated cluster roles up to date: every change of a cluster
// role (other than the aggregation's own writes, which change nothing the next pass
// reads differently) runs aggregateClusterRoles again, until ctx ends.
func (s *Server) runAggregation(ctx context.Context) {
	aggregate := func() {
		if err := s.aggregateClusterRoles(aggregationWrite); err != nil {
			s.log.Warn("aggregate cluster roles", "err", err)
		}
	}
	s.followStore(ctx, keyClusterRoles, s.fromNow, aggregate, func([]storage.Event) { aggregate() })
}

// startIdentity starts the engine's identity controllers (cluster role aggregation, the
// ServiceAccount token controller, the CSR signer), owned by s.wg.
func (s *Server) startIdentity(ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runAggregation(ctx)
	}()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.runTokenController(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runCSRSigner(ctx)
	}()
}
