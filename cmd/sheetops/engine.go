package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/xlsx"
	"github.com/sheetops/sheetops/sync"
)

// openSheet opens the configured spreadsheet backend. It returns the sheet and where it is
// (a path, a spreadsheet ID), for messages and the state file's name.
func openSheet(ctx context.Context, cfg sync.Config, log *slog.Logger) (sheets.Sheet, string, error) {
	switch cfg.Sheet.Backend {
	case "xlsx":
		path, err := filepath.Abs(cfg.Sheet.XLSX.Path)
		if err != nil {
			return nil, "", err
		}
		return xlsx.New(path), path, nil
	case "google":
		// Start-up errors (wrong ID, not shared, bad credentials, unreachable) are the
		// operator's to fix: one line, exit code 2.
		g := cfg.Sheet.Google
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		s, err := google.New(ctx, google.Options{
			SpreadsheetID: g.SpreadsheetID, CredentialsFile: g.CredentialsFile, Endpoint: g.Endpoint,
			ReadsPerMinute: g.ReadsPerMinute, WritesPerMinute: g.WritesPerMinute, Logger: log,
		})
		if err != nil {
			msg := strings.Join(strings.Fields(err.Error()), " ")
			if strings.HasPrefix(msg, "google.") {
				msg = "sheet." + msg // the key as config files spell it
			}
			return nil, "", usagef("%s", msg)
		}
		// The ID names the state file (no slashes or dots in it) and the sheet in messages.
		return s, g.SpreadsheetID, nil
	}
	return nil, "", usagef("sheet.backend %q: must be xlsx or google", cfg.Sheet.Backend)
}

// statePath is the state file of a workbook: in the state dir, named after the workbook.
func statePath(cfg sync.Config, sheetName string) string {
	base := strings.TrimSuffix(filepath.Base(sheetName), filepath.Ext(sheetName))
	return filepath.Join(cfg.StateDir, base+".state.json")
}

// buildTabs builds the config's tabs, their resources found through the cluster's discovery.
func buildTabs(cfg sync.Config, c *cluster) ([]mapping.Tab, error) {
	tabs, err := cfg.BuildTabs(kube.NewResolver(c.cs.Discovery()))
	if err != nil {
		return nil, usagef("%v", err)
	}
	return tabs, nil
}

// openView starts the informers on the tabs' objects and waits until they are in sync.
func openView(ctx context.Context, c *cluster, tabs []mapping.Tab) (*kube.View, error) {
	view, err := kube.NewViewOf(c.cs, c.dyn, mapping.Sources(tabs))
	if err != nil {
		return nil, usagef("cluster.labelSelector: %v", err)
	}
	view.Start(ctx)
	if err := view.WaitForSync(ctx); err != nil {
		view.Stop()
		return nil, err
	}
	return view, nil
}

// newEngine builds the engine on an open sheet (where: openSheet's) and a synced view;
// write=false makes it read-only.
func newEngine(cfg sync.Config, c *cluster, view *kube.View, tabs []mapping.Tab, sheet sheets.Sheet, where string, log *slog.Logger, write bool) (*sync.Engine, error) {
	opts := sync.Options{
		Tabs: tabs, Sheet: sheet, View: view, StatePath: statePath(cfg, where),
		PollInterval: cfg.Sheet.PollInterval.Duration, Logger: log,
		Enforce: cfg.Reconcile.Mode == "enforce",
	}
	if write {
		opts.Writer = kube.NewApplier(c.cs, c.dyn)
		opts.AuditPath = filepath.Join(cfg.StateDir, "audit.log")
	}
	e, err := sync.New(opts)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return e, nil
}

// openEngine opens the sheet, connects the view and builds the engine; write=false makes
// it read-only.
func openEngine(ctx context.Context, cfg sync.Config, c *cluster, log *slog.Logger, write bool) (*sync.Engine, *kube.View, string, error) {
	sheet, where, err := openSheet(ctx, cfg, log)
	if err != nil {
		return nil, nil, "", err
	}
	tabs, err := buildTabs(cfg, c)
	if err != nil {
		return nil, nil, "", err
	}
	view, err := openView(ctx, c, tabs)
	if err != nil {
		return nil, nil, "", err
	}
	e, err := newEngine(cfg, c, view, tabs, sheet, where, log, write)
	if err != nil {
		view.Stop()
		return nil, nil, "", err
	}
	return e, view, where, nil
}
