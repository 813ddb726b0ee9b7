package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/auth"
)

// The create-only kinds of authorization.k8s.io/v1 and authentication.k8s.io/v1 (access
// reviews, rules reviews, token reviews, SelfSubjectReview) and the serviceaccounts/token
// subresource (TokenRequest) are answered here, as upstream's REST storages for them do:
// nothing is stored, the answer is the request with its status filled in (201 Created).

// reviewKind is one of them, for routing and discovery.
type reviewKind struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	serve      func(s *Server, w http.ResponseWriter, r *http.Request, u auth.User, namespace string) error
}

var reviewKinds = []reviewKind{
	{gvr: authenticationv1.SchemeGroupVersion.WithResource("selfsubjectreviews"), kind: "SelfSubjectReview", serve: (*Server).selfSubjectReview},
	{gvr: authenticationv1.SchemeGroupVersion.WithResource("tokenreviews"), kind: "TokenReview", serve: (*Server).tokenReview},
	{gvr: authorizationv1.SchemeGroupVersion.WithResource("localsubjectaccessreviews"), kind: "LocalSubjectAccessReview", namespaced: true, serve: (*Server).localSubjectAccessReview},
	{gvr: authorizationv1.SchemeGroupVersion.WithResource("selfsubjectaccessreviews"), kind: "SelfSubjectAccessReview", serve: (*Server).selfSubjectAccessReview},
	{gvr: authorizationv1.SchemeGroupVersion.WithResource("selfsubjectrulesreviews"), kind: "SelfSubjectRulesReview", serve: (*Server).selfSubjectRulesReview},
	{gvr: authorizationv1.SchemeGroupVersion.WithResource("subjectaccessreviews"), kind: "SubjectAccessReview", serve: (*Server).subjectAccessReview},
}

// registerIdentity adds the routes of the review kinds, TokenRequest and CSR creation
// to mux; more specific than /api/ and /apis/, they win over serveAPI.
func (s *Server) registerIdentity(mux *http.ServeMux) {
	for _, k := range reviewKinds {
		k := k
		p := "/apis/" + k.gvr.Group + "/" + k.gvr.Version + "/" + k.gvr.Resource
		if k.namespaced {
			p = "/apis/" + k.gvr.Group + "/" + k.gvr.Version + "/namespaces/{namespace}/" + k.gvr.Resource
		}
		mux.HandleFunc("POST "+p, func(w http.ResponseWriter, r *http.Request) {
			// authorized by withAuthentication
			if err := k.serve(s, w, r, userFrom(r), r.PathValue("namespace")); err != nil {
				writeStatusError(w, err)
			}
		})
	}
	mux.HandleFunc("POST /api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", s.serveTokenRequest)
	mux.HandleFunc("POST /apis/certificates.k8s.io/v1/certificatesigningrequests", s.serveCreateCSR)
}

