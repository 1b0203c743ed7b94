package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestAPIKeys: create, read (with the hash), list (without), revoke (once),
// and the refusals.
func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	hash := strings.Repeat("ab", 32)
	created := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	viewer := store.APIKey{ID: "00000000000000a1", Name: "dashboard", Role: coverage.RoleViewer, SecretHash: hash,
		CreatedAt: created, CreatedBy: "cli:ops"}
	officer := store.APIKey{ID: "00000000000000b2", Name: "kecamatan Cibeber", Role: coverage.RoleOfficer, Area: "367201",
		SecretHash: strings.Repeat("cd", 32), CreatedAt: created.Add(time.Hour), CreatedBy: "cli:ops",
		ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, k := range []store.APIKey{officer, viewer} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatalf("create %s: %v", k.ID, err)
		}
	}
	if err := s.CreateAPIKey(ctx, viewer); coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("same id again: got %v, want ECONFLICT", err)
	}
	for name, k := range map[string]store.APIKey{
		"no id":        {Name: "x", Role: coverage.RoleViewer, SecretHash: hash},
		"no name":      {ID: "1", Role: coverage.RoleViewer, SecretHash: hash},
		"bad role":     {ID: "1", Name: "x", Role: "ROOT", SecretHash: hash},
		"bad hash":     {ID: "1", Name: "x", Role: coverage.RoleViewer, SecretHash: "secret"},
		"born revoked": {ID: "1", Name: "x", Role: coverage.RoleViewer, SecretHash: hash, RevokedAt: created},
	} {
		if err := s.CreateAPIKey(ctx, k); coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", name, err)
		}
	}

	got, err := s.APIKey(ctx, officer.ID)
	if err != nil || got != officer {
		t.Errorf("read: got %+v, %v; want %+v", got, err, officer)
	}
	if _, err := s.APIKey(ctx, "ffffffffffffffff"); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("unknown id: got %v, want ENOTFOUND", err)
	}

	list, err := s.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != viewer.ID || list[1].ID != officer.ID {
		t.Fatalf("list: got %+v, want the viewer then the officer (creation order)", list)
	}
	for _, k := range list {
		if k.SecretHash != "" {
			t.Errorf("list returned the hash of %s", k.ID)
		}
	}
	if list[1].Area != "367201" || !list[1].ExpiresAt.Equal(officer.ExpiresAt) || list[1].Revoked() {
		t.Errorf("listed officer: %+v", list[1])
	}

	at := created.Add(48 * time.Hour)
	r, err := s.RevokeAPIKey(ctx, viewer.ID, at)
	if err != nil || !r.RevokedAt.Equal(at) || r.SecretHash != "" {
		t.Fatalf("revoke: got %+v, %v", r, err)
	}
	if r, err = s.RevokeAPIKey(ctx, viewer.ID, at.Add(time.Hour)); err != nil || !r.RevokedAt.Equal(at) {
		t.Errorf("second revoke: got %+v, %v; want the first revocation's time kept", r, err)
	}
	if k, _ := s.APIKey(ctx, viewer.ID); !k.Revoked() || k.SecretHash != hash {
		t.Errorf("read after revoke: %+v", k)
	}
	if k, _ := s.APIKey(ctx, officer.ID); k.Revoked() {
		t.Errorf("revoking one key revoked another: %+v", k)
	}
	if _, err := s.RevokeAPIKey(ctx, "ffffffffffffffff", at); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("revoke unknown: got %v, want ENOTFOUND", err)
	}
	if !officer.Expired(officer.ExpiresAt) || officer.Expired(officer.ExpiresAt.Add(-time.Second)) || viewer.Expired(at) {
		t.Error("Expired: wrong at the boundary or for a key without expiry")
	}
}
