package ascjwt

import (
	"io"
	"net/http"
)

// A RefusalJudge is a [TokenSource] whose API refuses a token with an answer
// other than 401, such as APNs' 403 ExpiredProviderToken. The Transport
// retries a request once with a new token when RefusedToken says the answer
// refused the token; for a source that is not a RefusalJudge, that is a 401.
type RefusalJudge interface {
	TokenSource
	// RefusedToken reports whether resp refused the token of its request.
	// It may read resp.Body, and must then leave it readable from the start.
	RefusedToken(resp *http.Response) bool
}

// refusesToken reports whether resp refused the request's token.
func (t *Transport) refusesToken(resp *http.Response) bool {
	if j, ok := t.Source.(RefusalJudge); ok {
		return j.RefusedToken(resp)
	}
	return resp.StatusCode == http.StatusUnauthorized
}

// maxDrain bounds the refused answer that is read so that its connection
// can be reused: Apple's 401 body is a few hundred bytes. A longer body, or
// one of unknown length, is closed unread, since reading it could wait on a
// server that stalls and hold the request until its deadline.
const maxDrain = 4 << 10

// retry handles a refusal of tok (a 401) to req. When the source is an
// [Invalidator] it reports tok refused (even when req cannot be sent again:
// the next request then gets a new token), and when the request can be sent
// again and a new token is to be had, it sends req once more with it. It
// returns the second answer, whatever it is (reporting its token refused
// too when it refuses it), or the first one when no retry is possible:
// never more than one retry.
func (t *Transport) retry(req *http.Request, tok *Token, refused *http.Response) (*http.Response, error) {
	src, ok := t.Source.(Invalidator)
	if !ok {
		return refused, nil
	}
	src.InvalidateToken(tok)
	if !replayable(req) {
		return refused, nil
	}
	fresh, err := t.Source.Token(req.Context())
	if err != nil || fresh == nil || fresh.Value == tok.Value {
		return refused, nil // the 401 says more than our error would
	}
	body, err := rewind(req)
	if err != nil {
		return refused, nil
	}
	if h := t.Hooks; h != nil && h.Retry401 != nil {
		h.Retry401(Retry401{Request: req})
	}
	discard(refused)
	resp, err := t.sendPaced(req, fresh, body)
	if err == nil && !succeeded(resp) && t.refusesToken(resp) {
		src.InvalidateToken(fresh) // refused too: the source learns a new token did not cure it
	}
	return resp, err
}

// discard reads what a small answer declares and closes it, never waiting
// for more than it declared.
func discard(resp *http.Response) {
	if resp.Body == nil {
		return // net/http accepts a nil Body from a RoundTripper
	}
	if n := resp.ContentLength; n > 0 && n <= maxDrain {
		io.CopyN(io.Discard, resp.Body, n)
	}
	resp.Body.Close()
}

// replayable reports whether req can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}
