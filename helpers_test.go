package ascjwt

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// epoch is where fake clocks start: a fixed, recent moment.
var epoch = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// fixture is a token source on a fake clock with a counting signer over key.
type fixture struct {
	src    *devtoken.Source
	clock  *fakeclock.Clock
	key    *ecdsa.PrivateKey
	signer *apitest.CountingSigner
}

func newFixture(t testing.TB, mutate ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{clock: fakeclock.New(epoch), key: apitest.NewKey(t)}
	f.signer = &apitest.CountingSigner{Key: f.key}
	cfg := Config{KeyID: "TESTKEY123", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: f.signer, Now: f.clock.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	src := apitest.Must(t, NewTokenSource, cfg)
	f.src = src.(*devtoken.Source)
	return f
}

// signerRecovers lets the signer sign again and returns the source's next
// token, failing t unless there is one: a failure of the signer's does not
// stick to the source.
func (f *fixture) signerRecovers(t testing.TB) *Token {
	t.Helper()
	f.signer.Before = nil
	tok, err := f.src.Token(context.Background())
	if err != nil {
		t.Fatalf("after the signer recovered: %v", err)
	}
	return tok
}

// waitRefresh returns when the background refresh under way, if any, has
// ended: in the synctest bubble the test runs in, once every other
// goroutine has finished or waits.
func (f *fixture) waitRefresh() { synctest.Wait() }

// verified is a token checked by go-jose's verifier, a code path separate
// from signing, with its header and claims decoded.
type verified struct {
	header map[string]any
	claims map[string]any
}

// verify checks value's signature with pub through go-jose and returns its
// parts, failing the test on anything malformed.
func verify(t testing.TB, value string, pub *ecdsa.PublicKey) verified {
	t.Helper()
	obj, err := jose.ParseSignedCompact(value, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("go-jose cannot parse the token: %v", err)
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		t.Fatalf("go-jose does not verify the token with the public key: %v", err)
	}
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature is %d bytes (err %v), want the 64-byte R||S form", len(sig), err)
	}
	var v verified
	headerJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(headerJSON, &v.header); err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(payload)))
	d.UseNumber()
	if err := d.Decode(&v.claims); err != nil {
		t.Fatal(err)
	}
	return v
}

// unix reads a numeric claim, failing unless it is a whole number of seconds.
func (v verified) unix(t testing.TB, name string) int64 {
	t.Helper()
	n, ok := v.claims[name].(json.Number)
	if !ok {
		t.Fatalf("claim %s = %v (%T), want a number", name, v.claims[name], v.claims[name])
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("claim %s = %s, want whole seconds", name, n)
	}
	return i
}

func mustDecodePayload(t testing.TB, value string) []byte {
	t.Helper()
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
