package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/xlsx"
	"github.com/sheetops/sheetops/sync"
)

// openSheet opens the configured spreadsheet backend.
func openSheet(cfg sync.Config) (sheets.Sheet, string, error) {
	switch cfg.Sheet.Backend {
	case "xlsx":
		path, err := filepath.Abs(cfg.Sheet.XLSX.Path)
		if err != nil {
			return nil, "", err
		}
		return xlsx.New(path), path, nil
	}
	return nil, "", usagef("sheet.backend %q: not available in this build yet; use xlsx", cfg.Sheet.Backend)
}

// statePath is the state file of a workbook: in the state dir, named after the workbook.
func statePath(cfg sync.Config, sheetName string) string {
	base := strings.TrimSuffix(filepath.Base(sheetName), filepath.Ext(sheetName))
	return filepath.Join(cfg.StateDir, base+".state.json")
}

// openEngine connects the view and builds the engine; write=false makes it read-only.
func openEngine(ctx context.Context, cfg sync.Config, c *cluster, log *slog.Logger, write bool) (*sync.Engine, *kube.View, string, error) {
	target := kube.Target{Namespaces: cfg.Cluster.Namespaces, LabelSelector: cfg.Cluster.LabelSelector}
	view, err := kube.NewView(c.cs, target)
	if err != nil {
		return nil, nil, "", usagef("cluster.labelSelector: %v", err)
	}
	view.Start(ctx)
	if err := view.WaitForSync(ctx); err != nil {
		return nil, nil, "", err
	}
	sheet, where, err := openSheet(cfg)
	if err != nil {
		return nil, nil, "", err
	}
	opts := sync.Options{
		Sheet: sheet, View: view, StatePath: statePath(cfg, where),
		PollInterval: cfg.Sheet.PollInterval.Duration, Logger: log,
	}
	if write {
		opts.Writer = kube.NewApplier(c.cs)
		opts.AuditPath = filepath.Join(cfg.StateDir, "audit.log")
	}
	e, err := sync.New(opts)
	if err != nil {
		return nil, nil, "", fmt.Errorf("state: %w", err)
	}
	return e, view, where, nil
}