// reviewDiscovery are the discovery entries of the kinds answered here, by group version.
func reviewDiscovery(gv schema.GroupVersion) []metav1.APIResource {
	var out []metav1.APIResource
	for _, k := range reviewKinds {
		if k.gvr.GroupVersion() == gv {
			out = append(out, metav1.APIResource{Name: k.gvr.Resource, Namespaced: k.namespaced, Kind: k.kind, Verbs: metav1.Verbs{"create"}})
		}
	}
	if gv == corev1.SchemeGroupVersion {
		out = append(out, metav1.APIResource{Name: "serviceaccounts/token", Namespaced: true, Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest", Verbs: metav1.Verbs{"create"}})
	}
	return out
}

// reviewGroupVersions are the group versions only the kinds answered here are in.
var reviewGroupVersions = []schema.GroupVersion{authenticationv1.SchemeGroupVersion, authorizationv1.SchemeGroupVersion}

// decodeReview reads a create's body into obj, as create does (JSON, YAML or protobuf).
func decodeReview[T runtime.Object](w http.ResponseWriter, r *http.Request, gvk schema.GroupVersionKind, obj T) (T, writeOptions, error) {
	o, body, err := writeRequest(r, "")
	if err != nil {
		return obj, o, err
	}
	out, err := decodeInto(w, r, body, gvk, obj, o)
	if err != nil {
		return obj, o, err
	}
	t, ok := out.(T)
	if !ok {
		return obj, o, apierrors.NewBadRequest(fmt.Sprintf("not a %s", gvk.Kind))
	}
	return t, o, nil
}

// reviewManagers are the field managers of the kinds answered here, by kind and
// subresource: upstream's create handler records the request's fields in managed fields
// before the review's storage answers, so the answer carries them.
var reviewManagers sync.Map // "kind/subresource" → *managedfields.FieldManager

// reviewTypeConverter is a type converter for the kinds answered here, which the field
// managers' (the served kinds') lacks, built once from their OpenAPI definitions.
var reviewTypeConverter = sync.OnceValues(func() (managedfields.TypeConverter, error) {
	return definitionTypes([]schema.GroupVersionKind{
		authenticationv1.SchemeGroupVersion.WithKind("TokenReview"), authenticationv1.SchemeGroupVersion.WithKind("TokenRequest"),
		authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview"), authorizationv1.SchemeGroupVersion.WithKind("SubjectAccessReview"),
		authorizationv1.SchemeGroupVersion.WithKind("LocalSubjectAccessReview"),
	})
})

// withManagedFields records obj's fields as set by the request's field manager, as a
// create through upstream's handler does.
func withManagedFields(obj runtime.Object, gvk schema.GroupVersionKind, sub string, o writeOptions) runtime.Object {
	key := gvk.Kind + "/" + sub
	v, ok := reviewManagers.Load(key)
	if !ok {
		tc, err := reviewTypeConverter()
		if err != nil {
			return obj
		}
		fm, err := managedfields.NewDefaultFieldManager(tc, fieldManagerObjectConvertor{scheme}, objectDefaulter{}, scheme, gvk, gvk.GroupVersion(), sub, nil)
		if err != nil {
			return obj
		}
		v, _ = reviewManagers.LoadOrStore(key, fm)
	}
	empty, err := scheme.New(gvk)
	if err != nil {
		return obj
	}
	empty.GetObjectKind().SetGroupVersionKind(gvk)
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return v.(*managedfields.FieldManager).UpdateNoErrors(empty, obj, o.fieldManager)
}

func respondReview(w http.ResponseWriter, r *http.Request, gvk schema.GroupVersionKind, obj runtime.Object) error {
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	out, ok := negotiate(r, false)
	if !ok {
		return notAcceptable()
	}
	writeObject(w, http.StatusCreated, obj, out.mediaType)
	return nil
}

func userInfo(u auth.User) authenticationv1.UserInfo {
	info := authenticationv1.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups}
	if len(u.Extra) > 0 {
		info.Extra = map[string]authenticationv1.ExtraValue{}
		for k, v := range u.Extra {
			info.Extra[k] = v
		}
	}
	return info
}

func (s *Server) selfSubjectReview(w http.ResponseWriter, r *http.Request, u auth.User, _ string) error {
	gvk := authenticationv1.SchemeGroupVersion.WithKind("SelfSubjectReview")
	rev, _, err := decodeReview(w, r, gvk, &authenticationv1.SelfSubjectReview{})
	if err != nil {
		return err
	}
	rev.ObjectMeta = metav1.ObjectMeta{CreationTimestamp: metav1.Now().Rfc3339Copy()}
	rev.Status.UserInfo = userInfo(u)
	return respondReview(w, r, gvk, rev)
}

func (s *Server) tokenReview(w http.ResponseWriter, r *http.Request, _ auth.User, _ string) error {
	gvk := authenticationv1.SchemeGroupVersion.WithKind("TokenReview")
	rev, o, err := decodeReview(w, r, gvk, &authenticationv1.TokenReview{})
	if err != nil {
		return err
	}
	if rev.Spec.Token == "" {
		return apierrors.NewBadRequest("token is required for TokenReview in authentication")
	}
	rev = withManagedFields(rev, gvk, "", o).(*authenticationv1.TokenReview)
	audiences := rev.Spec.Audiences
	if len(audiences) == 0 {
		audiences = serviceAccountAudiences
	}
	probe, _ := http.NewRequest(http.MethodGet, "/", nil)
	probe.Header.Set("Authorization", "Bearer "+rev.Spec.Token)
	rev.Status = authenticationv1.TokenReviewStatus{}
	if u, ok := s.authn.AuthenticateRequest(probe); ok {
		rev.Status.Authenticated, rev.Status.User, rev.Status.Audiences = true, userInfo(u), audiences
	} else if u, err := s.serviceAccountUser(rev.Spec.Token, audiences); err == nil {
		rev.Status.Authenticated, rev.Status.User = true, userInfo(u)
		rev.Status.Audiences = tokenAudiences(s, rev.Spec.Token, audiences)
	} else {
		rev.Status.Error = tokenReviewError(err)
	}
	return respondReview(w, r, gvk, rev)
}

// tokenReviewError words a refused token without saying more than upstream does.
func tokenReviewError(err error) string {
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		return "[invalid bearer token, service account token has expired]"
	}
	var ae *auth.AudienceError
	if errors.As(err, &ae) {
		return "[invalid bearer token, " + ae.Error() + "]"
	}
	return "invalid bearer token"
}

