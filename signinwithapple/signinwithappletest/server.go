// Package signinwithappletest is a fake Sign in with Apple server on
// loopback, for testing the server side of a login: it signs identity
// tokens and notifications as Apple does and checks what a server sends
// it as Apple does, so that login code runs against it unchanged.
//
//	srv := signinwithappletest.NewServer() // TLS on loopback; keys made in memory
//	defer srv.Close()
//	src, err := signinwithapple.NewClientSecretSource(srv.Config())
//	v, err := signinwithapple.NewVerifier(srv.VerifierConfig())
//	client, err := signinwithapple.NewClient(src, srv.ClientConfig(v))
//	code, idToken := srv.Authorize(signinwithappletest.Authorization{Email: "a@example.com"})
//	tokens, err := client.Exchange(ctx, code, "")
//
// It serves, as Apple's REST API does:
//
//   - GET /auth/keys, its RSA key set (a JWKS, as "Fetch Apple's public key
//     for verifying token signature" gives Apple's), with [Server.RotateKeys]
//     to sign with a new key from then on;
//   - POST /auth/token ("Generate and validate tokens"): a code or refresh
//     token exchanged for a TokenResponse with an RS256 id_token, or an
//     ErrorResponse whose error_description names the rule broken;
//   - POST /auth/revoke ("Revoke tokens"): 200, revoking the user's
//     authorization when the token is one it issued; invalid_client for a
//     bad client secret;
//   - GET /auth/authorize, standing in for the page where a user signs in.
//
// Identity tokens carry Apple's claims ("Authenticating users with Sign in
// with Apple"), email_verified and is_private_email as the strings Apple
// sent for years unless [Authorization].BooleanFlags asks for booleans, and
// verify with coreos/go-oidc and the npm apple-signin-auth as they are.
// [Server.PostNotification] delivers a server-to-server notification
// ("Processing changes for Sign in with Apple accounts"). Client secrets
// are checked with the fake's own ES256 verification (crypto/ecdsa), not
// this module's signer, by the rules of "Creating a client secret".
//
// What it does differently from Apple: its keys, IDs and users are its
// own; it says which rule a refused request broke in the ErrorResponse and
// in [Server.Stats], where Apple's descriptions are terser; and its clock
// moves when a test says ([Server.Advance]).
package signinwithappletest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/signinwithapple"
)

// CodeLifetime is how long an authorization code may be exchanged: Apple's
// are single-use and valid for five minutes.
const CodeLifetime = 5 * time.Minute

// IDTokenLifetime is exp - iat of the id_tokens the server issues.
const IDTokenLifetime = 10 * time.Minute

// NotificationLifetime is exp - iat of the notifications the server signs.
const NotificationLifetime = 24 * time.Hour

// AccessTokenLifetime is the expires_in of the access tokens the server
// issues, as Apple's TokenResponse gives it.
const AccessTokenLifetime = time.Hour

// Server is a fake Sign in with Apple server on an [httptest.Server]. URL,
// Client and Close come from the embedded [httptest.Server].
type Server struct {
	*httptest.Server

	dev      fakeserver.Key // the developer's Sign in with Apple key, of one team
	clientID string
	subject  string // the server's user

	clock  fakeclock.Clock
	faults fakeserver.Faults

	mu      sync.Mutex
	apple   []*appleKey // the published keys, newest last: it signs
	codes   map[string]*authCode
	refresh map[string]*grant // refresh token -> the authorization it belongs to
	access  map[string]*grant // access token -> the same
	secrets map[string]struct{}
	stats   Stats
}

// grant is a user's authorization of a client, which the tokens of one
// code share and one revocation ends.
type grant struct {
	clientID string
	auth     Authorization
	revoked  bool
}

// authCode is an authorization code as Apple issued it.
type authCode struct {
	grant  *grant
	issued time.Time
	used   bool
}

// Stats are the server's counters, for tests to assert on.
type Stats struct {
	// Accepted counts the requests to the token and revocation endpoints
	// that passed; Rejected those answered with an ErrorResponse;
	// LastRejection names the rule the last one broke, as its
	// error_description does: "exp is more than 15777000 s after iat".
	Accepted, Rejected int
	LastRejection      string
	// Granted counts token requests answered with a TokenResponse and
	// Refused token requests answered with an ErrorResponse (Accepted and
	// Rejected for the token endpoint alone).
	Granted, Refused int
	// Secrets counts the distinct client secrets accepted: reuse shows as 1.
	Secrets int
	// LastError is the "error" of the last ErrorResponse: "invalid_client",
	// "invalid_grant", ...
	LastError string
	// Revoked counts the authorizations revoked at /auth/revoke.
	Revoked int
	// KeyFetches counts the requests for the key set at /auth/keys.
	KeyFetches int
	// Held is the number of requests waiting now, held by Hang.
	Held int
}

