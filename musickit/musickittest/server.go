// Package musickittest provides a fake Apple Music API for tests, in the
// manner of net/http/httptest: a server on loopback that checks the
// developer token of every request by the rules of Apple's "Generating
// Developer Tokens", with verification code of its own, and answers a
// token it refuses the way Apple documents, with 401 ("HTTP Status
// Codes"), here with an empty body. [Server.Stats] says which rule the last
// refusal broke.
//
// Requests that pass reach GET /v1/catalog/{storefront}/songs/{id}, which
// answers any numeric ID with a song in Apple's resource shape, or the
// routes added with [Server.Handle].
//
//	srv := musickittest.NewServer()
//	defer srv.Close()
//	src, err := musickit.NewTokenSource(srv.Config())
//	client := ascjwt.NewClient(srv.Client(), src)
//	resp, err := client.Get(srv.URL + "/v1/catalog/us/songs/203709340")
package musickittest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/musickit"
)

// Server is a fake Apple Music API on an [httptest.Server]. URL, Client and
// Close come from the embedded server (whose own Config field is at
// srv.Server.Config).
type Server struct {
	*httptest.Server

	mu      sync.Mutex
	teamID  string
	keys    map[string]*keyState
	first   Key
	clock   func() time.Time
	offset  time.Duration
	stats   Stats
	seen    map[string]bool // signatures of accepted tokens
	catalog *http.ServeMux
	user    *http.ServeMux
}

// Key is a MusicKit key the server knows: its ID, its team, and its
// private key, which lives in memory only.
type Key struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
}

type keyState struct {
	Key
	revoked bool
}

// Stats are the server's counters, for tests to assert on.
type Stats struct {
	Accepted      int    // requests whose token passed
	Rejected      int    // requests answered 401
	Tokens        int    // distinct tokens among accepted requests: reuse shows as 1
	LastRejection string // the rule the last refused token broke
}

// NewServer starts a TLS server with one key, made afresh in memory. Use
// srv.Config() for a token source and srv.Client() as the base client.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.StartTLS()
	return s
}

// NewUnstartedServer returns a server that is not yet listening, as
// [httptest.NewUnstartedServer] does: call Start for plain HTTP or
// StartTLS, and Close when done.
func NewUnstartedServer() *Server {
	s := &Server{
		teamID:  newID(),
		keys:    make(map[string]*keyState),
		clock:   time.Now,
		seen:    make(map[string]bool),
		catalog: http.NewServeMux(),
		user:    http.NewServeMux(),
	}
	s.first = s.AddKey()
	s.catalog.HandleFunc("GET /v1/catalog/{storefront}/songs/{id}", s.song)
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Closing a server with connections open makes net/http log their
	// handshakes cut short: noise in a test's output.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// Config returns a [musickit.Config] for the server's first key, on the
// server's clock: pass it to [musickit.NewTokenSource]. This method hides
// the embedded [httptest.Server]'s Config field.
func (s *Server) Config() musickit.Config { return s.ConfigFor(s.first) }

// ConfigFor returns a [musickit.Config] for key k, on the server's clock.
func (s *Server) ConfigFor(k Key) musickit.Config {
	return musickit.Config{KeyID: k.ID, TeamID: k.TeamID, PrivateKey: k.PrivateKey, Now: s.Now}
}

// Key returns the server's first key, the one Config uses.
func (s *Server) Key() Key { return s.first }

// TeamID returns the Team ID of the server's keys.
func (s *Server) TeamID() string { return s.teamID }

// AddKey makes a new key the server accepts, for testing rotation.
func (s *Server) AddKey() Key {
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("musickittest: generate key: " + err.Error()) // crypto/rand does not fail
	}
	k := Key{ID: newID(), TeamID: s.teamID, PrivateKey: pk}
	s.mu.Lock()
	s.keys[k.ID] = &keyState{Key: k}
	s.mu.Unlock()
	return k
}

// Revoke makes every token of the key fail from now on, as revoking it in
// the developer account does.
func (s *Server) Revoke(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[keyID]; ok {
		k.revoked = true
	}
}

// Now returns the server's clock reading, which the configs it hands out
// use too.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock().Add(s.offset)
}

// Advance moves the server's clock forward by d, to see tokens age and
// expire without waiting.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// SetClock replaces the server's clock; nil restores [time.Now]. A fixed
// clock makes a test's tokens land exactly on the rules' edges.
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	s.clock, s.offset = now, 0
	s.mu.Unlock()
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Handle adds a route for requests whose token passed, with the patterns of
// [http.ServeMux]. Routes added here are tried before the default one.
func (s *Server) Handle(pattern string, handler http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user.Handle(pattern, handler)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	c, err := s.authenticate(r, now)
	s.mu.Lock()
	if err != nil {
		s.stats.Rejected++
		s.stats.LastRejection = err.Error()
		s.mu.Unlock()
		// Apple answers a refused developer token with a bare 401.
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.stats.Accepted++
	if !s.seen[c] {
		s.seen[c] = true
		s.stats.Tokens++
	}
	h, pattern := s.user.Handler(r)
	s.mu.Unlock()
	if pattern == "" {
		h = s.catalog
	}
	h.ServeHTTP(w, r)
}

// authenticate checks the request's token and returns its signature, which
// tells tokens apart.
func (s *Server) authenticate(r *http.Request, now time.Time) (string, error) {
	auth := r.Header.Values("Authorization")
	if len(auth) == 0 {
		return "", errors.New("no Authorization header")
	}
	if len(auth) > 1 {
		return "", errors.New("more than one Authorization header")
	}
	value, ok := strings.CutPrefix(auth[0], "Bearer ")
	if !ok {
		return "", errors.New(`the Authorization header does not start with "Bearer "`)
	}
	_, err := verify(value, s.keyFor, now, r.Header.Get("Origin"))
	if err != nil {
		return "", err
	}
	return value[strings.LastIndexByte(value, '.')+1:], nil
}

func (s *Server) keyFor(kid string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[kid]
	switch {
	case !ok:
		return Key{}, errors.New("kid names no key of this server")
	case k.revoked:
		return Key{}, errors.New("the key named by kid was revoked")
	}
	return k.Key, nil
}

// song answers GET /v1/catalog/{storefront}/songs/{id} with a song
// resource in Apple's shape for any numeric ID, and with Apple's 404 error
// document otherwise.
func (s *Server) song(w http.ResponseWriter, r *http.Request) {
	storefront, id := r.PathValue("storefront"), r.PathValue("id")
	if !lowerLetters(storefront, 2) || !digits(id) || len(id) > 20 {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{
			"id": newID(), "title": "Resource Not Found", "detail": "Resource with requested id was not found",
			"status": "404", "code": "40400",
		}}})
		return
	}
	href := "/v1/catalog/" + storefront + "/songs/" + id
	writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{{
		"id": id, "type": "songs", "href": href,
		"attributes": map[string]any{
			"name":             "Song " + id,
			"artistName":       "musickittest",
			"albumName":        "Fake Catalog",
			"durationInMillis": 215000,
			"genreNames":       []string{"Pop"},
			"url":              "https://music.apple.com/" + storefront + "/song/" + id,
		},
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func lowerLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// newID makes a 10-character ID of upper-case letters and digits, the form
// of Apple's key and Team IDs.
func newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
