package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Jakarta is Western Indonesian Time (WIB, UTC+7, no daylight saving).
var Jakarta = mustLocation("Asia/Jakarta")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// WIB has been UTC+7 without DST since 1964.
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}

// Scheduler runs a job on a cron schedule in Jakarta time. Runs never overlap;
// a panic in a job is recovered and logged. Start it with Run; Run returns after
// ctx ends and the running job, if any, has stopped.
type Scheduler struct {
	spec   string
	job    func(ctx context.Context)
	logger *slog.Logger
	sched  cron.Schedule
}

// NewScheduler checks the spec (standard 5-field cron, or descriptors such as
// @hourly and @every 15m).
func NewScheduler(spec string, job func(ctx context.Context), logger *slog.Logger) (*Scheduler, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return &Scheduler{spec: spec, job: job, logger: logger, sched: sched}, nil
}

// Next returns the next run time after t.
func (s *Scheduler) Next(t time.Time) time.Time { return s.sched.Next(t.In(Jakarta)) }

// Run schedules the job until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	logger := cronLogger{s.logger}
	// Recover is innermost: in cron v3.0.1 a panic passing through
	// SkipIfStillRunning would otherwise leave its running flag set for good.
	c := cron.New(cron.WithLocation(Jakarta), cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)))
	c.Schedule(s.sched, cron.FuncJob(func() {
		wg.Add(1)
		defer wg.Done()
		if jobCtx.Err() != nil {
			return
		}
		s.job(jobCtx)
	}))
	c.Start()
	s.logger.Info("scheduler started", "schedule", s.spec, "next", s.Next(time.Now()).Format(time.RFC3339))
	<-ctx.Done()
	stopped := c.Stop()
	cancel()
	<-stopped.Done()
	wg.Wait()
}

// cronLogger adapts slog to cron.Logger: cron's chatter at debug level, its
// errors (recovered panics) at error level.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug(msg, append(kv, "component", "cron")...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "component", "cron", "error", err)...)
}
