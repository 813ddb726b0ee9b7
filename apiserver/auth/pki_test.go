package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestEnsurePKITwiceKeepsEverything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	first, err := EnsurePKI(dir, hosts)
	if err != nil {
		t.Fatalf("first EnsurePKI: %v", err)
	}
	second, err := EnsurePKI(dir, hosts)
	if err != nil {
		t.Fatalf("second EnsurePKI: %v", err)
	}
	if string(first.CACertPEM) != string(second.CACertPEM) {
		t.Error("CA changed between runs")
	}
	if first.ServingCertificate().SerialNumber.Cmp(second.ServingCertificate().SerialNumber) != 0 {
		t.Error("serving certificate re-issued although nothing changed")
	}
}

func TestEnsurePKICertificates(t *testing.T) {
	dir := t.TempDir()
	p, err := EnsurePKI(dir, []string{"127.0.0.1", "::1", "localhost", "LOCALHOST", "[::1]"})
	if err != nil {
		t.Fatal(err)
	}
	ca := parseCAPEM(t, p.CACertPEM)
	leaf := p.ServingCertificate()

	if ca.Subject.CommonName != "sheetops-ca" || !ca.IsCA {
		t.Errorf("CA subject %q IsCA %v, want sheetops-ca, true", ca.Subject.CommonName, ca.IsCA)
	}
	if pub, ok := ca.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("CA key is %T, want ECDSA P-256", ca.PublicKey)
	}
	if got := ca.NotAfter.Sub(ca.NotBefore); got < 10*365*24*time.Hour {
		t.Errorf("CA valid for %v, want 10 years", got)
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got < 365*24*time.Hour || got > 366*24*time.Hour {
		t.Errorf("serving certificate valid for %v, want 1 year", got)
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		t.Errorf("serving certificate not signed by the CA: %v", err)
	}
	if !slices.Equal(leaf.DNSNames, []string{"localhost"}) {
		t.Errorf("DNS SANs %q, want [localhost]", leaf.DNSNames)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Equal(ips, []string{"127.0.0.1", "::1"}) {
		t.Errorf("IP SANs %q, want [127.0.0.1 ::1]", ips)
	}
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		t.Error("serving certificate lacks server auth usage")
	}
}

func TestEnsurePKIHandshake(t *testing.T) {
	p, err := EnsurePKI(t.TempDir(), []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.TLS = p.TLSConfig()
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.CACertPEM) {
		t.Fatal("CA PEM not parsed")
	}
	tests := []struct {
		name      string
		host      string
		protos    []string
		wantProto string
	}{
		{name: "127.0.0.1 http/1.1", host: "127.0.0.1", protos: []string{"http/1.1"}, wantProto: "HTTP/1.1"},
		{name: "localhost http/1.1", host: "localhost", protos: []string{"http/1.1"}, wantProto: "HTTP/1.1"},
		{name: "127.0.0.1 h2", host: "127.0.0.1", protos: []string{"h2"}, wantProto: "HTTP/2.0"},
		{name: "localhost h2", host: "localhost", protos: []string{"h2"}, wantProto: "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
			if slices.Contains(tt.protos, "h2") {
				tr.ForceAttemptHTTP2 = true
				tr.Protocols = new(http.Protocols)
				tr.Protocols.SetHTTP2(true)
			}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			resp, err := client.Get("https://" + tt.host + ":" + u.Port() + "/")
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tt.wantProto {
				t.Errorf("server saw %q, want %q", body, tt.wantProto)
			}
			if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
				t.Errorf("TLS state %+v, want TLS 1.2 or later", resp.TLS)
			}
		})
	}

	t.Run("TLS 1.1 refused", func(t *testing.T) {
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
			t.Fatal("TLS 1.1 handshake succeeded")
		}
	})
	t.Run("unknown host refused", func(t *testing.T) {
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: roots, ServerName: "example.com"})
		if err == nil {
			conn.Close()
			t.Fatal("handshake for a name outside the SANs succeeded")
		}
	})
}

