// Command sheetops runs SheetOps: a spreadsheet as a live, safe control surface for a
// Kubernetes cluster. See README.md for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // CRON_TZ= schedules work in images without a zoneinfo database

	"k8s.io/klog/v2"

	"github.com/sheetops/sheetops/internal/startgc"
)

// usageError is a bad flag or setting: one line on stderr, exit code 2, nothing started.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// loggedError is a command's failure already written to the log (log.format json: every
// line is a log record); main only turns it into the exit code.
type loggedError struct{ err error }

func (e loggedError) Error() string { return e.err.Error() }
func (e loggedError) Unwrap() error { return e.err }

// logFailure reports err as a log record when the logs are JSON, so that no plain line
// follows them.
func logFailure(log *slog.Logger, format string, err error) error {
	if err == nil || format != "json" || errors.Is(err, flag.ErrHelp) {
		return err
	}
	log.Error("exiting", "err", err)
	return loggedError{err}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "keep the sheet and the cluster in step (the default command)", runRun},
		{"export", "write the cluster's tabs (deployments and pods, or --tabs/--config) to an .xlsx or .csv file once", runExport},
		{"plan", "read the sheet and print what apply would change; change nothing", runPlan},
		{"apply", "one pass: read the sheet, apply the edits, write statuses back", runApply},
		{"apiserver", "run the embedded Kubernetes-compatible API server alone", runAPIServer},
		{"auth", "auth login --client-secret FILE --out FILE: sign in to Google for sheet.backend google", runAuth},
		{"version", "print the version", runVersion},
	}
}

func main() {
	startgc.Restore()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signalContext()
	defer stop()
	name := "run" // `sheetops` alone runs the daemon on the embedded defaults
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		printUsage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args, stdout, stderr)
		var ue usageError
		var le loggedError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &le) && errors.As(err, &ue):
			return 2
		case errors.As(err, &le):
			return 1
		case errors.As(err, &ue):
			fmt.Fprintln(stderr, "sheetops "+name+": "+ue.msg)
			return 2
		default:
			fmt.Fprintln(stderr, "sheetops "+name+": "+err.Error())
			return 1
		}
	}
	fmt.Fprintf(stderr, "sheetops: unknown command %q (run 'sheetops help' for the list)\n", name)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: sheetops <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// shutdownBound is how long a graceful shutdown may take before the process exits anyway.
const shutdownBound = 30 * time.Second

// signalContext ends on the first SIGINT or SIGTERM (finish the pass in flight, save the
// state, exit 0); a second one, or a shutdown longer than shutdownBound, exits at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		cancel()
		select {
		case <-ch:
			slog.Default().Error("second signal; exiting now")
		case <-time.After(shutdownBound):
			slog.Default().Error("shutdown took too long; exiting now", "bound", shutdownBound)
		}
		os.Exit(1)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

// newFlagSet makes a flag set whose errors come back as usage errors.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sheetops "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning a flag error into a one-line usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fs.PrintDefaults()
			return err
		}
		return usagef("%v (see --help)", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (see --help)", fs.Arg(0))
	}
	return nil
}

// newLogger is the process logger; client-go's and kube-openapi's klog output goes into it too.
func newLogger(w io.Writer, level slog.Level) *slog.Logger { return newLoggerFormat(w, "text", level) }

// newLoggerFormat is newLogger with log.format: "text" or "json".
// Durations are written as text ("4ms"), in JSON too, where slog would write nanoseconds.
func newLoggerFormat(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			return slog.String(a.Key, a.Value.Duration().String())
		}
		return a
	}}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	l := slog.New(h)
	klog.SetSlogLogger(l)
	return l
}
