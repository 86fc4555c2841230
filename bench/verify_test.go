package bench

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt/asctest"
)

// BenchmarkVerify is the cost of checking one token: asctest.Verify (the
// check the fake server makes, all of Apple's rules) and golang-jwt's ES256
// parse and verify with its audience and time checks. Same token, same key,
// same fixed clock.
func BenchmarkVerify(b *testing.B) {
	signedAt := signEpoch
	_, tok := signedSource(b, benchConfig(benchKey, func() time.Time { return signedAt }))
	token := tok.Value
	now := signedAt.Add(time.Minute)

	b.Run("impl=asctest", func(b *testing.B) {
		opts := asctest.VerifyOptions{Now: now}
		if _, err := asctest.Verify(token, &benchKey.PublicKey, opts); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := asctest.Verify(token, &benchKey.PublicKey, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=golang-jwt", func(b *testing.B) {
		keyFunc := func(*jwt.Token) (any, error) { return &benchKey.PublicKey, nil }
		opts := []jwt.ParserOption{
			jwt.WithValidMethods([]string{"ES256"}),
			jwt.WithTimeFunc(func() time.Time { return now }),
			jwt.WithAudience(audience),
		}
		if _, err := jwt.Parse(token, keyFunc, opts...); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwt.Parse(token, keyFunc, opts...); err != nil {
				b.Fatal(err)
			}
		}
	})
}
