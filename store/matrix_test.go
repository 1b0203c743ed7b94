package store_test

// The filter matrix (issue 9): a small simulated city is written into a store
// with store.Apply, and every record list (participants, contributions,
// claims, roster, discrepancies, quarantine) is asked for under every filter
// field alone, with two or three values each taken from the data, and under
// pairwise and three-way combinations, in every order of the list (both
// directions), paged to the end. Each answer is compared record for record
// with the reference of reference_test.go, a plain filter and sort over the
// records the test wrote. Every page must carry the reference's TotalCount and
// cursors that match its records; the concatenated pages must be the
// reference's sequence exactly (no duplicate, no skip, content equal).
//
// Then pages are read while records are written between them (changed,
// moved across the cursor, deleted, inserted, joined members moved): the
// pages after the write must be exactly the records past the cursor in the
// new data, and every record not touched by the write must appear exactly
// once.
//
// The same matrix runs on every query path of queryPaths, each on a store
// of its own: the store with its in-memory index (the embedded engine's
// default, the whole matrix, about 10 s) and its MongoDB query path on the
// same engine (store.Config.NoRecordIndex: FerretDB scans, so a sample on a
// smaller city, about 25 s; skipped with -short; JAMSOSTEK_MATRIX_FULL=1
// runs it whole). With MONGODB_URI set, the store runs on MongoDB, where the
// query path is the only one, and runs the whole matrix.
//
// Run alone: go test ./store -run TestRecordFilterMatrix -v

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

const (
	matrixSeed = 9
	matrixPage = 7 // the page size of the matrix
)

// queryPath is one way the store answers the record lists, and how much of
// the matrix it runs.
type queryPath struct {
	name string
	open func(testing.TB) *store.Store
	// scale of the simulated city it runs on. At 0.01: 1,251 participants,
	// 6,672 contributions, 50 claims, 193 roster entries (with the
	// hand-made records, seed 9).
	scale float64
	// maxPages bounds the pages of one query: a list longer than
	// matrixPage*maxPages records is paged with the smallest page size that
	// reads it in maxPages pages (still to the end).
	maxPages int
	// budget is, per list, how many (filter, order) pairs run: one for each
	// order, then others drawn at random (deterministic); a list not in the
	// map runs all pairs.
	budget map[string]int
	// slow: every page reads whole collections (the query path on the
	// embedded engine); skipped with -short, and its writes-between-pages
	// checks read larger pages.
	slow bool
}

// queryPaths lists the paths the matrix runs on: the store as it opens by
// default (the in-memory index on the embedded engine), and its MongoDB query
// path on the same engine (store.Config.NoRecordIndex).
//
// The query path scans on FerretDB (about 200 µs a document a page: 1.4 s a
// contributions page at scale 0.01), so there it runs a sample of the matrix
// on a smaller city, and fewer writes between pages, in about 30 s; JAMSOSTEK_MATRIX_FULL=1 runs it all (an
// hour or more). With MONGODB_URI set, the store has no in-memory index: the
// default path is the MongoDB query path, with its indexes, and runs the
// whole matrix.
func queryPaths() []queryPath {
	paths := []queryPath{{name: "default", open: storetest.Open, scale: 0.01, maxPages: 25}}
	if os.Getenv("MONGODB_URI") != "" {
		return paths
	}
	scan := queryPath{name: "mongo-query", open: storetest.OpenWithoutIndex, scale: 0.003, maxPages: 2, slow: true,
		budget: map[string]int{"participants": 48, "contributions": 24, "claims": 180, "discrepancies": 72}}
	if os.Getenv("JAMSOSTEK_MATRIX_FULL") != "" {
		scan.scale, scan.maxPages, scan.budget = 0.01, 25, nil
	}
	return append(paths, scan)
}

func TestRecordFilterMatrix(t *testing.T) {
	cities := map[float64]*feedsim.Dataset{}
	for _, path := range queryPaths() {
		t.Run(path.name, func(t *testing.T) {
			if path.slow && testing.Short() {
				t.Skip("the query path on the embedded engine scans: skipped with -short")
			}
			ds := cities[path.scale]
			if ds == nil {
				var err error
				if ds, err = feedsim.Generate(feedsim.Config{Seed: matrixSeed, Scale: path.scale}); err != nil {
					t.Fatal(err)
				}
				cities[path.scale] = ds
			}
			ctx := context.Background()
			s := path.open(t)
			w := cityWorld(ds)
			start := time.Now()
			loadWorld(t, ctx, s, ds, w)
			t.Logf("scale %g: %d participants, %d contributions, %d claims, %d roster entries, %d discrepancies, %d quarantined, loaded in %s",
				path.scale, len(w.participants), len(w.contributions), len(w.claims), len(w.roster), len(w.discrepancies), len(w.quarantine),
				time.Since(start).Round(time.Millisecond))

			pk := pick(w)
			t.Run("matrix", func(t *testing.T) {
				runMatrix(t, s, w, path, participantList, participantCases(pk))
				runMatrix(t, s, w, path, contributionList, contributionCases(pk))
				runMatrix(t, s, w, path, claimList, claimCases(pk))
				runMatrix(t, s, w, path, rosterList, rosterCases(pk))
				runMatrix(t, s, w, path, discrepancyList, discrepancyCases(pk))
				runMatrix(t, s, w, path, quarantineList, quarantineCases())
			})
			t.Run("bad orders", func(t *testing.T) { checkBadOrders(t, s) })
			// Last: these write.
			t.Run("writes between pages", func(t *testing.T) {
				start := time.Now()
				runStability(t, s, w, pk, path.slow)
				t.Logf("in %s", time.Since(start).Round(time.Millisecond))
			})
		})
	}
}

// --- the data ---------------------------------------------------------------

// Members with no participant: their contributions and claims match no
// member filter (AreaCode, claims' PayerTypes).
const orphanKPJ = "99000000001"

// cityWorld is the reference's copy of the simulated city, with the records
// the test adds by hand: orphans, discrepancies (as SaveFindings leaves them
// after the passes of loadDiscrepancies) and quarantined records.
func cityWorld(ds *feedsim.Dataset) *world {
	w := &world{
		participants:  slices.Clone(ds.Participants),
		contributions: slices.Clone(ds.Contributions),
		claims:        slices.Clone(ds.Claims),
		roster:        slices.Clone(ds.Roster),
	}
	w.index()
	for i := range 2 {
		c := ds.Contributions[i*7]
		c.ID, c.KPJ = fmt.Sprintf("C%s2024%02d", orphanKPJ, i+1), orphanKPJ
		c.NIK = ds.Roster[0].NIK // on the roster: matches RosterCategories, never AreaCode
		w.contributions = append(w.contributions, c)
	}
	cl := ds.Claims[0]
	cl.ClaimNo, cl.KPJ = "K2024999999", orphanKPJ
	w.claims = append(w.claims, cl)

	w.discrepancies = discrepancyWorld(w)
	w.quarantine = quarantined()
	w.index()
	return w
}

