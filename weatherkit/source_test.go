package weatherkit

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/gob"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

const (
	testKeyID   = "ABC123DEFG"
	testTeamID  = "DEF123GHIJ"
	testService = "com.example.weatherkit-client"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newSource(t testing.TB, cfg Config) *devtoken.Source {
	t.Helper()
	src, err := NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src.(*devtoken.Source)
}

// parse verifies value with golang-jwt, an implementation independent of
// ours, and returns its header and claims as JSON objects.
func parse(t *testing.T, value string, pub *ecdsa.PublicKey, now time.Time) (map[string]any, jwt.MapClaims) {
	t.Helper()
	tok, err := jwt.Parse(value, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("golang-jwt refuses the token: %v", err)
	}
	return tok.Header, tok.Claims.(jwt.MapClaims)
}

func TestTokenVerifiesWithGolangJWTAndHoldsOnlyApplesFields(t *testing.T) {
	key := newKey(t)
	clock := fakeclock.New(start)
	for _, life := range []time.Duration{0, MinLifetime, MaxLifetime} {
		src := newSource(t, Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: key, Lifetime: life, Now: clock.Now})
		tok, err := src.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		header, claims := parse(t, tok.Value, &key.PublicKey, start)
		// Apple's decoded token: alg, kid and id in the header, no typ.
		if want := map[string]any{"alg": "ES256", "kid": testKeyID, "id": testTeamID + "." + testService}; !reflect.DeepEqual(header, want) {
			t.Errorf("header = %v, want exactly %v", header, want)
		}
		if life == 0 {
			life = DefaultLifetime
		}
		iat := float64(start.Unix() - 60)
		// iss, iat, exp and sub, and no other claim.
		want := jwt.MapClaims{"iss": testTeamID, "iat": iat, "exp": iat + life.Seconds(), "sub": testService}
		if !reflect.DeepEqual(claims, want) {
			t.Errorf("claims = %v, want exactly %v", claims, want)
		}
		if !tok.IssuedAt.Equal(time.Unix(int64(iat), 0)) || !tok.Expiry.Equal(time.Unix(int64(iat+life.Seconds()), 0)) {
			t.Errorf("Token.IssuedAt, Expiry = %v, %v; want the claims", tok.IssuedAt, tok.Expiry)
		}
	}
}

func TestLifetimeOutsideLimitsRefused(t *testing.T) {
	key := newKey(t)
	for _, tc := range []struct {
		life time.Duration
		want string // in the error; "" for accepted
	}{
		{-time.Second, "negative"},
		{time.Second, "at least 5m0s"},
		{MinLifetime - time.Second, "at least 5m0s"},
		{MinLifetime, ""},
		{MaxLifetime, ""},
		{MaxLifetime + time.Second, "15,777,000 seconds"},
		{10 * 365 * 24 * time.Hour, "Apple sets no limit, this package does"},
	} {
		_, err := NewTokenSource(Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: key, Lifetime: tc.life})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Lifetime %s: %v", tc.life, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "weatherkit: ")):
			t.Errorf("Lifetime %s: error %v, want one with %q", tc.life, err, tc.want)
		}
	}
}

func pemKey(t *testing.T, k *ecdsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestBadIDsRefusedWithoutQuotingThem(t *testing.T) {
	key := newKey(t)
	keyPEM := pemKey(t, key)
	for name, tc := range map[string]struct {
		keyID, teamID, want string
	}{
		"empty key ID":           {"", testTeamID, "Config.KeyID is empty"},
		"empty team ID":          {testKeyID, "", "Config.TeamID is empty"},
		"short key ID":           {"ABC123DEF", testTeamID, "not the 10 characters"},
		"long team ID":           {testKeyID, "DEF123GHIJK", "not the 10 characters"},
		"lower case":             {"abc123defg", testTeamID, "other than A-Z and 0-9"},
		"white space":            {testKeyID + "\n", testTeamID, "white space"},
		"key pasted into KeyID":  {keyPEM, testTeamID, "looks like a private key"},
		"key pasted into TeamID": {testKeyID, keyPEM, "looks like a private key"},
		"period in TeamID":       {testKeyID, "DEF123GHI.", "other than A-Z and 0-9"},
		"UUID issuer in TeamID":  {testKeyID, "57246542-96fe-1a63-e053-0824d011072a", "not the 10 characters"},
	} {
		_, err := NewTokenSource(Config{KeyID: tc.keyID, TeamID: tc.teamID, ServiceID: testService, PrivateKey: key})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one with %q", name, err, tc.want)
			continue
		}
		for _, v := range []string{tc.keyID, tc.teamID} {
			if v != testKeyID && v != testTeamID && len(v) > 3 && strings.Contains(err.Error(), strings.TrimSpace(v)) {
				t.Errorf("%s: the error quotes the refused value: %v", name, err)
			}
		}
		if strings.Contains(err.Error(), "MIG") || strings.Contains(err.Error(), "BEGIN") {
			t.Errorf("%s: the error shows key material: %v", name, err)
		}
	}
}

