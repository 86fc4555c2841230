package mapstest_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/faketest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// sign makes a JWT by hand, so that the fake is tested on tokens our
// package would never make.
func sign(t *testing.T, key *ecdsa.PrivateKey, header, claims string) string {
	t.Helper()
	return jwsforge.Sign(key, header, claims)
}

// geocode sends GET /v1/geocode with the access token and returns the
// status.
func geocode(t *testing.T, srv *mapstest.Server, token string) int {
	t.Helper()
	return faketest.Status(t, srv.Client(), srv.URL+"/v1/geocode?q=x", faketest.Bearer(token))
}

func TestVerifyRefusesWhatAppleRefuses(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	key := srv.Config().PrivateKey.(*ecdsa.PrivateKey)
	other := fakeserver.NewKey()
	now := srv.Now().Unix()
	head := `{"alg":"ES256","kid":"` + srv.KeyID() + `","typ":"JWT"}`
	claims := func(iat, exp int64, extra string) string {
		return `{"iss":"` + srv.TeamID() + `","iat":` + big.NewInt(iat).String() + `,"exp":` + big.NewInt(exp).String() + extra + `}`
	}
	good := claims(now-60, now+3600, "")
	if _, err := srv.Verify(sign(t, key, head, good), ""); err != nil {
		t.Fatalf("a good token refused: %v", err)
	}
	for _, tc := range []struct {
		name, token, want string
	}{
		{"alg none", sign(t, key, `{"alg":"none","kid":"`+srv.KeyID()+`","typ":"JWT"}`, good), "alg"},
		{"duplicate kid", sign(t, key, `{"alg":"ES256","kid":"`+srv.KeyID()+`","kid":"`+srv.KeyID()+`","typ":"JWT"}`, good), "twice"},
		{"no typ", sign(t, key, `{"alg":"ES256","kid":"`+srv.KeyID()+`"}`, good), "typ"},
		{"unknown kid", sign(t, key, `{"alg":"ES256","kid":"AAAAAAAAAA","typ":"JWT"}`, good), "kid"},
		{"other key", sign(t, other, head, good), "signature"},
		{"expired", sign(t, key, head, claims(now-7200, now-60, "")), "expired"},
		{"iat in the future", sign(t, key, head, claims(now+120, now+3600, "")), "future"},
		{"wrong origin", sign(t, key, head, claims(now-60, now+3600, `,"origin":"https://a.example"`)), "origin"},
		{"not three parts", "a.b", "parts"},
	} {
		_, err := srv.Verify(tc.token, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}

	// The token endpoint answers a refused JWT with 401, and one whose scope
	// leaves out server_api too.
	for _, tok := range []string{sign(t, other, head, good), sign(t, key, head, claims(now-60, now+3600, `,"scope":"mapkit_js"`))} {
		if code := faketest.Status(t, srv.Client(), srv.URL+"/v1/token", faketest.Bearer(tok)); code != http.StatusUnauthorized {
			t.Errorf("token endpoint answered %d, want 401", code)
		}
	}
	if st := srv.Stats(); st.ExchangeRefusals != 2 || st.Exchanges != 0 {
		t.Fatalf("stats %+v, want 2 refusals", st)
	}
}

func TestAccessTokensExpireOnTheServersClock(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	tok := faketest.TokenOfLifetime(t, srv.Endpoint, apitest.Must(t, maps.NewTokenSource, srv.Config()), 10*time.Minute)
	call := func() int { return geocode(t, srv, tok.Value) }
	if code := call(); code != http.StatusOK {
		t.Fatalf("fresh token: %d", code)
	}
	srv.Advance(10 * time.Minute)
	if code := call(); code != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", code)
	}
	if st := srv.Stats(); st.APICalls != 1 || st.APIRefusals != 1 || st.LastRefusal != "access token expired" {
		t.Fatalf("stats %+v", st)
	}
}