// loadWorld writes the city as a fault-free sync would (storetest.Load:
// store.Apply in pages of 1,000), then the hand-made records.
func loadWorld(t *testing.T, ctx context.Context, s *store.Store, ds *feedsim.Dataset, w *world) {
	t.Helper()
	storetest.Load(t, s, ds)
	var extra []store.Record
	for i := range w.contributions {
		if c := w.contributions[i]; c.KPJ == orphanKPJ {
			extra = append(extra, store.Record{Key: c.ID, Value: &c})
		}
	}
	if _, err := s.Apply(ctx, coverage.FeedContributions, extra); err != nil {
		t.Fatal(err)
	}
	for i := range w.claims {
		if c := w.claims[i]; c.KPJ == orphanKPJ {
			if _, err := s.Apply(ctx, coverage.FeedClaims, []store.Record{{Key: c.ClaimNo, Value: &c}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	loadDiscrepancies(t, ctx, s, w)
	if err := s.AddQuarantined(ctx, w.quarantine); err != nil {
		t.Fatal(err)
	}
}

// Two reconciliation passes over hand-made findings, then officers' actions.
// 160 findings F0..F159: the first pass (t1) finds F0..F119, the second (t2)
// F40..F159 with F80..F119 changed. So F0..F39 are resolved automatically
// (first and last seen t1), F40..F119 open (t1, t2), F120..F159 new (t2, t2);
// then F40..F59 are acknowledged and F120..F129 resolved by an officer.
var (
	passOne = time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	passTwo = time.Date(2024, 8, 15, 6, 30, 0, 250_000_000, time.UTC)
)

const findingCount = 160

func findings(w *world) (first, changed []coverage.Finding) {
	rng := rand.New(rand.NewPCG(matrixSeed, 2))
	amounts := []int64{0, 16_800, 16_800, 50_400, 1_000_000}
	for i := range findingCount {
		p := w.participants[rng.IntN(len(w.participants))]
		f := coverage.Finding{
			ID:       fmt.Sprintf("d%03x%04d", rng.IntN(4096), i), // not in kind order
			Kind:     coverage.DiscrepancyKinds[i%len(coverage.DiscrepancyKinds)],
			Severity: coverage.Severities[rng.IntN(len(coverage.Severities))],
			NIK:      p.NIK, KPJ: p.KPJ, AreaCode: p.KelurahanCode,
			Amount: amounts[rng.IntN(len(amounts))],
			Detail: fmt.Sprintf("finding %d", i),
		}
		if i%4 == 0 { // about a roster entry
			r := w.roster[rng.IntN(len(w.roster))]
			f.NIK, f.KPJ, f.Category, f.AreaCode = r.NIK, "", r.Category, r.KelurahanCode
		}
		if f.Kind == coverage.KindDeclaredTotalMismatch {
			f.NIK, f.KPJ, f.Category, f.AreaCode = "", "", "", ""
		}
		if rng.IntN(5) > 0 {
			m := 1 + rng.IntN(8)
			for k := range 1 + rng.IntN(3) {
				if m+k <= 8 {
					f.Periods = append(f.Periods, coverage.MakePeriod(2024, time.Month(m+k)))
				}
			}
		}
		if rng.IntN(6) == 0 {
			f.Amount = rng.Int64N(50_000_000)
		}
		first = append(first, f)
		c := f
		c.Amount += 1000
		c.Detail += " (changed)"
		changed = append(changed, c)
	}
	return first, changed
}

func discrepancyWorld(w *world) []coverage.Discrepancy {
	first, changed := findings(w)
	var out []coverage.Discrepancy
	for i := range findingCount {
		d := coverage.Discrepancy{Finding: first[i], Status: coverage.StatusOpen, FirstSeen: passOne, LastSeen: passTwo}
		switch {
		case i < 40:
			d.Status, d.LastSeen = coverage.StatusResolved, passOne
		case i < 60:
			d.Status = coverage.StatusAcknowledged
		case i < 80:
		case i < 120:
			d.Finding = changed[i]
		case i < 130:
			d.Finding, d.Status, d.FirstSeen = changed[i], coverage.StatusResolved, passTwo
		default:
			d.Finding, d.FirstSeen = changed[i], passTwo
		}
		out = append(out, d)
	}
	return out
}

func loadDiscrepancies(t *testing.T, ctx context.Context, s *store.Store, w *world) {
	t.Helper()
	first, changed := findings(w)
	second := append(slices.Clone(first[40:80]), changed[80:]...)
	if _, err := s.SaveFindings(ctx, "matrix-1", passOne, first[:120]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveFindings(ctx, "matrix-2", passTwo, second); err != nil {
		t.Fatal(err)
	}
	at := passTwo.Add(time.Hour)
	for i := 40; i < 60; i++ {
		if _, err := s.AcknowledgeDiscrepancy(ctx, first[i].ID, "officer", at); err != nil {
			t.Fatal(err)
		}
	}
	for i := 120; i < 130; i++ {
		if _, err := s.ResolveDiscrepancy(ctx, first[i].ID, "officer", "checked with the agency", at); err != nil {
			t.Fatal(err)
		}
	}
	// The setup, not the lists, is what this checks: a difference here is
	// the life cycle's (SaveFindings), reported before the matrix.
	for i := range w.discrepancies {
		want := &w.discrepancies[i]
		got, err := s.Discrepancy(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameDiscrepancy(got, want) {
			t.Fatalf("setup: discrepancy %s is stored as %s first %s last %s, the test expects %s %s %s",
				want.ID, got.Status, got.FirstSeen, got.LastSeen, want.Status, want.FirstSeen, want.LastSeen)
		}
	}
}

// quarantined makes 90 rejected records over the five feeds and three runs,
// received at six instants (ties, milliseconds).
func quarantined() []coverage.Quarantined {
	var out []coverage.Quarantined
	base := time.Date(2024, 8, 20, 2, 0, 0, 0, time.UTC)
	runs := []string{"run-a", "run-b", "run-c"}
	for i := range 90 {
		feed := coverage.Feeds[i%len(coverage.Feeds)]
		q := coverage.Quarantined{
			Feed:       feed,
			RunID:      runs[(i/5)%len(runs)],
			Raw:        fmt.Sprintf(`{"n":%d,"feed":%q,"segment":"XYZ"}`, i, feed),
			Reason:     "segment \"XYZ\" is unknown",
			ReceivedAt: base.Add(time.Duration((i*7)%6) * 1500 * time.Millisecond),
		}
		if i%3 > 0 {
			q.Key = fmt.Sprintf("%011d", 50000000000+i)
		}
		q.ID = store.QuarantineID(q.Feed, q.Raw)
		out = append(out, q)
	}
	return out
}

// --- values taken from the data ---------------------------------------------

// picks are the filter values of the matrix, chosen from the data.
type picks struct {
	w *world

	kecBig, kecSmall string // the kecamatan with the most and the fewest members
	kelBig           string // the kelurahan with the most members
	outside          string // a kecamatan of a domicile outside the city
	nikTwice         string // a NIK with two memberships (or one)
	nikRoster        string // a member on the roster
	kpjContrib       string // the member with the most contributions
	nikContrib       string
	kpjClaim         string // a member with claims
	nikClaim         string
	regLow, regMid   coverage.Date // quartiles of registered_at
	regHigh, regDay  coverage.Date // the third quartile; a day with registrations
	nameSub          string        // a piece of a common name, in another case
	claimed          []int64       // amount_claimed, sorted
	agency           string        // a roster agency other than the largest
	rosterNIK        string
	rosterKel        string
	discNIK          string
	discKPJ          string
	discCategory     coverage.Category
	discArea         string
}

func pick(w *world) picks {
	pk := picks{w: w}
	kec, kel := map[string]int{}, map[string]int{}
	for _, p := range w.participants {
		kel[p.KelurahanCode]++
		if strings.HasPrefix(p.KelurahanCode, "3672") {
			kec[p.KelurahanCode[:6]]++
		} else if pk.outside == "" {
			pk.outside = p.KelurahanCode[:6]
		}
	}
	pk.kecBig, pk.kecSmall = most(kec), least(kec)
	pk.kelBig = most(kel)
	if pk.outside == "" {
		pk.outside = "360405"
	}

	byNIK := map[string]int{}
	for _, p := range w.participants {
		byNIK[p.NIK]++
	}
	pk.nikTwice = most(byNIK)
	for _, p := range w.participants {
		if w.rosterCats[p.NIK] != nil && (pk.nikRoster == "" || p.NIK < pk.nikRoster) {
			pk.nikRoster = p.NIK
		}
	}

	byKPJ := map[string]int{}
	for _, c := range w.contributions {
		if c.KPJ != orphanKPJ {
			byKPJ[c.KPJ]++
		}
	}
	pk.kpjContrib = most(byKPJ)
	pk.nikContrib = w.members[pk.kpjContrib].NIK
	claimsOf := map[string]int{}
	for _, c := range w.claims {
		if c.KPJ != orphanKPJ {
			claimsOf[c.KPJ]++
		}
		pk.claimed = append(pk.claimed, c.AmountClaimed)
	}
	pk.kpjClaim = most(claimsOf)
	for _, c := range w.claims {
		if c.KPJ == pk.kpjClaim {
			pk.nikClaim = c.NIK
		}
	}
	slices.Sort(pk.claimed)

	var reg []coverage.Date
	days := map[string]int{}
	for _, p := range w.participants {
		reg = append(reg, p.RegisteredAt)
		days[string(p.RegisteredAt)]++
	}
	slices.Sort(reg)
	pk.regLow, pk.regMid, pk.regHigh = reg[len(reg)/4], reg[len(reg)/2], reg[3*len(reg)/4]
	pk.regDay = coverage.Date(most(days))

	words := map[string]int{}
	for _, p := range w.participants {
		for _, word := range strings.Fields(p.Name) {
			if len(word) >= 4 {
				words[word]++
			}
		}
	}
	pk.nameSub = swapCase(most(words)[1:4]) // "Muhammad" -> "UHA"

	agencies := map[string]int{}
	for _, r := range w.roster {
		agencies[r.Agency]++
	}
	delete(agencies, most(agencies))
	pk.agency = most(agencies)
	r := w.roster[len(w.roster)/2]
	pk.rosterNIK, pk.rosterKel = r.NIK, r.KelurahanCode

	for _, x := range w.discrepancies {
		if x.Category != "" && pk.discCategory == "" {
			pk.discCategory = x.Category
		}
		if x.KPJ != "" && strings.HasPrefix(x.AreaCode, "3672") && pk.discKPJ == "" {
			pk.discNIK, pk.discKPJ, pk.discArea = x.NIK, x.KPJ, x.AreaCode
		}
	}
	return pk
}

// most returns the key with the highest count (the smallest such key).
func most(m map[string]int) string {
	best := ""
	for k, n := range m {
		if best == "" || n > m[best] || (n == m[best] && k < best) {
			best = k
		}
	}
	return best
}

func least(m map[string]int) string {
	best := ""
	for k, n := range m {
		if best == "" || n < m[best] || (n == m[best] && k < best) {
			best = k
		}
	}
	return best
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

func amount(n int64) *int64 { return &n }

var yes, no = func() (*bool, *bool) { t, f := true, false; return &t, &f }()

// --- the cases --------------------------------------------------------------

func participantCases(pk picks) []coverage.ParticipantFilter {
	type F = coverage.ParticipantFilter
	return []F{
		{},
		// Every field alone.
		{AreaCode: "3672"}, {AreaCode: pk.kecBig}, {AreaCode: pk.kecSmall}, {AreaCode: pk.kelBig}, {AreaCode: pk.outside},
		{AreaCode: "3672019999"}, // a kelurahan nobody lives in
		{NIK: pk.nikTwice}, {NIK: pk.nikRoster}, {NIK: "3672010101010999"},
		{Segments: []coverage.Segment{coverage.SegmentBPU}}, {Segments: []coverage.Segment{coverage.SegmentPU, coverage.SegmentJAKON}},
		{PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}, {PayerTypes: []coverage.PayerType{coverage.PayerSelf, coverage.PayerCSR}},
		{Statuses: []coverage.ParticipantStatus{coverage.StatusActive}}, {Statuses: []coverage.ParticipantStatus{coverage.StatusInactive, coverage.StatusTerminated}},
		{Genders: []coverage.Gender{coverage.GenderFemale}}, {Genders: []coverage.Gender{coverage.GenderMale}},
		{Programs: []coverage.Program{coverage.ProgramJKP}}, {Programs: []coverage.Program{coverage.ProgramJP, coverage.ProgramJKP}},
		{RegisteredFrom: pk.regMid}, {RegisteredTo: pk.regLow}, {RegisteredFrom: pk.regLow, RegisteredTo: pk.regHigh},
		{RegisteredFrom: pk.regDay, RegisteredTo: pk.regDay},
		{ActiveOn: "2023-12-31"}, {ActiveOn: "2024-06-30"}, {ActiveOn: "2024-08-22"},
		{NameContains: pk.nameSub}, {NameContains: "an"}, {NameContains: "qzx"},
		{RosterCategories: []coverage.Category{coverage.CategoryKader}},
		{RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU, coverage.CategoryLinmas}},
		{RosterCategories: []coverage.Category{coverage.CategoryUMKM}}, // on no roster
		// Pairs and triples.
		{AreaCode: "367201", PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}, // issue 9's
		{AreaCode: pk.kecBig, Statuses: []coverage.ParticipantStatus{coverage.StatusActive}},
		{Segments: []coverage.Segment{coverage.SegmentBPU}, ActiveOn: "2024-06-30"},
		{PayerTypes: []coverage.PayerType{coverage.PayerAPBD}, RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU}},
		{NameContains: pk.nameSub, Genders: []coverage.Gender{coverage.GenderFemale}},
		{RegisteredFrom: pk.regLow, RegisteredTo: pk.regHigh, Statuses: []coverage.ParticipantStatus{coverage.StatusTerminated}},
		{NIK: pk.nikTwice, Statuses: []coverage.ParticipantStatus{coverage.StatusActive}},
		{AreaCode: "3672", PayerTypes: []coverage.PayerType{coverage.PayerAPBD, coverage.PayerSelf}, ActiveOn: "2024-06-30"},
		{AreaCode: pk.kelBig, Segments: []coverage.Segment{coverage.SegmentBPU}, Programs: []coverage.Program{coverage.ProgramJKK}},
		{AreaCode: pk.kecSmall, RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU, coverage.CategoryKader}, Genders: []coverage.Gender{coverage.GenderMale}},
	}
}

func contributionCases(pk picks) []coverage.ContributionFilter {
	type F = coverage.ContributionFilter
	apbd := []coverage.PayerType{coverage.PayerAPBD}
	return []F{
		{},
		{KPJ: pk.kpjContrib}, {KPJ: orphanKPJ}, {KPJ: "00000000000"},
		{NIK: pk.nikContrib}, {NIK: pk.nikRoster},
		{PayerTypes: apbd}, {PayerTypes: []coverage.PayerType{coverage.PayerCSR, coverage.PayerAPBN}},
		{PeriodFrom: "2024-06", PeriodTo: "2024-06"}, {PeriodFrom: "2023-01", PeriodTo: "2023-06"}, {PeriodFrom: "2024-03"}, {PeriodTo: "2023-02"},
		{Unpaid: yes}, {Unpaid: no},
		{PaidFrom: "2024-06-01", PaidTo: "2024-06-30"}, {PaidFrom: "2024-08-01"}, {PaidTo: "2023-01-31"},
		{AreaCode: "3672"}, {AreaCode: pk.kecBig}, {AreaCode: pk.kelBig}, {AreaCode: pk.outside},
		{RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU}},
		{RosterCategories: []coverage.Category{coverage.CategoryKader, coverage.CategoryLinmas, coverage.CategoryRTRW}},
		// Pairs and triples.
		{PayerTypes: apbd, PeriodFrom: "2024-06", PeriodTo: "2024-06", Unpaid: yes}, // issue 9's
		{PayerTypes: apbd, PeriodFrom: "2024-06", PeriodTo: "2024-06", Unpaid: no},
		{AreaCode: pk.kecBig, Unpaid: yes},
		{AreaCode: pk.kelBig, PeriodFrom: "2023-07", PeriodTo: "2024-02"},
		{KPJ: pk.kpjContrib, PeriodFrom: "2024-01"},
		{NIK: pk.nikContrib, Unpaid: no},
		{PayerTypes: []coverage.PayerType{coverage.PayerSelf}, PaidFrom: "2024-01-01", PaidTo: "2024-03-31"},
		{RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU}, PayerTypes: apbd},
		{AreaCode: "3672", PayerTypes: []coverage.PayerType{coverage.PayerSelf}, Unpaid: yes},
		{PaidTo: "2024-12-31", Unpaid: yes}, // unpaid months have no paid_at: none
		{AreaCode: pk.kecSmall, RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU}, PeriodFrom: "2024-01", PeriodTo: "2024-03"},
	}
}

func claimCases(pk picks) []coverage.ClaimFilter {
	type F = coverage.ClaimFilter
	q := func(f float64) int64 { return pk.claimed[int(f*float64(len(pk.claimed)-1))] }
	return []F{
		{},
		{KPJ: pk.kpjClaim}, {KPJ: orphanKPJ}, {NIK: pk.nikClaim},
		{Programs: []coverage.Program{coverage.ProgramJHT}}, {Programs: []coverage.Program{coverage.ProgramJKM, coverage.ProgramJKK}},
		{Benefits: []coverage.Benefit{coverage.BenefitMedical}}, {Benefits: []coverage.Benefit{coverage.BenefitDeath, coverage.BenefitFuneral, coverage.BenefitPeriodic}},
		{Statuses: []coverage.ClaimStatus{coverage.ClaimPaid}}, {Statuses: []coverage.ClaimStatus{coverage.ClaimVerified, coverage.ClaimSubmitted, coverage.ClaimRejected}},
		{IncidentFrom: "2024-01-01", IncidentTo: "2024-06-30"}, {IncidentFrom: "2024-01-01"}, {IncidentTo: "2023-06-30"},
		{SubmittedFrom: "2023-07-01", SubmittedTo: "2024-03-31"}, {SubmittedTo: "2023-12-31"},
		{PaidFrom: "2024-01-01", PaidTo: "2024-06-30"}, {PaidFrom: "2024-03-01"}, {PaidTo: "2024-12-31"},
		{AmountClaimedMin: amount(q(0.5))}, {AmountClaimedMax: amount(q(0.5))}, {AmountClaimedMin: amount(q(0.25)), AmountClaimedMax: amount(q(0.75))},
		{AmountClaimedMin: amount(q(0.6)), AmountClaimedMax: amount(q(0.6))},
		{AmountPaidMin: amount(1)}, {AmountPaidMax: amount(0)}, {AmountPaidMin: amount(q(0.3)), AmountPaidMax: amount(q(0.9))},
		{AreaCode: "3672"}, {AreaCode: pk.kecBig}, {AreaCode: pk.kelBig},
		{PayerTypes: []coverage.PayerType{coverage.PayerEmployer}}, {PayerTypes: []coverage.PayerType{coverage.PayerAPBD, coverage.PayerSelf}},
		// Pairs and triples.
		{AreaCode: "3672", PayerTypes: []coverage.PayerType{coverage.PayerAPBD}},
		{PayerTypes: []coverage.PayerType{coverage.PayerEmployer}, Programs: []coverage.Program{coverage.ProgramJHT}},
		{Statuses: []coverage.ClaimStatus{coverage.ClaimPaid}, PaidFrom: "2023-07-01", PaidTo: "2024-06-30"},
		{AmountClaimedMin: amount(q(0.25)), AmountClaimedMax: amount(q(0.75)), Benefits: []coverage.Benefit{coverage.BenefitMedical}},
		{AreaCode: pk.kecBig, IncidentFrom: "2023-01-01", IncidentTo: "2023-12-31"},
		{KPJ: pk.kpjClaim, Statuses: []coverage.ClaimStatus{coverage.ClaimPaid}},
		{AreaCode: "3672", Statuses: []coverage.ClaimStatus{coverage.ClaimPaid}, AmountPaidMin: amount(q(0.5))},
		{SubmittedFrom: "2023-01-01", PaidTo: "2024-06-30", PayerTypes: []coverage.PayerType{coverage.PayerEmployer, coverage.PayerSelf}},
	}
}

func rosterCases(pk picks) []coverage.RosterFilter {
	type F = coverage.RosterFilter
	return []F{
		{},
		{AreaCode: "3672"}, {AreaCode: pk.kecBig}, {AreaCode: pk.rosterKel}, {AreaCode: pk.outside},
		{NIK: pk.rosterNIK}, {NIK: pk.nikRoster},
		{Categories: []coverage.Category{coverage.CategoryAdhocKPU}}, {Categories: []coverage.Category{coverage.CategoryKader, coverage.CategoryLinmas, coverage.CategoryRTRW}},
		{Agency: pk.agency}, {Agency: "Dinas Tidak Ada"},
		{FundedIn: "2024-03"}, {FundedIn: "2024-08"}, {FundedIn: "2021-06"},
		// Pairs and triples.
		{AreaCode: pk.kecBig, Categories: []coverage.Category{coverage.CategoryAdhocKPU}},
		{Categories: []coverage.Category{coverage.CategoryKader, coverage.CategoryLinmas}, FundedIn: "2023-06"},
		{AreaCode: "3672", Agency: pk.agency, FundedIn: "2024-08"},
		{NIK: pk.rosterNIK, Categories: []coverage.Category{coverage.CategoryAdhocKPU}},
	}
}

func discrepancyCases(pk picks) []coverage.DiscrepancyFilter {
	type F = coverage.DiscrepancyFilter
	return []F{
		{},
		{Kinds: []coverage.DiscrepancyKind{coverage.KindUnpaidMonths}},
		{Kinds: []coverage.DiscrepancyKind{coverage.KindRosterNotEnrolled, coverage.KindDeclaredTotalMismatch}},
		{Severities: []coverage.Severity{coverage.SeverityHigh}}, {Severities: []coverage.Severity{coverage.SeverityMedium, coverage.SeverityLow}},
		{Statuses: []coverage.DiscrepancyStatus{coverage.StatusOpen}},
		{Statuses: []coverage.DiscrepancyStatus{coverage.StatusAcknowledged, coverage.StatusResolved}},
		{AreaCode: "3672"}, {AreaCode: pk.discArea[:6]}, {AreaCode: pk.discArea},
		{Category: pk.discCategory}, {NIK: pk.discNIK}, {KPJ: pk.discKPJ},
		{Period: "2024-03"}, {Period: "2023-12"},
		// Pairs and triples.
		{Statuses: []coverage.DiscrepancyStatus{coverage.StatusOpen}, Kinds: []coverage.DiscrepancyKind{coverage.KindUnpaidMonths, coverage.KindTariffMismatch}},
		{AreaCode: pk.discArea[:6], Severities: []coverage.Severity{coverage.SeverityHigh}, Period: "2024-05"},
		{Statuses: []coverage.DiscrepancyStatus{coverage.StatusResolved}, Period: "2024-02"},
	}
}

func quarantineCases() []coverage.QuarantineFilter {
	type F = coverage.QuarantineFilter
	return []F{
		{},
		{Feed: coverage.FeedParticipants}, {Feed: coverage.FeedClaims},
		{RunID: "run-b"}, {RunID: "run-none"},
		{Feed: coverage.FeedContributions, RunID: "run-c"},
	}
}

// --- running the matrix -----------------------------------------------------

// orders lists every order of a list: each sort field, both directions.
func orders(sorts []coverage.SortField) []coverage.Order {
	var out []coverage.Order
	for _, f := range sorts {
		out = append(out, coverage.Order{Field: f}, coverage.Order{Field: f, Desc: true})
	}
	return out
}

func orderName(o coverage.Order) string {
	name := string(o.Field)
	if name == "" {
		name = "key"
	}
	if o.Desc {
		return name + "_desc"
	}
	return name + "_asc"
}

// describe names a filter by its non-empty fields.
func describe(f any) string {
	v := reflect.ValueOf(f)
	var parts []string
	for i := range v.NumField() {
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			fv = fv.Elem()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", v.Type().Field(i).Name, fv.Interface()))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, ",")
}

// pageSize is the matrix's page size for a list of n records.
func pageSize(n, maxPages int) int {
	if n <= matrixPage*maxPages {
		return matrixPage
	}
	return min(coverage.MaxPageSize, (n+maxPages-1)/maxPages)
}

// runMatrix runs a list's cases in each of its orders, as parallel subtests.
func runMatrix[R, F any](t *testing.T, s *store.Store, w *world, path queryPath, l *listDef[R, F], cases []F) {
	start := time.Now()
	var queries, pages atomic.Int64
	os := orders(l.sorts)
	run := chosenPairs(l.name, len(cases), len(os), path.budget[l.name])
	t.Run(l.name, func(t *testing.T) {
		for i, f := range cases {
			for j, o := range os {
				if !run[[2]int{i, j}] {
					continue
				}
				queries.Add(1)
				t.Run(describe(f)+"/"+orderName(o), func(t *testing.T) {
					t.Parallel()
					pages.Add(int64(checkList(t, s, w, l, f, o, path.maxPages)))
				})
			}
		}
	})
	t.Logf("%s: %d queries, %d pages in %s", l.name, queries.Load(), pages.Load(), time.Since(start).Round(time.Millisecond))
}

// chosenPairs picks budget (case, order) pairs of a list, every pair when
// budget is 0: first one pair for each order (its case drawn at random),
// then pairs drawn at random. The draw is seeded by the list's name, so a
// run repeats the last one.
func chosenPairs(list string, cases, orders, budget int) map[[2]int]bool {
	out := map[[2]int]bool{}
	if budget <= 0 || budget >= cases*orders {
		for i := range cases {
			for j := range orders {
				out[[2]int{i, j}] = true
			}
		}
		return out
	}
	seed := uint64(0)
	for _, c := range list {
		seed = seed*31 + uint64(c)
	}
	rng := rand.New(rand.NewPCG(matrixSeed, seed))
	for j := range min(orders, budget) {
		out[[2]int{rng.IntN(cases), j}] = true
	}
	for _, p := range rng.Perm(cases * orders) {
		if len(out) >= budget {
			break
		}
		out[[2]int{p / orders, p % orders}] = true
	}
	return out
}

// checkList pages through the list to its end and compares with the
// reference. It returns the pages read.
func checkList[R, F any](t *testing.T, s *store.Store, w *world, l *listDef[R, F], f F, o coverage.Order, maxPages int) int {
	t.Helper()
	want := l.reference(w, f, o)
	req := coverage.PageRequest{First: pageSize(len(want), maxPages), Order: o}
	got, pages := readToEnd(t, s, l, f, req, len(want))
	if err := sameSequence(l, got, want); err != nil {
		t.Errorf("%d records in %d pages of %d: %v", len(got), pages, req.First, err)
	}
	return pages
}

// readToEnd reads pages from req to the last, checking each page against a
// list of total records.
func readToEnd[R, F any](t *testing.T, s *store.Store, l *listDef[R, F], f F, req coverage.PageRequest, total int) ([]R, int) {
	t.Helper()
	ctx := context.Background()
	var got []R
	limit := total/req.First + 3
	for n := 1; ; n++ {
		if n > limit {
			t.Fatalf("the paging does not end: %d pages of %d for %d records", n-1, req.First, total)
		}
		pg, err := l.fetch(ctx, s, f, req)
		if err != nil {
			t.Fatalf("page %d (after %v): %v", n, req.After, err)
		}
		if err := checkPage(l, req, pg, total); err != nil {
			t.Fatalf("page %d (after %v): %v", n, req.After, err)
		}
		got = append(got, pg.Items...)
		next := pg.Next(req)
		if next == nil {
			return got, n
		}
		req = *next
	}
}

// checkPage checks one page on its own: the count, its size, and that each
// record's cursor is its position in the order.
func checkPage[R, F any](l *listDef[R, F], req coverage.PageRequest, pg coverage.Page[R], total int) error {
	if pg.TotalCount != int64(total) {
		return fmt.Errorf("totalCount %d, want %d", pg.TotalCount, total)
	}
	if len(pg.Items) != len(pg.Cursors) {
		return fmt.Errorf("%d items but %d cursors", len(pg.Items), len(pg.Cursors))
	}
	if len(pg.Items) > req.First {
		return fmt.Errorf("%d items on a page of %d", len(pg.Items), req.First)
	}
	if pg.HasNextPage && len(pg.Items) < req.First {
		return fmt.Errorf("a page of %d items of %d says a page follows", len(pg.Items), req.First)
	}
	for i := range pg.Items {
		if want := l.cursorOf(req.Order, &pg.Items[i]); pg.Cursors[i] != want {
			return fmt.Errorf("item %d (%s): cursor %+v, want %+v", i, l.key(&pg.Items[i]), pg.Cursors[i], want)
		}
	}
	return nil
}

// sameSequence compares records by key, in order, then by content.
func sameSequence[R, F any](l *listDef[R, F], got, want []R) error {
	gk, wk := keysOf(l, got), keysOf(l, want)
	if !slices.Equal(gk, wk) {
		return fmt.Errorf("got %d records, want %d: %s", len(gk), len(wk), diffKeys(gk, wk))
	}
	for i := range got {
		if !l.equal(&got[i], &want[i]) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			return fmt.Errorf("record %d (%s) differs:\n got %s\nwant %s", i, gk[i], g, w)
		}
	}
	return nil
}

func keysOf[R, F any](l *listDef[R, F], rs []R) []string {
	out := make([]string, len(rs))
	for i := range rs {
		out[i] = l.key(&rs[i])
	}
	return out
}

// diffKeys explains how two key sequences differ: duplicates, missing and
// unexpected keys, or the first place the order differs.
func diffKeys(got, want []string) string {
	count := map[string]int{}
	for _, k := range got {
		count[k]++
	}
	inWant := map[string]bool{}
	for _, k := range want {
		inWant[k] = true
	}
	var dup, missing, extra []string
	for _, k := range got {
		if count[k] > 1 && !slices.Contains(dup, k) {
			dup = append(dup, k)
		}
		if !inWant[k] {
			extra = append(extra, k)
		}
	}
	for _, k := range want {
		if count[k] == 0 {
			missing = append(missing, k)
		}
	}
	var parts []string
	for _, x := range []struct {
		name string
		keys []string
	}{{"duplicated", dup}, {"missing", missing}, {"unexpected", extra}} {
		if len(x.keys) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %v", len(x.keys), x.name, x.keys[:min(5, len(x.keys))]))
		}
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			parts = append(parts, fmt.Sprintf("first difference at %d: got %v, want %v", i,
				got[i:min(len(got), i+4)], want[i:min(len(want), i+4)]))
			break
		}
	}
	return strings.Join(parts, "; ")
}

