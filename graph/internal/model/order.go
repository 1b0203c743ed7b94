package model

import "github.com/cilegon/jamsostek/coverage"

// Written by hand, beside the generated models: gqlgen.yml binds every list's
// orderBy input (ParticipantOrder, ContributionOrder, ...) to Order, so that one
// function turns any of them into a coverage.Order.

// Order is a list's orderBy: Field is the value of the list's sort field enum
// (ParticipantSortField, ...), bound to the coverage sort fields; the key is
// coverage.SortKey.
type Order struct {
	Field     coverage.SortField `json:"field"`
	Direction SortDirection      `json:"direction"`
}

// SortDirection is the SortDirection enum.
type SortDirection string

// The directions.
const (
	Ascending  SortDirection = "ASC"
	Descending SortDirection = "DESC"
)
