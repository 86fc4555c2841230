package signinwithappletest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// secret builds a client secret by hand, with the header and claims given,
// signed with key as ES256 (R||S) or, with der, as ASN.1 DER.
func secret(key *ecdsa.PrivateKey, header, claims map[string]any, der bool) string {
	if der {
		h, _ := json.Marshal(header)
		c, _ := json.Marshal(claims)
		return jwsforge.SignDER(key, string(h), string(c))
	}
	return jwsforge.SignJSON(key, header, claims)
}

// good returns the header and claims of a valid secret for srv at its clock.
func good(srv *signinwithappletest.Server) (map[string]any, map[string]any) {
	cfg := srv.Config()
	now := srv.Now().Unix()
	return map[string]any{"alg": "ES256", "kid": cfg.KeyID},
		map[string]any{"iss": cfg.TeamID, "iat": now - 60, "exp": now + 3540, "aud": "https://appleid.apple.com", "sub": cfg.ClientID}
}

// post sends a token request with form and returns the status and body.
func post(t *testing.T, srv *signinwithappletest.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// authorizePage gets the authorization page for q without following its
// redirect, and returns the response's status and where it redirects to.
func authorizePage(t *testing.T, srv *signinwithappletest.Server, q url.Values) (int, *url.URL) {
	t.Helper()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(srv.AuthURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("%d to %q: %v", resp.StatusCode, resp.Header.Get("Location"), err)
	}
	return resp.StatusCode, to
}

// TestFakeAcceptsOurSecretAndAnswersTokens: a secret from
// NewClientSecretSource with a code Apple issued gets Apple's
// TokenResponse; its refresh token gets another; the id_token verifies with
// the server's key and names the client.
func TestFakeAcceptsOurSecretAndAnswersTokens(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	tok, err := apitest.Must(t, signinwithapple.NewClientSecretSource, srv.Config()).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	status, body := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {tok.Value}, "code": {srv.IssueCode("")}, "grant_type": {"authorization_code"}})
	if status != 200 || body["token_type"] != "Bearer" || body["expires_in"] != 3600.0 || body["access_token"] == "" || body["refresh_token"] == nil {
		t.Fatalf("%d %v, want a TokenResponse", status, body)
	}
	idToken, _ := body["id_token"].(string)
	_, claims := verifyRS256(t, map[string]*rsa.PublicKey{srv.IDTokenKeyID(): srv.IDTokenKey()}, idToken)
	if claims["iss"] != "https://appleid.apple.com" || claims["aud"] != srv.ClientID() || claims["sub"] == "" {
		t.Errorf("id_token claims %v", claims)
	}
	status, body = post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {tok.Value}, "refresh_token": {body["refresh_token"].(string)}, "grant_type": {"refresh_token"}})
	if status != 200 || body["access_token"] == "" || body["refresh_token"] != nil {
		t.Fatalf("refresh: %d %v", status, body)
	}
	if st := srv.Stats(); st.Granted != 2 || st.Secrets != 1 || st.Refused != 0 {
		t.Errorf("stats %+v, want 2 granted with 1 secret", st)
	}
}

