package axm

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/safetext"
)

// OAuthError is the token endpoint's refusal of an exchange, in RFC 6749's
// shape (section 5.2): {"error":"invalid_client","error_description":...}.
// Its Error names the code and what usually causes it. Use [errors.As] to
// branch on Code. It never holds the assertion.
type OAuthError struct {
	// StatusCode is the HTTP status of the answer, usually 400 or 401.
	StatusCode int
	// Code is the OAuth error code, such as "invalid_client", escaped for
	// printing (it comes from a server).
	Code string
	// Description is error_description, escaped for printing and
	// shortened; empty when the server gave none.
	Description string
}

// Lengths of server text kept in an [OAuthError].
const (
	maxCodeShown        = 64
	maxDescriptionShown = 300
)

// Error implements error: "axm: the token endpoint refused the exchange
// (400, invalid_client: ...): usually ...".
func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "axm: the token endpoint refused the exchange (%d, %s", e.StatusCode, e.Code)
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	b.WriteString("): ")
	b.WriteString(hint(e.Code))
	return b.String()
}

// hint says what usually causes each OAuth error code at Apple's token
// endpoint, and what to check.
func hint(code string) string {
	switch code {
	case "invalid_client":
		return "Apple did not accept the client assertion: usually Config.KeyID is not a key of Config.ClientID's API account, Config.PrivateKey is not the key downloaded for that key ID, or the key was revoked in Apple Business Manager or Apple School Manager"
	case "invalid_grant":
		return "Apple did not accept the assertion as a grant: usually its aud is not Apple's (check Config.Audience), it has expired, or this machine's clock is off"
	case "invalid_scope":
		return "the scope does not fit the account: business.api goes with BUSINESSAPI. client IDs and school.api with SCHOOLAPI.; leave Config.Scope empty"
	case "unauthorized_client":
		return "the API account may not use the client-credentials grant: check that it is still active in Apple Business Manager or Apple School Manager"
	case "unsupported_grant_type":
		return "the endpoint does not take the client-credentials grant: check Config.TokenURL, which should be Apple's, " + TokenURL
	case "invalid_request":
		return "the request lacks a parameter or repeats one: check Config.TokenURL, which should be Apple's, " + TokenURL
	case "server_error", "temporarily_unavailable":
		return "a problem at Apple's end; the next call tries again"
	}
	return "see Apple's page \"Implementing OAuth for the Apple School Manager and Apple Business API\"; the next call tries again"
}

// answerError makes the error for a token endpoint's answer other than 200:
// an [OAuthError] when it is one, else one that describes the answer
// without quoting it. Server text is escaped, and the assertion is cut out
// of it should an endpoint echo the request.
func answerError(resp *http.Response, body []byte, assertion string) error {
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return fmt.Errorf("axm: the token endpoint answered %s, a redirect, which is not followed so that the assertion goes nowhere else; set Config.TokenURL to the endpoint itself", statusText(resp))
	}
	var e struct {
		Code        string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil && e.Code != "" {
		return &OAuthError{
			StatusCode:  resp.StatusCode,
			Code:        serverText(e.Code, assertion, maxCodeShown),
			Description: serverText(e.Description, assertion, maxDescriptionShown),
		}
	}
	kind := "no content type"
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		kind = "content type unknown"
		if mt, _, err := mime.ParseMediaType(ct); err == nil && len(mt) <= 64 {
			kind = safetext.Line(mt, 64)
		}
	}
	return fmt.Errorf("axm: the token endpoint answered %s with %s of %s and no OAuth error; the next call tries again, and if this lasts check Config.TokenURL", statusText(resp), redact.Bytes(len(body)), kind)
}

// serverText escapes s for printing, with any copy of the assertion in it
// cut out, and keeps at most max runes of it.
func serverText(s, assertion string, max int) string {
	if assertion != "" {
		s = strings.ReplaceAll(s, assertion, "<the assertion>")
	}
	return safetext.Line(s, max)
}

// statusText is the answer's status code and Go's text for it, never the
// server's own reason phrase.
func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return strconv.Itoa(resp.StatusCode) + " " + t
	}
	return strconv.Itoa(resp.StatusCode)
}
