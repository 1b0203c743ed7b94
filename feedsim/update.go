package feedsim

import (
	"slices"
	"sort"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// The update fault: records updated while a client pages through a feed. The
// updated record gets an updated_at one second after the newest of its feed, so
// it moves to the end of the stream, where a client that follows its cursors
// meets it again. Updates never touch the Dataset the server was built from:
// the current version of each updated record is kept in Server.updated, and
// Snapshot tells what the server serves now.

// recordRef names a record: its feed and natural key.
type recordRef struct {
	feed coverage.Feed
	key  string
}

// keyed is a pointer to a record type with a natural key.
type keyed[T any] interface {
	*T
	Key() string
}

// update changes one live record of feed, picked by the draw f, and moves it to
// the end of the feed's index. It reports whether a record was updated.
func (s *Server) update(feed coverage.Feed, f faultDraw) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.feeds[feed]
	n := s.liveCount(feed)
	if ix == nil || len(ix.entries) == 0 || n == 0 {
		return false
	}
	i := f.rng.IntN(n)
	at := time.Unix(0, ix.entries[len(ix.entries)-1].at).Add(time.Second).UTC()
	var (
		key string
		was time.Time // updated_at before the update
		b   []byte
		v   any
	)
	switch feed {
	case coverage.FeedParticipants:
		r := latest(s, feed, s.ds.Participants, i)
		key, was = r.Key(), r.UpdatedAt
		r.DeclaredIncome += 1000
		r.UpdatedAt = at
		b, v = appendParticipant(nil, &r), r
	case coverage.FeedContributions:
		r := latest(s, feed, s.ds.Contributions, i)
		key, was = r.Key(), r.UpdatedAt
		r.AmountDue += 1000
		r.UpdatedAt = at
		b, v = appendContribution(nil, &r), r
	case coverage.FeedClaims:
		r := latest(s, feed, s.ds.Claims, i)
		key, was = r.Key(), r.UpdatedAt
		r.AmountClaimed += 1000
		r.UpdatedAt = at
		b, v = appendClaim(nil, &r), r
	case coverage.FeedRoster:
		r := latest(s, feed, s.ds.Roster, i)
		key, was = r.Key(), r.UpdatedAt
		r.Agency += " (diperbarui)"
		r.UpdatedAt = at
		b, v = appendRosterEntry(nil, &r), r
	case coverage.FeedWorkforce:
		r := latest(s, feed, s.ds.Workforce, i)
		key, was = r.Key(), r.UpdatedAt
		r.Source += " (revisi)"
		r.UpdatedAt = at
		b, v = appendWorkforceTarget(nil, &r), r
	default:
		return false
	}
	if s.updated == nil {
		s.updated = map[recordRef]any{}
	}
	s.updated[recordRef{feed, key}] = v
	s.feeds[feed] = ix.moved(was.UnixNano(), key, entry{at: at.UnixNano(), key: key, json: b})
	return true
}

// liveCount returns the number of live records of a feed in the Dataset.
func (s *Server) liveCount(feed coverage.Feed) int {
	switch feed {
	case coverage.FeedParticipants:
		return len(s.ds.Participants)
	case coverage.FeedContributions:
		return len(s.ds.Contributions)
	case coverage.FeedClaims:
		return len(s.ds.Claims)
	case coverage.FeedRoster:
		return len(s.ds.Roster)
	case coverage.FeedWorkforce:
		return len(s.ds.Workforce)
	}
	return 0
}

// latest returns a copy of the current version of recs[i]: its last update, or
// the record itself. s.mu must be held.
func latest[T any, P keyed[T]](s *Server, feed coverage.Feed, recs []T, i int) T {
	r := recs[i]
	if u, ok := s.updated[recordRef{feed, P(&r).Key()}]; ok {
		return u.(T)
	}
	return r
}

// moved returns a new index: this one without the entry at (at, key), and e
// appended, which must sort after every entry. The index itself is not changed,
// so readers holding it are safe.
func (ix *index) moved(at int64, key string, e entry) *index {
	es := ix.entries
	i := sort.Search(len(es), func(i int) bool { return !es[i].before(at, key) })
	out := make([]entry, 0, len(es)+1)
	out = append(out, es[:i]...)
	if i < len(es) && es[i].at == at && es[i].key == key {
		i++
	}
	out = append(out, es[i:]...)
	return &index{entries: append(out, e)}
}

// Snapshot returns the data the server serves now: a copy of the Dataset it
// was built from with every record the update fault changed in its current
// version, in the Dataset's order. The Dataset itself is never changed.
func (s *Server) Snapshot() *Dataset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := *s.ds
	out.Participants = current(s, coverage.FeedParticipants, s.ds.Participants)
	out.Contributions = current(s, coverage.FeedContributions, s.ds.Contributions)
	out.Claims = current(s, coverage.FeedClaims, s.ds.Claims)
	out.Roster = current(s, coverage.FeedRoster, s.ds.Roster)
	out.Workforce = current(s, coverage.FeedWorkforce, s.ds.Workforce)
	out.Tombstones = slices.Clone(s.ds.Tombstones)
	out.Invalid = slices.Clone(s.ds.Invalid)
	out.Planted = slices.Clone(s.ds.Planted)
	return &out
}

// current returns a copy of recs with each updated record in its current
// version. s.mu must be held.
func current[T any, P keyed[T]](s *Server, feed coverage.Feed, recs []T) []T {
	out := slices.Clone(recs)
	if len(s.updated) == 0 {
		return out
	}
	for i := range out {
		if u, ok := s.updated[recordRef{feed, P(&out[i]).Key()}]; ok {
			out[i] = u.(T)
		}
	}
	return out
}
