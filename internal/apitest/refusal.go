package apitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
)

// Refusal is a Config that a constructor must refuse.
type Refusal[C any] struct {
	// Name says what is wrong with Config.
	Name   string
	Config C
	// Want is a phrase the error must hold; "" for any.
	Want string
	// Refused are the values the Config holds by mistake: the error must
	// not quote them, since one may be a secret in the wrong place.
	Refused []string
}

// CheckRefusals calls newSource (a package's NewTokenSource) with each
// case's Config and fails t unless it returns an error that starts with prefix, holds Want, quotes none of
// Refused longer than three bytes (trimmed of white space: an ID with a
// newline is still quoted without it) and shows no PEM key material.
func CheckRefusals[C, S any](t *testing.T, prefix string, newSource func(C) (S, error), cases ...Refusal[C]) {
	t.Helper()
	for _, tc := range cases {
		_, err := newSource(tc.Config)
		if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.Want) {
			t.Errorf("%s: error %v, want one that starts with %q and holds %q", tc.Name, err, prefix, tc.Want)
			continue
		}
		for _, v := range tc.Refused {
			if trimmed := strings.TrimSpace(v); len(v) > 3 && trimmed != "" && strings.Contains(err.Error(), trimmed) {
				t.Errorf("%s: the error quotes the refused value: %v", tc.Name, err)
			}
		}
		if strings.Contains(err.Error(), "MIG") || strings.Contains(err.Error(), "BEGIN") {
			t.Errorf("%s: the error shows key material: %v", tc.Name, err)
		}
	}
}

// BadIDs are the key IDs and Team IDs that every package refuses, each
// made into a Config by config from the good keyID and teamID with one of
// them spoiled; keyPEM is a key in PEM form, pasted where an ID belongs.
func BadIDs[C any](keyID, teamID, keyPEM string, config func(keyID, teamID string) C) []Refusal[C] {
	cases := []struct{ name, keyID, teamID, want string }{
		{"empty key ID", "", teamID, "Config.KeyID is empty"},
		{"empty team ID", keyID, "", "Config.TeamID is empty"},
		{"short key ID", keyID[:len(keyID)-1], teamID, "not the 10 characters"},
		{"long team ID", keyID, teamID + "K", "not the 10 characters"},
		{"lower case", strings.ToLower(keyID), teamID, "other than A-Z and 0-9"},
		{"white space", keyID + "\n", teamID, "white space"},
		{"key pasted into KeyID", keyPEM, teamID, "looks like a private key"},
		{"key pasted into TeamID", keyID, keyPEM, "looks like a private key"},
		{"UUID issuer in TeamID", keyID, "57246542-96fe-1a63-e053-0824d011072a", "not the 10 characters"},
	}
	out := make([]Refusal[C], len(cases))
	for i, tc := range cases {
		out[i] = Refusal[C]{Name: tc.name, Config: config(tc.keyID, tc.teamID), Want: tc.want}
		for _, v := range []string{tc.keyID, tc.teamID} {
			if v != keyID && v != teamID {
				out[i].Refused = append(out[i].Refused, v)
			}
		}
	}
	return out
}

// BadKeys are the keys every package refuses because they cannot sign
// ES256, none and a P-384 key, each made into a Config by config.
func BadKeys[C any](t testing.TB, config func(crypto.Signer) C) []Refusal[C] {
	t.Helper()
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []Refusal[C]{{Name: "nil key", Config: config(nil)}, {Name: "P-384 key", Config: config(p384)}}
}
