package signinwithapple_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/signinwithapple"
)

const (
	testKeyID    = "ABC123DEFG"
	testTeamID   = "DEF123GHIJ"
	testClientID = "com.Example.Web-SignIn" // upper case on purpose: Apple compares case by case
)

var start = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func testConfig(t testing.TB, clock *fakeclock.Clock) signinwithapple.Config {
	return signinwithapple.Config{KeyID: testKeyID, TeamID: testTeamID, ClientID: testClientID, PrivateKey: apitest.NewKey(t), Now: clock.Now}
}

func newSource(t testing.TB, cfg signinwithapple.Config) ascjwt.TokenSource {
	t.Helper()
	return apitest.Must(t, signinwithapple.NewClientSecretSource, cfg)
}

// TestClientSecretVerifiesWithGolangJWT checks a secret with an independent
// library, by every rule of Apple's "Creating a client secret": the header
// is exactly alg ES256 and kid; the claims are exactly iss, iat, exp, aud
// (a string) and sub (the client ID as written); iat a minute back; exp =
// iat + Lifetime. No typ, scope, nbf or jti.
func TestClientSecretVerifiesWithGolangJWT(t *testing.T) {
	for _, lifetime := range []time.Duration{0, signinwithapple.MinLifetime, 24 * time.Hour, signinwithapple.MaxLifetime} {
		t.Run(lifetime.String(), func(t *testing.T) {
			clock := fakeclock.New(start)
			cfg := testConfig(t, clock)
			cfg.Lifetime = lifetime
			tok := apitest.MustToken(t, newSource(t, cfg).Token)
			want := lifetime
			if want == 0 {
				want = time.Hour
			}

			// Exactly these: no typ in the header; no scope, nbf, jti or bid
			// in the claims; aud a string; sub the client ID as written.
			iat := start.Unix() - 60
			exp := iat + int64(want/time.Second)
			apitest.VerifyES256(t, tok.Value, cfg.PrivateKey.Public().(*ecdsa.PublicKey), clock.Now(), map[string]any{"alg": "ES256", "kid": testKeyID},
				map[string]any{"iss": testTeamID, "iat": float64(iat), "exp": float64(exp), "aud": "https://appleid.apple.com", "sub": testClientID})
			if _, err := fakejwt.Split(tok.Value); err != nil {
				t.Errorf("the secret is not three parts of strict base64url: %v", err)
			}
			if exp-iat > 15777000 {
				t.Errorf("exp - iat = %d s, over Apple's 15777000", exp-iat)
			}
			if !tok.IssuedAt.Equal(time.Unix(iat, 0)) || !tok.Expiry.Equal(time.Unix(exp, 0)) {
				t.Errorf("Token says iat %s exp %s, the secret %d %d", tok.IssuedAt, tok.Expiry, iat, exp)
			}
		})
	}
}