// tokenAudiences are the requested audiences a verified token is for (every one, for a
// legacy token).
func tokenAudiences(s *Server, token string, requested []string) []string {
	c, err := s.signer.Verify(token, requested, time.Now())
	if err != nil || c.Legacy {
		return requested
	}
	var out []string
	for _, a := range requested {
		if slices.Contains(c.Audiences, a) {
			out = append(out, a)
		}
	}
	return out
}

// accessAttributes turns a review's attributes into the authorizer's.
func accessAttributes(ra *authorizationv1.ResourceAttributes, nra *authorizationv1.NonResourceAttributes) auth.Attributes {
	if ra != nil {
		return auth.Attributes{Verb: ra.Verb, APIGroup: ra.Group, Resource: ra.Resource, Subresource: ra.Subresource,
			Namespace: ra.Namespace, Name: ra.Name, ResourceRequest: true}
	}
	return auth.Attributes{Verb: nra.Verb, Path: nra.Path}
}

func validateAccessSpec(ra *authorizationv1.ResourceAttributes, nra *authorizationv1.NonResourceAttributes) field.ErrorList {
	if (ra == nil) == (nra == nil) {
		return field.ErrorList{field.Invalid(field.NewPath("spec"), nra,
			"exactly one of nonResourceAttributes or resourceAttributes must be specified")}
	}
	return nil
}

// validateReviewMeta: a review's metadata must be empty (but for managed fields, and a
// local review's namespace), as upstream validates it.
func validateReviewMeta(m metav1.ObjectMeta, namespace string) field.ErrorList {
	m.ManagedFields = nil
	if namespace != "" && m.Namespace == namespace {
		m.Namespace = ""
		if !equality.Semantic.DeepEqual(metav1.ObjectMeta{}, m) {
			return field.ErrorList{field.Invalid(field.NewPath("metadata"), m, `must be empty except for namespace`)}
		}
		return nil
	}
	if !equality.Semantic.DeepEqual(metav1.ObjectMeta{}, m) {
		return field.ErrorList{field.Invalid(field.NewPath("metadata"), m, `must be empty`)}
	}
	return nil
}

// reviewKindOnly is the GroupKind upstream's review storages name in an Invalid error:
// the kind of an internal object, which is empty.
func reviewKindOnly(group string) schema.GroupKind { return schema.GroupKind{Group: group} }

func accessStatus(d auth.Decision) authorizationv1.SubjectAccessReviewStatus {
	return authorizationv1.SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.Reason}
}

func (s *Server) selfSubjectAccessReview(w http.ResponseWriter, r *http.Request, u auth.User, _ string) error {
	gvk := authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview")
	rev, o, err := decodeReview(w, r, gvk, &authorizationv1.SelfSubjectAccessReview{})
	if err != nil {
		return err
	}
	rev = withManagedFields(rev, gvk, "", o).(*authorizationv1.SelfSubjectAccessReview)
	errs := validateAccessSpec(rev.Spec.ResourceAttributes, rev.Spec.NonResourceAttributes)
	if errs = append(errs, validateReviewMeta(rev.ObjectMeta, "")...); len(errs) > 0 {
		return apierrors.NewInvalid(reviewKindOnly(gvk.Group), "", errs)
	}
	rev.Status = accessStatus(s.authz.Decide(u, accessAttributes(rev.Spec.ResourceAttributes, rev.Spec.NonResourceAttributes)))
	return respondReview(w, r, gvk, rev)
}

// subjectUser is the user a SubjectAccessReview asks about.
func subjectUser(spec authorizationv1.SubjectAccessReviewSpec) auth.User {
	u := auth.User{Name: spec.User, UID: spec.UID, Groups: spec.Groups}
	if len(spec.Extra) > 0 {
		u.Extra = map[string][]string{}
		for k, v := range spec.Extra {
			u.Extra[k] = v
		}
	}
	return u
}

func validateSubjectSpec(spec authorizationv1.SubjectAccessReviewSpec) field.ErrorList {
	errs := validateAccessSpec(spec.ResourceAttributes, spec.NonResourceAttributes)
	if spec.User == "" && len(spec.Groups) == 0 {
		errs = append(errs, field.Invalid(field.NewPath("spec", "user"), spec.User, `at least one of user or group must be specified`))
	}
	return errs
}