// TestOriginClaimTakesWhatApplesPageAllows: "Creating and using tokens with
// Maps Server API" allows an origin claim that is a domain pattern
// (*.example.com), a bare domain, or a comma-separated list, and lists the
// scope values, mapkit_js among them, which needs an origin. Each allows
// the pages it names and no other; a claim of none of those forms, and a
// scope value the page does not list, are refused.
func TestOriginClaimTakesWhatApplesPageAllows(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	key := srv.Config().PrivateKey.(*ecdsa.PrivateKey)
	now := srv.Now().Unix()
	head := `{"alg":"ES256","kid":"` + srv.KeyID() + `","typ":"JWT"}`
	token := func(extra string) string {
		return sign(t, key, head, `{"iss":"`+srv.TeamID()+`","iat":`+big.NewInt(now-60).String()+`,"exp":`+big.NewInt(now+1800).String()+extra+`}`)
	}
	for _, tc := range []struct {
		claim   string
		allowed []string
		refused []string
	}{
		// A domain or a pattern names hosts, so any port of them; an Origin
		// header no browser sends (upper case, the default port) matches
		// nothing, since Apple compares it exactly ("Debugging an Invalid token").
		{`"*.example.com"`, []string{"https://maps.example.com", "https://a.b.example.com", "http://www.example.com", "https://maps.example.com:8443"}, []string{"https://example.com", "https://evilexample.com", "https://example.com.evil", "http://www.EXAMPLE.com", ""}},
		{`"example.com"`, []string{"https://example.com", "http://example.com", "https://example.com:8443"}, []string{"https://www.example.com", "null"}},
		{`"http://localhost:8080"`, []string{"http://localhost:8080"}, []string{"https://localhost:8080", "http://localhost", "http://localhost:8081"}},
		{`"https://www.example.com"`, []string{"https://www.example.com"}, []string{"https://www.example.com:443", "http://www.example.com", "https://example.com"}},
		{`"https://a.example, b.example,*.c.example"`, []string{"https://a.example", "https://b.example", "https://x.c.example"}, []string{"http://a.example", "https://c.example", "https://evil.example"}},
	} {
		tok := token(`,"origin":` + tc.claim + `,"scope":"mapkit_js"`)
		for _, o := range tc.allowed {
			if _, err := srv.Verify(tok, o); err != nil {
				t.Errorf("origin %s, page %q: %v, want it allowed", tc.claim, o, err)
			}
		}
		for _, o := range tc.refused {
			if _, err := srv.Verify(tok, o); err == nil || !strings.Contains(err.Error(), "origin") {
				t.Errorf("origin %s, page %q: %v, want it refused", tc.claim, o, err)
			}
		}
	}
	for _, tc := range []struct {
		name, extra, want string
	}{
		{"origin a path", `,"origin":"https://example.com/maps"`, "origin is not a domain"},
		{"origin a bare star", `,"origin":"*"`, "origin is not a domain"},
		{"origin an empty entry", `,"origin":"a.example,,b.example"`, "origin is not a domain"},
		{"origin another scheme", `,"origin":"ftp://example.com"`, "origin is not a domain"},
		{"origin a host and port", `,"origin":"localhost:8080"`, "origin is not a domain"},
		{"mapkit_js without an origin", `,"scope":"mapkit_js"`, "requires an origin"},
		{"a scope the page does not list", `,"origin":"example.com","scope":"everything"`, `"everything"`},
		{"a scope without mapkit_js for a page", `,"origin":"example.com","scope":"server_api"`, "mapkit_js"},
	} {
		if _, err := srv.Verify(token(tc.extra), "https://example.com"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	// The token endpoint takes server_api, alone or beside the others.
	for scope, want := range map[string]int{`"server_api"`: 200, `"server_api,web_snapshots"`: 200, `"mapkit_js"`: 401} {
		header := faketest.Bearer(token(`,"scope":` + scope + `,"origin":"example.com"`))
		header.Set("Origin", "https://example.com")
		if code := faketest.Status(t, srv.Client(), srv.URL+"/v1/token", header); code != want {
			t.Errorf("scope %s at the token endpoint: %d, want %d (%s)", scope, code, want, srv.Stats().LastRefusal)
		}
	}
}

// TestFailureControlsAndCountersReadAsInTheOtherFakes: Fail, Recover, Hang
// and Release work as in axmtest; RevokeTokens and SetClock as in asctest;
// Stats' Accepted, Rejected and LastRejection count the API's requests and
// hold what the first names (APICalls, APIRefusals, ...) hold.
func TestFailureControlsAndCountersReadAsInTheOtherFakes(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return start })
	if !srv.Now().Equal(start) || !srv.Config().Now().Equal(start) {
		t.Fatalf("SetClock: the server reads %s", srv.Now())
	}
	src := apitest.Must(t, maps.NewTokenSource, srv.Config())
	srv.Fail(http.StatusServiceUnavailable, "", "down for a test")
	if _, err := src.Token(context.Background()); err == nil {
		t.Fatal("a token while failing")
	}
	srv.Recover()
	faketest.ExpectHeldUntilRelease(t, srv.Endpoint, src, func() int { return srv.Stats().Held })
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	call := func() int { return geocode(t, srv, tok.Value) }
	if code := call(); code != http.StatusOK {
		t.Fatalf("a fresh access token: %d", code)
	}
	srv.RevokeTokens()
	if code := call(); code != http.StatusUnauthorized {
		t.Fatalf("a revoked access token: %d", code)
	}
	st := srv.Stats()
	if st.Failures != 1 || st.Exchanges != 1 || st.Accepted != 1 || st.Rejected != 1 || st.LastRejection != "unknown access token" || st.Held != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.ExchangeFailures != st.Failures || st.ExchangeRefusals != st.Refusals || st.APICalls != st.Accepted || st.APIRefusals != st.Rejected {
		t.Errorf("the first names disagree with the new: %+v", st)
	}
}

// TestHeldExchangeWhoseClientGaveUpGetsNoResponse: a request that Hang
// holds and whose client gives up is aborted, never answered.
func TestHeldExchangeWhoseClientGaveUpGetsNoResponse(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	faketest.ExpectGivenUpRequestsGetNoResponse(t, srv.Endpoint, srv.Client(), http.MethodGet, srv.URL+"/v1/token", func() int { return srv.Stats().Held })
}
