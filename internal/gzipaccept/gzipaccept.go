// Package gzipaccept reads a request's Accept-Encoding for gzip, for the
// handlers that send kept bytes gzipped (graph's response cache, web's
// assets).
package gzipaccept

import (
	"strconv"
	"strings"
)

// Accepts reports whether Accept-Encoding values take gzip (RFC 9110,
// 12.5.3): named with a non-zero weight, or not named and "*" with one.
func Accepts(values []string) bool {
	gzip, star := -1, -1 // -1 not named, 0 refused, 1 accepted
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			ok := 1
			for p := range strings.SplitSeq(params, ";") {
				if k, q, found := strings.Cut(strings.TrimSpace(p), "="); found && strings.EqualFold(strings.TrimSpace(k), "q") {
					if w, err := strconv.ParseFloat(strings.TrimSpace(q), 64); err != nil || w <= 0 {
						ok = 0
					}
				}
			}
			switch name = strings.TrimSpace(name); {
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				gzip = max(gzip, ok)
			case name == "*":
				star = max(star, ok)
			}
		}
	}
	if gzip >= 0 {
		return gzip == 1
	}
	return star == 1
}
