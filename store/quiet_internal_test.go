package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// formatted counts how often its attributes are formatted.
type formatted struct{ n *int }

func (f formatted) LogValue() slog.Value { *f.n++; return slog.StringValue("doc") }

func TestQuietFormatsAttrsOnlyForErrors(t *testing.T) {
	var buf bytes.Buffer
	n := 0
	l := slog.New(newQuiet(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	for range 3 {
		l.With("args", formatted{&n}).Debug(">>> INSERT")
		l.With("args", formatted{&n}).Warn("unimplemented")
	}
	if n != 0 || buf.Len() != 0 {
		t.Fatalf("below error: %d attributes formatted, logged %q", n, buf.String())
	}
	l.WithGroup("conn").With("args", formatted{&n}).Error("failed", "k", 1)
	if out := buf.String(); n != 1 || !strings.Contains(out, "conn.args=doc") || !strings.Contains(out, "conn.k=1") || !strings.Contains(out, "level=ERROR") {
		t.Fatalf("error: %d formatted, logged %q", n, out)
	}
}
