package feedsim

import (
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// The simulator's own reading of the rules it plants errors against. It does
// not call coverage's tariff, NIK or lapse code (nor coverage/reconcile): the
// data the reconciliation is tested on must not share the code under test, or
// a misreading of a rule would hide in both. TestOwnRules pins these on
// hand-computed values; TestNoSharedRuleCode keeps the package off that code.

// bpuDue is the monthly BPU contribution of docs/domain.md ("BPU contributions",
// Permenaker 5/2021, in force for every simulated month): JKK 1% of the
// declared income, at least Rp10,000; JKM Rp6,800; JHT 2%, at least Rp20,000.
// Simulated BPU members have no other program.
func bpuDue(programs []coverage.Program, income int64) int64 {
	var sum int64
	for _, p := range programs {
		switch p {
		case coverage.ProgramJKK:
			sum += max(income/100, 10_000)
		case coverage.ProgramJKM:
			sum += 6_800
		case coverage.ProgramJHT:
			sum += max(income*2/100, 20_000)
		default:
			panic("feedsim: no BPU tariff for " + string(p))
		}
	}
	return sum
}

// makeNIK writes a NIK as docs/domain.md ("NIK") describes it: the 6-digit area
// (province, city, kecamatan) where the person was first registered, the birth
// date DDMMYY with 40 added to the day for a woman, and a 4-digit serial from
// 0001.
func makeNIK(kecamatan string, birth time.Time, female bool, serial int) string {
	if len(kecamatan) != 6 || serial < 1 || serial > 9999 {
		panic("feedsim: bad NIK parts " + kecamatan)
	}
	day := birth.Day()
	if female {
		day += 40
	}
	b := make([]byte, 0, 16)
	b = append(b, kecamatan...)
	b = append2(b, day)
	b = append2(b, int(birth.Month()))
	b = append2(b, birth.Year()%100)
	b = append2(b, serial/100)
	b = append2(b, serial%100)
	return string(b)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// monthState is a month of a membership billed per month, as docs/reconciliation.md
// ("The month of a membership") reads it.
type monthState uint8

const (
	statePaid      monthState = iota + 1 // paid in full: the payments add up to the highest amount due
	stateUnpaid                          // billed, not paid in full, overdue
	stateNotBilled                       // no record, overdue: treated as unpaid
	statePending                         // not paid in full, not yet overdue
)

// ledger is the month-by-month reading of one membership's records.
type ledger struct {
	first  mon // first billed month; 0 when never billed
	states []monthState
	// lapses are the [third unpaid month, next paid month) ranges; to is 0
	// while open.
	lapses [][2]mon
	// openRun is the run of unpaid months still open at the end (no paid
	// month after it), when it has 3 months or more.
	openRun []mon
}

func (l *ledger) state(m mon) monthState {
	if l.first == 0 || m < l.first || int(m-l.first) >= len(l.states) {
		return 0
	}
	return l.states[m-l.first]
}

// lapsed reports whether the membership is lapsed in month m.
func (l *ledger) lapsed(m mon) bool {
	for _, r := range l.lapses {
		if m >= r[0] && (r[1] == 0 || m < r[1]) {
			return true
		}
	}
	return false
}

// ledgerBufs are readLedger's scratch slices, reused member after member.
type ledgerBufs struct {
	due, paid []int64
	billed    []bool
	states    []monthState
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// readLedger reads the records of one membership (any order) from its first
// billed month to the as-of month lastMonth, within coverage [startMon,
// endMon] (endMon 0 when open). A month up to dueMonth is overdue.
func readLedger(recs []coverage.Contribution, startMon, endMon, lastMonth, dueMonth mon) ledger {
	return readLedgerInto(&ledgerBufs{}, recs, startMon, endMon, lastMonth, dueMonth)
}

// readLedgerInto is readLedger with scratch space: the ledger's states live in
// bufs until its next use.
func readLedgerInto(bufs *ledgerBufs, recs []coverage.Contribution, startMon, endMon, lastMonth, dueMonth mon) ledger {
	var l ledger
	for i := range recs {
		m := monOfPeriod(recs[i].Period)
		if l.first == 0 || m < l.first {
			l.first = m
		}
	}
	if l.first == 0 {
		return l
	}
	from, to := max(l.first, startMon), lastMonth
	if endMon != 0 {
		to = min(to, endMon)
	}
	if to < from {
		return l
	}
	l.first = from
	n := int(to-from) + 1
	bufs.due, bufs.paid, bufs.billed = grow(bufs.due, n), grow(bufs.paid, n), grow(bufs.billed, n)
	due, paid, billed := bufs.due, bufs.paid, bufs.billed
	for i := range recs {
		j := int(monOfPeriod(recs[i].Period) - from)
		if j < 0 || j >= n {
			continue
		}
		billed[j] = true
		due[j] = max(due[j], recs[i].AmountDue)
		paid[j] += recs[i].AmountPaid
	}
	bufs.states = grow(bufs.states, n)
	l.states = bufs.states
	var run []mon
	for j := range n {
		m := from + mon(j)
		switch {
		case billed[j] && paid[j] >= due[j]:
			l.states[j] = statePaid
		case m > dueMonth:
			l.states[j] = statePending
		case billed[j]:
			l.states[j] = stateUnpaid
		default:
			l.states[j] = stateNotBilled
		}
		switch l.states[j] {
		case statePaid:
			if len(l.lapses) > 0 && l.lapses[len(l.lapses)-1][1] == 0 {
				l.lapses[len(l.lapses)-1][1] = m
			}
			run = run[:0]
		case stateUnpaid, stateNotBilled:
			run = append(run, m)
			if len(run) == 3 {
				l.lapses = append(l.lapses, [2]mon{m, 0})
			}
		}
	}
	if len(run) >= 3 {
		l.openRun = run
	}
	return l
}
