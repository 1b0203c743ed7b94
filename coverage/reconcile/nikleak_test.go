package reconcile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// TestFindingDetailsQuoteNoNIKDigits runs the engine over hand-built people
// whose NIKs do not parse (each reason of ParseNIK), on a roster, enrolled
// and funded from outside the city, and checks that no finding's detail or
// id quotes 4 or more consecutive digits of the person's NIK: analysts see
// details, and the NIK masked (digits 5-12 hidden).
func TestFindingDetailsQuoteNoNIKDigits(t *testing.T) {
	const (
		cibeber = "3672011001"
		outside = "3604011001"
	)
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	niks := []string{
		"3672019913845678", // birth date 991384 is not a real date
		"3672003112855679", // area code incomplete
		"0572013112855671", // province code
		"3672013112850000", // serial zero
		"3672014507867312", // valid, funded while living outside the city
	}
	for i, nik := range niks {
		kel := cibeber
		if i == len(niks)-1 {
			kel = outside
		}
		h.roster(nik, coverage.CategoryRTRW, kel, "2024-01", "")
		kpj := "3000000000" + string(rune('1'+i))
		h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
		h.bill(kpj, nik, "2024-01", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	res := run(t, &h.ds)
	invalid := 0
	for _, f := range res.Findings {
		if f.Kind == coverage.KindInvalidNIK {
			invalid++
		}
		for _, nik := range niks {
			if f.NIK != nik {
				continue
			}
			for i := 0; i+4 <= len(nik); i++ {
				if run := nik[i : i+4]; strings.Contains(f.Detail, run) {
					t.Errorf("%s finding of NIK %s: detail %q quotes its digits %q", f.Kind, nik, f.Detail, run)
					break
				}
			}
		}
	}
	if invalid != 4 {
		t.Errorf("%d INVALID_NIK findings, want 4", invalid)
	}
}

// TestEngineErrorsNameNoNIK: the engine's error for a roster entry in the
// group of another NIK (ReconcileRun.error, which analysts read) quotes
// neither NIK, masked or not.
func TestEngineErrorsNameNoNIK(t *testing.T) {
	e, err := reconcile.New(reconcile.Config{Areas: coverage.Cilegon(), AsOf: time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	const a, b = "3672011205900001", "3672085206850012"
	err = e.Add(&reconcile.Person{NIK: a, Roster: []coverage.RosterEntry{{NIK: b, Category: "KADER", KelurahanCode: "3672011001", FundedFrom: "2024-01"}}})
	if err == nil {
		t.Fatal("no error for a roster entry of another NIK")
	}
	for _, nik := range []string{a, b} {
		for i := 0; i+4 <= len(nik); i++ {
			if strings.Contains(err.Error(), nik[i:i+4]) {
				t.Fatalf("the error quotes digits %q of a NIK: %v", nik[i:i+4], err)
			}
		}
	}
}
