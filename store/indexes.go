package store

import "go.mongodb.org/mongo-driver/v2/bson"

// The secondary indexes of every collection, created at start on MongoDB
// (ensureSchema; the embedded engine uses none, see embedded.go and
// memindex). docs/store.md has the table of the record lists' query shapes
// and the index that serves each; TestExplainListShapes (explain_test.go)
// runs explain on every shape against a real MongoDB and fails on a
// collection scan.
//
// The record lists send three kinds of commands (list.go, batch.go, read.go):
//   - the page's find: the filter, the keyset condition past the cursor, and
//     the sort {field: ±1, _id: ±1} (sortDoc);
//   - the count: an aggregate $match + $group with the filter and no sort (an
//     empty filter is hinted to the _id index);
//   - the distinct of the two-step joins (onRoster, ofMembers) and the
//     batched find of nested lists, sorted {kpj or nik: 1, field, _id}.
//
// The rules the set follows:
//   - every sort field of a list has an index {field: 1, _id: 1}: it gives
//     the page in order in both directions (a reverse scan for descending),
//     and the planner can always walk it with the filter, so no page is a
//     collection scan;
//   - every filter field leads some index, because the count has no sort to
//     fall back on: a count on a filter whose fields lead no index is a
//     collection scan. Fields with a sort index are served by it;
//   - equality fields come first, then the sort, then ranges (ESR), and an
//     equality index ends in _id so that the default order (the key) under
//     one value is the index order;
//   - anchored area prefixes (^367201) are index ranges; the name search (an
//     unanchored case-insensitive regex) scans the name index's keys only.
var indexes = map[string][]bson.D{
	colParticipants: {
		// Sort fields (ParticipantSorts); registered_at also serves its range
		// filter and name the name search.
		indexOn("name", "_id"),
		indexOn("registered_at", "_id"),
		indexOn("coverage_start", "_id"),
		// Area (kelurahan code or a prefix); participants of a kelurahan in
		// key order are this index's order.
		indexOn("kelurahan_code", "_id"),
		// Payer alone, payer + area (equality, then the area's range), and
		// the distinct _id of ofMembers (payer and/or area), from the index.
		indexOn("payer_type", "kelurahan_code", "_id"),
		// Status alone; activeOn (status = ACTIVE, coverage_start <= day).
		indexOn("status", "coverage_start", "_id"),
		// Person (also the roster join's nik $in).
		indexOn("nik", "_id"),
		indexOn("segment", "_id"),
		indexOn("gender", "_id"),
		indexOn("programs", "_id"), // multikey
	},
	colContributions: {
		// Sort fields (ContributionSorts). kpj: a member's contributions
		// (ids are C + kpj + yyyymm, so in period order), the area join's kpj
		// $in and the batched ContributionsByKPJ; period and paid_at serve
		// their range filters.
		indexOn("kpj", "_id"),
		indexOn("period", "_id"),
		indexOn("amount_due", "_id"),
		indexOn("amount_paid", "_id"),
		indexOn("paid_at", "_id"),
		// Person (also the roster join's nik $in).
		indexOn("nik", "_id"),
		// Payer alone; payer + month + unpaid: equality, equality (a single
		// month), the key order, then the arrears range checked on the keys.
		indexOn("payer_type", "period", "_id", fieldArrears),
		// Unpaid (arrears > 0) or paid (arrears <= 0) alone.
		indexOn(fieldArrears),
	},
	colClaims: {
		// Sort fields (ClaimSorts), also the date and amount range filters;
		// kpj: a member's claims, the area/payer join's kpj $in and the
		// batched ClaimsByKPJ.
		indexOn("kpj", "_id"),
		indexOn("incident_date", "_id"),
		indexOn("submitted_at", "_id"),
		indexOn("paid_at", "_id"),
		indexOn("amount_claimed", "_id"),
		indexOn("amount_paid", "_id"),
		// Status alone; status + paid date.
		indexOn("status", "paid_at", "_id"),
		indexOn("nik", "_id"),
		indexOn("program", "_id"),
		indexOn("benefit", "_id"),
	},
	colRoster: {
		// Sort fields (RosterSorts); category also serves the category filter
		// and onRoster's distinct nik, funded_from the fundedIn month.
		indexOn("name", "_id"),
		indexOn("category", "_id"),
		indexOn("funded_from", "_id"),
		// Person; the batched RosterByNIK is this index's order.
		indexOn("nik", "_id"),
		indexOn("kelurahan_code", "_id"),
		indexOn("agency", "_id"),
	},
	colSyncRuns: {
		// SyncRuns: newest first, of one feed or of all.
		{{Key: "feed", Value: 1}, {Key: "started_at", Value: -1}, {Key: "_id", Value: -1}},
		{{Key: "started_at", Value: -1}, {Key: "_id", Value: -1}},
	},
	colQuarantine: {
		// Sort field (QuarantineSorts: received_at is stored as first_seen).
		indexOn("first_seen", "_id"),
		// Feed alone, feed + run.
		indexOn("feed", "run_id", "_id"),
		indexOn("run_id", "_id"),
	},
	colWorkforce:   nil,
	colCheckpoints: nil,

	// The reconciliation's collections.
	colDiscrepancies: {
		// Sort fields (DiscrepancySorts).
		indexOn("amount", "_id"),
		indexOn("first_seen", "_id"),
		indexOn("last_seen", "_id"),
		// Status alone; status + kind (an officer's queue), in key order.
		indexOn("status", "kind", "_id"),
		indexOn("kind", "_id"),
		indexOn("severity", "_id"),
		indexOn("area_code", "_id"),
		indexOn("category", "_id"),
		indexOn("nik", "_id"),
		indexOn("kpj", "_id"),
		indexOn("periods", "_id"), // multikey
	},
	colReconcileRuns:  {{{Key: "started_at", Value: -1}}},
	colRollups:        {{{Key: "version", Value: -1}}},
	colRollupChunks:   nil,
	colDeclared:       nil,
	colWorkforceAdmin: nil,

	// API keys (apikeys.go): read by _id only; created at start so the
	// embedded engine's _id index fix covers it.
	colAPIKeys: nil,

	// The audit log (audit.go): ids are time-ordered, so newest first is the
	// _id index backwards and a time range an _id range; a principal or an
	// operation is an equality, then the _id range. The TTL index on at is
	// made by SetAuditRetention (its period is configured). On the embedded
	// engine the same two are SQLite expression indexes (auditSQLiteIndexes).
	colAuditLog: {
		indexOn("principal", "_id"),
		indexOn("operation", "_id"),
	},
}

// indexOn is an index on the fields, each ascending.
func indexOn(fields ...string) bson.D {
	d := make(bson.D, len(fields))
	for i, f := range fields {
		d[i] = bson.E{Key: f, Value: 1}
	}
	return d
}
