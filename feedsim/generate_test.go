package feedsim

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Datasets are generated once per configuration and shared by the tests, which
// only read them.
var (
	cacheMu sync.Mutex
	cache   = map[Config]*Dataset{}
)

func dataset(t testing.TB, seed int64, scale float64) *Dataset {
	t.Helper()
	cfg := Config{Seed: seed, Scale: scale}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if ds, ok := cache[cfg]; ok {
		return ds
	}
	ds, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cache[cfg] = ds
	return ds
}

// small configurations every data test runs on: a usual one and the smallest.
var smalls = []struct {
	name  string
	seed  int64
	scale float64
}{
	{"scale 0.03", 3, 0.03},
	{"scale 0.001", 5, MinScale},
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"negative scale", Config{Scale: -1}},
		{"scale below the minimum", Config{Scale: 0.0005}},
		{"scale above the maximum", Config{Scale: 21}},
		{"NaN scale", Config{Scale: math.NaN()}},
		{"infinite scale", Config{Scale: math.Inf(1)}},
		{"as-of before the ad-hoc terms ended", Config{Scale: 0.01, AsOf: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}},
		{"as-of after 2030", Config{Scale: 0.01, AsOf: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Generate(tc.cfg)
			if err == nil || coverage.ErrorCode(err) != coverage.EINVALID {
				t.Errorf("got %v, %v; want an invalid error", ds != nil, err)
			}
		})
	}
}

