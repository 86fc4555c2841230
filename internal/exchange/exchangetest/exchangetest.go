// Package exchangetest lets the tests of the exchanging sources (maps,
// axm, internal/exchange) run in a testing/synctest bubble. Inside a
// bubble, a goroutine blocked on a real socket is not durably blocked, so
// that neither synctest.Wait returns nor the fake clock moves while an
// exchange is under way over loopback. [Transport] hands each request to
// the fake's handler with no socket between: a hung endpoint is then a
// goroutine blocked on a channel of the bubble, and the exchange's timeout
// passes in the bubble's time.
package exchangetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
)

// Transport returns an [http.RoundTripper] that serves each request with h
// on a goroutine of its own (of the sender's bubble), under the request's
// context, and returns h's response once h has returned. As over a real
// connection, a round trip whose context ends first fails at once with the
// context's error, and a handler that aborts with [http.ErrAbortHandler]
// (a fake's held request whose client gave up) sends no response. It does
// not stream: a response is seen when its handler has returned.
func Transport(h http.Handler) http.RoundTripper { return handlerTransport{h} }

type handlerTransport struct{ h http.Handler }

// errAborted is a round trip whose handler aborted.
var errAborted = errors.New("exchangetest: the handler aborted the request")

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The server's view of the request: a copy whose body is h's to read,
	// and closed after it, as a RoundTripper must.
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = req.URL.RequestURI()
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	done := make(chan *http.Response, 1) // nil: the handler aborted
	go func() {
		defer r.Body.Close()
		defer func() {
			if p := recover(); p != nil {
				if p != http.ErrAbortHandler {
					panic(p)
				}
				done <- nil
			}
		}()
		rec := httptest.NewRecorder()
		t.h.ServeHTTP(rec, r)
		done <- rec.Result()
	}()
	select {
	case resp := <-done:
		if resp == nil {
			if err := context.Cause(req.Context()); err != nil {
				return nil, fmt.Errorf("%w: %w", errAborted, err)
			}
			return nil, errAborted
		}
		return resp, nil
	case <-req.Context().Done():
		return nil, context.Cause(req.Context())
	}
}