// checkBadOrders: a sort field a list does not have, and a cursor without a
// key, are refused as invalid.
func checkBadOrders(t *testing.T, s *store.Store) {
	ctx := context.Background()
	bad := coverage.PageRequest{First: 5, Order: coverage.Order{Field: coverage.SortAmountClaimed}}
	noKey := coverage.PageRequest{First: 5, After: &coverage.Cursor{Value: "x"}}
	for _, req := range []coverage.PageRequest{bad, noKey} {
		for name, call := range map[string]func() error{
			"participants":  func() error { _, err := s.Participants(ctx, coverage.ParticipantFilter{}, req); return err },
			"contributions": func() error { _, err := s.Contributions(ctx, coverage.ContributionFilter{}, req); return err },
			"roster":        func() error { _, err := s.Roster(ctx, coverage.RosterFilter{}, req); return err },
			"discrepancies": func() error { _, err := s.Discrepancies(ctx, coverage.DiscrepancyFilter{}, req); return err },
			"quarantine":    func() error { _, err := s.Quarantine(ctx, coverage.QuarantineFilter{}, req); return err },
		} {
			if err := call(); coverage.ErrorCode(err) != coverage.EINVALID {
				t.Errorf("%s with %+v: got error %v, want %s", name, req, err, coverage.EINVALID)
			}
		}
	}
}

