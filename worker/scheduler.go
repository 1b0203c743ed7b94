package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
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

// ParseSchedule reads a cron spec: five standard fields, or a descriptor such
// as @daily, @hourly or @every 15m, in Asia/Jakarta time. "@every d" fires at
// the multiples of d (since the zero time), not d after the process started,
// so every replica agrees on its ticks.
func ParseSchedule(spec string) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
		return alignedEvery{s.Delay}, nil
	case *cron.SpecSchedule:
		s.Location = Jakarta
	}
	return sched, nil
}

// alignedEvery fires at the multiples of d.
type alignedEvery struct{ d time.Duration }

func (a alignedEvery) Next(t time.Time) time.Time { return t.Truncate(a.d).Add(a.d) }

// LatestTick returns the newest scheduled time at or before now, or the zero
// time when the schedule did not fire in the last five years.
func LatestTick(sched cron.Schedule, now time.Time) time.Time {
	if a, ok := sched.(alignedEvery); ok {
		return now.Truncate(a.d)
	}
	for _, window := range []time.Duration{time.Hour, 25 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 5 * 366 * 24 * time.Hour} {
		t := sched.Next(now.Add(-window))
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := sched.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return time.Time{}
}

// Job is one feed's scheduled sync.
type Job struct {
	Feed     coverage.Feed
	Schedule string // cron spec
	Syncer   *Syncer
	Disabled bool // configured off: neither scheduled nor triggered
}

// ManagerStore is what the manager needs of the database beyond the syncs'.
type ManagerStore interface {
	LastTick(ctx context.Context, job string) (time.Time, error)
	RequestCancel(ctx context.Context, runID string) (*coverage.SyncRun, error)
	SyncRun(ctx context.Context, id string) (*coverage.SyncRun, error)
	SyncRuns(ctx context.Context, feed coverage.Feed, first int) ([]coverage.SyncRun, error)
}

var _ ManagerStore = (*store.Store)(nil)

// Manager runs each feed's sync on its own schedule, in Asia/Jakarta time,
// with cron v3 (SkipIfStillRunning, then Recover innermost). Every run takes
// the feed's lease, so with several replicas each tick runs in one of them;
// a tick missed while no replica ran is run once at start. It also starts runs
// on request (Trigger) and stops them (Cancel), here or in another replica.
type Manager struct {
	Jobs   []Job
	Store  ManagerStore
	Logger *slog.Logger
	// AfterRun, when set, is called after every run this process made, with
	// its final state (also after a failure or a cancellation).
	AfterRun func(ctx context.Context, run coverage.SyncRun)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// StopGrace is how long, once Run's context ends, the runs in progress
	// may go on to their end before they are stopped (ErrShutdown); no new
	// run starts meanwhile. Zero stops them at once. A run stopped keeps its
	// checkpoint: the next run goes on from there.
	StopGrace time.Duration

	mu       sync.Mutex
	base     context.Context              // the runs' context: ends StopGrace after Run's
	stopping bool                         // Run's context has ended
	active   map[coverage.Feed]*activeRun // runs of this process
	wg       sync.WaitGroup
}

type activeRun struct {
	id     string
	cancel context.CancelCauseFunc
}

// Run schedules the enabled jobs, catches up missed ticks, and returns after
// ctx ends and every run of this process has stopped.
func (m *Manager) Run(ctx context.Context) error {
	logger := m.logger()
	var plan []scheduledJob
	for _, j := range m.Jobs {
		if j.Disabled {
			logger.Info("feed disabled in the configuration", "feed", j.Feed)
			continue
		}
		sched, err := ParseSchedule(j.Schedule)
		if err != nil {
			return fmt.Errorf("feed %s: %w", j.Feed, err)
		}
		plan = append(plan, scheduledJob{j, sched})
	}
	runCtx, stopRuns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopRuns(ErrShutdown)
	m.mu.Lock()
	m.base, m.stopping = runCtx, false
	m.mu.Unlock()

	cl := cronLogger{logger}
	// Recover is innermost: in cron v3.0.1 a panic passing through
	// SkipIfStillRunning would otherwise leave its running flag set for good.
	c := cron.New(cron.WithLocation(Jakarta), cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	for _, p := range plan {
		p := p
		c.Schedule(p.sched, cron.FuncJob(func() {
			if ctx.Err() != nil {
				return
			}
			m.runJob(runCtx, p.job, RunRequest{Feed: p.job.Feed, Trigger: "schedule", Tick: LatestTick(p.sched, m.now())})
		}))
	}
	c.Start()
	for _, p := range plan {
		logger.Info("feed scheduled", "feed", p.job.Feed, "schedule", p.job.Schedule, "next", p.sched.Next(m.now().In(Jakarta)).Format(time.RFC3339))
	}
	m.catchUp(ctx, runCtx, plan)
	<-ctx.Done()
	m.mu.Lock()
	m.stopping = true
	m.mu.Unlock()
	stopped := c.Stop() // no new scheduled run
	done := make(chan struct{})
	go func() { <-stopped.Done(); m.wg.Wait(); close(done) }()
	if running := m.Running(); len(running) > 0 && m.StopGrace > 0 {
		logger.Info("stopping: letting the runs in progress end", "runs", running, "grace", m.StopGrace)
		select {
		case <-done:
		case <-time.After(m.StopGrace):
			logger.Warn("stopping: runs still in progress after the grace period are stopped", "runs", m.Running())
		}
	}
	stopRuns(ErrShutdown)
	<-done
	return nil
}

// ErrShutdown is the cause of a run stopped because its process is stopping.
var ErrShutdown = errors.New("the worker is shutting down")

type scheduledJob struct {
	job   Job
	sched cron.Schedule
}

// catchUp runs, once, each job whose latest tick has not run: the process (or
// every replica) was down when it fell. The tick condition of the lease makes
// it run in one replica only. A job whose tick ran but whose latest run did
// not succeed is resumed (trigger "resume").
func (m *Manager) catchUp(ctx, runCtx context.Context, jobs []scheduledJob) {
	for _, sj := range jobs {
		tick := LatestTick(sj.sched, m.now())
		if tick.IsZero() {
			continue
		}
		last, err := m.Store.LastTick(ctx, string(sj.job.Feed))
		if err != nil {
			m.logger().Error("read last scheduled run", "feed", sj.job.Feed, "error", err)
			continue
		}
		if !last.Before(tick) {
			// The tick ran; if the feed's latest run did not succeed (stopped
			// at shutdown, killed, failed), go on from its checkpoint now
			// rather than at the next tick.
			if r := m.unfinished(ctx, sj.job.Feed); r != nil {
				m.logger().Info("resuming after a run that did not succeed", "feed", sj.job.Feed, "run", r.ID, "status", r.Status, "error", r.Error)
				m.start(runCtx, sj.job, RunRequest{Feed: sj.job.Feed, Trigger: "resume"})
			}
			continue
		}
		m.logger().Info("catching up a missed scheduled run", "feed", sj.job.Feed, "tick", tick.In(Jakarta).Format(time.RFC3339), "last", last)
		m.start(runCtx, sj.job, RunRequest{Feed: sj.job.Feed, Trigger: "catch-up", Tick: tick})
	}
}

// start runs a job in the background; Run waits for it before returning.
func (m *Manager) start(ctx context.Context, j Job, req RunRequest) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		_, _ = m.runJob(ctx, j, req)
	}()
}

