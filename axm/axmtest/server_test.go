package axmtest_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/faketest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

// sign makes a compact ES256 JWS of header and claims by hand, so that a
// test can break any rule.
func sign(t *testing.T, key *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	return jwsforge.SignJSON(key, header, claims)
}

type answer struct {
	status int
	Error  string `json:"error"`
	Desc   string `json:"error_description"`
	Token  string `json:"access_token"`
	Type   string `json:"token_type"`
	Exp    int64  `json:"expires_in"`
}

func post(t *testing.T, srv *axmtest.Server, form url.Values) answer {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+axmtest.TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	a.status = resp.StatusCode
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("token answers must carry Cache-Control: no-store (RFC 6749 section 5.1)")
	}
	return a
}

// tokenRequest is the form of a token request for srv's account, with
// assertion and scope, as package axm posts it.
func tokenRequest(srv *axmtest.Server, assertion, scope string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {srv.ClientID()},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {scope},
	}
}

func TestTokenEndpointRefusesEachRuleBroken(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	now := time.Unix(1_780_000_000, 0)
	srv.SetClock(func() time.Time { return now })
	other := fakeserver.NewKey()
	// base is a good request whose assertion's jti is the case's name.
	base := func(name string) (map[string]any, map[string]any, url.Values) {
		header := map[string]any{"alg": "ES256", "kid": srv.KeyID()}
		claims := map[string]any{
			"iss": srv.ClientID(), "sub": srv.ClientID(), "aud": axm.Audience,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": name,
		}
		return header, claims, tokenRequest(srv, "", axm.ScopeBusiness)
	}
	cases := []struct {
		name       string
		edit       func(h, c map[string]any, f url.Values)
		key        *ecdsa.PrivateKey
		code, rule string
	}{
		{"passes", func(h, c map[string]any, f url.Values) {}, nil, "", ""},
		{"no client_id is fine", func(h, c map[string]any, f url.Values) { f.Del("client_id") }, nil, "", ""},
		{"other key", func(h, c map[string]any, f url.Values) {}, other, "invalid_client", "signature does not verify"},
		{"HS256", func(h, c map[string]any, f url.Values) { h["alg"] = "HS256" }, nil, "invalid_client", "alg is not ES256"},
		{"other kid", func(h, c map[string]any, f url.Values) { h["kid"] = "x" }, nil, "invalid_client", "kid is not the account's key ID"},
		{"iss team", func(h, c map[string]any, f url.Values) { c["iss"] = "55155430" }, nil, "invalid_client", "iss is not the client ID"},
		{"no sub", func(h, c map[string]any, f url.Values) { delete(c, "sub") }, nil, "invalid_client", "sub is not the client ID"},
		{"aud appleid", func(h, c map[string]any, f url.Values) { c["aud"] = "https://appleid.apple.com" }, nil, "invalid_client", "aud is not"},
		{"aud token URL", func(h, c map[string]any, f url.Values) { c["aud"] = axm.TokenURL }, nil, "invalid_client", "aud is not"},
		{"no jti", func(h, c map[string]any, f url.Values) { delete(c, "jti") }, nil, "invalid_client", "has no jti"},
		{"no iat", func(h, c map[string]any, f url.Values) { delete(c, "iat") }, nil, "invalid_client", "iat is missing"},
		{"fractional exp", func(h, c map[string]any, f url.Values) { c["exp"] = float64(now.Unix()) + 0.5 }, nil, "invalid_client", "exp is missing or not whole seconds"},
		{"iat ahead", func(h, c map[string]any, f url.Values) { c["iat"] = now.Add(2 * time.Minute).Unix() }, nil, "invalid_client", "iat is in the future"},
		{"expired", func(h, c map[string]any, f url.Values) { c["exp"] = now.Unix() }, nil, "invalid_client", "has expired"},
		{"181 days", func(h, c map[string]any, f url.Values) { c["exp"] = now.Add(181 * 24 * time.Hour).Unix() }, nil, "invalid_client", "longer than 180 days"},
		{"other client_id", func(h, c map[string]any, f url.Values) { f.Set("client_id", "BUSINESSAPI.other") }, nil, "invalid_client", "client_id is not"},
		{"school scope", func(h, c map[string]any, f url.Values) { f.Set("scope", axm.ScopeSchool) }, nil, "invalid_scope", "scope must be business.api"},
		{"password grant", func(h, c map[string]any, f url.Values) { f.Set("grant_type", "password") }, nil, "unsupported_grant_type", "grant_type"},
		{"no assertion type", func(h, c map[string]any, f url.Values) { f.Del("client_assertion_type") }, nil, "invalid_request", "client_assertion_type must be"},
		{"twice", func(h, c map[string]any, f url.Values) { f.Add("scope", axm.ScopeBusiness) }, nil, "invalid_request", "appears more than once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, cl, f := base(c.name)
			c.edit(h, cl, f)
			key := c.key
			if key == nil {
				key = srv.PrivateKey()
			}
			f.Set("client_assertion", sign(t, key, h, cl))
			a := post(t, srv, f)
			if c.code == "" {
				if a.status != 200 || a.Token == "" || a.Type != "Bearer" || a.Exp != 3600 {
					t.Fatalf("got %+v; want an access token for an hour", a)
				}
				return
			}
			if a.status != http.StatusBadRequest || a.Error != c.code || !strings.Contains(a.Desc, c.rule) || a.Token != "" {
				t.Fatalf("got %+v; want 400 %s naming %q", a, c.code, c.rule)
			}
			if st := srv.Stats(); st.LastRefusal != a.Desc {
				t.Errorf("Stats.LastRefusal %q, want the description", st.LastRefusal)
			}
		})
	}
}

