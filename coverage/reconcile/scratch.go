package reconcile

import "github.com/cilegon/jamsostek/coverage"

// scratch is the working memory of one person's pass (Engine.Add): its
// memberships, their contributions and their month models. It is reset and
// reused by the next person, so that a pass allocates per person only what
// it keeps (findings and new cells), not its whole model again: at a million
// people, the garbage of the models was most of the pass's allocations and
// its GC.
//
// Nothing carved from it may outlive Add: findings own their strings and
// periods (Engine.own), cells their keys (cellIndex).
type scratch struct {
	members  []member
	ptrs     []*member
	byKPJ    map[string]*member // small, or a map of its own for a big person
	small    map[string]*member
	cslab    []*coverage.Contribution
	mslab    []month
	pslab    []*month
	cellSlab []*Measures      // personPass.cells: a membership's stock cells by month
	expSlab  []*ExperienceRow // personPass.cells: a membership's experience rows by month
	apbd     []*member        // personPass.apbd
	pass     personPass       // the person's pass
}

// bigPerson is the membership count past which a person gets a map of its own:
// clearing a map costs its capacity, so one person with thousands of
// memberships must not make every later clear slow.
const bigPerson = 64

// reset makes room for a person with n memberships and forgets the previous
// person.
func (s *scratch) reset(n int) {
	if cap(s.members) < n {
		s.members = make([]member, n)
		s.ptrs = make([]*member, n)
	}
	s.members, s.ptrs = s.members[:n], s.ptrs[:n]
	switch {
	case n > bigPerson:
		s.byKPJ = make(map[string]*member, n)
	case s.small == nil:
		s.small = make(map[string]*member, bigPerson)
		s.byKPJ = s.small
	default:
		clear(s.small)
		s.byKPJ = s.small
	}
	// The slabs start over; carving zeroes nothing: every caller writes
	// what it takes before reading it.
	s.cslab, s.mslab, s.pslab, s.cellSlab, s.expSlab = s.cslab[:0], s.mslab[:0], s.pslab[:0], s.cellSlab[:0], s.expSlab[:0]
}

// carve returns a slice of length 0 and capacity n from the end of *slab,
// growing it (a new slab: the old one stays with the slices carved from it)
// when it is too short. The capacity is exact, so an append past it copies
// rather than writing over the next slice carved.
func carve[T any](slab *[]T, n int) []T {
	if cap(*slab)-len(*slab) < n {
		*slab = make([]T, 0, max(2*cap(*slab), n, 256))
	}
	lo := len(*slab)
	*slab = (*slab)[:lo+n]
	return (*slab)[lo : lo : lo+n]
}

func (s *scratch) contribs(n int) []*coverage.Contribution { return carve(&s.cslab, n) }
func (s *scratch) months(n int) []month                    { return carve(&s.mslab, n) }
func (s *scratch) monthPtrs(n int) []*month                { return carve(&s.pslab, n) }
