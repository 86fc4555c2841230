// Package mapstest provides a fake Apple Maps Server API for tests, in the
// spirit of net/http/httptest: a TLS server on loopback with a token
// endpoint that checks the signed JWT the way Apple describes and issues
// access tokens, and an API route that takes them.
//
//	srv := mapstest.NewServer() // TLS; a fresh P-256 key, key ID and team ID
//	defer srv.Close()
//	src, err := maps.NewTokenSource(srv.Config())
//	client := ascjwt.NewClient(srv.Client(), src)
//	resp, err := client.Get(srv.URL + "/v1/geocode?q=1+Apple+Park+Way")
//
// GET /v1/token answers {"accessToken":...,"expiresInSeconds":1800} to a
// JWT that passes [Verify] whose scope, if any, includes server_api, and
// 401 with Apple's ErrorResponse otherwise. GET /v1/geocode answers canned
// JSON to a current access token, and 401 to an unknown or expired one.
// Tests move the server's clock (Advance), set the access tokens' lifetime,
// make the token endpoint fail or hang, expire every access token, and read
// counters (Stats).
package mapstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/maps"
)

// DefaultTokenLifetime is how long the access tokens live unless
// SetTokenLifetime says otherwise: Apple's expiresInSeconds today.
const DefaultTokenLifetime = 1800 * time.Second

// Server is a fake Maps Server API on an [httptest.Server]. URL, Client and
// Close come from the embedded server (whose own Config field is at
// srv.Server.Config).
type Server struct {
	*httptest.Server

	keyID, teamID string
	key           *ecdsa.PrivateKey

	mu       sync.Mutex
	offset   time.Duration
	lifetime time.Duration
	tokens   map[string]time.Time // access tokens issued, with their expiry
	jwts     map[string]struct{}  // JWTs presented at the token endpoint
	stats    Stats
	fail     int           // status the token endpoint answers; 0 for none
	hang     chan struct{} // closed to let hung exchanges go on; nil when not hanging
}

// Stats are the server's counters, for tests to assert on.
type Stats struct {
	Exchanges        int    // access tokens issued
	ExchangeRefusals int    // token requests answered 401 (the JWT broke a rule)
	ExchangeFailures int    // token requests answered with FailExchanges' status
	APICalls         int    // API requests answered with their access token accepted
	APIRefusals      int    // API requests answered 401
	LastRefusal      string // the rule the last 401 names
	JWTs             int    // distinct JWTs presented at the token endpoint: a JWT reused shows as 1
}

// NewServer starts a TLS server with a key made afresh in memory. Use
// srv.Config() for a token source: it carries the server's URL, client and
// clock.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.StartTLS()
	return s
}

// NewUnstartedServer returns a server that is not yet listening, as
// [httptest.NewUnstartedServer] does: call StartTLS (or Start, for plain
// HTTP on loopback), and Close when done.
func NewUnstartedServer() *Server {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("mapstest: generate key: " + err.Error()) // crypto/rand does not fail
	}
	s := &Server{keyID: newID(), teamID: newID(), key: key, lifetime: DefaultTokenLifetime, tokens: make(map[string]time.Time), jwts: make(map[string]struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/token", s.token)
	mux.HandleFunc("/v1/geocode", s.geocode)
	s.Server = httptest.NewUnstartedServer(mux)
	// Connections cut short at Close make net/http log; noise, not news.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// Config returns a [maps.Config] for the server's key, with TokenURL, Client
// and Now set: pass it to [maps.NewTokenSource] or [maps.NewJSTokenSource].
// This method hides the embedded server's Config field.
func (s *Server) Config() maps.Config {
	return maps.Config{KeyID: s.keyID, TeamID: s.teamID, PrivateKey: s.key,
		TokenURL: s.URL + "/v1/token", Client: s.Client(), Now: s.Now}
}

// KeyID returns the key ID the server accepts.
func (s *Server) KeyID() string { return s.keyID }

// TeamID returns the team ID the server accepts.
func (s *Server) TeamID() string { return s.teamID }

// PublicKey returns the public half of the server's key.
func (s *Server) PublicKey() *ecdsa.PublicKey { return &s.key.PublicKey }

// Verify checks a MapKit JS token for a page of origin, as [Verify] does,
// with the server's key, IDs and clock.
func (s *Server) Verify(token, origin string) (Claims, error) {
	return Verify(token, &s.key.PublicKey, s.keyID, s.teamID, origin, s.Now())
}

// Now returns the server's clock, which the configs it hands out share.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset)
}

// Advance moves the server's clock, and its configs' clocks, forward by d.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// SetTokenLifetime sets expiresInSeconds of the access tokens issued from
// now on (whole seconds).
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	s.lifetime = d
	s.mu.Unlock()
}