// TestTokenEndpointTakesOneAssertionForItsWholeLife: Apple's sample on
// "Implementing OAuth for the Apple School Manager and Apple Business API"
// signs one client assertion valid for 180 days and sends it for every
// access token, and micromdm/nanoaxm keeps its assertion (and its jti)
// until near its expiry (client/camgr.go): the same assertion, jti and all,
// earns a token each hour of its life, and only its expiry ends that.
func TestTokenEndpointTakesOneAssertionForItsWholeLife(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	now := time.Unix(1_780_000_000, 0)
	srv.SetClock(func() time.Time { return now })
	a := sign(t, srv.PrivateKey(), map[string]any{"alg": "ES256", "kid": srv.KeyID()}, map[string]any{
		"iss": srv.ClientID(), "sub": srv.ClientID(), "aud": axm.Audience,
		"iat": now.Unix(), "exp": now.Add(180 * 24 * time.Hour).Unix(), "jti": "once",
	})
	form := tokenRequest(srv, a, axm.ScopeBusiness)
	seen := map[string]bool{}
	for hour := range 5 {
		got := post(t, srv, form)
		if got.status != 200 || seen[got.Token] {
			t.Fatalf("use %d of one assertion: %+v; want a new access token", hour+1, got)
		}
		seen[got.Token] = true
		srv.Advance(time.Hour)
	}
	srv.Advance(180 * 24 * time.Hour)
	if got := post(t, srv, form); got.Error != "invalid_client" || !strings.Contains(got.Desc, "expired") {
		t.Fatalf("past its exp: %+v; want it refused as expired", got)
	}
}

// TestTokenEndpointTakesApplesCurlAndNanoaxmsPost: Apple's page sends the
// token request with curl, its parameters in the POST's URL query and
// Content-Type: application/x-www-form-urlencoded; micromdm/nanoaxm
// (client/oauth.go, DoGetToken) posts a form with client_id to
// https://account.apple.com/auth/oauth2/v2/token, its assertion's audience,
// signed by golang-jwt with typ JWT. Both earn a token; a parameter given
// both in the query and the form is given twice, and refused.
func TestTokenEndpointTakesApplesCurlAndNanoaxmsPost(t *testing.T) {
	srv := axmtest.NewSchoolServer()
	defer srv.Close()
	now := srv.Now()
	assertion := func(header map[string]any) string {
		return sign(t, srv.PrivateKey(), header, map[string]any{
			"sub": srv.ClientID(), "aud": axm.Audience, "iat": now.Unix(),
			"exp": now.Add(180 * 24 * time.Hour).Unix(), "jti": "7c0c10a0-4d8a-4ef8-a2be-eda040b65c59", "iss": srv.ClientID(),
		})
	}
	params := tokenRequest(srv, assertion(map[string]any{"alg": "ES256", "kid": srv.KeyID()}), axm.ScopeSchool)
	send := func(path, query string, body url.Values) answer {
		t.Helper()
		target := srv.URL + path
		if query != "" {
			target += "?" + query
		}
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a answer
		json.NewDecoder(resp.Body).Decode(&a)
		a.status = resp.StatusCode
		return a
	}
	if got := send(axmtest.TokenPath, params.Encode(), nil); got.status != 200 || got.Token == "" {
		t.Errorf("Apple's curl, the parameters in the query: %+v", got)
	}
	nanoaxm := url.Values{}
	for k, v := range params {
		nanoaxm[k] = v
	}
	nanoaxm.Set("client_assertion", assertion(map[string]any{"alg": "ES256", "kid": srv.KeyID(), "typ": "JWT"}))
	if got := send(axmtest.TokenPathV2, "", nanoaxm); got.status != 200 || got.Token == "" || got.Type != "Bearer" {
		t.Errorf("nanoaxm's form at %s: %+v", axmtest.TokenPathV2, got)
	}
	half := url.Values{"scope": {axm.ScopeSchool}}
	rest := url.Values{}
	for k, v := range params {
		if k != "scope" {
			rest[k] = v
		}
	}
	if got := send(axmtest.TokenPath, half.Encode(), rest); got.status != 200 {
		t.Errorf("the parameters split between the query and the form: %+v", got)
	}
	if got := send(axmtest.TokenPath, half.Encode(), params); got.Error != "invalid_request" || !strings.Contains(got.Desc, "more than once") {
		t.Errorf("scope in both the query and the form: %+v; want it refused as given twice", got)
	}
}

