package axmtest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
)

// sign makes a compact ES256 JWS of header and claims by hand, so that a
// test can break any rule.
func sign(t *testing.T, key *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
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

func TestTokenEndpointRefusesEachRuleBroken(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	now := time.Unix(1_780_000_000, 0)
	srv.SetClock(func() time.Time { return now })
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	n := 0
	base := func() (map[string]any, map[string]any, url.Values) {
		n++
		header := map[string]any{"alg": "ES256", "kid": srv.KeyID()}
		claims := map[string]any{
			"iss": srv.ClientID(), "sub": srv.ClientID(), "aud": axm.Audience,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "jti-" + strconv.Itoa(n),
		}
		form := url.Values{
			"grant_type":            {"client_credentials"},
			"client_id":             {srv.ClientID()},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"scope":                 {axm.ScopeBusiness},
		}
		return header, claims, form
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
			h, cl, f := base()
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

func TestTokenEndpointRefusesAReusedJTI(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	now := srv.Now()
	a := sign(t, srv.PrivateKey(), map[string]any{"alg": "ES256", "kid": srv.KeyID()}, map[string]any{
		"iss": srv.ClientID(), "sub": srv.ClientID(), "aud": axm.Audience,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "once",
	})
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {a},
		"scope":                 {axm.ScopeBusiness},
	}
	if got := post(t, srv, form); got.status != 200 {
		t.Fatalf("first use: %+v", got)
	}
	if got := post(t, srv, form); got.Error != "invalid_client" || !strings.Contains(got.Desc, "jti was used before") {
		t.Fatalf("second use: %+v; want the jti refused", got)
	}
}

func TestAPIRefusesExpiredAndUnknownTokens(t *testing.T) {
	srv := axmtest.NewServer()
	defer srv.Close()
	srv.SetTokenLifetime(10 * time.Minute)
	src, err := axm.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := tok.Expiry.Sub(tok.IssuedAt); d != 10*time.Minute {
		t.Errorf("lifetime %v; want SetTokenLifetime's 10m", d)
	}
	get := func(auth string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/orgDevices", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
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
	srv.Hang()
	src, err := axm.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := src.Token(t.Context())
		done <- err
	}()
	for srv.Stats().Held == 0 {
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("exchange returned (%v) while held", err)
	default:
	}
	srv.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Held != 0 || st.Exchanges != 1 {
		t.Errorf("stats %+v; want nothing held and one exchange", st)
	}
}
