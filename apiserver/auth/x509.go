package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// CertificateAuthenticator authenticates requests by the client certificate of their TLS
// connection, as kube-apiserver's --client-ca-file does: the certificate must chain to the
// engine's CA and allow client auth; its subject's CommonName is the user and its
// Organizations are the groups. It is immutable and safe for concurrent use.
type CertificateAuthenticator struct {
	roots *x509.CertPool
	now   func() time.Time
}

// CertificateAuthenticator returns the authenticator for certificates this CA signed.
func (p *PKI) CertificateAuthenticator() *CertificateAuthenticator {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.Leaf)
	return &CertificateAuthenticator{roots: pool, now: time.Now}
}

// ErrCertificateInvalid is a client certificate that does not verify.
var ErrCertificateInvalid = errors.New("client certificate does not verify")

// AuthenticateRequest returns the user of r's client certificate. ok is false when there
// is none; err is set when there is one that does not verify (a 401, as upstream).
func (a *CertificateAuthenticator) AuthenticateRequest(r *http.Request) (u User, ok bool, err error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return User{}, false, nil
	}
	leaf := r.TLS.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: a.roots, Intermediates: inter, CurrentTime: a.now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		return User{}, false, fmt.Errorf("%w: %v", ErrCertificateInvalid, err)
	}
	if leaf.Subject.CommonName == "" {
		return User{}, false, fmt.Errorf("%w: no common name", ErrCertificateInvalid)
	}
	sum := sha256.Sum256(leaf.Raw)
	return withAuthenticatedGroup(User{
		Name: leaf.Subject.CommonName, Groups: append([]string(nil), leaf.Subject.Organization...),
		// as upstream, the certificate's digest identifies the credential
		Extra: map[string][]string{"authentication.kubernetes.io/credential-id": {"X509SHA256=" + hex.EncodeToString(sum[:])}},
	}), true, nil
}

// SignClientCertificate signs the public key of a PEM "CERTIFICATE REQUEST" with the CA
// for client auth, for ttl (capped at the CA's own expiry), as upstream's
// kubernetes.io/kube-apiserver-client signer does: the subject is the request's, the
// usages digital signature and client auth. It returns the PEM certificate.
func (p *PKI) SignClientCertificate(csrPEM []byte, ttl time.Duration) ([]byte, error) {
	block, _ := pem.Decode(csrPEM)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	notAfter := now.Add(ttl)
	if notAfter.After(p.ca.Leaf.NotAfter) {
		notAfter = p.ca.Leaf.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: csr.Subject.CommonName, Organization: csr.Subject.Organization, OrganizationalUnit: csr.Subject.OrganizationalUnit},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		AuthorityKeyId:        p.ca.Leaf.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca.Leaf, csr.PublicKey, p.ca.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
