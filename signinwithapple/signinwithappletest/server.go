// Package signinwithappletest is a fake Sign in with Apple token endpoint on
// loopback, for testing code that exchanges authorization codes with Apple.
// It checks each client_secret the way Apple's "Creating a client secret"
// says, with its own ECDSA verification (crypto/ecdsa, not this module's
// signer), and answers as Apple's "Generate and validate tokens" does: a
// TokenResponse for a good request, an ErrorResponse such as
// {"error":"invalid_client"} with status 400 for any other.
//
//	srv := signinwithappletest.NewServer() // TLS on loopback; a fresh P-256 key made in memory
//	defer srv.Close()
//	src, err := signinwithapple.NewClientSecretSource(srv.Config())
//	code := srv.IssueCode("") // what the app gets from Apple when a user signs in
//	// POST client_id, client_secret, code and grant_type to srv.TokenURL() with srv.Client()
//
// What it does differently from Apple: its id_token is signed ES256 with a
// key of its own ([Server.IDTokenKey]), where Apple's are RS256 under the
// keys at https://appleid.apple.com/auth/keys; and it says which rule a
// refused request broke in [Server.Stats], which Apple never does.
package signinwithappletest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/signinwithapple"
)

// CodeLifetime is how long an authorization code may be exchanged: Apple's
// are single-use and valid for five minutes.
const CodeLifetime = 5 * time.Minute

// IDTokenLifetime is exp - iat of the id_tokens the server issues.
const IDTokenLifetime = 10 * time.Minute

// Server is a fake Sign in with Apple endpoint on an [httptest.Server]:
// POST /auth/token exchanges a code or a refresh token, GET /auth/authorize
// issues a code and redirects as Apple does after a user signs in. URL,
// Client and Close come from the embedded [httptest.Server].
type Server struct {
	*httptest.Server

	teamID, keyID, clientID string
	key                     *ecdsa.PrivateKey // the developer's Sign in with Apple key
	appleKey                *ecdsa.PrivateKey // signs the server's id_tokens

	clock fakeserver.Clock

	mu      sync.Mutex
	codes   map[string]*grant
	refresh map[string]string // refresh token -> client ID
	secrets map[string]struct{}
	stats   Stats
}

// grant is an authorization code as Apple issued it.
type grant struct {
	clientID    string
	redirectURI string // empty when the authorization request had none
	issued      time.Time
	used        bool
}

// Stats are the server's counters, for tests to assert on.
type Stats struct {
	Granted int // token requests answered with a TokenResponse
	Refused int // token requests answered with an ErrorResponse
	// Secrets counts the distinct client secrets accepted: reuse shows as 1.
	Secrets int
	// LastError is the "error" of the last ErrorResponse: "invalid_client",
	// "invalid_grant", ...
	LastError string
	// LastRejection names the rule the last refused request broke, which
	// Apple's answer does not say: "exp is more than 15777000 s after iat".
	LastRejection string
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
		teamID:   fakeserver.NewID(),
		keyID:    fakeserver.NewID(),
		clientID: "com.example.web.signin",
		key:      fakeserver.NewKey(),
		appleKey: fakeserver.NewKey(),
		codes:    make(map[string]*grant),
		refresh:  make(map[string]string),
		secrets:  make(map[string]struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/auth/token", s.token)
	mux.HandleFunc("/auth/authorize", s.authorize)
	s.Server = fakeserver.NewUnstarted(mux)
	return s
}

// Config returns a [signinwithapple.Config] for the server's key, Team ID
// and client ID, on the server's clock: pass it to
// [signinwithapple.NewClientSecretSource]. This method hides the embedded
// [httptest.Server]'s Config field; that one is srv.Server.Config.
func (s *Server) Config() signinwithapple.Config {
	return signinwithapple.Config{KeyID: s.keyID, TeamID: s.teamID, ClientID: s.clientID, PrivateKey: s.key, Now: s.Now}
}

// ClientID returns the client ID the server knows (a Services ID).
func (s *Server) ClientID() string { return s.clientID }

// TokenURL is the server's token endpoint, in place of
// [signinwithapple.TokenURL].
func (s *Server) TokenURL() string { return s.URL + "/auth/token" }

// AuthURL is the server's authorization endpoint, in place of
// [signinwithapple.AuthURL].
func (s *Server) AuthURL() string { return s.URL + "/auth/authorize" }

// IDTokenKey is the public key the server's id_tokens verify with.
func (s *Server) IDTokenKey() *ecdsa.PublicKey { return &s.appleKey.PublicKey }

// Now returns the server's clock reading, which the configs it hands out
// share: moving it moves the sources' clocks too.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock forward by d, to see secrets and codes
// age without waiting.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// SetClock replaces the server's clock; nil restores [time.Now].
func (s *Server) SetClock(now func() time.Time) { s.clock.Set(now) }

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// IssueCode returns a new authorization code for the server's client ID, as
// Apple gives one to an app when a user signs in: single-use, valid for
// [CodeLifetime]. redirectURI is the redirect_uri of the authorization
// request, which the exchange must repeat; empty for none (an app's code).
func (s *Server) IssueCode(redirectURI string) string {
	code := randomToken("c")
	issued := s.Now()
	s.mu.Lock()
	s.codes[code] = &grant{clientID: s.clientID, redirectURI: redirectURI, issued: issued}
	s.mu.Unlock()
	return code
}

func randomToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b) + ".0.fake"
}

