package configcheck

import (
	"crypto"
	"time"

	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/token"
)

// DeveloperKey is a developer-token Config (MusicKit's, WeatherKit's) as
// its package hands it over: the part every such package checks alike, with
// the words that make the errors read as that package's, and what the
// package adds to the tokens.
type DeveloperKey struct {
	// Package starts every error ("musickit").
	Package string
	// Source is the title of the Apple page that calls the IDs
	// 10-character ones, or "" for none.
	Source string
	// KeyIDWant says what to set KeyID to.
	KeyIDWant string

	KeyID, TeamID string
	PrivateKey    crypto.Signer
	// Header is the tokens' header beyond alg and kid.
	Header jws.Header
	// Lifetime is Config.Lifetime, checked against Lifetimes.
	Lifetime  time.Duration
	Lifetimes Lifetimes
	// Also, when set, checks the package's own fields, after the key's.
	Also func() error

	// Claims are the tokens' claims beyond iss (TeamID), iat and exp.
	Claims devtoken.Claims
	// Hosts are the hosts the tokens are for.
	Hosts []string
	// Now is Config.Now (nil for time.Now); Hooks is Config.Hooks.
	Now   func() time.Time
	Hooks *token.Hooks
}

// Spec checks the key ID, the Team ID, the key, the lifetime and then Also,
// in that order, so that a Config with several mistakes names the same one
// first in every package, and returns the [devtoken.Spec] of the tokens:
// iat backdated by [devtoken.ClockSkew], exp iat + the lifetime
// (Lifetimes.Default for zero), a refused token dropped at most once per
// [devtoken.DropInterval].
func (k DeveloperKey) Spec() (devtoken.Spec, error) {
	if err := CheckIDs(k.Package, k.Source, k.KeyID, k.KeyIDWant, k.TeamID, TeamIDWant); err != nil {
		return devtoken.Spec{}, err
	}
	signer, err := Signer(k.Package, k.PrivateKey, k.KeyID, k.Header)
	if err != nil {
		return devtoken.Spec{}, err
	}
	lifetime, err := CheckLifetime(k.Package, k.Lifetime, k.Lifetimes)
	if err != nil {
		return devtoken.Spec{}, err
	}
	if k.Also != nil {
		if err := k.Also(); err != nil {
			return devtoken.Spec{}, err
		}
	}
	claims := k.Claims
	claims.Issuer = k.TeamID
	return devtoken.Spec{
		Package: k.Package, KeyID: k.KeyID, Signer: signer, Payload: claims.Payload,
		Backdate: devtoken.ClockSkew, Lifetime: lifetime, DropInterval: devtoken.DropInterval,
		Hosts: k.Hosts, Now: Clock(k.Now), Hooks: k.Hooks,
	}, nil
}

// TeamIDWant says what to set a developer-token Config's TeamID to.
const TeamIDWant = "your 10-character Team ID (Membership in your developer account)"

// The lifetimes of developer tokens (MusicKit's, WeatherKit's), which each
// package exports under its own names with its own reasons.
const (
	// DefaultLifetime is an hour: one signature an hour, and a leaked token
	// that stops working within the hour.
	DefaultLifetime = time.Hour
	// MinLifetime is five minutes, devtoken's one definition: a token is
	// backdated a minute and never used in its last minute, and needs room
	// between the two to be replaced in the background.
	MinLifetime = devtoken.MinLifetime
	// SixMonths is Apple's limit on exp, "15777000 (6 months in seconds)"
	// from the server's time ("Generating Developer Tokens").
	SixMonths = 15_777_000 * time.Second
)
