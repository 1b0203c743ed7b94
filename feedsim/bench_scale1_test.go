package feedsim

import "testing"

// BenchmarkGenerateScale1 is the whole city (about 125,000 participants).
func BenchmarkGenerateScale1(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(Config{Seed: 1, Scale: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
