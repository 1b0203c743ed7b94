package feedsim

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Tombstone bodies: the key fields, deleted and updated_at, in this order.
type (
	participantGone struct {
		KPJ       string    `json:"kpj"`
		Deleted   bool      `json:"deleted"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	contributionGone struct {
		ID        string    `json:"id"`
		Deleted   bool      `json:"deleted"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	claimGone struct {
		ClaimNo   string    `json:"claim_no"`
		Deleted   bool      `json:"deleted"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	rosterGone struct {
		NIK       string            `json:"nik"`
		Category  coverage.Category `json:"category"`
		Deleted   bool              `json:"deleted"`
		UpdatedAt time.Time         `json:"updated_at"`
	}
	workforceGone struct {
		Year      int       `json:"year"`
		AreaCode  string    `json:"area_code"`
		Deleted   bool      `json:"deleted"`
		UpdatedAt time.Time `json:"updated_at"`
	}
)

func (g *gen) tombstone(feed coverage.Feed, key string, at time.Time, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	g.ds.Tombstones = append(g.ds.Tombstones, Tombstone{Feed: feed, Key: key, JSON: b, UpdatedAt: at})
}

// tombstones: records created and later deleted at the source. Their keys were
// never live in this snapshot.
func (g *gen) tombstones() {
	// Roster entries added and then taken off by their agency: people who moved
	// away, and election staff replaced before the vote.
	for range g.n(20) {
		c := pick(g, []coverage.Category{coverage.CategoryKader, coverage.CategoryRTRW, coverage.CategoryLinmas})
		id := g.newIdentity("", 25, 60, 50, time.Time{})
		at := g.desk(g.dayIn(jan2023, g.today))
		g.tombstone(coverage.FeedRoster, coverage.RosterKey(id.nik, c), at, rosterGone{id.nik, c, true, at})
	}
	for range g.n(30) {
		id := g.newIdentity("", 18, 55, 40, time.Time{})
		at := g.desk(g.dayIn(time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 10, 0, 0, 0, 0, time.UTC)))
		g.tombstone(coverage.FeedRoster, coverage.RosterKey(id.nik, coverage.CategoryAdhocKPU), at, rosterGone{id.nik, coverage.CategoryAdhocKPU, true, at})
	}
	// Duplicate registrations, merged into the member's first number.
	for range g.n(10) {
		reg := g.dayIn(jan2023, g.today)
		kpj := g.kpj(reg)
		at := g.desk(g.dayIn(reg, g.today))
		g.tombstone(coverage.FeedParticipants, kpj, at, participantGone{kpj, true, at})
	}
	// Bills voided: issued for the month after a membership ended.
	var ended []*person
	for _, pp := range g.people {
		if pp.enrolled && pp.p.Segment == coverage.SegmentBPU && pp.p.Status == coverage.StatusTerminated && monOf(pp.end) < g.lastMonth {
			ended = append(ended, pp)
		}
	}
	for i := 0; i < g.n(15) && len(ended) > 0; i++ {
		j := g.rng.IntN(len(ended))
		pp := ended[j]
		ended = append(ended[:j], ended[j+1:]...)
		m := monOf(pp.end) + 1
		id := "C" + pp.p.KPJ + m.yyyymm()
		at := g.desk(g.dayIn(m.first().AddDate(0, 0, 2), minTime(m.day(20), g.today)))
		g.tombstone(coverage.FeedContributions, id, at, contributionGone{id, true, at})
	}
	// Claims filed twice, the copy withdrawn.
	for range g.n(5) {
		day := g.dayIn(jan2023, g.today)
		no := g.claimNo(day.Year())
		at := g.desk(day)
		g.tombstone(coverage.FeedClaims, no, at, claimGone{no, true, at})
	}
	// A kelurahan figure published and withdrawn.
	at := g.clamp(time.Date(2024, 2, 6, 10, 15, 0, 0, time.UTC))
	g.tombstone(coverage.FeedWorkforce, coverage.WorkforceKey(2023, "3672011001"), at, workforceGone{2023, "3672011001", true, at})
}

// invalidRecords: records of every feed that fail validation, as a real source
// sends now and then. Each is a valid record with one fault.
func (g *gen) invalidRecords() {
	base := map[coverage.Feed]string{
		coverage.FeedParticipants:  `{"kpj":"24900000017","nik":"3672011205900001","name":"Dadang Suryana","birth_date":"1990-05-12","gender":"M","segment":"BPU","occupation":"PEDAGANG","programs":["JKK","JKM"],"payer_type":"SELF","status":"ACTIVE","registered_at":"2024-01-02","coverage_start":"2024-01-02","coverage_end":null,"kelurahan_code":"3672011001","declared_income":1000000,"updated_at":"T"}`,
		coverage.FeedContributions: `{"id":"C24900000017202403","kpj":"24900000017","nik":"3672011205900001","period":"2024-03","programs":["JKK","JKM"],"amount_due":16800,"amount_paid":16800,"paid_at":"2024-03-11","payer_type":"SELF","updated_at":"T"}`,
		coverage.FeedClaims:        `{"claim_no":"K2024900001","kpj":"24900000017","nik":"3672011205900001","program":"JKK","benefit":"MEDICAL","incident_date":"2024-03-01","submitted_at":"2024-03-05","status":"SUBMITTED","amount_claimed":1500000,"amount_paid":0,"paid_at":null,"updated_at":"T"}`,
		coverage.FeedRoster:        `{"nik":"3672014506880002","name":"Euis Rohayati","category":"KADER","agency":"Dinas Kesehatan","kelurahan_code":"3672011002","funded_from":"2024-01","funded_until":null,"updated_at":"T"}`,
		coverage.FeedWorkforce:     `{"year":2024,"area_code":"367201","workforce":21000,"basis":"BPS_EMPLOYED","source":"BPS Kota Cilegon (simulated)","updated_at":"T"}`,
	}
	type fault struct {
		feed     coverage.Feed
		key      string
		from, to string // replace from with to in the base record
		reason   string
	}
	faults := []fault{
		{coverage.FeedParticipants, "24900000017", `"segment":"BPU"`, `"segment":"XYZ"`, "unknown segment XYZ"},
		{coverage.FeedParticipants, "24900000025", `"kelurahan_code":"3672011001"`, `"kelurahan_code":"3672019999"`, "kelurahan code under the city that does not exist"},
		{coverage.FeedParticipants, "24900000033", `"nik":"3672011205900001"`, `"nik":"367201120590001"`, "NIK of 15 digits"},
		{coverage.FeedParticipants, "24900000041", `"declared_income":1000000`, `"declared_income":-1000000`, "negative declared income"},
		{coverage.FeedParticipants, "", `"kpj":"24900000017",`, ``, "kpj missing"},
		{coverage.FeedContributions, "C24900000017202403", `"amount_due":16800,`, `"amount_due":16800.5,`, "fractional rupiah"},
		{coverage.FeedContributions, "C24900000017202404", `"amount_paid":16800`, `"amount_paid":-16800`, "negative rupiah"},
		{coverage.FeedContributions, "C24900000017202405", `"payer_type":"SELF"`, `"payer_type":"PEMDA"`, "unknown payer PEMDA"},
		{coverage.FeedContributions, "", `"id":"C24900000017202403",`, ``, "id missing"},
		{coverage.FeedClaims, "", `"claim_no":"K2024900001",`, ``, "claim_no missing"},
		{coverage.FeedClaims, "K2024900002", `"program":"JKK"`, `"program":"JKX"`, "unknown program JKX"},
		{coverage.FeedClaims, "K2024900003", `"nik":"3672011205900001"`, `"nik":"36720112O5900001"`, "NIK with a letter O"},
		{coverage.FeedClaims, "K2024900004", `"amount_claimed":1500000`, `"amount_claimed":1500000.75`, "fractional rupiah"},
		{coverage.FeedRoster, "36720145O6880002:KADER", `"nik":"3672014506880002"`, `"nik":"36720145O6880002"`, "NIK with a letter O"},
		{coverage.FeedRoster, "3672014506889901:KADER", `"kelurahan_code":"3672011002"`, `"kelurahan_code":"3672019999"`, "kelurahan code under the city that does not exist"},
		{coverage.FeedRoster, "3672014506889902:RT RW", `"category":"KADER"`, `"category":"RT RW"`, "category is not a code"},
		{coverage.FeedRoster, ":KADER", `"nik":"3672014506880002",`, ``, "nik missing"},
		{coverage.FeedWorkforce, "2024:3672999", `"area_code":"367201"`, `"area_code":"3672999"`, "area code of 7 digits"},
		{coverage.FeedWorkforce, "2024:367202", `"workforce":21000`, `"workforce":-21000`, "negative workforce"},
		{coverage.FeedWorkforce, "2024:367203", `"workforce":21000`, `"workforce":21000.5`, "fractional workforce"},
	}
	for _, f := range faults {
		at := g.desk(g.dayIn(jan2023.AddDate(0, 1, 0), g.today))
		raw := strings.Replace(base[f.feed], f.from, f.to, 1)
		if raw == base[f.feed] {
			panic("feedsim: invalid record template does not apply: " + f.reason)
		}
		// Make the keys differ as the key column says.
		switch {
		case f.feed == coverage.FeedParticipants && f.key != "":
			raw = strings.Replace(raw, `"kpj":"24900000017"`, `"kpj":"`+f.key+`"`, 1)
		case f.feed == coverage.FeedContributions && f.key != "":
			raw = strings.Replace(raw, `"id":"C24900000017202403"`, `"id":"`+f.key+`"`, 1)
		case f.feed == coverage.FeedClaims && f.key != "" && f.key != "K2024900001":
			raw = strings.Replace(raw, `"claim_no":"K2024900001"`, `"claim_no":"`+f.key+`"`, 1)
		case f.feed == coverage.FeedRoster && strings.HasPrefix(f.key, "36720145068899"):
			raw = strings.Replace(raw, `"nik":"3672014506880002"`, `"nik":"`+f.key[:16]+`"`, 1)
		case f.feed == coverage.FeedWorkforce && f.key == "2024:367202":
			raw = strings.Replace(raw, `"area_code":"367201"`, `"area_code":"367202"`, 1)
		case f.feed == coverage.FeedWorkforce && f.key == "2024:367203":
			raw = strings.Replace(raw, `"area_code":"367201"`, `"area_code":"367203"`, 1)
		}
		raw = strings.Replace(raw, `"updated_at":"T"`, `"updated_at":"`+at.Format(time.RFC3339)+`"`, 1)
		g.ds.Invalid = append(g.ds.Invalid, RawRecord{Feed: f.feed, Key: f.key, JSON: []byte(raw), UpdatedAt: at, Reason: f.reason})
		if f.feed == coverage.FeedRoster {
			// The sync quarantines the row; the reconciliation files it
			// (ROSTER_ROW_REJECTED) for the roster's owner.
			var row struct {
				NIK      string `json:"nik"`
				Category string `json:"category"`
			}
			if err := json.Unmarshal([]byte(raw), &row); err != nil {
				panic(err)
			}
			p := Plant{Kind: PlantRosterRowRejected, NIK: row.NIK, Ref: f.key, Detail: f.reason}
			if c := coverage.Category(row.Category); c.Validate() == nil {
				p.Category = c
			}
			g.plant(p)
		}
	}
}

// finish collects the roster and the claims and sorts everything by key.
func (g *gen) finish() {
	for _, pp := range g.people {
		g.ds.Roster = append(g.ds.Roster, pp.roster...)
	}
	ds := g.ds
	// Participants and contributions were made in key order (see simulate).
	if !slices.IsSortedFunc(ds.Participants, func(a, b coverage.Participant) int { return strings.Compare(a.KPJ, b.KPJ) }) {
		slices.SortFunc(ds.Participants, func(a, b coverage.Participant) int { return strings.Compare(a.KPJ, b.KPJ) })
	}
	if !slices.IsSortedFunc(ds.Contributions, func(a, b coverage.Contribution) int { return strings.Compare(a.ID, b.ID) }) {
		slices.SortFunc(ds.Contributions, func(a, b coverage.Contribution) int { return strings.Compare(a.ID, b.ID) })
	}
	slices.SortFunc(ds.Claims, func(a, b coverage.Claim) int { return strings.Compare(a.ClaimNo, b.ClaimNo) })
	slices.SortFunc(ds.Roster, func(a, b coverage.RosterEntry) int { return strings.Compare(a.Key(), b.Key()) })
	slices.SortFunc(ds.Workforce, func(a, b coverage.WorkforceTarget) int { return strings.Compare(a.Key(), b.Key()) })
	// A stable sort by kind, NIK, KPJ and month, done on indices (ties by
	// index): moving 100,000 plants around costs more than comparing them.
	idx := make([]int32, len(g.plants))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		a, b := &g.plants[i], &g.plants[j]
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.NIK, b.NIK), strings.Compare(a.KPJ, b.KPJ),
			strings.Compare(string(a.Period), string(b.Period)), cmp.Compare(i, j))
	})
	ds.Planted = make([]Plant, len(idx))
	for i, j := range idx {
		ds.Planted[i] = g.plants[j]
	}
}