// --- writes between pages ---------------------------------------------------

// mover moves records of a list for the stability checks: bump sets a sort
// field to an extreme value (false if the field cannot move: the key, a
// join field), rekey gives a copy a new key.
type mover[R any] struct {
	bump  func(r *R, f coverage.SortField, low bool) bool
	rekey func(r *R, n int)
}

var later = time.Hour // changed records are an hour newer than the stored ones

func textExtreme(low bool, lo, hi string) string {
	if low {
		return lo
	}
	return hi
}

func amountExtreme(low bool) int64 {
	if low {
		return 0
	}
	return 9_000_000_000_000
}

var (
	participantMover = mover[coverage.Participant]{
		bump: func(p *coverage.Participant, f coverage.SortField, low bool) bool {
			switch f {
			case coverage.SortName:
				p.Name = textExtreme(low, "AAAA Pindah", "zzzz Pindah")
			case coverage.SortRegisteredAt:
				p.RegisteredAt = coverage.Date(textExtreme(low, "1970-01-01", "2099-12-31"))
			case coverage.SortCoverageStart:
				p.CoverageStart = coverage.Date(textExtreme(low, "1970-01-01", "2099-12-31"))
			default:
				return false
			}
			p.UpdatedAt = p.UpdatedAt.Add(later)
			return true
		},
		rekey: func(p *coverage.Participant, n int) {
			p.KPJ = fmt.Sprintf("98%09d", n)
			p.UpdatedAt = p.UpdatedAt.Add(later)
		},
	}
	contributionMover = mover[coverage.Contribution]{
		bump: func(c *coverage.Contribution, f coverage.SortField, low bool) bool {
			switch f {
			case coverage.SortPeriod:
				c.Period = coverage.Period(textExtreme(low, "1990-01", "2099-12"))
			case coverage.SortAmountDue:
				c.AmountDue = amountExtreme(low)
			case coverage.SortAmountPaid:
				c.AmountPaid = amountExtreme(low)
			case coverage.SortPaidAt:
				c.PaidAt = coverage.Date(textExtreme(low, "1990-01-01", "2099-12-31"))
			default:
				return false // the key, or kpj (the member join)
			}
			c.UpdatedAt = c.UpdatedAt.Add(later)
			return true
		},
		rekey: func(c *coverage.Contribution, n int) {
			c.ID = fmt.Sprintf("%s-R%d", c.ID, n)
			c.UpdatedAt = c.UpdatedAt.Add(later)
		},
	}
	claimMover = mover[coverage.Claim]{
		bump: func(c *coverage.Claim, f coverage.SortField, low bool) bool {
			switch f {
			case coverage.SortIncidentDate:
				c.IncidentDate = coverage.Date(textExtreme(low, "1990-01-01", "2099-12-31"))
			case coverage.SortSubmittedAt:
				c.SubmittedAt = coverage.Date(textExtreme(low, "1990-01-01", "2099-12-31"))
			case coverage.SortPaidAt:
				c.PaidAt = coverage.Date(textExtreme(low, "1990-01-01", "2099-12-31"))
			case coverage.SortAmountClaimed:
				c.AmountClaimed = amountExtreme(low)
			case coverage.SortAmountPaid:
				c.AmountPaid = amountExtreme(low)
			default:
				return false
			}
			c.UpdatedAt = c.UpdatedAt.Add(later)
			return true
		},
		rekey: func(c *coverage.Claim, n int) {
			c.ClaimNo = fmt.Sprintf("K2099%06d", n)
			c.UpdatedAt = c.UpdatedAt.Add(later)
		},
	}
	rosterMover = mover[coverage.RosterEntry]{
		bump: func(r *coverage.RosterEntry, f coverage.SortField, low bool) bool {
			switch f {
			case coverage.SortName:
				r.Name = textExtreme(low, "AAAA PINDAH", "zzzz pindah")
			case coverage.SortFundedFrom:
				r.FundedFrom = coverage.Period(textExtreme(low, "1990-01", "2099-12"))
			default:
				return false // the key, or category (part of the key)
			}
			r.UpdatedAt = r.UpdatedAt.Add(later)
			return true
		},
		rekey: func(r *coverage.RosterEntry, n int) {
			r.NIK = fmt.Sprintf("%s%04d", r.NIK[:12], 9000+n)
			r.UpdatedAt = r.UpdatedAt.Add(later)
		},
	}
)

