package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sync"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("export", stderr)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig file; default $KUBECONFIG, ~/.kube/config, in-cluster, then the embedded engine")
	kubeContext := flags.String("context", "", "kubeconfig context")
	namespace := flags.String("n", "", "only this namespace")
	all := flags.Bool("A", false, "all namespaces (the default)")
	selector := flags.String("l", "", "label selector, as kubectl's -l")
	out := flags.String("o", "", "the .xlsx file to write (required)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if *out == "" || !strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
		return usagef("-o: name the .xlsx file to write, e.g. -o cluster.xlsx")
	}
	if *all && *namespace != "" {
		return usagef("-n and -A: choose one")
	}
	cfg := sync.DefaultConfig()
	cfg.Cluster.Kubeconfig, cfg.Cluster.Context, cfg.Cluster.LabelSelector = *kubeconfig, *kubeContext, *selector
	if *namespace != "" {
		cfg.Cluster.Namespaces = []string{*namespace}
	}
	cfg.Sheet.XLSX.Path = *out
	if err := cfg.Validate(); err != nil {
		return usageError{strings.Replace(err.Error(), "cluster.labelSelector", "-l", 1)}
	}
	log := newLoggerFormat(stderr, "text", logLevel("warn"))
	c, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer c.close()
	view, err := kube.NewView(c.cs, kube.Target{Namespaces: cfg.Cluster.Namespaces, LabelSelector: cfg.Cluster.LabelSelector})
	if err != nil {
		return usagef("-l: %v", err)
	}
	view.Start(ctx)
	defer view.Stop()
	if err := view.WaitForSync(ctx); err != nil {
		return err
	}
	if err := writeExport(ctx, view, *out, log); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return usagef("-o %s: %v", *out, err)
		}
		return err
	}
	fmt.Fprintf(stdout, "Wrote %s: %d deployments, %d pods.\n", *out, len(view.Deployments()), len(view.Pods()))
	return nil
}
