// Package axmtest is a fake Apple School Manager and Apple Business Manager
// API for tests: a token endpoint that checks client assertions the way
// Apple's page "Implementing OAuth for the Apple School Manager and Apple
// Business API" describes them (RFC 7523) and issues access tokens, and an
// API route, GET /v1/orgDevices, that takes those tokens and refuses expired
// or unknown ones with 401. It runs on loopback with TLS, like
// [httptest.NewTLSServer]:
//
//	srv := axmtest.NewServer()
//	defer srv.Close()
//	src, err := axm.NewTokenSource(srv.Config())
//	client := ascjwt.NewClient(srv.Client(), src)
//	resp, err := client.Get(srv.URL + "/v1/orgDevices")
//
// Its checks are its own (crypto/ecdsa directly), not the axm package's, so
// that a test against it is an independent check of what axm sends.
package axmtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/axm"
)

// TokenPath is where the fake's token endpoint listens.
const TokenPath = "/auth/oauth2/token"

// Server is a fake token endpoint and API on an [httptest.Server]. URL,
// Client and Close come from the embedded server (whose own Config field is
// at srv.Server.Config).
type Server struct {
	*httptest.Server

	keyID, clientID, scope string
	key                    *ecdsa.PrivateKey

	mu         sync.Mutex
	clock      func() time.Time
	offset     time.Duration
	lifetime   time.Duration
	jtis       map[string]time.Time // jti -> the assertion's exp: a jti is refused until then
	tokens     map[string]time.Time // access token -> its expiry
	assertions []string
	fail       *failure
	hang       chan struct{} // non-nil while exchanges hang; closed to release them
	stats      Stats
}

// failure is the answer every exchange gets while the endpoint is failing.
type failure struct {
	status            int
	code, description string
}

// Stats are the server's counters, for tests to assert on.
type Stats struct {
	Exchanges    int    // token requests answered with an access token
	Refusals     int    // token requests answered with an OAuth error
	Accepted     int    // API requests whose access token passed
	Rejected     int    // API requests answered 401
	LastRefusal  string // the error_description of the last refusal, naming the rule
	LastRejected string // why the last API request was answered 401
	Held         int    // exchanges waiting now, held by Hang
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// DefaultTokenLifetime is the expires_in of the fake's access tokens unless
// SetTokenLifetime says otherwise: one hour, as Apple's are.
const DefaultTokenLifetime = time.Hour

// NewServer starts a TLS server for an Apple Business Manager API account
// (client ID "BUSINESSAPI.…", scope business.api) with a key made afresh in
// memory. Use srv.Config() for a token source and srv.Client() as the base
// client.
func NewServer() *Server {
	s := NewUnstartedServer(axm.ScopeBusiness)
	s.StartTLS()
	return s
}

// NewSchoolServer is [NewServer] for an Apple School Manager API account
// (client ID "SCHOOLAPI.…", scope school.api).
func NewSchoolServer() *Server {
	s := NewUnstartedServer(axm.ScopeSchool)
	s.StartTLS()
	return s
}

// NewUnstartedServer returns a server for an account of scope
// ([axm.ScopeBusiness] or [axm.ScopeSchool]) that is not yet listening, as
// [httptest.NewUnstartedServer] does: call StartTLS (or Start for plain
// HTTP), and Close when done.
func NewUnstartedServer(scope string) *Server {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("axmtest: generate a P-256 key: " + err.Error())
	}
	prefix := "BUSINESSAPI."
	if scope == axm.ScopeSchool {
		prefix = "SCHOOLAPI."
	} else {
		scope = axm.ScopeBusiness
	}
	s := &Server{
		keyID:    newUUID(),
		clientID: prefix + newUUID(),
		scope:    scope,
		key:      key,
		clock:    time.Now,
		lifetime: DefaultTokenLifetime,
		jtis:     make(map[string]time.Time),
		tokens:   make(map[string]time.Time),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenPath, s.token)
	mux.HandleFunc("GET /v1/orgDevices", s.orgDevices)
	s.Server = httptest.NewUnstartedServer(mux)
	// Closing a server with connections open makes net/http log their
	// handshakes cut short; that is noise in a test's output.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// Close releases exchanges held by Hang and shuts the server down.
func (s *Server) Close() {
	s.Release()
	s.Server.Close()
}

// Config returns an [axm.Config] for the server's account, its token
// endpoint, its TLS client and its clock: pass it to [axm.NewTokenSource].
// This method hides the embedded [httptest.Server]'s Config field; that one
// is srv.Server.Config.
func (s *Server) Config() axm.Config {
	return axm.Config{
		KeyID:      s.keyID,
		ClientID:   s.clientID,
		PrivateKey: s.key,
		TokenURL:   s.URL + TokenPath,
		Client:     s.Client(),
		Now:        s.Now,
	}
}

// KeyID returns the account's key ID.
func (s *Server) KeyID() string { return s.keyID }

// ClientID returns the account's client ID.
func (s *Server) ClientID() string { return s.clientID }

// PrivateKey returns the account's key, which lives in memory only.
func (s *Server) PrivateKey() *ecdsa.PrivateKey { return s.key }

// Now is the server's clock: the real time unless SetClock replaced it,
// moved by Advance.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock().Add(s.offset)
}

// Advance moves the server's clock forward by d, so that a test can let
// tokens age without sleeping.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// SetClock replaces the server's clock (Advance still moves it).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.clock = now
	s.mu.Unlock()
}

// SetTokenLifetime sets the expires_in of access tokens issued from now on.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	s.lifetime = d
	s.mu.Unlock()
}

