package signinwithapple_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// newClient makes a client of the fake, with its Verifier.
func newClient(t *testing.T, srv *signinwithappletest.Server, v *signinwithapple.Verifier) (*signinwithapple.Client, ascjwt.TokenSource) {
	t.Helper()
	return newClientTo(t, srv, v, "")
}

// newClientTo makes a client of the fake's secrets and client ID, with
// Verifier v, that sends its requests to baseURL over plain HTTP: a server
// of the test's that answers what the fake would not. "" is the fake.
func newClientTo(t *testing.T, srv *signinwithappletest.Server, v *signinwithapple.Verifier, baseURL string) (*signinwithapple.Client, ascjwt.TokenSource) {
	t.Helper()
	src := newSource(t, srv.Config())
	cfg := srv.ClientConfig(v)
	if baseURL != "" {
		cfg.BaseURL, cfg.HTTPClient = baseURL, nil
	}
	c, err := signinwithapple.NewClient(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, src
}

// TestExchangeRefreshRevokeWithTheFake: the whole server side of a login
// and an account deletion against the fake: a code exchanged for tokens
// whose id_token is verified; the refresh token checked; the refresh token
// revoked, after which Apple answers invalid_grant.
func TestExchangeRefreshRevokeWithTheFake(t *testing.T) {
	srv, v := newFake(t)
	client, _ := newClient(t, srv, v)
	code, _ := srv.Authorize(signinwithappletest.Authorization{Email: "a@example.com"})
	tokens, err := client.Exchange(bg, code, "")
	if err != nil {
		t.Fatal(err)
	}
	if tokens.AccessToken == "" || tokens.RefreshToken == "" || tokens.IDToken == "" || tokens.ID == nil ||
		tokens.ID.Subject != srv.Subject() || tokens.ID.Email != "a@example.com" || !tokens.ID.EmailVerified ||
		!tokens.Expiry.Equal(srv.Now().Add(signinwithappletest.AccessTokenLifetime)) {
		t.Fatalf("tokens %+v, id %+v", tokens, tokens.ID)
	}

	refreshed, err := client.Refresh(bg, tokens.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.RefreshToken != tokens.RefreshToken || refreshed.AccessToken == tokens.AccessToken || refreshed.ID == nil || refreshed.ID.Subject != srv.Subject() {
		t.Fatalf("refreshed %+v", refreshed)
	}

	if err := client.Revoke(bg, tokens.RefreshToken, signinwithapple.RefreshTokenHint); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Revoked; n != 1 {
		t.Fatalf("%d authorizations revoked, want 1", n)
	}
	_, err = client.Refresh(bg, tokens.RefreshToken)
	var te *signinwithapple.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" || !strings.Contains(te.Description, "revoked") {
		t.Fatalf("refresh after revocation: %v", err)
	}
	// Revoking what Apple does not know is not an error: Apple answers 200.
	if err := client.Revoke(bg, "r0123456789abcdef.0.unknown", signinwithapple.AccessTokenHint); err != nil {
		t.Errorf("revoking an unknown token: %v", err)
	}
	if st := srv.Stats(); st.Granted != 2 || st.Refused != 1 || st.Accepted != 4 || st.Rejected != 1 || st.Revoked != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestClientSendsApplesFormFieldsOnly: each request posts exactly the form
// fields of Apple's "Generate and validate tokens" and "Revoke tokens",
// redirect_uri only when given and token_type_hint only when set, to the
// paths under BaseURL, with a client secret the fake accepts.
func TestClientSendsApplesFormFieldsOnly(t *testing.T) {
	fake := signinwithappletest.NewUnstartedServer() // for its secret check only
	defer fake.Close()
	var mu sync.Mutex
	var got []string
	var secrets []string
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || len(r.URL.Query()) != 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var names []string
		for name, values := range r.PostForm {
			if len(values) != 1 {
				names = append(names, name+"(repeated)")
			}
			v := values[0]
			if name == "client_secret" {
				secrets = append(secrets, v)
				v = "secret"
			}
			names = append(names, name+"="+v)
		}
		slices.Sort(names)
		mu.Lock()
		got = append(got, r.URL.Path+" "+strings.Join(names, " "))
		mu.Unlock()
		if r.URL.Path == "/auth/revoke" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"a1.0.x","token_type":"Bearer","expires_in":3600,"refresh_token":"r1.0.x","id_token":"x.y.z"}`)
	}))
	defer plain.Close()
	client, _ := newClientTo(t, fake, nil, plain.URL+"/")
	id := fake.ClientID()
	if _, err := client.Exchange(bg, "c1.0.x", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Exchange(bg, "c2.0.x", "https://example.com/cb"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Refresh(bg, "r1.0.x"); err != nil {
		t.Fatal(err)
	}
	if err := client.Revoke(bg, "r1.0.x", signinwithapple.RefreshTokenHint); err != nil {
		t.Fatal(err)
	}
	if err := client.Revoke(bg, "a1.0.x", ""); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/auth/token client_id=" + id + " client_secret=secret code=c1.0.x grant_type=authorization_code",
		"/auth/token client_id=" + id + " client_secret=secret code=c2.0.x grant_type=authorization_code redirect_uri=https://example.com/cb",
		"/auth/token client_id=" + id + " client_secret=secret grant_type=refresh_token refresh_token=r1.0.x",
		"/auth/revoke client_id=" + id + " client_secret=secret token=r1.0.x token_type_hint=refresh_token",
		"/auth/revoke client_id=" + id + " client_secret=secret token=a1.0.x",
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range secrets {
		if err := fake.VerifyClientSecret(s, id); err != nil {
			t.Errorf("the client secret sent is refused by the fake: %v", err)
		}
	}
	if err := client.Revoke(bg, "a1.0.x", "id_token"); err == nil || !strings.Contains(err.Error(), "hint") {
		t.Errorf("an unknown hint: %v", err)
	}
}

// TestEachTokenErrorCode: each code of Apple's ErrorResponse comes back as
// a *TokenError with Apple's code and description, and a message that says
// what usually causes it and holds no secret, code or token. The fake's own
// rules produce invalid_client and invalid_grant; Fail stands in for the
// codes a well-formed request does not get.
func TestEachTokenErrorCode(t *testing.T) {
	cases := []struct {
		code  string
		setup func(*signinwithappletest.Server, *signinwithapple.Client, ascjwt.TokenSource) (string, func() error)
		cause string
	}{
		{"invalid_client", func(srv *signinwithappletest.Server, _ *signinwithapple.Client, _ ascjwt.TokenSource) (string, func() error) {
			cfg := srv.Config()
			cfg.PrivateKey = apitest.NewKey(t) // a key the fake does not know
			other, err := signinwithapple.NewClient(newSource(t, cfg), srv.ClientConfig(nil))
			if err != nil {
				t.Fatal(err)
			}
			code := srv.IssueCode("")
			return code, func() error { _, err := other.Exchange(bg, code, ""); return err }
		}, "signed for another client ID"},
		{"invalid_grant", func(srv *signinwithappletest.Server, c *signinwithapple.Client, _ ascjwt.TokenSource) (string, func() error) {
			code := srv.IssueCode("")
			if _, err := c.Exchange(bg, code, ""); err != nil {
				t.Fatal(err)
			}
			return code, func() error { _, err := c.Exchange(bg, code, ""); return err }
		}, "used twice"},
		{"invalid_request", failing(http.StatusBadRequest, "invalid_request"), "malformed"},
		{"unauthorized_client", failing(http.StatusBadRequest, "unauthorized_client"), "not allowed this grant type"},
		{"unsupported_grant_type", failing(http.StatusBadRequest, "unsupported_grant_type"), "authorization_code and refresh_token"},
		{"invalid_scope", failing(http.StatusBadRequest, "invalid_scope"), "scope"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			srv, v := newFake(t)
			client, src := newClient(t, srv, v)
			code, call := tc.setup(srv, client, src)
			err := call()
			var te *signinwithapple.TokenError
			if !errors.As(err, &te) || te.Code != tc.code {
				t.Fatalf("%v, want a *TokenError %s", err, tc.code)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "signinwithapple: Apple answered "+tc.code) || !strings.Contains(msg, tc.cause) {
				t.Errorf("message %q, want Apple's code and %q", msg, tc.cause)
			}
			if srv.Stats().LastRejection != "" && !strings.Contains(te.Description, srv.Stats().LastRejection) {
				t.Errorf("description %q, want the fake's rule %q", te.Description, srv.Stats().LastRejection)
			}
			if strings.Contains(msg, code) || strings.Contains(msg, "eyJ") {
				t.Errorf("the message quotes the code or a secret: %s", msg)
			}
		})
	}
}

// failing sets the fake to answer every request with code, and exchanges a
// fresh code.
func failing(status int, code string) func(*signinwithappletest.Server, *signinwithapple.Client, ascjwt.TokenSource) (string, func() error) {
	return func(srv *signinwithappletest.Server, c *signinwithapple.Client, _ ascjwt.TokenSource) (string, func() error) {
		authCode := srv.IssueCode("")
		srv.Fail(status, code, "Apple's words for "+code)
		return authCode, func() error { _, err := c.Exchange(bg, authCode, ""); return err }
	}
}

// TestInvalidClientSignsANewSecret: after Apple answers invalid_client the
// secret is dropped, so that the next request carries a new one.
func TestInvalidClientSignsANewSecret(t *testing.T) {
	srv, v := newFake(t)
	client, src := newClient(t, srv, v)
	first := apitest.MustToken(t, src.Token)
	srv.Fail(http.StatusBadRequest, "invalid_client", "")
	if _, err := client.Exchange(bg, srv.IssueCode(""), ""); err == nil {
		t.Fatal("no error")
	}
	srv.Recover()
	if _, err := client.Exchange(bg, srv.IssueCode(""), ""); err != nil {
		t.Fatal(err)
	}
	if second := apitest.MustToken(t, src.Token); second.Value == first.Value {
		t.Error("the refused secret is still in use")
	}
}

// TestAcceptedSecretRefusedLaterIsReplacedAtOnce: a secret Apple accepted
// and then refuses with invalid_client was revoked (its key, say), which a
// new secret cures: it is replaced at once, even within a minute of the
// last secret dropped, where one never accepted waits out the minute.
func TestAcceptedSecretRefusedLaterIsReplacedAtOnce(t *testing.T) {
	srv, v := newFake(t) // its clock stands still: everything below is within a minute
	client, src := newClient(t, srv, v)
	exchange := func() error { _, err := client.Exchange(bg, srv.IssueCode(""), ""); return err }
	first := apitest.MustToken(t, src.Token).Value
	srv.Fail(http.StatusBadRequest, "invalid_client", "")
	if exchange() == nil {
		t.Fatal("no error")
	}
	second := apitest.MustToken(t, src.Token).Value
	if second == first {
		t.Fatal("the first refused secret was not dropped")
	}
	if exchange() == nil {
		t.Fatal("no error")
	}
	if apitest.MustToken(t, src.Token).Value != second {
		t.Fatal("a secret never accepted was dropped twice within a minute")
	}
	srv.Recover()
	if err := exchange(); err != nil {
		t.Fatal(err)
	}
	srv.Fail(http.StatusBadRequest, "invalid_client", "")
	if exchange() == nil {
		t.Fatal("no error")
	}
	if apitest.MustToken(t, src.Token).Value == second {
		t.Error("the secret Apple accepted and then refused is still in use")
	}
}

// wrapped is a source that wraps another, as one that logs would, and says
// so with Unwrap.
type wrapped struct{ ascjwt.TokenSource }

func (w wrapped) Unwrap() ascjwt.TokenSource { return w.TokenSource }

// TestInvalidClientSeesThroughWrappers: a source wrapped (for logging, say)
// is still told that Apple refused its secret, through Unwrap.
func TestInvalidClientSeesThroughWrappers(t *testing.T) {
	srv, v := newFake(t)
	src := newSource(t, srv.Config())
	client, err := signinwithapple.NewClient(wrapped{src}, srv.ClientConfig(v))
	if err != nil {
		t.Fatal(err)
	}
	first := apitest.MustToken(t, src.Token)
	srv.Fail(http.StatusBadRequest, "invalid_client", "")
	if _, err := client.Exchange(bg, srv.IssueCode(""), ""); err == nil {
		t.Fatal("no error")
	}
	if second := apitest.MustToken(t, src.Token); second.Value == first.Value {
		t.Error("the wrapped source still hands out the refused secret")
	}
}

// recording is a source that wraps another and records the secrets it is
// told Apple accepted, as ascjwt.AcceptanceRecorder's TokenAccepted is told.
type recording struct {
	wrapped
	mu       sync.Mutex
	accepted []string
}

func (r *recording) TokenAccepted(tok *ascjwt.Token) {
	r.mu.Lock()
	r.accepted = append(r.accepted, tok.Value)
	r.mu.Unlock()
}

// TestAcceptedSecretIsRecorded: a 200 from the token or revocation endpoint
// tells the source that Apple accepted the secret (so that one refused
// later is replaced at once); an ErrorResponse does not.
func TestAcceptedSecretIsRecorded(t *testing.T) {
	srv, v := newFake(t)
	src := newSource(t, srv.Config())
	rec := &recording{wrapped: wrapped{src}}
	client, err := signinwithapple.NewClient(wrapped{rec}, srv.ClientConfig(v))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := client.Exchange(bg, srv.IssueCode(""), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Revoke(bg, tokens.RefreshToken, signinwithapple.RefreshTokenHint); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Exchange(bg, "c-unknown", ""); err == nil {
		t.Fatal("an unknown code was taken")
	}
	secret := apitest.MustToken(t, src.Token).Value
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.accepted) != 2 || rec.accepted[0] != secret || rec.accepted[1] != secret {
		t.Errorf("%d acceptances recorded, want the two 200s with the current secret", len(rec.accepted))
	}
}

// TestTokenErrorCarriesNoSecret: an ErrorResponse whose description echoes
// the request (a proxy in between may) comes back with the secret, code
// and token removed and control characters escaped.
func TestTokenErrorCarriesNoSecret(t *testing.T) {
	fake := signinwithappletest.NewUnstartedServer()
	defer fake.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant",
			"error_description": "bad: " + r.PostForm.Get("code") + r.PostForm.Get("refresh_token") + " secret " + r.PostForm.Get("client_secret") + "\x1b[31m\nforged line"})
	}))
	defer echo.Close()
	client, src := newClientTo(t, fake, nil, echo.URL)
	secret := apitest.MustToken(t, src.Token).Value
	for _, call := range []func() error{
		func() error { _, err := client.Exchange(bg, "c0123456789.0.secretcode", ""); return err },
		func() error { _, err := client.Refresh(bg, "r0123456789.0.secretrefresh"); return err },
	} {
		err := call()
		var te *signinwithapple.TokenError
		if !errors.As(err, &te) {
			t.Fatal(err)
		}
		for _, leak := range []string{secret, "secretcode", "secretrefresh", "\x1b", "\nforged"} {
			if strings.Contains(err.Error(), leak) || strings.Contains(te.Description, leak) {
				t.Errorf("the error carries %q: %v", leak, err)
			}
		}
	}
}

// TestClientErrorsWithoutAnErrorResponse: a status Apple's ErrorResponse
// does not come with, a body too large, a redirect, a body that is not a
// TokenResponse, are errors that say so, never a *TokenError.
func TestClientErrorsWithoutAnErrorResponse(t *testing.T) {
	fake := signinwithappletest.NewUnstartedServer()
	defer fake.Close()
	var followed bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed = true }))
	defer target.Close()
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"503", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }, "503 Service Unavailable without an ErrorResponse"},
		{"html 400", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
		}, "400 Bad Request without an ErrorResponse"},
		{"huge", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, strings.Repeat(" ", 2<<20)) }, "over 1024 KiB"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>") }, "not a TokenResponse"},
		{"no access token", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"token_type":"Bearer"}`) }, "no access_token"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
		}, "redirected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			client, _ := newClientTo(t, fake, nil, srv.URL)
			_, err := client.Exchange(bg, "c1.0.x", "")
			var te *signinwithapple.TokenError
			if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "signinwithapple: ") {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
	if followed {
		t.Error("the redirect was followed, with the client secret")
	}
}

