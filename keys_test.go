package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestKeysCommand: keys create prints the key alone on stdout (once), list
// shows it without its secret, revoke marks it, and mistakes are refused
// before the database opens.
func TestKeysCommand(t *testing.T) {
	ctx := context.Background()
	dir, db := filepath.Join(t.TempDir(), "db"), testDatabase(t)
	keys := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		args = append([]string{"keys", args[0], "--data-dir", dir, "--database", db, "--log-level", "error"}, args[1:]...)
		err := run(ctx, args, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, errOut, err := keys("create", "--name", "petugas Cibeber", "--role", "Officer", "--area", "367201", "--expires", "90d")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, errOut)
	}
	m := regexp.MustCompile(`^jsk_([0-9a-f]{16})_[0-9a-f]{64}\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create printed %q on stdout, want the key alone", out)
	}
	key, id := strings.TrimSpace(out), m[1]
	if !strings.Contains(errOut, "cannot be shown again") || !strings.Contains(errOut, "officer of area 367201") {
		t.Errorf("create's message: %s", errOut)
	}
	if _, _, err := keys("create", "--name", "dashboard", "--role", "viewer"); err != nil {
		t.Fatal(err)
	}

	out, _, err = keys("list")
	if err != nil {
		t.Fatal(err)
	}
	secret := key[len("jsk_")+17:]
	if strings.Contains(out, secret) || !strings.Contains(out, "ID") || !regexp.MustCompile(id+`\s+petugas Cibeber\s+officer\s+367201\s.*\sactive`).MatchString(out) ||
		!regexp.MustCompile(`dashboard\s+viewer\s+-\s.*never\s+active`).MatchString(out) {
		t.Errorf("list:\n%s", out)
	}

	if out, _, err = keys("revoke", id); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if out, _, _ = keys("list"); !regexp.MustCompile(id + `.*revoked 20`).MatchString(out) {
		t.Errorf("list after revoke:\n%s", out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "--name", "x", "--role", "root"}, "unknown role"},
		{[]string{"create", "--name", "x", "--role", "officer"}, "needs an area"},
		{[]string{"create", "--name", "x", "--role", "officer", "--area", "3672"}, "kecamatan"},
		{[]string{"create", "--name", "x", "--role", "officer", "--area", "999901"}, "not an area of Kota Cilegon"},
		{[]string{"create", "--name", "x", "--role", "viewer", "--area", "367201"}, "only an officer"},
		{[]string{"create", "--role", "viewer"}, "needs a name"},
		{[]string{"create", "--name", "x", "--role", "viewer", "--expires", "2001-01-01"}, "not in the future"},
		{[]string{"revoke"}, "name one key id"},
		{[]string{"revoke", "ffffffffffffffff"}, "no API key"},
		{[]string{"rotate"}, "unknown subcommand"},
	} {
		if _, _, err := keys(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("keys %v: got %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
	var help bytes.Buffer
	if err := run(ctx, []string{"keys"}, &help, io.Discard); err != nil || !strings.Contains(help.String(), "keys create --name") {
		t.Errorf("keys without a subcommand: %v %s", err, help.String())
	}
}

// TestAuthConfig: the authentication settings from the environment and the
// flags, their checks, and the secrets masked when printed.
func TestAuthConfig(t *testing.T) {
	c, err := parseConfig("serve", nil, io.Discard)
	if err != nil || c.KeyCacheTTL.String() != "5s" || c.JWT.RoleClaim != "realm_access.roles" || c.JWT.AreaClaim != "area" || c.JWT.Enabled() {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	t.Setenv("JAMSOSTEK_JWT_HS256_SECRET", "a-shared-secret-of-at-least-32-bytes!")
	t.Setenv("JAMSOSTEK_JWT_ISSUER", "https://sso.example/realms/cilegon")
	t.Setenv("JAMSOSTEK_JWT_AUDIENCE", "jamsostek")
	t.Setenv("JAMSOSTEK_JWT_ROLE_CLAIM", "resource_access.jamsostek.roles")
	t.Setenv("JAMSOSTEK_KEY_CACHE_TTL", "2s")
	c, err = parseConfig("serve", []string{"--jwt-area-claim", "kode_wilayah"}, io.Discard)
	if err != nil || c.KeyCacheTTL.String() != "2s" || c.JWT.RoleClaim != "resource_access.jamsostek.roles" || c.JWT.AreaClaim != "kode_wilayah" || !c.JWT.Enabled() {
		t.Fatalf("from the environment: %+v, %v", c, err)
	}
	if s := c.String(); strings.Contains(s, "a-shared-secret") || !strings.Contains(s, "jwt_hs256_secret=***") {
		t.Errorf("printed configuration: %s", s)
	}
	for _, tc := range []struct {
		env, value, want string
	}{
		{"JAMSOSTEK_KEY_CACHE_TTL", "1h", "key cache TTL"},
		{"JAMSOSTEK_KEY_CACHE_TTL", "soon", "JAMSOSTEK_KEY_CACHE_TTL"},
		{"JAMSOSTEK_JWT_ISSUER", "", "JAMSOSTEK_JWT_ISSUER"},
		{"JAMSOSTEK_JWT_HS256_SECRET", "tiny-s3cret", "at least 32 bytes"},
		{"JAMSOSTEK_JWT_JWKS_URL", "ftp://x", "http(s) URL"},
	} {
		t.Run(tc.env+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			_, err := parseConfig("serve", nil, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
			if err != nil && tc.value != "" && strings.Contains(tc.env, "SECRET") && strings.Contains(err.Error(), tc.value) {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}
}