func TestGenerateDefaults(t *testing.T) {
	a, err := Generate(Config{Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(Config{Seed: 1, Scale: 0.01, AsOf: DefaultAsOf})
	if err != nil {
		t.Fatal(err)
	}
	if !a.AsOf.Equal(DefaultAsOf) {
		t.Errorf("as-of: got %s, want %s", a.AsOf, DefaultAsOf)
	}
	ja, _ := json.Marshal(a.Participants)
	jb, _ := json.Marshal(b.Participants)
	if string(ja) != string(jb) {
		t.Error("the zero seed and as-of did not mean seed 1 and DefaultAsOf")
	}
}

func TestGenerateOtherAsOf(t *testing.T) {
	asOf := time.Date(2025, 3, 10, 6, 30, 0, 0, time.UTC)
	ds, err := Generate(Config{Seed: 2, Scale: 0.01, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, ds)
	last := coverage.Period("")
	for _, c := range ds.Contributions {
		last = max(last, c.Period)
	}
	if last != "2025-03" {
		t.Errorf("last contribution period: got %s, want 2025-03", last)
	}
}

// TestScaleOne checks the figures of docs/domain.md on the whole city.
func TestScaleOne(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the whole city")
	}
	ds := dataset(t, 1, 1)
	counts := map[coverage.Category]int{}
	for _, r := range ds.Roster {
		counts[r.Category]++
	}
	want := map[coverage.Category]int{"RT_RW": 1528, "KADER": 2650, "ADHOC_KPU": 11658, "ADHOC_BAWASLU": 1363,
		"NELAYAN": 332, "KEBERSIHAN_DLH": 61, "LINMAS": 1593}
	total := 0
	for c, n := range want {
		total += counts[c]
		if counts[c] != n {
			t.Errorf("roster %s: got %d, want %d", c, counts[c], n)
		}
	}
	if total != 19_185 || len(ds.Roster) != 19_185 {
		t.Errorf("roster: got %d entries (%d in the known categories), want 19185", len(ds.Roster), total)
	}
	w23, w24 := cityWorkforce(ds, 2023), cityWorkforce(ds, 2024)
	if w24 < 190_000 || w24 > 210_000 || w23 >= w24 {
		t.Errorf("workforce: got 2023 %d, 2024 %d; want 2024 near 200,000 and 2023 lower", w23, w24)
	}
	if got := cityWorkforce(ds, 2025); got != 176_000 {
		t.Errorf("2025 UCJ target: got %d, want 176000", got)
	}
	a24, a23 := active(ds, coverage.DateOf(ds.AsOf)), active(ds, "2023-12-31")
	if r := float64(a24) / float64(w24); math.Abs(r-0.53) > 0.0005 {
		t.Errorf("active at as-of / 2024 workforce: got %d / %d = %.4f, want 0.530 (docs/domain.md)", a24, w24, r)
	}
	if r := float64(a23) / float64(w23); math.Abs(r-0.47) > 0.0005 {
		t.Errorf("active at 2023-12-31 / 2023 workforce: got %d / %d = %.4f, want 0.470 (docs/domain.md: up 6 points)", a23, w23, r)
	}
	if n := len(ds.Participants); n < 100_000 || n > 140_000 {
		t.Errorf("participants: got %d, want on the order of 110,000", n)
	}
	if n := len(ds.Contributions); n < 500_000 || n > 900_000 {
		t.Errorf("contributions: got %d, want about 700,000", n)
	}
	checkSegments(t, ds, 0.01)
}

func cityWorkforce(ds *Dataset, year int) int64 {
	for _, w := range ds.Workforce {
		if w.Year == year && w.AreaCode == "3672" {
			return w.Workforce
		}
	}
	return 0
}

// active counts the memberships covering day on, as the reconciliation does:
// within their coverage dates and not lapsed (an INACTIVE member is inactive
// from the third unpaid month, the Period of its INACTIVE_3_MONTHS plant).
func active(ds *Dataset, on coverage.Date) int {
	lapse := map[string]coverage.Period{}
	for _, p := range ds.Planted {
		if p.Kind == PlantInactive3Months {
			lapse[p.KPJ] = p.Period
		}
	}
	n := 0
	for i := range ds.Participants {
		p := &ds.Participants[i]
		if p.CoverageStart > on || (p.CoverageEnd != "" && on > p.CoverageEnd) {
			continue
		}
		if l, ok := lapse[p.KPJ]; ok && on.Period() >= l {
			continue
		}
		n++
	}
	return n
}

// checkSegments checks the shares of the segments within tol.
func checkSegments(t *testing.T, ds *Dataset, tol float64) {
	t.Helper()
	seg := map[coverage.Segment]int{}
	for _, p := range ds.Participants {
		seg[p.Segment]++
	}
	for s, share := range map[coverage.Segment]float64{"PU": 0.55, "BPU": 0.40, "JAKON": 0.04, "PMI": 0.01} {
		if got := float64(seg[s]) / float64(len(ds.Participants)); math.Abs(got-share) > tol+share/10 {
			t.Errorf("segment %s: got %.3f of participants, want %.2f", s, got, share)
		}
	}
}

func TestCoverageRatesAtSmallScale(t *testing.T) {
	ds := dataset(t, 3, 0.03)
	w23, w24 := cityWorkforce(ds, 2023), cityWorkforce(ds, 2024)
	if r := float64(active(ds, coverage.DateOf(ds.AsOf))) / float64(w24); r < 0.50 || r > 0.56 {
		t.Errorf("2024 coverage: got %.3f, want 0.50 to 0.56", r)
	}
	if r := float64(active(ds, "2023-12-31")) / float64(w23); r < 0.44 || r > 0.50 {
		t.Errorf("2023 coverage: got %.3f, want 0.44 to 0.50", r)
	}
	checkSegments(t, ds, 0.02)
}

func TestWorkforce(t *testing.T) {
	ds := dataset(t, 3, 0.03)
	for _, year := range []int{2023, 2024} {
		city := cityWorkforce(ds, year)
		var sum int64
		kec := 0
		for _, w := range ds.Workforce {
			if w.Year == year && len(w.AreaCode) == 6 {
				sum += w.Workforce
				kec++
				if w.Basis != "BPS_EMPLOYED" || !strings.Contains(w.Source, "Sakernas") {
					t.Errorf("%s: got basis %s source %q", w.Key(), w.Basis, w.Source)
				}
			}
		}
		if sum != city || kec != 8 {
			t.Errorf("%d: got %d kecamatan summing to %d, want 8 summing to the city's %d", year, kec, sum, city)
		}
	}
	var ucj *coverage.WorkforceTarget
	for i := range ds.Workforce {
		if ds.Workforce[i].Basis == "UCJ_TARGET" {
			ucj = &ds.Workforce[i]
		}
	}
	if ucj == nil || ucj.Year != 2025 || ucj.AreaCode != "3672" || ucj.Workforce != int64(math.Round(176_000*0.03)) {
		t.Errorf("UCJ target: got %+v, want 2025, 3672, %d", ucj, int64(math.Round(176_000*0.03)))
	}
}

func TestRecordsAreValid(t *testing.T) {
	for _, sc := range smalls {
		t.Run(sc.name, func(t *testing.T) { checkRecords(t, dataset(t, sc.seed, sc.scale)) })
	}
}

// checkRecords checks what must hold of every dataset.
func checkRecords(t *testing.T, ds *Dataset) {
	t.Helper()
	areas := coverage.Cilegon()
	asOfDay := coverage.DateOf(ds.AsOf)
	invalidNIK := plantedNIKs(ds, PlantInvalidNIK)
	outside := plantedNIKs(ds, PlantDomicileOutsideCity)
	keys := map[string]bool{}
	unique := func(feed coverage.Feed, k string) {
		if keys[string(feed)+"|"+k] {
			t.Errorf("%s key %s repeated", feed, k)
		}
		keys[string(feed)+"|"+k] = true
	}
	stamp := func(what string, at time.Time) {
		if at.Location() != time.UTC || at.Nanosecond() != 0 || at.After(ds.AsOf) || at.Year() < 2023 {
			t.Errorf("%s updated_at %s: want whole seconds, UTC, in 2023 to as-of", what, at.Format(time.RFC3339Nano))
		}
	}
	otherCity := 0
	niks := map[string]string{}
	double := plantedNIKs(ds, PlantDoubleFunded)
	for _, p := range ds.Participants {
		if p.PayerType == coverage.PayerAPBD {
			// A wage earner before the city funded them: two KPJs, one NIK.
			double[p.NIK] = true
		}
	}
	for _, p := range ds.Participants {
		if kpj, ok := niks[p.NIK]; ok && !double[p.NIK] {
			t.Errorf("participants %s and %s share NIK %s and are no DOUBLE_FUNDED plant", kpj, p.KPJ, p.NIK)
		}
		niks[p.NIK] = p.KPJ
		if err := p.Validate(areas); err != nil {
			t.Errorf("participant %s: %v", p.KPJ, err)
		}
		unique(coverage.FeedParticipants, p.KPJ)
		stamp("participant "+p.KPJ, p.UpdatedAt)
		n, err := coverage.ParseNIK(p.NIK)
		switch {
		case err != nil && !invalidNIK[p.NIK]:
			t.Errorf("participant %s NIK %s: %v", p.KPJ, p.NIK, err)
		case err == nil && (n.BirthDate != p.BirthDate || n.Gender != p.Gender):
			t.Errorf("participant %s: NIK %s says %s %s, record says %s %s", p.KPJ, p.NIK, n.BirthDate, n.Gender, p.BirthDate, p.Gender)
		}
		if err == nil && n.CityCode != "3672" {
			otherCity++
		}
		if age := ageOn(p.BirthDate, asOfDay); age < 18 || age > 65 {
			t.Errorf("participant %s born %s: %d years old at as-of, want 18 to 65", p.KPJ, p.BirthDate, age)
		}
		if ageOn(p.BirthDate, p.RegisteredAt) < 18 {
			t.Errorf("participant %s born %s registered at %s, under 18", p.KPJ, p.BirthDate, p.RegisteredAt)
		}
		if p.RegisteredAt > p.CoverageStart || p.CoverageStart > asOfDay {
			t.Errorf("participant %s: registered %s, coverage from %s, as-of %s", p.KPJ, p.RegisteredAt, p.CoverageStart, asOfDay)
		}
		if !strings.HasPrefix(p.KelurahanCode, "3672") && !outside[p.NIK] {
			t.Errorf("participant %s lives in %s, outside the city, and is no plant", p.KPJ, p.KelurahanCode)
		}
		switch p.Status {
		case coverage.StatusActive:
			if p.CoverageEnd != "" && p.CoverageEnd < asOfDay {
				t.Errorf("participant %s ACTIVE with coverage ended %s", p.KPJ, p.CoverageEnd)
			}
		case coverage.StatusTerminated:
			if p.CoverageEnd == "" || p.CoverageEnd >= asOfDay {
				t.Errorf("participant %s TERMINATED with coverage_end %q", p.KPJ, p.CoverageEnd)
			}
		case coverage.StatusInactive:
			if p.CoverageEnd != "" || p.Segment != coverage.SegmentBPU || p.PayerType != coverage.PayerSelf {
				t.Errorf("participant %s INACTIVE: got end %q, %s %s; want a BPU self-payer with open coverage", p.KPJ, p.CoverageEnd, p.Segment, p.PayerType)
			}
		}
		if err := checkPrograms(p); err != "" {
			t.Errorf("participant %s: %s", p.KPJ, err)
		}
	}
	if share := float64(otherCity) / float64(len(ds.Participants)); len(ds.Participants) > 1000 && (share < 0.05 || share > 0.15) {
		t.Errorf("NIKs of other cities: got %.3f, want about 0.10", share)
	}
	idPattern := regexp.MustCompile(`^C\d{11}\d{6}[DN]?$`) // D: billed twice; N: under another NIK
	for _, c := range ds.Contributions {
		if err := c.Validate(); err != nil {
			t.Errorf("contribution %s: %v", c.ID, err)
		}
		if !idPattern.MatchString(c.ID) || c.ID[:18] != "C"+c.KPJ+string(c.Period[:4])+string(c.Period[5:]) {
			t.Errorf("contribution id %s for %s %s", c.ID, c.KPJ, c.Period)
		}
		unique(coverage.FeedContributions, c.ID)
		stamp("contribution "+c.ID, c.UpdatedAt)
	}
	for _, c := range ds.Claims {
		if err := c.Validate(); err != nil {
			t.Errorf("claim %s: %v", c.ClaimNo, err)
		}
		unique(coverage.FeedClaims, c.ClaimNo)
		stamp("claim "+c.ClaimNo, c.UpdatedAt)
	}
	for _, r := range ds.Roster {
		if err := r.Validate(areas); err != nil {
			t.Errorf("roster %s: %v", r.Key(), err)
		}
		if _, err := coverage.ParseNIK(r.NIK); err != nil && !invalidNIK[r.NIK] {
			t.Errorf("roster %s: %v", r.Key(), err)
		}
		if !strings.HasPrefix(r.KelurahanCode, "3672") && !outside[r.NIK] {
			t.Errorf("roster %s lives in %s, outside the city, and is no plant", r.Key(), r.KelurahanCode)
		}
		unique(coverage.FeedRoster, r.Key())
		stamp("roster "+r.Key(), r.UpdatedAt)
	}
	for _, w := range ds.Workforce {
		if err := w.Validate(areas); err != nil {
			t.Errorf("workforce %s: %v", w.Key(), err)
		}
		unique(coverage.FeedWorkforce, w.Key())
		stamp("workforce "+w.Key(), w.UpdatedAt)
	}
	perFeed := map[coverage.Feed]int{}
	for _, tb := range ds.Tombstones {
		perFeed[tb.Feed]++
		if keys[string(tb.Feed)+"|"+tb.Key] {
			t.Errorf("tombstone %s %s is also live", tb.Feed, tb.Key)
		}
		var v map[string]any
		if err := json.Unmarshal(tb.JSON, &v); err != nil || v["deleted"] != true || v["updated_at"] != tb.UpdatedAt.Format(time.RFC3339) {
			t.Errorf("tombstone %s: got %s", tb.Key, tb.JSON)
		}
		stamp("tombstone "+tb.Key, tb.UpdatedAt)
	}
	for _, f := range coverage.Feeds {
		if perFeed[f] == 0 {
			t.Errorf("no tombstone in %s", f)
		}
	}
	invalid := map[coverage.Feed]int{}
	for _, r := range ds.Invalid {
		invalid[r.Feed]++
		if err := validateRaw(r.Feed, r.JSON, areas); err == nil {
			t.Errorf("invalid %s record (%s) passes validation: %s", r.Feed, r.Reason, r.JSON)
		}
		stamp("invalid "+r.Reason, r.UpdatedAt)
	}
	for _, f := range coverage.Feeds {
		if invalid[f] < 3 {
			t.Errorf("%s: got %d invalid records, want a few", f, invalid[f])
		}
	}
}

func checkPrograms(p coverage.Participant) string {
	has := map[coverage.Program]bool{}
	for _, x := range p.Programs {
		has[x] = true
	}
	ok := has["JKK"] && has["JKM"]
	switch p.Segment {
	case coverage.SegmentPU:
		ok = ok && has["JHT"] && has["JP"] && p.PayerType == coverage.PayerEmployer &&
			p.DeclaredIncome >= 2_500_000 && p.DeclaredIncome <= 15_000_000
	case coverage.SegmentBPU:
		ok = ok && !has["JP"] && !has["JKP"] && p.PayerType != coverage.PayerEmployer && p.DeclaredIncome >= 1_000_000
	case coverage.SegmentJAKON:
		ok = ok && len(p.Programs) == 2
	case coverage.SegmentPMI:
		ok = ok && has["JHT"] && len(p.Programs) == 3
	}
	if !ok {
		return fmt.Sprintf("programs %v, payer %s, income %d do not fit segment %s", p.Programs, p.PayerType, p.DeclaredIncome, p.Segment)
	}
	return ""
}

func ageOn(birth, on coverage.Date) int {
	b, o := birth.Time(), on.Time()
	age := o.Year() - b.Year()
	if o.YearDay() < b.YearDay() {
		age--
	}
	return age
}

// validateRaw decodes a record of a feed and validates it.
func validateRaw(feed coverage.Feed, raw []byte, areas *coverage.Areas) error {
	switch feed {
	case coverage.FeedParticipants:
		var v coverage.Participant
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		return v.Validate(areas)
	case coverage.FeedContributions:
		var v coverage.Contribution
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		return v.Validate()
	case coverage.FeedClaims:
		var v coverage.Claim
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		return v.Validate()
	case coverage.FeedRoster:
		var v coverage.RosterEntry
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		return v.Validate(areas)
	default:
		var v coverage.WorkforceTarget
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		return v.Validate(areas)
	}
}

func plantedNIKs(ds *Dataset, kind string) map[string]bool {
	out := map[string]bool{}
	for _, p := range ds.Planted {
		if p.Kind == kind {
			out[p.NIK] = true
		}
	}
	return out
}

func TestUpdatedAtSpreadAndTies(t *testing.T) {
	ds := dataset(t, 3, 0.03)
	months := map[string]bool{}
	bySecond := map[time.Time]int{}
	for _, c := range ds.Contributions {
		months[c.UpdatedAt.Format("2006-01")] = true
		bySecond[c.UpdatedAt]++
	}
	for _, p := range ds.Participants {
		months[p.UpdatedAt.Format("2006-01")] = true
		bySecond[p.UpdatedAt]++
	}
	if len(months) < 18 {
		t.Errorf("updated_at falls in %d months, want most months of 2023-2024", len(months))
	}
	ties := 0
	for _, n := range bySecond {
		if n >= 3 {
			ties++
		}
	}
	if ties < 20 {
		t.Errorf("got %d seconds shared by 3 or more records, want many", ties)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