// TestConfigLimitsRefused: every field Apple checks is checked up front,
// with an error that names the field, says the rule and never quotes the
// value.
func TestConfigLimitsRefused(t *testing.T) {
	pemKey := apitest.PEM(t, apitest.NewKey(t))
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	const uuid = "57246542-96fe-1a63-e053-0824d011072a"
	cases := []struct {
		name   string
		change func(*signinwithapple.Config)
		want   []string // in the error
		secret string   // must not be in the error
	}{
		{"empty key ID", func(c *signinwithapple.Config) { c.KeyID = "" }, []string{"Config.KeyID is empty"}, ""},
		{"key ID of 9", func(c *signinwithapple.Config) { c.KeyID = "ABC123DEF" }, []string{"Config.KeyID", "10-character", "Creating a client secret"}, "ABC123DEF"},
		{"key ID lower case", func(c *signinwithapple.Config) { c.KeyID = "abc123defg" }, []string{"Config.KeyID", "upper-case"}, "abc123defg"},
		{"key in the key ID", func(c *signinwithapple.Config) { c.KeyID = pemKey }, []string{"Config.KeyID", "private key"}, pemKey[40:80]},
		{"key ID with space", func(c *signinwithapple.Config) { c.KeyID = "ABC123DEFG\n" }, []string{"Config.KeyID", "white space"}, ""},
		{"empty team", func(c *signinwithapple.Config) { c.TeamID = "" }, []string{"Config.TeamID is empty"}, ""},
		{"issuer ID as team", func(c *signinwithapple.Config) { c.TeamID = uuid }, []string{"Config.TeamID", "issuer ID", "10-character Team ID"}, uuid},
		{"team of 11", func(c *signinwithapple.Config) { c.TeamID = "DEF123GHIJK" }, []string{"Config.TeamID", "10-character"}, "DEF123GHIJK"},
		{"empty client", func(c *signinwithapple.Config) { c.ClientID = "" }, []string{"Config.ClientID is empty", "Services ID", "bundle ID"}, ""},
		{"client with space", func(c *signinwithapple.Config) { c.ClientID = " com.example.web" }, []string{"Config.ClientID", "white space"}, ""},
		{"client with a slash", func(c *signinwithapple.Config) { c.ClientID = "https://example.com/web" }, []string{"Config.ClientID", "letter, digit, '-' or '.'"}, "example.com"},
		{"client too long", func(c *signinwithapple.Config) { c.ClientID = strings.Repeat("a", 256) }, []string{"Config.ClientID", "256 bytes", "255"}, strings.Repeat("a", 256)},
		{"key in the client", func(c *signinwithapple.Config) { c.ClientID = pemKey }, []string{"Config.ClientID", "private key"}, pemKey[40:80]},
		{"no key", func(c *signinwithapple.Config) { c.PrivateKey = nil }, []string{"Config.PrivateKey", "no private key"}, ""},
		{"P-384 key", func(c *signinwithapple.Config) { c.PrivateKey = p384 }, []string{"Config.PrivateKey", "P-384", "P-256"}, ""},
		{"negative lifetime", func(c *signinwithapple.Config) { c.Lifetime = -time.Hour }, []string{"Config.Lifetime", "negative"}, ""},
		{"lifetime under the minimum", func(c *signinwithapple.Config) { c.Lifetime = signinwithapple.MinLifetime - time.Second }, []string{"Config.Lifetime", "too short", "at least 5m"}, ""},
		{"lifetime over Apple's limit", func(c *signinwithapple.Config) { c.Lifetime = signinwithapple.MaxLifetime + time.Second }, []string{"Config.Lifetime", "15,777,000 s", "Creating a client secret"}, ""},
	}
	// Each phrase a case wants is a refusal of its own for CheckRefusals,
	// which holds every error to the package prefix and to not quoting the
	// value.
	var refusals []apitest.Refusal[signinwithapple.Config]
	for _, tc := range cases {
		cfg := testConfig(t, fakeclock.New(start))
		tc.change(&cfg)
		var refused []string
		if tc.secret != "" {
			refused = []string{tc.secret}
		}
		for _, w := range tc.want {
			refusals = append(refusals, apitest.Refusal[signinwithapple.Config]{Name: tc.name, Config: cfg, Want: w, Refused: refused})
		}
	}
	apitest.CheckRefusals(t, "signinwithapple: ", signinwithapple.NewClientSecretSource, refusals...)
	// The limits themselves are accepted.
	for _, d := range []time.Duration{signinwithapple.MinLifetime, signinwithapple.MaxLifetime} {
		cfg := testConfig(t, fakeclock.New(start))
		cfg.Lifetime = d
		if _, err := signinwithapple.NewClientSecretSource(cfg); err != nil {
			t.Errorf("Lifetime %s refused: %v", d, err)
		}
	}
}

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "signinwithapple", "NewClientSecretSource", func(key crypto.Signer) error {
		_, err := signinwithapple.NewClientSecretSource(signinwithapple.Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", ClientID: "com.example.web", PrivateKey: key})
		return err
	})
}

