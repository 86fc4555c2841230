package signinwithapple_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// testRSAKeys are made once for the run: an RSA key takes a moment to make,
// and the tests that use these need keys they control, not fresh ones.
var testRSAKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// keyServer is a plain httptest server that serves a JWKS written by hand,
// not by the code under test, and counts its requests.
type keyServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     string
	header   http.Header
	fetches  atomic.Int32
	status   int
	released chan struct{} // when non-nil, requests wait for it
}

// jwkJSON writes one RSA key as Apple's set does.
func jwkJSON(kid string, pub *rsa.PublicKey) string {
	enc := base64.RawURLEncoding
	return fmt.Sprintf(`{"kty":"RSA","kid":%q,"use":"sig","alg":"RS256","n":%q,"e":%q}`,
		kid, enc.EncodeToString(pub.N.Bytes()), enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes()))
}

// newKeyServer serves a set with keys named kid0, kid1, ... for keys.
func newKeyServer(t testing.TB, keys ...*rsa.PrivateKey) *keyServer {
	t.Helper()
	ks := &keyServer{header: http.Header{}, status: http.StatusOK}
	ks.setKeys(keys...)
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		ks.mu.Lock()
		body, status, wait := ks.body, ks.status, ks.released
		for k, v := range ks.header {
			w.Header()[k] = v
		}
		ks.mu.Unlock()
		if wait != nil {
			select {
			case <-wait:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) setKeys(keys ...*rsa.PrivateKey) {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = jwkJSON(fmt.Sprintf("kid%d", i), &k.PublicKey)
	}
	ks.setBody(`{"keys":[` + strings.Join(parts, ",") + `]}`)
}

func (ks *keyServer) setBody(body string) {
	ks.mu.Lock()
	ks.body = body
	ks.mu.Unlock()
}

func (ks *keyServer) setHeader(name, value string) {
	ks.mu.Lock()
	ks.header.Set(name, value)
	ks.mu.Unlock()
}

func (ks *keyServer) setStatus(status int) {
	ks.mu.Lock()
	ks.status = status
	ks.mu.Unlock()
}

// signRS256 signs header and payload, given as JSON text, with key: a JWS
// built by hand, so that tests can send what no library would.
func signRS256(t testing.TB, key *rsa.PrivateKey, header, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// claimsJSON encodes claims for signRS256.
func claimsJSON(t testing.TB, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// verifierFor makes a Verifier of the key server's set for clientID.
func verifierFor(t testing.TB, ks *keyServer, now func() time.Time, clientIDs ...string) *signinwithapple.Verifier {
	t.Helper()
	v, err := signinwithapple.NewVerifier(signinwithapple.VerifierConfig{ClientIDs: clientIDs, KeysURL: ks.URL, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newFake starts a signinwithappletest server on a clock that moves only
// when the test says, with a Verifier of its keys.
func newFake(t *testing.T) (*signinwithappletest.Server, *signinwithapple.Verifier) {
	t.Helper()
	srv := signinwithappletest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetClock(func() time.Time { return start })
	v, err := signinwithapple.NewVerifier(srv.VerifierConfig())
	if err != nil {
		t.Fatal(err)
	}
	return srv, v
}

// newFakeVerifying is newFake with an identity token of the fake's,
// verified once: the Verifier holds the fake's key set, fetched once.
func newFakeVerifying(t *testing.T) (*signinwithappletest.Server, *signinwithapple.Verifier, string) {
	t.Helper()
	srv, v := newFake(t)
	_, good := srv.Authorize(signinwithappletest.Authorization{})
	if err := verifyID(v, good); err != nil {
		t.Fatal(err)
	}
	return srv, v, good
}

// verifyID verifies idToken with v and no options.
func verifyID(v *signinwithapple.Verifier, idToken string) error {
	_, err := v.VerifyIDToken(bg, idToken, signinwithapple.VerifyOptions{})
	return err
}

// appleToken is a good identity token for aud at now, signed by key as the
// key server's kid0.
func appleToken(t testing.TB, key *rsa.PrivateKey, aud string, now time.Time) string {
	t.Helper()
	return signRS256(t, key, `{"kid":"kid0","alg":"RS256"}`, claimsJSON(t, appleClaims(aud, now)))
}

// appleClaims are the claims of a good identity token for aud at now.
func appleClaims(aud string, now time.Time) map[string]any {
	return map[string]any{
		"iss": "https://appleid.apple.com", "aud": aud, "sub": "001234.0123456789abcdef0123456789abcdef.0123",
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "auth_time": now.Unix(), "nonce_supported": true,
	}
}

// noSecretIn fails the test if err's text holds value or any of its three
// parts, when value is a JWS.
func noSecretIn(t *testing.T, err error, value string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, part := range append(strings.Split(value, "."), value) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("the error quotes the token (or a part of it): %v", err)
			return
		}
	}
}

var bg = context.Background()
