package worker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

func TestFeedsConfiguration(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "feeds.yaml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{"BPJS_TOKEN": "s3cret", "DISNAKER_TOKEN": "other"}
	getenv := func(k string) string { return env[k] }
	def := FeedConfig{BaseURL: "http://feeds.local/v1", Schedule: "0 2 * * *", PageSize: 500}

	path := write(`
defaults:
  token_env: BPJS_TOKEN
  timeout: 90s
feeds:
  participants:
    schedule: "0 */6 * * *"
    page_size: 2000
  roster:
    base_url: https://disnaker.cilegon.go.id/feeds
    token_env: DISNAKER_TOKEN
  workforce:
    enabled: false
`)
	confs, err := LoadFeeds(path, def, getenv)
	if err != nil {
		t.Fatal(err)
	}
	by := map[coverage.Feed]FeedConfig{}
	for _, c := range confs {
		by[c.Feed] = c
	}
	if len(confs) != len(coverage.Feeds) {
		t.Fatalf("got %d feeds, want every feed", len(confs))
	}
	p := by[coverage.FeedParticipants]
	if p.Schedule != "0 */6 * * *" || p.PageSize != 2000 || p.Token != "s3cret" || p.Timeout != 90*time.Second || p.BaseURL != def.BaseURL || !p.Enabled {
		t.Errorf("participants: got %+v", p)
	}
	if c := by[coverage.FeedContributions]; c.Schedule != def.Schedule || c.PageSize != 500 || c.Token != "s3cret" {
		t.Errorf("contributions take the defaults: got %+v", c)
	}
	if r := by[coverage.FeedRoster]; r.BaseURL != "https://disnaker.cilegon.go.id/feeds" || r.Token != "other" || r.TokenEnv != "DISNAKER_TOKEN" {
		t.Errorf("roster: got %+v", r)
	}
	if by[coverage.FeedWorkforce].Enabled {
		t.Error("workforce is enabled, want disabled")
	}
	if s := p.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "$BPJS_TOKEN") {
		t.Errorf("String shows %q: want the variable's name, never the token", s)
	}

	none, err := LoadFeeds("", def, getenv)
	if err != nil || len(none) != len(coverage.Feeds) || none[0].BaseURL != def.BaseURL || none[0].Timeout != defaultRequestTimeout {
		t.Errorf("no file: got %+v, %v", none, err)
	}

	for _, tc := range []struct{ file, want string }{
		{"feeds:\n  members: {}\n", "unknown feeds members"},
		{"feeds:\n  claims:\n    schedul: x\n", "schedul"},
		{"feeds:\n  claims:\n    schedule: every night\n", "every night"},
		{"defaults:\n  token_env: MISSING\n", "MISSING is not set"},
		{"feeds:\n  claims:\n    page_size: 9000\n", "page_size"},
		{"feeds:\n  claims:\n    timeout: soon\n", "timeout"},
		{"feeds:\n  claims:\n    base_url: ftp://x\n", "base_url"},
		{"feeds: [", "feeds.yaml"},
	} {
		_, err := LoadFeeds(write(tc.file), def, getenv)
		if err == nil || !strings.Contains(err.Error(), tc.want) || coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("file %q: got %v, want an invalid error mentioning %q", tc.file, err, tc.want)
		}
	}
	if _, err := LoadFeeds(filepath.Join(dir, "absent.yaml"), def, getenv); err == nil {
		t.Error("a missing file was accepted")
	}
}
