package coverage

// RosterImportStatus is where a roster import stands. An import writes all
// its valid rows or none: it stages them apart from the roster (STAGING),
// then passes its commit point (COMMITTING) and writes them to the roster,
// finishing even when the process that began it stops (another one resumes
// it).
type RosterImportStatus string

const (
	// ImportStaging: the valid rows are being saved apart; nothing is in
	// the roster. An import abandoned here ends FAILED, nothing written.
	ImportStaging RosterImportStatus = "STAGING"
	// ImportCommitting: every valid row was saved; they are being written
	// to the roster, and will all be.
	ImportCommitting RosterImportStatus = "COMMITTING"
	// ImportCommitted: every valid row is in the roster.
	ImportCommitted RosterImportStatus = "COMMITTED"
	// ImportFailed: nothing was written to the roster.
	ImportFailed RosterImportStatus = "FAILED"
)

// Finished reports whether the import has ended.
func (s RosterImportStatus) Finished() bool { return s == ImportCommitted || s == ImportFailed }
