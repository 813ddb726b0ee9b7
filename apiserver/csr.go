package apiserver

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sheetops/sheetops/apiserver/auth"
	"github.com/sheetops/sheetops/apiserver/storage"
)

const (
	subApproval = "approval"
	keyCSRs     = "certificatesigningrequests.certificates.k8s.io"
	// clientSigner is the signer the engine's CA stands for.
	clientSigner = certificatesv1.KubeAPIServerClientSignerName
	// defaultCertificateDuration is how long a signed certificate is valid when its request
	// names no duration (kube-controller-manager's --cluster-signing-duration default).
	defaultCertificateDuration = 365 * 24 * time.Hour
)

// identityKinds are the stored kinds of identity and access beside RBAC's.
var identityKinds = []*resource{
	{
		gvr: certificatesv1.SchemeGroupVersion.WithResource("certificatesigningrequests"), kind: "CertificateSigningRequest", singular: "certificatesigningrequest",
		shortNames: []string{"csr"}, subs: []string{subApproval, subStatus},
		strategy: csrStrategy{},
		fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"spec.signerName": obj.(*certificatesv1.CertificateSigningRequest).Spec.SignerName}
		},
		newObj: func() storage.Marshaler { return &certificatesv1.CertificateSigningRequest{} }, newList: func() runtime.Object { return &certificatesv1.CertificateSigningRequestList{} },
	},
}

// admit is upstream's CertificateSubjectRestriction and CertificateApproval admission: a
// request to the kube-apiserver-client signer may not ask for system:masters; approving or
// denying (through the approval subresource) needs "approve" on the signer
// (certificates.k8s.io signers, named by the signer name or its domain with "/*").
func (csrStrategy) admit(s *Server, ri requestInfo, obj, old runtime.Object) error {
	if old == nil {
		csr := obj.(*certificatesv1.CertificateSigningRequest)
		if req, err := parseCSR(csr.Spec.Request); err == nil && csr.Spec.SignerName == clientSigner &&
			slices.Contains(req.Subject.Organization, auth.GroupMasters) {
			return apierrors.NewForbidden(ri.res.groupResource(), csr.Name, fmt.Errorf("use of %s signer with system:masters group is not allowed", clientSigner))
		}
		return nil
	}
	if ri.subresource != subApproval {
		return nil
	}
	csr := old.(*certificatesv1.CertificateSigningRequest)
	signer := csr.Spec.SignerName
	domain, _, _ := strings.Cut(signer, "/")
	for _, name := range []string{signer, domain + "/*"} {
		if auth.NewAuthorizer(ri.policy).Decide(*ri.user, auth.Attributes{Verb: "approve", APIGroup: certificatesv1.GroupName, Resource: "signers", Name: name, ResourceRequest: true}).Allowed {
			return nil
		}
	}
	return apierrors.NewForbidden(ri.res.groupResource(), csr.Name, fmt.Errorf("user not permitted to approve requests with signerName %q", signer))
}

// subresourceStrategy is a kind with a subresource beyond status and scale whose update
// changes only part of the object (a CSR's approval conditions).
type subresourceStrategy interface {
	prepareAndValidateSubresource(sub string, obj, old runtime.Object) field.ErrorList
}

// csrStrategy is upstream's CSR strategy in essence: the spec is set on create (the
// requesting user's identity by the engine) and never changes; the approval subresource
// changes only the Approved/Denied conditions, the status subresource the rest of the
// status.
type csrStrategy struct{ validatedStrategy }

func (csrStrategy) Default(obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	for i, c := range csr.Status.Conditions {
		if c.Status == "" {
			csr.Status.Conditions[i].Status = corev1.ConditionTrue
		}
	}
}

func (csrStrategy) PrepareForCreate(obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	csr.Status = certificatesv1.CertificateSigningRequestStatus{}
}

