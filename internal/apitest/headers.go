package apitest

import (
	"net/http"
	"sync"
)

// HeaderLog is an [http.Handler] for a second origin (a storage host, an
// upload host) that records the header of every request it serves, so that
// a test can tell whether a token reached it. Then, when set, answers the
// request; otherwise the response is an empty 200.
type HeaderLog struct {
	Then http.HandlerFunc

	mu      sync.Mutex
	headers []http.Header
}

// ServeHTTP records r's header and calls Then.
func (l *HeaderLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.headers = append(l.headers, r.Header.Clone())
	l.mu.Unlock()
	if l.Then != nil {
		l.Then(w, r)
	}
}

// Headers returns the headers of the requests served so far, in order.
func (l *HeaderLog) Headers() []http.Header {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]http.Header(nil), l.headers...)
}
