package credentials

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/go-jose/go-jose/v4"
)

// verified is a token checked by go-jose's verifier, a code path separate
// from signing, with its header decoded.
type verified struct{ header map[string]any }

// verify checks value's signature with pub and returns its header, failing
// the test on anything malformed.
func verify(t testing.TB, value string, pub *ecdsa.PublicKey) verified {
	t.Helper()
	obj, err := jose.ParseSignedCompact(value, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("go-jose cannot parse the token: %v", err)
	}
	if _, err := obj.Verify(pub); err != nil {
		t.Fatalf("go-jose does not verify the token with the public key: %v", err)
	}
	var v verified
	head, err := base64.RawURLEncoding.DecodeString(strings.Split(value, ".")[0])
	if err != nil || json.Unmarshal(head, &v.header) != nil {
		t.Fatalf("the token's header does not decode: %v", err)
	}
	return v
}

// credSignsAs checks that cfg makes a token that key's public key verifies
// and whose kid is keyID: the loaded config is one Apple would accept.
func credSignsAs(t testing.TB, cfg ascjwt.Config, key *ecdsa.PrivateKey, keyID string) {
	t.Helper()
	src := apitest.Must(t, ascjwt.NewTokenSource, cfg)
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v := verify(t, tok.Value, &key.PublicKey); v.header["kid"] != keyID {
		t.Fatalf("kid %v; want %s", v.header["kid"], keyID)
	}
}
