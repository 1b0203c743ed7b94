package graph

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// Request bodies of /query, before any transport reads them:
//
//   - a request no transport takes (a POST of text/plain, a PUT) is 400
//     BAD_REQUEST, with a message that says what is taken;
//   - a JSON body (POST, SSE) is read here, at most maxBodyBytes: a larger
//     one, announced or not (chunked), is 413 REQUEST_TOO_LARGE;
//   - a multipart body (uploads) may have maxUploadBytes: announced larger,
//     413 at once; found larger while the transport reads it, the
//     transport's answer is replaced by the same 413;
//   - a body that is not a JSON GraphQL request is 400 BAD_REQUEST, quoting
//     at most bodyQuoteBytes of it (presenter, errors.go), never the whole.

// bodyQuoteBytes is how much of a body an error message quotes.
const bodyQuoteBytes = 32

// guardBody bounds the bodies of /query; transports are the server's.
func guardBody(transports []graphql.Transport, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		supported := false
		for _, t := range transports {
			if t.Supports(r) {
				supported = true
				break
			}
		}
		if !supported {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "this endpoint takes GraphQL requests: POST with Content-Type application/json (or multipart/form-data for uploads), or GET with ?query=")
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			if r.ContentLength > maxUploadBytes {
				writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large: at most "+byteSize(maxUploadBytes))
				return
			}
			body := &cappedBody{ReadCloser: r.Body, limit: maxUploadBytes}
			r.Body = body
			next.ServeHTTP(&tooLargeWriter{ResponseWriter: w, body: body}, r)
			return
		}
		if r.ContentLength > maxBodyBytes {
			writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large: at most "+byteSize(maxBodyBytes))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large: at most "+byteSize(maxBodyBytes))
				return
			case err != nil:
				writeError(w, http.StatusBadRequest, "BAD_REQUEST", "the request body could not be read")
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		next.ServeHTTP(w, r)
	})
}

// writeError answers an HTTP error with one coded GraphQL error.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"errors":[{"message":` + quoteJSON(msg) + `,"extensions":{"code":"` + code + `"}}]}`))
}

// byteSize writes a size in MiB when it is a whole number of them.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cappedBody notes when a body goes past its limit.
type cappedBody struct {
	io.ReadCloser
	limit int64
	mu    sync.Mutex
	read  int64
	over  bool
}

var errBodyTooLarge = errors.New("request body too large")

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.read += int64(n); b.read > b.limit {
		b.over = true
		return n, errBodyTooLarge
	}
	return n, err
}

func (b *cappedBody) tooLarge() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

// tooLargeWriter replaces whatever the transport answers to a body found
// too large with 413 REQUEST_TOO_LARGE.
type tooLargeWriter struct {
	http.ResponseWriter
	body     *cappedBody
	replaced bool
}

func (w *tooLargeWriter) replace() bool {
	if !w.replaced && w.body.tooLarge() {
		w.replaced = true
		writeError(w.ResponseWriter, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large: at most "+byteSize(w.body.limit))
	}
	return w.replaced
}

func (w *tooLargeWriter) WriteHeader(code int) {
	if !w.replace() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *tooLargeWriter) Write(p []byte) (int, error) {
	if w.replace() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *tooLargeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// gqlgen's message for a body it cannot decode, which goes on to quote the
// whole body.
const undecodableBody = "json request body could not be decoded: "

// undecodable rewrites gqlgen's error about a body that is not a JSON GraphQL
// request: the decoder's reason and at most bodyQuoteBytes of the body.
func undecodable(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, undecodableBody)
	if !ok {
		return "", false
	}
	reason, body, _ := strings.Cut(rest, " body:")
	return fmt.Sprintf("the request body is not a JSON GraphQL request (%s); it begins %s", clip(reason, 200), quoteJSON(clip(body, bodyQuoteBytes))), true
}

// clip cuts s to at most n bytes on a rune boundary, marking a cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
