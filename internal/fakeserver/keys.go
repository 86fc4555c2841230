package fakeserver

import (
	"crypto/ecdsa"
	"errors"
	"sync"
)

// Key is a key a fake knows: its ID, its team (empty for App Store
// Connect's individual keys), and its private key, which lives in memory
// only. The fakes' own Key types are this type or have these fields in
// this order, so that one converts to the other.
type Key struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
}

// PublicKeys adapts lookup, a fake's lookup of its own Key type (whose
// fields are [Key]'s), to what internal/fakejwt asks of a key: the public
// key and the Team ID of the key named kid, or why there is none.
func PublicKeys[K ~struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
}](lookup func(kid string) (K, error)) func(kid string) (*ecdsa.PublicKey, string, error) {
	return func(kid string) (*ecdsa.PublicKey, string, error) {
		k, err := lookup(kid)
		if err != nil {
			return nil, "", err
		}
		key := Key(k)
		return &key.PrivateKey.PublicKey, key.TeamID, nil
	}
}

// The errors of [Keys.Lookup]. They never quote the kid asked for, which
// is the token sender's text.
var (
	ErrUnknownKey = errors.New("kid names no key of this server")
	ErrRevokedKey = errors.New("the key named by kid was revoked")
)

// Keys is a fake's registry of keys, of one team as a developer account's
// are. It is safe for concurrent use.
type Keys struct {
	mu      sync.Mutex
	team    string
	keys    map[string]Key
	revoked map[string]bool
}

// NewKeys returns an empty registry for a new team, with a Team ID of
// Apple's form ([NewID]).
func NewKeys() *Keys { return NewKeysOf(NewID()) }

// NewKeysOf returns an empty registry for the team team: an App Store
// Connect issuer ID, a Business Manager client ID.
func NewKeysOf(team string) *Keys {
	return &Keys{team: team, keys: make(map[string]Key), revoked: make(map[string]bool)}
}

// Team returns the Team ID of the registry's keys.
func (k *Keys) Team() string { return k.team }

// Add makes a new key of the team, with an ID of Apple's form ([NewID]),
// and registers it.
func (k *Keys) Add() Key { return k.Register(NewID(), k.team) }

// Register makes a new key with ID id for team team (empty for a key of no
// team, as an App Store Connect individual key is) and registers it,
// replacing any key of that ID.
func (k *Keys) Register(id, team string) Key {
	key := Key{ID: id, TeamID: team, PrivateKey: NewKey()}
	k.mu.Lock()
	k.keys[key.ID] = key
	delete(k.revoked, key.ID)
	k.mu.Unlock()
	return key
}

// Revoke makes the key with ID id fail every lookup from now on, as
// revoking it in the developer account does.
func (k *Keys) Revoke(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[id]; ok {
		k.revoked[id] = true
	}
}

// Lookup returns the key named kid, or [ErrUnknownKey] or [ErrRevokedKey].
func (k *Keys) Lookup(kid string) (Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.keys[kid]
	switch {
	case !ok:
		return Key{}, ErrUnknownKey
	case k.revoked[kid]:
		return Key{}, ErrRevokedKey
	}
	return key, nil
}
