package asctest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// RequestLog describes one request the server answered, for a log line:
// never the token, nor the query (which may hold what a test would not
// print).
type RequestLog struct {
	Method string
	Path   string // the URL path, as the request sent it
	Status int
	Rule   string // the rule the token broke, for a 401; empty otherwise
	Detail string // what was wrong with the token, for a 401; empty otherwise
}

// String formats the entry as one line, "GET /v1/apps 200" or
// "GET /v1/apps 401 exp: the token expired 3m0s ago (...)", with any control
// character in the path escaped so that a request cannot forge log lines or
// drive a terminal.
func (l RequestLog) String() string {
	line := fmt.Sprintf("%s %s %d", quoteIfNeeded(l.Method), quoteIfNeeded(l.Path), l.Status)
	if l.Rule != "" {
		line += " " + strconv.QuoteToASCII(l.Rule+": "+l.Detail)
	}
	return line
}

// quoteIfNeeded leaves a plain word as it is and quotes anything with white
// space, quotes, control characters or bytes outside printable ASCII.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '"' || r >= 0x7f }) {
		return strconv.QuoteToASCII(s)
	}
	return s
}

// SetRequestLog calls log once for every request the server answers, after
// the response is written, from the goroutine that served it (so log must be
// safe for concurrent use); nil stops it. It is the hook for a server run on
// its own, which logs a line per request.
func (s *Server) SetRequestLog(log func(RequestLog)) {
	s.mu.Lock()
	s.logf = log
	s.mu.Unlock()
}

// serve is the server's handler: answer, and then, when SetRequestLog set a
// log, the entry for what was answered.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	logf := s.logf
	s.mu.Unlock()
	if logf == nil {
		s.answer(w, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	rule, detail := s.answer(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK // a handler that wrote nothing answers 200
	}
	logf(RequestLog{Method: r.Method, Path: r.URL.EscapedPath(), Status: rec.status, Rule: rule, Detail: detail})
}

// statusRecorder notes the status a handler writes. Unwrap lets
// http.ResponseController reach the connection's Flusher and deadlines.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush keeps a handler's type assertion to [http.Flusher] working while the
// request log is on.
func (r *statusRecorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}
