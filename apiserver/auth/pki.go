package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Names of the files EnsurePKI keeps in its directory.
const (
	CACertFile      = "ca.crt"
	CAKeyFile       = "ca.key"
	ServingCertFile = "apiserver.crt"
	ServingKeyFile  = "apiserver.key"
)

const (
	caCommonName      = "sheetops-ca"
	servingCommonName = "sheetops-apiserver"
	caValidity        = 10 * 365 * 24 * time.Hour
	servingValidity   = 365 * 24 * time.Hour
	// renewBefore is how long before expiry a certificate counts as expired.
	renewBefore = 30 * 24 * time.Hour
	// backdate covers clocks that are a little behind ours.
	backdate = 5 * time.Minute
)

// defaultHosts are the names the serving certificate covers when EnsurePKI is given none.
var defaultHosts = []string{"127.0.0.1", "::1", "localhost"}

// PKI is the engine's certificate authority and its serving certificate.
type PKI struct {
	// CACertPEM is the PEM-encoded CA certificate clients trust (kubeconfig
	// certificate-authority-data).
	CACertPEM []byte

	ca      tls.Certificate
	serving tls.Certificate
}

// TLSConfig returns a new server configuration with the serving certificate, TLS 1.2 or
// later, and ALPN offering h2 and http/1.1. It asks for a client certificate, which
// CertificateAuthenticator then verifies, as kube-apiserver with --client-ca-file does
// (a certificate the CA did not sign is a 401, not a failed handshake). Each call returns
// a fresh value the caller may change.
func (p *PKI) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{p.serving},
		NextProtos:   []string{"h2", "http/1.1"},
		ClientAuth:   tls.RequestClientCert,
	}
}

// ServingCertificate returns the parsed serving certificate.
func (p *PKI) ServingCertificate() *x509.Certificate {
	return p.serving.Leaf
}

// EnsurePKI loads the CA and serving certificate from dir, creating what is missing: see
// the package documentation for the rules. hosts are IP addresses (IP SANs) and DNS names
// (DNS SANs); none means 127.0.0.1, ::1 and localhost.
func EnsurePKI(dir string, hosts []string) (*PKI, error) {
	return ensurePKI(dir, hosts, time.Now)
}

func ensurePKI(dir string, hosts []string, now func() time.Time) (*PKI, error) {
	if len(hosts) == 0 {
		hosts = defaultHosts
	}
	ips, names, err := splitHosts(hosts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create pki directory: %w", err)
	}
	ca, caPEM, caFiles, err := loadOrCreateCA(dir, now())
	if err != nil {
		return nil, err
	}
	serving, err := ensureSigned(caFiles,
		func() (tls.Certificate, error) { return loadServing(dir, ca, ips, names, now()) },
		func() (tls.Certificate, *keyFiles, error) { return issueServing(dir, ca, ips, names, now()) })
	if err != nil {
		return nil, err
	}
	return &PKI{CACertPEM: caPEM, ca: ca, serving: serving}, nil
}

// ensureSigned returns the certificate a CA signed: load's, unless the CA is new (its files,
// caFiles, not yet written) or load fails, then issue's. It writes the new CA and the new
// certificate meanwhile (writeKeyFiles).
func ensureSigned(caFiles *keyFiles, load func() (tls.Certificate, error), issue func() (tls.Certificate, *keyFiles, error)) (tls.Certificate, error) {
	var (
		cert  tls.Certificate
		files *keyFiles
		err   error
	)
	if caFiles == nil {
		cert, err = load()
	}
	if caFiles != nil || err != nil {
		if cert, files, err = issue(); err != nil {
			return tls.Certificate{}, err
		}
	}
	if err := writeKeyFiles(caFiles, files); err != nil {
		return tls.Certificate{}, err
	}
	return cert, nil
}

// splitHosts sorts hosts into IP addresses and lower-cased DNS names, without repeats.
func splitHosts(hosts []string) ([]net.IP, []string, error) {
	var ips []net.IP
	var names []string
	seen := make(map[string]bool)
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
			h = h[1 : len(h)-1]
		}
		if ip := net.ParseIP(h); ip != nil {
			if !seen[ip.String()] {
				seen[ip.String()] = true
				ips = append(ips, ip)
			}
			continue
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if h == "" || strings.ContainsAny(h, " \t/:@[]") {
			return nil, nil, fmt.Errorf("invalid host %q for the serving certificate", h)
		}
		if !seen[h] {
			seen[h] = true
			names = append(names, h)
		}
	}
	return ips, names, nil
}

// loadOrCreateCA returns the CA key pair, generating it when ca.crt does not exist; then it
// also returns its files, for writeKeyFiles. A ca.crt without a usable ca.key is an error:
// replacing a CA silently would break every client that trusts it.
func loadOrCreateCA(dir string, now time.Time) (tls.Certificate, []byte, *keyFiles, error) {
	certPath := filepath.Join(dir, CACertFile)
	keyPath := filepath.Join(dir, CAKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		return createCA(certPath, keyPath, caCommonName, "ca", now)
	}
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("read ca certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("read ca key: %w", err)
	}
	ca, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load ca from %s: %w", dir, err)
	}
	if !ca.Leaf.IsCA {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load ca from %s: %s is not a CA certificate", dir, CACertFile)
	}
	if _, ok := ca.PrivateKey.(crypto.Signer); !ok {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load ca from %s: %s holds no signing key", dir, CAKeyFile)
	}
	if !now.Add(renewBefore).Before(ca.Leaf.NotAfter) {
		return tls.Certificate{}, nil, nil, fmt.Errorf("ca certificate in %s expires %s: remove %s and %s to create a new CA",
			dir, ca.Leaf.NotAfter.Format(time.RFC3339), CACertFile, CAKeyFile)
	}
	return ca, certPEM, nil, nil
}

