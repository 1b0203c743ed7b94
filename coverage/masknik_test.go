package coverage_test

import (
	"testing"
	"unicode/utf8"

	"github.com/cilegon/jamsostek/coverage"
)

// TestMaskNIKMultibyte: a 16-byte value with multibyte characters is hidden
// whole, never cut inside a character.
func TestMaskNIKMultibyte(t *testing.T) {
	for in, want := range map[string]string{
		"3672011205900003": "367201********03",
		"36720€20590001":   "****************", // 16 bytes: the first six would cut the euro sign
		"367201120590€0":   "****************", // 16 bytes: so would the last two
		"3672ÄÄÄÄ12590001": "****************",
	} {
		if got := coverage.MaskNIK(in); got != want || !utf8.ValidString(got) {
			t.Errorf("MaskNIK(%q) = %q, want %q", in, got, want)
		}
	}
}
