package fakeserver

import (
	"errors"
	"sync"
	"time"
)

// The errors of [AccessTokens.Check].
var (
	ErrUnknownToken = errors.New("the access token is unknown: not issued here, or revoked")
	ErrExpiredToken = errors.New("the access token has expired")
)

// AccessTokens are the opaque access tokens a fake's token endpoint has
// issued, each with its expiry on the fake's clock. The zero value is
// ready; it is safe for concurrent use.
type AccessTokens struct {
	mu     sync.Mutex
	expiry map[string]time.Time
}

// Issue makes a new access token ([NewToken]) that Check accepts until
// expiry.
func (a *AccessTokens) Issue(expiry time.Time) string {
	tok := NewToken()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.expiry == nil {
		a.expiry = make(map[string]time.Time)
	}
	a.expiry[tok] = expiry
	return tok
}

// Check returns nil if token was issued here and is not expired at now,
// and otherwise [ErrUnknownToken] or [ErrExpiredToken].
func (a *AccessTokens) Check(token string, now time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	expiry, ok := a.expiry[token]
	switch {
	case !ok:
		return ErrUnknownToken
	case !now.Before(expiry):
		return ErrExpiredToken
	}
	return nil
}

// Revoke forgets every access token issued so far, as a revoked key's are
// forgotten: Check answers ErrUnknownToken for them from now on.
func (a *AccessTokens) Revoke() {
	a.mu.Lock()
	clear(a.expiry)
	a.mu.Unlock()
}
