package ascjwt

import (
	"io"
	"net/http"
)

// invalidator is a TokenSource that can drop a token the server refused.
// The source from NewTokenSource is one.
type invalidator interface {
	invalidate(*Token)
}

// maxDrain bounds how much of a refused answer is read so that its
// connection can be reused; a longer body is closed unread.
const maxDrain = 64 << 10

// retry handles a 401 to req, sent with tok: when the source can replace
// tok, it drops tok (only if tok is still the current token, so that many
// requests refused with one token cause one new signature, and at most once
// a minute), and when the request can be sent again it takes a new token and
// sends req once more. It returns the
// second answer, whatever it is, or the first one when no retry is possible:
// never more than one retry.
func (t *Transport) retry(req *http.Request, tok *Token, refused *http.Response) (*http.Response, error) {
	src, ok := t.Source.(invalidator)
	if !ok {
		return refused, nil
	}
	src.invalidate(tok) // even when req cannot be sent again: the next request then gets a new token
	if !replayable(req) {
		return refused, nil
	}
	fresh, err := t.Source.Token(req.Context())
	if err != nil || fresh.Value == tok.Value {
		return refused, nil // the 401 says more than our error would
	}
	body := req.Body
	if body != nil && body != http.NoBody {
		if body, err = req.GetBody(); err != nil {
			return refused, nil
		}
	}
	io.CopyN(io.Discard, refused.Body, maxDrain)
	refused.Body.Close()
	return t.send(req, fresh, body)
}

// replayable reports whether req can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}
