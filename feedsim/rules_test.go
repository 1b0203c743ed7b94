package feedsim

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// TestNoSharedRuleCode keeps the simulator off the code it tests: coverage's
// tariffs, NIK parsing and writing, rule sets, participant activity and roster
// funding, and the reconciliation engine. It may use coverage's record types,
// enums, areas and dates: the feeds' vocabulary.
func TestNoSharedRuleCode(t *testing.T) {
	forbidden := map[string]bool{
		"BPUTariffs": true, "Tariffs": true, "Tariff": true, "ParseNIK": true, "FormatNIK": true, "CheckNIKShape": true,
		"NIK": true, "DefaultRuleSet": true, "LoadRuleSet": true, "RuleSet": true, "BenefitRules": true, "BenefitRule": true,
	}
	methods := map[string]bool{"Due": true, "For": true, "Amount": true, "Active": true, "FundedIn": true, "Covered": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, "/coverage/") || strings.HasSuffix(path, "/reconcile") {
				t.Errorf("%s imports %s", fset.Position(imp.Pos()), path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "coverage" && forbidden[sel.Sel.Name] {
				t.Errorf("%s uses coverage.%s", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			if methods[sel.Sel.Name] && !(sel.Sel.Name == "Active" && isFaults(sel.X)) {
				t.Errorf("%s calls .%s (coverage's rule code?)", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 5 {
		t.Fatalf("checked %d files", checked)
	}
}

// isFaults: s.Faults.Active() is the server's own method.
func isFaults(x ast.Expr) bool {
	s, ok := x.(*ast.SelectorExpr)
	return ok && s.Sel.Name == "Faults"
}

func TestOwnTariff(t *testing.T) {
	jkkjkm := []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
	all := []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
	for _, c := range []struct {
		programs []coverage.Program
		income   int64
		want     int64
	}{
		{jkkjkm, 1_000_000, 16_800}, // 10,000 + 6,800: DOMAIN's lowest
		{all, 1_000_000, 36_800},    // + JHT 20,000
		{jkkjkm, 500_000, 16_800},   // the JKK minimum
		{all, 500_000, 36_800},      // both minimums
		{jkkjkm, 1_500_000, 21_800}, // 15,000 + 6,800
		{all, 2_500_000, 81_800},    // 25,000 + 6,800 + 50,000
		{all, 5_000_000, 156_800},   // 50,000 + 6,800 + 100,000
		{[]coverage.Program{coverage.ProgramJKM}, 9_000_000, 6_800},
		{[]coverage.Program{coverage.ProgramJHT}, 999_999, 20_000},
		{[]coverage.Program{coverage.ProgramJKK}, 1_234_567, 12_345},
	} {
		if got := bpuDue(c.programs, c.income); got != c.want {
			t.Errorf("bpuDue(%v, %d) = %d, want %d", c.programs, c.income, got, c.want)
		}
	}
}

func TestOwnNIK(t *testing.T) {
	for _, c := range []struct {
		kec    string
		birth  time.Time
		female bool
		serial int
		want   string
	}{
		{"367201", time.Date(1990, 5, 12, 0, 0, 0, 0, time.UTC), false, 1, "3672011205900001"},
		{"367201", time.Date(1988, 6, 5, 0, 0, 0, 0, time.UTC), true, 2, "3672014506880002"},
		{"360405", time.Date(2001, 12, 31, 0, 0, 0, 0, time.UTC), true, 9999, "3604057112019999"},
		{"367208", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), false, 123, "3672080101600123"},
	} {
		if got := makeNIK(c.kec, c.birth, c.female, c.serial); got != c.want {
			t.Errorf("makeNIK(%s, %s, female %v, %d) = %s, want %s", c.kec, c.birth.Format(time.DateOnly), c.female, c.serial, got, c.want)
		}
	}
}

func TestDueMonthAtWIBMidnight(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want coverage.Period
	}{
		{WIBMidnight(2024, 8, 16, -time.Second), "2024-07"}, // 23:59:59 WIB on the 15th
		{WIBMidnight(2024, 8, 16, 0), "2024-08"},            // 00:00 WIB on the 16th
		{time.Date(2024, 8, 15, 16, 59, 59, 0, time.UTC), "2024-07"},
		{time.Date(2024, 8, 15, 17, 0, 0, 0, time.UTC), "2024-08"},
		{time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC), "2024-08"},
		{time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC), "2024-12"},
	} {
		if got := dueMonthAt(c.at).period(); got != c.want {
			t.Errorf("dueMonthAt(%s) = %s, want %s", c.at.Format(time.RFC3339), got, c.want)
		}
	}
}

// TestLedger reads hand-made records with the month model of docs/reconciliation.md.
func TestLedger(t *testing.T) {
	m := func(p string) mon { return monOfPeriod(coverage.Period(p)) }
	rec := func(p string, due, paid int64) coverage.Contribution {
		return coverage.Contribution{Period: coverage.Period(p), AmountDue: due, AmountPaid: paid}
	}
	states := func(l ledger) string {
		var b strings.Builder
		for _, s := range l.states {
			b.WriteByte(" PUNp"[s])
		}
		return b.String()
	}
	for _, c := range []struct {
		name      string
		recs      []coverage.Contribution
		start     string
		end       string
		want      string // P paid, U unpaid, N not billed, p pending, from the first billed month
		lapses    [][2]string
		openThird string
	}{
		{"billed twice paid once", []coverage.Contribution{rec("2024-01", 16800, 16800), rec("2024-01", 16800, 0), rec("2024-02", 16800, 16800)}, "2024-01", "", "PPNNNNNp", [][2]string{{"2024-05", ""}}, "2024-05"},
		{"split payment", []coverage.Contribution{rec("2024-06", 16800, 10000), rec("2024-06", 16800, 6800), rec("2024-07", 16800, 16800), rec("2024-08", 16800, 0)}, "2024-06", "", "PPp", nil, ""},
		{"partial, gap, paid", []coverage.Contribution{rec("2024-03", 16800, 16800), rec("2024-04", 16800, 8000), rec("2024-06", 16800, 16800), rec("2024-07", 16800, 16800), rec("2024-08", 16800, 16800)}, "2024-03", "", "PUNPPP", nil, ""},
		{"lapse paid off", []coverage.Contribution{rec("2024-01", 16800, 16800), rec("2024-02", 16800, 0), rec("2024-03", 16800, 0), rec("2024-04", 16800, 0), rec("2024-05", 16800, 16800), rec("2024-06", 16800, 16800), rec("2024-07", 16800, 16800), rec("2024-08", 16800, 16800)}, "2024-01", "", "PUUUPPPP", [][2]string{{"2024-04", "2024-05"}}, ""},
		{"max due, not the sum", []coverage.Contribution{rec("2024-07", 16800, 16800), rec("2024-07", 36800, 20000), rec("2024-08", 16800, 0)}, "2024-07", "", "Pp", nil, ""},
		{"ended", []coverage.Contribution{rec("2024-01", 16800, 16800), rec("2024-05", 16800, 16800)}, "2023-12", "2024-03", "PNN", nil, ""},
	} {
		var end mon
		if c.end != "" {
			end = m(c.end)
		}
		l := readLedger(c.recs, m(c.start), end, m("2024-08"), m("2024-07"))
		if got := states(l); got != c.want {
			t.Errorf("%s: states %q, want %q", c.name, got, c.want)
		}
		var lapses [][2]string
		for _, r := range l.lapses {
			to := ""
			if r[1] != 0 {
				to = string(r[1].period())
			}
			lapses = append(lapses, [2]string{string(r[0].period()), to})
		}
		if !slices.Equal(lapses, c.lapses) {
			t.Errorf("%s: lapses %v, want %v", c.name, lapses, c.lapses)
		}
		third := ""
		if len(l.openRun) >= 3 {
			third = string(l.openRun[2].period())
		}
		if third != c.openThird {
			t.Errorf("%s: open run's third month %q, want %q", c.name, third, c.openThird)
		}
	}
}

// TestAsOfNearMidnightWIB: a second either side of 00:00 WIB on the 16th
// decides whether the month's unpaid contributions are planted.
func TestAsOfNearMidnightWIB(t *testing.T) {
	count := func(asOf time.Time) int {
		ds, err := Generate(Config{Seed: 4, Scale: 0.02, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if !ds.AsOf.Equal(asOf) {
			t.Errorf("as-of %s, want %s", ds.AsOf, asOf)
		}
		checkContributions(t, ds)
		n := 0
		for _, p := range ds.Planted {
			if p.Kind == PlantUnpaidMonths && p.Period == "2024-08" {
				n++
			}
		}
		return n
	}
	if n := count(WIBMidnight(2024, 8, 16, -time.Second)); n != 0 {
		t.Errorf("at 23:59:59 WIB on the 15th: %d August months planted unpaid, want none", n)
	}
	if n := count(WIBMidnight(2024, 8, 16, 0)); n == 0 {
		t.Errorf("at 00:00 WIB on the 16th: no August month planted unpaid")
	}
}

// TestDeterministic: the same config gives the same bytes, plants included;
// another seed other data.
func TestDeterministic(t *testing.T) {
	enc := func(seed int64) []byte {
		ds, err := Generate(Config{Seed: seed, Scale: 0.02})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(ds); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b, c := enc(9), enc(9), enc(10)
	if !bytes.Equal(a, b) {
		t.Error("seed 9 twice: different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 9 and 10: the same bytes")
	}
}

// TestNewCasesAreMade checks each case of the issue-12 rules is in the data
// at small scales (the plants, and the cases that must raise nothing).
func TestNewCasesAreMade(t *testing.T) {
	for _, scale := range []float64{0.01, 0.02} {
		ds := dataset(t, 1, scale)
		ids := map[string]int{}
		payers := map[string]map[coverage.PayerType]bool{}
		for _, c := range ds.Contributions {
			ids[c.ID[len(c.ID)-1:]]++
			if payers[c.KPJ] == nil {
				payers[c.KPJ] = map[coverage.PayerType]bool{}
			}
			payers[c.KPJ][c.PayerType] = true
		}
		changed := 0
		for _, ps := range payers {
			if ps[coverage.PayerSelf] && ps[coverage.PayerAPBD] {
				changed++
			}
		}
		detail := func(kind, s string) bool {
			return slices.ContainsFunc(ds.Planted, func(p Plant) bool { return p.Kind == kind && strings.Contains(p.Detail, s) })
		}
		for what, ok := range map[string]bool{
			"a month billed twice":              ids["D"] > 0,
			"a payment under another NIK":       ids["N"] > 0 || detail(PlantKPJNIKMismatch, "claim"),
			"a member moving from SELF to APBD": changed > 0,
			"a partial payment": detail(PlantUnpaidMonths, "paid ") && slices.ContainsFunc(ds.Contributions, func(c coverage.Contribution) bool {
				return c.AmountPaid > 0 && c.AmountPaid < c.AmountDue && !strings.HasSuffix(c.ID, "D")
			}),
			"a billing gap":                    detail(PlantUnpaidMonths, "not billed"),
			"a lapse the status does not show": detail(PlantInactive3Months, "status still ACTIVE"),
			"a claim in a lapsed month":        detail(PlantClaimOutsideCoverage, "lapsed"),
			"two APBD memberships":             detail(PlantDoubleFunded, "enrolled twice paid by APBD"),
		} {
			if !ok {
				t.Errorf("scale %g: no %s", scale, what)
			}
		}
	}
}

// TestNewKindsBothWays reads the data with the issue-12 rules (written here
// apart from the generator) and compares with the plants both ways: each plant
// holds, and nothing else in the data is such a finding.
func TestNewKindsBothWays(t *testing.T) {
	for _, sc := range append(smalls, struct {
		name  string
		seed  int64
		scale float64
	}{"scale 0.05", 7, 0.05}) {
		t.Run(sc.name, func(t *testing.T) { checkNewKinds(t, dataset(t, sc.seed, sc.scale)) })
	}
}

func checkNewKinds(t *testing.T, ds *Dataset) {
	byNIK := map[string][]*coverage.Participant{}
	byKPJ := map[string]*coverage.Participant{}
	for i := range ds.Participants {
		p := &ds.Participants[i]
		byNIK[p.NIK] = append(byNIK[p.NIK], p)
		byKPJ[p.KPJ] = p
	}
	roster := map[string][]coverage.RosterEntry{}
	for _, r := range ds.Roster {
		roster[r.NIK] = append(roster[r.NIK], r)
	}
	own := map[string][]coverage.Contribution{}
	apbdPaid := map[string]bool{} // "NIK period"
	for _, c := range ds.Contributions {
		if p := byKPJ[c.KPJ]; p != nil && p.NIK == c.NIK {
			own[c.KPJ] = append(own[c.KPJ], c)
		}
		if c.PayerType == coverage.PayerAPBD && c.AmountPaid > 0 {
			apbdPaid[c.NIK+" "+string(c.Period)] = true
		}
	}
	covers := func(p *coverage.Participant, m coverage.Period) bool {
		return p.CoverageStart.Period() <= m && (p.CoverageEnd == "" || m <= p.CoverageEnd.Period())
	}
	funding := func(nik string, m coverage.Period) int {
		n := 0
		for _, r := range roster[nik] {
			if r.FundedFrom <= m && (r.FundedUntil == "" || m <= r.FundedUntil) {
				n++
			}
		}
		return n
	}
	last := asOfMonth(ds)

	// DOUBLE_FUNDED: NIK and the first month funded twice.
	gotDouble := map[string]bool{}
	niks := map[string]bool{}
	for nik := range roster {
		niks[nik] = true
	}
	for nik := range byNIK {
		niks[nik] = true
	}
	for nik := range niks {
		for m := coverage.Period("2015-01"); m <= last; m = m.AddMonths(1) {
			apbd, other := 0, 0
			for _, p := range byNIK[nik] {
				if covers(p, m) {
					if p.PayerType == coverage.PayerAPBD {
						apbd++
					} else {
						other++
					}
				}
			}
			if funding(nik, m) >= 2 || (apbd > 0 && other > 0) || apbd >= 2 {
				gotDouble[nik+" "+string(m)] = true
				break
			}
		}
	}
	sameSet(t, "DOUBLE_FUNDED", gotDouble, plantSet(ds, PlantDoubleFunded, func(p Plant) string { return p.NIK + " " + string(p.Period) }))

	// FUNDED_NOT_PAID: NIK and month; PAID_AFTER_DEATH: KPJ.
	died := map[string]coverage.Period{} // NIK: month of a paid JKM death
	for _, c := range ds.Claims {
		if c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath && c.Status == coverage.ClaimPaid {
			died[c.NIK] = c.IncidentDate.Period()
		}
	}
	gotFNP, gotPAD := map[string]bool{}, map[string]bool{}
	for _, p := range ds.Participants {
		cs := own[p.KPJ]
		if p.PayerType == coverage.PayerAPBD {
			v := viewOf(ds, &p, cs)
			for _, m := range v.months {
				if overdue(ds, m) && funding(p.NIK, m) > 0 && covers(&p, m) && !apbdPaid[p.NIK+" "+string(m)] {
					gotFNP[p.NIK+" "+string(m)] = true
				}
			}
		}
		for _, c := range cs {
			d, ok := died[p.NIK]
			if p.Status == coverage.StatusTerminated && p.CoverageEnd != "" && (!ok || p.CoverageEnd.Period() < d) {
				d, ok = p.CoverageEnd.Period(), true
			}
			if ok && c.AmountPaid > 0 && c.Period > d {
				gotPAD[p.KPJ] = true
			}
		}
	}
	sameSet(t, "FUNDED_NOT_PAID", gotFNP, plantSet(ds, PlantFundedNotPaid, func(p Plant) string { return p.NIK + " " + string(p.Period) }))
	sameSet(t, "PAID_AFTER_DEATH", gotPAD, plantSet(ds, PlantPaidAfterDeath, func(p Plant) string { return p.KPJ }))

	// KPJ_NIK_MISMATCH: NIK carried and KPJ, contributions and claims.
	gotMismatch := map[string]bool{}
	for _, c := range ds.Contributions {
		if p := byKPJ[c.KPJ]; p == nil || p.NIK != c.NIK {
			gotMismatch[c.NIK+" "+c.KPJ] = true
		}
	}
	for _, c := range ds.Claims {
		if p := byKPJ[c.KPJ]; p == nil || p.NIK != c.NIK {
			gotMismatch[c.NIK+" "+c.KPJ] = true
		}
	}
	sameSet(t, "KPJ_NIK_MISMATCH", gotMismatch, plantSet(ds, PlantKPJNIKMismatch, func(p Plant) string { return p.NIK + " " + p.KPJ }))

	// ROSTER_ROW_REJECTED: every invalid roster row, by its key.
	gotRejected := map[string]bool{}
	for _, r := range ds.Invalid {
		if r.Feed == coverage.FeedRoster {
			gotRejected[r.Key] = true
		}
	}
	sameSet(t, "ROSTER_ROW_REJECTED", gotRejected, plantSet(ds, PlantRosterRowRejected, func(p Plant) string { return p.Ref }))
}

// TestLapses: the dataset's lapses are the open runs (INACTIVE_3_MONTHS) and
// the lapses paid off, as the tests' month model reads them, in KPJ order.
func TestLapses(t *testing.T) {
	ds := dataset(t, 3, 0.03)
	people := map[string]*coverage.Participant{}
	for i := range ds.Participants {
		people[ds.Participants[i].KPJ] = &ds.Participants[i]
	}
	own := map[string][]coverage.Contribution{}
	for _, c := range ds.Contributions {
		if p := people[c.KPJ]; p != nil && p.NIK == c.NIK {
			own[c.KPJ] = append(own[c.KPJ], c)
		}
	}
	got := map[string]bool{}
	for _, l := range ds.Lapses {
		for m := l.From; l.Until == "" && m <= asOfMonth(ds) || m < l.Until; m = m.AddMonths(1) {
			got[l.KPJ+" "+string(m)] = true
		}
	}
	want := map[string]bool{}
	for kpj, cs := range own {
		v := viewOf(ds, people[kpj], cs)
		lapsed, _ := v.lapses(ds)
		for _, m := range v.months {
			if lapsed[m] {
				want[kpj+" "+string(m)] = true
			}
		}
	}
	sameSet(t, "lapsed months", got, want)
	if !slices.IsSortedFunc(ds.Lapses, func(a, b Lapse) int { return strings.Compare(a.KPJ, b.KPJ) }) {
		t.Error("lapses not in KPJ order")
	}
	open := 0
	for _, l := range ds.Lapses {
		if l.Until == "" {
			open++
		}
	}
	if n := len(plantSet(ds, PlantInactive3Months, kpjPeriod)); open != n {
		t.Errorf("%d open lapses, %d INACTIVE_3_MONTHS plants", open, n)
	}
}

// TestCasesAtOtherAsOfs: the plants hold both ways and every kind is planted
// whatever the as-of.
func TestCasesAtOtherAsOfs(t *testing.T) {
	for _, asOf := range []time.Time{minAsOf, WIBMidnight(2024, 10, 1, 0), time.Date(2027, 5, 15, 16, 59, 59, 0, time.UTC), maxAsOf} {
		t.Run(asOf.Format(time.RFC3339), func(t *testing.T) {
			ds, err := Generate(Config{Seed: 6, Scale: 0.02, AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			checkContributions(t, ds)
			checkClaims(t, ds)
			checkNewKinds(t, ds)
			for _, k := range PlantKinds {
				if !slices.ContainsFunc(ds.Planted, func(p Plant) bool { return p.Kind == k }) {
					t.Errorf("no %s plant", k)
				}
			}
		})
	}
}
