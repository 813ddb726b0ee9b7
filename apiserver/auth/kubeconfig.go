package auth

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeconfigName names the cluster and the context WriteKubeconfig writes, and its user
// entry when none is given.
const KubeconfigName = "sheetops"

// WriteKubeconfig writes a kubeconfig to path (0600, atomically, replacing any file there;
// a missing directory is created 0700) with one cluster and one context, both named
// "sheetops", and the current context set to it. The cluster is server with caPEM as
// certificate-authority-data; the user entry, named user (or "sheetops" when user is
// empty), carries token as its bearer token. That is the form kubectl, client-go and the
// Python client all load.
func WriteKubeconfig(path, server string, caPEM []byte, user, token string) error {
	switch {
	case server == "":
		return errors.New("write kubeconfig: empty server")
	case token == "":
		return errors.New("write kubeconfig: empty token")
	}
	if block, _ := pem.Decode(caPEM); block == nil || block.Type != "CERTIFICATE" {
		return errors.New("write kubeconfig: ca is not a PEM certificate")
	}
	if user == "" {
		user = KubeconfigName
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[KubeconfigName] = &clientcmdapi.Cluster{
		Server:                   server,
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[KubeconfigName] = &clientcmdapi.Context{
		Cluster:  KubeconfigName,
		AuthInfo: user,
	}
	cfg.CurrentContext = KubeconfigName

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	// clientcmd.WriteToFile writes in place (0600), so it writes a temporary file that is
	// then synced and renamed over path.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	tmp := f.Name()
	_ = f.Close()
	if err := writeKubeconfigFile(*cfg, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	syncDir(dir)
	return nil
}

func writeKubeconfigFile(cfg clientcmdapi.Config, tmp string) error {
	if err := clientcmd.WriteToFile(cfg, tmp); err != nil {
		// clientcmd's errors come from encoding and the file system; neither holds the token.
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
