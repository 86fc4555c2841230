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
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/musickit"
)

// Server is a fake Apple Music API on an [httptest.Server]. URL, Client and
// Close come from the embedded server (whose own Config field is at
// srv.Server.Config).
type Server struct {
	*httptest.Server

	keys  *fakeserver.Keys
	first Key
	clock fakeclock.Clock
	gate  *fakeserver.Gate
}

// Key is a MusicKit key the server knows: its ID, its team, and its
// private key, which lives in memory only.
type Key struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
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
	s := &Server{keys: fakeserver.NewKeys()}
	s.first = s.AddKey()
	catalog := http.NewServeMux()
	catalog.HandleFunc("GET /v1/catalog/{storefront}/songs/{id}", s.song)
	// Apple answers a refused developer token with a bare 401.
	s.gate = fakeserver.NewGate(s.Now, func(r *http.Request, token string, now time.Time) (fakeserver.Checked, error) {
		c, err := verify(token, s.keyFor, now, r.Header.Get("Origin"))
		if err != nil {
			return fakeserver.Checked{}, err
		}
		return fakeserver.Checked{KeyID: c.keyID, ID: c.id}, nil
	}, catalog)
	s.Server = fakeserver.NewUnstarted(s.gate)
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
func (s *Server) TeamID() string { return s.keys.Team() }

// AddKey makes a new key the server accepts, for testing rotation.
func (s *Server) AddKey() Key { return Key(s.keys.Add()) }

// Revoke makes every token of the key fail from now on, as revoking it in
// the developer account does.
func (s *Server) Revoke(keyID string) { s.keys.Revoke(keyID) }

// RevokeTokens refuses from now on every token of the key that the server
// has accepted so far, however respelled, while new tokens of the key pass:
// what a client sees when the server stops trusting tokens issued before
// some moment. It is the way to test the retry on 401.
func (s *Server) RevokeTokens(keyID string) { s.gate.RevokeTokens(keyID) }

// Now returns the server's clock reading, which the configs it hands out
// use too.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock forward by d, to see tokens age and
// expire without waiting.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// SetClock replaces the server's clock; nil restores [time.Now]. A fixed
// clock makes a test's tokens land exactly on the rules' edges.
func (s *Server) SetClock(now func() time.Time) { s.clock.SetClock(now) }

// Stats returns the counters so far.
func (s *Server) Stats() Stats { return Stats(s.gate.Stats()) }

// Handle adds a route for requests whose token passed, with the patterns of
// [http.ServeMux]. Routes added here are tried before the default one.
func (s *Server) Handle(pattern string, handler http.Handler) { s.gate.Handle(pattern, handler) }

func (s *Server) keyFor(kid string) (Key, error) {
	k, err := s.keys.Lookup(kid)
	return Key(k), err
}

// song answers GET /v1/catalog/{storefront}/songs/{id} with a song
// resource in Apple's shape for any numeric ID, and with Apple's 404 error
// document otherwise.
func (s *Server) song(w http.ResponseWriter, r *http.Request) {
	storefront, id := r.PathValue("storefront"), r.PathValue("id")
	if !lowerLetters(storefront, 2) || !digits(id) || len(id) > 20 {
		fakeserver.WriteJSON(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{
			"id": fakeserver.NewID(), "title": "Resource Not Found", "detail": "Resource with requested id was not found",
			"status": "404", "code": "40400",
		}}})
		return
	}
	href := "/v1/catalog/" + storefront + "/songs/" + id
	fakeserver.WriteJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{{
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
