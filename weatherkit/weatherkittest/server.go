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
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/weatherkit"
)

// Server is a fake WeatherKit REST API on an [httptest.Server]. URL,
// Client and Close come from the embedded server (whose own Config field is at
// srv.Server.Config); Key, TeamID, AddKey, Revoke, RevokeTokens, Now,
// Advance, SetClock, Stats and Handle from the embedded [fakeserver.Account], the part
// every developer-token fake of this module shares.
type Server struct {
	*httptest.Server
	*fakeserver.Account

	mu      sync.Mutex
	service map[string]bool // registered Service IDs
}

// DefaultServiceID is the Service ID a new server knows and Config uses.
const DefaultServiceID = "com.example.weatherkit-client"

// Key is a WeatherKit key the server knows: its ID, its team, and its private
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
	s := &Server{service: map[string]bool{DefaultServiceID: true}}
	routes := http.NewServeMux()
	routes.HandleFunc("GET /api/v1/weather/{language}/{latitude}/{longitude}", s.weather)
	routes.HandleFunc("GET /api/v1/availability/{latitude}/{longitude}", s.availability)
	// Apple's reference lists 401 Unauthorized for a refused token and
	// documents no body.
	s.Account, s.Server = fakeserver.NewAccount(func(_ *http.Request, token string, now time.Time, keys *fakeserver.Keys) (fakeserver.Checked, error) {
		c, err := verify(token, keys.Lookup, s.knowsService, now)
		return c.Checked, err
	}, routes)
	return s
}

// Config returns a [weatherkit.Config] for the server's first key and
// [DefaultServiceID], on the server's clock: pass it to
// [weatherkit.NewTokenSource]. This method hides the embedded
// [httptest.Server]'s Config field.
func (s *Server) Config() weatherkit.Config { return s.ConfigFor(s.Key()) }

// ConfigFor returns a [weatherkit.Config] for key k and [DefaultServiceID],
// on the server's clock.
func (s *Server) ConfigFor(k Key) weatherkit.Config {
	return weatherkit.Config{KeyID: k.ID, TeamID: k.TeamID, ServiceID: DefaultServiceID, PrivateKey: k.PrivateKey, Now: s.Now}
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
		fakeserver.WriteJSON(w, http.StatusOK, out) // Apple answers no data sets with none
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
	fakeserver.WriteJSON(w, http.StatusOK, out)
}

// availability answers GET /api/v1/availability/{latitude}/{longitude}
// with the data sets the weather route serves.
func (s *Server) availability(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := location(r); !ok {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	fakeserver.WriteJSON(w, http.StatusOK, []string{"currentWeather", "forecastDaily"})
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
