package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// colLeases holds one document per job (a feed's sync, the reconciliation):
// who holds it, until when, its fencing generation, and the last scheduled
// tick it ran for.
const colLeases = "leases"

// Lease is a job held by one process. Generation grows by one at every
// acquisition: it is the fencing token every write under the lease carries,
// and a write with an older generation than the newest is refused.
type Lease struct {
	Job        string
	Owner      string
	Generation int64
	ExpiresAt  time.Time
	RunID      string    // the run the lease was taken for
	Tick       time.Time // the scheduled time this holder runs for; zero for a manual run
	CancelRun  string    // a run id whose cancellation was asked for (cancelSync)
	AcquiredAt time.Time // when the holder took it
}

// LeaseRequest asks for a job's lease.
type LeaseRequest struct {
	Job   string
	Owner string
	RunID string
	TTL   time.Duration
	// Tick, when set, is the scheduled time of the run: the lease is granted only
	// if no process has run the job for this tick or a later one, so each tick
	// runs once however many replicas fire it.
	Tick time.Time
	Now  time.Time // the holder's clock; default time.Now
}

// Errors of the lease life cycle. Both are ECONFLICT errors: errors.Is matches
// them through the message wrapper.
var (
	ErrLeaseHeld = errors.New("lease held by another process")
	ErrLeaseLost = errors.New("lease lost to another process")
)

// LeaseHeldError names the holder of a lease that was refused because it is
// held (errors.As through the ECONFLICT error); errors.Is(err, ErrLeaseHeld)
// matches it.
type LeaseHeldError struct{ Holder Lease }

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("%s held by %s since %s", e.Holder.Job, e.Holder.Owner, e.Holder.AcquiredAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLeaseHeld) true.
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }

type leaseDoc struct {
	ID         string    `bson:"_id"`
	Owner      string    `bson:"owner"`
	Generation int64     `bson:"generation"`
	ExpiresAt  time.Time `bson:"expires_at"`
	AcquiredAt time.Time `bson:"acquired_at"`
	RunID      string    `bson:"run_id"`
	Tick       time.Time `bson:"tick"`      // the tick of the current or last holder
	LastTick   time.Time `bson:"last_tick"` // the newest scheduled tick claimed
	CancelRun  string    `bson:"cancel_run"`
}

func (d leaseDoc) lease() Lease {
	return Lease{Job: d.ID, Owner: d.Owner, Generation: d.Generation, ExpiresAt: d.ExpiresAt, RunID: d.RunID, Tick: d.Tick, CancelRun: d.CancelRun, AcquiredAt: d.AcquiredAt}
}

// colLeaseClaims holds insert-only claims: "job#generation" for each
// acquisition and "job@tick" for each scheduled tick. A unique _id is the one
// write every engine makes atomic (the embedded FerretDB runs a conditional
// update as a read then a write), so two processes can never both win the same
// generation or the same tick.
const colLeaseClaims = "lease_claims"

type leaseClaimDoc struct {
	ID    string    `bson:"_id"`
	Job   string    `bson:"job"`
	Owner string    `bson:"owner"`
	RunID string    `bson:"run_id"`
	At    time.Time `bson:"at"`
	Tick  time.Time `bson:"tick"` // tick claims only
}

// TickClaimsKept is how long the claim of a scheduled tick is kept.
const TickClaimsKept = 7 * 24 * time.Hour

func generationClaim(job string, gen int64) string { return fmt.Sprintf("%s#%d", job, gen) }

func tickClaim(job string, tick time.Time) string {
	return job + "@" + tick.UTC().Format(time.RFC3339Nano)
}