// FailExchanges makes the token endpoint answer status (500, 429, ...)
// with Apple's ErrorResponse from now on; 0 makes it work again.
func (s *Server) FailExchanges(status int) {
	s.mu.Lock()
	s.fail = status
	s.mu.Unlock()
}

// HangExchanges makes the token endpoint hold every request until release
// is called or the client gives up; requests released go on as usual.
// Close releases them too.
func (s *Server) HangExchanges() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hang == nil {
		s.hang = make(chan struct{})
	}
	ch := s.hang
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hang == ch {
				s.hang = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// ExpireAccessTokens makes every access token issued so far unknown, as
// Apple's are after their time: the API answers them 401.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close releases hung exchanges and shuts the server down.
func (s *Server) Close() {
	s.mu.Lock()
	ch := s.hang
	s.hang = nil
	s.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	s.Server.Close()
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "the token endpoint takes GET")
		return
	}
	s.mu.Lock()
	hang, fail := s.hang, s.fail
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	if fail != 0 {
		s.count(func(st *Stats) { st.ExchangeFailures++ })
		writeError(w, fail, http.StatusText(fail), "failing as the test asked")
		return
	}
	jwt, ok := bearer(r)
	if ok {
		s.mu.Lock()
		s.jwts[jwt] = struct{}{}
		s.stats.JWTs = len(s.jwts)
		s.mu.Unlock()
	}
	var err error
	var c Claims
	if !ok {
		err = errNoBearer
	} else if c, err = Verify(jwt, &s.key.PublicKey, s.keyID, s.teamID, r.Header.Get("Origin"), s.Now()); err == nil && c.Scope != "" && !hasWord(c.Scope, "server_api") {
		err = errScope
	}
	if err != nil {
		s.count(func(st *Stats) { st.ExchangeRefusals++; st.LastRefusal = err.Error() })
		writeError(w, http.StatusUnauthorized, "Not Authorized", err.Error())
		return
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	life := s.lifetime
	s.tokens[tok] = time.Now().Add(s.offset + life)
	s.stats.Exchanges++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"accessToken": tok, "expiresInSeconds": int64(life / time.Second)})
}

func (s *Server) geocode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "geocode takes GET")
		return
	}
	tok, ok := bearer(r)
	s.mu.Lock()
	expiry, known := s.tokens[tok]
	now := time.Now().Add(s.offset)
	rule := ""
	switch {
	case !ok:
		rule = errNoBearer.Error()
	case !known:
		rule = "unknown access token"
	case !now.Before(expiry):
		rule = "access token expired"
	}
	if rule != "" {
		s.stats.APIRefusals++
		s.stats.LastRefusal = rule
	} else {
		s.stats.APICalls++
	}
	s.mu.Unlock()
	if rule != "" {
		writeError(w, http.StatusUnauthorized, "Not Authorized", rule)
		return
	}
	if r.URL.Query().Get("q") == "" {
		writeError(w, http.StatusBadRequest, "Bad Request", "q is required")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, geocodeAnswer)
}

// geocodeAnswer is a canned Place, in the shape of Apple's SearchResponse.
const geocodeAnswer = `{"results":[{"coordinate":{"latitude":37.3349,"longitude":-122.00902},` +
	`"displayMapRegion":{"southLatitude":37.3304,"westLongitude":-122.0147,"northLatitude":37.3394,"eastLongitude":-122.0033},` +
	`"name":"Apple Park","formattedAddressLines":["1 Apple Park Way","Cupertino, CA 95014","United States"],` +
	`"country":"United States","countryCode":"US"}]}` + "\n"

type ruleError string

func (e ruleError) Error() string { return string(e) }

const (
	errNoBearer = ruleError("no bearer token in the Authorization header")
	errScope    = ruleError("scope does not include server_api")
)

func bearer(r *http.Request) (string, bool) {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return v, ok && v != ""
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// writeError answers Apple's ErrorResponse: {"error":{"message":...,
// "details":[...]}}.
func writeError(w http.ResponseWriter, status int, message, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": message, "details": []string{detail}}})
}

// newID makes a 10-character ID of upper-case letters and digits, the form
// of Apple's key IDs and team IDs.
func newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
