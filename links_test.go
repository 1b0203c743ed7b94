package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoFiles returns the repository's files with one of the extensions,
// slash-separated from the root; the embedded engine's data, dependencies
// and the vendored GraphiQL are not the project's text.
func repoFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch p {
			case ".git", "data", "node_modules", filepath.FromSlash("web/graphiql/vendor"):
				return filepath.SkipDir
			}
			return nil
		}
		for _, e := range exts {
			if strings.HasSuffix(p, e) {
				out = append(out, filepath.ToSlash(p))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// slug is the anchor GitHub gives a heading.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of a Markdown file's headings.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	inCode := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if m := regexp.MustCompile(`^#{1,6} (.+)$`).FindStringSubmatch(line); m != nil && !inCode {
			// the text as shown: links' text, no code marks
			text := regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(m[1], "$1")
			out[slug(text)] = true
		}
	}
	return out
}

// TestMarkdownLinks (issue 13: the repository stands alone): every relative
// link of the Markdown files names a file or directory of the repository (not
// outside it) and, with a #fragment, one of its headings.
func TestMarkdownLinks(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)|(?m)^\s*\[[^\]]+\]:\s*(\S+)`)
	checked := 0
	for _, md := range repoFiles(t, ".md") {
		b, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		text := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(b), "")
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1] + m[2]
			if regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`).MatchString(target) {
				continue // http:, https:, mailto:
			}
			checked++
			file, frag, _ := strings.Cut(target, "#")
			path := md
			if file != "" {
				if strings.HasPrefix(file, "/") {
					t.Errorf("%s: link %q is absolute: a reader of the repository has no such path", md, target)
					continue
				}
				path = filepath.Join(filepath.Dir(md), filepath.FromSlash(file))
				abs, err := filepath.Abs(path)
				if err != nil {
					t.Fatal(err)
				}
				if rel, err := filepath.Rel(root, abs); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					t.Errorf("%s: link %q leads outside the repository", md, target)
					continue
				}
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: link %q: no such file in the repository", md, target)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(path, ".md") && !anchors(t, path)[frag] {
				t.Errorf("%s: link %q: %s has no heading with the anchor #%s", md, target, path, frag)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d relative links found: the link pattern is broken", checked)
	}
}

// TestNoPathsOutsideTheRepository: the Markdown and Go files name no file
// outside the repository: no ../shared, no path of a developer's machine, and
// every *.md they name exists in the repository (those a command writes
// excepted).
func TestNoPathsOutsideTheRepository(t *testing.T) {
	written := map[string]bool{
		"benchmarks-run.md": true, // jamsostek bench --markdown docs/benchmarks-run.md (docs/benchmarks.md)
		"bench.md":          true, // bench_cmd_test.go's output in a temporary directory
	}
	have := map[string]bool{}
	for _, f := range repoFiles(t, ".md") {
		have[filepath.Base(f)] = true
	}
	outside := regexp.MustCompile(`\.\./shared|` + `/work/|/home/[a-z]|/Users/[A-Za-z]|C:\\\\Users`)
	mdName := regexp.MustCompile(`\b[A-Za-z0-9_-]+\.md\b`)
	for _, f := range repoFiles(t, ".md", ".go", ".graphqls", ".sh") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if f == "links_test.go" {
				break
			}
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d names %q, outside the repository: %s", f, i+1, m, strings.TrimSpace(line))
			}
			for _, name := range mdName.FindAllString(line, -1) {
				if !have[name] && !written[name] {
					t.Errorf("%s:%d names %s, which is not in the repository: %s", f, i+1, name, strings.TrimSpace(line))
				}
			}
		}
	}
}
