package worker

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/cilegon/jamsostek/coverage"
)

// FeedConfig is how the worker pulls one feed.
type FeedConfig struct {
	Feed     coverage.Feed
	Enabled  bool
	BaseURL  string
	TokenEnv string // the environment variable the token came from ("" when given directly)
	Token    string // the bearer token itself; never printed
	Schedule string // cron spec, Asia/Jakarta time
	PageSize int
	Timeout  time.Duration // per request attempt
}

// String prints the configuration without the token.
func (c FeedConfig) String() string {
	tok := "none"
	switch {
	case c.TokenEnv != "":
		tok = "$" + c.TokenEnv
	case c.Token != "":
		tok = "***"
	}
	return fmt.Sprintf("%s enabled=%t base_url=%s token=%s schedule=%q page_size=%d timeout=%s",
		c.Feed, c.Enabled, c.BaseURL, tok, c.Schedule, c.PageSize, c.Timeout)
}

// feedSettings is one block of the feeds file; every field is optional.
type feedSettings struct {
	Enabled  *bool  `yaml:"enabled"`
	BaseURL  string `yaml:"base_url"`
	TokenEnv string `yaml:"token_env"`
	Schedule string `yaml:"schedule"`
	PageSize int    `yaml:"page_size"`
	Timeout  string `yaml:"timeout"`
}

// feedsFile is the feeds configuration file (docs/worker.md).
type feedsFile struct {
	Defaults feedSettings            `yaml:"defaults"`
	Feeds    map[string]feedSettings `yaml:"feeds"`
}

// LoadFeeds returns the configuration of every feed: def (from the environment
// and flags), overlaid by the file's defaults, overlaid by the file's block for
// the feed. path "" uses def for every feed. Tokens are read from the
// environment variables the file names (getenv; os.Getenv when nil); the file
// never holds a secret. Every error names the file, the feed and the field.
func LoadFeeds(path string, def FeedConfig, getenv func(string) string) ([]FeedConfig, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var file feedsFile
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, coverage.Errorf(coverage.EINVALID, "feeds configuration: %v", err)
		}
		if err := yaml.UnmarshalWithOptions(data, &file, yaml.Strict()); err != nil {
			return nil, coverage.Errorf(coverage.EINVALID, "feeds configuration %s: %s", path, yaml.FormatError(err, false, true))
		}
		var unknown []string
		for name := range file.Feeds {
			if !coverage.Feed(name).Valid() {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return nil, coverage.Errorf(coverage.EINVALID, "feeds configuration %s: unknown feeds %s (want %s)", path, strings.Join(unknown, ", "), feedNames())
		}
	}
	if def.Timeout == 0 {
		def.Timeout = defaultRequestTimeout
	}
	if def.PageSize == 0 {
		def.PageSize = 500
	}
	def.Enabled = true
	var out []FeedConfig
	for _, f := range coverage.Feeds {
		c := def
		c.Feed = f
		for _, layer := range []feedSettings{file.Defaults, file.Feeds[string(f)]} {
			if err := c.overlay(layer, getenv); err != nil {
				return nil, coverage.Errorf(coverage.EINVALID, "feeds configuration %s: feed %s: %v", path, f, err)
			}
		}
		if err := c.validate(); err != nil {
			where := "feed " + string(f)
			if path != "" {
				where = path + ": " + where
			}
			return nil, coverage.Errorf(coverage.EINVALID, "%s: %v", where, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (c *FeedConfig) overlay(s feedSettings, getenv func(string) string) error {
	if s.Enabled != nil {
		c.Enabled = *s.Enabled
	}
	if s.BaseURL != "" {
		c.BaseURL = s.BaseURL
	}
	if s.Schedule != "" {
		c.Schedule = s.Schedule
	}
	if s.PageSize != 0 {
		c.PageSize = s.PageSize
	}
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil {
			return fmt.Errorf("timeout %q: want a duration such as 60s or 2m", s.Timeout)
		}
		c.Timeout = d
	}
	if s.TokenEnv != "" {
		c.TokenEnv, c.Token = s.TokenEnv, getenv(s.TokenEnv)
	}
	return nil
}

func (c FeedConfig) validate() error {
	if !c.Enabled {
		return nil
	}
	if c.BaseURL == "" {
		return fmt.Errorf("no base_url (set it in the file or JAMSOSTEK_FEED_BASE_URL)")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base_url %q: want an http or https URL", c.BaseURL)
	}
	if c.TokenEnv != "" && c.Token == "" {
		return fmt.Errorf("token_env %s is not set in the environment", c.TokenEnv)
	}
	if _, err := ParseSchedule(c.Schedule); err != nil {
		return err
	}
	if c.PageSize < 1 || c.PageSize > 5000 {
		return fmt.Errorf("page_size must be between 1 and 5000, got %d", c.PageSize)
	}
	if c.Timeout <= 0 || c.Timeout > 10*time.Minute {
		return fmt.Errorf("timeout must be above 0 and at most 10m, got %s", c.Timeout)
	}
	return nil
}

func feedNames() string {
	names := make([]string, len(coverage.Feeds))
	for i, f := range coverage.Feeds {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