// write applies puts and deletes to the store (store.Apply, as a sync) and
// to the reference.
func write[R, F any](t *testing.T, s *store.Store, w *world, l *listDef[R, F], puts []R, dels []string) {
	t.Helper()
	var recs []store.Record
	for i := range puts {
		recs = append(recs, store.Record{Key: l.key(&puts[i]), Value: &puts[i]})
	}
	for _, k := range dels {
		recs = append(recs, store.Record{Key: k, Deleted: true})
	}
	if _, err := s.Apply(context.Background(), l.feed, recs); err != nil {
		t.Fatalf("write between pages: %v", err)
	}
	l.put(w, puts...)
	l.delete(w, dels...)
}

// standardWrites moves records of the list itself across the cursor: the
// last unseen record to the front of the order (behind the cursor: it is
// missed), the first seen one to the end (it comes again), an unseen one
// deleted, a copy of an unseen one and of a seen one inserted under new
// keys. It returns the keys it touched.
func standardWrites[R, F any](m mover[R]) func(*testing.T, *store.Store, *world, *listDef[R, F], coverage.Order, []R, []R) []string {
	return func(t *testing.T, s *store.Store, w *world, l *listDef[R, F], o coverage.Order, seen, ahead []R) []string {
		var puts []R
		var dels []string
		if o.Field != coverage.SortKey {
			back, front := ahead[len(ahead)-1], seen[0]
			if m.bump(&back, o.Field, !o.Desc) && m.bump(&front, o.Field, o.Desc) {
				puts = append(puts, back, front)
			}
		}
		dels = append(dels, l.key(&ahead[len(ahead)/2]))
		fresh, old := ahead[len(ahead)/3], seen[len(seen)/2]
		m.rekey(&fresh, 1)
		m.rekey(&old, 2)
		puts = append(puts, fresh, old)
		write(t, s, w, l, puts, dels)
		return append(keysOf(l, puts), dels...)
	}
}