func TestServiceIDsThatAreNotReverseDNSRefused(t *testing.T) {
	key := newKey(t)
	for _, id := range []string{"", "weatherservice", ".org.example", "org.example.", "com..example", " com.example.app",
		"com.example/app", "com.example app", "com.exämple.app", strings.Repeat("a.", 127) + "ab", pemKey(t, key)} {
		_, err := NewTokenSource(Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: id, PrivateKey: key})
		if err == nil {
			t.Errorf("Service ID %q accepted", id)
			continue
		}
		if !strings.HasPrefix(err.Error(), "weatherkit: Config.ServiceID ") {
			t.Errorf("Service ID %q: error %v does not name the field", id, err)
		}
		if len(id) > 3 && strings.Contains(err.Error(), strings.TrimSpace(id)) {
			t.Errorf("Service ID %q: the error quotes it: %v", id, err)
		}
	}
	for _, id := range []string{testService, "it.iachieved.myweatherapp", "com.Example.Weather-2"} {
		if _, err := NewTokenSource(Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: id, PrivateKey: key}); err != nil {
			t.Errorf("Service ID %q refused: %v", id, err)
		}
	}
}

func TestKeysThatCannotSignES256Refused(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"nil": nil, "P-384": p384} {
		_, err := NewTokenSource(Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: key})
		if err == nil || !strings.HasPrefix(err.Error(), "weatherkit: Config.PrivateKey: ") {
			t.Errorf("%s key: %v", name, err)
		}
	}
}

func TestConcurrentFirstCallsSignOnce(t *testing.T) {
	var mints atomic.Int32
	hooks := &ascjwt.Hooks{TokenMinted: func(ascjwt.TokenMinted) { mints.Add(1) }}
	src := newSource(t, Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: newKey(t), Now: fakeclock.New(start).Now, Hooks: hooks})
	const callers = 200
	toks := make([]*ascjwt.Token, callers)
	var ready, wg sync.WaitGroup
	ready.Add(1)
	for i := range callers {
		wg.Go(func() {
			ready.Wait()
			tok, err := src.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	ready.Done()
	wg.Wait()
	if n := mints.Load(); n != 1 {
		t.Fatalf("%d tokens signed for %d concurrent first calls, want 1", n, callers)
	}
	for i, tok := range toks {
		if tok != toks[0] {
			t.Fatalf("caller %d got another token", i)
		}
	}
}

// waitRefresh waits for a background refresh to end; the cache says when.
func waitRefresh(s *devtoken.Source) {
	for s.Refreshing() {
		runtime.Gosched()
	}
}

func TestTokenReplacedAtThreeQuartersAndNeverUsedInLastMinute(t *testing.T) {
	clock := fakeclock.New(start)
	var mints atomic.Int32
	hooks := &ascjwt.Hooks{TokenMinted: func(ascjwt.TokenMinted) { mints.Add(1) }}
	src := newSource(t, Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: newKey(t), Lifetime: time.Hour, Now: clock.Now, Hooks: hooks})
	ctx := context.Background()
	first, _ := src.Token(ctx)
	// exp is 59 minutes away (iat is backdated a minute): fresh until 15
	// minutes are left, at 44 minutes.
	clock.Advance(44*time.Minute - time.Second)
	if tok, _ := src.Token(ctx); tok != first || mints.Load() != 1 {
		t.Fatalf("replaced before three quarters of its life")
	}
	clock.Advance(time.Second)
	if tok, _ := src.Token(ctx); tok != first {
		t.Fatalf("a stale token was not handed out while its successor was made")
	}
	waitRefresh(src)
	second, _ := src.Token(ctx)
	if second == first || mints.Load() != 2 {
		t.Fatalf("no new token at three quarters of the life (%d signed)", mints.Load())
	}
	if !second.IssuedAt.Equal(start.Add(43 * time.Minute)) {
		t.Fatalf("second token issued at %v", second.IssuedAt)
	}

	// A source that could not refresh (a failing signer) never hands out a
	// token in its last minute.
	failing := &flakySigner{key: newKey(t)}
	clock = fakeclock.New(start)
	src = newSource(t, Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: failing, Lifetime: time.Hour, Now: clock.Now})
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	failing.fail.Store(true)
	clock.Advance(58*time.Minute - time.Second) // a minute and a second before exp
	if got, err := src.Token(ctx); got != tok || err != nil {
		t.Fatalf("a usable token was not handed out: %v", err)
	}
	waitRefresh(src)
	clock.Advance(time.Second)
	if got, err := src.Token(ctx); err == nil {
		t.Fatalf("a token in its last minute was handed out, exp %v, now %v", got.Expiry, clock.Now())
	}
}