// NewServer starts a TLS server with a Team ID, key ID, client ID and
// P-256 key of its own, made afresh: use srv.Config() for a client secret
// source and srv.Client() to reach it.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.StartTLS()
	return s
}

// NewUnstartedServer returns a server that is not yet listening, as
// [httptest.NewUnstartedServer] does: call Start or StartTLS, and Close when
// done.
func NewUnstartedServer() *Server {
	s := &Server{
		dev:      fakeserver.NewKeys().Add(),
		clientID: "com.example.web.signin",
		subject:  newSubject(),
		codes:    make(map[string]*authCode),
		refresh:  make(map[string]*grant),
		access:   make(map[string]*grant),
		secrets:  make(map[string]struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/auth/token", s.token)
	mux.HandleFunc("/auth/revoke", s.revoke)
	mux.HandleFunc("/auth/keys", s.keys)
	mux.HandleFunc("/auth/authorize", s.authorizePage)
	s.Server = fakeserver.NewUnstarted(s.failing(mux))
	return s
}

// Close releases requests held by Hang and shuts the server down.
func (s *Server) Close() {
	s.Release()
	s.Server.Close()
}

// Config returns a [signinwithapple.Config] for the server's key, Team ID
// and client ID, on the server's clock: pass it to
// [signinwithapple.NewClientSecretSource]. This method hides the embedded
// [httptest.Server]'s Config field; that one is srv.Server.Config.
func (s *Server) Config() signinwithapple.Config {
	return signinwithapple.Config{KeyID: s.dev.ID, TeamID: s.dev.TeamID, ClientID: s.clientID, PrivateKey: s.dev.PrivateKey, Now: s.Now}
}

// VerifierConfig returns a [signinwithapple.VerifierConfig] that trusts the
// server's keys, for its client ID, on its clock and through its client.
func (s *Server) VerifierConfig() signinwithapple.VerifierConfig {
	return signinwithapple.VerifierConfig{ClientIDs: []string{s.clientID}, KeysURL: s.KeysURL(), HTTPClient: s.Client(), Now: s.Now}
}

// ClientConfig returns a [signinwithapple.ClientConfig] for the server's
// client ID and endpoints, with v (which may be nil) to verify id_tokens.
func (s *Server) ClientConfig(v *signinwithapple.Verifier) signinwithapple.ClientConfig {
	return signinwithapple.ClientConfig{ClientID: s.clientID, BaseURL: s.URL, HTTPClient: s.Client(), Verifier: v}
}

// ClientID returns the client ID the server knows (a Services ID).
func (s *Server) ClientID() string { return s.clientID }

// Subject returns the ID of the server's user, the "sub" of its tokens
// unless an [Authorization] names another.
func (s *Server) Subject() string { return s.subject }

// TokenURL is the server's token endpoint, in place of
// [signinwithapple.TokenURL].
func (s *Server) TokenURL() string { return s.URL + "/auth/token" }

// RevokeURL is the server's revocation endpoint, in place of
// [signinwithapple.RevokeURL].
func (s *Server) RevokeURL() string { return s.URL + "/auth/revoke" }

// KeysURL is the server's key set, in place of [signinwithapple.KeysURL].
func (s *Server) KeysURL() string { return s.URL + "/auth/keys" }

// AuthURL is the server's authorization endpoint, in place of
// [signinwithapple.AuthURL].
func (s *Server) AuthURL() string { return s.URL + "/auth/authorize" }

// Now returns the server's clock reading, which the configs it hands out
// share: moving it moves the sources' and verifiers' clocks too.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock forward by d, to see secrets, codes and
// tokens age without waiting.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// SetClock replaces the server's clock; nil restores [time.Now].
func (s *Server) SetClock(now func() time.Time) { s.clock.SetClock(now) }

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Held = s.faults.Held()
	return st
}

// Fail makes every request from now on (keys included) fail with status
// and, when code is not empty, an ErrorResponse with code and description,
// as Apple's endpoints do when they are in trouble.
func (s *Server) Fail(status int, code, description string) {
	s.faults.Fail(fakeserver.Failure{Status: status, Code: code, Description: description})
}

// Recover makes requests succeed again after Fail.
func (s *Server) Recover() { s.faults.Recover() }

// Hang makes every request from now on (keys included) wait, answering
// nothing, until Release or Close is called or the client gives up.
func (s *Server) Hang() { s.faults.Hang() }

// Release lets requests held by Hang go on, and later ones run at once.
func (s *Server) Release() { s.faults.Release() }

// RevokeTokens revokes every authorization so far, as users who stop using
// Sign in with Apple with the app do: their refresh tokens get
// invalid_grant from then on.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.refresh {
		g.revoked = true
	}
	for _, g := range s.access {
		g.revoked = true
	}
}