func (csrStrategy) ValidateCreate(obj runtime.Object) field.ErrorList {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	errs := apimachineryvalidation.ValidateObjectMeta(&csr.ObjectMeta, false, path.ValidatePathSegmentName, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	if len(csr.Spec.Request) == 0 {
		errs = append(errs, field.Required(spec.Child("request"), ""))
	} else if _, err := parseCSR(csr.Spec.Request); err != nil {
		errs = append(errs, field.Invalid(spec.Child("request"), csr.Spec.Request, err.Error()))
	}
	if csr.Spec.SignerName == "" {
		errs = append(errs, field.Required(spec.Child("signerName"), ""))
	}
	if len(csr.Spec.Usages) == 0 {
		errs = append(errs, field.Required(spec.Child("usages"), ""))
	}
	if s := csr.Spec.ExpirationSeconds; s != nil && *s < 600 {
		errs = append(errs, field.Invalid(spec.Child("expirationSeconds"), *s, "may not specify a duration less than 600 seconds (10 minutes)"))
	}
	return errs
}

func (csrStrategy) PrepareForUpdate(obj, old runtime.Object) {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec, csr.Status = prev.Spec, prev.Status
}

func (s csrStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMetaAccessorUpdate(obj.(metav1.Object), old.(metav1.Object), field.NewPath("metadata"))
}

func (csrStrategy) PrepareForStatusUpdate(obj, old runtime.Object) {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = prev.Spec
	// Approval and denial only through the approval subresource.
	csr.Status.Conditions = slices.DeleteFunc(csr.Status.Conditions, func(c certificatesv1.CertificateSigningRequestCondition) bool {
		return c.Type == certificatesv1.CertificateApproved || c.Type == certificatesv1.CertificateDenied
	})
	for _, c := range prev.Status.Conditions {
		if c.Type == certificatesv1.CertificateApproved || c.Type == certificatesv1.CertificateDenied {
			csr.Status.Conditions = append(csr.Status.Conditions, c)
		}
	}
}

func (csrStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	return validateConditions(obj.(*certificatesv1.CertificateSigningRequest))
}

func (csrStrategy) prepareAndValidateSubresource(sub string, obj, old runtime.Object) field.ErrorList {
	if sub != subApproval {
		return field.ErrorList{field.NotSupported(field.NewPath(""), sub, []string{subApproval})}
	}
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	conditions := csr.Status.Conditions
	csr.Spec, csr.Status = prev.Spec, *prev.Status.DeepCopy()
	csr.Status.Conditions = conditions
	now := metav1.Now().Rfc3339Copy()
	for i := range csr.Status.Conditions {
		c := &csr.Status.Conditions[i]
		if c.LastUpdateTime.IsZero() {
			c.LastUpdateTime = now
		}
		if c.LastTransitionTime.IsZero() {
			c.LastTransitionTime = now
		}
	}
	return validateConditions(csr)
}

func validateConditions(csr *certificatesv1.CertificateSigningRequest) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("status", "conditions")
	approved, denied := false, false
	for i, c := range csr.Status.Conditions {
		if c.Type == "" {
			errs = append(errs, field.Required(p.Index(i).Child("type"), ""))
		}
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		}
	}
	if approved && denied {
		// worded as upstream's declarative union rule
		errs = append(errs, field.Invalid(p, `{conditions[{"type": "Approved"}], conditions[{"type": "Denied"}]}`,
			"must specify at most one of: `conditions[{\"type\": \"Approved\"}]`, `conditions[{\"type\": \"Denied\"}]`"))
	}
	return errs
}

func parseCSR(data []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errPEMBlock
	}
	return x509.ParseCertificateRequest(block.Bytes)
}

type csrError string

func (e csrError) Error() string { return string(e) }

const errPEMBlock = csrError("PEM block type must be CERTIFICATE REQUEST")

