package sync

import (
	"context"
	"log/slog"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"k8s.io/utils/clock"
)

// ParseSchedule parses a schedule in robfig/cron syntax: five fields ("0 * * * *"),
// descriptors ("@hourly", "@every 5m") and an optional time zone prefix
// ("CRON_TZ=Europe/Berlin 0 9 * * 1-5"; without one, the daemon's local time).
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}

// Scheduler runs jobs on cron schedules. A job never overlaps itself: when its next time
// comes while a run is still going, that time is skipped (logged and counted). The clock
// is injectable, so tests step through schedules without waiting.
type Scheduler struct {
	clock clock.Clock
	log   *slog.Logger
	jobs  []*job
}

type job struct {
	name    string
	spec    string
	sched   cron.Schedule
	run     func(ctx context.Context) error
	running atomic.Bool
}

// NewScheduler makes a scheduler; a nil clock is the real one.
func NewScheduler(clk clock.Clock, log *slog.Logger) *Scheduler {
	if clk == nil {
		clk = clock.RealClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{clock: clk, log: log.With("component", "schedule")}
}

// Add schedules fn under name ("reconcile", "export"); setting names the config key, for
// the error message of a bad spec.
func (s *Scheduler) Add(name, setting, spec string, fn func(ctx context.Context) error) error {
	sched, err := ParseSchedule(spec)
	if err != nil {
		return &SettingError{Key: setting, Value: spec, Fix: "is not a cron schedule (\"@every 5m\", \"0 * * * *\", \"CRON_TZ=Europe/Berlin 0 9 * * *\"): " + err.Error()}
	}
	s.jobs = append(s.jobs, &job{name: name, spec: spec, sched: sched, run: fn})
	return nil
}

// Run runs the jobs until ctx ends, then waits for the runs in flight (they get a context
// that is not cancelled, so a pass or an export is never cut in half).
func (s *Scheduler) Run(ctx context.Context) {
	var inflight, loops stdsync.WaitGroup
	for _, j := range s.jobs {
		loops.Add(1)
		go func() {
			defer loops.Done()
			s.loop(ctx, j, &inflight)
		}()
	}
	loops.Wait()
	inflight.Wait()
}

func (s *Scheduler) loop(ctx context.Context, j *job, inflight *stdsync.WaitGroup) {
	for {
		now := s.clock.Now()
		next := j.sched.Next(now)
		if next.IsZero() {
			s.log.Warn("schedule has no next time; the job will not run again", "job", j.name, "schedule", j.spec)
			return
		}
		t := s.clock.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		if !j.running.CompareAndSwap(false, true) {
			s.log.Warn("previous run still going; skipping this one", "job", j.name, "due", next.Format(time.RFC3339))
			scheduledRuns.WithLabelValues(j.name, "skipped").Inc()
			continue
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			defer j.running.Store(false)
			start := s.clock.Now()
			err := j.run(context.WithoutCancel(ctx))
			result := "ok"
			if err != nil {
				result = "error"
				s.log.Error("scheduled run failed", "job", j.name, "err", err)
			} else {
				s.log.Debug("scheduled run done", "job", j.name, "took", s.clock.Since(start).Round(time.Millisecond))
			}
			scheduledRuns.WithLabelValues(j.name, result).Inc()
		}()
	}
}
