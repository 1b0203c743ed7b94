package synth_test

import (
	"reflect"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/coverage/reconcile/synth"
	"github.com/cilegon/jamsostek/store"
)

// TestChunksInNIKOrder: valid records, NIKs strictly ascending across chunks,
// the same people whatever the chunk size, and the store's decoders read back
// what was encoded.
func TestChunksInNIKOrder(t *testing.T) {
	const n = 20_000
	var all, small synth.Chunk
	g := synth.New(synth.Config{People: n, Seed: 7})
	g.Next(&all, n)
	g2 := synth.New(synth.Config{People: n, Seed: 7})
	var got int
	for !g2.Done() {
		got += g2.Next(&small, 333)
		if len(small.Participants) > 0 && !reflect.DeepEqual(small.Participants[0].KPJ, findKPJ(all.Participants, small.Participants[0].NIK)) {
			t.Fatalf("chunking changes the people")
		}
	}
	if got != n {
		t.Fatalf("generated %d people, want %d", got, n)
	}
	areas := coverage.Cilegon()
	prev := ""
	for _, p := range all.Participants {
		if p.NIK < prev {
			t.Fatalf("participants not in NIK order: %s after %s", p.NIK, prev)
		}
		prev = p.NIK
		if _, err := coverage.ParseNIK(p.NIK); err != nil {
			t.Fatalf("NIK %s: %v", p.NIK, err)
		}
		if err := p.Validate(areas); err != nil && p.KelurahanCode[:4] == "3672" {
			t.Fatalf("participant %s: %v", p.KPJ, err)
		}
		if p.KelurahanCode[:4] == "3672" {
			if err := areas.CheckKelurahan(p.KelurahanCode); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range [][]string{niks(all.Roster, func(r coverage.RosterEntry) string { return r.NIK }),
		niks(all.Contributions, func(c coverage.Contribution) string { return c.NIK }),
		niks(all.Claims, func(c coverage.Claim) string { return c.NIK })} {
		for i := 1; i < len(s); i++ {
			if s[i] < s[i-1] {
				t.Fatalf("stream not in NIK order at %d", i)
			}
		}
	}
	for _, c := range all.Contributions {
		if err := c.Validate(); err != nil {
			t.Fatalf("contribution %s: %v", c.ID, err)
		}
	}
	for _, c := range all.Claims {
		if err := c.Validate(); err != nil {
			t.Fatalf("claim %s: %v", c.ClaimNo, err)
		}
	}
	for _, r := range all.Roster {
		if err := r.Validate(areas); err != nil && r.KelurahanCode[:4] == "3672" {
			t.Fatalf("roster %s: %v", r.Key(), err)
		}
	}
	if len(all.Contributions) < 11*len(all.Participants) {
		t.Errorf("%d contributions for %d participants: want about 12 each", len(all.Contributions), len(all.Participants))
	}

	var e synth.Encoded
	e.Encode(&all)
	for i := range all.Participants {
		p, err := store.DecodeParticipantDoc(e.Participants.Doc(i))
		if err != nil || !reflect.DeepEqual(p, all.Participants[i]) {
			t.Fatalf("participant %d: %v\n got %+v\nwant %+v", i, err, p, all.Participants[i])
		}
	}
	for i := range all.Contributions {
		c, err := store.DecodeContributionDoc(e.Contributions.Doc(i))
		if err != nil || !reflect.DeepEqual(c, all.Contributions[i]) {
			t.Fatalf("contribution %d: %v\n got %+v\nwant %+v", i, err, c, all.Contributions[i])
		}
	}
	for i := range all.Claims {
		c, err := store.DecodeClaimDoc(e.Claims.Doc(i))
		if err != nil || !reflect.DeepEqual(c, all.Claims[i]) {
			t.Fatalf("claim %d: %v\n got %+v\nwant %+v", i, err, c, all.Claims[i])
		}
	}
	for i := range all.Roster {
		r, err := store.DecodeRosterDoc(e.Roster.Doc(i))
		if err != nil || !reflect.DeepEqual(r, all.Roster[i]) {
			t.Fatalf("roster %d: %v\n got %+v\nwant %+v", i, err, r, all.Roster[i])
		}
	}

	// The engine's rules fire: every kind the generator plants is found.
	res, err := reconcile.Run(reconcile.Config{Areas: areas, AsOf: synth.AsOf}, reconcile.Streams{
		Roster: seq(all.Roster), Participants: seq(all.Participants), Contributions: seq(all.Contributions), Claims: seq(all.Claims)})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[coverage.DiscrepancyKind]int{}
	for _, f := range res.Findings {
		kinds[f.Kind]++
	}
	t.Logf("%d people, %d records, %d cells, %d findings: %v", n, all.Records(), len(res.Rollup.Cells), len(res.Findings), kinds)
	for _, k := range []coverage.DiscrepancyKind{coverage.KindUnpaidMonths, coverage.KindInactive3Months, coverage.KindTariffMismatch,
		coverage.KindAPBDNotOnRoster, coverage.KindDoubleFunded, coverage.KindClaimOutsideCoverage, coverage.KindClaimAboveBenefit,
		coverage.KindKPJNIKMismatch} {
		if kinds[k] == 0 {
			t.Errorf("no %s finding", k)
		}
	}
}

func findKPJ(ps []coverage.Participant, nik string) string {
	for _, p := range ps {
		if p.NIK == nik {
			return p.KPJ
		}
	}
	return ""
}

func niks[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func seq[T any](xs []T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}