// authorize stands in for the page where a user signs in: it issues a code
// for client_id and redirect_uri and redirects there with it and state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("redirect_uri") == "" {
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
	v := to.Query()
	v.Set("code", s.IssueCode(q.Get("redirect_uri")))
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// token is Apple's token endpoint: client authentication by client_secret
// first, then the grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if code, rule := s.exchange(w, r); code != "" {
		s.refuse(w, code, rule)
	}
}

// maxForm bounds a token request's body; Apple's are a few hundred bytes.
const maxForm = 64 << 10

// exchange answers a good request with a TokenResponse and returns the
// error code and the rule broken for any other, which it leaves to token to
// answer, so that every refusal is answered the same way.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request) (errCode, rule string) {
	if r.Method != http.MethodPost {
		return "invalid_request", "the token endpoint takes POST"
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return "invalid_request", "the body must be application/x-www-form-urlencoded"
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return "invalid_request", "the form does not parse"
	}
	form := r.PostForm
	for _, v := range form {
		if len(v) != 1 {
			return "invalid_request", "a parameter is repeated"
		}
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if _, _, basic := r.BasicAuth(); basic {
		if secret != "" {
			return "invalid_request", "client credentials both in an Authorization header and in the form: more than one mechanism"
		}
		return "invalid_client", "no client_secret in the form: Apple takes it as a form field, not in an Authorization header (oauth2.AuthStyleInParams)"
	}
	switch {
	case clientID == "":
		return "invalid_client", "no client_id"
	case secret == "":
		return "invalid_client", "no client_secret"
	case clientID != s.clientID:
		return "invalid_client", "client_id is not the server's client ID (compared case by case)"
	}
	now := s.Now()
	if err := verify(secret, s.keyID, &s.key.PublicKey, s.teamID, clientID, now); err != nil {
		return "invalid_client", err.Error()
	}
	var refresh string
	switch form.Get("grant_type") {
	case "authorization_code":
		if rule := s.redeem(form.Get("code"), clientID, form.Get("redirect_uri"), now); rule != "" {
			return "invalid_grant", rule
		}
		refresh = randomToken("r")
	case "refresh_token":
		s.mu.Lock()
		owner, ok := s.refresh[form.Get("refresh_token")]
		s.mu.Unlock()
		if !ok || owner != clientID {
			return "invalid_grant", "refresh_token is not one the server issued to this client"
		}
	case "":
		return "invalid_request", "no grant_type"
	default:
		return "unsupported_grant_type", "grant_type is neither authorization_code nor refresh_token"
	}
	s.grantTokens(w, clientID, secret, refresh, now)
	return "", ""
}

// redeem spends an authorization code, returning the rule it breaks.
func (s *Server) redeem(code, clientID, redirectURI string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.codes[code]
	switch {
	case !ok:
		return "code is not one the server issued"
	case g.used:
		return "code has already been used"
	case now.Sub(g.issued) > CodeLifetime:
		return "code is more than five minutes old"
	case g.clientID != clientID:
		return "code was issued to another client"
	case g.redirectURI != redirectURI:
		return "redirect_uri is not the one of the authorization request (send it only if that request had one)"
	}
	g.used = true
	return ""
}

// tokenResponse is Apple's TokenResponse.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token"`
}

func (s *Server) grantTokens(w http.ResponseWriter, clientID, secret, refresh string, now time.Time) {
	idToken := s.idToken(clientID, now)
	s.mu.Lock()
	if refresh != "" {
		s.refresh[refresh] = clientID
	}
	s.stats.Granted++
	if _, seen := s.secrets[secret]; !seen {
		s.secrets[secret] = struct{}{}
		s.stats.Secrets++
	}
	s.mu.Unlock()
	answer(w, http.StatusOK, tokenResponse{AccessToken: randomToken("a"), TokenType: "Bearer", ExpiresIn: 3600, RefreshToken: refresh, IDToken: idToken})
}

// refuse answers an ErrorResponse with status 400, as Apple does.
func (s *Server) refuse(w http.ResponseWriter, code, rule string) {
	s.mu.Lock()
	s.stats.Refused++
	s.stats.LastError, s.stats.LastRejection = code, rule
	s.mu.Unlock()
	answer(w, http.StatusBadRequest, map[string]string{"error": code})
}

func answer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// idToken makes the identity token of a sign-in: Apple's claims, signed
// ES256 with the server's own key.
func (s *Server) idToken(clientID string, now time.Time) string {
	head, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": "fakeapple"})
	payload, _ := json.Marshal(map[string]any{
		"iss": "https://appleid.apple.com", "aud": clientID, "sub": "001234." + strings.TrimSuffix(randomToken(""), ".0.fake") + ".0001",
		"iat": now.Unix(), "exp": now.Add(IDTokenLifetime).Unix(), "auth_time": now.Unix(),
	})
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(head) + "." + enc.EncodeToString(payload)
	return input + "." + enc.EncodeToString(signRaw(s.appleKey, input))
}
