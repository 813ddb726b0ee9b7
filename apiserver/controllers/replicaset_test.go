package controllers

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	now := time.Now()
	e := newExpectations(func() time.Time { return now })
	const rs = "default/web"
	if !e.satisfied(rs) {
		t.Fatal("no expectations: not satisfied")
	}
	e.expectCreations(rs, 2)
	if e.satisfied(rs) {
		t.Fatal("satisfied with 2 creations pending")
	}
	e.creationObserved(rs)
	e.creationObserved(rs)
	if !e.satisfied(rs) {
		t.Fatal("not satisfied after both creations were seen")
	}
	e.expectDeletions(rs, []string{"default/a", "default/b"})
	e.deletionObserved(rs, "default/a")
	e.deletionObserved(rs, "default/a") // counted once
	e.deletionObserved(rs, "default/c") // not expected
	if e.satisfied(rs) {
		t.Fatal("satisfied with default/b still expected to go")
	}
	now = now.Add(expectationsTimeout + time.Second)
	if !e.satisfied(rs) {
		t.Fatal("expectations did not expire")
	}
	e.forget(rs)
	if !e.satisfied(rs) {
		t.Fatal("forgotten key not satisfied")
	}
}

func TestSlowStartBatch(t *testing.T) {
	fail := errors.New("quota")
	tests := []struct {
		name          string
		count         int
		failFrom      int64 // calls from this one on fail (0: none fail)
		wantSuccesses int
		wantCalls     int64
	}{
		{"all succeed", 10, 0, 10, 10},
		{"first fails: no more batches", 10, 1, 0, 1},
		{"third fails: the batch of two stops it", 10, 3, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			n, err := slowStartBatch(tt.count, 1, func() error {
				if c := calls.Add(1); tt.failFrom > 0 && c >= tt.failFrom {
					return fail
				}
				return nil
			})
			if tt.failFrom > 0 && !errors.Is(err, fail) {
				t.Errorf("err = %v, want %v", err, fail)
			}
			if n != tt.wantSuccesses || calls.Load() != tt.wantCalls {
				t.Errorf("%d successes in %d calls, want %d in %d", n, calls.Load(), tt.wantSuccesses, tt.wantCalls)
			}
		})
	}
}
