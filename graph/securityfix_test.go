package graph_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
)

// TestOfficerRosterOfOtherAreas: a person of the officer's area is also on a
// roster filed under another kecamatan (367202); nested under the in-scope
// participant, the officer sees its own area's entry only.
func TestOfficerRosterOfOtherAreas(t *testing.T) {
	f := newFixtureWith(t, graph.Config{}, func(s *store.Store, _ *graph.Config) {
		r := &coverage.RosterEntry{NIK: nikA, Name: "Ahmad Fauzi", Category: "KADER", Agency: "Dinkes", KelurahanCode: "3672021001",
			FundedFrom: "2024-01", UpdatedAt: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)}
		apply(t, s, coverage.FeedRoster, []store.Record{{Key: r.Key(), Value: r}})
	})
	q := `{ participants(first: 1) { edges { node { kpj roster { category } } } } }`
	_, resp := f.postAs(t, "officer-key", q, nil)
	want := `{"participants":{"edges":[{"node":{"kpj":"10000000001","roster":[{"category":"NELAYAN"}]}}]}}`
	if string(resp.Data) != want || len(resp.Errors) > 0 {
		t.Errorf("officer: got %s %+v\nwant %s", resp.Data, resp.Errors, want)
	}
	_, resp = f.postAs(t, "admin-key", q, nil)
	if want := `{"participants":{"edges":[{"node":{"kpj":"10000000001","roster":[{"category":"KADER"},{"category":"NELAYAN"}]}}]}}`; string(resp.Data) != want {
		t.Errorf("admin: got %s %+v\nwant %s", resp.Data, resp.Errors, want)
	}
}

// TestAnalystDiscrepancyIDs: an analyst reads discrepancy ids keyed with the
// server's secret, never the stored ones (an unsalted hash of kind|NIK), the
// same in every request; discrepancy(id:) is FORBIDDEN to it, pointing to
// discrepancies(filter).
func TestAnalystDiscrepancyIDs(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	type page struct {
		Discrepancies struct {
			Edges []struct{ Node struct{ ID, Kind string } }
		}
	}
	read := func(key string) page {
		t.Helper()
		_, resp := f.postAs(t, key, `{ discrepancies(orderBy: {field: ID}) { edges { node { id kind } } } }`, nil)
		var p page
		if err := json.Unmarshal(resp.Data, &p); err != nil || len(resp.Errors) > 0 || len(p.Discrepancies.Edges) == 0 {
			t.Fatalf("%s: %s %+v %v", key, resp.Data, resp.Errors, err)
		}
		return p
	}
	stored, masked, again := read("admin-key"), read("analyst-key"), read("analyst-key")
	if len(stored.Discrepancies.Edges) != len(masked.Discrepancies.Edges) {
		t.Fatalf("admin sees %d, analyst %d", len(stored.Discrepancies.Edges), len(masked.Discrepancies.Edges))
	}
	seen := map[string]bool{}
	for _, e := range masked.Discrepancies.Edges {
		seen[e.Node.ID] = true
	}
	for i, e := range masked.Discrepancies.Edges {
		id := e.Node.ID
		if !strings.HasPrefix(id, e.Node.Kind+"-") || len(id) != len(e.Node.Kind)+21 || id != again.Discrepancies.Edges[i].Node.ID {
			t.Errorf("analyst id %q of %s: not kind-<20 hex digits>, or not stable (%q)", id, e.Node.Kind, again.Discrepancies.Edges[i].Node.ID)
		}
	}
	for _, e := range stored.Discrepancies.Edges {
		if seen[e.Node.ID] {
			t.Errorf("the analyst reads the stored id %s", e.Node.ID)
		}
	}
	for _, id := range []string{stored.Discrepancies.Edges[0].Node.ID, masked.Discrepancies.Edges[0].Node.ID} {
		_, resp := f.postAs(t, "analyst-key", `query($id: ID!) { discrepancy(id: $id) { kind } }`, map[string]any{"id": id})
		if string(resp.Data) != `{"discrepancy":null}` || len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "FORBIDDEN" ||
			!strings.Contains(resp.Errors[0].Message, "discrepancies(filter") {
			t.Errorf("discrepancy(id: %q) by an analyst: got %s %+v", id, resp.Data, resp.Errors)
		}
	}
}

// TestResolutionNoteIsPersonal: a resolution note is free text an admin
// typed (it may quote a NIK or a name): analysts read it as null, and an
// admin's read of it is audited as personal data.
func TestResolutionNoteIsPersonal(t *testing.T) {
	spy := &auditSpy{}
	f := accessFixture(t, graph.Config{AuditLog: spy})
	spy.AuditLog = f.store
	var ids struct {
		Discrepancies struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	f.client.MustPost(`{ discrepancies(first: 1, orderBy: {field: ID}) { edges { node { id } } } }`, &ids)
	const note = "called Ahmad Fauzi, NIK " + nikA
	_, resp := f.postAs(t, "admin-key", `mutation($id: ID!, $note: String!) { resolveDiscrepancy(id: $id, note: $note) { status } }`,
		map[string]any{"id": ids.Discrepancies.Edges[0].Node.ID, "note": note})
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	spy.take()

	_, resp = f.postAs(t, "analyst-key", `{ discrepancies(first: 1, orderBy: {field: ID}) { edges { node { status resolutionNote } } } }`, nil)
	if want := `{"discrepancies":{"edges":[{"node":{"status":"RESOLVED","resolutionNote":null}}]}}`; string(resp.Data) != want || len(resp.Errors) > 0 {
		t.Errorf("analyst: got %s %+v\nwant %s", resp.Data, resp.Errors, want)
	}
	spy.take()
	_, resp = f.postAs(t, "admin-key", `query Notes { discrepancies(first: 1, orderBy: {field: ID}) { edges { node { resolutionNote } } } }`, nil)
	if !strings.Contains(string(resp.Data), note) {
		t.Errorf("admin: got %s %+v", resp.Data, resp.Errors)
	}
	if es := spy.take(); len(es) != 1 || !slices.Contains(es[0].Fields, "Discrepancy.resolutionNote") || es[0].Records != 1 {
		t.Errorf("the admin's read of a note: audit %+v", es)
	}
}

// TestSelectionByNIKOrNameIsAudited: looking people up by NIK or by name is
// a read of personal data even when no personal field is asked for: the
// request's audit entry names the selection and counts what it returned.
func TestSelectionByNIKOrNameIsAudited(t *testing.T) {
	spy := &auditSpy{}
	f := accessFixture(t, graph.Config{AuditLog: spy})
	spy.AuditLog = f.store
	for _, c := range []struct{ query, field string }{
		{`query ByNik { participantByNik(nik: "` + nikA + `") { kpj claims { totalCount } } }`, "selection:nik"},
		{`query ByName { participants(filter: {nameContains: "ahmad"}) { edges { node { kpj } } } }`, "selection:name"},
	} {
		_, resp := f.postAs(t, "officer-key", c.query, nil)
		if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), "10000000001") {
			t.Fatalf("%s: got %s %+v", c.query, resp.Data, resp.Errors)
		}
		es := spy.take()
		if len(es) != 1 || !slices.Equal(es[0].Fields, []string{c.field}) || es[0].Records != 2 || es[0].People != 1 || es[0].Masked || es[0].Area != "367201" {
			t.Errorf("%s: audit %+v", c.query, es)
		}
	}
	// No selection by personal data, no personal field: no entry.
	f.postAs(t, "officer-key", `{ participants { edges { node { kpj } } } }`, nil)
	if es := spy.take(); len(es) != 0 {
		t.Errorf("a list without selection wrote %+v", es)
	}
}
