package maps_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// capture records the bearer of each request it sends on.
type capture struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.seen = append(c.seen, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

// checkWithGolangJWT verifies token with golang-jwt, an implementation
// other than ours, and checks every header field and claim: exactly those
// named in wantHeader and wantClaims, with those values, and no other.
func checkWithGolangJWT(t *testing.T, token string, pub *ecdsa.PublicKey, now time.Time, wantHeader map[string]any, wantClaims map[string]any) {
	t.Helper()
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuedAt(), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithIssuer(wantClaims["iss"].(string)))
	var claims jwt.MapClaims
	parsed, err := parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return pub, nil })
	if err != nil || !parsed.Valid {
		t.Fatalf("golang-jwt refuses the token: %v", err)
	}
	// The header as sent, not as golang-jwt fills it in.
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var header map[string]any
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "header", header, wantHeader)
	sameKeys(t, "claims", claims, wantClaims)
	for k, v := range wantHeader {
		if header[k] != v {
			t.Errorf("header %s = %v, want %v", k, header[k], v)
		}
	}
	for k, v := range wantClaims {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
}

func sameKeys(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	var g, w []string
	for k := range got {
		g = append(g, k)
	}
	for k := range want {
		w = append(w, k)
	}
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s has %v, want exactly %v", what, g, w)
	}
}

func TestServerJWTVerifiesWithGolangJWT(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	frozen := srv.Now() // the source's clock stands still: a second may pass while the test runs
	cfg.Now = func() time.Time { return frozen }
	c := &capture{base: srv.Client().Transport}
	cfg.Client = &http.Client{Transport: c}
	now := frozen
	mustToken(t, newSource(t, cfg))
	if len(c.seen) != 1 {
		t.Fatalf("%d token requests, want 1", len(c.seen))
	}
	iat := float64(now.Unix() - 60) // backdated a minute for clock skew
	checkWithGolangJWT(t, c.seen[0], srv.PublicKey(), srv.Now(),
		map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"},
		map[string]any{"iss": srv.TeamID(), "iat": iat, "exp": iat + maps.DefaultLifetime.Seconds(), "scope": "server_api"})
}

func TestJSTokensVerifyWithGolangJWTAndCarryTheirOrigin(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	frozen := srv.Now() // the source's clock stands still: a second may pass while the test runs
	cfg.Now = func() time.Time { return frozen }
	cfg.Lifetime = 30 * time.Minute
	origins := []string{"https://www.example.com", "http://localhost:8080"}
	js, err := maps.NewJSTokenSource(cfg, origins...)
	if err != nil {
		t.Fatal(err)
	}
	now := frozen
	iat := float64(now.Unix() - 60)
	for _, o := range origins {
		tok, err := js.TokenFor(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		checkWithGolangJWT(t, tok.Value, srv.PublicKey(), now,
			map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"},
			// "Creating and using tokens with Maps Server API": a token for
			// MapKit JS has the scope mapkit_js, which requires an origin.
			map[string]any{"iss": srv.TeamID(), "iat": iat, "exp": iat + 30*60, "origin": o, "scope": "mapkit_js"})
		if _, err := srv.Verify(tok.Value, o); err != nil {
			t.Errorf("the fake refuses the token for its own origin: %v", err)
		}
		if _, err := srv.Verify(tok.Value, "https://evil.example"); err == nil {
			t.Error("the fake accepts the token from another origin")
		}
	}
	if _, err := js.TokenFor(context.Background(), "https://evil.example"); !errorsIs(err, maps.ErrOriginNotAllowed) {
		t.Fatalf("unknown origin: %v, want ErrOriginNotAllowed", err)
	}
	if _, err := js.Token(context.Background()); err == nil {
		t.Fatal("Token on a source with two origins should say to use TokenFor")
	}

	open, err := maps.NewJSTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok := mustToken(t, open)
	checkWithGolangJWT(t, tok.Value, srv.PublicKey(), now,
		map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"},
		map[string]any{"iss": srv.TeamID(), "iat": iat, "exp": iat + 30*60})
	if again := mustToken(t, open); again != tok {
		t.Fatal("a MapKit JS token was signed again within its life")
	}
}
