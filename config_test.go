package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
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

// TestRulesFileConfig (issue 12): --rules-file or JAMSOSTEK_RULES_FILE is
// read at start by every command that reconciles (coverage.LoadRuleSet); a
// file that does not read fails the start (exit 2) naming the file and where
// it came from, before anything runs; none gives the default rules.
func TestRulesFileConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(good, []byte(`{"tariffs":[{"program":"JKM","valid_from":"2021-02","flat":7000,"source":"test"}],
		"benefits":[{"program":"JKM","benefit":"DEATH","valid_from":"2019-01","max_amount":42000000,"source":"test"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"tariffs": [], "ceilings": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"serve", "worker", "sync", "demo", "reconcile"} {
		c, err := parseConfig(cmd, []string{"--rules-file", good}, io.Discard)
		if err != nil || len(c.Rules.Benefits) != 1 || c.Rules.Benefits[0].MaxAmount != 42_000_000 || len(c.Rules.Tariffs) != 1 {
			t.Errorf("%s --rules-file: %+v, %v", cmd, c.Rules, err)
		}
	}
	if c, err := parseConfig("reconcile", nil, io.Discard); err != nil || !reflect.DeepEqual(c.Rules, coverage.DefaultRuleSet()) {
		t.Errorf("no rules file: %+v, %v; want the defaults", c.Rules, err)
	}
	err := run(context.Background(), []string{"reconcile", "--rules-file", bad, "--data-dir", filepath.Join(dir, "db")}, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "JAMSOSTEK_RULES_FILE") {
		t.Errorf("a bad rules file: %v (exit %d), want exit 2 naming the file and the variable", err, exitCode(err))
	}
	if _, err := os.Stat(filepath.Join(dir, "db")); err == nil {
		t.Error("the database was opened before the rules file was refused")
	}
	t.Setenv("JAMSOSTEK_RULES_FILE", filepath.Join(dir, "missing.json"))
	if _, err := parseConfig("serve", nil, io.Discard); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("a missing rules file: %v", err)
	}
}

// TestAsOfFlag: feedsim and demo take the simulated feeds' as_of, so a
// snapshot near midnight WIB can be served; the default is the simulator's.
func TestAsOfFlag(t *testing.T) {
	for _, cmd := range []string{"feedsim", "demo"} {
		c, err := parseConfig(cmd, []string{"--as-of", "2024-08-15T23:59:00+07:00"}, io.Discard)
		if want := time.Date(2024, 8, 15, 16, 59, 0, 0, time.UTC); err != nil || !c.AsOf.Equal(want) {
			t.Errorf("%s --as-of: %v %v, want %v", cmd, c.AsOf, err, want)
		}
		if c, err := parseConfig(cmd, nil, io.Discard); err != nil || !c.AsOf.IsZero() {
			t.Errorf("%s without --as-of: %v %v, want the simulator's default", cmd, c.AsOf, err)
		}
	}
}
