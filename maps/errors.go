package maps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/safetext"
)

// ExchangeError is the token endpoint's answer to an exchange when it is
// not an access token: errors.As finds it in the error the source returns.
type ExchangeError struct {
	// StatusCode is the HTTP status: 401 when Apple refused the JWT, 429
	// when the key's daily quota is used up.
	StatusCode int
	// Message is Apple's error message, escaped for a terminal or a log
	// line; empty when the answer had none.
	Message string
}

// Error says what the status usually means and what to check.
func (e *ExchangeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "maps: the token endpoint answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		b.WriteString(": Apple refused the signed JWT; check that Config.KeyID is the ID of the key in Config.PrivateKey, that Config.TeamID is your Team ID, and that the key has the Maps service (MapKit JS) enabled")
	case e.StatusCode == http.StatusTooManyRequests:
		b.WriteString(": the key's daily quota of Maps Server API calls is used up; try again later, or ask Apple for a larger quota")
	case e.StatusCode >= 300 && e.StatusCode < 400:
		b.WriteString(": a redirect, which is not followed with the JWT; set Config.TokenURL to the endpoint itself")
	case e.StatusCode >= 500:
		b.WriteString(": a failure on Apple's side; the next caller tries again")
	}
	if e.Message != "" {
		b.WriteString(" (Apple says: ")
		b.WriteString(e.Message)
		b.WriteString(")")
	}
	return b.String()
}

// maxMessage is how much of Apple's error message an error carries.
const maxMessage = 200

// newExchangeError reads Apple's ErrorResponse, {"error":{"message":...,
// "details":[...]}}, from body. A message that quotes the JWT (an echoing
// proxy) has it cut out: no error carries a credential.
func newExchangeError(resp *http.Response, body []byte, jwt string) *ExchangeError {
	var answer struct {
		Error struct {
			Message string   `json:"message"`
			Details []string `json:"details"`
		} `json:"error"`
	}
	e := &ExchangeError{StatusCode: resp.StatusCode}
	if json.Unmarshal(body, &answer) != nil {
		return e
	}
	msg := answer.Error.Message
	if len(answer.Error.Details) > 0 {
		msg += ": " + strings.Join(answer.Error.Details, "; ")
	}
	for _, secret := range append([]string{jwt}, strings.Split(jwt, ".")...) {
		if len(secret) >= 16 {
			msg = strings.ReplaceAll(msg, secret, "<redacted>")
		}
	}
	e.Message = safetext.Line(msg, maxMessage)
	return e
}

// readAnswer reads and closes resp's body, refusing one over maxAnswer.
func readAnswer(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("maps: read the token endpoint's answer (status %d): %w", resp.StatusCode, err)
	case len(body) > maxAnswer:
		return nil, fmt.Errorf("maps: the token endpoint's answer (status %d) is over %s; is Config.TokenURL the token endpoint?", resp.StatusCode, redact.Bytes(maxAnswer))
	}
	return body, nil
}

// describeBody says what a body is without quoting it: it may hold a
// credential.
func describeBody(body []byte) string {
	if len(body) == 0 {
		return "an empty body"
	}
	return "a body of " + redact.Bytes(len(body))
}

// ErrOriginNotAllowed is returned by [JSTokenSource.TokenFor] for an origin
// the source was not made for.
var ErrOriginNotAllowed = errors.New("maps: the origin is not one this MapKit JS token source was made for")
