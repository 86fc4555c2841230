package signinwithappletest_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// FuzzVerifyAgreesWithGolangJWT signs arbitrary header and claims bytes
// with the fake's key and checks that the fake never panics, and that what
// it accepts golang-jwt accepts too under Apple's rules (ES256, iss, sub,
// aud, iat not in the future, exp required and not passed): the fake is
// never laxer than an independent verifier. The placeholders in the seeds
// ({{kid}}, {{team}}, {{client}}, {{now}}, {{exp}}) are replaced with the
// fake's values, so that seeds stay valid with its fresh key.
func FuzzVerifyAgreesWithGolangJWT(f *testing.F) {
	f.Add([]byte(`{"alg":"ES256","kid":"{{kid}}"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":{{exp}},"aud":"https://appleid.apple.com","sub":"{{client}}"}`))
	f.Add([]byte(`{"alg":"ES256","kid":"{{kid}}","typ":"JWT"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":{{exp}},"aud":["https://appleid.apple.com"],"sub":"{{client}}"}`))
	f.Add([]byte(`{"alg":"ES256","kid":"{{kid}}"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":{{exp}},"aud":"https://appleid.apple.com","sub":"{{client}}","nbf":{{now}}}`))
	f.Add([]byte(`{"alg":"none","kid":"{{kid}}"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":1e99,"aud":"https://appleid.apple.com","sub":"{{client}}"}`))
	f.Add([]byte(`{"alg":"ES256","kid":"{{kid}}"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":{{exp}},"aud":"https://appleid.apple.com","sub":"{{client}}"} {}`))
	srv := signinwithappletest.NewUnstartedServer()
	defer srv.Close()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	cfg := srv.Config()
	key := cfg.PrivateKey.(*ecdsa.PrivateKey)
	fill := strings.NewReplacer("{{kid}}", cfg.KeyID, "{{team}}", cfg.TeamID, "{{client}}", cfg.ClientID, "{{now}}", strconv.FormatInt(now.Unix()-60, 10), "{{exp}}", strconv.FormatInt(now.Unix()+3540, 10))
	sign := func(t testing.TB, header, claims []byte) string {
		enc := base64.RawURLEncoding
		input := enc.EncodeToString([]byte(fill.Replace(string(header)))) + "." + enc.EncodeToString([]byte(fill.Replace(string(claims))))
		digest := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(nil, key, digest[:]) // nil: crypto/rand
		if err != nil {
			t.Fatal(err)
		}
		r, s := parseDER(t, sig)
		raw := make([]byte, 64)
		r.FillBytes(raw[:32])
		s.FillBytes(raw[32:])
		return input + "." + enc.EncodeToString(raw)
	}
	// The first seed is a good secret: the property below is not vacuous.
	if err := srv.VerifyClientSecret(sign(f, []byte(`{"alg":"ES256","kid":"{{kid}}"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":{{exp}},"aud":"https://appleid.apple.com","sub":"{{client}}"}`)), cfg.ClientID); err != nil {
		f.Fatalf("the good seed is refused: %v", err)
	}
	f.Fuzz(func(t *testing.T, header, claims []byte) {
		secret := sign(t, header, claims)
		if srv.VerifyClientSecret(secret, cfg.ClientID) != nil {
			return
		}
		_, err := jwt.Parse(secret, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(cfg.TeamID), jwt.WithSubject(cfg.ClientID),
			jwt.WithAudience("https://appleid.apple.com"), jwt.WithIssuedAt(), jwt.WithExpirationRequired(),
			jwt.WithTimeFunc(func() time.Time { return now }))
		if err != nil {
			t.Fatalf("the fake accepts a secret golang-jwt refuses (%v):\nheader %s\nclaims %s", err, fill.Replace(string(header)), fill.Replace(string(claims)))
		}
	})
}

// parseDER reads the R and S of an ASN.1 DER ECDSA signature.
func parseDER(t testing.TB, sig []byte) (r, s *big.Int) {
	var v struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &v); err != nil {
		t.Fatal(err)
	}
	return v.R, v.S
}
