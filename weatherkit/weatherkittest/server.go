// Package weatherkittest provides a fake WeatherKit REST API for tests, in
// the manner of net/http/httptest: a server on loopback that checks the
// developer token of every request by the rules of Apple's "Request
// authentication for WeatherKit REST API", with verification code of its
// own, and answers a token it refuses with 401 Unauthorized, the status
// Apple's reference lists for it, with an empty body. [Server.Stats] says
// which rule the last refusal broke.
//
// Requests that pass reach GET /api/v1/weather/{language}/{latitude}/{longitude}
// (canned currentWeather and forecastDaily data sets),
// GET /api/v1/availability/{latitude}/{longitude}, or the routes added with
// [Server.Handle].
//
//	srv := weatherkittest.NewServer()
//	defer srv.Close()
//	src, err := weatherkit.NewTokenSource(srv.Config())
//	client := ascjwt.NewClient(srv.Client(), src)
//	resp, err := client.Get(srv.URL + "/api/v1/weather/en/51.5/-0.12?dataSets=currentWeather")
package weatherkittest

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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/weatherkit"
)

// Server is a fake WeatherKit REST API on an [httptest.Server]. URL, Client and
// Close come from the embedded server (whose own Config field is at
// srv.Server.Config).
type Server struct {
	*httptest.Server

	mu      sync.Mutex
	teamID  string
	service map[string]bool // registered Service IDs
	firstID string          // the Service ID Config uses
	keys    map[string]*keyState
	first   Key
	clock   func() time.Time
	offset  time.Duration
	stats   Stats
	seen    map[string]bool // signatures of accepted tokens
	routes  *http.ServeMux
	user    *http.ServeMux
}

// DefaultServiceID is the Service ID a new server knows and Config uses.
const DefaultServiceID = "com.example.weatherkit-client"

// Key is a WeatherKit key the server knows: its ID, its team, and its
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
		service: map[string]bool{DefaultServiceID: true},
		firstID: DefaultServiceID,
		keys:    make(map[string]*keyState),
		clock:   time.Now,
		seen:    make(map[string]bool),
		routes:  http.NewServeMux(),
		user:    http.NewServeMux(),
	}
	s.first = s.AddKey()
	s.routes.HandleFunc("GET /api/v1/weather/{language}/{latitude}/{longitude}", s.weather)
	s.routes.HandleFunc("GET /api/v1/availability/{latitude}/{longitude}", s.availability)
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Closing a server with connections open makes net/http log their
	// handshakes cut short: noise in a test's output.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// Config returns a [weatherkit.Config] for the server's first key and
// [DefaultServiceID], on the
// server's clock: pass it to [weatherkit.NewTokenSource]. This method hides
// the embedded [httptest.Server]'s Config field.
func (s *Server) Config() weatherkit.Config { return s.ConfigFor(s.first) }

// ConfigFor returns a [weatherkit.Config] for key k and [DefaultServiceID],
// on the server's clock.
func (s *Server) ConfigFor(k Key) weatherkit.Config {
	return weatherkit.Config{KeyID: k.ID, TeamID: k.TeamID, ServiceID: s.firstID, PrivateKey: k.PrivateKey, Now: s.Now}
}

// AddServiceID registers another Service ID, whose tokens the server then
// accepts too.
func (s *Server) AddServiceID(id string) {
	s.mu.Lock()
	s.service[id] = true
	s.mu.Unlock()
}

func (s *Server) knowsService(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.service[id]
}

// Key returns the server's first key, the one Config uses.
func (s *Server) Key() Key { return s.first }

// TeamID returns the Team ID of the server's keys.
func (s *Server) TeamID() string { return s.teamID }

// AddKey makes a new key the server accepts, for testing rotation.
func (s *Server) AddKey() Key {
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("weatherkittest: generate key: " + err.Error()) // crypto/rand does not fail
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
		// Apple's reference lists 401 Unauthorized for a refused token
		// and documents no body.
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
		h = s.routes
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
	_, err := verify(value, s.keyFor, s.knowsService, now)
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

// weather answers GET /api/v1/weather/{language}/{latitude}/{longitude}
// with canned data for the data sets the dataSets query asks for, and 400
// for a location or data set that is not one.
func (s *Server) weather(w http.ResponseWriter, r *http.Request) {
	lat, lon, ok := location(r)
	if !ok || !language(r.PathValue("language")) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	now := s.Now().UTC().Truncate(time.Minute)
	meta := func(expire time.Duration) map[string]any {
		return map[string]any{
			"attributionURL": "https://developer.apple.com/weatherkit/data-source-attribution/",
			"expireTime":     now.Add(expire).Format(time.RFC3339),
			"latitude":       lat, "longitude": lon,
			"readTime":     now.Format(time.RFC3339),
			"reportedTime": now.Add(-10 * time.Minute).Format(time.RFC3339),
			"units":        "m", "version": 1,
		}
	}
	out := map[string]any{}
	sets := r.URL.Query().Get("dataSets")
	if sets == "" {
		writeJSON(w, http.StatusOK, out) // Apple answers no data sets with none
		return
	}
	for _, set := range strings.Split(sets, ",") {
		switch set {
		case "currentWeather":
			out[set] = map[string]any{
				"name": "CurrentWeather", "metadata": meta(5 * time.Minute),
				"asOf": now.Format(time.RFC3339), "conditionCode": "Clear", "daylight": true,
				"humidity": 0.5, "pressure": 1013.2, "temperature": 20.5, "temperatureApparent": 20.1,
				"uvIndex": 3, "visibility": 30000.0, "windDirection": 270, "windSpeed": 11.2, "cloudCover": 0.1,
			}
		case "forecastDaily":
			days := make([]map[string]any, 3)
			day := now.Truncate(24 * time.Hour)
			for i := range days {
				days[i] = map[string]any{
					"forecastStart": day.Add(time.Duration(i) * 24 * time.Hour).Format(time.RFC3339),
					"forecastEnd":   day.Add(time.Duration(i+1) * 24 * time.Hour).Format(time.RFC3339),
					"conditionCode": "PartlyCloudy", "temperatureMax": 22.0 + float64(i), "temperatureMin": 12.0 + float64(i),
					"precipitationChance": 0.1, "precipitationAmount": 0.0,
				}
			}
			out[set] = map[string]any{"name": "DailyForecast", "metadata": meta(time.Hour), "days": days}
		default:
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// availability answers GET /api/v1/availability/{latitude}/{longitude}
// with the data sets the weather route serves.
func (s *Server) availability(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := location(r); !ok {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusOK, []string{"currentWeather", "forecastDaily"})
}

// location reads the latitude and longitude of a route, in degrees.
func location(r *http.Request) (lat, lon float64, ok bool) {
	lat, err1 := strconv.ParseFloat(r.PathValue("latitude"), 64)
	lon, err2 := strconv.ParseFloat(r.PathValue("longitude"), 64)
	return lat, lon, err1 == nil && err2 == nil && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// language reports whether s looks like a language tag: "en", "en-US",
// "zh-Hant".
func language(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
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
