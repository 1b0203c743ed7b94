package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestStopGraceConfig: the shutdown grace defaults to 20 s, comes from the flag
// or the environment, and a bad value is refused naming where it came from.
func TestStopGraceConfig(t *testing.T) {
	c, err := parseConfig("worker", nil, io.Discard)
	if err != nil || c.StopGrace != 20*time.Second {
		t.Fatalf("default: got %s, %v; want 20s", c.StopGrace, err)
	}
	if c, err = parseConfig("serve", []string{"--stop-grace", "45s"}, io.Discard); err != nil || c.StopGrace != 45*time.Second {
		t.Fatalf("flag: got %s, %v; want 45s", c.StopGrace, err)
	}
	if _, err = parseConfig("worker", []string{"--stop-grace", "-1s"}, io.Discard); err == nil || !strings.Contains(err.Error(), "stop grace") {
		t.Errorf("negative grace: got %v, want an error", err)
	}
	t.Setenv("JAMSOSTEK_STOP_GRACE", "soon")
	if _, err = parseConfig("worker", nil, io.Discard); err == nil || !strings.Contains(err.Error(), "JAMSOSTEK_STOP_GRACE") {
		t.Errorf("bad environment value: got %v, want an error naming JAMSOSTEK_STOP_GRACE", err)
	}
}