func TestEnsurePKIReissue(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name        string
		firstHosts  []string
		firstAt     time.Time
		secondHosts []string
		wantNew     bool
	}{
		{name: "same hosts", firstHosts: []string{"127.0.0.1", "localhost"}, firstAt: now,
			secondHosts: []string{"localhost", "127.0.0.1"}, wantNew: false},
		{name: "fewer hosts", firstHosts: []string{"127.0.0.1", "localhost"}, firstAt: now,
			secondHosts: []string{"localhost"}, wantNew: false},
		{name: "new DNS name", firstHosts: []string{"127.0.0.1", "localhost"}, firstAt: now,
			secondHosts: []string{"127.0.0.1", "localhost", "sheetops.internal"}, wantNew: true},
		{name: "new IP", firstHosts: []string{"127.0.0.1"}, firstAt: now,
			secondHosts: []string{"127.0.0.1", "::1"}, wantNew: true},
		{name: "expires in 20 days", firstHosts: []string{"127.0.0.1"}, firstAt: now.Add(-345 * 24 * time.Hour),
			secondHosts: []string{"127.0.0.1"}, wantNew: true},
		{name: "expires in 40 days", firstHosts: []string{"127.0.0.1"}, firstAt: now.Add(-325 * 24 * time.Hour),
			secondHosts: []string{"127.0.0.1"}, wantNew: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := ensurePKI(dir, tt.firstHosts, func() time.Time { return tt.firstAt })
			if err != nil {
				t.Fatal(err)
			}
			second, err := ensurePKI(dir, tt.secondHosts, func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			if string(first.CACertPEM) != string(second.CACertPEM) {
				t.Fatal("CA changed")
			}
			gotNew := first.ServingCertificate().SerialNumber.Cmp(second.ServingCertificate().SerialNumber) != 0
			if gotNew != tt.wantNew {
				t.Fatalf("re-issued = %v, want %v", gotNew, tt.wantNew)
			}
			leaf := second.ServingCertificate()
			for _, h := range tt.secondHosts {
				if err := leaf.VerifyHostname(h); err != nil {
					t.Errorf("serving certificate does not cover %s: %v", h, err)
				}
			}
			if err := leaf.CheckSignatureFrom(parseCAPEM(t, second.CACertPEM)); err != nil {
				t.Errorf("serving certificate not signed by the CA: %v", err)
			}
			// What is on disk is what was returned.
			third, err := ensurePKI(dir, tt.secondHosts, func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			if third.ServingCertificate().SerialNumber.Cmp(leaf.SerialNumber) != 0 {
				t.Error("serving certificate re-issued on the run after")
			}
		})
	}
}

// TestEnsurePKINewCAIssuesServingAgain removes the CA: the next start makes a new one and
// a serving certificate it signed (the old one, still on disk, is not loaded), and the run
// after loads both as written.
func TestEnsurePKINewCAIssuesServingAgain(t *testing.T) {
	dir := t.TempDir()
	first, err := EnsurePKI(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CACertFile, CAKeyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	second, err := EnsurePKI(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(first.CACertPEM) == string(second.CACertPEM) {
		t.Fatal("the CA was not made again")
	}
	if err := second.ServingCertificate().CheckSignatureFrom(parseCAPEM(t, second.CACertPEM)); err != nil {
		t.Fatalf("serving certificate not signed by the new CA: %v", err)
	}
	third, err := EnsurePKI(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(third.CACertPEM) != string(second.CACertPEM) || third.ServingCertificate().SerialNumber.Cmp(second.ServingCertificate().SerialNumber) != 0 {
		t.Fatal("what the second run wrote is not what the third loaded")
	}
}

func TestEnsurePKIFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "pki")
	if _, err := EnsurePKI(dir, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want os.FileMode
	}{
		{name: "dir", path: dir, want: os.ModeDir | 0o700},
		{name: CAKeyFile, path: filepath.Join(dir, CAKeyFile), want: 0o600},
		{name: ServingKeyFile, path: filepath.Join(dir, ServingKeyFile), want: 0o600},
		{name: CACertFile, path: filepath.Join(dir, CACertFile), want: 0o644},
		{name: ServingCertFile, path: filepath.Join(dir, ServingCertFile), want: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tt.want {
				t.Errorf("mode %v, want %v", fi.Mode(), tt.want)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("%d files in %s, want 4 (no temporary files left)", len(entries), dir)
	}
}

func TestEnsurePKIBrokenCA(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{name: "ca.key missing", damage: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, CAKeyFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "ca.key of another CA", damage: func(t *testing.T, dir string) {
			other := t.TempDir()
			if _, err := EnsurePKI(other, nil); err != nil {
				t.Fatal(err)
			}
			key, err := os.ReadFile(filepath.Join(other, CAKeyFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, CAKeyFile), key, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "ca.crt garbage", damage: func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, CACertFile), []byte("nonsense"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := EnsurePKI(dir, nil); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			if _, err := EnsurePKI(dir, nil); err == nil {
				t.Fatal("EnsurePKI accepted a broken CA")
			}
		})
	}
}

func TestEnsurePKIReplacesBrokenServingPair(t *testing.T) {
	dir := t.TempDir()
	first, err := EnsurePKI(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ServingKeyFile), []byte("nonsense"), 0o600); err != nil {
		t.Fatal(err)
	}
	second, err := EnsurePKI(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(first.CACertPEM) != string(second.CACertPEM) {
		t.Error("CA changed")
	}
	if first.ServingCertificate().SerialNumber.Cmp(second.ServingCertificate().SerialNumber) == 0 {
		t.Error("broken serving pair kept")
	}
}

func parseCAPEM(t *testing.T, caPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(caPEM)
	if block == nil {
		t.Fatal("CA is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
