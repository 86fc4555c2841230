package configcheck

import (
	"crypto"
	"time"

	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
)

// DeveloperKey is the part of a developer-token Config that every such
// package checks alike, with the words that make the errors read as that
// package's.
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
}

// Check checks the key ID, the Team ID, the key and the lifetime, in that
// order, so that a Config with several mistakes names the same one first in
// every package. It returns the signer of the tokens and their lifetime
// (Lifetimes.Default for zero).
func (k DeveloperKey) Check() (*jws.Signer, time.Duration, error) {
	if err := CheckID(k.Package, "KeyID", k.KeyID, k.KeyIDWant, k.Source); err != nil {
		return nil, 0, err
	}
	if err := CheckID(k.Package, "TeamID", k.TeamID, TeamIDWant, k.Source); err != nil {
		return nil, 0, err
	}
	signer, err := Signer(k.Package, k.PrivateKey, k.KeyID, k.Header)
	if err != nil {
		return nil, 0, err
	}
	lifetime, err := CheckLifetime(k.Package, k.Lifetime, k.Lifetimes)
	if err != nil {
		return nil, 0, err
	}
	return signer, lifetime, nil
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