// flakySigner is a key outside the process that fails when told to.
type flakySigner struct {
	key  *ecdsa.PrivateKey
	fail atomic.Bool
}

func (f *flakySigner) Public() crypto.PublicKey { return &f.key.PublicKey }

func (f *flakySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if f.fail.Load() {
		return nil, errors.New("the HSM is unreachable")
	}
	return f.key.Sign(r, digest, opts)
}

func TestHooksToldOfTokensAndFailures(t *testing.T) {
	signer := &flakySigner{key: newKey(t)}
	var minted []ascjwt.TokenMinted
	var failed []ascjwt.RefreshFailed
	var mu sync.Mutex
	hooks := &ascjwt.Hooks{
		TokenMinted:   func(m ascjwt.TokenMinted) { mu.Lock(); minted = append(minted, m); mu.Unlock() },
		RefreshFailed: func(f ascjwt.RefreshFailed) { mu.Lock(); failed = append(failed, f); mu.Unlock() },
	}
	src := newSource(t, Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: signer, Now: fakeclock.New(start).Now, Hooks: hooks})
	signer.fail.Store(true)
	if _, err := src.Token(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "weatherkit: ") {
		t.Fatalf("a failed signature: %v", err)
	}
	signer.fail.Store(false)
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 1 || failed[0].KeyID != testKeyID || failed[0].Err == nil {
		t.Errorf("RefreshFailed calls: %+v", failed)
	}
	if len(minted) != 1 || minted[0].KeyID != testKeyID || !minted[0].Expiry.Equal(tok.Expiry) {
		t.Errorf("TokenMinted calls: %+v", minted)
	}
}

func TestConfigPrintsNoKeyMaterial(t *testing.T) {
	key := newKey(t)
	keyPEM := pemKey(t, key)
	cfg := Config{KeyID: testKeyID, TeamID: keyPEM, ServiceID: testService, PrivateKey: key}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	xmlOut, err := xml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var gobOut bytes.Buffer
	if err := gob.NewEncoder(&gobOut).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	out := []string{logged.String(), string(js), string(xmlOut), gobOut.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		out = append(out, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg))
	}
	scalar, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := new(big.Int).SetBytes(scalar) // how %v and %x print a key's D
	secrets := []string{d.String(), d.Text(16), "PRIVATE KEY", keyPEM[40:60]}
	for _, o := range out {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Fatalf("printed config holds key material: %s", o)
			}
		}
	}
	if s := cfg.String(); !strings.Contains(s, testKeyID) || !strings.Contains(s, testService) || !strings.Contains(s, "looks like a private key") {
		t.Errorf("String() = %s: want the key ID and origin shown and the pasted key described", s)
	}
}

// recorder is a base transport that answers every request itself and
// remembers the Authorization header each carried.
type recorder struct {
	mu   sync.Mutex
	auth map[string]string // by host
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.auth[req.URL.Host] = req.Header.Get("Authorization")
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func TestTokensGoToWeatherKitAndLoopbackOnly(t *testing.T) {
	src := newSource(t, Config{KeyID: testKeyID, TeamID: testTeamID, ServiceID: testService, PrivateKey: newKey(t), Now: fakeclock.New(start).Now})
	if got := src.TokenHosts(); !reflect.DeepEqual(got, []string{"weatherkit.apple.com"}) {
		t.Fatalf("TokenHosts() = %v", got)
	}
	rec := &recorder{auth: map[string]string{}}
	client := &http.Client{Transport: &ascjwt.Transport{Source: src, Base: rec}}
	for _, u := range []string{BaseURL + "/api/v1/availability/1/2", "https://127.0.0.1:8443/api/v1/availability/1/2",
		"https://api.appstoreconnect.apple.com/v1/apps", "https://api.music.apple.com/v1/catalog/us/songs/1", "https://weather.example.com/"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for host, want := range map[string]bool{"weatherkit.apple.com": true, "127.0.0.1:8443": true,
		"api.appstoreconnect.apple.com": false, "api.music.apple.com": false, "weather.example.com": false} {
		if got := strings.HasPrefix(rec.auth[host], "Bearer "); got != want {
			t.Errorf("request to %s carried a token: %v, want %v", host, got, want)
		}
	}
}
