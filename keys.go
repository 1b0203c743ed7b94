package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
)

const keysUsage = `Usage:
  jamsostek keys create --name NAME --role ROLE [--area CODE] [--expires 720h|90d|2027-01-01]
  jamsostek keys list
  jamsostek keys revoke [flags] ID

API keys of machine clients and the dashboard, sent as
Authorization: Bearer jsk_<id>_<secret>. create prints the key once on
stdout: only its hash is kept, it cannot be shown again. Roles: viewer,
officer (needs --area, a kecamatan or kelurahan code), analyst, admin.
A revoked key stops working on every running replica within
JAMSOSTEK_KEY_CACHE_TTL (default 5s). On the embedded engine the data
directory belongs to one process: stop serve first, or use MONGODB_URI.
Run "jamsostek keys <create|list|revoke> --help" for the flags.
`

// keysCommand runs `keys create|list|revoke`.
func keysCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, keysUsage)
		return nil
	}
	sub := args[0]
	switch sub {
	case "create", "list", "revoke":
	default:
		return asUsage(fmt.Errorf("keys: unknown subcommand %q (create, list or revoke)", sub))
	}
	cfg, err := parseConfig("keys "+sub, args[1:], stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return asUsage(err)
	}
	var expires time.Time
	var role coverage.Role
	if sub == "create" {
		// Checked before the database opens.
		if role, err = coverage.ParseRole(cfg.Key.Role); err != nil {
			return fmt.Errorf("keys create --role: %s", coverage.ErrorMessage(err))
		}
		if expires, err = auth.ParseExpiry(cfg.Key.Expires, time.Now()); err != nil {
			return fmt.Errorf("keys create --expires: %s", coverage.ErrorMessage(err))
		}
		req := auth.KeyRequest{Name: cfg.Key.Name, Role: role, Area: cfg.Key.Area, ExpiresAt: expires, Areas: coverage.Cilegon()}
		if err := req.Check(); err != nil {
			return fmt.Errorf("keys create: %s", coverage.ErrorMessage(err))
		}
	}
	logger := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	switch sub {
	case "create":
		key, k, err := auth.CreateKey(ctx, s, auth.KeyRequest{Name: cfg.Key.Name, Role: role, Area: cfg.Key.Area,
			ExpiresAt: expires, Areas: coverage.Cilegon(), CreatedBy: operator()})
		if err != nil {
			return fmt.Errorf("keys create: %w", err)
		}
		// The key alone on stdout (KEY=$(jamsostek keys create ...)); the
		// rest on stderr.
		fmt.Fprintf(stderr, "API key %s created: %s, %s%s, expires %s\n", k.ID, k.Name, strings.ToLower(string(k.Role)),
			areaText(k.Area), timeText(k.ExpiresAt, "never"))
		fmt.Fprintln(stdout, key)
		fmt.Fprintln(stderr, "Store this key now: it cannot be shown again (only its hash is kept). Send it as Authorization: Bearer <key>.")
		return nil
	case "list":
		keys, err := s.APIKeys(ctx)
		if err != nil {
			return err
		}
		printKeys(stdout, keys, time.Now())
		return nil
	}
	k, err := s.RevokeAPIKey(ctx, cfg.Key.ID, time.Now())
	if err != nil {
		if coverage.ErrorCode(err) == coverage.ENOTFOUND {
			return fmt.Errorf("keys revoke: no API key %q (keys list shows the ids)", cfg.Key.ID)
		}
		return fmt.Errorf("keys revoke: %w", err)
	}
	fmt.Fprintf(stdout, "API key %s (%s) revoked at %s; running replicas refuse it within their JAMSOSTEK_KEY_CACHE_TTL (default %s)\n",
		k.ID, k.Name, timeText(k.RevokedAt, ""), auth.DefaultKeyCacheTTL)
	return nil
}

// printKeys writes the table of `keys list`.
func printKeys(w io.Writer, keys []store.APIKey, now time.Time) {
	if len(keys) == 0 {
		fmt.Fprintln(w, "no API keys (create one with: jamsostek keys create --name NAME --role ROLE)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tAREA\tCREATED\tBY\tEXPIRES\tSTATUS")
	for _, k := range keys {
		status := "active"
		switch {
		case k.Revoked():
			status = "revoked " + timeText(k.RevokedAt, "")
		case k.Expired(now):
			status = "expired"
		}
		area := k.Area
		if area == "" {
			area = "-"
		}
		by := k.CreatedBy
		if by == "" {
			by = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, oneLine(k.Name), strings.ToLower(string(k.Role)), area,
			timeText(k.CreatedAt, ""), oneLine(by), timeText(k.ExpiresAt, "never"), status)
	}
	tw.Flush()
}

// timeText shows a time in the city's zone, or none for the zero time.
func timeText(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.In(auth.Jakarta).Format("2006-01-02 15:04 MST")
}

func areaText(area string) string {
	if area == "" {
		return ""
	}
	return " of area " + area
}

// oneLine keeps a table row on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// operator names who runs the command, for a key's created_by.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