// serveCreateCSR creates a CertificateSigningRequest through the create pipeline after
// recording who asked (spec.username, uid, groups, extra), as upstream's strategy does.
func (s *Server) serveCreateCSR(w http.ResponseWriter, r *http.Request) {
	res := index[certificatesv1.SchemeGroupVersion.WithResource("certificatesigningrequests")]
	u := userFrom(r)
	err := func() error {
		// authorized by withAuthentication
		o, body, err := writeRequest(r, "")
		if err != nil {
			return err
		}
		obj, err := decodeInto(w, r, body, res.gvk(), res.newObj(), o)
		if err != nil {
			return err
		}
		csr := obj.(*certificatesv1.CertificateSigningRequest)
		csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = u.Name, u.UID, u.Groups, nil
		if len(u.Extra) > 0 {
			csr.Spec.Extra = map[string]certificatesv1.ExtraValue{}
			for k, v := range u.Extra {
				csr.Spec.Extra[k] = v
			}
		}
		created, err := s.createObjectManaged(requestInfo{verb: "create", res: res, gvr: res.gvr, user: &u, policy: s.admissionPolicy(res, u, "")}, csr, o, false)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusCreated, created)
	}()
	if err != nil {
		writeStatusError(w, err)
	}
}

// runCSRSigner signs approved requests for kubernetes.io/kube-apiserver-client with the
// engine's CA, as kube-controller-manager's csrsigning controller does: the certificate
// goes into status.certificate; a request whose usages that signer does not allow gets
// a Failed condition instead. It runs until ctx ends.
func (s *Server) runCSRSigner(ctx context.Context) {
	res := index[certificatesv1.SchemeGroupVersion.WithResource("certificatesigningrequests")]
	s.followStore(ctx, keyCSRs, initial, nil, eachEvent(func(ev storage.Event) {
		csr, isCSR := ev.Object.(*certificatesv1.CertificateSigningRequest)
		if !isCSR || ev.Type == "DELETED" || !needsSigning(csr) {
			return
		}
		if err := s.signCSR(res, csr); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			s.log.Warn("sign certificate signing request", "name", csr.Name, "err", err)
		}
	}))
}

func hasCondition(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
	return slices.ContainsFunc(csr.Status.Conditions, func(c certificatesv1.CertificateSigningRequestCondition) bool {
		return c.Type == t && c.Status == corev1.ConditionTrue
	})
}

func needsSigning(csr *certificatesv1.CertificateSigningRequest) bool {
	return csr.Spec.SignerName == clientSigner && len(csr.Status.Certificate) == 0 &&
		hasCondition(csr, certificatesv1.CertificateApproved) && !hasCondition(csr, certificatesv1.CertificateDenied) &&
		!hasCondition(csr, certificatesv1.CertificateFailed)
}

// clientUsagesAllowed are the usages the kube-apiserver-client signer allows; client auth
// is required.
var clientUsagesAllowed = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth}

func (s *Server) signCSR(res *resource, csr *certificatesv1.CertificateSigningRequest) error {
	var cert []byte
	failed := ""
	for _, u := range csr.Spec.Usages {
		if !slices.Contains(clientUsagesAllowed, u) {
			failed = "invalid usage for client certificate: " + string(u)
		}
	}
	if !slices.Contains(csr.Spec.Usages, certificatesv1.UsageClientAuth) {
		failed = "missing required usage for client certificate: client auth"
	}
	if failed == "" {
		ttl := defaultCertificateDuration
		if s := csr.Spec.ExpirationSeconds; s != nil {
			ttl = min(ttl, time.Duration(*s)*time.Second)
		}
		var err error
		if cert, err = s.pki.SignClientCertificate(csr.Spec.Request, ttl); err != nil {
			failed = err.Error()
		}
	}
	ri := requestInfo{verb: "update", res: res, gvr: res.gvr, name: csr.Name, subresource: subStatus}
	_, err := s.updateObject(ri, csrSignerWrite, func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*certificatesv1.CertificateSigningRequest)
		if c.UID != csr.UID || !needsSigning(c) {
			return nil, apierrors.NewConflict(res.groupResource(), csr.Name, errPEMBlock)
		}
		next := c.DeepCopy()
		if failed != "" {
			now := metav1.Now().Rfc3339Copy()
			next.Status.Conditions = append(next.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
				Type: certificatesv1.CertificateFailed, Status: corev1.ConditionTrue, Reason: "SignerValidationFailure",
				Message: failed, LastUpdateTime: now, LastTransitionTime: now,
			})
		} else {
			next.Status.Certificate = cert
		}
		return next, nil
	})
	return err
}

var csrSignerWrite = writeOptions{fieldManager: "kube-controller-manager", fieldValidation: "Ignore"}
