package ascjwt

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// A RefusalJudge is a [TokenSource] whose API refuses a token with a response
// other than 401, such as APNs' 403 ExpiredProviderToken. The Transport
// retries a request once with a new token when RefusedToken says the response
// refused the token; for a source that is not a RefusalJudge, that is a 401.
// The Transport finds it through wrappers that implement Unwrap (see
// [TokenSource]).
type RefusalJudge interface {
	TokenSource
	// RefusedToken reports whether resp refused the token of its request.
	// It may read resp.Body, and must then leave it readable from the start.
	RefusedToken(resp *http.Response) bool
}

// refusesToken reports whether resp refused the request's token.
func (t *Transport) refusesToken(resp *http.Response) bool {
	if j, ok := find[RefusalJudge](t.Source); ok {
		return j.RefusedToken(resp)
	}
	return resp.StatusCode == http.StatusUnauthorized
}

// maxDrain bounds the refused response that is read so that its connection
// can be reused: Apple's 401 body is a few hundred bytes. A longer body, or
// one of unknown length, is closed unread.
const maxDrain = 4 << 10

// drainTime bounds the reading of a refused response's body. A body that
// has already arrived, as a small one nearly always has with its header,
// reads in microseconds; one that declares a length and then stalls is
// closed when drainTime has passed, so that a server cannot hold the
// request on a body no one wants.
const drainTime = 50 * time.Millisecond

// renew handles a refusal of tok to req. When the source is an
// [Invalidator] it reports tok refused (even when req cannot be sent again:
// the next request then gets a new token), and when the request can be sent
// again and a new token is to be had, it closes the refused response and
// returns the new token and the body to send it with. ok is false when the
// refused response is what goes back to the caller.
func (t *Transport) renew(req *http.Request, tok *Token, refused *http.Response) (fresh *Token, body io.ReadCloser, ok bool) {
	src, ok := find[Invalidator](t.Source)
	if !ok {
		return nil, nil, false
	}
	src.InvalidateToken(tok)
	if !replayable(req) {
		return nil, nil, false
	}
	fresh, err := t.Source.Token(req.Context())
	if err != nil || fresh == nil || fresh.Value == tok.Value {
		return nil, nil, false // the refusal says more than our error would
	}
	if body, err = rewind(req); err != nil {
		return nil, nil, false
	}
	if h := t.Hooks; h != nil && h.Retry401 != nil {
		h.Retry401(Retry401{Request: req})
	}
	discard(refused)
	return fresh, body, true
}

// invalidate tells the source, through wrappers, that a server refused tok
// (see [Invalidator]).
func (t *Transport) invalidate(tok *Token) {
	if src, ok := find[Invalidator](t.Source); ok {
		src.InvalidateToken(tok)
	}
}

// discard reads what a small refused response has already received, so
// that its connection can be reused, and closes it: it never waits for the
// body longer than drainTime.
func discard(resp *http.Response) {
	body := resp.Body
	if body == nil {
		return // net/http accepts a nil Body from a RoundTripper
	}
	n := resp.ContentLength
	if n <= 0 || n > maxDrain {
		body.Close()
		return
	}
	// Closing the body ends a read that waits on the network (net/http's
	// bodies allow it); the Once keeps the timer's close and ours to one.
	var once sync.Once
	closeOnce := func() { once.Do(func() { body.Close() }) }
	timer := time.AfterFunc(drainTime, closeOnce)
	io.CopyN(io.Discard, body, n)
	timer.Stop()
	closeOnce()
}

// replayable reports whether req can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}
