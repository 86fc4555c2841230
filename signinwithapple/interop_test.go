package signinwithapple_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt/signinwithapple"
)

// TestTokensSignedByGolangJWTVerify: an independent check of the verifier:
// identity tokens that golang-jwt signs RS256 with an RSA key of the test's,
// served as a JWKS by a plain httptest server, verify and decode; golang-jwt
// writes "aud" as an array and its own header order, and a map of claims
// may hold several audiences (all trusted) and times with fractions.
func TestTokensSignedByGolangJWTVerify(t *testing.T) {
	keys := testRSAKeys()
	ks := newKeyServer(t, keys[0], keys[1])
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	v := verifierFor(t, ks, func() time.Time { return now }, "com.example.web", "com.example.app")

	for i, claims := range []jwt.Claims{
		jwt.MapClaims{
			"iss": "https://appleid.apple.com", "aud": "com.example.app", "sub": "001234.abc.0001", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"email": "a@example.com", "email_verified": "true", "is_private_email": false, "nonce": "n1", "nonce_supported": true, "real_user_status": 2,
		},
		jwt.RegisteredClaims{
			Issuer: "https://appleid.apple.com", Audience: jwt.ClaimStrings{"com.example.web"}, Subject: "001234.abc.0001",
			IssuedAt: jwt.NewNumericDate(now.Add(-time.Second)), ExpiresAt: jwt.NewNumericDate(now.Add(90 * time.Second)),
		},
		jwt.MapClaims{
			"iss": "https://appleid.apple.com", "aud": []string{"com.example.web", "com.example.app"}, "sub": "001234.abc.0001",
			"iat": float64(now.Unix()) - 0.25, "exp": float64(now.Add(90*time.Second).Unix()) + 0.5,
		},
	} {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = []string{"kid0", "kid1", "kid0"}[i]
		value, err := tok.SignedString(keys[i%2])
		if err != nil {
			t.Fatal(err)
		}
		nonce := ""
		if i == 0 {
			nonce = "n1"
		}
		id, err := v.VerifyIDToken(bg, value, signinwithapple.VerifyOptions{Nonce: nonce})
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if id.Subject != "001234.abc.0001" || (i == 0) != (id.Email == "a@example.com" && id.EmailVerified && !id.IsPrivateEmail && id.NonceSupported && id.RealUserStatus == 2) {
			t.Errorf("token %d: %+v", i, id)
		}
		if i == 1 && (id.Audience != "com.example.web" || !id.Expiry.Equal(now.Add(90*time.Second))) {
			t.Errorf("token %d: aud %q exp %s", i, id.Audience, id.Expiry)
		}
		if i == 2 && (id.Audience != "com.example.web" || !id.Expiry.Equal(now.Add(90*time.Second+500*time.Millisecond)) || !id.IssuedAt.Equal(now.Add(-250*time.Millisecond))) {
			t.Errorf("token %d: aud %q iat %s exp %s", i, id.Audience, id.IssuedAt, id.Expiry)
		}
	}
}
