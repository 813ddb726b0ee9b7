package controllers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		field string
	}{
		{"zero", Options{}, ""},
		{"defaults", DefaultOptions(), ""},
		{"bad node name", Options{NodeName: "Bad_Node"}, "NodeName"},
		{"negative start delay", Options{StartDelay: -time.Second}, "StartDelay"},
		{"negative termination delay", Options{TerminationDelay: -1}, "TerminationDelay"},
		{"negative workers", Options{Workers: -1}, "Workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Field != tt.field || !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("Validate = %v, want an OptionError for %s", err, tt.field)
			}
		})
	}
}

func TestRunInvalidOptions(t *testing.T) {
	err := Run(context.Background(), &rest.Config{Host: "https://127.0.0.1:1"}, Options{Workers: -2})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "Workers" {
		t.Fatalf("Run = %v, want an OptionError for Workers", err)
	}
}

// TestRunStopsWhenContextEnds runs against an address nothing listens on: the informers and
// the node registration keep retrying, and Run still returns as soon as its context ends.
func TestRunStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, &rest.Config{Host: "https://127.0.0.1:1"}, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