// TestConcurrentFirstCallsMakeOneSecret: 200 goroutines asking at once, on
// an injected clock, get one secret from one signature.
func TestConcurrentFirstCallsMakeOneSecret(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) {
			clock := fakeclock.New(start)
			cfg := testConfig(t, clock)
			var signatures *atomic.Int64
			if remote {
				signer := &apitest.CountingSigner{Key: cfg.PrivateKey} // a key outside the process, as far as the source can tell
				cfg.PrivateKey, signatures = signer, &signer.N
			} else {
				signatures = new(atomic.Int64)
				cfg.Hooks = &ascjwt.Hooks{TokenMinted: func(ascjwt.TokenMinted) { signatures.Add(1) }}
			}
			src := newSource(t, cfg)
			values := make([]string, 200)
			var wg sync.WaitGroup
			for i := range values {
				wg.Go(func() {
					tok, err := src.Token(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					values[i] = tok.Value
				})
			}
			wg.Wait()
			if n := signatures.Load(); n != 1 {
				t.Errorf("%d signatures for 200 first calls, want 1", n)
			}
			for _, v := range values {
				if v != values[0] {
					t.Fatal("callers got different secrets")
				}
			}
		})
	}
}

// TestSecretReusedThenRefreshed: one secret for the first three quarters of
// its lifetime; then the next call still gets it and starts one refresh in
// the background; a secret is never handed out in its last minute.
func TestSecretReusedThenRefreshed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := fakeclock.New(start)
		cfg := testConfig(t, clock)
		minted := make(chan ascjwt.TokenMinted, 4)
		cfg.Hooks = &ascjwt.Hooks{TokenMinted: func(m ascjwt.TokenMinted) { minted <- m }}
		src := newSource(t, cfg)
		first := apitest.MustToken(t, src.Token)
		<-minted
		// Fresh: iat is a minute back, so a one-hour secret has 59 minutes; a
		// quarter of the hour before its end is 44 minutes from now.
		clock.Advance(43 * time.Minute)
		if tok := apitest.MustToken(t, src.Token); tok != first {
			t.Fatal("a fresh secret was replaced")
		}
		clock.Advance(2 * time.Minute) // stale
		if tok := apitest.MustToken(t, src.Token); tok != first {
			t.Fatal("a stale secret was not handed out while its successor is made")
		}
		// Until the background refresh has ended: it has left singleflight,
		// so that the next caller cannot join it and get its (by then old)
		// secret.
		synctest.Wait()
		select {
		case m := <-minted:
			if m.KeyID != testKeyID || !m.Expiry.Equal(clock.Now().Add(-time.Minute).Add(time.Hour).Truncate(time.Second)) {
				t.Errorf("TokenMinted %+v", m)
			}
		default:
			t.Fatal("no background refresh")
		}
		second := apitest.MustToken(t, src.Token)
		if second == first || second.Value == first.Value {
			t.Fatal("the refreshed secret is not handed out")
		}
		if !second.IssuedAt.After(first.IssuedAt) {
			t.Errorf("refreshed secret issued at %s, first at %s", second.IssuedAt, first.IssuedAt)
		}
		// In its last minute a secret is not handed out: callers wait for a new one.
		clock.Advance(time.Hour - 2*time.Minute)
		third := apitest.MustToken(t, src.Token)
		<-minted
		if third == second {
			t.Fatal("a secret in its last minute was handed out")
		}
		if left := third.Expiry.Sub(clock.Now()); left < 58*time.Minute {
			t.Errorf("new secret has %s left", left)
		}
	})
}

// TestInvalidateReplacesAtMostOncePerMinute: a secret Apple refused is
// dropped, and the next call signs a new one; another refusal within a
// minute keeps it, since a wrong client ID is not cured by a new secret.
func TestInvalidateReplacesAtMostOncePerMinute(t *testing.T) {
	clock := fakeclock.New(start)
	src := newSource(t, testConfig(t, clock))
	inv, ok := src.(ascjwt.Invalidator)
	if !ok {
		t.Fatal("the source is not an ascjwt.Invalidator")
	}
	first := apitest.MustToken(t, src.Token)
	inv.InvalidateToken(first)
	second := apitest.MustToken(t, src.Token)
	if second == first {
		t.Fatal("an invalidated secret was handed out again")
	}
	clock.Advance(30 * time.Second)
	inv.InvalidateToken(second)
	inv.InvalidateToken(first) // no longer current: ignored
	if tok := apitest.MustToken(t, src.Token); tok != second {
		t.Fatal("a second invalidation within a minute cost a signature")
	}
	clock.Advance(31 * time.Second)
	inv.InvalidateToken(second)
	if tok := apitest.MustToken(t, src.Token); tok == second {
		t.Fatal("an invalidation a minute later did not replace the secret")
	}
}

