package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunExitCodesAndMessages(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "version", args: []string{"version"}, wantCode: 0, wantStdout: "sheetops "},
		{name: "help lists the commands", args: []string{"help"}, wantCode: 0, wantStdout: "export"},
		{name: "bad config", args: []string{"run", "--config", "/nonexistent.yaml"}, wantCode: 2, wantStderr: "--config /nonexistent.yaml"},
		{name: "export without -o", args: []string{"export"}, wantCode: 2, wantStderr: "-o: name the .xlsx or .csv file"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"apiserver", "--nope"}, wantCode: 2, wantStderr: "flag provided but not defined: -nope"},
		{name: "bad address", args: []string{"apiserver", "--addr", "localhost"}, wantCode: 2, wantStderr: `--addr "localhost"`},
		{name: "bad port", args: []string{"apiserver", "--addr", "127.0.0.1:99999"}, wantCode: 2, wantStderr: "port must be a number"},
		{name: "stray argument", args: []string{"version", "extra"}, wantCode: 2, wantStderr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if tt.wantCode == 2 && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("a usage error is one line, got %q", stderr.String())
			}
		})
	}
}

// TestJSONLogsFailureIsARecord: with log.format json, a failure after the config is read
// is one JSON log record on stderr, not a plain line, and keeps its exit code.
func TestJSONLogsFailureIsARecord(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sheetops.yaml")
	config := "log:\n  format: json\nserver:\n  addr: 127.0.0.1:99999\nstateDir: " + filepath.Join(dir, "state") +
		"\nsheet:\n  xlsx:\n    path: " + filepath.Join(dir, "book.xlsx") + "\n"
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"run", "--config", cfg}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code = %d, want 2 (stderr %q)", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()+stdout.String()), "\n")
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
		t.Fatalf("last line is not JSON: %q", lines[len(lines)-1])
	}
	if rec["level"] != "ERROR" || !strings.Contains(fmt.Sprint(rec["err"]), "server.addr 127.0.0.1:99999") {
		t.Fatalf("record = %v, want an ERROR naming server.addr", rec)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("a plain line in JSON mode: %q", l)
		}
	}
}
