package apiserver

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/auth"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// defaultTokenSeconds is the lifetime of a requested token that names none, as upstream's.
const defaultTokenSeconds = 3600

// serveTokenRequest answers POST .../serviceaccounts/NAME/token (a TokenRequest), as
// upstream's token REST storage does: a JWT for the ServiceAccount, for the requested
// audiences (default: the API's) and duration (default 1 h, at least 10 min, at most
// 2^32 s), optionally bound to a Pod, Secret or Node that must exist.
func (s *Server) serveTokenRequest(w http.ResponseWriter, r *http.Request) {
	if err := s.tokenRequest(w, r); err != nil {
		writeStatusError(w, err)
	}
}

func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request) error {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	// authorized by withAuthentication
	gvk := authenticationv1.SchemeGroupVersion.WithKind("TokenRequest")
	req, o, err := decodeReview(w, r, gvk, &authenticationv1.TokenRequest{})
	if err != nil {
		return err
	}
	obj, err := s.store.Get("serviceaccounts", ns, name)
	if err != nil {
		return err
	}
	sa := obj.(*corev1.ServiceAccount)
	if req.Spec.ExpirationSeconds == nil {
		secs := int64(defaultTokenSeconds)
		req.Spec.ExpirationSeconds = &secs
	}
	// a defaulted duration is the request's own, as upstream's scheme defaults it on decoding
	req = withManagedFields(req, gvk, "token", o).(*authenticationv1.TokenRequest)
	var errs field.ErrorList
	secs := *req.Spec.ExpirationSeconds
	switch {
	case secs < 600:
		errs = append(errs, field.Invalid(field.NewPath("spec", "expirationSeconds"), secs, "may not specify a duration less than 10 minutes"))
	case secs > math.MaxUint32:
		errs = append(errs, field.TooLong(field.NewPath("spec", "expirationSeconds"), secs, math.MaxUint32))
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(gvk.GroupKind(), "", errs) // upstream names no object
	}
	if len(req.Spec.Audiences) == 0 {
		req.Spec.Audiences = serviceAccountAudiences
	}
	now := time.Now()
	claims := auth.TokenClaims{
		Namespace: ns, ServiceAccount: auth.ObjectRef{Name: sa.Name, UID: string(sa.UID)},
		Audiences: req.Spec.Audiences, IssuedAt: now, Expiry: now.Add(time.Duration(secs) * time.Second),
	}
	if ref := req.Spec.BoundObjectRef; ref != nil {
		bound, err := s.boundObject(ns, sa.Name, ref)
		if err != nil {
			return err
		}
		switch ref.Kind {
		case "Pod":
			claims.Pod = bound
		case "Secret":
			claims.Secret = bound
		case "Node":
			claims.Node = bound
		}
	}
	token, err := s.signer.Issue(claims)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	// upstream names the ServiceAccount in the answer's metadata
	req.Name, req.Namespace, req.UID, req.CreationTimestamp = sa.Name, ns, sa.UID, sa.CreationTimestamp
	req.Status = authenticationv1.TokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(claims.Expiry.Truncate(time.Second))}
	return respondReview(w, r, gvk, req)
}

// boundObject checks the object a token is to be bound to, as upstream's token storage.
func (s *Server) boundObject(ns, saName string, ref *authenticationv1.BoundObjectReference) (*auth.ObjectRef, error) {
	gr := schema.GroupResource{Group: authenticationv1.GroupName, Resource: "tokenrequests"}
	var key string
	switch ref.Kind {
	case "Pod":
		key = "pods"
	case "Secret":
		key = "secrets"
	case "Node":
		key, ns = "nodes", ""
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to object of type %s", saName, ref.Kind))
	}
	if ref.APIVersion != "" && ref.APIVersion != "v1" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to object of type %s", saName, ref.APIVersion+", Kind="+ref.Kind))
	}
	obj, err := s.store.Get(key, ns, ref.Name)
	if err != nil {
		return nil, err
	}
	m := obj.(metav1.Object)
	if ref.UID != "" && ref.UID != m.GetUID() {
		return nil, apierrors.NewConflict(gr, ref.Name, fmt.Errorf("the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", ref.UID))
	}
	if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.ServiceAccountName != saName {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot issue token for pod %q with serviceaccount %q bound to %q", pod.Name, saName, pod.Spec.ServiceAccountName))
	}
	return &auth.ObjectRef{Name: ref.Name, UID: string(m.GetUID())}, nil
}

