package weatherkittest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/faketest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
	"github.com/ascjwt/ascjwt/weatherkit"
)

// forge signs header.payload as given, byte for byte, with key: tokens
// that break one rule each, which no well-behaved library would make.
func forge(t testing.TB, header, payload string, key *ecdsa.PrivateKey) string {
	t.Helper()
	return jwsforge.Sign(key, header, payload)
}

// stats is Stats in the toolkit's type, for internal/faketest.
func (s *Server) stats() fakeserver.Stats { return fakeserver.Stats(s.Stats()) }

func bearer(tok string) http.Header { return faketest.Bearer(tok) }

const weatherPath = "/api/v1/weather/en/51.5/-0.12?dataSets=currentWeather"

func TestServerRefusesEachBrokenRule(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return fixed })
	k := srv.Key()
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	revoked := srv.AddKey()
	srv.Revoke(revoked.ID)
	now := fixed.Unix()
	sub := DefaultServiceID
	headFor := func(kid, id string) string { return fmt.Sprintf(`{"alg":"ES256","kid":%q,"id":%q}`, kid, id) }
	head := headFor(k.ID, k.TeamID+"."+sub)
	claims := func(iat, exp int64) string {
		return fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":%q}`, k.TeamID, iat, exp, sub)
	}
	good := claims(now, now+3600)
	valid := forge(t, head, good, k.PrivateKey)
	parts := strings.Split(valid, ".")

	for _, tc := range []struct {
		name   string
		header http.Header
		rule   string // in Stats.LastRejection
	}{
		{"no Authorization", nil, "no Authorization header"},
		{"not Bearer", http.Header{"Authorization": {"bearer" + valid}}, "Bearer"},
		{"four parts", bearer(valid + ".x"), "4 parts"},
		{"padding in base64", bearer(parts[0] + "==." + parts[1] + "." + parts[2]), "base64url"},
		{"alg ES384", bearer(forge(t, fmt.Sprintf(`{"alg":"ES384","kid":%q,"id":"%s.%s"}`, k.ID, k.TeamID, sub), good, k.PrivateKey)), "alg is not ES256"},
		{"no kid", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","id":"%s.%s"}`, k.TeamID, sub), good, k.PrivateKey)), "no kid"},
		{"unknown kid", bearer(forge(t, headFor("ZZZZZZZZZZ", k.TeamID+"."+sub), good, k.PrivateKey)), "names no key"},
		{"revoked key", bearer(forge(t, headFor(revoked.ID, k.TeamID+"."+sub), good, revoked.PrivateKey)), "revoked"},
		{"no id", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q}`, k.ID), good, k.PrivateKey)), "no id"},
		{"id of service alone", bearer(forge(t, headFor(k.ID, sub), good, k.PrivateKey)), "joined by a period"},
		{"id of another service", bearer(forge(t, headFor(k.ID, k.TeamID+".com.example.other"), good, k.PrivateKey)), "joined by a period"},
		{"x5u in header", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q,"id":"%s.%s","x5u":"https://a.example"}`, k.ID, k.TeamID, sub), good, k.PrivateKey)), `"x5u"`},
		{"signed by another key", bearer(forge(t, head, good, other)), "does not verify"},
		{"no iss", bearer(forge(t, head, fmt.Sprintf(`{"iat":%d,"exp":%d,"sub":%q}`, now, now+60, sub), k.PrivateKey)), "iss"},
		{"iss of another team", bearer(forge(t, head, fmt.Sprintf(`{"iss":"ZZZZZZZZZZ","iat":%d,"exp":%d,"sub":%q}`, now, now+60, sub), k.PrivateKey)), "not the Team ID"},
		{"no sub", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d}`, k.TeamID, now, now+60), k.PrivateKey)), "sub"},
		{"sub not registered", bearer(forge(t, headFor(k.ID, k.TeamID+".com.example.other"), fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":"com.example.other"}`, k.TeamID, now, now+60), k.PrivateKey)), "not a Service ID registered"},
		{"aud claim", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":%q,"aud":"weatherkit"}`, k.TeamID, now, now+60, sub), k.PrivateKey)), `"aud"`},
		{"nbf claim", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":%q,"nbf":%d}`, k.TeamID, now, now+60, sub, now), k.PrivateKey)), `"nbf"`},
		{"sub twice", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":%q,"sub":%q}`, k.TeamID, now, now+60, sub, sub), k.PrivateKey)), "twice"},
		{"no iat", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"exp":%d,"sub":%q}`, k.TeamID, now+60, sub), k.PrivateKey)), "iat is missing"},
		{"iat a float", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d.5,"exp":%d,"sub":%q}`, k.TeamID, now, now+60, sub), k.PrivateKey)), "iat is not an integer"},
		{"iat in the future", bearer(forge(t, head, claims(now+120, now+3600), k.PrivateKey)), "future"},
		{"no exp", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"sub":%q}`, k.TeamID, now, sub), k.PrivateKey)), "exp is missing"},
		{"expired", bearer(forge(t, head, claims(now-7200, now), k.PrivateKey)), "expired"},
		{"exp before iat", bearer(forge(t, head, claims(now+30, now+10), k.PrivateKey)), "not after iat"},
	} {
		faketest.ExpectBare401(t, tc.name, srv.Client(), srv.URL+weatherPath, tc.header, srv.stats, tc.rule)
	}

	srv.AddServiceID("com.example.other")
	for name, h := range map[string]http.Header{
		"valid":   bearer(valid),
		"typ JWT": bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q,"id":"%s.%s","typ":"JWT"}`, k.ID, k.TeamID, sub), good, k.PrivateKey)),
		"added Service ID": bearer(forge(t, headFor(k.ID, k.TeamID+".com.example.other"),
			fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":"com.example.other"}`, k.TeamID, now, now+60), k.PrivateKey)),
		"a year long": bearer(forge(t, head, claims(now, now+366*86400), k.PrivateKey)), // Apple sets no limit
	} {
		faketest.ExpectOK(t, name, srv.Client(), srv.URL+weatherPath, h, srv.stats)
	}
}

