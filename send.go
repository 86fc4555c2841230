package ascjwt

import (
	"io"
	"net/http"

	"github.com/ascjwt/ascjwt/internal/token"
)

// send sends a copy of req with tok and body, and leaves the caller's
// request as it was: the copy's header is the caller's cloned as
// [http.Request.Clone] clones it (a map of its own, every value copied),
// with Authorization set to the token. A Base that breaks the RoundTripper
// contract by returning neither a response nor an error gets an error, not
// a nil response to dereference.
func (t *Transport) send(req *http.Request, tok *Token, body io.ReadCloser) (*http.Response, error) {
	out := new(http.Request)
	*out = *req
	out.Body = body
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = make(http.Header, 1)
	}
	out.Header["Authorization"] = []string{token.Authorization(tok)} // the canonical key, as Header.Set writes it
	resp, err := t.base().RoundTrip(out)
	if resp == nil && err == nil {
		closeReader(body)
		return nil, errNoAnswer
	}
	return resp, err
}