// Fail makes every exchange from now on fail with an OAuth error in RFC
// 6749's shape: status (Apple answers 400, invalid_client included), code
// ("invalid_client", "invalid_grant", "invalid_scope", ...) and description.
// Recover undoes it.
func (s *Server) Fail(status int, code, description string) {
	s.mu.Lock()
	s.fail = &failure{status, code, description}
	s.mu.Unlock()
}

// Recover makes exchanges succeed again after Fail.
func (s *Server) Recover() {
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
}

// Hang makes every exchange from now on wait, answering nothing, until
// Release or Close, or until the client gives up on it.
func (s *Server) Hang() {
	s.mu.Lock()
	if s.hang == nil {
		s.hang = make(chan struct{})
	}
	s.mu.Unlock()
}

// Release lets exchanges held by Hang go on, and later ones run at once.
func (s *Server) Release() {
	s.mu.Lock()
	if s.hang != nil {
		close(s.hang)
		s.hang = nil
	}
	s.mu.Unlock()
}

// RevokeTokens makes every access token issued so far unknown, as a revoked
// key's would be: the API answers their requests with 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Assertions returns the client assertions the token endpoint has received,
// in order, for a test to check them by other means.
func (s *Server) Assertions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.assertions...)
}

// token is the token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hang := s.hang
	s.mu.Unlock()
	if hang != nil {
		s.count(func(st *Stats) { st.Held++ })
		select {
		case <-hang:
			s.count(func(st *Stats) { st.Held-- })
		case <-r.Context().Done():
			s.count(func(st *Stats) { st.Held-- })
			return
		}
	}
	status, code, detail := s.exchange(r)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	if code != "" {
		s.mu.Lock()
		s.stats.Refusals++
		s.stats.LastRefusal = detail
		s.mu.Unlock()
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": detail})
		return
	}
	tok := newToken()
	s.mu.Lock()
	now := s.clock().Add(s.offset)
	life := s.lifetime
	s.tokens[tok] = now.Add(life)
	s.stats.Exchanges++
	s.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(life / time.Second),
	})
}

// exchange checks a token request, returning the status and OAuth error
// code of a refusal with a description that names the rule broken, or an
// empty code for a request that earns an access token.
func (s *Server) exchange(r *http.Request) (status int, code, detail string) {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		return fail.status, fail.code, fail.description
	}
	if mt := r.Header.Get("Content-Type"); !strings.HasPrefix(mt, "application/x-www-form-urlencoded") {
		return http.StatusBadRequest, "invalid_request", "the request is not an application/x-www-form-urlencoded form"
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return http.StatusBadRequest, "invalid_request", "the form does not parse"
	}
	form := r.PostForm
	for name, vv := range form {
		if len(vv) != 1 {
			return http.StatusBadRequest, "invalid_request", "parameter " + quote(name) + " appears more than once"
		}
	}
	if len(r.URL.Query()) != 0 {
		// Parameters in the URL end up in logs along the way.
		return http.StatusBadRequest, "invalid_request", "parameters belong in the body, not the URL"
	}
	if g := form.Get("grant_type"); g != "client_credentials" {
		return http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials"
	}
	if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return http.StatusBadRequest, "invalid_request", "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	}
	assertion := form.Get("client_assertion")
	if assertion == "" {
		return http.StatusBadRequest, "invalid_request", "client_assertion is missing"
	}
	if id, ok := form["client_id"]; ok && id[0] != s.clientID {
		return http.StatusBadRequest, "invalid_client", "client_id is not the client ID of the assertion's account"
	}
	s.mu.Lock()
	s.assertions = append(s.assertions, assertion)
	now := s.clock().Add(s.offset)
	s.mu.Unlock()
	if rule := s.verify(assertion, now); rule != "" {
		return http.StatusBadRequest, "invalid_client", rule
	}
	if sc := form.Get("scope"); sc != s.scope {
		return http.StatusBadRequest, "invalid_scope", "scope must be " + s.scope + " for this client ID"
	}
	return http.StatusOK, "", ""
}

// orgDevices is GET /v1/orgDevices: a page of canned devices in JSON:API's
// shape, for a request whose access token the server issued and is not
// expired; else Apple's 401.
func (s *Server) orgDevices(w http.ResponseWriter, r *http.Request) {
	if why := s.authorize(r); why != "" {
		s.mu.Lock()
		s.stats.Rejected++
		s.stats.LastRejected = why
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{
			"status": "401", "code": "NOT_AUTHORIZED",
			"title":  "Authentication credentials are missing or invalid.",
			"detail": why,
		}}})
		return
	}
	s.mu.Lock()
	s.stats.Accepted++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(orgDevicesJSON))
}

// authorize says why r's access token is refused, or "" when it passes.
func (s *Server) authorize(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		return "no bearer token in the Authorization header"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	switch {
	case !known:
		return "the access token is unknown: not issued here, or revoked"
	case !s.clock().Add(s.offset).Before(exp):
		return "the access token has expired"
	}
	return ""
}

const orgDevicesJSON = `{"data":[` +
	`{"type":"orgDevices","id":"XABC123X0ABC123X0","attributes":{"serialNumber":"XABC123X0ABC123X0","deviceModel":"iPad Air","productFamily":"iPad","status":"ASSIGNED"}},` +
	`{"type":"orgDevices","id":"C02XXXXXXXXX","attributes":{"serialNumber":"C02XXXXXXXXX","deviceModel":"MacBook Air","productFamily":"Mac","status":"UNASSIGNED"}}` +
	`],"links":{"self":"/v1/orgDevices"},"meta":{"paging":{"limit":100}}}`

// newToken returns a random opaque access token.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newUUID returns a random version 4 UUID, the form of Apple's key IDs and
// of the IDs in client IDs.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// quote shows a short name from a request, escaped.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strconv.QuoteToASCII(s)
}
