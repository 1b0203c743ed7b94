package worker

import (
	"testing"
	"time"
)

func TestSchedulesAreInJakartaAndAgreeAcrossReplicas(t *testing.T) {
	daily, err := ParseSchedule("0 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 8, 22, 1, 0, 0, 0, time.UTC) // 08:00 WIB
	if got, want := LatestTick(daily, now), time.Date(2024, 8, 22, 2, 0, 0, 0, Jakarta); !got.Equal(want) {
		t.Errorf("latest daily tick at %v: got %v, want %v", now, got, want)
	}
	if got, want := daily.Next(now), time.Date(2024, 8, 23, 2, 0, 0, 0, Jakarta); !got.Equal(want) {
		t.Errorf("next daily tick: got %v, want %v", got, want)
	}
	every, err := ParseSchedule("@every 15m")
	if err != nil {
		t.Fatal(err)
	}
	// Two replicas started at different times agree on the ticks.
	a, b := every.Next(now.Add(3*time.Minute)), every.Next(now.Add(7*time.Minute+13*time.Second))
	if !a.Equal(b) || !a.Equal(now.Add(15*time.Minute)) {
		t.Errorf("@every 15m: replicas got %v and %v, want %v", a, b, now.Add(15*time.Minute))
	}
	if got := LatestTick(every, now.Add(29*time.Minute)); !got.Equal(now.Add(15 * time.Minute)) {
		t.Errorf("latest @every 15m tick: got %v", got)
	}
	monthly, _ := ParseSchedule("30 1 1 * *")
	if got, want := LatestTick(monthly, now), time.Date(2024, 8, 1, 1, 30, 0, 0, Jakarta); !got.Equal(want) {
		t.Errorf("latest monthly tick: got %v, want %v", got, want)
	}
	never, _ := ParseSchedule("0 0 30 2 *")
	if got := LatestTick(never, now); !got.IsZero() {
		t.Errorf("30 February fired at %v", got)
	}
	for _, bad := range []string{"every day", "61 * * * *", ""} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("schedule %q was accepted", bad)
		}
	}
}