// TestClientRequestsCarryNoTraceButTheDeadline: the caller's
// httptrace.ClientTrace does not see the requests (their form holds the
// client secret), and the caller's deadline still ends a request to a
// hanging endpoint.
func TestClientRequestsCarryNoTraceButTheDeadline(t *testing.T) {
	srv, v := newFake(t)
	client, _ := newClient(t, srv, v)
	traced := false
	ctx := httptrace.WithClientTrace(bg, &httptrace.ClientTrace{WroteHeaders: func() { traced = true }, GotConn: func(httptrace.GotConnInfo) { traced = true }})
	if _, err := client.Exchange(ctx, srv.IssueCode(""), ""); err != nil {
		t.Fatal(err)
	}
	if traced {
		t.Error("the caller's trace saw the request")
	}
	srv.Hang()
	defer srv.Release()
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := client.Exchange(ctx, srv.IssueCode(""), ""); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("%v after %s, want the deadline", err, time.Since(start))
	}
}

// TestExchangeVerifiesTheIDToken: with a Verifier, an exchange whose
// id_token is missing, refused, or for another of the Verifier's client IDs
// than the exchange's fails.
func TestExchangeVerifiesTheIDToken(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	cfg := srv.VerifierConfig()
	cfg.ClientIDs = append(cfg.ClientIDs, "com.example.other")
	v, err := signinwithapple.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, idToken, want string
	}{
		{"none", "", "no id_token"},
		{"another client", srv.Sign(appleClaims("com.example.other", srv.Now())), "not ClientConfig.ClientID"},
		{"expired", srv.Sign(appleClaims(srv.ClientID(), srv.Now().Add(-time.Hour))), "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "a.0.x", "token_type": "Bearer", "expires_in": 3600, "id_token": tc.idToken})
			}))
			defer plain.Close()
			client, _ := newClientTo(t, srv, v, plain.URL)
			if _, err := client.Exchange(bg, "c.0.x", ""); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
}