// AcquireLease takes a job's lease when it is free (never taken, released, or
// expired) and, for a scheduled run, when its tick has not run yet. It returns
// ErrLeaseHeld (wrapped in an ECONFLICT error) otherwise. Exclusivity comes
// from inserting the claim of the next generation (and of the tick): only one
// process can insert it. The run a dead holder left RUNNING is marked FAILED
// as abandoned.
func (s *Store) AcquireLease(ctx context.Context, r LeaseRequest) (Lease, error) {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	if r.TTL <= 0 {
		return Lease{}, fmt.Errorf("acquire lease %s: TTL must be positive", r.Job)
	}
	held := func(format string, args ...any) error {
		return &coverage.Error{Code: coverage.ECONFLICT, Message: fmt.Sprintf(format, args...), Err: ErrLeaseHeld}
	}
	var prev leaseDoc
	err := s.db.Collection(colLeases).FindOne(ctx, bson.D{{Key: "_id", Value: r.Job}}).Decode(&prev)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return Lease{}, fmt.Errorf("acquire lease %s: %w", r.Job, err)
	}
	if prev.ExpiresAt.After(now) {
		return Lease{}, &coverage.Error{Code: coverage.ECONFLICT, Err: &LeaseHeldError{Holder: prev.lease()},
			Message: fmt.Sprintf("%s is running in %s (run %s, since %s) until at least %s", r.Job, prev.Owner, prev.RunID,
				prev.AcquiredAt.UTC().Format(time.RFC3339), prev.ExpiresAt.Format(time.RFC3339))}
	}
	tick := r.Tick.UTC()
	if !tick.IsZero() && !prev.LastTick.Before(tick) {
		return Lease{}, held("%s already ran for %s", r.Job, tick.Format(time.RFC3339))
	}
	claims := s.db.Collection(colLeaseClaims)
	gen := prev.Generation + 1
	for {
		_, err = claims.InsertOne(ctx, leaseClaimDoc{ID: generationClaim(r.Job, gen), Job: r.Job, Owner: r.Owner, RunID: r.RunID, At: now})
		if err == nil {
			break
		}
		if !mongo.IsDuplicateKeyError(err) {
			return Lease{}, fmt.Errorf("acquire lease %s: %w", r.Job, err)
		}
		// Someone claimed this generation. If that was more than a TTL ago
		// and the lease document still shows it free, the claimant died
		// between its claim and its write: step over its generation.
		var c leaseClaimDoc
		if err := claims.FindOne(ctx, bson.D{{Key: "_id", Value: generationClaim(r.Job, gen)}}).Decode(&c); err != nil || !c.At.Add(r.TTL).Before(now) || gen > prev.Generation+10 {
			return Lease{}, held("%s was just taken by another process", r.Job)
		}
		gen++
	}
	// The generation is ours: the previous holder is fenced out (its next
	// renewal sees the claim). Its run is marked abandoned now, before the
	// lease document stops naming it: a process killed between the two
	// writes would otherwise leave that run RUNNING for good.
	s.abandon(ctx, r.Job, prev, r.RunID, now)
	lease := Lease{Job: r.Job, Owner: r.Owner, Generation: gen, ExpiresAt: now.Add(r.TTL), RunID: r.RunID, Tick: tick, AcquiredAt: now}
	doc := leaseDoc{ID: r.Job, Owner: r.Owner, Generation: gen, ExpiresAt: lease.ExpiresAt, AcquiredAt: now, RunID: r.RunID, Tick: tick, LastTick: prev.LastTick}
	if !tick.IsZero() {
		doc.LastTick = tick
		_, err = claims.InsertOne(ctx, leaseClaimDoc{ID: tickClaim(r.Job, tick), Job: r.Job, Owner: r.Owner, RunID: r.RunID, At: now, Tick: tick})
		if err != nil {
			// Another process ran this tick: hand the generation back, free.
			doc.ExpiresAt, doc.RunID, doc.LastTick = time.Unix(0, 0).UTC(), "", prev.LastTick
			if werr := s.writeLease(ctx, doc); werr != nil {
				return Lease{}, werr
			}
			if mongo.IsDuplicateKeyError(err) {
				return Lease{}, held("%s already ran for %s", r.Job, tick.Format(time.RFC3339))
			}
			return Lease{}, fmt.Errorf("acquire lease %s: %w", r.Job, err)
		}
	}
	if err := s.writeLease(ctx, doc); err != nil {
		return Lease{}, err
	}
	// Only the newest generation's successor matters: older claims can go.
	s.held.Store(r.Job, gen)
	_, _ = claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: generationClaim(r.Job, gen-1)}})
	if !tick.IsZero() {
		// A tick older than the lease's last tick is refused by that alone;
		// its claim only guards the race of the moment. Keep a week of them
		// (for inspection) so the collection does not grow with the years.
		_, _ = claims.DeleteMany(ctx, bson.D{{Key: "job", Value: r.Job}, {Key: "tick", Value: bson.D{
			{Key: "$gt", Value: time.Unix(0, 0).UTC()}, {Key: "$lt", Value: tick.Add(-TickClaimsKept)}}}})
	}
	return lease, nil
}

func (s *Store) writeLease(ctx context.Context, d leaseDoc) error {
	_, err := s.db.Collection(colLeases).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("write lease %s: %w", d.ID, err)
	}
	return nil
}

