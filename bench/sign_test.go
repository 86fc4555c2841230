package bench

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// signEpoch is where the injected clocks start.
var signEpoch = time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)

// jumpClock is a clock that moves only when the benchmark moves it. Token
// reads the clock more than once per call, so the clock cannot move on each
// read; the loop moves it between calls.
type jumpClock struct {
	offset atomic.Int64 // nanoseconds past signEpoch
}

func (c *jumpClock) Now() time.Time { return signEpoch.Add(time.Duration(c.offset.Load())) }

// BenchmarkSign is the cost of making one token with an *ecdsa.PrivateKey:
// ascjwt (its source, made to sign on every call), golang-jwt's ES256, and
// the floor (floorSign). All three use the same key and the same header and
// claims.
func BenchmarkSign(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=ascjwt", func(b *testing.B) {
		clock := new(jumpClock)
		src := apitest.Must(b, ascjwt.NewTokenSource, benchConfig(benchKey, clock.Now))
		var last string
		b.ReportAllocs()
		for b.Loop() {
			// An hour on: past the expiry of any token the source holds,
			// so that this call signs and waits for the signature.
			clock.offset.Add(int64(time.Hour))
			tok, err := src.Token(ctx)
			if err != nil {
				b.Fatal(err)
			}
			last = tok.Value
		}
		checkToken(b, last, clock.Now())
	})
	b.Run("impl=golang-jwt", func(b *testing.B) {
		var last string
		b.ReportAllocs()
		for b.Loop() {
			iat := time.Now().Unix() - 60
			t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
				"iss": issuerID,
				"iat": iat,
				"exp": iat + int64(lifetime/time.Second),
				"aud": audience,
			})
			t.Header["kid"] = keyID // typ JWT is golang-jwt's default
			s, err := t.SignedString(benchKey)
			if err != nil {
				b.Fatal(err)
			}
			last = s
		}
		checkToken(b, last, time.Now())
	})
	b.Run("impl=floor", func(b *testing.B) {
		var last string
		b.ReportAllocs()
		for b.Loop() {
			s, err := floorSign(benchKey, time.Now().Unix()-60)
			if err != nil {
				b.Fatal(err)
			}
			last = s
		}
		checkToken(b, last, time.Now())
	})
}

// BenchmarkSignGoJose is go-jose alone, the signing path package ascjwt
// must use for an *ecdsa.PrivateKey: the same header and claims through
// jose.Signer.Sign and CompactSerialize. It is the reference that shows how
// much of ascjwt's distance to the floor is go-jose's.
func BenchmarkSignGoJose(b *testing.B) {
	b.Run("impl=go-jose", func(b *testing.B) {
		opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", keyID)
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: benchKey}, opts)
		if err != nil {
			b.Fatal(err)
		}
		var last string
		b.ReportAllocs()
		for b.Loop() {
			iat := time.Now().Unix() - 60
			payload, err := json.Marshal(floorClaims{Iss: issuerID, Aud: audience, Iat: iat, Exp: iat + int64(lifetime/time.Second)})
			if err != nil {
				b.Fatal(err)
			}
			obj, err := signer.Sign(payload)
			if err != nil {
				b.Fatal(err)
			}
			if last, err = obj.CompactSerialize(); err != nil {
				b.Fatal(err)
			}
		}
		checkToken(b, last, time.Now())
	})
}

// checkToken fails b unless tok is a token Apple would take at now, so that
// no implementation is fast by making something else.
func checkToken(b *testing.B, tok string, now time.Time) {
	b.Helper()
	if _, err := asctest.Verify(tok, &benchKey.PublicKey, asctest.VerifyOptions{Now: now, KeyID: keyID, IssuerID: issuerID}); err != nil {
		b.Fatalf("the token made is not valid: %v", err)
	}
}
