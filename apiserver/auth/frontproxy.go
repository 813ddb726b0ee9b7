package auth

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Names of the files EnsureFrontProxy keeps in its directory, as kubeadm names them.
const (
	FrontProxyCACertFile     = "front-proxy-ca.crt"
	FrontProxyCAKeyFile      = "front-proxy-ca.key"
	FrontProxyClientCertFile = "front-proxy-client.crt"
	FrontProxyClientKeyFile  = "front-proxy-client.key"
)

// FrontProxyClientName is the common name of the proxy client certificate: the one name an
// aggregated server accepts (requestheader-allowed-names), as kubeadm's.
const FrontProxyClientName = "front-proxy-client"

const frontProxyCAName = "sheetops-front-proxy-ca"

// FrontProxy is the engine's request-header (front-proxy) CA and the client certificate
// it signed, which the engine presents to the servers behind APIServices. It is a CA of its
// own, apart from the serving CA, so that no client certificate the serving CA signs can
// assert a user in headers.
type FrontProxy struct {
	// CACertPEM is the PEM-encoded front-proxy CA (requestheader-client-ca-file).
	CACertPEM []byte
	// Client is the proxy client certificate and key, with Leaf set.
	Client tls.Certificate
}

// EnsureFrontProxy loads the front-proxy CA and client certificate from dir, creating what is
// missing. The rules are EnsurePKI's: keys 0600, certificates 0644, written atomically; the
// CA is kept (a certificate without its key is an error); the client certificate is issued
// again when it is missing, not signed by the CA or expires within 30 days.
func EnsureFrontProxy(dir string) (*FrontProxy, error) {
	return ensureFrontProxy(dir, time.Now())
}

func ensureFrontProxy(dir string, now time.Time) (*FrontProxy, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create pki directory: %w", err)
	}
	ca, caPEM, caFiles, err := loadOrCreateFrontProxyCA(dir, now)
	if err != nil {
		return nil, err
	}
	client, err := ensureSigned(caFiles,
		func() (tls.Certificate, error) { return loadFrontProxyClient(dir, ca, now) },
		func() (tls.Certificate, *keyFiles, error) { return issueFrontProxyClient(dir, ca, now) })
	if err != nil {
		return nil, err
	}
	return &FrontProxy{CACertPEM: caPEM, Client: client}, nil
}

func loadOrCreateFrontProxyCA(dir string, now time.Time) (tls.Certificate, []byte, *keyFiles, error) {
	certPath, keyPath := filepath.Join(dir, FrontProxyCACertFile), filepath.Join(dir, FrontProxyCAKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		return createCA(certPath, keyPath, frontProxyCAName, "front-proxy ca", now)
	}
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("read front-proxy ca certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("read front-proxy ca key: %w", err)
	}
	ca, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load front-proxy ca from %s: %w", dir, err)
	}
	if !ca.Leaf.IsCA {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load front-proxy ca from %s: %s is not a CA certificate", dir, FrontProxyCACertFile)
	}
	if !now.Add(renewBefore).Before(ca.Leaf.NotAfter) {
		return tls.Certificate{}, nil, nil, fmt.Errorf("front-proxy ca certificate in %s expires %s: remove %s and %s to create a new one",
			dir, ca.Leaf.NotAfter.Format(time.RFC3339), FrontProxyCACertFile, FrontProxyCAKeyFile)
	}
	return ca, certPEM, nil, nil
}

func loadFrontProxyClient(dir string, ca tls.Certificate, now time.Time) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, FrontProxyClientCertFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, FrontProxyClientKeyFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Leaf)
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return tls.Certificate{}, err
	}
	if pair.Leaf.Subject.CommonName != FrontProxyClientName || !now.Add(renewBefore).Before(pair.Leaf.NotAfter) {
		return tls.Certificate{}, errors.New("front-proxy client certificate must be issued again")
	}
	return pair, nil
}

func issueFrontProxyClient(dir string, ca tls.Certificate, now time.Time) (tls.Certificate, *keyFiles, error) {
	return issueLeaf(dir, FrontProxyClientCertFile, FrontProxyClientKeyFile, "front-proxy client", ca, &x509.Certificate{
		Subject:     pkix.Name{CommonName: FrontProxyClientName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, now)
}