func (s *Server) subjectAccessReview(w http.ResponseWriter, r *http.Request, _ auth.User, _ string) error {
	gvk := authorizationv1.SchemeGroupVersion.WithKind("SubjectAccessReview")
	rev, o, err := decodeReview(w, r, gvk, &authorizationv1.SubjectAccessReview{})
	if err != nil {
		return err
	}
	rev = withManagedFields(rev, gvk, "", o).(*authorizationv1.SubjectAccessReview)
	errs := validateSubjectSpec(rev.Spec)
	if errs = append(errs, validateReviewMeta(rev.ObjectMeta, "")...); len(errs) > 0 {
		return apierrors.NewInvalid(reviewKindOnly(gvk.Group), "", errs)
	}
	rev.Status = accessStatus(s.authz.Decide(subjectUser(rev.Spec), accessAttributes(rev.Spec.ResourceAttributes, rev.Spec.NonResourceAttributes)))
	return respondReview(w, r, gvk, rev)
}

func (s *Server) localSubjectAccessReview(w http.ResponseWriter, r *http.Request, _ auth.User, namespace string) error {
	gvk := authorizationv1.SchemeGroupVersion.WithKind("LocalSubjectAccessReview")
	rev, o, err := decodeReview(w, r, gvk, &authorizationv1.LocalSubjectAccessReview{})
	if err != nil {
		return err
	}
	rev = withManagedFields(rev, gvk, "", o).(*authorizationv1.LocalSubjectAccessReview)
	if rev.Namespace == "" {
		rev.Namespace = namespace // as a namespaced create sets it
	}
	errs := validateSubjectSpec(rev.Spec)
	errs = append(errs, validateReviewMeta(rev.ObjectMeta, rev.Namespace)...)
	if ra := rev.Spec.ResourceAttributes; ra != nil && ra.Namespace != rev.Namespace {
		errs = append(errs, field.Invalid(field.NewPath("spec.resourceAttributes.namespace"), ra.Namespace, `must match metadata.namespace`))
	}
	if rev.Spec.NonResourceAttributes != nil {
		errs = append(errs, field.Invalid(field.NewPath("spec.nonResourceAttributes"), rev.Spec.NonResourceAttributes, `disallowed on this kind of request`))
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(reviewKindOnly(gvk.Group), "", errs)
	}
	if rev.Namespace != namespace {
		return apierrors.NewBadRequest(fmt.Sprintf("spec.resourceAttributes.namespace must match namespace: %v", namespace))
	}
	rev.Status = accessStatus(s.authz.Decide(subjectUser(rev.Spec), accessAttributes(rev.Spec.ResourceAttributes, nil)))
	return respondReview(w, r, gvk, rev)
}

func (s *Server) selfSubjectRulesReview(w http.ResponseWriter, r *http.Request, u auth.User, _ string) error {
	gvk := authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectRulesReview")
	req, _, err := decodeReview(w, r, gvk, &authorizationv1.SelfSubjectRulesReview{})
	if err != nil {
		return err
	}
	if req.Spec.Namespace == "" {
		return apierrors.NewBadRequest("no namespace on request")
	}
	// upstream answers with a new object that holds only the status
	rev := &authorizationv1.SelfSubjectRulesReview{}
	rules, errs := auth.RulesFor(storePolicy{s.store}, u, req.Spec.Namespace)
	st := authorizationv1.SubjectRulesReviewStatus{ResourceRules: []authorizationv1.ResourceRule{}, NonResourceRules: []authorizationv1.NonResourceRule{}}
	for _, rule := range rules {
		if len(rule.Resources) > 0 {
			st.ResourceRules = append(st.ResourceRules, authorizationv1.ResourceRule{Verbs: rule.Verbs, APIGroups: rule.APIGroups, Resources: rule.Resources, ResourceNames: rule.ResourceNames})
		}
		if len(rule.NonResourceURLs) > 0 {
			st.NonResourceRules = append(st.NonResourceRules, authorizationv1.NonResourceRule{Verbs: rule.Verbs, NonResourceURLs: rule.NonResourceURLs})
		}
	}
	if len(errs) > 0 {
		// RBAC's rules are complete even when a binding names a missing role, as upstream says
		st.EvaluationError = utilerrors.NewAggregate(errs).Error()
	}
	rev.Status = st
	return respondReview(w, r, gvk, rev)
}
