// Package respbody reads the start of an error response's body for a
// CheckResponse (the root's, apns's) and gives it back to the caller: the
// error is parsed from a bounded read, and the caller can still print or
// decode the whole body from its first byte. [Status] names the response's
// status in those errors, and in the token exchange's.
package respbody

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// Peek reads at most limit bytes of resp's body and puts them back in front
// of the rest, so that resp.Body reads from the start again and closes the
// original body. It returns what it read, nil for a response with no body
// (nil or [http.NoBody], left as it is), and the read's error, if any, with
// the bytes read before it, which resp.Body still gives back.
func Peek(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, nil
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	resp.Body = &reread{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
	return head, err
}

// reread is a body with its first part read and put back in front.
type reread struct {
	io.Reader
	io.Closer
}

// Status is a status code and Go's text for it ("429 Too Many Requests"),
// or the code alone for one Go has no text for: never the server's own
// reason phrase, which an error must not echo.
func Status(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}
