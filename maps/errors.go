package maps

import (
	"errors"
	"net/http"

	"github.com/ascjwt/ascjwt/internal/exchange"
)

// ExchangeError is the token endpoint's response to an exchange when it is
// not an access token: errors.As finds it in the error the source returns.
// StatusCode is the HTTP status (401 when Apple refused the JWT, 429 when
// the key's daily quota is used up); Message is Apple's error message,
// escaped for a terminal or a log line and with the JWT cut out should the
// endpoint echo it; Temporary tells a failure that passes from one that
// needs a change of configuration. It is the one error type of every token
// endpoint in this module, so it also has the OAuth fields, empty here.
type ExchangeError = exchange.Error

// hint says what a status usually means at the Maps token endpoint ("Generate
// a Maps token") and what to check.
func hint(status int, _ string) string {
	switch status {
	case http.StatusUnauthorized:
		return "Apple refused the signed JWT; check that Config.KeyID is the ID of the key in Config.PrivateKey, that Config.TeamID is your Team ID, and that the key has the Maps service (MapKit JS) enabled"
	case http.StatusTooManyRequests:
		return "the key's daily quota of Maps Server API calls is used up; exchanges are tried again after a wait, or ask Apple for a larger quota"
	}
	return ""
}

// ErrOriginNotAllowed is returned by [JSTokenSource.TokenFor] for an origin
// the source was not made for.
var ErrOriginNotAllowed = errors.New("maps: the origin is not one this MapKit JS token source was made for")