// unfinished returns the feed's latest run when it did not succeed: ended
// FAILED or CANCELLED, or left RUNNING (by a dead process, or one running it
// now: then the lease makes the resume a no-op).
func (m *Manager) unfinished(ctx context.Context, feed coverage.Feed) *coverage.SyncRun {
	runs, err := m.Store.SyncRuns(ctx, feed, 1)
	if err != nil {
		m.logger().Error("read the latest sync run", "feed", feed, "error", err)
		return nil
	}
	if len(runs) == 0 || runs[0].Status == coverage.RunSucceeded {
		return nil
	}
	return &runs[0]
}

// runJob runs one feed in this process unless it already runs here; the
// lease decides between processes.
func (m *Manager) runJob(ctx context.Context, j Job, req RunRequest) (run coverage.SyncRun, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if req.ID == "" {
		req.ID = newRunID(j.Feed)
	}
	base := m.logger().With("feed", j.Feed)
	logger := base.With("run", req.ID) // a run that took place: its lines name it
	m.mu.Lock()
	if m.active == nil {
		m.active = map[coverage.Feed]*activeRun{}
	}
	if a := m.active[j.Feed]; a != nil {
		m.mu.Unlock()
		return run, coverage.Errorf(coverage.ECONFLICT, "%s is already syncing in this process (run %s)", j.Feed, a.id)
	}
	m.active[j.Feed] = &activeRun{id: req.ID, cancel: cancel}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.active, j.Feed)
		m.mu.Unlock()
	}()
	defer func() {
		// Syncer.Run records its own panics on the run; this catches the rest
		// (AfterRun, say), so the schedule goes on.
		if p := recover(); p != nil {
			err = fmt.Errorf("sync %s: panic: %v", j.Feed, p)
			logger.Error("sync job panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	run, err = j.Syncer.Run(ctx, req)
	if err != nil {
		if run.Generation == 0 { // no lease: another process has it, nothing ran
			if errors.Is(err, store.ErrLeaseHeld) { // no run: no run id
				base.Info("sync skipped", "trigger", req.Trigger, "reason", err)
			} else { // the database did not answer, say
				base.Error("sync failed: could not take the feed's lease", "trigger", req.Trigger, "error", err)
			}
			return run, err
		}
		// A run that reached its end was logged by Syncer.Run ("sync run
		// finished", at error level when it failed): once is enough.
		switch {
		case !run.FinishedAt.IsZero():
		case errors.Is(err, ErrCancelled) || errors.Is(err, ErrShutdown):
			logger.Warn("sync cancelled", "trigger", req.Trigger)
		default:
			logger.Error("sync failed", "trigger", req.Trigger, "error", err)
		}
	}
	if m.AfterRun != nil {
		m.AfterRun(context.WithoutCancel(ctx), run)
	}
	return run, err
}

// Trigger starts a run of a feed now and returns it once it holds the lease
// and is saved; the run goes on in the background. ECONFLICT when the feed is
// already syncing (here or in another replica), EINVALID for an unknown or
// disabled feed, EUNAVAILABLE before Run has started.
func (m *Manager) Trigger(ctx context.Context, feed coverage.Feed, trigger string) (coverage.SyncRun, error) {
	j, err := m.job(feed)
	if err != nil {
		return coverage.SyncRun{}, err
	}
	m.mu.Lock()
	base := m.base
	if base == nil || m.stopping || base.Err() != nil {
		m.mu.Unlock()
		return coverage.SyncRun{}, coverage.Errorf(coverage.EUNAVAILABLE, "the sync worker is not running in this process")
	}
	m.wg.Add(1) // under mu: Run waits for wg only once stopping is set
	m.mu.Unlock()
	type result struct {
		run coverage.SyncRun
		err error
	}
	started := make(chan result, 1)
	var once sync.Once
	report := func(r result) { once.Do(func() { started <- r }) }
	go func() {
		defer m.wg.Done()
		run, err := m.runJob(base, j, RunRequest{Feed: feed, Trigger: trigger, Started: func(r coverage.SyncRun) { report(result{r, nil}) }})
		report(result{run, err}) // when it failed before starting
	}()
	select {
	case r := <-started:
		return r.run, r.err
	case <-ctx.Done():
		return coverage.SyncRun{}, ctx.Err()
	}
}

// Cancel stops a running sync run: at once when it runs in this process,
// else at its holder's next lease renewal. It returns the run as it was.
func (m *Manager) Cancel(ctx context.Context, runID string) (*coverage.SyncRun, error) {
	run, err := m.Store.RequestCancel(ctx, runID)
	if err != nil && run == nil {
		return nil, err
	}
	m.mu.Lock()
	a := m.active[run.Feed]
	m.mu.Unlock()
	if a != nil && a.id == runID {
		a.cancel(ErrCancelled)
		return run, nil
	}
	return run, err
}

// Running returns the ids of the runs of this process, by feed.
func (m *Manager) Running() map[coverage.Feed]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[coverage.Feed]string, len(m.active))
	for f, a := range m.active {
		out[f] = a.id
	}
	return out
}

func (m *Manager) job(feed coverage.Feed) (Job, error) {
	for _, j := range m.Jobs {
		if j.Feed == feed {
			if j.Disabled {
				return j, coverage.Errorf(coverage.EINVALID, "feed %s is disabled in the feeds configuration", feed)
			}
			return j, nil
		}
	}
	return Job{}, coverage.Errorf(coverage.EINVALID, "feed %s is not configured", feed)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.Default()
	}
	return m.Logger
}

// cronLogger adapts slog to cron.Logger: cron's chatter at debug level, its
// errors (recovered panics) at error level.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug(msg, append(kv, "component", "cron")...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "component", "cron", "error", err)...)
}
