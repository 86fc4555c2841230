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
// The token endpoint takes what Apple's own clients send: the parameters in
// the POST's form or in its URL query (Apple's page posts them with curl
// in the query), at [TokenPath] or [TokenPathV2] (where micromdm/nanoaxm
// posts, the assertion's audience), and one assertion reused for every
// exchange of its life (Apple's sample signs one for 180 days; nanoaxm
// keeps one), as well as a fresh one each time, which package axm sends.
//
// Its checks are its own, read with the toolkit every fake of this module
// shares (crypto/ecdsa directly), not the axm package's, so that a test
// against it is an independent check of what axm sends. It speaks that
// toolkit's vocabulary: the clock moves with Advance (or SetClock), the
// token endpoint fails with Fail until Recover and hangs with Hang until
// Release (a request whose client gives up meanwhile is aborted),
// RevokeTokens forgets every access token, and Stats counts Exchanges,
// Refusals and Failures at the token endpoint and Accepted and Rejected
// (with LastRejection) at the API.
package axmtest

import (
	"crypto/ecdsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// TokenPath is where the fake's token endpoint listens: the path of Apple's
// [axm.TokenURL].
const TokenPath = "/auth/oauth2/token"

// TokenPathV2 is the token endpoint's other path, the one of the
// assertion's audience ([axm.Audience]), where micromdm/nanoaxm posts.
const TokenPathV2 = "/auth/oauth2/v2/token"

// Server is a fake token endpoint and API on an [httptest.Server]. URL and
// Client come from the embedded server (whose own Config field is at
// srv.Server.Config); Now, Advance, SetClock, SetTokenLifetime, Recover,
// Hang, Release and RevokeTokens from the embedded [fakeserver.Endpoint], the part that
// mapstest shares.
type Server struct {
	*httptest.Server
	*fakeserver.Endpoint

	keys  *fakeserver.Keys // of one team: the account's client ID
	key   fakeserver.Key
	scope string
	fake  fakeserver.EndpointParts

	mu         sync.Mutex
	assertions []string
	stats      Stats
}

// Stats are the server's counters, for tests to assert on, in the words
// every fake of this module uses: Accepted, Rejected and LastRejection for
// the API's requests, as in asctest, and Exchanges, Refusals and Failures
// for the token endpoint's, as in mapstest.
type Stats struct {
	Exchanges     int    // token requests answered with an access token
	Refusals      int    // token requests answered with an OAuth error, Fail's included
	Failures      int    // of those, the ones answered with Fail's error
	Accepted      int    // API requests whose access token passed
	Rejected      int    // API requests answered 401
	LastRejection string // why the last API request was answered 401
	LastRefusal   string // the error_description of the last refusal, naming the rule
	Held          int    // exchanges waiting now, held by Hang

	LastRejected string // LastRejection, under its first name
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
	prefix := "BUSINESSAPI."
	if scope == axm.ScopeSchool {
		prefix = "SCHOOLAPI."
	} else {
		scope = axm.ScopeBusiness
	}
	s := &Server{keys: fakeserver.NewKeysOf(prefix + fakeserver.NewUUID()), scope: scope}
	s.Endpoint, s.fake = fakeserver.NewEndpoint(DefaultTokenLifetime)
	// Business Manager's key IDs are UUIDs, and the client ID is the
	// assertion's issuer.
	s.key = s.keys.Register(fakeserver.NewUUID(), s.keys.Team())
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenPath, s.token)
	mux.HandleFunc("POST "+TokenPathV2, s.token)
	mux.HandleFunc("GET /v1/orgDevices", s.orgDevices)
	s.Server = fakeserver.NewUnstarted(mux)
	return s
}

// Close lets go of the requests held by Hang and shuts the server down:
// [httptest.Server.Close] after Release.
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
		KeyID:      s.key.ID,
		ClientID:   s.key.TeamID,
		PrivateKey: s.key.PrivateKey,
		TokenURL:   s.URL + TokenPath,
		Client:     s.Client(),
		Now:        s.Now,
	}
}

// KeyID returns the account's key ID.
func (s *Server) KeyID() string { return s.key.ID }