// superseded reports whether a newer generation than l's has been claimed.
func (s *Store) superseded(ctx context.Context, job string, gen int64) (bool, error) {
	err := s.db.Collection(colLeaseClaims).FindOne(ctx, bson.D{{Key: "_id", Value: generationClaim(job, gen+1)}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read lease claims of %s: %w", job, err)
	}
	return true, nil
}

func lostLease(job string, gen int64) error {
	return &coverage.Error{Code: coverage.ECONFLICT, Err: ErrLeaseLost,
		Message: fmt.Sprintf("%s: lease generation %d was taken over by another process", job, gen)}
}

// abandon marks FAILED the runs of a job the new holder (generation claimed,
// run newRun) takes over: the previous holder's run when its lease expired
// with the run RUNNING (it died or lost the database), and any other run of
// the job's feed still RUNNING, which only a process killed between its
// claim and its lease write can leave (the job is the feed for syncs; other
// jobs have no sync runs and match nothing). One holder at a time writes a
// feed, so no live run is touched: a slow holder is fenced out already.
func (s *Store) abandon(ctx context.Context, job string, prev leaseDoc, newRun string, now time.Time) {
	mark := func(filter bson.D, reason string) {
		filter = append(filter, bson.E{Key: "status", Value: string(coverage.RunRunning)})
		if _, err := s.db.Collection(colSyncRuns).UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(coverage.RunFailed)}, {Key: "finished_at", Value: now}, {Key: "error", Value: reason},
		}}}); err != nil {
			s.log.Warn("mark abandoned runs", "job", job, "error", err)
		}
	}
	if prev.RunID != "" && prev.RunID != newRun && !prev.ExpiresAt.IsZero() && !prev.ExpiresAt.Equal(time.Unix(0, 0).UTC()) {
		mark(bson.D{{Key: "_id", Value: prev.RunID}},
			fmt.Sprintf("abandoned: %s stopped renewing its lease, which expired at %s", prev.Owner, prev.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	mark(bson.D{{Key: "feed", Value: job}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: newRun}}}},
		fmt.Sprintf("abandoned: left running by a process that no longer holds the lease of %s (taken at %s)", job, now.Format(time.RFC3339)))
}

// RenewLease extends a held lease and returns it with any cancellation asked
// for. It fails with ErrLeaseLost when another process has taken the job since
// (a newer generation is claimed): the holder must stop writing. A lease that
// expired but was not taken is still the holder's.
func (s *Store) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	if lost, err := s.superseded(ctx, l.Job, l.Generation); err != nil || lost {
		if err == nil {
			s.held.CompareAndDelete(l.Job, l.Generation)
			err = lostLease(l.Job, l.Generation)
		}
		return l, err
	}
	now := time.Now().UTC()
	var d leaseDoc
	err := s.db.Collection(colLeases).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: l.Job}, {Key: "generation", Value: l.Generation}, {Key: "owner", Value: l.Owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: now.Add(ttl)}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		s.held.CompareAndDelete(l.Job, l.Generation)
		return l, lostLease(l.Job, l.Generation)
	}
	if err != nil {
		return l, fmt.Errorf("renew lease %s: %w", l.Job, err)
	}
	return d.lease(), nil
}

// ReleaseLease frees a lease the holder still has, keeping the generation and
// the last tick. Releasing a lease taken over since does nothing.
func (s *Store) ReleaseLease(ctx context.Context, l Lease) error {
	s.held.CompareAndDelete(l.Job, l.Generation)
	_, err := s.db.Collection(colLeases).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: l.Job}, {Key: "generation", Value: l.Generation}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: time.Unix(0, 0).UTC()}, {Key: "run_id", Value: ""}, {Key: "cancel_run", Value: ""}}}})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", l.Job, err)
	}
	return nil
}

// HeldLeases returns the jobs whose lease this process holds (acquired
// through this Store, not released, not found lost), sorted; for the
// lease-holder metric.
func (s *Store) HeldLeases() []string {
	var jobs []string
	s.held.Range(func(k, _ any) bool {
		jobs = append(jobs, k.(string))
		return true
	})
	slices.Sort(jobs)
	return jobs
}

// LastTick returns the newest scheduled tick a job ran for, or the zero time.
func (s *Store) LastTick(ctx context.Context, job string) (time.Time, error) {
	var d leaseDoc
	err := s.db.Collection(colLeases).FindOne(ctx, bson.D{{Key: "_id", Value: job}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read lease %s: %w", job, err)
	}
	return d.LastTick, nil
}

// RequestCancel asks the process running a sync run to stop it: the holder
// sees the request at its next lease renewal (before the next page). It
// returns the run; ECONFLICT when the run has already ended.
func (s *Store) RequestCancel(ctx context.Context, runID string) (*coverage.SyncRun, error) {
	run, err := s.SyncRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if run.Status.Finished() {
		return run, coverage.Errorf(coverage.ECONFLICT, "sync run %s has already ended (%s)", runID, run.Status)
	}
	res, err := s.db.Collection(colLeases).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: string(run.Feed)}, {Key: "run_id", Value: runID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "cancel_run", Value: runID}}}})
	if err != nil {
		return nil, fmt.Errorf("request cancel of %s: %w", runID, err)
	}
	if res.MatchedCount == 0 {
		return run, coverage.Errorf(coverage.ECONFLICT, "sync run %s is not running under a lease (its process may have died; it is marked failed when the lease is next taken)", runID)
	}
	return run, nil
}
