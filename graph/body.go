package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Request bodies of /query, before any transport reads them:
//
//   - a request no transport takes (a POST of text/plain, a PUT) is 400
//     BAD_REQUEST, with a message that says what is taken;
//   - a JSON body (POST, SSE) is read here, at most maxBodyBytes: a larger
//     one, announced or not (chunked), is 413 REQUEST_TOO_LARGE;
//   - a multipart body (uploads) may have maxUploadBytes: announced larger,
//     413 at once; found larger while the transport reads it, the
//     transport's answer is replaced by the same 413; its parts operations
//     and map may have maxBodyBytes together, as a JSON body (guardUpload);
//   - a body that is not a JSON GraphQL request is 400 BAD_REQUEST, quoting
//     at most bodyQuoteBytes of it, never the whole: a POSTed JSON body is
//     decoded here first, so no transport sees one it cannot decode (gqlgen's
//     SSE transport logs such a body whole).

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
		mt, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			if r.ContentLength > maxUploadBytes {
				writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large: at most "+byteSize(maxUploadBytes))
				return
			}
			body := &cappedBody{ReadCloser: r.Body, limit: maxUploadBytes}
			guardUpload(w, r, body, mtParams["boundary"], next)
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

// decodableBody answers 400 to a JSON POST whose body no transport could
// decode: gqlgen's SSE transport would write the whole of it to the server
// log. It runs after the response cache (NewHandler), so that a replayed
// answer, whose request was the same bytes already decoded, does not decode
// them again: that was half of a replay's cost. The body is bounded by
// guardBody before.
func decodableBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Body != nil && r.Body != http.NoBody {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					writeError(w, http.StatusBadRequest, "BAD_REQUEST", "the request body could not be read")
					return
				}
				if err := jsonDecode(b, new(graphql.RawParams)); err != nil {
					writeError(w, http.StatusBadRequest, "BAD_REQUEST", notGraphQL(err, b))
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(b))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// jsonDecode decodes a JSON request as gqlgen's transports do.
func jsonDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// notGraphQL is the message of a body that is not a JSON GraphQL request:
// the decoder's reason and at most bodyQuoteBytes of the body.
func notGraphQL(err error, b []byte) string {
	return fmt.Sprintf("the request body is not a JSON GraphQL request (%s); it begins %s", clip(err.Error(), 200), quoteJSON(clip(string(b), bodyQuoteBytes)))
}

// errPartTooLarge: the operations and map of a multipart request are over
// maxBodyBytes.
var errPartTooLarge = errors.New("multipart operations and map too large")

// guardUpload bounds a multipart request (GraphQL multipart request spec):
// its parts operations and map, which come first, are JSON and may have
// maxBodyBytes together, like a JSON request; only the files after them may
// take the rest of maxUploadBytes. They are read here; the transport reads
// them again, followed by the files as they come. A request whose operation
// is importRoster gets the upload's deadline (timeout.go).
func guardUpload(w http.ResponseWriter, r *http.Request, body *cappedBody, boundary string, next http.Handler) {
	badForm := func(why string) {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "a multipart request takes the parts operations and map first (GraphQL multipart request spec), then the files: "+why)
	}
	if boundary == "" {
		badForm("no boundary")
		return
	}
	mr := multipart.NewReader(body, boundary)
	budget := int64(maxBodyBytes)
	var heads [2]*multipart.Part
	var texts [2][]byte
	for i, name := range []string{"operations", "map"} {
		part, err := mr.NextPart()
		if err != nil {
			if body.tooLarge() {
				writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large: at most "+byteSize(maxUploadBytes))
				return
			}
			badForm("the part " + name + " is missing")
			return
		}
		if part.FormName() != name {
			badForm(fmt.Sprintf("part %d is %q, want %s", i+1, part.FormName(), name))
			return
		}
		b, err := io.ReadAll(io.LimitReader(part, budget+1))
		if int64(len(b)) > budget {
			writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "the operations and map of a multipart request are too large: at most "+byteSize(maxBodyBytes)+" together")
			return
		}
		if err != nil {
			badForm("the part " + name + " could not be read")
			return
		}
		budget -= int64(len(b))
		heads[i], texts[i] = part, b
	}
	var ops graphql.RawParams
	if err := jsonDecode(texts[0], &ops); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", notGraphQL(err, texts[0]))
		return
	}
	if importsRoster(ops.Query, ops.OperationName) {
		r = r.WithContext(context.WithValue(r.Context(), uploadKey{}, true))
	}
	// The transport reads the two parts again, then the rest of the body.
	pr, pw := io.Pipe()
	go func() {
		mw := multipart.NewWriter(pw)
		err := mw.SetBoundary(boundary)
		for i := 0; err == nil && i < 2; i++ {
			var dst io.Writer
			if dst, err = mw.CreatePart(heads[i].Header); err == nil {
				_, err = dst.Write(texts[i])
			}
		}
		for err == nil {
			var part *multipart.Part
			if part, err = mr.NextPart(); err != nil {
				if err == io.EOF {
					err = mw.Close()
				}
				break
			}
			var dst io.Writer
			if dst, err = mw.CreatePart(part.Header); err == nil {
				_, err = io.Copy(dst, part)
			}
		}
		if err == nil {
			err = io.EOF
		}
		if body.tooLarge() {
			err = errBodyTooLarge
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close() // stops the copy when the transport stops reading
	r.Body, r.ContentLength = pr, -1
	next.ServeHTTP(&tooLargeWriter{ResponseWriter: w, body: body}, r)
}

// uploadKey marks the context of a multipart request whose operation is
// importRoster.
type uploadKey struct{}

// importsRoster reports whether the operation of query named name (or its
// only one) is a mutation of importRoster alone.
func importsRoster(query, name string) bool {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, DefaultParserTokenLimit)
	if err != nil {
		return false
	}
	var op *ast.OperationDefinition
	if name == "" && len(doc.Operations) == 1 {
		op = doc.Operations[0]
	} else if name != "" {
		op = doc.Operations.ForName(name)
	}
	if op == nil || op.Operation != ast.Mutation {
		return false
	}
	found := false
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || (f.Name != "importRoster" && f.Name != "__typename") {
			return false
		}
		found = found || f.Name == "importRoster"
	}
	return found
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
