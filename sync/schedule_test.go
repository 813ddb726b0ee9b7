package sync

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	clocktesting "k8s.io/utils/clock/testing"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// stepUntil steps the fake clock by d once the scheduler is waiting on it.
func stepUntil(t *testing.T, clk *clocktesting.FakeClock, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !clk.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler never waited on the clock")
		}
		time.Sleep(time.Millisecond)
	}
	clk.Step(d)
}

// waitIdle waits until no job of s is running.
func waitIdle(t *testing.T, s *Scheduler) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, j := range s.jobs {
		for j.running.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("job %s still running", j.name)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// runScheduler runs s until the test ends and returns a wait for its return.
func runScheduler(t *testing.T, s *Scheduler) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

func TestSchedulerRunsOnSchedule(t *testing.T) {
	tests := []struct {
		name  string
		spec  string
		start time.Time
		step  time.Duration
		// want are the clock times (UTC) of the first runs.
		want []time.Time
	}{
		{
			name: "every", spec: "@every 5m", start: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), step: 5 * time.Minute,
			want: []time.Time{time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC), time.Date(2026, 11, 22, 10, 10, 0, 0, time.UTC)},
		},
		{
			name: "five fields", spec: "30 * * * *", start: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), step: 30 * time.Minute,
			want: []time.Time{time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC), time.Date(2026, 11, 22, 11, 30, 0, 0, time.UTC)},
		},
		{
			// 09:00 in Berlin is 08:00 UTC in November (CET).
			name: "time zone", spec: "CRON_TZ=Europe/Berlin 0 9 * * *", start: time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC), step: time.Hour,
			want: []time.Time{time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(tt.start)
			s := NewScheduler(clk, quiet)
			ran := make(chan time.Time, 10)
			if err := s.Add("reconcile", "reconcile.schedule", tt.spec, func(ctx context.Context) error {
				ran <- clk.Now()
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			runScheduler(t, s)
			for _, want := range tt.want {
				for {
					stepUntil(t, clk, tt.step)
					if !clk.Now().Before(want) {
						break
					}
				}
				select {
				case got := <-ran:
					if !got.Equal(want) {
						t.Fatalf("ran at %s, want %s", got.UTC(), want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("no run at %s", want)
				}
				select {
				case extra := <-ran:
					t.Fatalf("an extra run at %s", extra.UTC())
				default:
				}
				waitIdle(t, s) // else the next due time would be skipped as an overlap
			}
		})
	}
}

func TestSchedulerSkipsARunWhileThePreviousIsGoing(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	s := NewScheduler(clk, quiet)
	var runs atomic.Int32
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	if err := s.Add("overlap-test", "reconcile.schedule", "@every 1m", func(ctx context.Context) error {
		runs.Add(1)
		started <- struct{}{}
		<-release
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	skipped := func() float64 { return testutil.ToFloat64(scheduledRuns.WithLabelValues("overlap-test", "skipped")) }
	ok := func() float64 { return testutil.ToFloat64(scheduledRuns.WithLabelValues("overlap-test", "ok")) }
	before, okBefore := skipped(), ok()
	stop := runScheduler(t, s)

	stepUntil(t, clk, time.Minute)
	<-started
	stepUntil(t, clk, time.Minute) // due while the first run is going
	stepUntil(t, clk, time.Minute) // and again
	stepUntil(t, clk, 0)           // the loop waits again: both due times were handled
	if got := skipped() - before; got != 2 {
		t.Fatalf("skipped %v runs, want 2", got)
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("%d runs started while one was going, want 1", n)
	}
	release <- struct{}{}
	waitIdle(t, s)
	// Once the run ends, the next due time runs again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		stepUntil(t, clk, time.Minute)
		select {
		case <-started:
		case <-time.After(10 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no run after the long one ended")
			}
			continue
		}
		break
	}
	// Stopping waits for the run in flight.
	stopped := make(chan struct{})
	go func() {
		stop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("Run returned while a job was still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if got := ok() - okBefore; got != 2 {
		t.Errorf("ok runs = %v, want 2", got)
	}
}

func TestSchedulerRejectsBadSpecsNamingTheSetting(t *testing.T) {
	s := NewScheduler(nil, quiet)
	err := s.Add("export", "export.schedule", "every day", func(context.Context) error { return nil })
	se, ok := err.(*SettingError)
	if !ok || se.Key != "export.schedule" {
		t.Fatalf("err = %v, want a SettingError for export.schedule", err)
	}
}
