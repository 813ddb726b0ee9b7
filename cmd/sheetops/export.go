package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets/csvfiles"
	"github.com/sheetops/sheetops/sync"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("export", stderr)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig file; default $KUBECONFIG, ~/.kube/config, in-cluster, then the embedded engine")
	kubeContext := flags.String("context", "", "kubeconfig context")
	namespace := flags.String("n", "", "only this namespace")
	all := flags.Bool("A", false, "all namespaces (the default)")
	selector := flags.String("l", "", "label selector, as kubectl's -l")
	out := flags.String("o", "", "the file to write (required): FILE.xlsx, or FILE.csv for one CSV file per tab (FILE-Deployments.csv, ...)")
	format := flags.String("format", "", "xlsx or csv; default: from -o's extension")
	configPath := flags.String("config", "", "a config file: its cluster and tabs (flags given here override its cluster settings)")
	tabList := flags.String("tabs", "", "presets to export, comma-separated (e.g. Deployments,StatefulSets,CronJobs); default: the config's tabs, else Deployments and Pods")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(*out), "."))
	switch {
	case *format != "" && *format != "xlsx" && *format != "csv":
		return usagef("--format %q: choose xlsx or csv", *format)
	case *format == "":
		*format = ext
	}
	if *out == "" || ext != *format || (ext != "xlsx" && ext != "csv") {
		if *format == "csv" {
			return usagef("-o: name the .csv file to write, e.g. -o cluster.csv (one file per tab: cluster-Deployments.csv, ...)")
		}
		return usagef("-o: name the .xlsx or .csv file to write, e.g. -o cluster.xlsx")
	}
	if *all && *namespace != "" {
		return usagef("-n and -A: choose one")
	}
	cfg := sync.DefaultConfig()
	if *configPath != "" {
		var err error
		if cfg, err = loadConfig(*configPath); err != nil {
			return err
		}
	}
	if *kubeconfig != "" {
		cfg.Cluster.Kubeconfig, cfg.Cluster.Embedded = *kubeconfig, nil
	}
	if *kubeContext != "" {
		cfg.Cluster.Context = *kubeContext
	}
	if *selector != "" {
		cfg.Cluster.LabelSelector = *selector
	}
	if *namespace != "" {
		cfg.Cluster.Namespaces = []string{*namespace}
	}
	if *all {
		cfg.Cluster.Namespaces = nil
	}
	if *tabList != "" {
		cfg.Tabs = nil
		for _, p := range strings.Split(*tabList, ",") {
			if p = strings.TrimSpace(p); p != "" {
				if _, ok := mapping.PresetNamed(p); !ok {
					return usagef("--tabs: %q is not a preset (one of %s)", p, strings.Join(mapping.PresetNames(), ", "))
				}
				cfg.Tabs = append(cfg.Tabs, sync.TabConfig{Preset: p})
			}
		}
	}
	if *format == "xlsx" {
		cfg.Sheet.XLSX.Path = *out
	}
	if err := cfg.Validate(); err != nil {
		return usageError{strings.Replace(err.Error(), "cluster.labelSelector", "-l", 1)}
	}
	log := newLoggerFormat(stderr, "text", logLevel("warn"))
	c, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer c.close()
	tabs, err := buildTabs(cfg, c)
	if err != nil {
		return err
	}
	// One paged list per source, no informers: a file written once needs no watch.
	view, err := kube.TakeSnapshot(ctx, c.rc, c.dyn, mapping.Sources(tabs))
	if err != nil {
		return err
	}
	wrote := *out
	if *format == "csv" {
		var files []string
		files, err = writeCSV(ctx, view, tabs, *out, log)
		wrote = strings.Join(files, ", ")
	} else {
		err = writeExport(ctx, view, tabs, *out, log)
	}
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
			return usagef("-o %s: %v", *out, err)
		}
		return err
	}
	var counts []string
	for _, t := range tabs {
		counts = append(counts, fmt.Sprintf("%d %s", len(view.Objects(t.Resource)), strings.ToLower(t.Name)))
	}
	fmt.Fprintf(stdout, "Wrote %s: %s.\n", wrote, strings.Join(counts, ", "))
	return nil
}

// writeCSV writes the view as one RFC 4180 CSV file per tab, named after path
// (cluster.csv: cluster-Deployments.csv, cluster-Pods.csv, cluster-Summary.csv).
func writeCSV(ctx context.Context, view sync.ClusterView, tabs []mapping.Tab, path string, log *slog.Logger) ([]string, error) {
	files := csvfiles.New(path)
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: files, View: view, Logger: log})
	if err != nil {
		return nil, err
	}
	if _, err := e.Pass(ctx); err != nil {
		return nil, err
	}
	return files.Written(), nil
}
