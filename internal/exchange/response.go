package exchange

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/respbody"
)

// Limits on the token endpoint's response. Apple's are a few hundred bytes
// with an access token well under a kilobyte, living 30 minutes (Maps) or an
// hour (Business and School Manager); anything far larger is not a token
// response, and is not read into memory whole.
const (
	// MaxResponse is the most of a response body that is read.
	MaxResponse = 64 << 10
	// MaxTokenLen is the longest access token accepted.
	MaxTokenLen = 8 << 10
	// MaxLifetime is the longest access token life accepted: a day.
	MaxLifetime = 24 * time.Hour
)

// Format is the shape of a token endpoint's 200 response: the JSON member
// names of the access token and of its lifetime in seconds.
type Format struct {
	// Token and ExpiresIn are the members' names.
	Token, ExpiresIn string
	// TokenType, when set, is the member that names the token's type,
	// which must then be Bearer (RFC 6749 section 7.1) or absent.
	TokenType string
	// DefaultLifetime is the life of a token whose response has no
	// ExpiresIn member; zero makes the member required.
	DefaultLifetime time.Duration
	// Usual says what lifetime the endpoint gives, for errors.
	Usual string
	// ErrorKind names the error document the endpoint sends with a
	// refusal, for a response without one: "OAuth error", "error message".
	ErrorKind string
}

// OAuth is RFC 6749's response (section 5.1), as the Business and School
// Manager endpoint sends it: {"access_token":...,"token_type":"Bearer",
// "expires_in":3600}; expires_in is optional, and Apple's page gives an hour.
var OAuth = Format{Token: "access_token", ExpiresIn: "expires_in", TokenType: "token_type", DefaultLifetime: time.Hour, Usual: "one hour", ErrorKind: "OAuth error"}

// Maps is the Maps token endpoint's response ("Generate a Maps token"):
// {"accessToken":...,"expiresInSeconds":1800}.
var Maps = Format{Token: "accessToken", ExpiresIn: "expiresInSeconds", Usual: "30 minutes", ErrorKind: "error message"}

// ParseResponse reads a 200 response body of format f: the access token,
// which must be fit for an Authorization header, and its lifetime, between
// a second and [MaxLifetime]. Member names are matched exactly (no case
// folding, unlike encoding/json's struct decoding). Errors start with pkg
// and describe what they refuse without quoting it.
func ParseResponse(pkg string, f Format, body []byte) (string, time.Duration, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return "", 0, fmt.Errorf("%s: the token endpoint's 200 response is not the JSON of a token (%s); check Config.TokenURL", pkg, redact.Bytes(len(body)))
	}
	var token string
	if raw, ok := members[f.Token]; ok && json.Unmarshal(raw, &token) != nil {
		return "", 0, fmt.Errorf("%s: the token endpoint's %s is not a string; check Config.TokenURL", pkg, f.Token)
	}
	if token == "" {
		return "", 0, fmt.Errorf("%s: the token endpoint's 200 response has no %s; check Config.TokenURL", pkg, f.Token)
	}
	if len(token) > MaxTokenLen || !headerSafe(token) {
		// Not quoted: it may be a real token with one bad byte.
		return "", 0, fmt.Errorf("%s: the token endpoint's %s (%s) is not a token an Authorization header can carry; check Config.TokenURL", pkg, f.Token, redact.Bytes(len(token)))
	}
	if f.TokenType != "" {
		var typ string
		if raw, ok := members[f.TokenType]; ok && json.Unmarshal(raw, &typ) != nil {
			return "", 0, fmt.Errorf("%s: the token endpoint's %s is not a string; check Config.TokenURL", pkg, f.TokenType)
		}
		if typ != "" && !strings.EqualFold(typ, "bearer") {
			return "", 0, fmt.Errorf("%s: the token endpoint's %s (%s) is not Bearer; this package sends only bearer tokens", pkg, f.TokenType, redact.Describe(typ))
		}
	}
	life := f.DefaultLifetime
	raw, ok := members[f.ExpiresIn]
	switch {
	case ok && !bytes.Equal(raw, []byte("null")):
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return "", 0, fmt.Errorf("%s: the token endpoint's %s is not a whole number of seconds; check Config.TokenURL", pkg, f.ExpiresIn)
		}
		if n <= 0 || n > int64(MaxLifetime/time.Second) {
			return "", 0, fmt.Errorf("%s: the token endpoint's %s, %d seconds, is not a lifetime Apple gives (%s); check Config.TokenURL", pkg, f.ExpiresIn, n, f.Usual)
		}
		life = time.Duration(n) * time.Second
	case life == 0:
		return "", 0, fmt.Errorf("%s: the token endpoint's 200 response has no %s; check Config.TokenURL", pkg, f.ExpiresIn)
	}
	return token, life, nil
}

// headerSafe reports whether s is visible ASCII without spaces: the
// characters of RFC 6750's b64token and more, and nothing a header cannot
// carry.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// readBody reads and closes resp's body, refusing one over MaxResponse. It
// runs under the exchange's context, whose timeout bounds a body that
// stalls.
func readBody(pkg string, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: read the token endpoint's response (%s): %w", pkg, respbody.Status(resp.StatusCode), err)
	case len(body) > MaxResponse:
		return nil, fmt.Errorf("%s: the token endpoint answered %s with more than %s; that is no token response: check Config.TokenURL", pkg, respbody.Status(resp.StatusCode), redact.Bytes(MaxResponse))
	}
	return body, nil
}
