// Package mapstest provides a fake Apple Maps Server API for tests, in the
// spirit of net/http/httptest: a TLS server on loopback with a token
// endpoint that checks the signed JWT the way Apple's "Creating and using
// tokens with Maps Server API" describes and issues access tokens, and an
// API route that takes them.
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
// [Server.Verify] checks a MapKit JS token for a page's origin.
//
// It reads tokens with the toolkit every fake of this module shares, and
// speaks its vocabulary: the clock moves with Advance (or SetClock), the
// token endpoint fails with Fail until Recover and hangs with Hang until
// Release (a request whose client gives up meanwhile is aborted),
// RevokeTokens forgets every access token, and Stats counts
// Exchanges, Refusals and Failures at the token endpoint and Accepted and
// Rejected (with LastRejection) at the API.
package mapstest

import (
	"crypto/ecdsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/maps"
)

// DefaultTokenLifetime is how long the access tokens live unless
// SetTokenLifetime says otherwise: Apple's expiresInSeconds today.
const DefaultTokenLifetime = 1800 * time.Second

// Server is a fake Maps Server API on an [httptest.Server]. URL and Client
// come from the embedded server (whose own Config field is at
// srv.Server.Config); Now, Advance, SetClock, SetTokenLifetime, Recover,
// Hang, Release and RevokeTokens from the embedded [fakeserver.Endpoint], the part that
// axmtest shares.
type Server struct {
	*httptest.Server
	*fakeserver.Endpoint

	keys *fakeserver.Keys
	key  fakeserver.Key
	fake fakeserver.EndpointParts

	mu    sync.Mutex
	jwts  map[string]struct{} // JWTs presented at the token endpoint
	stats Stats
}

// Stats are the server's counters, for tests to assert on, in the words
// every fake of this module uses: Accepted, Rejected and LastRejection for
// the API's requests, as in asctest, and Exchanges, Refusals and Failures
// for the token endpoint's, as in axmtest.
type Stats struct {
	Exchanges     int    // access tokens issued
	Refusals      int    // token requests answered 401: the JWT broke a rule
	Failures      int    // token requests answered with Fail's status
	Accepted      int    // API requests answered with their access token accepted
	Rejected      int    // API requests answered 401
	LastRejection string // why the last API request was answered 401
	LastRefusal   string // the rule the last 401 names, of the token endpoint or the API
	JWTs          int    // distinct JWTs presented at the token endpoint: a JWT reused shows as 1
	Held          int    // exchanges waiting now, held by Hang

	// The counters' first names, which hold the same numbers.
	ExchangeRefusals int // Refusals
	ExchangeFailures int // Failures
	APICalls         int // Accepted
	APIRefusals      int // Rejected
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
	s := &Server{keys: fakeserver.NewKeys(), jwts: make(map[string]struct{})}
	s.Endpoint, s.fake = fakeserver.NewEndpoint(DefaultTokenLifetime)
	s.key = s.keys.Add()
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/token", s.token)
	mux.HandleFunc("/v1/geocode", s.geocode)
	s.Server = fakeserver.NewUnstarted(mux)
	return s
}

// Config returns a [maps.Config] for the server's key, with TokenURL, Client
// and Now set: pass it to [maps.NewTokenSource] or [maps.NewJSTokenSource].
// This method hides the embedded server's Config field.
func (s *Server) Config() maps.Config {
	return maps.Config{KeyID: s.key.ID, TeamID: s.key.TeamID, PrivateKey: s.key.PrivateKey,
		TokenURL: s.URL + "/v1/token", Client: s.Client(), Now: s.Now}
}

// KeyID returns the key ID the server accepts.
func (s *Server) KeyID() string { return s.key.ID }

// TeamID returns the team ID the server accepts.
func (s *Server) TeamID() string { return s.key.TeamID }

// PublicKey returns the public half of the server's key.
func (s *Server) PublicKey() *ecdsa.PublicKey { return &s.key.PrivateKey.PublicKey }

