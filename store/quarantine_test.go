package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestCurrentQuarantine (issue 12): of the rejected roster rows, the current
// ones are what an officer still has to fix at the source: the newest
// rejection of each row; none once the feed delivered a valid version at
// least as new; a row without a readable key stays. Other feeds' rejections
// are not the roster's.
func TestCurrentQuarantine(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	received := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	var qs []coverage.Quarantined
	reject := func(feed coverage.Feed, key, raw, reason string) string {
		qs = append(qs, coverage.Quarantined{Feed: feed, RunID: "run-1", Key: key, Raw: raw, Reason: reason, ReceivedAt: received})
		return store.QuarantineID(feed, raw)
	}
	const (
		nikX = "3672010101900001"
		nikY = "3672010101900002"
		nikZ = "3672010101900003"
	)
	keyX, keyY, keyZ := coverage.RosterKey(nikX, "KADER"), coverage.RosterKey(nikY, "LINMAS"), coverage.RosterKey(nikZ, "MARBOT")
	reject(coverage.FeedRoster, keyX, `{"nik":"`+nikX+`","category":"KADER","kelurahan_code":"9999999999","updated_at":"2024-03-01T00:00:00Z"}`, "kelurahan_code is not of the city")
	reject(coverage.FeedRoster, keyY, `{"nik":"`+nikY+`","category":"LINMAS","funded_from":"2024-13","updated_at":"2024-02-01T00:00:00Z"}`, "funded_from is not a month")
	newestY := reject(coverage.FeedRoster, keyY, `{"nik":"`+nikY+`","category":"LINMAS","funded_from":"2024-14","updated_at":"2024-04-01T00:00:00Z"}`, "funded_from is not a month")
	stillZ := reject(coverage.FeedRoster, keyZ, `{"nik":"`+nikZ+`","category":"MARBOT","agency":"","updated_at":"2024-05-01T00:00:00Z"}`, "agency is missing")
	noKey := reject(coverage.FeedRoster, "", `{"category":"KADER","updated_at":"2024-05-01T00:00:00Z"}`, "record has no key")
	reject(coverage.FeedParticipants, "11000000001", `{"kpj":"11000000001"}`, "nik is missing")
	if err := s.AddQuarantined(ctx, qs); err != nil {
		t.Fatal(err)
	}
	entry := func(nik string, cat coverage.Category, updated string) store.Record {
		at, _ := time.Parse(time.RFC3339, updated)
		return store.Record{Key: coverage.RosterKey(nik, cat), UpdatedAt: at, Value: &coverage.RosterEntry{NIK: nik, Name: "x", Category: cat,
			Agency: "Dinas", KelurahanCode: "3672011001", FundedFrom: "2024-01", UpdatedAt: at}}
	}
	// X corrected at the source after its rejection; Z's valid version is
	// older than its rejection.
	if _, err := s.Apply(ctx, coverage.FeedRoster, []store.Record{entry(nikX, "KADER", "2024-03-05T00:00:00Z"), entry(nikZ, "MARBOT", "2024-04-01T00:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CurrentQuarantine(ctx, coverage.FeedRoster)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range got {
		ids = append(ids, q.ID)
		if q.Feed != coverage.FeedRoster || q.Reason == "" || q.Raw == "" {
			t.Errorf("entry %+v", q)
		}
	}
	want := []string{newestY, stillZ, noKey}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("current roster rejections %v, want %v", ids, want)
	}
}