// TestFakeRefusesEachBrokenRule: each rule of Apple's broken once gets
// Apple's ErrorResponse with status 400, and the rule named in Stats.
func TestFakeRefusesEachBrokenRule(t *testing.T) {
	other := apitest.NewKey(t)
	type req struct {
		header, claims map[string]any
		key            *ecdsa.PrivateKey // nil: the server's
		der            bool
		form           func(url.Values)
		raw            string // a secret as it is, instead of one built
	}
	cases := []struct {
		name   string
		change func(*req, *signinwithappletest.Server)
		want   string // error
		rule   string // in LastRejection
	}{
		{"alg none", func(r *req, _ *signinwithappletest.Server) { r.header["alg"] = "none" }, "invalid_client", `"alg"`},
		{"alg HS256", func(r *req, _ *signinwithappletest.Server) { r.header["alg"] = "HS256" }, "invalid_client", `"alg"`},
		{"unknown kid", func(r *req, _ *signinwithappletest.Server) { r.header["kid"] = "ZZZZZZZZZZ" }, "invalid_client", `"kid"`},
		{"crit header", func(r *req, _ *signinwithappletest.Server) { r.header["crit"] = []string{"exp"} }, "invalid_client", "crit"},
		{"other key", func(r *req, _ *signinwithappletest.Server) { r.key = other }, "invalid_client", "does not verify"},
		{"DER signature", func(r *req, _ *signinwithappletest.Server) { r.der = true }, "invalid_client", "64"},
		{"not a JWS", func(r *req, _ *signinwithappletest.Server) { r.raw = "not.a-jws" }, "invalid_client", "compact JWS"},
		{"wrong team", func(r *req, _ *signinwithappletest.Server) { r.claims["iss"] = "ZZZZZZZZZZ" }, "invalid_client", `"iss"`},
		{"no iss", func(r *req, _ *signinwithappletest.Server) { delete(r.claims, "iss") }, "invalid_client", `"iss"`},
		{"wrong aud", func(r *req, _ *signinwithappletest.Server) { r.claims["aud"] = "appstoreconnect-v1" }, "invalid_client", `"aud"`},
		{"sub in other case", func(r *req, s *signinwithappletest.Server) { r.claims["sub"] = strings.ToUpper(s.ClientID()) }, "invalid_client", `"sub"`},
		{"client_id in other case", func(r *req, s *signinwithappletest.Server) {
			r.form = func(v url.Values) { v.Set("client_id", strings.ToUpper(s.ClientID())) }
		}, "invalid_client", "client_id"},
		{"iat in the future", func(r *req, s *signinwithappletest.Server) { r.claims["iat"] = s.Now().Unix() + 30 }, "invalid_client", `"iat" is in the future`},
		{"no iat", func(r *req, _ *signinwithappletest.Server) { delete(r.claims, "iat") }, "invalid_client", `"iat"`},
		{"iat a string", func(r *req, s *signinwithappletest.Server) {
			r.claims["iat"] = strconv.FormatInt(s.Now().Unix()-60, 10)
		}, "invalid_client", `"iat"`},
		{"iat in milliseconds", func(r *req, s *signinwithappletest.Server) { r.claims["iat"] = s.Now().UnixMilli() - 60000 }, "invalid_client", `"iat" is in the future`},
		{"exp in milliseconds", func(r *req, s *signinwithappletest.Server) { r.claims["exp"] = s.Now().UnixMilli() + 3540000 }, "invalid_client", "server's time"},
		{"expired", func(r *req, s *signinwithappletest.Server) { r.claims["exp"] = s.Now().Unix() }, "invalid_client", "expired"},
		{"no exp", func(r *req, _ *signinwithappletest.Server) { delete(r.claims, "exp") }, "invalid_client", `"exp"`},
		{"lifetime over 15777000 s", func(r *req, s *signinwithappletest.Server) {
			r.claims["iat"] = s.Now().Unix() - 120
			r.claims["exp"] = s.Now().Unix() - 120 + 15777001
		}, "invalid_client", `after "iat"`},
		{"exp over 15777000 s from now", func(r *req, s *signinwithappletest.Server) { r.claims["exp"] = s.Now().Unix() + 15777001 }, "invalid_client", "server's time"},
		{"future nbf", func(r *req, s *signinwithappletest.Server) { r.claims["nbf"] = s.Now().Unix() + 60 }, "invalid_client", `"nbf"`},
		{"no secret", func(r *req, _ *signinwithappletest.Server) { r.form = func(v url.Values) { v.Del("client_secret") } }, "invalid_client", "no client_secret"},
		{"secret in basic auth", func(r *req, _ *signinwithappletest.Server) { r.form = func(v url.Values) { v.Set("basic", "1") } }, "invalid_client", "form field"},
		{"code used twice", func(r *req, _ *signinwithappletest.Server) { r.form = func(v url.Values) { v.Set("reuse", "1") } }, "invalid_grant", "already been used"},
		{"code too old", func(r *req, s *signinwithappletest.Server) {
			code := s.IssueCode("")
			s.Advance(signinwithappletest.CodeLifetime + time.Second)
			r.claims["iat"], r.claims["exp"] = s.Now().Unix()-60, s.Now().Unix()+3000
			r.form = func(v url.Values) { v.Set("code", code) }
		}, "invalid_grant", "five minutes"},
		{"unknown code", func(r *req, _ *signinwithappletest.Server) { r.form = func(v url.Values) { v.Set("code", "nope") } }, "invalid_grant", "not one the server issued"},
		{"redirect_uri not the authorization's", func(r *req, _ *signinwithappletest.Server) {
			r.form = func(v url.Values) { v.Set("redirect_uri", "https://example.com/cb") }
		}, "invalid_grant", "redirect_uri"},
		{"other grant type", func(r *req, _ *signinwithappletest.Server) {
			r.form = func(v url.Values) { v.Set("grant_type", "client_credentials") }
		}, "unsupported_grant_type", "grant_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := signinwithappletest.NewServer()
			defer srv.Close()
			// A clock that moves only when told: a second ticking between
			// making the claims and checking them must not move a case
			// from one rule to another.
			fixed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			srv.SetClock(func() time.Time { return fixed })
			h, c := good(srv)
			r := &req{header: h, claims: c}
			tc.change(r, srv)
			key := r.key
			if key == nil {
				key = srv.Config().PrivateKey.(*ecdsa.PrivateKey)
			}
			value := r.raw
			if value == "" {
				value = secret(key, r.header, r.claims, r.der)
			}
			form := url.Values{"client_id": {srv.ClientID()}, "client_secret": {value}, "code": {srv.IssueCode("")}, "grant_type": {"authorization_code"}}
			if r.form != nil {
				r.form(form)
			}
			var status int
			var body map[string]any
			switch {
			case form.Get("basic") != "":
				form.Del("basic")
				req, _ := http.NewRequest("POST", srv.TokenURL(), strings.NewReader(url.Values{"client_id": form["client_id"], "code": form["code"], "grant_type": form["grant_type"]}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(srv.ClientID(), value)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				status = resp.StatusCode
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
			case form.Get("reuse") != "":
				form.Del("reuse")
				if st, b := post(t, srv, form); st != 200 {
					t.Fatalf("first use: %d %v", st, b)
				}
				status, body = post(t, srv, form)
			default:
				status, body = post(t, srv, form)
			}
			// Apple's ErrorResponse: the code, and a description that
			// names the rule broken, which a developer can act on.
			if desc, _ := body["error_description"].(string); status != http.StatusBadRequest || body["error"] != tc.want || len(body) != 2 || !strings.Contains(desc, tc.rule) {
				t.Fatalf("%d %v, want 400 {\"error\":%q,\"error_description\":...%s...}", status, body, tc.want, tc.rule)
			}
			if st := srv.Stats(); !strings.Contains(st.LastRejection, tc.rule) || st.LastError != tc.want {
				t.Errorf("stats %+v, want the rule to say %q", st, tc.rule)
			}
		})
	}
}

// TestFakeAuthorizeRedirectsWithACode: the authorization endpoint redirects
// to redirect_uri with a code and the state, and the code is bound to that
// redirect_uri.
func TestFakeAuthorizeRedirectsWithACode(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	status, to := authorizePage(t, srv, url.Values{"response_type": {"code"}, "client_id": {srv.ClientID()}, "redirect_uri": {"https://example.com/cb"}, "state": {"xyz"}})
	if status != http.StatusFound || to.Host != "example.com" || to.Query().Get("state") != "xyz" || to.Query().Get("code") == "" {
		t.Fatalf("%d to %q", status, to)
	}
	if err := srv.VerifyClientSecret("x.y.z", srv.ClientID()); err == nil {
		t.Error("VerifyClientSecret accepted garbage")
	}
}
