package maps_test

import (
	"context"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// "Creating and using tokens with Maps Server API" shows a MapKit JS token
// with "origin": "*.example.com" and lists the scope mapkit_js, which needs
// an origin; the developer account's Maps token form takes a comma-separated
// list of domains. A source takes each form, and hands a page the token
// whose claim covers its Origin header.
func TestJSTokensTakeApplesOriginForms(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	frozen := srv.Now() // the source's clock stands still: a second may pass while the test runs
	cfg.Now = func() time.Time { return frozen }
	cfg.Lifetime = 30 * time.Minute
	claims := []string{"https://www.example.com", "*.example.com", "example.com", "https://a.example,https://b.example:8443"}
	js, err := maps.NewJSTokenSource(cfg, claims...)
	if err != nil {
		t.Fatalf("Apple's origin forms refused: %v", err)
	}
	now := frozen
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
		checkWithGolangJWT(t, tok.Value, srv.PublicKey(), now,
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
	srv := mapstest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	frozen := srv.Now()
	cfg.Now = func() time.Time { return frozen }
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
