package worker

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedulerRunsWithoutOverlapAndSurvivesPanics(t *testing.T) {
	var runs, running, overlaps atomic.Int32
	job := func(ctx context.Context) {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		if runs.Add(1) == 1 {
			panic("first run fails")
		}
		select { // longer than the interval: the next ticks must be skipped
		case <-time.After(1500 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	s, err := NewScheduler("@every 1s", job, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4500*time.Millisecond)
	defer cancel()
	s.Run(ctx) // returns after ctx ends and the running job has stopped
	if runs.Load() < 2 {
		t.Errorf("got %d runs, want the schedule to go on after a panic", runs.Load())
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d runs overlapped", overlaps.Load())
	}
	if running.Load() != 0 {
		t.Error("Run returned while a job was running")
	}
	if _, err := NewScheduler("every day", job, slog.Default()); err == nil {
		t.Error("a bad schedule was accepted")
	}
	next := s.Next(time.Date(2024, 8, 22, 1, 0, 0, 0, time.UTC))
	if next.Location() != Jakarta {
		t.Errorf("next run in %v, want Asia/Jakarta", next.Location())
	}
}
