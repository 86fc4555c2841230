package exchange

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/respbody"
	"github.com/ascjwt/ascjwt/internal/retryafter"
	"github.com/ascjwt/ascjwt/internal/safetext"
)

// Error is a token endpoint's response to an exchange when it is not an
// access token: its status, the OAuth error's fields when it had one (RFC
// 6749 section 5.2: {"error":"invalid_client","error_description":...}), and
// Apple's own message when it sent its ErrorResponse instead (Maps:
// {"error":{"message":...,"details":[...]}}). Every text in it came from a
// server and is escaped for a terminal or a log line, with the request's
// credential cut out should the server echo it. Use [errors.As] to branch on
// it, and [Error.Temporary] to tell a failure worth retrying soon from one
// that needs a change of configuration.
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Code is the OAuth error code, such as "invalid_client"; empty when
	// the response had none.
	Code string
	// Description is the OAuth error_description, shortened; empty when
	// the response had none.
	Description string
	// Message is Apple's error message and its details, shortened; empty
	// when the response had none.
	Message string
	// RetryAfter is the wait the response asked for in its Retry-After
	// header (usually with a 429 or 503), read as the Transport reads one:
	// delta seconds, an HTTP date or UNIX milliseconds, measured from
	// Config.Now; at most a day, and zero when it asked for none.
	RetryAfter time.Duration

	pkg  string // "maps", "axm"
	body string // what the body was, when it was neither kind of error
	hint string // what the status or code usually means, and what to do
}

// Lengths of server text kept in an [Error].
const (
	maxCode        = 64
	maxDescription = 300
	maxRetryAfter  = 24 * time.Hour
)

// Error says what the endpoint answered, what it usually means and what to
// check: "axm: the token endpoint refused the exchange (400,
// invalid_client: ...): usually ...", or "maps: the token endpoint
// answered 401 Unauthorized: ... (Apple says: ...)".
func (e *Error) Error() string {
	var s string
	if e.Code != "" {
		s = fmt.Sprintf("%s: the token endpoint refused the exchange (%d, %s%s)", e.pkg, e.StatusCode, e.Code, around(": ", e.Description, ""))
	} else {
		s = fmt.Sprintf("%s: the token endpoint answered %s%s", e.pkg, respbody.Status(e.StatusCode), around(" with ", e.body, ""))
	}
	return s + around(": ", e.hint, "") + around(" (Apple says: ", e.Message, ")")
}

// around returns s between before and after, or nothing when s is empty.
func around(before, s, after string) string {
	if s == "" {
		return ""
	}
	return before + s + after
}

// Temporary reports whether the failure is on the endpoint's side or of the
// moment, so that the same request may succeed later without a change
// here: a 5xx, a 408, a 429 (a quota, which ends), and the OAuth codes
// server_error and temporarily_unavailable. Anything else (invalid_client,
// a 401 to a signed JWT, a revoked key) is permanent: it lasts until the
// configuration or the account changes.
func (e *Error) Temporary() bool {
	switch e.Code {
	case "server_error", "temporarily_unavailable":
		return true
	case "":
	default:
		return false
	}
	return e.StatusCode >= 500 || e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests
}

// newError reads the error in a response other than 200: an OAuth error,
// Apple's ErrorResponse, or neither, described by its size and content type.
// Server text has secret cut out of it (marked as marker) and is escaped.
func newError(c *config, resp *http.Response, body []byte, secret string, now time.Time) *Error {
	e := &Error{StatusCode: resp.StatusCode, pkg: c.pkg, RetryAfter: retryAfter(resp, now)}
	text := func(s string, max int) string { return safetext.Line(redact.Cut(s, secret, c.marker), max) }
	var doc struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(body, &doc) == nil && len(doc.Error) > 0 {
		var code string
		var apple struct {
			Message string   `json:"message"`
			Details []string `json:"details"`
		}
		switch {
		case json.Unmarshal(doc.Error, &code) == nil && code != "":
			e.Code = text(code, maxCode)
			e.Description = text(doc.Description, maxDescription)
		case json.Unmarshal(doc.Error, &apple) == nil && (apple.Message != "" || len(apple.Details) > 0):
			msg := apple.Message
			if len(apple.Details) > 0 {
				msg = strings.TrimPrefix(msg+": "+strings.Join(apple.Details, "; "), ": ")
			}
			e.Message = text(msg, maxDescription)
		}
	}
	if e.Code == "" && e.Message == "" {
		e.body = describeBody(resp, body) + " and no " + c.errorKind
	}
	if c.hint != nil {
		e.hint = c.hint(e.StatusCode, e.Code)
	}
	if e.hint == "" {
		e.hint = defaultHint(e)
	}
	return e
}

// defaultHint says what a status usually means at any token endpoint.
func defaultHint(e *Error) string {
	switch {
	case e.StatusCode == http.StatusTooManyRequests:
		return "too many exchanges or a quota used up; exchanges are tried again after a wait"
	case e.Temporary():
		return "a failure on Apple's side; the next call tries again, and if this lasts check Config.TokenURL"
	}
	return "check Config.TokenURL, which should be Apple's token endpoint"
}

// describeBody says what a body is without quoting it: "31 bytes of
// application/json".
func describeBody(resp *http.Response, body []byte) string {
	kind := "no content type"
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		kind = "content type unknown"
		if mt, _, err := mime.ParseMediaType(ct); err == nil && len(mt) <= 64 {
			kind = safetext.Line(mt, 64)
		}
	}
	if len(body) == 0 {
		return "an empty body of " + kind
	}
	return redact.Bytes(len(body)) + " of " + kind
}

// retryAfter reads resp's Retry-After header at now ([retryafter.Parse]),
// bounded by a day; zero for none.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	d, _ := retryafter.Parse(resp.Header.Get("Retry-After"), now)
	return min(d, maxRetryAfter)
}
