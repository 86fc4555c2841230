package weatherkittest

import (
	"errors"
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// This file checks developer tokens by the rules of Apple's "Request
// authentication for WeatherKit REST API", with internal/fakejwt's strict
// reading and crypto/ecdsa, so that the fake shares no code with the
// package that makes the tokens.

// claims are what a token that passed holds: the key ID and the token's
// identity (fakejwt.Token.ID) that the gate counts and revokes by, and the
// claims.
type claims struct {
	fakeserver.Checked
	serviceID string
	issuedAt  int64
	expiry    int64
}

// verify checks value, signed by one of keys (by key ID), for one of the
// registered Service IDs, at now. Its errors name the rule broken.
func verify(value string, keyFor func(kid string) (Key, error), service func(id string) bool, now time.Time) (claims, error) {
	tok, err := fakejwt.Verify(value, fakejwt.Rules{MaxLen: fakejwt.MaxDeveloperTokenLen, Header: []string{"id"}, Key: fakeserver.PublicKeys(keyFor)})
	if err != nil {
		return claims{}, err
	}
	header, payload := tok.Header, tok.Payload
	for name := range payload {
		switch name {
		case "iss", "iat", "exp", "sub":
		default:
			return claims{}, fmt.Errorf("the payload holds %s; Apple's page lists iss, iat, exp and sub only", fakejwt.DescribeName(name))
		}
	}
	iat, exp, err := payload.Times(now, fakejwt.DeveloperTokenLeeway)
	if err != nil {
		return claims{}, err
	}
	sub, ok := payload.String("sub")
	if !ok {
		return claims{}, errors.New("sub (the Service ID) is missing or not a string")
	}
	if !service(sub) {
		return claims{}, errors.New("sub is not a Service ID registered with this server")
	}
	id, ok := header.String("id")
	if !ok {
		return claims{}, errors.New("the header has no id (Team ID.Service ID)")
	}
	if id != tok.Issuer+"."+sub {
		return claims{}, errors.New("the header's id is not iss and sub joined by a period")
	}
	return claims{Checked: fakeserver.Checked{KeyID: tok.KeyID, ID: tok.ID}, serviceID: sub, issuedAt: iat, expiry: exp}, nil
}