// keyFiles are a new key and its certificate, not yet written.
type keyFiles struct {
	keyPath, certPath string
	keyPEM, certPEM   []byte
}

// write writes the key (0600), then the certificate (0644), each atomically. Key first: a
// key without its certificate is replaced on the next run, while a certificate without
// its key is an error.
func (k *keyFiles) write() error {
	if err := writeFileAtomic(k.keyPath, k.keyPEM, 0o600, false); err != nil {
		return err
	}
	return writeFileAtomic(k.certPath, k.certPEM, 0o644, false)
}

// writeKeyFiles writes each of files (nil ones are skipped) at the same time: a CA and the
// certificate it just signed are independent on disk (a certificate whose CA is missing or
// new is issued again), and their fsyncs overlap. On a first start this halves the syncs
// the engine waits for.
func writeKeyFiles(files ...*keyFiles) error {
	var (
		wg   sync.WaitGroup
		errs = make([]error, len(files))
	)
	for i, f := range files {
		if f != nil {
			wg.Go(func() { errs[i] = f.write() })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// createCA makes a self-signed CA named name (what names it in errors: "ca", "front-proxy
// ca"), and its files, for writeKeyFiles: its key at keyPath beside its certificate.
func createCA(certPath, keyPath, name, what string, now time.Time) (tls.Certificate, []byte, *keyFiles, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("generate %s key: %w", what, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	skid, err := subjectKeyID(key.Public())
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          skid,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("create %s certificate: %w", what, err)
	}
	certPEM, keyPEM, err := encodePair(der, key)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	ca, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load new %s: %w", what, err)
	}
	return ca, certPEM, &keyFiles{keyPath: keyPath, certPath: certPath, keyPEM: keyPEM, certPEM: certPEM}, nil
}

// loadServing returns the serving key pair from dir if it is signed by ca, valid for more
// than renewBefore, and covers every requested host; any error means "issue a new one".
func loadServing(dir string, ca tls.Certificate, ips []net.IP, names []string, now time.Time) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, ServingCertFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, ServingKeyFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := pair.Leaf
	roots := x509.NewCertPool()
	roots.AddCert(ca.Leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return tls.Certificate{}, err
	}
	if !now.Add(renewBefore).Before(leaf.NotAfter) {
		return tls.Certificate{}, errors.New("serving certificate expires soon")
	}
	for _, ip := range ips {
		if err := leaf.VerifyHostname(ip.String()); err != nil {
			return tls.Certificate{}, err
		}
	}
	for _, name := range names {
		if err := leaf.VerifyHostname(name); err != nil {
			return tls.Certificate{}, err
		}
	}
	return pair, nil
}

func issueServing(dir string, ca tls.Certificate, ips []net.IP, names []string, now time.Time) (tls.Certificate, *keyFiles, error) {
	return issueLeaf(dir, ServingCertFile, ServingKeyFile, "serving", ca, &x509.Certificate{
		Subject:     pkix.Name{CommonName: servingCommonName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips,
		DNSNames:    names,
	}, now)
}

// issueLeaf issues a certificate signed by ca with a new key: tmpl's subject, extended key
// usages and names, valid from now (backdated) for servingValidity or until ca expires. It
// returns the key and certificate files in dir, for writeKeyFiles; what names it in errors.
func issueLeaf(dir, certFile, keyFile, what string, ca tls.Certificate, tmpl *x509.Certificate, now time.Time) (tls.Certificate, *keyFiles, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate %s key: %w", what, err)
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return tls.Certificate{}, nil, err
	}
	if tmpl.SubjectKeyId, err = subjectKeyID(key.Public()); err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-backdate), now.Add(servingValidity)
	if tmpl.NotAfter.After(ca.Leaf.NotAfter) {
		tmpl.NotAfter = ca.Leaf.NotAfter
	}
	tmpl.KeyUsage, tmpl.BasicConstraintsValid, tmpl.AuthorityKeyId = x509.KeyUsageDigitalSignature, true, ca.Leaf.SubjectKeyId
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Leaf, key.Public(), ca.PrivateKey)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create %s certificate: %w", what, err)
	}
	certPEM, keyPEM, err := encodePair(der, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pair, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("load new %s certificate: %w", what, err)
	}
	return pair, &keyFiles{keyPath: filepath.Join(dir, keyFile), certPath: filepath.Join(dir, certFile), keyPEM: keyPEM, certPEM: certPEM}, nil
}

func encodePair(der []byte, key *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

func randomSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil // positive, never zero
}

// subjectKeyID is the truncated SHA-256 of the public key (RFC 7093 method 1).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// keyPair parses a PEM certificate and key, checks that they match, and fills in Leaf.
func keyPair(certPEM, keyPEM []byte) (tls.Certificate, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return tls.Certificate{}, err
		}
	}
	return pair, nil
}