// failing puts Fail and Hang in front of h; a request whose client gave
// up while held is aborted ([fakeserver.Faults.Hold]).
func (s *Server) failing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch fail := s.faults.Hold(r); {
		case fail == nil:
			h.ServeHTTP(w, r)
		case fail.Code == "":
			w.WriteHeader(fail.Status)
		default:
			writeJSON(w, fail.Status, errorResponse{Error: fail.Code, Description: fail.Description})
		}
	})
}

// Authorization is one sign-in as the server issues it: who the user is and
// what the authorization request asked. The zero value is the server's
// user signing in from an app, sharing no email.
type Authorization struct {
	// Subject is the user's ID; "" means the server's user ([Server.Subject]).
	Subject string
	// Email is the address the user shared, "" for none; IsPrivateEmail
	// says it is a private relay address.
	Email          string
	IsPrivateEmail bool
	// Nonce is the nonce of the authorization request, "" for none.
	Nonce string
	// RedirectURI is the redirect_uri of the authorization request, which
	// the exchange must repeat; "" for none (an app's code).
	RedirectURI string
	// RealUserStatus is real_user_status (0 unsupported, 1 unknown, 2
	// likely real), sent when not 0.
	RealUserStatus int
	// TransferSubject is transfer_sub, sent when not "".
	TransferSubject string
	// BooleanFlags sends email_verified and is_private_email as JSON
	// booleans; by default they are the strings "true" and "false", as
	// Apple sent them for years (its page allows either).
	BooleanFlags bool
}

// Authorize signs a user in as Apple does for an app: it returns the
// authorization code (single-use, valid for [CodeLifetime]) and the
// identity token that the app receives, both for a.
func (s *Server) Authorize(a Authorization) (code, idToken string) {
	if a.Subject == "" {
		a.Subject = s.subject
	}
	code = randomToken("c")
	now := s.Now()
	s.mu.Lock()
	s.codes[code] = &authCode{grant: &grant{clientID: s.clientID, auth: a}, issued: now}
	s.mu.Unlock()
	return code, s.idToken(s.clientID, a, now, map[string]any{"c_hash": halfHash(code)})
}

// IssueCode returns a new authorization code for the server's client ID and
// user, as Apple gives one to an app when a user signs in: single-use,
// valid for [CodeLifetime]. redirectURI is the redirect_uri of the
// authorization request, which the exchange must repeat; empty for none
// (an app's code).
func (s *Server) IssueCode(redirectURI string) string {
	code, _ := s.Authorize(Authorization{RedirectURI: redirectURI})
	return code
}

func randomToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b) + ".0.fake"
}

// newSubject makes a user ID in the form of Apple's:
// "001234.<32 hex digits>.0123".
func newSubject() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return "00" + h[:4] + "." + h[4:36] + "." + h[32:36]
}

// authorizePage stands in for the page where a user signs in: it issues a
// code for client_id, redirect_uri and nonce, and redirects there with it
// and state.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" && q.Get("response_type") != "code id_token" || q.Get("redirect_uri") == "" {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != s.clientID {
		http.Error(w, "invalid_client", http.StatusBadRequest)
		return
	}
	to, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !to.IsAbs() {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	}
	code, idToken := s.Authorize(Authorization{RedirectURI: q.Get("redirect_uri"), Nonce: q.Get("nonce")})
	v := to.Query()
	v.Set("code", code)
	if q.Get("response_type") == "code id_token" {
		v.Set("id_token", idToken)
	}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// errorResponse is Apple's ErrorResponse.
type errorResponse struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
