package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrNoCluster reports that no kubeconfig and no in-cluster configuration were found; the
// caller runs the embedded engine instead.
var ErrNoCluster = errors.New("no kubeconfig found and not running in a cluster")

// Target says which cluster to talk to and which part of it to show.
type Target struct {
	// Kubeconfig is a kubeconfig file; empty: $KUBECONFIG, then ~/.kube/config, then in-cluster.
	Kubeconfig string
	// Context is the kubeconfig context; empty: the file's current context.
	Context string
	// Namespaces limits the view; empty: all namespaces.
	Namespaces []string
	// LabelSelector limits the view to matching objects; empty: all.
	LabelSelector string
}

// RESTConfig resolves the client configuration as kubectl does: an explicit file, then
// $KUBECONFIG, then ~/.kube/config, then the in-cluster service account. It returns
// ErrNoCluster when none of them exists. Credentials files are only read.
func RESTConfig(t Target) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	explicit := t.Kubeconfig != ""
	if explicit {
		if _, err := os.Stat(t.Kubeconfig); err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", t.Kubeconfig, err)
		}
		rules.ExplicitPath = t.Kubeconfig
	}
	if !explicit && !anyKubeconfig(rules) {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, ErrNoCluster
		}
		return withDefaults(cfg), nil
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: t.Context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return withDefaults(cfg), nil
}

func anyKubeconfig(rules *clientcmd.ClientConfigLoadingRules) bool {
	for _, p := range rules.GetLoadingPrecedence() {
		if p == "" {
			continue
		}
		if _, err := os.Stat(filepath.Clean(p)); err == nil {
			return true
		}
	}
	return false
}

// fieldManager names SheetOps' writes in managed fields and audit logs.
const fieldManager = "sheetops"

func withDefaults(cfg *rest.Config) *rest.Config {
	cfg.UserAgent = "sheetops"
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	return cfg
}