// Verify checks a MapKit JS token for a page of origin (the Origin header
// its browser sends; "" for none), as [Verify] does with the server's key,
// IDs and clock, and, when the token has a scope, that it includes
// mapkit_js.
func (s *Server) Verify(token, origin string) (Claims, error) {
	c, err := s.verify(token, origin)
	if err == nil && c.Scope != "" && !hasScope(c.Scope, scopeMapKitJS) {
		return Claims{}, errScopeJS
	}
	return c, err
}

func (s *Server) verify(token, origin string) (Claims, error) {
	return Verify(token, s.PublicKey(), s.key.ID, s.key.TeamID, origin, s.Now())
}

// Fail makes the token endpoint answer every request from now on with
// status (500, 429, ...) and an error in Apple's ErrorResponse shape:
// message (empty: the status's text) and detail, until Recover. Hang holds
// the requests instead, until Release.
func (s *Server) Fail(status int, message, detail string) {
	if message == "" {
		message = http.StatusText(status)
	}
	if detail == "" {
		detail = "failing as the test asked"
	}
	s.fake.Faults.Fail(fakeserver.Failure{Status: status, Code: message, Description: detail})
}

// FailExchanges is Fail(status, "", ""), and Recover for a status of 0:
// the first name of the control.
func (s *Server) FailExchanges(status int) {
	if status == 0 {
		s.Recover()
		return
	}
	s.Fail(status, "", "")
}

// HangExchanges is Hang, returning a release of this hang alone: the first
// name of the control.
func (s *Server) HangExchanges() (release func()) { return s.fake.Faults.Hang() }

// ExpireAccessTokens is RevokeTokens, under its first name: Apple's access
// tokens are unknown after their time.
func (s *Server) ExpireAccessTokens() { s.RevokeTokens() }

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Held = s.fake.Faults.Held()
	st.ExchangeRefusals, st.ExchangeFailures, st.APICalls, st.APIRefusals = st.Refusals, st.Failures, st.Accepted, st.Rejected
	return st
}

// Close lets go of the requests held by Hang and shuts the server down:
// [httptest.Server.Close] after Release.
func (s *Server) Close() {
	s.Release()
	s.Server.Close()
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "the token endpoint takes GET")
		return
	}
	fail := s.fake.Faults.Hold(r)
	if fail != nil {
		s.count(func(st *Stats) { st.Failures++ })
		writeError(w, fail.Status, fail.Code, fail.Description)
		return
	}
	jwt, err := fakeserver.Bearer(r)
	if err == nil {
		s.mu.Lock()
		s.jwts[jwt] = struct{}{}
		s.stats.JWTs = len(s.jwts)
		s.mu.Unlock()
		var c Claims
		if c, err = s.verify(jwt, r.Header.Get("Origin")); err == nil && c.Scope != "" && !hasScope(c.Scope, scopeServerAPI) {
			err = errScope
		}
	}
	if err != nil {
		s.count(func(st *Stats) { st.Refusals++; st.LastRefusal = err.Error() })
		writeError(w, http.StatusUnauthorized, "Not Authorized", err.Error())
		return
	}
	life := s.fake.Lifetime()
	s.count(func(st *Stats) { st.Exchanges++ })
	tok := s.fake.Access.Issue(s.Now().Add(life))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"accessToken": tok, "expiresInSeconds": int64(life / time.Second)})
}

func (s *Server) geocode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "geocode takes GET")
		return
	}
	rule := ""
	if tok, err := fakeserver.Bearer(r); err != nil {
		rule = err.Error()
	} else if err := s.fake.Access.Check(tok, s.Now()); err == fakeserver.ErrExpiredToken {
		rule = "access token expired"
	} else if err != nil {
		rule = "unknown access token"
	}
	s.count(func(st *Stats) {
		if rule != "" {
			st.Rejected++
			st.LastRejection, st.LastRefusal = rule, rule
		} else {
			st.Accepted++
		}
	})
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
