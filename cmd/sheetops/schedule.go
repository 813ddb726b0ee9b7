package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/utils/clock"

	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets/xlsx"
	"github.com/sheetops/sheetops/sync"
)

// startSchedules runs reconcile.schedule (a full refresh; with reconcile.mode enforce, drift
// is restored) and export.schedule (timestamped exports, the newest export.keep kept) until
// the returned stop is called; stop waits for a run in flight. A nil clock is the real one.
func startSchedules(ctx context.Context, cfg sync.Config, engine *sync.Engine, view sync.ClusterView, tabs []mapping.Tab, clk clock.Clock, log *slog.Logger) (stop func(), err error) {
	if clk == nil {
		clk = clock.RealClock{}
	}
	s := sync.NewScheduler(clk, log)
	if spec := cfg.Reconcile.Schedule; spec != "" {
		if err := s.Add("reconcile", "reconcile.schedule", spec, func(ctx context.Context) error {
			_, err := engine.Refresh(ctx)
			return err
		}); err != nil {
			return nil, usagef("%v", err)
		}
	}
	if spec := cfg.Export.Schedule; spec != "" {
		if err := os.MkdirAll(cfg.Export.Dir, 0o755); err != nil {
			return nil, usagef("export.dir %s: %v", cfg.Export.Dir, err)
		}
		if err := s.Add("export", "export.schedule", spec, exportJob(cfg.Export, view, tabs, clk, log)); err != nil {
			return nil, usagef("%v", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	return func() { cancel(); <-done }, nil
}

// exportJob writes a timestamped export (the clock's time, UTC) into cfg.Dir and keeps the
// newest cfg.Keep.
func exportJob(cfg sync.ExportConfig, view sync.ClusterView, tabs []mapping.Tab, clk clock.Clock, log *slog.Logger) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		path := filepath.Join(cfg.Dir, "sheetops-"+clk.Now().UTC().Format("20060102-150405")+".xlsx")
		if err := writeExport(ctx, view, tabs, path, log); err != nil {
			return err
		}
		log.Info("exported", "file", path)
		return pruneExports(cfg.Dir, cfg.Keep)
	}
}

// writeExport writes the view's tabs (nil: the default ones) into a new workbook at path
// (through a staging file and a rename).
func writeExport(ctx context.Context, view sync.ClusterView, tabs []mapping.Tab, path string, log *slog.Logger) error {
	staging := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".export.xlsx")
	os.Remove(staging)
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: xlsx.New(staging), View: view, Logger: log})
	if err != nil {
		return err
	}
	if _, err := e.Pass(ctx); err != nil {
		os.Remove(staging)
		return err
	}
	if err := os.Rename(staging, path); err != nil {
		os.Remove(staging)
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}

// pruneExports keeps the newest keep exports in dir (their names sort by time).
func pruneExports(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "sheetops-") && strings.HasSuffix(n, ".xlsx") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}