func TestServerServesWeatherToSourceTokens(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src, err := weatherkit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/api/v1/weather/en-GB/51.5/-0.12?dataSets=currentWeather,forecastDaily")
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		CurrentWeather *struct {
			Name          string
			ConditionCode string
			Temperature   float64
			Metadata      struct{ Latitude, Longitude float64 }
		}
		ForecastDaily *struct {
			Days []struct{ ForecastStart string }
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&w)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %v", resp.Status, err)
	}
	if w.CurrentWeather == nil || w.CurrentWeather.Name != "CurrentWeather" || w.CurrentWeather.Metadata.Latitude != 51.5 || w.CurrentWeather.Metadata.Longitude != -0.12 {
		t.Errorf("currentWeather = %+v", w.CurrentWeather)
	}
	if w.ForecastDaily == nil || len(w.ForecastDaily.Days) == 0 {
		t.Errorf("forecastDaily = %+v", w.ForecastDaily)
	}
	for path, want := range map[string]int{
		"/api/v1/weather/en/91/0?dataSets=currentWeather":             400,
		"/api/v1/weather/en/0/181?dataSets=currentWeather":            400,
		"/api/v1/weather/en/x/0?dataSets=currentWeather":              400,
		"/api/v1/weather/en/0/0?dataSets=somethingElse":               400,
		"/api/v1/weather/e/0/0?dataSets=currentWeather":               400,
		"/api/v1/availability/37.323/-122.032":                        200,
		"/api/v1/availability/37.323/-222.032":                        400,
		"/api/v1/weather/en/0/0":                                      200,
		"/api/v1/weather/zh-Hant/-33.86/151.2?dataSets=forecastDaily": 200,
	} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %s, want %d", path, resp.Status, want)
		}
	}
	if st := srv.Stats(); st.Rejected != 0 || st.Tokens != 1 {
		t.Fatalf("stats %+v: want every request accepted with one token", st)
	}
}

func TestServerClockExpiresTokensAndSourceFollows(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src, err := weatherkit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	for range 2 {
		resp, err := client.Get(srv.URL + weatherPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s (%s)", resp.Status, srv.Stats().LastRejection)
		}
		srv.Advance(2 * time.Hour) // past the first token's exp
	}
	if st := srv.Stats(); st.Accepted != 2 || st.Rejected != 0 || st.Tokens != 2 {
		t.Fatalf("stats %+v: want a new token after the clock passed exp, and no refusal", st)
	}
}

func TestRevokedKeyRetriedOnceThenRefused(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src, err := weatherkit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	faketest.RevokedKeyRetriedOnceThenRefused(t, ascjwt.NewClient(srv.Client(), src), srv.URL+weatherPath, func() { srv.Revoke(srv.Key().ID) }, srv.stats)
}
