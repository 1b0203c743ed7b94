// Package httpstatus notes the status a handler answers with, for the
// middleware that decide after the fact (graph's refund of a failed
// authentication's token, observe's metrics by status class).
package httpstatus

import "net/http"

// Writer passes a response through and notes its status: the first one
// written, 200 when the body or a flush comes first, 0 while nothing has
// been sent. It passes Flush on (server-sent events need it) and unwraps
// for http.ResponseController.
type Writer struct {
	http.ResponseWriter
	Status int
}

func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *Writer) Flush() {
	if err := http.NewResponseController(w.ResponseWriter).Flush(); err == nil && w.Status == 0 {
		w.Status = http.StatusOK
	}
}

func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
