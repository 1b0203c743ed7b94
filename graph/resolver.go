package graph

import (
	"log/slog"

	"github.com/cilegon/jamsostek/coverage"
)

// Resolver answers the schema's queries. Resolvers are thin: they validate
// arguments, call coverage.Records, coverage.SyncLog or the area hierarchy, and
// shape the answer; no database code lives here.
type Resolver struct {
	records coverage.Records
	syncLog coverage.SyncLog
	areas   *coverage.Areas
	logger  *slog.Logger
}
