package signinwithappletest_test

import (
	"crypto/ecdsa"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt/internal/jwsforge"
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
	sign := func(header, claims []byte) string {
		return jwsforge.Sign(key, fill.Replace(string(header)), fill.Replace(string(claims)))
	}
	// The first seed is a good secret: the property below is not vacuous.
	if err := srv.VerifyClientSecret(sign([]byte(`{"alg":"ES256","kid":"{{kid}}"}`), []byte(`{"iss":"{{team}}","iat":{{now}},"exp":{{exp}},"aud":"https://appleid.apple.com","sub":"{{client}}"}`)), cfg.ClientID); err != nil {
		f.Fatalf("the good seed is refused: %v", err)
	}
	f.Fuzz(func(t *testing.T, header, claims []byte) {
		secret := sign(header, claims)
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