// TestSecretForAnotherClientIsCaughtBeforeSending: a client secret whose
// "sub" is not the client_id, Apple's most common cause of invalid_client,
// is refused before any request, with an error that says so.
func TestSecretForAnotherClientIsCaughtBeforeSending(t *testing.T) {
	srv, _ := newFake(t)
	cfg := srv.Config()
	cfg.ClientID = "com.example.app"
	client, err := signinwithapple.NewClient(newSource(t, cfg), srv.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Exchange(bg, srv.IssueCode(""), ""); err == nil || !strings.Contains(err.Error(), `"sub" is not ClientConfig.ClientID`) {
		t.Fatalf("%v", err)
	}
	if st := srv.Stats(); st.Accepted+st.Rejected != 0 {
		t.Errorf("a request was sent: %+v", st)
	}
}

// TestNewClientRefusesBadConfig: what would fail at Apple is refused up
// front.
func TestNewClientRefusesBadConfig(t *testing.T) {
	srv, v := newFake(t)
	src := newSource(t, srv.Config())
	for _, tc := range []struct {
		src  ascjwt.TokenSource
		cfg  signinwithapple.ClientConfig
		want string
	}{
		{nil, signinwithapple.ClientConfig{ClientID: "com.example.web"}, "secret source is nil"},
		{src, signinwithapple.ClientConfig{}, "ClientConfig.ClientID is empty"},
		{src, signinwithapple.ClientConfig{ClientID: "com.example.web", BaseURL: "http://appleid.apple.com"}, "plain http"},
		{src, signinwithapple.ClientConfig{ClientID: "com.example.web", BaseURL: "https://appleid.apple.com?x=1"}, "query"},
		{src, signinwithapple.ClientConfig{ClientID: "com.example.web", Verifier: v}, "does not accept ClientConfig.ClientID"},
	} {
		if _, err := signinwithapple.NewClient(tc.src, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	client, err := signinwithapple.NewClient(src, srv.ClientConfig(v))
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, err := client.Exchange(bg, "", ""); return err },
		func() error { _, err := client.Refresh(bg, strings.Repeat("r", 5000)); return err },
		func() error { return client.Revoke(bg, "", signinwithapple.AccessTokenHint) },
	} {
		if err := call(); err == nil || strings.Contains(err.Error(), "rrrrrrrr") {
			t.Errorf("%v", err)
		}
	}
}

// TestTokensPrintNoTokens: Tokens printed with any verb, logged or encoded
// show none of the tokens.
func TestTokensPrintNoTokens(t *testing.T) {
	srv, v := newFake(t)
	client, _ := newClient(t, srv, v)
	tokens, err := client.Exchange(bg, srv.IssueCode(""), "")
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("login", "tokens", tokens, "value", *tokens)
	js, _ := json.Marshal(tokens)
	text, _ := tokens.MarshalText()
	var gobbed bytes.Buffer
	if err := gob.NewEncoder(&gobbed).Encode(tokens); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(tokens), fmt.Sprintf("%+v", *tokens), fmt.Sprintf("%#v", *tokens), fmt.Sprintf("%x", *tokens), fmt.Sprintf("%q", tokens), logged.String(), string(js), string(text), gobbed.String()} {
		for _, secret := range []string{tokens.AccessToken, tokens.RefreshToken, tokens.IDToken, strings.Split(tokens.IDToken, ".")[2]} {
			if strings.Contains(out, secret) {
				t.Errorf("printed a token: %s", out)
			}
		}
		if !strings.Contains(out, srv.Subject()) {
			t.Errorf("printed %s, want the subject", out)
		}
	}
}
