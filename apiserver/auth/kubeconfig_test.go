package auth

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestWriteKubeconfig(t *testing.T) {
	p, err := EnsurePKI(t.TempDir(), []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		gotAuth []string
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"major":"1","minor":"36","gitVersion":"v1.36.0"}`)
	}))
	srv.TLS = p.TLSConfig()
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	tests := []struct {
		name     string
		server   string
		user     string
		wantUser string
	}{
		{name: "admin by IP", server: "https://127.0.0.1:" + port, user: AdminUser, wantUser: AdminUser},
		{name: "viewer by name", server: "https://localhost:" + port, user: ViewerUser, wantUser: ViewerUser},
		{name: "default user name", server: "https://127.0.0.1:" + port, wantUser: "sheetops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			gotAuth = nil
			mu.Unlock()
			token := "t0ken-for-" + strings.ReplaceAll(tt.name, " ", "-")
			path := filepath.Join(t.TempDir(), "kube", "config")
			if err := WriteKubeconfig(path, tt.server, p.CACertPEM, tt.user, token); err != nil {
				t.Fatalf("WriteKubeconfig: %v", err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode())
			}

			cfg, err := clientcmd.LoadFromFile(path)
			if err != nil {
				t.Fatalf("LoadFromFile: %v", err)
			}
			if cfg.CurrentContext != "sheetops" {
				t.Errorf("current context %q, want sheetops", cfg.CurrentContext)
			}
			ctx := cfg.Contexts["sheetops"]
			if ctx == nil || ctx.Cluster != "sheetops" || ctx.AuthInfo != tt.wantUser {
				t.Fatalf("context %+v, want cluster sheetops, user %s", ctx, tt.wantUser)
			}
			cluster := cfg.Clusters["sheetops"]
			if cluster == nil || cluster.Server != tt.server || string(cluster.CertificateAuthorityData) != string(p.CACertPEM) {
				t.Fatalf("cluster %+v, want server %s with the CA", cluster, tt.server)
			}
			if ai := cfg.AuthInfos[tt.wantUser]; ai == nil || ai.Token != token {
				t.Fatal("user entry missing or without the token")
			}

			restCfg, err := clientcmd.BuildConfigFromFlags("", path)
			if err != nil {
				t.Fatalf("BuildConfigFromFlags: %v", err)
			}
			client, err := rest.HTTPClientFor(restCfg)
			if err != nil {
				t.Fatalf("HTTPClientFor: %v", err)
			}
			resp, err := client.Get(restCfg.Host + "/version")
			if err != nil {
				t.Fatalf("GET /version: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(gotAuth) != 1 || gotAuth[0] != "Bearer "+token {
				t.Error("server did not receive the bearer token")
			}
		})
	}
}

func TestWriteKubeconfigReplaces(t *testing.T) {
	p, err := EnsurePKI(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("old: content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKubeconfig(path, "https://127.0.0.1:6443", p.CACertPEM, AdminUser, "new-t0ken"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthInfos[AdminUser] == nil || cfg.AuthInfos[AdminUser].Token != "new-t0ken" {
		t.Error("file not replaced")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want 1 (no temporary files left)", len(entries))
	}
}

func TestWriteKubeconfigRefuses(t *testing.T) {
	p, err := EnsurePKI(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const token = "s3cret-t0ken-value"
	tests := []struct {
		name   string
		server string
		ca     []byte
		token  string
	}{
		{name: "no server", ca: p.CACertPEM, token: token},
		{name: "no token", server: "https://127.0.0.1:6443", ca: p.CACertPEM},
		{name: "no CA", server: "https://127.0.0.1:6443", token: token},
		{name: "CA not PEM", server: "https://127.0.0.1:6443", ca: []byte("nonsense"), token: token},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			err := WriteKubeconfig(path, tt.server, tt.ca, AdminUser, tt.token)
			if err == nil {
				t.Fatal("WriteKubeconfig accepted it")
			}
			if strings.Contains(err.Error(), token) {
				t.Error("error contains the token")
			}
			if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
				t.Error("a file was written")
			}
		})
	}
}
