package main

import (
	"context"
	"errors"
	"io"
	"testing"
)

// TestExportFormatFlags: -o and --format must agree on xlsx or csv, else a usage error
// (exit 2) before anything connects.
func TestExportFormatFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"no -o", nil},
		{"unknown extension", []string{"-o", "cluster.txt"}},
		{"csv format, xlsx file", []string{"--format", "csv", "-o", "cluster.xlsx"}},
		{"xlsx format, csv file", []string{"--format", "xlsx", "-o", "cluster.csv"}},
		{"unknown format", []string{"--format", "pdf", "-o", "cluster.pdf"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := runExport(context.Background(), c.args, io.Discard, io.Discard)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("runExport(%q) = %v, want a usage error", c.args, err)
			}
		})
	}
}