// TestTokenEndpointReadsAssertionsStrictly: the assertion is read as a
// strict verifier reads it, not decoded into Go values: a name in another
// case is not the claim, a name given twice and a null time are refused.
func TestTokenEndpointReadsAssertionsStrictly(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	now := srv.Now().Unix()
	good := fmt.Sprintf(`"sub":%q,"aud":%q,"iat":%d,"exp":%d,"jti":"j"`, srv.ClientID(), axm.Audience, now, now+3600)
	head := fmt.Sprintf(`{"alg":"ES256","kid":%q}`, srv.KeyID())
	for _, tc := range []struct {
		name, header, payload, rule string
	}{
		{"a good one", head, fmt.Sprintf(`{"iss":%q,%s}`, srv.ClientID(), good), ""},
		{"ISS in capitals", head, fmt.Sprintf(`{"ISS":%q,%s}`, srv.ClientID(), good), "iss is not the client ID"},
		{"KID in capitals", fmt.Sprintf(`{"alg":"ES256","KID":%q}`, srv.KeyID()), fmt.Sprintf(`{"iss":%q,%s}`, srv.ClientID(), good), "no kid"},
		{"iss twice", head, fmt.Sprintf(`{"iss":"x","iss":%q,%s}`, srv.ClientID(), good), `"iss" twice`},
		{"alg twice", fmt.Sprintf(`{"alg":"none","alg":"ES256","kid":%q}`, srv.KeyID()), fmt.Sprintf(`{"iss":%q,%s}`, srv.ClientID(), good), `"alg" twice`},
		{"exp null", head, fmt.Sprintf(`{"iss":%q,"sub":%q,"aud":%q,"iat":%d,"exp":null,"jti":"j"}`, srv.ClientID(), srv.ClientID(), axm.Audience, now), "exp is missing or not whole seconds"},
		{"aud a list that holds it", head, fmt.Sprintf(`{"iss":%q,"sub":%q,"aud":["x",%q],"iat":%d,"exp":%d,"jti":"j"}`, srv.ClientID(), srv.ClientID(), axm.Audience, now, now+3600), ""},
	} {
		form := tokenRequest(srv, jwsforge.Sign(srv.PrivateKey(), tc.header, strings.Replace(tc.payload, `"jti":"j"`, `"jti":"`+tc.name+`"`, 1)), axm.ScopeBusiness)
		form.Del("client_id") // optional: the assertion names the account
		got := post(t, srv, form)
		if tc.rule == "" && got.status != 200 || tc.rule != "" && (got.Error != "invalid_client" || !strings.Contains(got.Desc, tc.rule)) {
			t.Errorf("%s: %+v; want %q", tc.name, got, tc.rule)
		}
	}
}

func TestAPIRefusesExpiredAndUnknownTokens(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	tok := faketest.TokenOfLifetime(t, srv.Endpoint, apitest.Must(t, axm.NewTokenSource, srv.Config()), 10*time.Minute)
	get := func(auth string) int {
		var header http.Header
		if auth != "" {
			header = http.Header{"Authorization": {auth}}
		}
		return faketest.Status(t, srv.Client(), srv.URL+"/v1/orgDevices", header)
	}
	if c := get("Bearer " + tok.Value); c != 200 {
		t.Fatalf("issued token: %d", c)
	}
	for _, auth := range []string{"", "Bearer ", "Bearer not-issued-here", "Basic " + tok.Value} {
		if c := get(auth); c != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, c)
		}
	}
	srv.Advance(10 * time.Minute)
	if c := get("Bearer " + tok.Value); c != 401 || !strings.Contains(srv.Stats().LastRejected, "expired") {
		t.Errorf("expired token: %d (%s), want 401 for expiry", c, srv.Stats().LastRejected)
	}
}

func TestHangHoldsExchangesUntilRelease(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	faketest.ExpectHeldUntilRelease(t, srv.Endpoint, apitest.Must(t, axm.NewTokenSource, srv.Config()), func() int { return srv.Stats().Held })
	if st := srv.Stats(); st.Held != 0 || st.Exchanges != 1 {
		t.Errorf("stats %+v; want nothing held and one exchange", st)
	}
}

// TestHeldExchangeWhoseClientGaveUpGetsNoResponse: a request that Hang
// holds and whose client gives up is aborted, never answered.
func TestHeldExchangeWhoseClientGaveUpGetsNoResponse(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	faketest.ExpectGivenUpRequestsGetNoResponse(t, srv.Endpoint, srv.Client(), http.MethodPost, srv.URL+axmtest.TokenPath, func() int { return srv.Stats().Held })
}
