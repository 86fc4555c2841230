package signinwithapple

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ascjwt/ascjwt/internal/jwsread"
)

// Limits on Apple's key set ("Fetch Apple's public key for verifying token
// signature"): it holds a few 2048-bit RSA keys, and a set far outside
// these is refused rather than read.
const (
	maxKeySetBytes = 256 << 10
	maxKeys        = 64
	minRSABits     = 2048
	maxRSABits     = 8192
)

// parseKeySet reads a JSON Web Key Set (RFC 7517 section 5) strictly and
// returns its RS256 signing keys by kid.
//
// Keys of another type, use, algorithm or operation are skipped, as RFC
// 7517 asks, so that Apple adding an EC key does not stop logins. What is
// refused outright is a set that does not read as one thing only: JSON with
// a member named twice or data after it, an RSA key whose modulus or
// exponent is not the minimal unpadded base64url of a sane value, private
// key members in a public set, two signing keys under one kid, and a set
// with no RS256 key at all. Its errors are phrases that follow "the key
// set".
func parseKeySet(body []byte) (map[string]*rsa.PublicKey, error) {
	if len(body) > maxKeySetBytes {
		return nil, fmt.Errorf("is over %d KiB, far larger than Apple's", maxKeySetBytes>>10)
	}
	set, err := readObject(body)
	if err != nil {
		return nil, err
	}
	raw, ok := set["keys"]
	if !ok {
		return nil, errors.New(`has no "keys" member`)
	}
	var entries []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &entries) != nil {
		return nil, errors.New(`has a "keys" member that is not an array`)
	}
	if len(entries) > maxKeys {
		return nil, fmt.Errorf("holds %d keys, more than the %d read", len(entries), maxKeys)
	}
	keys := make(map[string]*rsa.PublicKey)
	for i, entry := range entries {
		jwk, err := readObject(entry)
		if err != nil {
			return nil, fmt.Errorf("key %d %w", i, err)
		}
		kid, pub, err := signingKey(jwk)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if pub == nil {
			continue
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("names kid %s for two signing keys", describeName(kid))
		}
		keys[kid] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New(`holds no RSA key for RS256 signatures with a "kid"`)
	}
	return keys, nil
}

// privateMembers are the members that carry an RSA private key (RFC 7518
// section 6.3.2); a public key set must not hold them.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth"}

// signingKey returns jwk's kid and RSA public key when it is a key for
// RS256 signatures, nil when it is a key for something else, and an error
// when it claims to be an RSA key and is not a sound one.
func signingKey(jwk object) (string, *rsa.PublicKey, error) {
	kty, ok := jwk.string("kty")
	if !ok {
		return "", nil, errors.New(`"kty" is missing or not a string`)
	}
	if kty != "RSA" {
		return "", nil, nil
	}
	for _, name := range privateMembers {
		if _, ok := jwk[name]; ok {
			return "", nil, fmt.Errorf("holds the private key member %q in a public key set", name)
		}
	}
	var n, e *big.Int
	if err := readMembers(jwk.integer, []member[*big.Int]{{"n", &n}, {"e", &e}}); err != nil {
		return "", nil, err
	}
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return "", nil, fmt.Errorf("has a %d-bit modulus; Apple's RSA keys are 2048-bit, and %d to %d are read", bits, minRSABits, maxRSABits)
	}
	if n.Bit(0) == 0 {
		return "", nil, errors.New("has an even modulus, which no RSA key has")
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return "", nil, errors.New(`has an exponent "e" that is not an odd number from 3 to 2^31-1`)
	}
	var kid, use, alg string
	if err := readMembers(jwk.optionalString, []member[string]{{"kid", &kid}, {"use", &use}, {"alg", &alg}}); err != nil {
		return "", nil, err
	}
	ops, err := jwk.stringArray("key_ops")
	if err != nil {
		return "", nil, err
	}
	switch {
	case kid == "", // no token can name it
		use != "" && use != "sig",
		alg != "" && alg != "RS256",
		ops != nil && !slices.Contains(ops, "verify"):
		return "", nil, nil
	}
	return kid, &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// integer reads member name as a JWK integer (RFC 7518 section 6.3.1):
// the big-endian octets of a positive value, as few as it takes, in
// unpadded base64url.
func (o object) integer(name string) (*big.Int, error) {
	s, ok := o.string(name)
	if !ok {
		return nil, fmt.Errorf("%q is missing or not a string", name)
	}
	b, err := jwsread.DecodeSegment(s)
	if err != nil {
		return nil, fmt.Errorf("%q is %w", name, err)
	}
	if len(b) == 0 || b[0] == 0 {
		return nil, fmt.Errorf("%q is empty or has a leading zero octet; RFC 7518 asks for the fewest octets", name)
	}
	return new(big.Int).SetBytes(b), nil
}

// stringArray reads member name as an array of strings; nil when absent.
func (o object) stringArray(name string) ([]string, error) {
	raw, ok := o[name]
	if !ok {
		return nil, nil
	}
	var items []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, fmt.Errorf("%q is not an array", name)
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, err := jwsread.StringValue(item)
		if err != nil {
			return nil, fmt.Errorf("%q holds something other than a string", name)
		}
		out = append(out, s)
	}
	return out, nil
}
