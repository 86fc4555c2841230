package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// The identity every benchmark signs for: an App Store Connect team key.
const (
	keyID    = "2X9R4HXF34"
	issuerID = "57246542-96fe-1a63-e053-0824d011072a"
	audience = ascjwt.AudienceAppStoreConnect
	lifetime = ascjwt.DefaultLifetime
)

// benchKey is one fixed P-256 key, shared by every implementation, so that
// runs sign with the same scalar.
var benchKey = func() *ecdsa.PrivateKey {
	d, err := hex.DecodeString("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
	if err != nil {
		panic(err)
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		panic(err)
	}
	return key
}()

// benchConfig is the Config of every ascjwt source here.
func benchConfig(key *ecdsa.PrivateKey, now func() time.Time) ascjwt.Config {
	return ascjwt.Config{KeyID: keyID, IssuerID: issuerID, PrivateKey: key, Now: now}
}

// signedSource is ascjwt's source for cfg and its first token, signed now,
// before any timed loop, so that the loop only reuses it.
func signedSource(tb testing.TB, cfg ascjwt.Config) (ascjwt.TokenSource, *ascjwt.Token) {
	tb.Helper()
	src := apitest.Must(tb, ascjwt.NewTokenSource, cfg)
	return src, apitest.MustToken(tb, src.Token)
}

// ---- the floor of signing: JSON claims, base64url, one ECDSA signature ----

// floorClaims are the claims of an App Store Connect token, in the order
// ascjwt writes them.
type floorClaims struct {
	Iss string `json:"iss"`
	Aud string `json:"aud"`
	Iat int64  `json:"iat"`
	Exp int64  `json:"exp"`
}

var (
	b64 = base64.RawURLEncoding
	// floorHeader is the encoded JOSE header, computed once.
	floorHeader = b64.EncodeToString([]byte(`{"alg":"ES256","kid":"` + keyID + `","typ":"JWT"}`))
)

// floorSign makes a token with nothing but what a token needs: the claims
// marshalled, base64url, one crypto/ecdsa P-256 signature over their SHA-256
// (as fixed-width R||S), base64url, concatenated.
func floorSign(key *ecdsa.PrivateKey, iat int64) (string, error) {
	payload, err := json.Marshal(floorClaims{Iss: issuerID, Aud: audience, Iat: iat, Exp: iat + int64(lifetime/time.Second)})
	if err != nil {
		return "", err
	}
	buf := make([]byte, 0, len(floorHeader)+1+b64.EncodedLen(len(payload))+1+b64.EncodedLen(64))
	buf = append(buf, floorHeader...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	digest := sha256.Sum256(buf)
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", err
	}
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig[:])
	return string(buf), nil
}

// ---- HTTP plumbing with no network ----

// cannedTransport answers every request with the same response. check, when
// set, sees each request; it is set only outside the timed loops.
type cannedTransport struct {
	resp  *http.Response
	check func(*http.Request)
}

func newCannedTransport() *cannedTransport {
	return &cannedTransport{resp: &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       http.NoBody,
	}}
}

func (t *cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.check != nil {
		t.check(req)
	}
	return t.resp, nil
}

// newAPIRequest is a request as a client of the API sends it: two ordinary
// headers, no body.
func newAPIRequest(tb testing.TB) *http.Request {
	req, err := http.NewRequest(http.MethodGet, "https://api.appstoreconnect.apple.com/v1/apps?limit=200", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ascjwt-bench/1.0")
	return req
}
