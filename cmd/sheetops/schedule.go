package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/sheetops/sheetops/sheets/xlsx"
	"github.com/sheetops/sheetops/sync"
)

// startSchedules runs reconcile.schedule (a full refresh) and export.schedule (timestamped
// exports, the newest export.keep kept) until the returned stop is called; stop waits for a
// job in flight.
func startSchedules(ctx context.Context, cfg sync.Config, engine *sync.Engine, view sync.ClusterView, log *slog.Logger) (stop func(), err error) {
	c := cron.New(cron.WithParser(cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)))
	if s := cfg.Reconcile.Schedule; s != "" {
		if _, err := c.AddFunc(s, func() {
			if _, err := engine.Refresh(context.WithoutCancel(ctx)); err != nil {
				log.Error("scheduled reconcile", "err", err)
			}
		}); err != nil {
			return nil, usagef("reconcile.schedule %q: %v", s, err)
		}
	}
	if s := cfg.Export.Schedule; s != "" {
		if err := os.MkdirAll(cfg.Export.Dir, 0o755); err != nil {
			return nil, usagef("export.dir %s: %v", cfg.Export.Dir, err)
		}
		if _, err := c.AddFunc(s, func() {
			path := filepath.Join(cfg.Export.Dir, "sheetops-"+time.Now().UTC().Format("20060102-150405")+".xlsx")
			if err := writeExport(ctx, view, path, log); err != nil {
				log.Error("scheduled export", "err", err)
				return
			}
			log.Info("exported", "file", path)
			if err := pruneExports(cfg.Export.Dir, cfg.Export.Keep); err != nil {
				log.Error("prune exports", "err", err)
			}
		}); err != nil {
			return nil, usagef("export.schedule %q: %v", s, err)
		}
	}
	c.Start()
	return func() { <-c.Stop().Done() }, nil
}

// writeExport writes the view into a new workbook at path (through a staging file and a rename).
func writeExport(ctx context.Context, view sync.ClusterView, path string, log *slog.Logger) error {
	staging := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".export.xlsx")
	os.Remove(staging)
	e, err := sync.New(sync.Options{Sheet: xlsx.New(staging), View: view, Logger: log})
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
