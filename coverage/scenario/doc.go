// Package scenario answers what-if questions on the city-funded programme
// (issue 14, the mayoral regulation): what a change of categories,
// programmes, tariff band or funded months costs, how far it moves
// universal coverage, and what claims to expect from the experience the
// reconciliation observed. It computes from one rollup version and writes
// nothing. See docs/scenarios.md.
package scenario