// ClientID returns the account's client ID.
func (s *Server) ClientID() string { return s.key.TeamID }

// PrivateKey returns the account's key, which lives in memory only.
func (s *Server) PrivateKey() *ecdsa.PrivateKey { return s.key.PrivateKey }

// Fail makes the token endpoint answer every request from now on with
// status (Apple answers 400, invalid_client included) and an error in RFC
// 6749's OAuth shape: code ("invalid_client", "invalid_grant",
// "invalid_scope", ...; empty: "server_error") and description, until
// Recover. Hang holds the requests instead, until Release.
func (s *Server) Fail(status int, code, description string) {
	if code == "" {
		code = "server_error"
	}
	s.fake.Faults.Fail(fakeserver.Failure{Status: status, Code: code, Description: description})
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Held = s.fake.Faults.Held()
	st.LastRejected = st.LastRejection
	return st
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
	fail := s.fake.Faults.Hold(r)
	status, code, detail := http.StatusOK, "", ""
	if fail != nil {
		status, code, detail = fail.Status, fail.Code, fail.Description
	} else {
		status, code, detail = s.exchange(r)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	if code != "" {
		s.count(func(st *Stats) {
			st.Refusals++
			st.LastRefusal = detail
			if fail != nil {
				st.Failures++
			}
		})
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": detail})
		return
	}
	life := s.fake.Lifetime()
	s.count(func(st *Stats) { st.Exchanges++ })
	tok := s.fake.Access.Issue(s.Now().Add(life))
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(life / time.Second),
	})
}

// exchange checks a token request, returning the status and OAuth error
// code of a refusal with a description that names the rule broken, or an
// empty code for a request that earns an access token. The parameters may
// come in the form or in the URL's query, as Apple's page sends them with
// curl, each once.
func (s *Server) exchange(r *http.Request) (status int, code, detail string) {
	if mt := r.Header.Get("Content-Type"); !strings.HasPrefix(mt, "application/x-www-form-urlencoded") {
		return http.StatusBadRequest, "invalid_request", "the request is not an application/x-www-form-urlencoded form"
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return http.StatusBadRequest, "invalid_request", "the form does not parse"
	}
	form := r.Form // the body's parameters and the query's
	for name, vv := range form {
		if len(vv) != 1 {
			return http.StatusBadRequest, "invalid_request", "parameter " + fakejwt.DescribeName(name) + " appears more than once"
		}
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
	if id, ok := form["client_id"]; ok && id[0] != s.ClientID() {
		return http.StatusBadRequest, "invalid_client", "client_id is not the client ID of the assertion's account"
	}
	s.mu.Lock()
	s.assertions = append(s.assertions, assertion)
	s.mu.Unlock()
	if rule := s.verify(assertion, s.Now()); rule != "" {
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
		s.count(func(st *Stats) { st.Rejected++; st.LastRejection = why })
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{
			"status": "401", "code": "NOT_AUTHORIZED",
			"title":  "Authentication credentials are missing or invalid.",
			"detail": why,
		}}})
		return
	}
	s.count(func(st *Stats) { st.Accepted++ })
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(orgDevicesJSON))
}

// authorize says why r's access token is refused, or "" when it passes.
func (s *Server) authorize(r *http.Request) string {
	tok, err := fakeserver.Bearer(r)
	if err != nil {
		return "no bearer token in the Authorization header: " + err.Error()
	}
	if err := s.fake.Access.Check(tok, s.Now()); err != nil {
		return err.Error()
	}
	return ""
}

const orgDevicesJSON = `{"data":[` +
	`{"type":"orgDevices","id":"XABC123X0ABC123X0","attributes":{"serialNumber":"XABC123X0ABC123X0","deviceModel":"iPad Air","productFamily":"iPad","status":"ASSIGNED"}},` +
	`{"type":"orgDevices","id":"C02XXXXXXXXX","attributes":{"serialNumber":"C02XXXXXXXXX","deviceModel":"MacBook Air","productFamily":"Mac","status":"UNASSIGNED"}}` +
	`],"links":{"self":"/v1/orgDevices"},"meta":{"paging":{"limit":100}}}`