// stable reads two pages of the list, lets writes happen, reads on to the
// end, and checks: the pages before the write are the reference's start; the
// pages after it are exactly the records of the new data past the cursor
// (counts included); every record the writes did not touch is seen once.
func stable[R, F any](t *testing.T, s *store.Store, w *world, l *listDef[R, F], f F, o coverage.Order, slow bool,
	writes func(*testing.T, *store.Store, *world, *listDef[R, F], coverage.Order, []R, []R) []string) {
	t.Helper()
	ctx := context.Background()
	const before = 2
	want0 := l.reference(w, f, o)
	first := matrixPage
	if slow { // about four pages
		first = max(first, (len(want0)+3)/4)
	}
	if len(want0) < before*first+6 {
		t.Skipf("the case has %d records in this city: too few to write between pages", len(want0))
	}
	req := coverage.PageRequest{First: first, Order: o}
	var got []R
	for n := 1; n <= before; n++ {
		pg, err := l.fetch(ctx, s, f, req)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkPage(l, req, pg, len(want0)); err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		got = append(got, pg.Items...)
		next := pg.Next(req)
		if next == nil {
			t.Fatalf("page %d of %d records says it is the last", n, len(want0))
		}
		req = *next
	}
	if err := sameSequence(l, got, want0[:before*first]); err != nil {
		t.Fatalf("before the write: %v", err)
	}
	touched := writes(t, s, w, l, o, want0[:before*first], want0[before*first:])
	want1 := l.reference(w, f, o)
	var past []R
	for i := range want1 {
		if l.pastCursor(o, &want1[i], *req.After) {
			past = append(past, want1[i])
		}
	}
	rest, _ := readToEnd(t, s, l, f, req, len(want1))
	if err := sameSequence(l, rest, past); err != nil {
		t.Errorf("after the write (touched %v): %v", touched, err)
	}
	seen := map[string]int{}
	for _, k := range keysOf(l, append(got, rest...)) {
		seen[k]++
	}
	for _, k := range keysOf(l, want0) {
		if !slices.Contains(touched, k) && seen[k] != 1 {
			t.Errorf("untouched record %s seen %d times", k, seen[k])
		}
	}
}

