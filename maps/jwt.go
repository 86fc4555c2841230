package maps

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// claims is a Maps JWT's payload. scope is set for the Maps Server API,
// origin for a MapKit JS token restricted to one website; neither is
// written when empty.
type claims struct {
	Issuer   string `json:"iss"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	Scope    string `json:"scope,omitempty"`
	Origin   string `json:"origin,omitempty"`
}

// signed is a signed JWT with its two times.
type signed struct {
	value    string
	iat, exp time.Time
}

// sign signs a JWT at now for origin and scope. iat is backdated by
// clockSkew, so that a server whose clock is behind ours does not see a
// token from the future, and exp is iat + lifetime. The token is fresh
// until a quarter of its lifetime is left and usable until its last minute.
func (set *settings) sign(ctx context.Context, now time.Time, origin, scope string) (signed, tokencache.Lifetimes, error) {
	iat := now.Unix() - int64(clockSkew/time.Second)
	exp := iat + int64(set.lifetime/time.Second)
	payload, err := json.Marshal(claims{Issuer: set.teamID, IssuedAt: iat, Expiry: exp, Scope: scope, Origin: origin})
	if err != nil {
		return signed{}, tokencache.Lifetimes{}, fmt.Errorf("maps: encode claims: %w", err)
	}
	value, err := set.signer.Sign(ctx, payload)
	if err != nil {
		return signed{}, tokencache.Lifetimes{}, fmt.Errorf("maps: sign a token with key %s: %w", set.keyID, err)
	}
	expiry := time.Unix(exp, 0)
	left := expiry.Sub(now)
	life := tokencache.Lifetimes{RefreshAt: now.Add(left - set.lifetime/4), ExpireAt: now.Add(left - time.Minute)}
	return signed{value: value, iat: time.Unix(iat, 0), exp: expiry}, life, nil
}

// newJWTCache returns a cache of JWTs for origin and scope, for the server
// source: the JWT is signed once for its life, not once per exchange.
func newJWTCache(set *settings, origin, scope string) *tokencache.Cache[string] {
	return tokencache.New(tokencache.Config[string]{
		Mint: func(ctx context.Context, now time.Time) (string, tokencache.Lifetimes, error) {
			s, life, err := set.sign(ctx, now, origin, scope)
			return s.value, life, err
		},
		Local:   set.signer.Local(),
		Timeout: ExchangeTimeout,
		Now:     set.now,
		Label:   "maps: the signer for key " + set.keyID,
		Prefix:  "maps",
	})
}
