package apitest

import (
	"crypto/ecdsa"
	"reflect"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyES256 verifies token with golang-jwt, an implementation independent
// of ours: an ES256 signature by pub, an iat not after now and an exp after
// it. It fails t unless the header is exactly header and the claims exactly
// claims, as encoding/json decodes them (numbers float64, arrays []any), so
// that a field missing, added or changed is caught.
func VerifyES256(t *testing.T, token string, pub *ecdsa.PublicKey, now time.Time, header, claims map[string]any) {
	t.Helper()
	tok, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("golang-jwt refuses the token: %v", err)
	}
	if !reflect.DeepEqual(tok.Header, header) {
		t.Errorf("header = %v, want exactly %v", tok.Header, header)
	}
	if got := map[string]any(tok.Claims.(jwt.MapClaims)); !reflect.DeepEqual(got, claims) {
		t.Errorf("claims = %v, want exactly %v", got, claims)
	}
}
