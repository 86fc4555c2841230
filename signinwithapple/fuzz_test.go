package signinwithapple_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt/signinwithapple"
)

// FuzzVerifyIDToken signs arbitrary header and payload bytes with a key of
// the verifier's set and checks that VerifyIDToken never panics, refuses
// only with ErrInvalidToken, and accepts nothing that golang-jwt refuses
// under the same rules (RS256 by the key the kid names, iss, aud, exp and
// iat with a minute of leeway): the verifier is never laxer than an
// independent one. In the seeds, {{now}} and {{exp}} stand for times around
// the verifier's clock.
func FuzzVerifyIDToken(f *testing.F) {
	good := `{"iss":"https://appleid.apple.com","aud":"com.example.app","sub":"001.a.1","iat":{{now}},"exp":{{exp}}}`
	for _, seed := range [][2]string{
		{`{"kid":"kid0","alg":"RS256"}`, good},
		{`{"kid":"kid0","alg":"RS256","typ":"JWT"}`, `{"iss":"https://appleid.apple.com","aud":["com.example.app"],"sub":"s","iat":{{now}}.5,"exp":{{exp}}.25,"email_verified":"true","nonce_supported":true}`},
		{`{"kid":"kid0","alg":"none"}`, good},
		{`{"kid":"kid1","alg":"RS256"}`, good},
		{`{"kid":"kid0","alg":"RS256","crit":["x"]}`, good},
		{`{"kid":"kid0","alg":"RS256"}`, `{"iss":"https://appleid.apple.com","aud":"com.example.app","aud":"x","sub":"s","iat":{{now}},"exp":{{exp}}}`},
		{`{"kid":"kid0","alg":"RS256"}`, `{"iss":"https://appleid.apple.com","aud":"com.example.app","sub":"s","iat":{{now}},"exp":1e99}`},
		{`{"kid":"kid0","alg":"RS256"}`, `{"iss":"https://appleid.apple.com","aud":"com.example.app","sub":"s","iat":"{{now}}","exp":{{exp}},"email_verified":1}`},
		{`{"kid":"kid0","alg":"RS256"}`, good + ` `},
	} {
		f.Add([]byte(seed[0]), []byte(seed[1]))
	}
	key := testRSAKeys()[0]
	ks := newKeyServer(f, key)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	v := verifierFor(f, ks, func() time.Time { return now }, "com.example.app")
	fill := strings.NewReplacer("{{now}}", strconv.FormatInt(now.Unix()-30, 10), "{{exp}}", strconv.FormatInt(now.Unix()+600, 10))
	if _, err := v.VerifyIDToken(bg, signRS256(f, key, `{"kid":"kid0","alg":"RS256"}`, fill.Replace(good)), signinwithapple.VerifyOptions{}); err != nil {
		f.Fatalf("the good seed is refused: %v", err) // the property below would be vacuous
	}
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		tok := signRS256(t, key, fill.Replace(string(header)), fill.Replace(string(payload)))
		_, err := v.VerifyIDToken(bg, tok, signinwithapple.VerifyOptions{})
		if err != nil {
			if !errors.Is(err, signinwithapple.ErrInvalidToken) {
				t.Fatalf("a refusal that is not ErrInvalidToken: %v", err)
			}
			noSecretIn(t, err, tok)
			return
		}
		_, err = jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
			if tk.Header["kid"] != "kid0" {
				return nil, errors.New("unknown kid")
			}
			return &key.PublicKey, nil
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer("https://appleid.apple.com"), jwt.WithAudience("com.example.app"),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(time.Minute), jwt.WithTimeFunc(func() time.Time { return now }))
		if err != nil {
			t.Fatalf("accepted a token golang-jwt refuses (%v):\nheader %s\npayload %s", err, fill.Replace(string(header)), fill.Replace(string(payload)))
		}
	})
}
