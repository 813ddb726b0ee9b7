package main

import (
	"context"
	"fmt"
	"io"
)

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return planOrApply(ctx, "plan", args, stdout, stderr)
}

func runApply(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return planOrApply(ctx, "apply", args, stdout, stderr)
}

// planOrApply reads the sheet once: plan prints what would be applied and changes nothing;
// apply applies it, writes the statuses back and fails if any edit was not applied.
func planOrApply(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(name, stderr)
	configPath := fs.String("config", "", "config file (see config.example.yaml); default: the built-in defaults")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	log := newLoggerFormat(stderr, cfg.Log.Format, logLevel(cfg.Log.Level))
	c, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer c.close()
	engine, view, _, err := openEngine(ctx, cfg, c, log, name == "apply")
	if err != nil {
		return err
	}
	defer view.Stop()
	if name == "plan" {
		p, err := engine.Plan(ctx)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, p.String())
		return nil
	}
	p, err := engine.Pass(ctx)
	if err != nil {
		return err
	}
	failed := 0
	for _, e := range p.Edits {
		fmt.Fprintf(stdout, "%-12s %s => %s\n", e.Tab, e.String(), e.Outcome.Cell())
		if !e.Outcome.Kind.Done() {
			failed++
		}
	}
	if len(p.Edits) == 0 {
		fmt.Fprintln(stdout, "No changes: the sheet and the cluster agree.")
	}
	if failed > 0 {
		return fmt.Errorf("%d edit(s) not applied; see the Sync column", failed)
	}
	return nil
}