// TestSignerFailureIsReportedWithoutSecrets: a signer that fails gives an
// error naming the key, RefreshFailed is told, and neither holds key bytes.
func TestSignerFailureIsReportedWithoutSecrets(t *testing.T) {
	cfg := testConfig(t, fakeclock.New(start))
	var failures atomic.Int64
	cfg.Hooks = &ascjwt.Hooks{RefreshFailed: func(f ascjwt.RefreshFailed) {
		if f.KeyID == testKeyID && f.Err != nil {
			failures.Add(1)
		}
	}}
	cfg.PrivateKey = &apitest.CountingSigner{Key: cfg.PrivateKey, Before: func() error { return errHSM }}
	src := newSource(t, cfg)
	_, err := src.Token(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "signinwithapple: ") || !strings.Contains(err.Error(), testKeyID) {
		t.Fatalf("error %v, want one that starts signinwithapple: and names the key", err)
	}
	if !errors.Is(err, errHSM) {
		t.Errorf("error %v does not wrap the signer's", err)
	}
	if failures.Load() != 1 {
		t.Errorf("RefreshFailed called %d times, want 1", failures.Load())
	}
}

var errHSM = errors.New("HSM unreachable")

// TestConfigAndSourcePrintRedacted: a Config or source printed with any
// verb, logged through slog or encoded shows no key bytes.
func TestConfigAndSourcePrintRedacted(t *testing.T) {
	cfg := testConfig(t, fakeclock.New(start))
	key := cfg.PrivateKey.(*ecdsa.PrivateKey)
	src := newSource(t, cfg)
	tok := apitest.MustToken(t, src.Token)
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := new(big.Int).SetBytes(raw).String() // the scalar as %v of a big.Int would print it
	dHex := fmt.Sprintf("%x", raw)
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		fmt.Fprintf(&out, verb+"\n", cfg)
		fmt.Fprintf(&out, verb+"\n", src)
		fmt.Fprintf(&out, verb+"\n", tok)
		fmt.Fprintf(&out, verb+"\n", struct{ C signinwithapple.Config }{cfg})
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("x", "cfg", cfg, "tok", tok)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "cfg", cfg, "tok", tok)
	j, _ := json.Marshal(struct{ C signinwithapple.Config }{cfg})
	out.Write(j)
	if err := gob.NewEncoder(&out).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Contains(s, d) || strings.Contains(s, dHex) || strings.Contains(s, tok.Value) {
		t.Fatalf("printed output holds the private key or the secret:\n%s", s)
	}
	if !strings.Contains(fmt.Sprint(cfg), testClientID) || !strings.Contains(fmt.Sprint(cfg), testKeyID) {
		t.Errorf("Config prints as %v; want its IDs shown", cfg)
	}
}

// TestTransportDoesNotSendSecretAsBearer: the secret is a form field, not a
// bearer token; an ascjwt.Transport given the source by mistake does not put
// it in an Authorization header for Apple's host (or any other but
// loopback).
func TestTransportDoesNotSendSecretAsBearer(t *testing.T) {
	src := newSource(t, testConfig(t, fakeclock.New(start)))
	var got []string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	client := ascjwt.NewClient(&http.Client{Transport: base}, src)
	for _, u := range []string{signinwithapple.TokenURL, "https://api.appstoreconnect.apple.com/v1/apps"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i, h := range got {
		if h != "" {
			t.Errorf("request %d carried Authorization %q", i, h[:min(len(h), 12)])
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
