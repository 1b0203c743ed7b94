package model

import (
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// CoverageResult is the answer of the coverage query. Written by hand
// (gqlgen.yml binds CoverageResult to it): its rows field pages the answer's
// rows, a resolver (graph/analytics.go) that reads them from here.
type CoverageResult struct {
	Totals *CoverageMeasures `json:"totals"`
	From   *coverage.Period  `json:"from,omitempty"`
	To     *coverage.Period  `json:"to,omitempty"`
	Rollup *RollupInfo       `json:"rollup"`
	// TotalRows is the number of rows of the whole answer.
	TotalRows int `json:"totalRows"`

	// Rows are the answer's rows from index Offset on: only those the
	// query's rows fields ask for are kept, so that an answer of many
	// rows asked a page at a time is not held whole.
	Rows   []reconcile.Row `json:"-"`
	Offset int             `json:"-"`
	// Question identifies the question and the rollup version that answered
	// it, so that a cursor of another question is refused.
	Question string `json:"-"`
}