func runStability(t *testing.T, s *store.Store, w *world, pk picks, slow bool) {
	apbd := []coverage.PayerType{coverage.PayerAPBD}
	type pcase = struct {
		f coverage.ParticipantFilter
		o coverage.Order
	}
	for _, c := range []pcase{
		{coverage.ParticipantFilter{PayerTypes: apbd}, coverage.Order{Field: coverage.SortName}},
		{coverage.ParticipantFilter{AreaCode: pk.kecBig}, coverage.Order{Field: coverage.SortRegisteredAt, Desc: true}},
		{coverage.ParticipantFilter{Segments: []coverage.Segment{coverage.SegmentBPU}}, coverage.Order{Desc: true}},
	}[:firstOr(slow, 3)] {
		t.Run("participants/"+describe(c.f)+"/"+orderName(c.o), func(t *testing.T) {
			stable(t, s, w, participantList, c.f, c.o, slow, standardWrites[coverage.Participant, coverage.ParticipantFilter](participantMover))
		})
	}
	type ccase = struct {
		f coverage.ContributionFilter
		o coverage.Order
	}
	for _, c := range []ccase{
		{coverage.ContributionFilter{PayerTypes: apbd, PeriodFrom: "2024-01"}, coverage.Order{Field: coverage.SortAmountDue, Desc: true}},
		{coverage.ContributionFilter{AreaCode: pk.kecSmall}, coverage.Order{Field: coverage.SortPaidAt}},
		{coverage.ContributionFilter{Unpaid: yes}, coverage.Order{}},
	}[:firstOr(slow, 3)] {
		t.Run("contributions/"+describe(c.f)+"/"+orderName(c.o), func(t *testing.T) {
			stable(t, s, w, contributionList, c.f, c.o, slow, standardWrites[coverage.Contribution, coverage.ContributionFilter](contributionMover))
		})
	}
	for _, o := range []coverage.Order{{Field: coverage.SortAmountClaimed, Desc: true}, {Field: coverage.SortIncidentDate}, {}}[:firstOr(slow, 3)] {
		t.Run("claims/all/"+orderName(o), func(t *testing.T) {
			stable(t, s, w, claimList, coverage.ClaimFilter{}, o, slow, standardWrites[coverage.Claim, coverage.ClaimFilter](claimMover))
		})
	}
	for _, o := range []coverage.Order{{Field: coverage.SortName}, {Field: coverage.SortFundedFrom, Desc: true}}[:firstOr(slow, 2)] {
		t.Run("roster/all/"+orderName(o), func(t *testing.T) {
			stable(t, s, w, rosterList, coverage.RosterFilter{}, o, slow, standardWrites[coverage.RosterEntry, coverage.RosterFilter](rosterMover))
		})
	}

	// Joins: a member who moves changes which contributions an area filter
	// matches; a roster entry added or removed changes which participants a
	// category filter matches.
	t.Run("contributions/members move/"+pk.kecBig, func(t *testing.T) {
		f := coverage.ContributionFilter{AreaCode: pk.kecBig}
		stable(t, s, w, contributionList, f, coverage.Order{Field: coverage.SortPeriod}, slow,
			func(t *testing.T, s *store.Store, w *world, l *listDef[coverage.Contribution, coverage.ContributionFilter], o coverage.Order, seen, ahead []coverage.Contribution) []string {
				out := w.members[ahead[len(ahead)-1].KPJ] // lives in the area
				var in *coverage.Participant
				for i := range w.participants {
					p := &w.participants[i]
					if !strings.HasPrefix(p.KelurahanCode, pk.kecBig) && strings.HasPrefix(p.KelurahanCode, "3672") && contributionsOf(w, p.KPJ) > 3 {
						in = p
						break
					}
				}
				if in == nil {
					t.Fatal("no member outside the area to move in")
				}
				moved := []coverage.Participant{*out, *in}
				moved[0].KelurahanCode = pk.kecSmall + "1001"
				moved[1].KelurahanCode = pk.kecBig + "1001"
				for i := range moved {
					moved[i].UpdatedAt = moved[i].UpdatedAt.Add(later)
				}
				write(t, s, w, participantList, moved, nil)
				var touched []string
				for _, c := range w.contributions {
					if c.KPJ == out.KPJ || c.KPJ == in.KPJ {
						touched = append(touched, c.ID)
					}
				}
				return touched
			})
	})
	t.Run("participants/roster changes/ADHOC_KPU", func(t *testing.T) {
		f := coverage.ParticipantFilter{RosterCategories: []coverage.Category{coverage.CategoryAdhocKPU}}
		stable(t, s, w, participantList, f, coverage.Order{Field: coverage.SortName}, slow,
			func(t *testing.T, s *store.Store, w *world, l *listDef[coverage.Participant, coverage.ParticipantFilter], o coverage.Order, seen, ahead []coverage.Participant) []string {
				// The last unseen member leaves the ADHOC_KPU roster; a member on
				// no roster joins it.
				leaver := ahead[len(ahead)-1]
				var joiner coverage.Participant
				for _, p := range w.participants {
					if w.rosterCats[p.NIK] == nil {
						joiner = p
						break
					}
				}
				entry := coverage.RosterEntry{NIK: joiner.NIK, Name: joiner.Name, Category: coverage.CategoryAdhocKPU, Agency: "KPU Kota Cilegon",
					KelurahanCode: joiner.KelurahanCode, FundedFrom: "2024-01", FundedUntil: "2024-06", UpdatedAt: passTwo}
				write(t, s, w, rosterList, []coverage.RosterEntry{entry}, []string{leaver.NIK + ":" + string(coverage.CategoryAdhocKPU)})
				var touched []string
				for _, p := range w.participants {
					if p.NIK == joiner.NIK || p.NIK == leaver.NIK {
						touched = append(touched, p.KPJ)
					}
				}
				return touched
			})
	})
}

// firstOr is how many of n cases run: one on a slow path.
func firstOr(slow bool, n int) int {
	if slow {
		return 1
	}
	return n
}

func contributionsOf(w *world, kpj string) int {
	n := 0
	for _, c := range w.contributions {
		if c.KPJ == kpj {
			n++
		}
	}
	return n
}
