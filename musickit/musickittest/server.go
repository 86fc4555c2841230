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
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/musickit"
)

// Server is a fake Apple Music API on an [httptest.Server]. URL, Client and
// Close come from the embedded server (whose own Config field is at
// srv.Server.Config); Key, TeamID, AddKey, Revoke, RevokeTokens, Now,
// Advance, SetClock, Stats and Handle from the embedded [fakeserver.Account], the part
// every developer-token fake of this module shares.
type Server struct {
	*httptest.Server
	*fakeserver.Account
}

// Key is a MusicKit key the server knows: its ID, its team, and its private
// key, which lives in memory only.
type Key = fakeserver.Key

// Stats are the server's counters, for tests to assert on: requests
// accepted and rejected (a bare 401), distinct tokens among the accepted
// (reuse shows as 1), and the rule the last refused token broke.
type Stats = fakeserver.Stats

// NewServer starts a TLS server with one key, made afresh in memory. Use
// srv.Config() for a token source and srv.Client() as the base client.
func NewServer() *Server { return fakeserver.StartedTLS(NewUnstartedServer()) }

// NewUnstartedServer returns a server that is not yet listening, as
// [httptest.NewUnstartedServer] does: call Start for plain HTTP or
// StartTLS, and Close when done.
func NewUnstartedServer() *Server {
	s := new(Server)
	catalog := http.NewServeMux()
	catalog.HandleFunc("GET /v1/catalog/{storefront}/songs/{id}", s.song)
	// Apple answers a refused developer token with a bare 401.
	s.Account, s.Server = fakeserver.NewAccount(func(r *http.Request, token string, now time.Time, keys *fakeserver.Keys) (fakeserver.Checked, error) {
		c, err := verify(token, keys.Lookup, now, r.Header.Get("Origin"))
		return c.Checked, err
	}, catalog)
	return s
}

// Config returns a [musickit.Config] for the server's first key, on the
// server's clock: pass it to [musickit.NewTokenSource]. This method hides
// the embedded [httptest.Server]'s Config field.
func (s *Server) Config() musickit.Config { return s.ConfigFor(s.Key()) }

// ConfigFor returns a [musickit.Config] for key k, on the server's clock.
func (s *Server) ConfigFor(k Key) musickit.Config {
	return musickit.Config{KeyID: k.ID, TeamID: k.TeamID, PrivateKey: k.PrivateKey, Now: s.Now}
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
