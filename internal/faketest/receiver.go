package faketest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Delivery is what one request to a [Receiver] brought: what the App
// Store's notifications are judged by (a POST of application/json).
type Delivery struct {
	Method, ContentType string
	Body                []byte
}

// Receiver is a notification URL for the tests of a fake that sends what
// the App Store sends (appstoretest.Post, asctest's test notifications):
// a server that answers every request alike and keeps what the last one
// brought, safe to read from the test while the fake delivers.
type Receiver struct {
	*httptest.Server

	mu   sync.Mutex
	last *Delivery
}

// NewReceiver starts a receiver that answers every request with status
// and body, closed when t ends.
func NewReceiver(t testing.TB, status int, body string) *Receiver {
	rc := new(Receiver)
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.last = &Delivery{Method: r.Method, ContentType: r.Header.Get("Content-Type"), Body: b}
		rc.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// Last returns what the last request brought; the zero Delivery if none
// came.
func (rc *Receiver) Last() Delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.last == nil {
		return Delivery{}
	}
	return *rc.last
}
