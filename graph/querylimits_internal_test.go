package graph

import (
	"strings"
	"testing"
)

// TestRepetitionStopsEarly: the check of repeated names reads the query's
// tokens once and stops at the first name asked too often, so a query that
// repeats one field costs in proportion to the 21 names read, not to its
// length, and nothing of it reaches the parser or validation.
func TestRepetitionStopsEarly(t *testing.T) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		tokens, err := checkRepetition("{ city { "+strings.Repeat("code ", n)+"} }", DefaultParserTokenLimit)
		if err == nil || tokens > 4+maxRepeatedField+1 {
			t.Errorf("code x %d: %d tokens read, %v; want an error after %d", n, tokens, err, 4+maxRepeatedField)
		}
	}
	// A long query without repetition is read up to the parser's limit.
	var long strings.Builder
	long.WriteString("{ city {")
	for i := range 100_000 {
		long.WriteString(" a" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ": code")
	}
	if tokens, _ := checkRepetition(long.String(), DefaultParserTokenLimit); tokens > DefaultParserTokenLimit+1 {
		t.Errorf("a long query: %d tokens read, want at most the limit", tokens)
	}
	// Inline fragments merge into the selection set around them: their
	// fields count there.
	for _, q := range []string{
		"{ city { " + strings.Repeat("... on Area { code } ", 21) + "} }",
		"{ city { code " + strings.Repeat("... { code } ", 20) + "} }",
		"{ city { " + strings.Repeat("... @include(if: true) { code } ", 21) + "} }",
	} {
		if _, err := checkRepetition(q, DefaultParserTokenLimit); err == nil {
			t.Errorf("%.50s...: no error", q)
		}
	}
	// Twenty is allowed, fragments of distinct names too.
	for _, q := range []string{
		"{ city { " + strings.Repeat("... on Area { code } ", 20) + "} }",
		"query { city { ...A ...B code } } fragment A on Area { code } fragment B on Area { code }",
		`{ a: city { code } b: city { code } participants(filter: {areaCode: "3672", nik: "x"}) { totalCount } }`,
	} {
		if _, err := checkRepetition(q, DefaultParserTokenLimit); err != nil {
			t.Errorf("%.50s...: %v", q, err)
		}
	}
}
