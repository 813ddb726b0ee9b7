package auth

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnsureFrontProxy(t *testing.T) {
	dir := t.TempDir()
	fp, err := EnsureFrontProxy(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, perm := range map[string]os.FileMode{
		FrontProxyCACertFile: 0o644, FrontProxyCAKeyFile: 0o600, FrontProxyClientCertFile: 0o644, FrontProxyClientKeyFile: 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), perm)
		}
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(fp.CACertPEM) {
		t.Fatal("front-proxy CA does not parse")
	}
	if _, err := fp.Client.Leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("client certificate does not verify as a client of the front-proxy CA: %v", err)
	}
	if cn := fp.Client.Leaf.Subject.CommonName; cn != FrontProxyClientName {
		t.Errorf("client common name %q, want %q", cn, FrontProxyClientName)
	}

	again, err := EnsureFrontProxy(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(again.CACertPEM) != string(fp.CACertPEM) || !again.Client.Leaf.Equal(fp.Client.Leaf) {
		t.Error("a second EnsureFrontProxy replaced the CA or the client certificate")
	}

	// A client certificate about to expire is issued again by the same CA.
	later, err := ensureFrontProxy(dir, time.Now().Add(340*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if string(later.CACertPEM) != string(fp.CACertPEM) || later.Client.Leaf.Equal(fp.Client.Leaf) {
		t.Error("an expiring client certificate was not issued again under the same CA")
	}
}
