package musickittest

import (
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// This file checks developer tokens by the rules of Apple's "Generating
// Developer Tokens", with internal/fakejwt's strict reading and
// crypto/ecdsa, so that the fake shares no code with the package that makes
// the tokens.

// maxLifetime is Apple's limit: exp no more than 15,777,000 seconds from
// the server's current time.
const maxLifetime = 15_777_000

// claims are what a token that passed holds: the key ID and the token's
// identity (fakejwt.Token.ID) that the gate counts and revokes by, and the
// claims.
type claims struct {
	fakeserver.Checked
	issuedAt int64
	expiry   int64
	origins  []string // nil without an origin claim
}

// verify checks value, signed by one of keys (by key ID), at now, for a
// request whose Origin header is origin ("" for none). Its errors name the
// rule broken.
func verify(value string, keyFor func(kid string) (Key, error), now time.Time, origin string) (claims, error) {
	tok, err := fakejwt.Verify(value, fakejwt.Rules{MaxLen: fakejwt.MaxDeveloperTokenLen, Header: []string{}, Key: fakeserver.PublicKeys(keyFor)})
	if err != nil {
		return claims{}, err
	}
	payload := tok.Payload
	iat, exp, err := payload.Times(now, fakejwt.DeveloperTokenLeeway)
	if err != nil {
		return claims{}, err
	}
	if exp-now.Unix() > maxLifetime {
		return claims{}, errors.New("exp is more than 15,777,000 seconds (six months) from now")
	}
	c := claims{Checked: fakeserver.Checked{KeyID: tok.KeyID, ID: tok.ID}, issuedAt: iat, expiry: exp}
	if rawOrigins, ok := payload["origin"]; ok {
		if err := json.Unmarshal(rawOrigins, &c.origins); err != nil || c.origins == nil {
			return claims{}, errors.New("origin is not an array of strings")
		}
		if origin != "" && !slices.Contains(c.origins, origin) {
			return claims{}, errors.New("the request's Origin header is not in the token's origin claim")
		}
	}
	return c, nil
}
