package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"github.com/sheetops/sheetops/apiserver"
)

func runAPIServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("apiserver", stderr)
	opts := apiserver.Options{}
	fs.StringVar(&opts.Addr, "addr", "127.0.0.1:6443", "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&opts.DataDir, "data-dir", ".sheetops/apiserver", "directory for the store, the CA, the serving certificate and the token file")
	fs.StringVar(&opts.KubeconfigOut, "kubeconfig-out", "", "where to write the admin kubeconfig (default DATA-DIR/kubeconfig)")
	fs.StringVar(&opts.TokenFile, "token-auth-file", "", "token file in kube-apiserver's format (default DATA-DIR/tokens.csv, created with an admin and a read-only token)")
	fs.BoolVar(&opts.Demo, "demo", false, "seed demo namespaces and deployments into an empty store")
	controllers := fs.Bool("controllers", true, "run the deployment, replica set and other controllers and the simulated kubelet; false: only store and serve objects, as a bare API server")
	fsync := fs.Bool("fsync", true, "acknowledge a write once it is on disk (fsync; concurrent writes share one); false: once the operating system has it (survives a crash of the process, not a power cut)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts.NoSync = !*fsync
	opts.NoControllers = !*controllers
	if err := checkAddr(opts.Addr); err != nil {
		return usagef("--addr %q: %v", opts.Addr, err)
	}
	opts.Logger = newLogger(stderr, slog.LevelInfo)
	srv, err := apiserver.New(opts)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Embedded Kubernetes API server at %s\n", srv.URL())
	fmt.Fprintf(stdout, "Use it with: kubectl --kubeconfig %s get deploy -A\n", srv.KubeconfigPath())
	<-ctx.Done()
	return srv.Close()
}

// checkAddr accepts host:port with a numeric port.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port must be a number from 0 to 65535")
	}
	return nil
}
