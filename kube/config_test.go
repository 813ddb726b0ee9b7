package kube

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func writeKubeconfig(t *testing.T, path string) {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["a"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1111"}
	cfg.Clusters["b"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:2222"}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["ctx-a"] = &clientcmdapi.Context{Cluster: "a", AuthInfo: "u"}
	cfg.Contexts["ctx-b"] = &clientcmdapi.Context{Cluster: "b", AuthInfo: "u"}
	cfg.CurrentContext = "ctx-a"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
}

func TestRESTConfigResolution(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config")
	writeKubeconfig(t, file)
	// No $KUBECONFIG, an empty home and no service account: nothing is found.
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")

	tests := []struct {
		name    string
		target  Target
		env     string
		want    string
		wantErr error
	}{
		{name: "explicit file, current context", target: Target{Kubeconfig: file}, want: "https://127.0.0.1:1111"},
		{name: "explicit file and context", target: Target{Kubeconfig: file, Context: "ctx-b"}, want: "https://127.0.0.1:2222"},
		{name: "from KUBECONFIG", env: file, want: "https://127.0.0.1:1111"},
		{name: "nothing found", wantErr: ErrNoCluster},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			cfg, err := RESTConfig(tt.target)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.want || cfg.UserAgent != "sheetops" {
				t.Fatalf("host %q agent %q, want %q", cfg.Host, cfg.UserAgent, tt.want)
			}
		})
	}
	t.Run("explicit file missing", func(t *testing.T) {
		_, err := RESTConfig(Target{Kubeconfig: filepath.Join(dir, "nope")})
		if err == nil || errors.Is(err, ErrNoCluster) || !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want a not-exist error naming the file", err)
		}
	})
	t.Run("unknown context", func(t *testing.T) {
		if _, err := RESTConfig(Target{Kubeconfig: file, Context: "nope"}); err == nil {
			t.Fatal("an unknown context was accepted")
		}
	})
}
