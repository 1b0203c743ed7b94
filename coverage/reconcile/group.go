package reconcile

import (
	"fmt"
	"iter"

	"github.com/cilegon/jamsostek/coverage"
)

// Streams are the four record streams of a pass, each in ascending NIK order
// (ties in any order). A stream yields a non-nil error to stop the pass.
type Streams struct {
	Roster        iter.Seq2[coverage.RosterEntry, error]
	Participants  iter.Seq2[coverage.Participant, error]
	Contributions iter.Seq2[coverage.Contribution, error]
	Claims        iter.Seq2[coverage.Claim, error]
}

// cursor reads one stream ahead by one record.
type cursor[T any] struct {
	name string
	next func() (T, error, bool)
	stop func()
	cur  T
	nik  string
	ok   bool
	nikf func(*T) string
	err  error
}

func newCursor[T any](name string, s iter.Seq2[T, error], nikf func(*T) string) *cursor[T] {
	c := &cursor[T]{name: name, nikf: nikf}
	if s == nil {
		return c
	}
	c.next, c.stop = iter.Pull2(s)
	c.advance()
	return c
}

func (c *cursor[T]) advance() {
	if c.next == nil || c.err != nil {
		c.ok = false
		return
	}
	v, err, ok := c.next()
	if !ok {
		c.ok = false
		return
	}
	if err != nil {
		c.err, c.ok = err, false
		return
	}
	// The NIK is read from c.cur, not from &v: v's address passed to a
	// function value would move every record to the heap.
	c.cur = v
	nik := c.nikf(&c.cur)
	if c.ok && nik < c.nik {
		c.err, c.ok = fmt.Errorf("reconcile: the %s stream is not in NIK order", c.name), false
		return
	}
	c.nik, c.ok = nik, true
}

// take appends the records of nik to dst.
func (c *cursor[T]) take(nik string, dst []T) []T {
	for c.ok && c.nik == nik {
		dst = append(dst, c.cur)
		c.advance()
	}
	return dst
}

func (c *cursor[T]) close() {
	if c.stop != nil {
		c.stop()
	}
}

// Group merges the streams into people, in NIK order. Each Person is only
// valid until the next one is yielded.
func Group(s Streams) iter.Seq2[*Person, error] {
	return func(yield func(*Person, error) bool) {
		r := newCursor("roster", s.Roster, func(v *coverage.RosterEntry) string { return v.NIK })
		defer r.close()
		p := newCursor("participants", s.Participants, func(v *coverage.Participant) string { return v.NIK })
		defer p.close()
		c := newCursor("contributions", s.Contributions, func(v *coverage.Contribution) string { return v.NIK })
		defer c.close()
		k := newCursor("claims", s.Claims, func(v *coverage.Claim) string { return v.NIK })
		defer k.close()
		var person Person
		for {
			for _, err := range []error{r.err, p.err, c.err, k.err} {
				if err != nil {
					yield(nil, err)
					return
				}
			}
			nik, any := "", false
			for _, cand := range []struct {
				ok  bool
				nik string
			}{{r.ok, r.nik}, {p.ok, p.nik}, {c.ok, c.nik}, {k.ok, k.nik}} {
				if cand.ok && (!any || cand.nik < nik) {
					nik, any = cand.nik, true
				}
			}
			if !any {
				return
			}
			person = Person{NIK: nik,
				Roster:        r.take(nik, person.Roster[:0]),
				Participants:  p.take(nik, person.Participants[:0]),
				Contributions: c.take(nik, person.Contributions[:0]),
				Claims:        k.take(nik, person.Claims[:0]),
			}
			if r.err != nil || p.err != nil || c.err != nil || k.err != nil {
				continue // reported at the top
			}
			if !yield(&person, nil) {
				return
			}
		}
	}
}

// Run reconciles every person of the streams.
func Run(cfg Config, s Streams) (Result, error) {
	e, err := New(cfg)
	if err != nil {
		return Result{}, err
	}
	for p, err := range Group(s) {
		if err != nil {
			return Result{}, err
		}
		if err := e.Add(p); err != nil {
			return Result{}, err
		}
	}
	return e.Finish(), nil
}
