package maps_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
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

// frozenConfig starts a fake, closed at the end of t, and returns it with
// a Config for it whose clock stands still: a second may pass while the
// test runs, and the claims it checks are computed from that one moment.
func frozenConfig(t *testing.T) (*mapstest.Server, maps.Config) {
	srv := mapstest.NewServer()
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	frozen := srv.Now()
	cfg.Now = func() time.Time { return frozen }
	return srv, cfg
}

func TestServerJWTVerifiesWithGolangJWT(t *testing.T) {
	srv, cfg := frozenConfig(t)
	c := &capture{base: srv.Client().Transport}
	cfg.Client = &http.Client{Transport: c}
	now := cfg.Now()
	mustToken(t, newSource(t, cfg))
	if len(c.seen) != 1 {
		t.Fatalf("%d token requests, want 1", len(c.seen))
	}
	iat := float64(now.Unix() - 60) // backdated a minute for clock skew
	apitest.VerifyES256(t, c.seen[0], srv.PublicKey(), srv.Now(),
		map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"},
		map[string]any{"iss": srv.TeamID(), "iat": iat, "exp": iat + maps.DefaultLifetime.Seconds(), "scope": "server_api"})
}

func TestJSTokensVerifyWithGolangJWTAndCarryTheirOrigin(t *testing.T) {
	srv, cfg := frozenConfig(t)
	cfg.Lifetime = 30 * time.Minute
	origins := []string{"https://www.example.com", "http://localhost:8080"}
	js, err := maps.NewJSTokenSource(cfg, origins...)
	if err != nil {
		t.Fatal(err)
	}
	now := cfg.Now()
	iat := float64(now.Unix() - 60)
	for _, o := range origins {
		tok, err := js.TokenFor(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		apitest.VerifyES256(t, tok.Value, srv.PublicKey(), now,
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
	apitest.VerifyES256(t, tok.Value, srv.PublicKey(), now,
		map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"},
		map[string]any{"iss": srv.TeamID(), "iat": iat, "exp": iat + 30*60})
	if again := mustToken(t, open); again != tok {
		t.Fatal("a MapKit JS token was signed again within its life")
	}
}

// "Creating and using tokens with Maps Server API" shows a MapKit JS token
// with "origin": "*.example.com" and lists the scope mapkit_js, which needs
// an origin; the developer account's Maps token form takes a comma-separated
// list of domains. A source takes each form, and hands a page the token
// whose claim covers its Origin header.
func TestJSTokensTakeApplesOriginForms(t *testing.T) {
	srv, cfg := frozenConfig(t)
	cfg.Lifetime = 30 * time.Minute
	claims := []string{"https://www.example.com", "*.example.com", "example.com", "https://a.example,https://b.example:8443"}
	js, err := maps.NewJSTokenSource(cfg, claims...)
	if err != nil {
		t.Fatalf("Apple's origin forms refused: %v", err)
	}
	now := cfg.Now()
	iat := float64(now.Unix() - 60)
	for _, tc := range []struct{ page, claim string }{
		{"https://www.example.com", "https://www.example.com"}, // the exact origin before the pattern that covers it too
		{"https://maps.example.com", "*.example.com"},
		{"http://a.b.example.com:8080", "*.example.com"},
		{"https://example.com", "example.com"},
		{"https://b.example:8443", "https://a.example,https://b.example:8443"},
	} {
		tok, err := js.TokenFor(context.Background(), tc.page)
		if err != nil {
			t.Fatalf("page %s: %v", tc.page, err)
		}
		apitest.VerifyES256(t, tok.Value, srv.PublicKey(), now,
			map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"},
			map[string]any{"iss": srv.TeamID(), "iat": iat, "exp": iat + 30*60, "origin": tc.claim, "scope": "mapkit_js"})
	}
	for _, page := range []string{"https://example.com.evil.example", "https://badexample.com", "https://b.example", "https://maps.example.com/", "https://MAPS.example.com"} {
		if _, err := js.TokenFor(context.Background(), page); !errorsIs(err, maps.ErrOriginNotAllowed) {
			t.Errorf("page %s: %v, want ErrOriginNotAllowed", page, err)
		}
	}
	for _, bad := range []string{"*.com", "https://*.example.com", "example.com:8080", "Example.com", "a.example,,b.example"} {
		if _, err := maps.NewJSTokenSource(cfg, bad); err == nil {
			t.Errorf("origin claim %q accepted", bad)
		}
	}
}

// The source and the fake read an origin claim by one rule
// (internal/origin's): a page the source hands a token to is one the fake
// takes that token from, and a page the source refuses is one the fake
// refuses. A domain or a domain pattern covers its hosts on any port of
// https or http; an origin entry covers only the Origin header equal to it.
func TestJSTokenSourceAndFakeAllowTheSamePages(t *testing.T) {
	srv, cfg := frozenConfig(t)
	pages := []string{
		"https://example.com", "https://example.com:8443", "http://example.com:8080", "https://maps.example.com:8443",
		"http://a.b.example.com:8080", "https://www.example.com", "http://localhost:8080", "http://localhost",
		"https://www.example.com:443", "https://WWW.example.com", "https://www.example.com/", "https://evilexample.com",
		"safari-web-extension://maps.example.com", "null", "",
	}
	for _, claim := range []string{"*.example.com", "example.com", "https://www.example.com", "http://localhost:8080", "localhost", "example.com, *.example.com"} {
		js, err := maps.NewJSTokenSource(cfg, claim)
		if err != nil {
			t.Fatalf("origin claim %q refused: %v", claim, err)
		}
		tok := mustToken(t, js)
		for _, page := range pages {
			_, signErr := js.TokenFor(context.Background(), page)
			if signErr != nil && !errorsIs(signErr, maps.ErrOriginNotAllowed) {
				t.Fatalf("claim %q, page %q: %v", claim, page, signErr)
			}
			_, fakeErr := srv.Verify(tok.Value, page)
			if (signErr == nil) != (fakeErr == nil) {
				t.Errorf("claim %q, page %q: the source says %v, the fake says %v", claim, page, signErr, fakeErr)
			}
		}
	}
}