// runTokenController fills legacy ServiceAccount token Secrets, as upstream's tokens
// controller does: a Secret of type kubernetes.io/service-account-token naming an
// existing ServiceAccount in its kubernetes.io/service-account.name annotation gets the
// ServiceAccount's UID annotation and, in data, a token that does not expire, ca.crt and
// namespace; one naming a ServiceAccount that does not exist is deleted, and so are the
// token Secrets of a ServiceAccount that is deleted. It runs until ctx ends.
func (s *Server) runTokenController(ctx context.Context) {
	res := index[corev1.SchemeGroupVersion.WithResource("secrets")]
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deleteOrphanTokens(ctx, res)
	}()
	s.followStore(ctx, "secrets", initial, nil, eachEvent(func(ev storage.Event) {
		sec, isSecret := ev.Object.(*corev1.Secret)
		if !isSecret || ev.Type == "DELETED" || sec.Type != corev1.SecretTypeServiceAccountToken || len(sec.Data[corev1.ServiceAccountTokenKey]) > 0 {
			return
		}
		if err := s.fillTokenSecret(res, sec); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			s.log.Warn("fill service account token secret", "namespace", sec.Namespace, "name", sec.Name, "err", err)
		}
	}))
}

var tokenControllerWrite = writeOptions{fieldManager: "kube-controller-manager", fieldValidation: "Ignore"}

// deleteOrphanTokens deletes the token Secrets of every ServiceAccount that is deleted.
func (s *Server) deleteOrphanTokens(ctx context.Context, res *resource) {
	s.followStore(ctx, "serviceaccounts", s.fromNow, nil, eachEvent(func(ev storage.Event) {
		if sa, ok := ev.Object.(*corev1.ServiceAccount); ok && ev.Type == "DELETED" {
			s.deleteTokenSecrets(res, sa.Namespace, sa.Name, string(sa.UID))
		}
	}))
}

// deleteTokenSecrets deletes the token Secrets in namespace of the ServiceAccount name
// (with uid, or any when uid is empty).
func (s *Server) deleteTokenSecrets(res *resource, namespace, name, uid string) {
	page, err := s.store.List("secrets", storage.ListOptions{Namespace: namespace})
	if err != nil {
		return
	}
	for _, o := range page.Items {
		sec := o.(*corev1.Secret)
		if sec.Type != corev1.SecretTypeServiceAccountToken || sec.Annotations[corev1.ServiceAccountNameKey] != name {
			continue
		}
		if u := sec.Annotations[corev1.ServiceAccountUIDKey]; uid != "" && u != "" && u != uid {
			continue
		}
		s.deleteTokenSecret(res, sec)
	}
}

func (s *Server) deleteTokenSecret(res *resource, sec *corev1.Secret) {
	uid := sec.UID
	ri := requestInfo{verb: "delete", res: res, gvr: res.gvr, namespace: sec.Namespace, name: sec.Name}
	if _, _, err := s.deleteObject(ri, &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil &&
		!apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		s.log.Warn("delete service account token secret", "namespace", sec.Namespace, "name", sec.Name, "err", err)
	}
}

func (s *Server) fillTokenSecret(res *resource, sec *corev1.Secret) error {
	saName := sec.Annotations[corev1.ServiceAccountNameKey]
	obj, err := s.store.Get("serviceaccounts", sec.Namespace, saName)
	if apierrors.IsNotFound(err) {
		s.deleteTokenSecret(res, sec) // a token for no ServiceAccount, as upstream
		return nil
	}
	if err != nil {
		return err
	}
	sa := obj.(*corev1.ServiceAccount)
	if uid := sec.Annotations[corev1.ServiceAccountUIDKey]; uid != "" && uid != string(sa.UID) {
		s.deleteTokenSecret(res, sec) // a Secret for an earlier ServiceAccount of that name
		return nil
	}
	token, err := s.signer.Issue(auth.TokenClaims{Legacy: true, Namespace: sec.Namespace,
		ServiceAccount: auth.ObjectRef{Name: sa.Name, UID: string(sa.UID)}, Secret: &auth.ObjectRef{Name: sec.Name}})
	if err != nil {
		return err
	}
	ri := requestInfo{verb: "update", res: res, gvr: res.gvr, namespace: sec.Namespace, name: sec.Name}
	_, err = s.updateObject(ri, tokenControllerWrite, func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*corev1.Secret)
		if c.UID != sec.UID || len(c.Data[corev1.ServiceAccountTokenKey]) > 0 {
			return nil, apierrors.NewConflict(res.groupResource(), sec.Name, fmt.Errorf("changed meanwhile"))
		}
		next := c.DeepCopy()
		if next.Annotations == nil {
			next.Annotations = map[string]string{}
		}
		next.Annotations[corev1.ServiceAccountUIDKey] = string(sa.UID)
		if next.Data == nil {
			next.Data = map[string][]byte{}
		}
		next.Data[corev1.ServiceAccountTokenKey] = []byte(token)
		next.Data[corev1.ServiceAccountRootCAKey] = s.pki.CACertPEM
		next.Data[corev1.ServiceAccountNamespaceKey] = []byte(sec.Namespace)
		return next, nil
	})
	return err
}
